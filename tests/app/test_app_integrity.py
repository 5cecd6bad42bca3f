"""The dashboard on a database that fails the integrity check (a save killed during its commit left its values without
their batch): no page shows a figure; each says in Chinese what is wrong and that the admin runs
``python -m civdash repair``; once repaired, the figures are served again."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from civdash.store import db, integrity
from tests.app.conftest import DASHBOARD, TEST_USER, TIMEOUT, assert_clean, clear_caches, point_app, run_app
from ui.access import USER_KEY

pytestmark = pytest.mark.timeout(300)


def test_a_damaged_database_is_refused_in_words_until_repaired(demo_snapshot, monkeypatch, sql, tmp_path) -> None:
    bureau = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_snapshot, bureau)
    with duckdb.connect(str(bureau)) as con:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
        # What the killed save leaves: June's values again under a batch that does not exist, all current.
        con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                    "SELECT indicator_code, township_id, period, value + 1, 99, true FROM fact "
                    "WHERE is_current AND period = DATE '2025-06-01'")
        orphans = con.execute("SELECT count(*) FROM fact WHERE batch_id = 99").fetchone()[0]
    point_app(monkeypatch, bureau, tmp_path / "demo.duckdb")
    try:
        for page in (None, "pages/query.py"):
            at = AppTest.from_file(str(DASHBOARD), default_timeout=TIMEOUT)
            at.session_state[USER_KEY] = TEST_USER
            at.run()
            if page:
                at.switch_page(page).run()
            assert not at.exception and not at.metric and not at.dataframe
            errors = [e.value for e in at.error]
            assert len(errors) == 1, errors
            assert errors[0].startswith(f"数据库完整性检查发现问题：有{orphans}条数据不属于任何导入批次（批次编号99不存在")
            assert "请系统管理员停止看板服务后运行 python -m civdash repair" in errors[0]
        clear_caches()  # the dashboard stopped, the database repaired, the dashboard started again
        con = db.connect(bureau)
        assert integrity.repair(con).ok
        con.close()
        at = run_app(user=None)
        assert_clean(at)
        persons = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' "
                      "AND period = DATE '2025-06-01'")
        assert {m.label: m.value for m in at.metric}["城市低保人数"] == f"{persons:,.0f}人"
    finally:
        clear_caches()
