"""db.py: connection, migrations, transactions, meta keys."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path

import duckdb
import pytest

from civdash.store import db
from civdash.store.paths import QUERIES_DIR

MIGRATION_FILES = sorted((QUERIES_DIR / "migrations").glob("*.sql"))


def test_migrations_are_numbered_in_order() -> None:
    found = db.migrations()
    assert [p for _, p in found] == MIGRATION_FILES
    assert [v for v, _ in found] == list(range(1, len(MIGRATION_FILES) + 1))
    assert len(found) >= 2


def test_connect_creates_the_file_and_the_schema(tmp_path) -> None:
    path = tmp_path / "sub" / "dir" / "new.duckdb"
    con = db.connect(path)
    assert path.exists()
    assert db.schema_version(con) == len(MIGRATION_FILES)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"meta", "indicator", "indicator_alias", "township", "township_alias", "target", "batch",
            "batch_file", "fact", "schema_version", "v_fact"} <= tables
    con.close()


def test_schema_version_of_a_bare_database_is_zero() -> None:
    con = duckdb.connect()
    assert db.schema_version(con) == 0
    assert db.migrate(con) == len(MIGRATION_FILES)
    con.close()


def test_migrate_is_idempotent(small) -> None:
    con = small.con
    n_facts = con.execute("SELECT count(*) FROM fact").fetchone()[0]
    assert db.migrate(con) == len(MIGRATION_FILES)
    assert db.migrate(con) == len(MIGRATION_FILES)
    assert con.execute("SELECT list(version ORDER BY version) FROM schema_version").fetchone()[0] == list(
        range(1, len(MIGRATION_FILES) + 1))
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == n_facts == 87
    con.close()
    again = db.connect(small.path)  # reopening migrates again: nothing to do, nothing lost
    assert db.schema_version(again) == len(MIGRATION_FILES)
    assert again.execute("SELECT count(*) FROM fact").fetchone()[0] == 87
    small.con = again


def test_read_only_connection_cannot_write(small) -> None:
    small.con.close()
    ro = db.connect(small.path, read_only=True)
    assert db.schema_version(ro) == len(MIGRATION_FILES)
    with pytest.raises(duckdb.Error):
        ro.execute("DELETE FROM fact")
    assert ro.execute("SELECT count(*) FROM fact").fetchone()[0] == 87
    small.con = ro


def test_transaction_rolls_back_on_exception(small) -> None:
    con = small.con
    before = con.execute("SELECT count(*), sum(value) FROM fact").fetchone()
    with pytest.raises(RuntimeError, match="boom"), db.transaction(con):
        con.execute("DELETE FROM fact WHERE indicator_code = 'funds'")
        con.execute("INSERT INTO meta VALUES ('half', 'done')")
        assert con.execute("SELECT count(*) FROM fact WHERE indicator_code = 'funds'").fetchone()[0] == 0
        raise RuntimeError("boom")
    assert con.execute("SELECT count(*), sum(value) FROM fact").fetchone() == before
    assert db.get_meta(con, "half") is None
    # the connection is usable afterwards and a successful block commits
    with db.transaction(con):
        con.execute("INSERT INTO meta VALUES ('after', 'ok')")
    assert db.get_meta(con, "after") == "ok"


def test_transaction_rolls_back_a_failing_statement(small) -> None:
    con = small.con
    before = con.execute("SELECT count(*) FROM township").fetchone()[0]
    with pytest.raises(duckdb.ConstraintException), db.transaction(con):
        con.execute("INSERT INTO township (name, sort_order) VALUES ('甲乡', 9)")
        con.execute("INSERT INTO township (name, sort_order) VALUES ('城东街道', 10)")  # name is unique
    assert con.execute("SELECT count(*) FROM township").fetchone()[0] == before == 4


def test_meta_and_data_version(small) -> None:
    con = small.con
    assert db.get_meta(con, "missing") is None
    assert db.get_meta(con, "missing", "x") == "x"
    db.set_meta(con, "district_name", "黔江区")
    db.set_meta(con, "district_name", "德化县")
    assert db.get_meta(con, "district_name") == "德化县"
    assert db.data_version(con) == 0
    assert db.bump_data_version(con) == 1
    assert db.bump_data_version(con) == 2
    assert db.data_version(con) == 2
    assert not db.is_demo(con)
    db.set_meta(con, "is_demo", "1")
    assert db.is_demo(con)


# --- file modes (issue 16, item 10): a database holds password hashes ---------------------------------------------


@pytest.fixture
def usual_umask():
    """The umask a server usually runs with (022: files 0644), whatever earlier tests left; restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_database_its_log_and_its_backups_are_the_owners_alone(usual_umask, tmp_path) -> None:
    from civdash.access import auth
    from civdash.store import backup

    path = tmp_path / "data" / "civdash.duckdb"
    con = db.connect(path)
    auth.add_user(con, "王主任", "admin", "file-mode-test-9")  # a commit: the log holds it until a checkpoint
    wal = Path(f"{path}.wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert (mode(path), mode(wal)) == (0o600, 0o600)
    con.close()
    made = backup.create_backup(path, tmp_path / "backups")
    assert (mode(made.path), mode(made.path.parent)) == (0o600, 0o700)
    path.chmod(0o644)  # a database made by an older civdash …
    backup.restore(made.path, path)
    assert mode(path) == 0o600  # … is replaced by a private one
    [kept] = path.parent.glob("civdash.duckdb.before-restore-*")
    kept.chmod(0o644)
    db.connect(kept).close()  # and opened for writing, an old file becomes private too
    assert mode(kept) == 0o600


def test_a_file_opened_read_only_keeps_its_mode(usual_umask, tmp_path) -> None:
    path = tmp_path / "x.duckdb"
    db.connect(path).close()
    path.chmod(0o640)
    db.connect(path, read_only=True).close()
    assert mode(path) == 0o640


def test_times_are_stored_in_utc_on_a_server_set_to_beijing_time(tmp_path) -> None:
    """A server whose clock zone is Asia/Shanghai still stores UTC (which 北京时间 is then worked out from)."""
    import subprocess
    import sys
    from datetime import datetime

    code = ("import sys; from civdash.store import db; con = db.connect(sys.argv[1]); "
            "print(con.cursor().execute('SELECT current_timestamp::TIMESTAMP').fetchone()[0].isoformat())")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.duckdb")], capture_output=True, text=True,
                         check=True, env={**os.environ, "TZ": "Asia/Shanghai"}).stdout.strip()
    stored = datetime.fromisoformat(out)
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    assert abs((stored - utc_now).total_seconds()) < 3600  # not 8 hours ahead
