"""The rules of reading an upload (civdash/ingest/extract.py, resolve.py, upload.py) on small hand-made sheets.

Each test writes a sheet as a statistician would, runs ``prepare`` (and ``commit`` where storing matters) on a
fresh database with the default catalog and the demo district's registry, and checks the values stored or
the finding with its exact place (file › sheet › cell).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from civdash.domain import catalog, townships
from civdash.ingest.commit import CommitError, rollback
from civdash.ingest.context import Options
from civdash.ingest.upload import Plan, commit, prepare
from civdash.store import db
from tests.ingest_fixtures import Sheet, xlsx_bytes

HEADER = ["乡镇（街道）", "城市低保人数", "城市低保资金（万元）"]
AT = "2025年4月民政统计表.xlsx › 主要指标"  # where findings of the default upload are


@pytest.fixture()
def con(district: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """黔江区's catalog and 30 townships, no figures (tests/unit/conftest.py)."""
    return district


def upload(con, rows, name="2025年4月民政统计表.xlsx", sheet="主要指标", merged=(), **options) -> Plan:
    data = xlsx_bytes([Sheet(sheet, rows, list(merged))])
    return prepare(con, [(name, data)], Options(**options))


def stored(con, code: str, township: str, month: str) -> float | None:
    row = con.execute("SELECT value FROM v_fact WHERE indicator_code = ? AND township = ? AND period = ?",
                      [code, township, date.fromisoformat(month + "-01")]).fetchone()
    return row[0] if row else None


def messages(plan: Plan, level: str) -> list[str]:
    return [f"{f.where}：{f.message}" for f in plan.findings if f.level == level]


def simple(title="黔江区2025年4月民政统计表", header=HEADER, body=None, total=None):
    body = body if body is not None else [["城东", 281, 12.5], ["中塘乡", 15, 0.66], [" 黎水 ", 20, 1.0]]
    rows = [[title], header, *body]
    if total is not None:
        rows.append(total)
    return rows


# --- what is understood ------------------------------------------------------------------------------------------


def test_short_former_and_spaced_names_units_and_a_checked_total(con) -> None:
    plan = upload(con, simple(total=["合计", 316, 14.16]), ytd={"2025年4月民政统计表.xlsx › 主要指标": False})
    assert plan.ok, plan.findings
    assert "第6行“合计”是合计行，用于核对，不作为乡镇保存" in " ".join(messages(plan, "note"))
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-04") == 281
    assert stored(con, "dibao_urban_persons", "中塘镇", "2025-04") == 15
    assert stored(con, "dibao_urban_persons", "黎水镇", "2025-04") == 20
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-04") == pytest.approx(125_000)
    cell = con.execute("SELECT sheet, cell FROM fact WHERE indicator_code = 'dibao_urban_funds' AND value = 6600"
                       ).fetchone()
    assert cell == ("主要指标", "C4")


def test_a_total_that_differs_from_the_sum_stops_the_upload_at_its_cell(con) -> None:
    plan = upload(con, simple(total=["合计", 320, 14.16]))
    assert f"{AT} › B6：城市低保人数：合计行320人与各乡镇之和316人不一致（相差4人）" in messages(plan, "error")
    assert [f.rule for f in plan.errors] == ["total_row"]  # 14.16 = 12.5 + 0.66 + 1.0: C6 agrees
    with pytest.raises(CommitError, match="有1个错误"):
        commit(con, plan)


def test_counts_in_a_total_must_match_exactly_and_amounts_within_rounding(con) -> None:
    # one person off among three townships is a mistake (rounding cannot explain a head-count) …
    assert [f.where[-2:] for f in upload(con, simple(total=["合计", 317, 14.16])).errors] == ["B6"]
    # … while 万元 written to two decimals may be off by half a unit of the last decimal per figure: 4 figures, ±0.02
    body = [["城东", 281, 12.51], ["中塘乡", 15, 0.66], [" 黎水 ", 20, 1.03]]  # 14.20
    assert upload(con, simple(body=body, total=["合计", 316, 14.21])).ok
    assert [f.where[-2:] for f in upload(con, simple(body=body, total=["合计", 316, 14.25])).errors] == ["C6"]
    # the message shows the difference, however small
    [f] = upload(con, simple(body=body, total=["合计", 316, 14.25])).errors
    assert f.message == "城市低保资金支出：合计行14.25万元与各乡镇之和14.2万元不一致（相差0.05万元）"


