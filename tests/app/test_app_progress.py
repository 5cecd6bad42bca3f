"""报送进度 (pages/progress.py): the grid and the summary say who has not reported, as the database holds it."""

from __future__ import annotations

import duckdb
import pytest

from tests.upload_fixtures import never_uploaded

PAGE = "pages/progress.py"


@pytest.mark.timeout(180)
def test_the_township_that_did_not_report_june_is_named(app, sql, clean) -> None:
    at = app(PAGE)
    clean(at)
    silent = [t for (t,) in sql.con.execute(
        "SELECT name FROM township t WHERE level = 'township' AND NOT EXISTS (SELECT 1 FROM v_fact f "
        "WHERE f.township = t.name AND f.period = '2025-06-01') ORDER BY sort_order").fetchall()]
    assert silent  # the demo has a township that did not report its last month
    summary = next(m.value for m in at.markdown if m.value.startswith("**2025年6月**"))
    assert f"{30 - len(silent)}/30个乡镇（街道）已报送" in summary
    grid = at.dataframe[0].value
    assert list(grid.columns)[-1] == "2025年6月" and len(grid.columns) == 12
    for town in silent:
        assert grid.loc[town, "2025年6月"] == "未报送" and town in summary
    assert (grid.drop(index=silent)["2025年6月"] == "已报送").all()


@pytest.mark.timeout(180)
def test_removing_a_townships_month_shows_it_missing(real_app, real_env, clean) -> None:
    con = duckdb.connect(str(real_env))
    never_uploaded(con, "period = '2025-06-01' AND township_id = (SELECT id FROM township WHERE name = '城东街道')")
    con.close()
    at = real_app(PAGE)
    clean(at)
    assert at.dataframe[0].value.loc["城东街道", "2025年6月"] == "未报送"
    by_indicator = at.dataframe[1].value
    assert by_indicator.loc["城东街道", "状态"] == "未报送"
    assert any("城东街道" in m.value for m in at.markdown if m.value.startswith("**2025年6月**"))
    assert any(b.proto.label == "下载报送进度（Excel）" for b in at.get("download_button"))


@pytest.mark.timeout(180)
def test_the_open_months_returns_come_first_once_townships_report_for_themselves(real_app, real_env, clean) -> None:
    at = real_app(PAGE)
    clean(at)
    assert not at.subheader[0].value.startswith("乡镇填报")  # the statistician uploads: the grid comes first
    tucked = next(e for e in at.expander if e.label.startswith("乡镇填报"))
    assert tucked.subheader[0].value.startswith("乡镇填报（")
    from civdash.access import auth
    from civdash.store import db
    from tests.app.conftest import clear_caches

    con = db.connect(real_env)
    try:
        (town,) = con.execute("SELECT id FROM township WHERE name = '城东街道'").fetchone()
        auth.add_user(con, "赵敏", "township", "correct horse 7", townships=[town])
    finally:
        con.close()
    clear_caches()
    at = real_app(PAGE)
    clean(at)
    assert at.subheader[0].value.startswith("乡镇填报（")
    assert not [e for e in at.expander if e.label.startswith("乡镇填报")]
