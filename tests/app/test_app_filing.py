"""填报 (pages/filing.py), 审核 (pages/review.py) and the returns on 报送进度: a township fills July 2025 (today is
2025-08-03 in Beijing), the statistician returns it with a reason, the township sees the reason and submits again,
the statistician approves and the figures are current, as 总览 shows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from civdash.access import auth
from civdash.domain import times
from civdash.filing import form, returns
from civdash.store import db
from tests.app.conftest import TEST_USER, key_cards, run_app, shown
from tests.upload_fixtures import JULY, read

FILL, REVIEW, PROGRESS = "pages/filing.py", "pages/review.py", "pages/progress.py"
TODAY = date(2025, 8, 3)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr(times, "today_beijing", lambda: TODAY)
    return TODAY


def township_user(path: Path, name: str = "城东街道") -> auth.User:
    (tid,) = read(path, "SELECT id FROM township WHERE name = ?", name)[0]
    return auth.User(9, f"{name[:2]}填报员", "township", False, townships=(tid,))


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def submit_from_core(path: Path, town: str, values: dict[str, float] | None = None) -> int:
    """A township's submission of July made through the core (the app shares the database instance)."""
    con = db.connect(path)
    try:
        (tid,) = con.execute("SELECT id FROM township WHERE name = ?", [town]).fetchone()
        filled = {r.code: r.last for r in form.form(con, tid, JULY)} | (values or {})
        return returns.submit(con, form.check_form(con, tid, JULY, filled), f"{town[:2]}填报员",
                              now=datetime(2025, 8, 2, 2, 0))  # 10:00 in Beijing, before the deadline
    finally:
        con.close()


@pytest.mark.timeout(180)
def test_a_township_fills_the_form_with_last_months_figures_and_submits(real_app, real_env, today, clean) -> None:
    user = township_user(real_env)
    at = run_app(FILL, user=user)
    clean(at)
    assert at.title[0].value == "填报"
    assert any("填报月份：**2025年7月**" in m.value and "2025年8月5日（星期二）" in m.value for m in at.markdown)
    assert any("2025年7月尚未填报" in i.value for i in at.info)
    june_persons = read(real_env, "SELECT value FROM v_fact WHERE township = '城东街道' AND period = '2025-06-01' "
                                  "AND indicator_code = 'dibao_urban_persons'")[0][0]
    assert f"上月：{june_persons:,.0f}人" in [shown(c.value) for c in at.caption]

    at = button(at, "按上月数填入空白项").click().run()
    clean(at)
    persons = at.number_input(key=f"fill::{user.townships[0]}::2025-07::dibao_urban_persons")
    assert persons.value == june_persons
    at = persons.set_value(int(june_persons) + 2).run()
    clean(at)
    assert any("未发现问题" in s.value for s in at.success)
    assert not button(at, "提交").disabled
    at = button(at, "提交").click().run()
    clean(at)
    assert any("已提交城东街道2025年7月的数据" in shown(s.value) for s in at.success)
    assert any("2025年7月已提交" in shown(w.value) for w in at.warning)
    stored = read(real_env, "SELECT status, submitted_by, township_id FROM township_return")
    assert stored == [("submitted", "城东填报员", user.townships[0])]
    assert read(real_env, "SELECT count(*) FROM fact WHERE period = ?", JULY) == [(0,)]  # not current before review


@pytest.mark.timeout(180)
def test_a_soft_finding_keeps_submit_disabled_until_it_is_explained(real_app, real_env, today, clean) -> None:
    user = township_user(real_env)
    at = run_app(FILL, user=user)
    at = button(at, "按上月数填入空白项").click().run()
    persons = at.number_input(key=f"fill::{user.townships[0]}::2025-07::dibao_urban_persons")
    at = persons.set_value(int(persons.value) * 100).run()
    clean(at)
    assert any("需要核实的问题" in w.value for w in at.warning)
    assert button(at, "提交").disabled
    assert any("没有填写核实说明" in c.value for c in at.caption)
    for box in at.text_area:
        box.set_value("城中村改造安置人员集中纳入，经核实属实")
    at = at.run()
    assert not button(at, "提交").disabled
    at = button(at, "提交").click().run()
    clean(at)
    (explained,) = read(real_env, "SELECT explanations FROM township_return")[0]
    assert "城中村改造安置人员集中纳入，经核实属实" in explained


