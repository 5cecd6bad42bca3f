"""Downloads of the 数据查询 table (civdash/outputs/export.py), parsed back: the .xlsx with openpyxl (layout, values, number
formats, text cells, frozen panes) and the .csv in both encodings; formula-like names never become formulas."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import numpy as np
import openpyxl
import pytest

from civdash.analysis import table
from civdash.analysis.table import TableRequest
from civdash.outputs import export

JAN, MAR = date(2025, 1, 1), date(2025, 3, 1)
MADE = date(2026, 11, 22)
NASTY = ["=1+2镇", "@SUM(A1)乡", "+86街道", "-5镇"]  # names a spreadsheet would take for formulas


@pytest.fixture
def nasty(small):
    """The tiny district plus townships named like formulas, each with a 低保人数 for March."""
    for k, name in enumerate(NASTY):
        tid = 100 + k  # written straight into the database (old data): registering such a name is refused now
        small.con.execute("INSERT INTO township (id, name, code, type, level, sort_order)"
                          " VALUES (?, ?, ?, '镇', 'township', ?)", [tid, name, f"50011499{k}", 10 + k])
        small.con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current)"
                          " VALUES ('persons', ?, ?, ?, 1, true)", [tid, MAR, 10.0 + k])
    return small


def workbook(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_has_the_office_layout_and_the_table_values(small) -> None:
    t = table.build(small.con, TableRequest(("persons", "funds", "standard", "cases"), JAN, MAR))
    ws = workbook(export.to_xlsx(t, MADE))
    assert ws.title == "统计表"
    assert ws["A1"].value == "黔江区2025年1-3月民政主要指标统计表" and ws["A1"].font.b
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}  # the title across the table
    assert ws["A2"].value == "单位：人、万元、元/人·月、人次"
    # Two header rows: labels over both; 社会救助 over its four indicators; the indicators with their units
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "B3:B4", "C3:F3"} <= merged
    assert (ws["A3"].value, ws["B3"].value, ws["C3"].value) == ("乡镇（街道）", "区划代码", "社会救助")
    assert [ws.cell(4, c).value for c in range(3, 7)] == ["低保人数（人）", "低保资金（万元）", "平均保障标准（元/人·月）",
                                                         "临时救助人次（人次）"]
    # The rows, then 合计, exactly the table's values; no value is an empty cell, not 0
    for r, label in enumerate(t.labels):
        row = [ws.cell(5 + r, c).value for c in range(1, 7)]
        assert row[0] == label
        assert row[1] == (t.codes[r] or None)
        for k in range(4):
            expected = t.values[r, k]
            assert (row[2 + k] is None) if np.isnan(expected) else row[2 + k] == expected
    assert ws["A8"].value == "合计" and ws["C8"].value == 221 and ws["D8"].value == 0.76 and ws["A8"].font.b  # 121+67+33
    assert ws["B5"].data_type == "s" and ws["B5"].value == "500114001"  # codes as text, never 5.00114E+08
    assert ws["C5"].number_format == "#,##0" and ws["D5"].number_format == "#,##0.00"
    assert ws.freeze_panes == "C5"
    texts = [ws.cell(r, c).value for r in range(9, ws.max_row + 1) for c in range(1, 7)]
    assert "制表单位：黔江区民政局" in texts and "制表日期：2026年11月22日" in texts
    assert any(isinstance(v, str) and v.startswith("注：") for v in texts)
    assert ws.column_dimensions["A"].width >= 2 * len("乡镇（街道）")  # wide enough for the Chinese label
    assert ws.print_title_rows == "$3:$4"  # headers repeated on every printed page


def test_xlsx_of_period_rows_has_no_code_column(small) -> None:
    t = table.build(small.con, TableRequest(("funds",), date(2024, 11, 1), MAR, grain="quarter", rows="period"))
    ws = workbook(export.to_xlsx(t, MADE))
    assert [ws.cell(r, 1).value for r in range(5, 8)] == ["2024年第4季度", "2025年第1季度（数据不全）", "合计"]
    assert [ws.cell(r, 2).value for r in range(5, 8)] == [0.65, 0.76, 1.41]
    assert ws["A3"].value == "期间" and ws["B3"].value == "社会救助" and ws.freeze_panes == "B5"


def test_formula_like_names_stay_text_in_the_xlsx(nasty) -> None:
    t = table.build(nasty.con, TableRequest(("persons",), MAR, MAR))
    ws = workbook(export.to_xlsx(t, MADE))
    found = {ws.cell(r, 1).value: ws.cell(r, 1) for r in range(5, ws.max_row + 1)}
    for name in NASTY:
        cell = found[name]
        assert cell.data_type == "s" and cell.quotePrefix  # stored as text, kept text when edited
    sheet_xml = zipfile.ZipFile(io.BytesIO(export.to_xlsx(t, MADE))).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no formula anywhere


def rows_of(data: bytes, codec: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(codec))))


def test_csv_utf8_has_a_bom_and_the_figures_as_shown(small) -> None:
    t = table.build(small.con, TableRequest(("persons", "funds", "cases"), JAN, MAR))
    data = export.to_csv(t)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel and WPS read it as UTF-8
    rows = rows_of(data, "utf-8-sig")
    assert rows[0] == ["乡镇（街道）", "区划代码", "低保人数（人）", "低保资金（万元）", "临时救助人次（人次）"]
    assert rows[1] == ["城东街道", "500114001", "121", "0.45", "22"]
    assert rows[3] == ["新华乡", "500114256", "33", "0.08", ""]  # no value: an empty cell
    assert rows[-1] == ["合计", "", "221", "0.76", "33"]  # the rows' 121 + 67 + 33
    assert data.count(b"\r\n") == len(t.labels) + 1


def test_csv_gbk_decodes_as_gbk_to_the_same_rows(small) -> None:
    t = table.build(small.con, TableRequest(("persons", "funds"), JAN, MAR))
    data = export.to_csv(t, "gbk")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert rows_of(data, "gbk") == rows_of(export.to_csv(t), "utf-8-sig")


def test_formula_like_names_are_neutralised_in_the_csv(nasty) -> None:
    t = table.build(nasty.con, TableRequest(("persons",), MAR, MAR))
    labels = [row[0] for row in rows_of(export.to_csv(t), "utf-8-sig")[1:]]
    for name in NASTY:
        assert "'" + name in labels and name not in labels
    assert "城东街道" in labels  # plain names untouched


@pytest.mark.parametrize(("text", "expected"), [("=1+2", "'=1+2"), ("+86", "'+86"), ("-5", "'-5"), ("@A1", "'@A1"),
                                                ("\tx", "'\tx"), ("城东=1", "城东=1"), ("", "")])
def test_neutralise(text, expected) -> None:
    assert export.neutralise(text) == expected


def test_file_name_is_the_title(small) -> None:
    t = table.build(small.con, TableRequest(("persons",), date(2024, 10, 1), MAR))
    assert export.file_name(t, "xlsx") == "黔江区2024年10月—2025年3月民政主要指标统计表.xlsx"
