"""The dashboard on the shared store (CIVDASH_STORE=ducklake): the demo copied into a lake on the session's
PostgreSQL is served with the file's figures; a store that cannot be reached is told in Chinese, without a
traceback or the password."""

from __future__ import annotations

import shutil
import socket

import duckdb

from civdash.store import db, transfer
from tests.app.conftest import assert_clean, clear_caches, run_app


def lake_env(monkeypatch, catalog: str, data_path: str) -> None:
    monkeypatch.setenv("CIVDASH_STORE", "ducklake")
    monkeypatch.setenv("CIVDASH_CATALOG", catalog)
    monkeypatch.setenv("CIVDASH_DATA_PATH", data_path)
    clear_caches()


def test_overview_and_query_on_a_lake_show_the_stored_figures(demo_snapshot, lake, monkeypatch, sql, tmp_path) -> None:
    bureau = tmp_path / "civdash.duckdb"  # the demo's data as the bureau's own (the demo never goes into a lake)
    shutil.copyfile(demo_snapshot, bureau)
    with duckdb.connect(str(bureau)) as con:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
    transfer.into_lake(bureau, lake)
    lake_env(monkeypatch, lake.catalog, lake.data_path)
    try:
        at = run_app(user=None)
        assert_clean(at)
        persons = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' "
                      "AND period = DATE '2025-06-01'")
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["城市低保人数"] == f"{persons:,.0f}人"
        assert any("数据截至2025年6月" in m.value for m in at.markdown)
        con = db.connect(lake)  # the page read the lake, not a file: same figure there
        assert con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' "
                           "AND period = DATE '2025-06-01'").fetchone()[0] == persons
        con.close()
    finally:
        clear_caches()


def test_an_unreachable_store_is_told_without_a_traceback(monkeypatch, tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lake_env(monkeypatch, f"host=127.0.0.1 port={port} dbname=x user=u password='top secret' connect_timeout=2",
             str(tmp_path / "data"))
    try:
        at = run_app(user=None)  # a visitor: a generic message, nothing of the setting
        assert not at.exception
        assert [e.value for e in at.error] == ["看板暂时无法使用数据，请稍后再试。如仍无法使用，请联系系统管理员。"]
        clear_caches()
        at = run_app()  # an administrator: what is wrong, the password masked (quoted, with a space in it)
        assert not at.exception
        assert [e.value for e in at.error] == [
            f"看板暂时无法使用数据：无法连接共享存储 DuckLake（目录 host=127.0.0.1 port={port} dbname=x user=u "
            f"password=*** connect_timeout=2，数据 {tmp_path / 'data'}）。详细原因已记入服务器日志。"]
        assert "secret" not in str(at)
    finally:
        clear_caches()