def test_two_level_headers_units_row_and_sheet_unit_line(con) -> None:
    rows = [
        ["黔江区2025年4月城乡低保统计表", None, None, None],
        ["填报单位：黔江区民政局", None, "单位：万元", None],
        ["乡镇", "城市低保", None, "农村低保"],
        [None, "人数", "资金", "人数"],
        [None, "人", None, "人"],
        ["城东街道", 281, 12.5, 30],
    ]
    plan = upload(con, rows, merged=[(2, 1, 2, 2), (2, 0, 4, 0)], ytd={"2025年4月民政统计表.xlsx › 主要指标": False})
    assert plan.ok, plan.findings
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-04") == 281  # 单位：万元 is not for head-counts
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-04") == pytest.approx(125_000)
    assert stored(con, "dibao_rural_persons", "城东街道", "2025-04") == 30


def test_a_flow_column_without_marker_is_the_month_and_says_so(con) -> None:
    plan = upload(con, simple())
    assert f"{AT}：C列未注明当月或累计，按当月数读取；如为1-N月累计数请改为累计" in messages(
        plan, "note")  # a note, not a warning to tick: --strict is not refused by the ordinary file
    assert next(c for c in plan.sheets[0].columns if c.indicator == "dibao_urban_funds").assumed


def test_switching_the_assumption_to_year_to_date_derives_the_month(con) -> None:
    jan_mar = [["城东", 280, 30.0]]
    first = upload(con, simple(title="2025年1-3月", body=jan_mar), name="一季度.xlsx")
    assert first.sheets[0].period.label() == "2025年1-3月"
    # 1-3月 is year-to-date through March, but January and February are not stored: say so, don't guess
    assert any("缺少2025年1-2月的数据" in m and m.startswith("一季度.xlsx › 主要指标 › C3") for m in messages(first, "error"))
    for month, amount in ((1, 10.0), (2, 10.0), (3, 10.0)):
        commit(con, upload(con, simple(title=f"2025年{month}月", body=[["城东", 280, amount]]),
                           name=f"{month}月.xlsx", ytd={f"{month}月.xlsx › 主要指标": False}))
    plan = upload(con, simple(body=[["城东", 281, 42.0]]), ytd={"2025年4月民政统计表.xlsx › 主要指标": True})
    assert plan.ok, plan.findings
    commit(con, plan)
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-04") == pytest.approx(120_000)  # 42 − 30 万元


def test_a_month_column_is_preferred_to_the_year_to_date_one(con) -> None:
    rows = simple(title="黔江区2025年1-4月城市低保", header=["乡镇", "城市低保人数", "1-4月城市低保资金（万元）",
                                                        "当月城市低保资金（万元）"],
                  body=[["城东", 281, 50.0, 12.5]])
    plan = upload(con, rows)
    assert plan.ok, plan.findings
    assert "C列、D列都是“城市低保资金支出”，读取当月数D列" in " ".join(messages(plan, "note"))
    commit(con, plan)
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-04") == pytest.approx(125_000)


def test_a_quarter_is_stored_so_the_quarter_adds_up(con) -> None:
    for month, amount in ((4, 3.0), (5, 4.0)):
        commit(con, upload(con, simple(title=f"2025年{month}月", body=[["城东", 280, amount]]),
                           name=f"{month}月.xlsx", ytd={f"{month}月.xlsx › 主要指标": False}))
    plan = upload(con, simple(title="黔江区2025年第二季度民政统计表", body=[["城东", 290, 12.0], ["城南", 200, 9.0]]),
                  name="二季度.xlsx")
    assert plan.ok, plan.findings
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-06") == 290  # a stock: end of the quarter
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-06") == pytest.approx(50_000)  # 12 − 3 − 4 万元
    assert stored(con, "dibao_urban_funds", "城南街道", "2025-06") == pytest.approx(90_000)  # nothing else known
    q2 = con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds' AND township = "
                     "'城东街道' AND period BETWEEN '2025-04-01' AND '2025-06-01'").fetchone()[0]
    assert q2 == pytest.approx(120_000)


def test_none_marks_are_not_reported_never_zero(con) -> None:
    rows = simple(header=["乡镇", "城市低保人数", "城市低保平均保障标准（元/人·月）"],
                  body=[["城东", "—", "/"], ["城南", "无", 720]])
    plan = upload(con, rows)
    assert plan.ok, plan.findings
    assert not plan.soft  # neither township ever reported these: nothing to explain
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-04") is None
    assert stored(con, "dibao_urban_persons", "城南街道", "2025-04") is None
    assert stored(con, "dibao_urban_standard", "城东街道", "2025-04") is None
    assert stored(con, "dibao_urban_standard", "城南街道", "2025-04") == 720


