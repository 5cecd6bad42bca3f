"""A township's return from the form to stored figures: submit, return with a reason, resubmit, approve as a batch;
refusals in words; the status table and the reminder text."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook

from civdash.access import audit
from civdash.admin import registry
from civdash.domain import rules, townships
from civdash.filing import form, returns
from civdash.filing.calendar import FilingError
from civdash.ingest.commit import rollback
from civdash.ingest.template import upload_template
from civdash.outputs.audit_export import log_table
from tests.unit.filing.conftest import JULY, LATE, TODAY, township_id


def last_month(con, town: str) -> dict[str, float | None]:
    """The form filled with last month's figures (no finding: the demo's own June again)."""
    return {r.code: r.last for r in form.form(con, township_id(con, town), JULY)}


def current(con, town: str, code: str, period=JULY) -> float | None:
    row = con.execute("SELECT value FROM v_fact WHERE township = ? AND indicator_code = ? AND period = ?",
                      [town, code, period]).fetchone()
    return row[0] if row else None


def test_the_form_lists_what_the_township_reports_with_last_months_value_in_the_unit_people_read(con) -> None:
    rows = form.form(con, township_id(con, "城东街道"), JULY)
    reported = {c for (c,) in con.execute(
        "SELECT DISTINCT indicator_code FROM v_fact WHERE township = '城东街道' AND period BETWEEN '2024-07-01' AND "
        "'2025-06-01'").fetchall()}
    assert {r.code for r in rows} == reported
    catalog_order = [c for (c,) in con.execute("SELECT code FROM indicator ORDER BY sort_order").fetchall()]
    assert [r.code for r in rows] == [c for c in catalog_order if c in reported]
    funds = next(r for r in rows if r.code == "dibao_urban_funds")
    assert (funds.unit, funds.reading, funds.decimals, funds.whole) == ("万元", "当月", 2, False)
    assert funds.last == pytest.approx(current(con, "城东街道", "dibao_urban_funds", "2025-06-01") / 1e4)
    persons = next(r for r in rows if r.code == "dibao_urban_persons")
    assert (persons.unit, persons.reading, persons.whole) == ("人", "月末数", True)
    assert persons.last == current(con, "城东街道", "dibao_urban_persons", "2025-06-01")


def test_a_township_that_never_reported_gets_the_whole_catalog_without_last_months_values(con) -> None:
    new = townships.register(con, "新城街道")
    rows = form.form(con, new, JULY)
    assert len(rows) == con.execute("SELECT count(*) FROM indicator").fetchone()[0]
    assert all(r.last is None for r in rows)


def test_the_form_only_lists_one_township_and_default_templates_list_them_all(con) -> None:
    town = township_id(con, "城东街道")
    name, data = form.form_workbook(con, town, JULY, {"dibao_urban_persons": 300})
    assert name == "城东街道2025年7月填报.xlsx"
    check = form.check_upload(con, town, JULY, name, data)
    assert {f.township for f in check.plan.facts} == {town}
    assert [(f.indicator, f.value) for f in check.plan.facts] == [("dibao_urban_persons", 300.0)]
    assert listed(data) == ["城东街道"]
    names = [n for (n,) in con.execute("SELECT name FROM township WHERE level = 'township' ORDER BY sort_order").fetchall()]
    assert listed(upload_template(con, 2025, 7)) == names  # every registered township, as before


def listed(data: bytes) -> list[str]:
    """The township rows of an upload template (column A from row 6 up to the 合计 row)."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    names = [sheet.cell(row, 1).value for row in range(6, sheet.max_row + 1)]
    return names[:names.index("合计")]


