"""Real published township tables, round 2: each layout trap seen in them, read right, with the cells named."""

from __future__ import annotations

import duckdb
import pytest

from civdash.domain import catalog, times, townships
from civdash.ingest.commit import CommitError
from civdash.ingest.upload import Options, Plan, commit, prepare
from civdash.store import db
from tests.ingest_fixtures import Sheet, xlsx_bytes


@pytest.fixture()
def con(district: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """黔江区's catalog and 30 townships, no figures (tests/unit/conftest.py)."""
    return district


def upload(con, rows, name: str = "2025年4月.xlsx", sheet: str = "表1", **options) -> Plan:
    return prepare(con, [(name, xlsx_bytes([Sheet(sheet, rows)]))], Options(**options))


def stored(plan: Plan) -> dict[tuple[str, str], tuple[float, str]]:
    """(indicator, township) → (value, cell) of what the plan would store."""
    ctx = plan.context
    return {(f.indicator, ctx.township_name(f.township)): (f.value, f.cell) for f in plan.facts}


def said(plan: Plan, level: str) -> list[str]:
    return [f"{f.where.split(' › ', 2)[-1]}：{f.message}" for f in plan.findings if f.level == level]


def test_the_title_says_which_indicators_the_leaf_headers_are(con) -> None:
    rows = [["黔江区2025年4月城市居民最低生活保障统计表"], ["乡镇", "低保户数", "低保人数", "当月资金（元）"],
            ["城东", 10, 20, 12_000], ["城南", 5, 9, 5_400]]
    plan = upload(con, rows)
    assert stored(plan)[("dibao_urban_households", "城东街道")] == (10, "B3")
    assert stored(plan)[("dibao_urban_persons", "城南街道")] == (9, "C4")
    assert stored(plan)[("dibao_urban_funds", "城东街道")] == (12_000, "D3")
    rural = [["黔江区2025年4月统计表"], ["乡镇", "户数", "人数"], ["城东", 10, 20]]
    assert stored(upload(con, rural, name="农村低保2025年4月.xlsx"))[("dibao_rural_persons", "城东街道")] == (20, "C3")


def test_a_title_naming_two_programmes_leaves_a_bare_header_unmapped(con) -> None:
    rows = [["黔江区2025年4月城市低保和农村低保统计表"], ["乡镇", "人数"], ["城东", 20]]
    assert any("B列“人数”" in m for m in said(upload(con, rows), "warning"))  # asked, never guessed


def test_a_numbering_row_under_the_headers_and_a_numbering_column_are_silent(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["序号", "乡镇", "城市低保户数", "城市低保人数"], ["甲", "乙", 1, 2],
            [1, "城东", 10, 20], [2, "城南", 5, 9]]
    plan = upload(con, rows)
    assert stored(plan) == {("dibao_urban_households", "城东街道"): (10, "C4"), ("dibao_urban_persons", "城东街道"): (20, "D4"),
                            ("dibao_urban_households", "城南街道"): (5, "C5"), ("dibao_urban_persons", "城南街道"): (9, "D5")}
    assert [m for m in said(plan, "warning") if "本表没有以下" not in m] == [] and not plan.errors
    assert set(plan.context.new_townships) == set()  # 序号's 1, 2 are never townships


def test_parts_are_checked_against_their_whole_and_never_stored_as_it(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"],
            ["乡镇", "城市低保人数", "当月资金总支出（元）", "其中：低保金", "其中：物价补贴"],
            ["城东", 20, 12_000, 11_000, 1_000], ["城南", 9, 5_400, 5_000, 300]]
    plan = upload(con, rows)
    assert stored(plan)[("dibao_urban_funds", "城东街道")] == (12_000, "C3")  # the whole, not 其中：低保金
    assert not [f for f in plan.facts if f.cell[0] in "DE"]
    assert not plan.errors and not any("D列" in m for m in said(plan, "warning"))  # parts: one note, no decision
    assert ("以下是其中项，只用于核对（不超过总数；含“其他”项时之和等于总数），不单独保存：D列“其中：低保金”（C列的其中项）、"
            "E列“其中：物价补贴”（C列的其中项）") in [f.message for f in plan.findings if f.level == "note"]


def test_a_part_above_its_whole_or_parts_with_others_that_do_not_add_up_are_hard(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"],
            ["乡镇", "城市低保人数", "当月资金总支出（元）", "其中：低保金", "其中：其他补贴"],
            ["城东", 20, 12_000, 11_000, 1_000], ["城南", 9, 5_400, 5_000, 300], ["城西", 9, 5_400, 6_000, 0]]
    plan = upload(con, rows)
    assert said(plan, "error") == [
        "C4：城南街道：其中各项之和5,300与C列“当月资金总支出（元）”5,400不一致（相差-100）",
        "D5：城西街道：D列“其中：低保金”6,000大于C列“当月资金总支出（元）”5,400",
        "C5：城西街道：其中各项之和6,000与C列“当月资金总支出（元）”5,400不一致（相差600）"]
    assert {f.rule for f in plan.errors} == {"parts_le_whole"}


def test_rows_of_text_are_reported_and_long_or_annotated_names_are_read(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保户数", "城市低保人数"], ["城东", 10, 20],
            ["城南", "暂无", "不详"], ["舟白街道（含工业园区）", 5, 9], ["冯家街道办事处", 3, 4],
            ["冯家街道办事处社区服务中心", 1, 2], ["注：本表由各乡镇填报", None, None]]
    plan = upload(con, rows)
    assert said(plan, "error") == [
        "B4：不是数字：暂无", "C4：不是数字：不详",
        "A7：未登记的乡镇（街道）“冯家街道办事处社区服务中心”，最接近的已登记乡镇：冯家街道；如为新乡镇，请先登记或允许新增乡镇"]
    assert stored(plan)[("dibao_urban_persons", "舟白街道")] == (9, "C5")  # a bracketed note is not a total
    assert stored(plan)[("dibao_urban_persons", "冯家街道")] == (4, "C6")  # the office is the township


def test_a_first_upload_takes_the_district_from_the_title(tmp_path) -> None:
    con = db.connect(tmp_path / "new.duckdb")
    catalog.seed(con)
    rows = [["重庆市黔江区2026年11月城市低保统计表"], ["乡镇（街道）", "城市低保人数"], ["城东街道", 20], ["黎水镇", 9]]
    plan = upload(con, rows, name="2026年11月.xlsx", allow_new_townships=True)
    assert plan.context.new_district == "黔江区"
    commit(con, plan)
    assert townships.district_name(con) == "黔江区"
    con.close()


def test_a_unit_row_that_says_wan_over_yuan_values_is_a_soft_finding_proposing_yuan(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保人数", "当月城市低保资金"], [None, "人", "万元"],
            ["城东", 291, 177_150], ["城南", 300, 180_000]]
    plan = upload(con, rows)
    [unit] = [f for f in plan.soft if f.rule == "unit_check"]
    assert unit.where.endswith("› C4") and "表头写万元而数值是元？" in unit.message
    assert stored(plan)[("dibao_urban_funds", "城东街道")][0] == 177_150 * 10_000  # as written, until a person decides


def ytd_file(con, last_month: int, funds: float, ytd: bool = True) -> Plan:
    period = f"1-{last_month}月" if ytd else f"{last_month}月"
    rows = [[f"黔江区2025年{period}农村低保统计表"], ["乡镇", "农村低保人数", "农村低保金（元）"], ["鹅池镇", 380, funds]]
    return prepare(con, [(f"2025年{period}.xlsx", xlsx_bytes([Sheet("表1", rows)]))],
                   Options(ytd={f"2025年{period}.xlsx › 表1": ytd}))


def funds(con) -> dict[int, float]:
    return {p.month: v for p, v in con.execute(
        "SELECT period, value FROM v_fact WHERE indicator_code = 'dibao_rural_funds' ORDER BY period").fetchall()}


def test_correcting_an_earlier_month_works_the_next_month_out_again_from_its_total(con) -> None:
    from civdash.ingest.commit import rollback

    for month in (1, 2, 3, 4):
        commit(con, ytd_file(con, month, 228_000 * month))
    assert funds(con) == {1: 228_000, 2: 228_000, 3: 228_000, 4: 228_000}
    fix = ytd_file(con, 2, 460_000)  # 1-2月 was 4,000 元 short
    assert any("已保存的2025年3月当月数由1-3月累计数推算，本次改变了之前的月份，2025年3月当月数随之重新推算："
               "228,000元 → 224,000元" in f.message for f in fix.findings if f.level == "note")
    batch = commit(con, fix).batch_id
    assert funds(con) == {1: 228_000, 2: 232_000, 3: 224_000, 4: 228_000}  # 1-3月 is still 684,000 as reported
    assert sum(v for m, v in funds(con).items() if m <= 3) == 684_000
    rollback(con, batch)
    assert funds(con) == {1: 228_000, 2: 228_000, 3: 228_000, 4: 228_000}


def test_a_next_month_reported_as_its_own_amount_is_left_as_it_was(con) -> None:
    commit(con, ytd_file(con, 1, 228_000))
    commit(con, ytd_file(con, 2, 228_000, ytd=False))  # February's own amount
    plan = ytd_file(con, 1, 230_000)
    assert not any("重新推算" in f.message for f in plan.findings)
    commit(con, plan)
    assert funds(con) == {1: 230_000, 2: 228_000}


@pytest.mark.parametrize("year", [2052, 2095])
def test_a_period_after_the_current_month_is_an_error_and_nothing_is_saved(con, year: int) -> None:
    rows = [[f"黔江区{year}年1月城市低保统计表"], ["乡镇", "城市低保人数"], ["城东", 20], ["城南", 9]]
    plan = upload(con, rows, name=f"{year}年1月.xlsx")
    today = times.today_beijing()
    assert said(plan, "error") == [f"B3：期间{year}年1月晚于本月（{today.year}年{today.month}月），"
                                   "还不可能有数据：请检查年份或月份是否写错（如把2025年写成了2052年）"]
    long_rows = [["期间", "乡镇", "指标", "数值"], ["2025-06", "城东", "城市低保人数", 20],
                 [f"{year}-06", "城东", "城市低保人数", 21]]
    assert [f.where.rsplit(" › ", 1)[-1] for f in upload(con, long_rows, name="明细.xlsx").errors] == ["D3"]
    with pytest.raises(CommitError):
        commit(con, plan)
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 0


def test_wan_yuan_becomes_yuan_to_the_fen_without_float_noise(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保人数", "当月城市低保资金（万元）"], ["城东", 20, 12.54],
            ["城南", 9, 0.1 + 0.2]]
    assert [f.value for f in upload(con, rows).facts if f.indicator == "dibao_urban_funds"] == [125_400.0, 3_000.0]
    long_rows = [["期间", "乡镇", "指标", "数值", "单位"], ["2025-04", "城东", "城市低保金", 12.54, "万元"],
                 ["2025-04", "城南", "城市低保金", "0.3", "万元"], ["2025-04", "城西", "城市低保金", "12.54万元", None]]
    assert [f.value for f in upload(con, long_rows, name="明细.xlsx").facts] == [125_400.0, 3_000.0, 125_400.0]


def test_subtotal_rows_are_neither_townships_nor_the_total(tmp_path) -> None:
    con = db.connect(tmp_path / "first.duckdb")
    catalog.seed(con)
    rows = [["黔江区2025年4月城市低保统计表"], ["乡镇（街道）", "城市低保人数"], ["城东街道", 20], ["城南街道", 9],
            ["街道小计", 29], ["黎水镇", 5], ["镇小计", 5], ["合计", 34]]
    plan = upload(con, rows, allow_new_townships=True)  # a first upload: names not registered yet are registered
    assert set(plan.context.new_townships) == {"城东街道", "城南街道", "黎水镇"}
    assert not plan.errors  # 合计 34 = 20 + 9 + 5, the subtotals left out of the sum
    assert sum(f.value for f in plan.facts) == 34
    assert "以下是小计行，不作为乡镇保存，合计只与各乡镇之和核对：第5行“街道小计”、第7行“镇小计”" in [
        f.message for f in plan.findings if f.level == "note"]
    long_rows = [["期间", "乡镇", "指标", "数值"], ["2025-04", "城东街道", "城市低保人数", 20],
                 ["2025-04", "街道小计", "城市低保人数", 20]]
    assert [f.value for f in upload(con, long_rows, name="明细.xlsx", allow_new_townships=True).facts] == [20]
    con.close()


def test_a_header_saying_di_qu_is_a_header_not_the_district_total(tmp_path) -> None:
    con = db.connect(tmp_path / "first.duckdb")
    catalog.seed(con)
    rows = [["黔江区2025年4月城市低保统计表"], ["序号", "地 区", "城市低保户数", "城市低保人数"], ["甲", "乙", 1, 2],
            [1, "城东街道", 10, 20], [2, "黎水镇", 3, 5], [None, "黔江区合计", 13, 25]]
    plan = upload(con, rows, allow_new_townships=True)
    assert set(plan.context.new_townships) == {"城东街道", "黎水镇"}  # neither 序号 nor 地区
    assert plan.context.new_district == "黔江区"
    assert sorted((f.indicator, f.value) for f in plan.facts) == [
        ("dibao_urban_households", 3), ("dibao_urban_households", 10), ("dibao_urban_persons", 5),
        ("dibao_urban_persons", 20)]
    assert not plan.errors
    con.close()


def test_a_numbering_column_under_a_merged_header_is_silent(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["序号", "乡镇", "城市低保", None], [None, None, "户数", "人数"],
            [1, "城东", 10, 20], [2, "城南", 5, 9]]
    plan = prepare(con, [("2025年4月.xlsx", xlsx_bytes([Sheet("表1", rows, [(1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 1, 3)])]))],
                   Options())
    assert not [m for m in said(plan, "warning") if "没有对应的指标" in m]
    assert stored(plan)[("dibao_urban_persons", "城南街道")] == (9, "D5")


def test_jin_e_reads_as_zi_jin_and_an_unmapped_money_column_must_be_decided(con) -> None:
    rows = [["黔江区2025年4月民政统计表"],
            ["乡镇", "特困人员", None, "困难残疾人生活补贴", None, "高龄失能老人养老服务补贴", None],
            [None, "人数", "金额（元）", "人数", "金额（元）", "人数", "金额（元）"], ["城东", 10, 5000, 3, 300, 4, 400]]
    merged = [(1, 1, 1, 2), (1, 3, 1, 4), (1, 5, 1, 6)]
    plan = prepare(con, [("2025年4月.xlsx", xlsx_bytes([Sheet("表1", rows, merged)]))],
                   Options(ytd={"2025年4月.xlsx › 表1": False}))
    got = stored(plan)
    assert (got[("tekun_funds", "城东街道")], got[("disability_living_funds", "城东街道")],
            got[("elderly_subsidy_funds", "城东街道")]) == ((5000, "C4"), (300, "E4"), (400, "G4"))
    money = [["黔江区2025年4月民政统计表"], ["乡镇", "城市低保人数", "医疗救助金额（元）", "备注人数"], ["城东", 10, 5000, 3]]
    plan = upload(con, money)
    assert [(f.rule, f.where.rsplit(" › ", 1)[-1]) for f in plan.soft] == [("unmapped_money", "C2")]  # not D: not money
    with pytest.raises(CommitError, match="核实性问题没有填写说明"):
        commit(con, plan)  # the command line no longer drops a money column without a word
    assert not upload(con, money, mappings={"医疗救助金额（元）": None}).soft  # ignored on purpose: nothing to explain
