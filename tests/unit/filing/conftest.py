"""A writable bureau database of each test's own: the demo district ending 2025-06, marked real; July 2025 is the
month the townships fill (today 2025-08-03 in Beijing)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from civdash.store import db

TODAY = date(2025, 8, 3)  # before the default deadline (2025-08-05)
LATE = date(2025, 8, 6)
JULY = date(2025, 7, 1)


@pytest.fixture
def con(demo_path: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_path, path)
    c = db.connect(path)
    db.set_meta(c, "is_demo", "0")
    yield c
    c.close()


def township_id(con: duckdb.DuckDBPyConnection, name: str) -> int:
    return int(con.execute("SELECT id FROM township WHERE name = ?", [name]).fetchone()[0])