def test_submitted_figures_become_current_only_when_approved_in_base_units(con) -> None:
    town = township_id(con, "城东街道")
    values = last_month(con, "城东街道") | {"dibao_urban_funds": 12.34, "dibao_urban_persons": 290}
    check = form.check_form(con, town, JULY, values)
    assert not check.errors and not check.soft and not check.warnings
    number = returns.submit(con, check, "城东填报员", now=datetime(2025, 8, 2, 1, 30))
    assert current(con, "城东街道", "dibao_urban_funds") is None  # not stored before review
    waiting = returns.pending(con)
    assert list(waiting["township"]) == ["城东街道"] and list(waiting["id"]) == [number]

    result = returns.approve(con, number, "李静")
    assert current(con, "城东街道", "dibao_urban_funds") == 123_400.0  # 12.34万元 typed → 元 stored
    assert current(con, "城东街道", "dibao_urban_persons") == 290.0
    stored = dict(con.execute("SELECT indicator_code, value FROM fact WHERE batch_id = ?", [result.batch_id]).fetchall())
    units = dict(con.execute("SELECT code, unit FROM indicator").fetchall())
    expected = {c: v * 1e4 if units[c] == "元" else v for c, v in values.items() if v is not None}
    assert stored == pytest.approx(expected)
    batch = con.execute("SELECT user_name, source, note FROM batch WHERE id = ?", [result.batch_id]).fetchone()
    assert batch == ("李静", "township", f"乡镇填报：城东街道2025年7月，第{number}号填报（城东填报员提交）")
    assert con.execute("SELECT file_name FROM batch_file WHERE batch_id = ?", [result.batch_id]).fetchone() == (
        "城东街道2025年7月填报.xlsx",)
    assert returns.pending(con).empty
    table = returns.status(con, JULY, TODAY)
    assert table.loc["城东街道", "状态"] == "已通过"
    assert (table.loc["城东街道", "提交人"], table.loc["城东街道", "提交时间"]) == ("城东填报员", "2025-08-02 09:30")
    assert table.loc["城东街道", "审核人"] == "李静"
    with pytest.raises(FilingError, match="已通过审核，不能再提交；如需更正，请联系区民政局统计员"):
        returns.submit(con, check, "城东填报员")
    with pytest.raises(FilingError, match=f"第{number}号填报已通过，不能再次审核"):
        returns.approve(con, number, "李静")


def test_a_soft_finding_needs_an_explanation_kept_with_the_batch_by_its_author(con) -> None:
    town = township_id(con, "城东街道")
    june = current(con, "城东街道", "dibao_urban_persons", "2025-06-01")
    check = form.check_form(con, town, JULY, last_month(con, "城东街道") | {"dibao_urban_persons": june * 100})
    assert not check.errors
    codes = {f.rule for f in check.soft}
    assert "median_jump" in codes
    with pytest.raises(FilingError, match=f"有{len(check.soft)}个核实性问题没有填写说明，不能提交"):
        returns.submit(con, check, "城东填报员")
    said = {code: "城中村改造安置人员集中纳入，经核实属实" for code in codes}
    number = returns.submit(con, check, "城东填报员", said)
    shown = returns.review(con, number)
    assert {e["explanation"] for e in shown.explained()} == {"城中村改造安置人员集中纳入，经核实属实"}
    row = shown.changes.set_index("指标").loc["城市低保人数"]
    assert (row["本月"], row["上月"], row["增减"], row["增减幅度"]) == (june * 100, june, june * 99, "+9900.0%")
    result = returns.approve(con, number, "李静")
    kept = con.execute("SELECT rule_code, explanation, explained_by FROM batch_explanation WHERE batch_id = ?",
                       [result.batch_id]).fetchall()
    assert {(c, e, b) for c, e, b in kept} == {(c, said[c], "城东填报员") for c in codes}
    entry = audit.entries(con, actions=["filing_submit"]).iloc[0]
    assert json.loads(entry["detail"])["explanations"][0]["explanation"] == "城中村改造安置人员集中纳入，经核实属实"


def test_a_hard_finding_blocks_the_submission(con) -> None:
    town = township_id(con, "城东街道")
    check = form.check_form(con, town, JULY, {"dibao_urban_households": 300, "dibao_urban_persons": 200})
    assert [(f.rule, f.where) for f in check.errors] == [("households_le_persons_urban",
                                                          "城东街道2025年7月填报.xlsx › 7月 › B6")]
    with pytest.raises(FilingError, match=f"有{len(check.errors)}个错误，不能提交"):
        returns.submit(con, check, "城东填报员")
    assert returns.pending(con).empty


def test_returned_with_a_reason_the_township_sees_it_and_resubmits(con) -> None:
    town = township_id(con, "城南街道")
    check = form.check_form(con, town, JULY, last_month(con, "城南街道"))
    first = returns.submit(con, check, "城南填报员", now=datetime(2025, 8, 3, 1, 0))
    with pytest.raises(FilingError, match="请填写退回原因"):
        returns.send_back(con, first, "李静", "  ")
    returns.send_back(con, first, "李静", "低保资金与财政拨付数不一致，请核对", now=datetime(2025, 8, 3, 2, 0))
    seen = returns.township_state(con, town, JULY)
    assert (seen.state_name, seen.reason, seen.reviewed_by) == ("已退回", "低保资金与财政拨付数不一致，请核对", "李静")
    assert returns.status(con, JULY, TODAY).loc["城南街道"].to_dict() == {
        "状态": "已退回", "提交人": "城南填报员", "提交时间": "2025-08-03 09:00", "审核人": "李静",
        "审核时间": "2025-08-03 10:00", "退回原因": "低保资金与财政拨付数不一致，请核对", "逾期": ""}
    assert returns.pending(con).empty
    with pytest.raises(FilingError, match=f"第{first}号填报已退回，不能再次审核"):
        returns.approve(con, first, "李静")

    second = returns.submit(con, check, "城南填报员")
    assert second != first and list(returns.pending(con)["id"]) == [second]
    assert returns.township_state(con, town, JULY).state_name == "已提交"
    steps = audit.entries(con, actions=["filing_submit", "filing_return"])
    assert list(steps["action"])[::-1] == ["filing_submit", "filing_return", "filing_submit"]
    assert json.loads(steps.iloc[1]["detail"]) == {"reason": "低保资金与财政拨付数不一致，请核对", "return": first}


