"""上传模板.xlsx: a monthly report form in the office's own layout, generated from the current catalog and township
registry, that the upload engine reads without a question (every column maps to its indicator, every township
row to its township, amounts in 万元, flows marked 当月 so that nothing is assumed).

The form: a title (黔江区2025年7月民政主要指标统计表), a 填报单位 / 金额单位 / 统计期 line, a header of categories
merged over indicator names with a units row under them, one row per registered township in registry order, a
合计 row of SUM formulas (rates and standards are not added up), a 审核人 / 填表人 line; cells accept numbers only.
A 说明 sheet (skipped by the upload engine) says how to fill it and lists every indicator with its unit and 口径.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from datetime import date

import duckdb
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from civdash.domain import catalog, spreadsheet, townships
from civdash.domain.spreadsheet import TEXT
from civdash.domain.units import display_unit

FIRST_ROW = 5  # 0-based: title, 填报单位 line, category row, indicator row, units row, then the townships
_READING = {"flow": "当月发生数（不填1-N月累计）", "stock": "月末数", "level": "当月标准或比率（不相加）"}


def template_name(year: int, month: int) -> str:
    return f"上传模板-{year}年{month}月.xlsx"


def _leaf(ind: catalog.Indicator) -> str:
    return f"{ind.name}（当月）" if ind.kind == "flow" else ind.name


def counted(ind: catalog.Indicator) -> bool:
    """Written as whole numbers (people, households, cases …), not amounts, rates or standards."""
    return ind.kind != "level" and display_unit(ind.unit) == ind.unit and ind.unit != "元" and not ind.decimals


def upload_template(con: duckdb.DuckDBPyConnection, year: int, month: int,
                    values: Mapping[tuple[str, str], float] | None = None,
                    only: Collection[int] | None = None) -> bytes:
    """The form for ``year``-``month``; ``values`` ((township name, indicator code) → figure in the unit shown)
    pre-fills cells (tests and a township's 填报 form fill it this way); ``only``: the ids of the townships to list
    (None: every registered township), e.g. the one township a 填报 form is for."""
    inds = catalog.indicators(con)
    ordered = [i for c in catalog.categories(inds) for i in inds if i.category == c]
    towns = [t.name for t in townships.townships(con) if only is None or t.id in only]
    district = townships.district_name(con)
    title_text = f"{district}{year}年{month}月民政主要指标统计表"
    out = io.BytesIO()
    book = spreadsheet.workbook(out)  # names stay text: never a formula or a link (formula injection)
    book.set_properties({"title": title_text, "created": date(year, month, 1)})
    title = book.add_format({**TEXT, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    line = book.add_format(TEXT)
    head = book.add_format({**TEXT, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1,
                            "bg_color": "#EAF1F8"})
    plain = book.add_format({**TEXT, "border": 1})
    number = book.add_format({"border": 1, "num_format": "#,##0.00"})
    count = book.add_format({"border": 1, "num_format": "#,##0"})
    total_fmt = book.add_format({"border": 1, "bold": True, "num_format": "#,##0.##"})
    sheet = book.add_worksheet(f"{month}月")
    width = len(ordered)
    sheet.merge_range(0, 0, 0, width, title_text, title)
    sheet.write_string(1, 0, f"填报单位：{district}民政局（盖章）", line)
    sheet.write_string(1, max(1, width // 2), "金额单位：万元", line)
    sheet.write_string(1, width, f"统计期：{year}年{month}月", line)
    sheet.merge_range(2, 0, 4, 0, "乡镇（街道）", head)
    col = 1
    for category in catalog.categories(inds):
        members = [i for i in ordered if i.category == category]
        if len(members) > 1:
            sheet.merge_range(2, col, 2, col + len(members) - 1, category, head)
        else:
            sheet.write_string(2, col, category, head)
        for ind in members:
            sheet.write_string(3, col, _leaf(ind), head)
            sheet.write_string(4, col, display_unit(ind.unit), head)
            sheet.set_column(col, col, max(10, len(_leaf(ind)) * 1.8))
            col += 1
    last = FIRST_ROW + len(towns) - 1
    for r, town in enumerate(towns, start=FIRST_ROW):
        sheet.write_string(r, 0, town, plain)
        for c, ind in enumerate(ordered, start=1):
            value = (values or {}).get((town, ind.code))
            fmt = count if counted(ind) else number
            if value is None:
                sheet.write_blank(r, c, None, fmt)
            else:
                sheet.write_number(r, c, value, fmt)
    for c, ind in enumerate(ordered, start=1):
        whole = counted(ind)
        sheet.data_validation(FIRST_ROW, c, last, c, {
            "validate": "integer" if whole else "decimal", "criteria": ">=", "value": 0,
            "error_title": "请填写数字",
            "error_message": f"{ind.name}：填{'不小于0的整数' if whole else '不小于0的数字'}"
                             f"（{display_unit(ind.unit)}）；没有发生的填0，未统计的留空。"})
    total_row = last + 1
    sheet.write_string(total_row, 0, "合计", total_fmt)
    for c, ind in enumerate(ordered, start=1):
        if ind.kind == "level":  # rates and standards are not added up
            sheet.write_blank(total_row, c, None, total_fmt)
            continue
        cells = [(values or {}).get((t, ind.code)) for t in towns]
        cached = sum(v for v in cells if v is not None)
        formula = f"=SUM({xl_rowcol_to_cell(FIRST_ROW, c)}:{xl_rowcol_to_cell(last, c)})"
        sheet.write_formula(total_row, c, formula, total_fmt, round(cached, 2))
    sheet.write_string(total_row + 2, 0, "审核人：            填表人：            联系电话：            填表日期：", line)
    sheet.set_column(0, 0, 16)
    sheet.set_row(3, 48)
    sheet.freeze_panes(FIRST_ROW, 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(2, 4)
    sheet.repeat_columns(0, 0)
    _notes(book, district, ordered)
    book.close()
    return out.getvalue()


def _notes(book: xlsxwriter.Workbook, district: str, inds: list[catalog.Indicator]) -> None:
    """The 说明 sheet: how to fill the form, and every indicator with its unit and 口径."""
    notes = book.add_worksheet("说明")
    bold = book.add_format({**TEXT, "bold": True, "font_size": 13})
    head = book.add_format({**TEXT, "bold": True, "border": 1, "bg_color": "#EAF1F8"})
    line = book.add_format(TEXT)
    cell = book.add_format({**TEXT, "border": 1, "text_wrap": True, "valign": "top"})
    lines = [
        f"1. 本表按{district}当前登记的乡镇（街道）和民政指标生成，请勿增删行列或修改表头，直接在空白处填数。",
        "2. 标“（当月）”的指标是发生数，填本月发生的数，不填1-N月累计数；其余人数、户数等填月末数，保障标准填当月标准。",
        "3. 金额单位为万元（保留两位小数），人数、户数、人次等填整数；没有发生的填0，未统计的留空。",
        "4. 合计行为公式，自动求和，不必填写；平均标准不相加，合计行留空。",
        "5. 填好后在看板“统计工作 › 数据上传”页面直接上传本文件。指标或乡镇有增减时，请重新下载模板。",
    ]
    notes.write_string(0, 0, "填表说明", bold)
    for r, text in enumerate(lines, start=1):
        notes.write_string(r, 0, text, line)
    first = len(lines) + 2
    for c, text in enumerate(("指标", "单位", "填写口径", "类别", "口径说明")):
        notes.write_string(first, c, text, head)
    for r, ind in enumerate(inds, start=first + 1):
        for c, text in enumerate((ind.name, display_unit(ind.unit), _READING[ind.kind], ind.category, ind.note or "")):
            notes.write_string(r, c, text, cell)
    for c, w in enumerate((34, 10, 28, 12, 30)):
        notes.set_column(c, c, w)
