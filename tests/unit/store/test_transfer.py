"""Moving a bureau's database file into the shared lake (``migrate --to ducklake``), and backing up and restoring
a lake: counts, row hashes and totals equal, refusals leave the lake as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from civdash.access import auth
from civdash.cli.main import main
from civdash.store import backup, db, ducklake, transfer


def v_fact_totals(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT indicator_code, township, period, value FROM v_fact ORDER BY ALL").fetchall()


@pytest.fixture
def bureau(demo_snapshot: Path, tmp_path: Path) -> Path:
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_snapshot, path)
    with duckdb.connect(str(path)) as con:  # the demo's data as the bureau's own
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
    return path


@pytest.fixture
def lake_env(lake, monkeypatch):
    monkeypatch.setenv("CIVDASH_STORE", "ducklake")
    monkeypatch.setenv("CIVDASH_CATALOG", lake.catalog)
    monkeypatch.setenv("CIVDASH_DATA_PATH", lake.data_path)
    return lake


def test_migrate_to_ducklake_copies_everything_and_says_so(bureau, lake_env, capsys) -> None:
    assert main(["migrate", "--to", "ducklake", "--db", str(bureau)]) == 0
    out = capsys.readouterr().out
    source = duckdb.connect(str(bureau), read_only=True)
    con = db.connect(lake_env)
    try:
        assert v_fact_totals(con) == v_fact_totals(source)
        assert transfer.fingerprint(con, ducklake.LAKE_NAME) == transfer.fingerprint(source, "civdash")
        facts = source.execute("SELECT count(*) FROM v_fact").fetchone()[0]
        batches = source.execute("SELECT count(*) FROM batch").fetchone()[0]
        assert f"  fact：{source.execute('SELECT count(*) FROM fact').fetchone()[0]}行" in out
        assert f"  batch：{batches}行" in out
        indicators = source.execute("SELECT count(DISTINCT indicator_code) FROM v_fact").fetchone()[0]
        assert f"当前数据{facts}条，{indicators}个指标的条数和合计与 {bureau} 逐一核对一致。" in out
        # the lake works as the bureau's database from here: the command line reads it
        assert main(["info"]) == 0
        info = capsys.readouterr().out
        assert f"当前数据：{facts}条" in info and "最新月份：2025年6月" in info and "DuckLake（目录 host=127.0.0.1" in info
    finally:
        source.close()
        con.close()


def test_a_lake_in_use_is_never_overwritten(bureau, lake_env, capsys) -> None:
    transfer.into_lake(bureau, lake_env)
    con = db.connect(lake_env)
    auth.add_user(con, "王主任", "admin", "correct horse 8", by="命令行")
    before = transfer.fingerprint(con, ducklake.LAKE_NAME)
    con.close()
    assert main(["migrate", "--to", "ducklake", "--db", str(bureau)]) == 1
    assert "共享存储中已有数据，未做任何改动" in capsys.readouterr().err
    con = db.connect(lake_env)
    assert transfer.fingerprint(con, ducklake.LAKE_NAME) == before
    con.close()


def test_migrate_to_ducklake_without_the_settings_is_a_usage_error(bureau, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CIVDASH_STORE", raising=False)
    assert main(["migrate", "--to", "ducklake", "--db", str(bureau)]) == 2
    assert "请先设置 CIVDASH_STORE=ducklake" in capsys.readouterr().err


def test_an_older_file_is_brought_up_to_date_on_a_copy_and_left_as_it_was(bureau, lake) -> None:
    con = duckdb.connect(str(bureau))
    con.execute("DELETE FROM schema_version WHERE version >= 7")  # pretend 0007 has not run: its table as before
    con.execute("DROP TABLE audit_log")
    con.execute("CREATE SEQUENCE audit_log_id_seq START 1")
    con.execute("CREATE TABLE audit_log (id INTEGER PRIMARY KEY DEFAULT nextval('audit_log_id_seq'), "
                "logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp, user_name VARCHAR, action VARCHAR NOT NULL, "
                "target VARCHAR, detail VARCHAR)")
    con.execute("INSERT INTO audit_log (user_name, action, target) VALUES ('李静', 'login', '李静')")
    con.close()
    before = bureau.read_bytes()
    moved = transfer.into_lake(bureau, lake)
    assert bureau.read_bytes() == before
    assert moved.tables["audit_log"] == 1 and moved.tables["schema_version"] == len(db.migrations())
    con = db.connect(lake)
    assert con.execute("SELECT id, user_name, action FROM audit_log").fetchall() == [(1, "李静", "login")]
    con.close()


def test_the_demo_is_never_put_into_the_shared_store(demo_snapshot, lake, tmp_path) -> None:
    with pytest.raises(transfer.TransferError, match="是示例数据库，示例数据不能放入共享存储"):
        transfer.into_lake(demo_snapshot, lake)
    con = ducklake.attach(lake)
    assert ducklake.tables(con, ducklake.LAKE_NAME) == []
    con.close()


def test_a_file_that_is_not_civdash_is_refused(tmp_path, lake) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    with pytest.raises(transfer.TransferError, match="不是民政数据看板的数据库"):
        transfer.into_lake(other, lake)
    con = ducklake.attach(lake)
    assert ducklake.tables(con, ducklake.LAKE_NAME) == []
    con.close()


def test_backup_of_a_lake_and_restore_into_it(bureau, lake_env, tmp_path, capsys) -> None:
    transfer.into_lake(bureau, lake_env)
    assert main(["backup", str(tmp_path / "bk")]) == 0
    out = capsys.readouterr().out
    assert "取自共享存储的同一时刻" in out
    made = next((tmp_path / "bk").glob("civdash-*.duckdb"))
    con = db.connect(lake_env)
    expected = v_fact_totals(con)
    version = db.data_version(con)
    with duckdb.connect(str(made), read_only=True) as copy:
        assert v_fact_totals(copy) == expected
        assert transfer.fingerprint(copy, copy.execute("SELECT current_database()").fetchone()[0]) == \
            transfer.fingerprint(con, ducklake.LAKE_NAME)
    # changes after the backup: an account and a changed value
    auth.add_user(con, "王主任", "admin", "correct horse 8", by="命令行")
    with db.transaction(con):
        con.execute("UPDATE fact SET value = value + 1 WHERE is_current AND period = DATE '2025-06-01'")
        db.bump_data_version(con)
    assert v_fact_totals(con) != expected
    con.close()
    assert main(["restore", str(made)]) == 0
    assert "各看板进程随即显示恢复后的数据" in capsys.readouterr().out
    con = db.connect(lake_env)
    try:
        assert v_fact_totals(con) == expected
        assert auth.users(con) == []
        assert db.data_version(con) > version + 1  # past every version a running dashboard may have cached
    finally:
        con.close()


def test_restore_refuses_a_backup_that_is_not_civdash(lake_env, tmp_path, capsys) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    assert main(["restore", str(other)]) == 1
    assert "不是 civdash 数据库" in capsys.readouterr().err
    assert isinstance(backup.BackupError("x"), RuntimeError)