def test_numbers_written_as_text(con) -> None:
    rows = simple(header=["乡镇", "城市低保人数", "城市低保资金（元）"],
                  body=[["城东", "1,234", "１２３４５"], ["城南", " 281 ", "532万元"]])
    plan = upload(con, rows, ytd={"2025年4月民政统计表.xlsx › 主要指标": False})
    assert plan.ok, plan.findings
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-04") == 1234
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-04") == 12345
    assert stored(con, "dibao_urban_funds", "城南街道", "2025-04") == 5_320_000


# --- errors --------------------------------------------------------------------------------------------------------


def test_cell_errors_name_file_sheet_and_cell(con) -> None:
    rows = simple(body=[["城东", "暂无", 12.5], ["城南", -3, "#DIV/0!"], ["城西", 2.5, 1.0], ["城东街道", 10, 1.0]])
    plan = upload(con, rows)
    errors = messages(plan, "error")
    where = f"{AT} › "
    assert f"{where}B3：不是数字：暂无" in errors
    assert f"{where}B4：城市低保人数为负数：-3" in errors
    assert f"{where}C4：公式错误：#DIV/0!" in errors
    assert f"{where}B5：城市低保人数应为整数（单位人）：2.5" in errors
    assert f"{where}A6：“城东街道”与第3行是同一乡镇（街道），重复填报" in errors
    with pytest.raises(CommitError, match="有5个错误"):
        commit(con, plan)
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 0


def test_an_unknown_township_is_reported_with_the_closest_names(con) -> None:
    plan = upload(con, simple(body=[["城东", 281, 1.0], ["城北街道", 10, 1.0]]))
    assert (f"{AT} › A4：未登记的乡镇（街道）“城北街道”，最接近的已登记乡镇：城西街道、城南街道、"
            "城东街道；如为新乡镇，请先登记或允许新增乡镇") in messages(plan, "error")


def test_new_townships_are_registered_when_allowed(con) -> None:
    plan = upload(con, simple(body=[["城东", 281, 1.0], ["城北街道", 10, 1.0]]), allow_new_townships=True)
    assert plan.ok, plan.findings
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城北街道", "2025-04") == 10
    assert townships.match_township(con, "城北") is not None


def test_a_suggested_match_accepted_is_stored_there_and_remembered_as_an_alias(con) -> None:
    body = [["城东", 281, 1.0], ["城南街办", 10, 1.0], ["城北街道", 7, 0.5]]
    plan = upload(con, simple(body=body))
    assert plan.context.unknown == {"城南街办": ["城南街道", "城西街道", "城东街道"],
                                    "城北街道": ["城西街道", "城南街道", "城东街道"]}
    south = townships.match_township(con, "城南街道")
    plan = upload(con, simple(body=body), accepted_matches={"城南街办": south}, register_townships=frozenset({"城北街道"}))
    assert plan.ok, plan.findings
    commit(con, plan)
    assert stored(con, "dibao_urban_persons", "城南街道", "2025-04") == 10
    assert stored(con, "dibao_urban_persons", "城北街道", "2025-04") == 7
    assert townships.match_township(con, "城南街办") == south  # the next file with this spelling matches by itself
    again = upload(con, simple(body=[["城南街办", 11, 1.0]]), name="2025年5月民政统计表.xlsx")
    assert not again.errors and again.context.unknown == {}


def test_prepare_reports_its_progress(con) -> None:
    steps: list[tuple[float, str]] = []
    data = xlsx_bytes([Sheet("主要指标", simple())])
    prepare(con, [("a.xlsx", data), ("b.xlsx", data)], Options(), progress=lambda f, m: steps.append((f, m)))
    assert steps == [(0.0, "正在读取 a.xlsx"), (0.45, "正在读取 b.xlsx"), (0.9, "正在核对数据")]


def test_a_period_that_cannot_be_determined(con) -> None:
    plan = upload(con, simple(title="民政统计表"), name="统计表.xlsx")
    assert messages(plan, "error") == [
        "统计表.xlsx › 主要指标：无法确定数据所属期间：请在标题、工作表名或文件名中写明（如“2025年4月”），或在导入时指定月份"]
    plan = upload(con, simple(title="民政统计表"), name="统计表.xlsx", period=date(2025, 3, 1))
    assert plan.sheets[0].period.label() == "2025年3月" and not plan.errors