def test_a_waiting_submission_is_replaced_by_a_newer_one(con) -> None:
    town = township_id(con, "城西街道")
    filled = last_month(con, "城西街道")
    old = returns.submit(con, form.check_form(con, town, JULY, filled), "城西填报员")
    more = filled["dibao_urban_persons"] + 3
    newer = returns.submit(con, form.check_form(con, town, JULY, filled | {"dibao_urban_persons": more}), "城西填报员")
    assert list(returns.pending(con)["id"]) == [newer]
    assert returns.submission(con, old).state_name == "已替换"
    with pytest.raises(FilingError, match="已被城西街道重新提交的填报替换"):
        returns.approve(con, old, "李静")
    assert json.loads(audit.entries(con, actions=["filing_submit"]).iloc[0]["detail"])["replaced"] == old
    returns.approve(con, newer, "李静")
    assert current(con, "城西街道", "dibao_urban_persons") == more


def test_approval_is_refused_in_words_when_the_rules_changed_since_and_nothing_is_stored(con) -> None:
    town = township_id(con, "城东街道")
    number = returns.submit(con, form.check_form(con, town, JULY, last_month(con, "城东街道")), "城东填报员")
    registry.save_rule(con, rules.AuditRule("cap_urban", "城市低保人数不超过100", "hard", "", "城市低保人数 <= 100",
                                            True, ""), user="王管理")
    batches = con.execute("SELECT count(*) FROM batch").fetchone()[0]
    with pytest.raises(FilingError, match=f"第{number}号填报按现在的数据重新检查未能通过（有1个错误）"):
        returns.approve(con, number, "李静")
    assert con.execute("SELECT count(*) FROM batch").fetchone()[0] == batches
    assert current(con, "城东街道", "dibao_urban_persons") is None
    assert returns.submission(con, number).state == "submitted"  # still waiting: the statistician returns it


def test_an_own_sheet_with_another_townships_row_is_an_error_naming_file_sheet_row_and_column(con) -> None:
    town = township_id(con, "城东街道")
    data = upload_template(con, 2025, 7, {("城东街道", "dibao_urban_persons"): 290,
                                          ("城南街道", "dibao_urban_persons"): 200},
                           only={town, township_id(con, "城南街道")})
    check = form.check_upload(con, town, JULY, "城东7月.xlsx", data)
    wrong = [f for f in check.errors if "只能填报本乡镇" in f.message]
    assert len(wrong) == 1
    assert wrong[0].where == "城东7月.xlsx › 7月 › C7"
    assert wrong[0].message.startswith("第7行C列是城南街道2025年7月的数据：只能填报本乡镇（城东街道）2025年7月的数据")
    assert not any("本表没有以下已登记乡镇" in f.message for f in check.warnings)


def test_an_own_sheet_of_another_month_is_an_error(con) -> None:
    town = township_id(con, "城东街道")
    data = upload_template(con, 2025, 6, {("城东街道", "dibao_urban_persons"): 290}, only={town})
    check = form.check_upload(con, town, JULY, "城东.xlsx", data)
    assert any("是城东街道2025年6月的数据：只能填报本乡镇（城东街道）2025年7月的数据" in f.message for f in check.errors)


