"""appdb.py and paths.py: which database the dashboard opens."""

from __future__ import annotations

from datetime import date

import pytest

from civdash import appdb
from civdash.store import db, paths


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVDASH_DB", str(tmp_path / "real.duckdb"))
    monkeypatch.setenv("CIVDASH_DEMO_DB", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("CIVDASH_DEMO_UNTIL", "2023-03")
    return tmp_path


def _meta(path, key):
    con = db.connect(path, read_only=True)
    try:
        return db.get_meta(con, key)
    finally:
        con.close()


def test_paths_follow_the_environment(env) -> None:
    assert paths.real_db_path() == env / "real.duckdb"
    assert paths.demo_db_path() == env / "demo.duckdb"
    assert appdb.demo_until() == date(2023, 3, 1)


def test_paths_default_to_data_dir(monkeypatch) -> None:
    monkeypatch.delenv("CIVDASH_DB", raising=False)
    monkeypatch.delenv("CIVDASH_DEMO_DB", raising=False)
    assert paths.real_db_path() == paths.DATA_DIR / "civdash.duckdb"
    assert paths.demo_db_path() == paths.DATA_DIR / "demo.duckdb"


def test_demo_is_built_once_and_rebuilt_when_stale(env, monkeypatch) -> None:
    demo_path = env / "demo.duckdb"
    assert appdb.app_database() == (demo_path, True)
    assert _meta(demo_path, "demo_until") == "2023-03"
    assert not (env / "demo.duckdb.building").exists()

    con = db.connect(demo_path)
    db.set_meta(con, "marker", "kept")
    con.close()
    assert appdb.app_database() == (demo_path, True)
    assert _meta(demo_path, "marker") == "kept"  # current: not rebuilt

    monkeypatch.setenv("CIVDASH_DEMO_UNTIL", "2023-04")
    assert appdb.app_database() == (demo_path, True)
    assert _meta(demo_path, "marker") is None  # stale: rebuilt
    assert _meta(demo_path, "demo_until") == "2023-04"


def test_a_damaged_demo_file_is_rebuilt(env) -> None:
    demo_path = env / "demo.duckdb"
    demo_path.write_bytes(b"not a database")
    assert appdb.app_database() == (demo_path, True)
    assert _meta(demo_path, "is_demo") == "1"


def test_the_real_database_wins_once_it_exists(env) -> None:
    real = env / "real.duckdb"
    db.connect(real).close()
    assert appdb.app_database() == (real, False)
    assert not (env / "demo.duckdb").exists()
