"""Named SQL statements from ``queries/``, loaded by name and run with named parameters."""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb
import pandas as pd

from civdash.store.paths import QUERIES_DIR


@cache
def load(name: str) -> str:
    """Return the text of ``queries/<name>.sql``."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r}")
    return path.read_text(encoding="utf-8")


def run(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pd.DataFrame:
    """Run a named query and return its result as a DataFrame.

    ``con`` is used as given: callers on several threads (the dashboard) pass their own cursor.
    """
    return con.execute(load(name), params or None).df()


def execute(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> duckdb.DuckDBPyConnection:
    """Run a named statement; returns the connection for ``fetchone()`` after ``RETURNING``."""
    return con.execute(load(name), params or None)


def scalar(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> Any:
    """Run a named query that returns one value."""
    row = con.execute(load(name), params or None).fetchone()
    return row[0] if row else None