@pytest.mark.timeout(240)
def test_returned_with_a_reason_then_approved_the_figures_are_current_on_the_overview(real_app, real_env, today,
                                                                                       clean) -> None:
    first = submit_from_core(real_env, "城东街道", {"dibao_urban_persons": 300})
    at = run_app(REVIEW, user=TEST_USER)
    clean(at)
    waiting = at.dataframe[0].value
    assert list(waiting["乡镇（街道）"]) == ["城东街道"] and list(waiting["月份"]) == ["2025年7月"]
    changes = next(d.value for d in at.dataframe if "指标" in d.value.columns).set_index("指标")
    assert changes.loc["城市低保人数", "本月"] == "300"
    assert button(at, "退回").disabled  # a reason is required
    at = at.text_area(key=f"review_reason::{first}").set_value("城市低保人数与系统台账不符，请核对").run()
    at = button(at, "退回").click().run()
    clean(at)
    assert any("已退回城东街道2025年7月的填报" in shown(s.value) for s in at.success)

    user = township_user(real_env)
    at = run_app(FILL, user=user)
    clean(at)
    assert any("退回原因：城市低保人数与系统台账不符，请核对" in shown(w.value) for w in at.warning)

    at = button(at, "按上次提交的数填入").click().run()  # the township fixes what it sent, and submits again
    clean(at)
    persons = at.number_input(key=f"fill::{user.townships[0]}::2025-07::dibao_urban_persons")
    assert persons.value == 300
    at = persons.set_value(296).run()
    at = at.number_input(key=f"fill::{user.townships[0]}::2025-07::dibao_urban_funds").set_value(15.5).run()
    clean(at)
    at = button(at, "提交").click().run()
    clean(at)
    (second,) = read(real_env, "SELECT max(id) FROM township_return")[0]
    assert second != first
    at = run_app(REVIEW, user=TEST_USER)
    assert at.selectbox(key="review_pick").value == second
    at = button(at, "通过").click().run()
    clean(at)
    assert any("已通过城东街道2025年7月的填报" in shown(s.value) for s in at.success)
    assert read(real_env, "SELECT value FROM v_fact WHERE township = '城东街道' AND period = ? AND indicator_code = "
                          "'dibao_urban_funds'", JULY) == [(155_000.0,)]
    batch = read(real_env, "SELECT user_name, source FROM batch ORDER BY id DESC LIMIT 1")
    assert batch == [(TEST_USER.name, "township")]

    at = run_app(None, period="2025-07")
    clean(at)
    card = key_cards(at)["城市低保人数"]
    assert card.value == "296人"  # the only township with July figures: the district total is its figure


@pytest.mark.timeout(180)
def test_progress_shows_each_townships_state_the_reminder_and_the_admin_sets_the_deadline(real_app, real_env, today,
                                                                                            clean) -> None:
    submit_from_core(real_env, "城东街道")
    at = run_app(PROGRESS, user=TEST_USER)
    clean(at)
    states = at.dataframe[-1].value
    assert states.loc["城东街道", "状态"] == "已提交" and states.loc["城南街道", "状态"] == "未填"
    assert (states["逾期"] == "").all()
    reminder = at.code[0].value
    assert reminder.startswith("【2025年7月民政数据填报提醒】\n2025年7月数据请于2025年8月5日（星期二）前")
    assert "城东街道" not in reminder.split("\n")[2] and "城南街道" in reminder.split("\n")[2]
    assert any(b.proto.label == "下载提醒（.txt）" for b in at.get("download_button"))

    at = at.number_input(key="filing_deadline_day").set_value(2).run()
    at = next(b for b in at.button if b.label == "保存截止日").click().run()
    clean(at)
    assert read(real_env, "SELECT value FROM meta WHERE key = 'filing_deadline_day'") == [("2",)]
    assert read(real_env, "SELECT action, user_name FROM audit_log WHERE action = 'filing_deadline'") == [
        ("filing_deadline", TEST_USER.name)]
    at = run_app(PROGRESS, user=TEST_USER)
    states = at.dataframe[-1].value
    assert states.loc["城南街道", "逾期"] == "逾期" and states.loc["城东街道", "逾期"] == ""


@pytest.mark.timeout(180)
def test_a_township_account_reads_only_its_own_figures_on_the_form_and_picks_among_its_townships(
        real_app, real_env, today, clean) -> None:
    east, south = (read(real_env, "SELECT id FROM township WHERE name = ?", n)[0][0] for n in ("城东街道", "城南街道"))
    june = dict(read(real_env, "SELECT township || '/' || indicator_code, value FROM v_fact WHERE period = '2025-06-01' "
                               "AND indicator_code = 'dibao_urban_persons'"))
    user = auth.User(9, "两镇填报员", "township", False, townships=(east, south))
    at = run_app(FILL, user=user)
    clean(at)
    pick = at.selectbox(key="filing_township")
    assert pick.options == ["城东街道", "城南街道"] and pick.value == east
    assert f"上月：{june['城东街道/dibao_urban_persons']:,.0f}人" in [shown(c.value) for c in at.caption]
    at = pick.set_value(south).run()
    clean(at)
    assert any("**城南街道** · 填报月份" in shown(m.value) for m in at.markdown)
    assert f"上月：{june['城南街道/dibao_urban_persons']:,.0f}人" in [shown(c.value) for c in at.caption]


@pytest.mark.timeout(180)
def test_the_review_page_is_refused_to_a_township_account_and_filing_to_a_statistician(real_app, real_env,
                                                                                        clean) -> None:
    at = run_app(REVIEW, user=township_user(real_env))
    clean(at)
    assert any("没有打开“审核”的权限" in w.value for w in at.warning)
    assert not at.dataframe
    at = run_app(FILL, user=auth.User(2, "王芳", "statistician", False))
    clean(at)
    assert any("没有打开“填报”的权限" in w.value for w in at.warning)
