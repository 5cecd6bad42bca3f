"""报送进度 (civdash/analysis/progress.py) on the hand-made district of conftest.py: 新华乡 reported no 临时救助 in January
and February (the others did) and nothing in March; nobody reported 临时救助 in March, so it is not expected then."""

from __future__ import annotations

import io
from datetime import date

from python_calamine import CalamineWorkbook

from civdash.analysis import progress


def test_statuses_per_month(small) -> None:
    grid = progress.month_grid(small.con, date(2025, 1, 1), date(2025, 3, 1))
    assert list(grid.statuses.columns) == ["2025年1月", "2025年2月", "2025年3月"]
    assert grid.statuses.to_dict("index") == {
        "城东街道": {"2025年1月": "已报送", "2025年2月": "已报送", "2025年3月": "已报送"},
        "中塘镇": {"2025年1月": "已报送", "2025年2月": "已报送", "2025年3月": "已报送"},
        "新华乡": {"2025年1月": "部分报送", "2025年2月": "部分报送", "2025年3月": "未报送"}}  # the district row: never
    assert grid.reported == {"2025年1月": 2, "2025年2月": 2, "2025年3月": 2} and grid.townships == 3
    assert progress.missing_townships(grid, "2025年3月") == ["新华乡"]


def test_one_month_by_indicator(small) -> None:
    grid = progress.indicator_grid(small.con, date(2025, 2, 1))
    assert list(grid.columns) == ["状态", "低保人数", "低保资金", "平均保障标准", "覆盖率", "临时救助人次"]
    assert grid.loc["新华乡", "临时救助人次"] == "未报送" and grid.loc["城东街道", "临时救助人次"] == "已报送"
    assert grid.loc["新华乡", "状态"].startswith("部分报送（缺1项）")
    assert grid.loc["城东街道", "状态"].startswith("已报送")


def test_the_workbook_holds_both_grids_and_the_totals(small) -> None:
    first, last = date(2025, 1, 1), date(2025, 3, 1)
    grid = progress.month_grid(small.con, first, last)
    data = progress.progress_xlsx(small.con, grid, first, last, last, progress.indicator_grid(small.con, last))
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["按月份", "2025年3月按指标"]
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == "黔江区2025年1月—2025年3月各乡镇（街道）报送进度"
    assert rows[3] == ["乡镇（街道）", "2025年1月", "2025年2月", "2025年3月"]
    assert rows[6] == ["新华乡", "部分报送", "部分报送", "未报送"]
    assert rows[7] == ["合计", "已报送2/3", "已报送2/3", "已报送2/3"]
    by_indicator = book.get_sheet_by_index(1).to_python()
    assert by_indicator[6][:2] == ["新华乡", "未报送"]
    assert progress.file_name(first, last) == "报送进度-2025年1月-2025年3月.xlsx"