def test_a_unit_that_does_not_fit_the_indicator(con) -> None:
    plan = upload(con, simple(header=["乡镇", "城市低保人数（万元）", "城市低保资金（万元）"]))
    assert any("B列“城市低保人数（万元）”的单位万元与指标“城市低保人数”的单位人不符" in m for m in messages(plan, "error"))


# --- warnings ------------------------------------------------------------------------------------------------------


def test_unmapped_columns_are_listed_and_a_mapping_is_remembered(con) -> None:
    rows = simple(header=["乡镇", "城市低保人数", "城市低保资金（万元）", "低保户增减情况"],
                  body=[["城东", 281, 12.5, 3], ["城南", 200, 9.0, 1]])
    plan = upload(con, rows)
    assert f"{AT}：以下列没有对应的指标，不会保存：D列“低保户增减情况”" in messages(plan, "warning")
    mapped = upload(con, rows, mappings={"低保户增减情况": "dibao_new_persons"})
    assert not [m for m in messages(mapped, "warning") if "没有对应的指标" in m]
    commit(con, mapped, user_name="李静")
    assert stored(con, "dibao_new_persons", "城东街道", "2025-04") == 3
    # the next file of the same layout is mapped the same way without asking
    again = upload(con, rows, name="2025年5月民政统计表.xlsx", sheet="主要指标")
    assert not [m for m in messages(again, "warning") if "没有对应的指标" in m]
    assert any(f.indicator == "dibao_new_persons" for f in again.facts)
    assert con.execute("SELECT confirmed_by FROM header_mapping").fetchone()[0] == "李静"


def test_ignoring_a_column_is_remembered_too(con) -> None:
    rows = simple(header=["乡镇", "城市低保人数", "备用"], body=[["城东", 281, 3]])
    commit(con, upload(con, rows, mappings={"备用": None}))
    again = upload(con, rows, name="2025年5月.xlsx")
    assert not [m for m in messages(again, "warning") if "没有对应的指标" in m]


def test_missing_townships(con) -> None:
    commit(con, upload(con, simple(title="2025年3月", body=[["城东", 280, 1.0]]), name="3月.xlsx"))
    plan = upload(con, simple(body=[["城东", 150, 1.0]]))
    warnings = messages(plan, "warning")
    assert any(m.endswith("本表没有以下已登记乡镇（街道）的数据：城南街道、城西街道、正阳街道、舟白街道、冯家街道、"
                          "阿蓬江镇、石会镇、黑溪镇、黄溪镇、黎水镇等29个") for m in warnings)


def test_amount_per_person_out_of_range_points_at_the_unit(con) -> None:
    # the header says 万元 but the values are 元 (177,150 for 291 people a month)
    plan = upload(con, simple(body=[["城东", 291, 177150], ["城南", 300, 180000]]),
                  ytd={"2025年4月民政统计表.xlsx › 主要指标": False})
    soft = messages(plan, "soft")
    assert any("城市低保资金支出按城市低保人数计每月约" in m and "表头写万元而数值是元？" in m for m in soft)


def test_the_same_file_twice_is_recognised_and_rollback_restores(con) -> None:
    rows = simple(body=[["城东", 281, 1.0]])
    first = commit(con, upload(con, rows))
    plan = upload(con, rows)
    assert f"{AT}：此文件与第{first.batch_id}批导入的文件内容完全相同" in messages(plan, "warning")
    changed = upload(con, simple(body=[["城东", 290, 1.0]]))
    second = commit(con, changed)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-04") == 290
    rollback(con, second.batch_id)
    assert stored(con, "dibao_urban_persons", "城东街道", "2025-04") == 281


# --- long tables and district forms ----------------------------------------------------------------------------------


def test_long_table_with_periods_written_three_ways(con) -> None:
    rows = [["乡镇", "统计月份", "指标名称", "数量", "单位"],
            ["城东街道", date(2025, 4, 1), "城市低保人数", 281, "人"],
            ["城东街道", "2025年5月", "城市低保人数", 282, "人"],
            ["城东街道", 202506, "城市低保人数", 283, "人"],
            ["城东街道", "2025.06", "城市低保金", 15.1, "万元"],
            ["城东街道", "2025.06", "不存在的指标", 1, "个"]]
    plan = upload(con, rows, name="明细.xlsx", sheet="明细", ytd={"明细.xlsx › 明细": False})
    assert plan.sheets[0].layout == "long"
    assert plan.sheets[0].period_label() == "2025年4月—2025年6月"
    assert "明细.xlsx › 明细：以下指标名称没有对应的指标，不会保存：“不存在的指标”（C6起）" in messages(plan, "warning")
    commit(con, plan)
    assert [stored(con, "dibao_urban_persons", "城东街道", f"2025-0{m}") for m in (4, 5, 6)] == [281, 282, 283]
    assert stored(con, "dibao_urban_funds", "城东街道", "2025-06") == pytest.approx(151_000)


