"""Fixtures shared by the app and e2e suites: the demo district ending 2025-06, and SQL on it.

The demo is built once per session; each suite serves its own copy of the file (the app opens it
read-write), and expected values come from SQL on the public view ``v_fact`` of this original.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from civdash import demo  # noqa: E402

DEMO_UNTIL = date(2025, 6, 1)


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database ending 2025-06; copy it before serving it."""
    path = tmp_path_factory.mktemp("civdash-demo") / "demo.duckdb"
    demo.build(path, until=DEMO_UNTIL)
    return path


@pytest.fixture(scope="session")
def sql(demo_snapshot: Path) -> Iterator[Callable[..., object]]:
    """``sql(query, *params)``: the single value of a query on the demo snapshot (read-only)."""
    con = duckdb.connect(str(demo_snapshot), read_only=True)

    def scalar(query: str, *params: object) -> object:
        row = con.execute(query, list(params)).fetchone()
        return row[0] if row else None

    scalar.con = con  # type: ignore[attr-defined]
    yield scalar
    con.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator:
    """A PostgreSQL server on loopback for the whole session (tests/postgres.py), stopped at the end."""
    from tests import postgres as pg

    server = pg.start()
    yield server
    server.stop()


@pytest.fixture
def lake(postgres, tmp_path: Path):
    """An empty DuckLake: a new catalog database on the session's PostgreSQL, data files under tmp_path."""
    return postgres.new_lake(tmp_path / "lake-data")
