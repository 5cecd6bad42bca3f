"""上传模板.xlsx: a monthly report form in the office's own layout, generated from the current catalog and township
registry, that the upload engine reads without a question (every column maps to its indicator, every township
row to its township, amounts in 万元, flows marked 当月 so that nothing is assumed)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

import duckdb
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from civdash import catalog, townships
from civdash.units import display_unit

FIRST_ROW = 5  # 0-based: title, 填报单位 line, category row, indicator row, units row, then the townships


def template_name(year: int, month: int) -> str:
    return f"上传模板-{year}年{month}月.xlsx"


def _leaf(ind: catalog.Indicator) -> str:
    return f"{ind.name}（当月）" if ind.kind == "flow" else ind.name


def upload_template(con: duckdb.DuckDBPyConnection, year: int, month: int,
                    values: Mapping[tuple[str, str], float] | None = None) -> bytes:
    """The form for ``year``-``month``; ``values`` ((township name, indicator code) → figure in the unit shown)
    pre-fills cells (tests fill the form this way)."""
    inds = catalog.indicators(con)
    towns = [t.name for t in townships.townships(con)]
    district = townships.district_name(con)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"{district}{year}年{month}月民政主要指标统计表", "created": date(year, month, 1)})
    title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    head = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1,
                            "bg_color": "#EAF1F8"})
    plain = book.add_format({"border": 1})
    number = book.add_format({"border": 1, "num_format": "#,##0.00"})
    count = book.add_format({"border": 1, "num_format": "#,##0"})
    total_fmt = book.add_format({"border": 1, "bold": True, "num_format": "#,##0.##"})
    sheet = book.add_worksheet(f"{month}月")
    width = len(inds)
    sheet.merge_range(0, 0, 0, width, f"{district}{year}年{month}月民政主要指标统计表", title)
    sheet.write(1, 0, f"填报单位：{district}民政局（盖章）")
    sheet.write(1, width, f"统计期：{year}年{month}月")
    sheet.merge_range(2, 0, 4, 0, "乡镇（街道）", head)
    col = 1
    for category in catalog.categories(inds):
        members = [i for i in inds if i.category == category]
        if len(members) > 1:
            sheet.merge_range(2, col, 2, col + len(members) - 1, category, head)
        else:
            sheet.write(2, col, category, head)
        for ind in members:
            sheet.write(3, col, _leaf(ind), head)
            sheet.write(4, col, display_unit(ind.unit), head)
            sheet.set_column(col, col, max(10, len(_leaf(ind)) * 1.8))
            col += 1
    ordered = [i for c in catalog.categories(inds) for i in inds if i.category == c]
    for r, town in enumerate(towns, start=FIRST_ROW):
        sheet.write(r, 0, town, plain)
        for c, ind in enumerate(ordered, start=1):
            fmt = number if display_unit(ind.unit) == "万元" or ind.decimals else count
            value = (values or {}).get((town, ind.code))
            if value is None:
                sheet.write_blank(r, c, None, fmt)
            else:
                sheet.write_number(r, c, value, fmt)
    last = FIRST_ROW + len(towns) - 1
    total_row = last + 1
    sheet.write(total_row, 0, "合计", total_fmt)
    for c, ind in enumerate(ordered, start=1):
        if ind.kind == "level":  # rates and standards are not added up
            sheet.write_blank(total_row, c, None, total_fmt)
            continue
        cells = [(values or {}).get((t, ind.code)) for t in towns]
        cached = sum(v for v in cells if v is not None)
        formula = f"=SUM({xl_rowcol_to_cell(FIRST_ROW, c)}:{xl_rowcol_to_cell(last, c)})"
        sheet.write_formula(total_row, c, formula, total_fmt, round(cached, 2))
    sheet.write(total_row + 2, 0, "审核人：            填表人：            联系电话：            填表日期：")
    sheet.set_column(0, 0, 16)
    sheet.freeze_panes(FIRST_ROW, 1)
    notes = book.add_worksheet("说明")
    for r, line in enumerate([
        "填表说明",
        f"1. 本表按{district}当前登记的乡镇（街道）和民政指标生成，请勿增删行列或修改表头，直接在空白处填数。",
        "2. 标“（当月）”的指标填本月发生数，不填1-N月累计数；其余为月末数。",
        "3. 金额单位为万元（保留两位小数），人数、户数等填整数；没有发生的填0，未统计的留空。",
        "4. 合计行为公式，自动求和；填好后在看板“数据上传”页面直接上传本文件。",
    ]):
        notes.write(r, 0, line)
    notes.set_column(0, 0, 100)
    book.close()
    return out.getvalue()