def test_the_status_table_and_the_reminder(con) -> None:
    names = [n for (n,) in con.execute("SELECT name FROM township WHERE level = 'township' ORDER BY sort_order").fetchall()]
    east, south, west = (township_id(con, n) for n in ("城东街道", "城南街道", "城西街道"))
    returns.submit(con, form.check_form(con, east, JULY, last_month(con, "城东街道")), "城东填报员",
                   now=datetime(2025, 8, 1, 0, 0))
    back = returns.submit(con, form.check_form(con, south, JULY, last_month(con, "城南街道")), "城南填报员",
                          now=datetime(2025, 8, 1, 0, 0))
    returns.send_back(con, back, "李静", "资金单位填错")
    done = returns.submit(con, form.check_form(con, west, JULY, last_month(con, "城西街道")), "城西填报员",
                          now=datetime(2025, 8, 5, 17, 0))  # 2025-08-06 01:00 in Beijing: after the deadline
    returns.approve(con, done, "李静")

    table = returns.status(con, JULY, LATE)
    assert list(table.index) == names
    assert table.loc["城东街道", ["状态", "逾期"]].tolist() == ["已提交", ""]
    assert table.loc["城南街道", ["状态", "退回原因", "逾期"]].tolist() == ["已退回", "资金单位填错", "逾期"]
    assert table.loc["城西街道", ["状态", "提交时间", "逾期"]].tolist() == ["已通过", "2025-08-06 01:00", "逾期提交"]
    assert (table.drop(index=["城东街道", "城南街道", "城西街道"])[["状态", "逾期"]] == ["未填", "逾期"]).all().all()
    assert (returns.status(con, JULY, TODAY)["逾期"] == "").sum() == 29  # on time before the deadline (城西 late)

    rest = [n for n in names if n not in ("城东街道", "城南街道", "城西街道")]
    assert returns.reminder(con, JULY, LATE) == "\n".join([
        "【2025年7月民政数据填报提醒】",
        "2025年7月数据请于2025年8月5日（星期二）前在民政数据看板“填报”页面填报，现已逾期，请尽快填报。",
        f"截至8月6日，尚未填报的乡镇（街道）27个：{'、'.join(rest)}。",
        "已退回、请修改后重新提交的1个：城南街道（退回原因：资金单位填错）。",
        "（共30个乡镇（街道）：已通过1个，待审核1个，已退回1个，未填27个。）"])
    assert returns.reminder_file_name(JULY) == "填报提醒_2025-07.txt"


def test_the_audit_log_says_each_step_in_words(con) -> None:
    town = township_id(con, "城东街道")
    filled = last_month(con, "城东街道")
    first = returns.submit(con, form.check_form(con, town, JULY, filled), "城东填报员")
    returns.send_back(con, first, "李静", "资金单位填错")
    second = returns.submit(con, form.check_form(con, town, JULY, filled), "城东填报员")
    batch = returns.approve(con, second, "李静").batch_id
    rows = log_table(audit.entries(con, actions=["filing_submit", "filing_return", "filing_approve"]))
    assert rows[["用户", "操作", "对象", "详情"]].values.tolist()[::-1] == [
        ["城东填报员", "提交填报", "城东街道 2025年7月", f"第{first}号填报；文件：城东街道2025年7月填报.xlsx"],
        ["李静", "退回填报", "城东街道 2025年7月", f"第{first}号填报；退回原因：资金单位填错"],
        ["城东填报员", "提交填报", "城东街道 2025年7月", f"第{second}号填报；文件：城东街道2025年7月填报.xlsx"],
        ["李静", "通过填报", "城东街道 2025年7月", f"第{second}号填报；文件：城东街道2025年7月填报.xlsx；保存为第{batch}批"],
    ]


def test_a_submissions_figures_come_back_in_the_units_of_the_form(con) -> None:
    town = township_id(con, "城东街道")
    number = returns.submit(con, form.check_form(con, town, JULY, last_month(con, "城东街道")
                                                 | {"dibao_urban_funds": 12.34, "dibao_urban_persons": 290}), "城东填报员")
    back = returns.submitted_figures(con, number)
    assert back["dibao_urban_funds"] == pytest.approx(12.34) and back["dibao_urban_persons"] == 290
    assert set(back) == {c for c, v in last_month(con, "城东街道").items() if v is not None}


def test_an_approval_rolled_back_on_the_history_page_asks_the_township_to_submit_again(con) -> None:
    town = township_id(con, "城东街道")
    check = form.check_form(con, town, JULY, last_month(con, "城东街道"))
    number = returns.submit(con, check, "城东填报员")
    batch = returns.approve(con, number, "李静").batch_id
    rollback(con, batch, "李静")
    assert current(con, "城东街道", "dibao_urban_persons") is None
    assert returns.submission(con, number).state_name == "已撤销"
    row = returns.status(con, JULY, LATE).loc["城东街道"]
    assert row[["状态", "退回原因", "逾期"]].tolist() == [
        "已撤销", f"通过后数据已在“导入记录”中撤销（第{batch}批），请重新提交", "逾期"]
    assert f"城东街道（通过后数据已在“导入记录”中撤销（第{batch}批），请重新提交）" in returns.reminder(con, JULY, LATE)
    again = returns.submit(con, check, "城东填报员")
    returns.approve(con, again, "李静")
    assert current(con, "城东街道", "dibao_urban_persons") == last_month(con, "城东街道")["dibao_urban_persons"]
