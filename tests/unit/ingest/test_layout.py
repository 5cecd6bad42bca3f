"""ingest/layout.py: finding the parts of a report form without a template."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.ingest.layout import (
    cell_address,
    column_letter,
    detect_district_form,
    detect_long_table,
    detect_report,
    sheet_units,
    unit_in,
    ytd_marker,
)

TOWNS = {"城东", "城东街道", "中塘镇", "中塘乡", "新华乡", "城南街道"}
TOTALS = {"合计", "总计", "全区", "黔江区"}


def is_town(text: str) -> bool:
    return text.replace(" ", "") in TOWNS


def is_total(text: str) -> bool:
    return text.replace(" ", "") in TOTALS


# As published township tables look (NOTES.md): title, 填报单位/单位 line, two header rows with merged
# groups, a 序号 row, a short township name, an unknown name, a 合计 row and 注/审核人 lines.
FORM = [
    ["黔江区2025年4月城乡低保情况统计表", None, None, None, None, None, None],
    ["填报单位：黔江区民政局", None, None, None, "单位：万元", None, None],
    ["乡镇（街道）", "城市最低生活保障", None, None, "农村最低生活保障", None, None],
    [None, "户数", "人数", "1-4月资金（万元）", "户数", "人数", "当月资金"],
    ["甲", 1, 2, 3, 4, 5, 6],
    ["城东", 180, 292, 61.5, 103, 182, 7.48],
    ["中塘镇", 10, 15, 3.1, 211, 392, 14.2],
    ["不存在镇", 1, 2, 0.3, 5, 9, 0.4],
    ["合计", 191, 309, 64.9, 319, 583, 22.08],
    ["注：资金为1-4月累计数。", None, None, None, None, None, None],
    ["审核人：张三    填表人：李四", None, None, None, None, None, None],
]
FORM_MERGED = [(0, 0, 0, 6), (2, 0, 3, 0), (2, 1, 2, 3), (2, 4, 2, 6)]


def test_a_two_level_form_is_taken_apart() -> None:
    lay = detect_report(FORM, FORM_MERGED, is_town, is_total)
    assert lay is not None
    assert lay.township_col == 0
    assert lay.header_rows == (2, 3)
    assert lay.index_row == 4 and lay.units_row is None
    assert lay.township_rows == (5, 6, 7)  # the unknown name is kept for validation to report
    assert lay.total_rows == (8,)
    assert [c.index for c in lay.columns] == [1, 2, 3, 4, 5, 6]
    assert [c.header for c in lay.columns] == [
        ("城市最低生活保障", "户数"), ("城市最低生活保障", "人数"), ("城市最低生活保障", "1-4月资金（万元）"),
        ("农村最低生活保障", "户数"), ("农村最低生活保障", "人数"), ("农村最低生活保障", "当月资金")]
    assert [c.unit for c in lay.columns] == [None, None, "万元", None, None, None]
    assert [c.ytd for c in lay.columns] == [None, None, True, None, None, False]
    assert lay.title_lines == ("黔江区2025年4月城乡低保情况统计表", "填报单位：黔江区民政局 单位：万元")
    assert lay.sheet_units == ("万元",)
    assert lay.notes == ("注：资金为1-4月累计数。", "审核人：张三    填表人：李四")
    assert [c.letter for c in lay.columns] == ["B", "C", "D", "E", "F", "G"]


def test_a_units_row_and_the_district_name_as_total() -> None:
    grid = [
        ["乡镇", "特困人员", "临时救助", None],
        [None, "人数", "人次", "资金"],
        ["单位", "人", "人次", "万元"],
        ["城南街道", 20, 3, 0.6],
        ["新华乡", 12, 1, 0.2],
        ["黔江区", 32, 4, 0.8],
    ]
    lay = detect_report(grid, [(0, 0, 1, 0), (0, 2, 0, 3)], is_town, is_total)
    assert lay is not None
    assert lay.units_row == 2 and lay.header_rows == (0, 1)
    assert lay.total_rows == (5,) and lay.township_rows == (3, 4)
    assert [c.unit for c in lay.columns] == ["人", "人次", "万元"]
    assert [c.header for c in lay.columns] == [("特困人员", "人数"), ("临时救助", "人次"), ("临时救助", "资金")]


def test_three_header_levels_and_a_title_saying_year_to_date() -> None:
    grid = [
        ["2025年1-6月低保对象分类统计"],
        ["单位：人、元"],
        ["乡镇", "低保人数", "低保人员分类", None, None],
        [None, None, "其中", None, None],
        [None, None, "女性", "老年人", "未成年人"],
        ["城东街道", 292, 150, 80, 40],
        ["中塘镇", 392, 201, 120, 51],
    ]
    merged = [(2, 0, 4, 0), (2, 1, 4, 1), (2, 2, 2, 4), (3, 2, 3, 4)]
    lay = detect_report(grid, merged, is_town, is_total)
    assert lay is not None
    assert lay.header_rows == (2, 3, 4)
    assert [c.header for c in lay.columns] == [
        ("低保人数",), ("低保人员分类", "其中", "女性"), ("低保人员分类", "其中", "老年人"),
        ("低保人员分类", "其中", "未成年人")]
    assert lay.sheet_units == ("人", "元")
    assert lay.sheet_ytd is True
    assert lay.total_rows == ()


def test_a_long_table_is_not_a_form() -> None:
    grid = [
        ["月份", "乡镇", "指标", "数值"],
        ["2025-04", "城东街道", "城市低保人数", 292],
        ["2025-04", "城东街道", "城市低保户数", 180],
        ["2025-04", "中塘镇", "城市低保人数", 15],
    ]
    assert detect_report(grid, [], is_town, is_total) is None


def test_sheets_without_townships_are_not_forms() -> None:
    assert detect_report([], [], is_town, is_total) is None
    assert detect_report([["指标名称", "单位", "数量"], ["养老机构数", "个", 38]], [], is_town, is_total) is None


def test_units_markers_and_addresses() -> None:
    assert unit_in("资金（万元）") == "万元"
    assert unit_in("资金(单位：元)") == "元"
    assert unit_in("万元") == "万元" and unit_in("资金") is None
    assert ytd_marker("1-6月资金总支出") is True
    assert ytd_marker("截至6月底累计发放") is True
    assert ytd_marker("一至六月") is True
    assert ytd_marker("当月资金支出") is False
    assert ytd_marker("资金支出") is None
    assert sheet_units(["填表单位: 雨山区民政局  单位:人、元  填表日期:2021年7月3日"]) == ("人", "元")
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
    assert cell_address(6, 3) == "D7"


WORDS = ["城东", "中塘镇", "合计", "户数", "人数", "万元", "单位：万元", "序号", "注：", "", " ", "1-6月", "当月"]
cells = st.one_of(st.none(), st.integers(-5, 10_000), st.floats(allow_nan=True), st.sampled_from(WORDS), st.text(max_size=6))


@settings(max_examples=200, deadline=None)
@given(grid=st.lists(st.lists(cells, max_size=7), max_size=12),
       merged=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 7), st.integers(0, 3), st.integers(0, 3)),
                       max_size=4))
def test_detect_report_never_crashes(grid, merged) -> None:
    ranges = [(r, c, r + dr, c + dc) for r, c, dr, dc in merged]
    lay = detect_report(grid, ranges, is_town, is_total)
    if lay is not None:
        assert lay.township_rows or lay.total_rows
        assert all(c.index != lay.township_col for c in lay.columns)


def test_a_long_table_in_any_column_order_with_chinese_headers() -> None:
    grid = [
        ["黔江区2025年4月民政数据（长表）", None, None, None, None],
        ["数值", "单位", "指标名称", "乡镇（街道）", "统计月份"],
        [292, "人", "城市低保人数", "城东街道", "2025-04"],
        [14.2, "万元", "农村低保资金", "中塘镇", "2025年4月"],
    ]
    lay = detect_long_table(grid)
    assert lay is not None
    assert (lay.header_row, lay.period_col, lay.township_col, lay.indicator_col, lay.value_col, lay.unit_col) == (
        1, 4, 3, 2, 0, 1)
    assert lay.title_lines == ("黔江区2025年4月民政数据（长表）",)
    # without a period column the period comes from elsewhere; without an indicator column it is no long table
    assert detect_long_table([["乡镇", "指标", "数量"], ["城东街道", "城市低保人数", 292]]).period_col is None
    assert detect_long_table(FORM) is None


def test_a_district_level_form() -> None:
    grid = [
        ["黔江区2025年6月民政事业统计表"],
        ["指标名称", "单位", "本月数", "1-6月累计"],
        ["养老机构数", "个", 38, None],
        ["结婚登记", "对", 210, 1180],
        ["说明：婚姻登记为季报指标", None, None, None],
    ]
    known = {"养老机构数", "结婚登记"}
    lay = detect_district_form(grid, lambda t: t in known)
    assert lay is not None
    assert (lay.header_row, lay.indicator_col, lay.unit_col, lay.data_rows) == (1, 0, 1, (2, 3))
    assert [(c.index, c.header, c.ytd) for c in lay.value_cols] == [(2, ("本月数",), False), (3, ("1-6月累计",), True)]
    # a table with a township column is not a district-level form
    assert detect_district_form([["乡镇", "指标", "数量"], ["城东街道", "养老机构数", 3]], lambda t: t in known) is None


def test_township_names_without_figures_are_not_a_form() -> None:
    assert detect_report([["城东"], ["中塘镇"]], [], is_town, is_total) is None  # found by Hypothesis
