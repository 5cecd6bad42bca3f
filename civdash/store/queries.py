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


def frame(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> pd.DataFrame:
    """Run a named query and return its result as ``run`` does, built through Arrow: faster for many rows (a text
    column is taken over without a Python string per row, which ``.df()`` makes and pandas converts back). Dtypes are
    ``.df()``'s (an integer column holding NULLs is pandas' nullable ``Int32``, text ``str``) except DATE columns:
    ``datetime.date`` objects (NaT where missing), as ``.dt.date`` makes them, converted once per row in C.
    """
    import pyarrow as pa  # here, not at import: the command line starts without it

    table = con.execute(load(name), params or None).to_arrow_table()
    df = table.to_pandas()
    for column, field in zip(table.columns, table.schema, strict=True):
        if pa.types.is_string(field.type) and column.null_count == len(column):
            # no text to infer ``str`` from (no rows, or only NULLs): .df() leaves such a column as objects
            df[field.name] = pd.Series([None] * len(df), index=df.index, dtype=object)
        elif not column.null_count:
            continue
        elif pa.types.is_integer(field.type):
            df[field.name] = df[field.name].astype(str(field.type).capitalize())  # int32 → Int32, as .df() does
        elif pa.types.is_date(field.type):
            df[field.name] = df[field.name].where(df[field.name].notna(), pd.NaT)
    return df


def execute(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> duckdb.DuckDBPyConnection:
    """Run a named statement; returns the connection for ``fetchone()`` after ``RETURNING``."""
    return con.execute(load(name), params or None)


def scalar(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> Any:
    """Run a named query that returns one value."""
    row = con.execute(load(name), params or None).fetchone()
    return row[0] if row else None