def test_long_table_duplicate_keys_are_errors(con) -> None:
    rows = [["期间", "乡镇", "指标", "数值"], ["2025-04", "城东", "城市低保人数", 281],
            ["2025-04", "城东街道", "城市低保人数", 282]]
    plan = upload(con, rows, name="明细.xlsx", sheet="明细")
    assert "明细.xlsx › 明细 › D3：城东街道的“城市低保人数”（2025年4月）与D2重复" in messages(plan, "error")


def test_district_form_is_stored_against_the_district(con) -> None:
    rows = [["黔江区民政局2025年4月主要业务指标", None, None], ["指标名称", "单位", "数量"],
            ["养老机构数", "个", 38], ["“渝快社区”注册用户数", "万人", 4.5231]]
    plan = upload(con, rows, name="主要指标.xlsx")
    assert plan.ok, plan.findings
    commit(con, plan)
    district = townships.district(con).id
    assert con.execute("SELECT value FROM fact WHERE township_id = ? AND indicator_code = 'app_registered_users'",
                       [district]).fetchone()[0] == 45231
    assert con.execute("SELECT count(*) FROM v_fact WHERE township = '黔江区'").fetchone()[0] == 2


def test_an_empty_registry_is_set_up_from_the_districts_own_form(tmp_path) -> None:
    con = db.connect(tmp_path / "new.duckdb")
    catalog.seed(con)
    rows = simple(body=[["城东街道", 281, 1.0], ["中塘镇", 15, 0.5]], total=["黔江区合计", 296, 1.5])
    refused = upload(con, rows)
    assert f"{AT} › A3：未登记的乡镇（街道）“城东街道”；如为新乡镇，请先登记或允许新增乡镇" in messages(refused, "error")
    plan = upload(con, rows, allow_new_townships=True)
    assert plan.ok, plan.findings
    commit(con, plan)
    assert [(t.name, t.level) for t in townships.townships(con, include_district=True)] == [
        ("黔江区", "district"), ("城东街道", "township"), ("中塘镇", "township")]
    assert stored(con, "dibao_urban_persons", "中塘镇", "2025-04") == 15
    assert townships.match_township(con, "中塘") == townships.match_township(con, "中塘镇")
    con.close()


def test_the_same_key_in_two_sheets_is_an_error_naming_both_cells(con) -> None:
    first = simple(title="黔江区2025年4月民政统计表", body=[["城东", 281, 12.5], ["中塘乡", 15, 0.66]])
    second = simple(title="黔江区2025年4月民政统计表（补报）", body=[["黎水镇", 20, 1.0], ["城东街道", 282, 12.6]])
    data = xlsx_bytes([Sheet("主要指标", first), Sheet("补报", second)])
    plan = prepare(con, [("2025年4月民政统计表.xlsx", data)], Options())
    f = "2025年4月民政统计表.xlsx"
    assert messages(plan, "error") == [
        f"{f} › 补报 › B4：与{f} › 主要指标 › B3是同一指标、乡镇和月份（2025年4月），重复",
        f"{f} › 补报 › C4：与{f} › 主要指标 › C3是同一指标、乡镇和月份（2025年4月），重复"]
    assert not plan.ok


def test_a_first_upload_with_short_names_registers_every_row_above_the_total() -> None:
    from civdash import appdb

    blank = appdb.blank_database()
    try:
        rows = [["黔江区2025年4月城市低保统计表", None, None], ["乡镇（街道）", "城市低保户数", "城市低保人数"],
                ["城东", 150, 281], ["城南", 120, 230], ["中塘", 8, 15], ["合计", 278, 526]]
        plan = prepare(blank, [("2025年4月.xlsx", xlsx_bytes([Sheet("4月", rows, [(0, 0, 0, 2)])]))],
                       Options(allow_new_townships=True, district_name="黔江区"))
        assert not plan.errors, plan.errors
        assert list(plan.context.new_townships) == ["城东", "城南", "中塘"]
        assert plan.fact_count == 6
        commit(blank, plan)
        assert blank.execute("SELECT name, level FROM township ORDER BY sort_order").fetchall() == [
            ("黔江区", "district"), ("城东", "township"), ("城南", "township"), ("中塘", "township")]
    finally:
        blank.close()
