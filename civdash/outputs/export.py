"""Downloads of a ``QueryTable``: .xlsx in the office's format and .csv (UTF-8 with BOM, or GBK).

The .xlsx: the title over the table, a unit line, two header rows (categories over the indicators they hold),
the rows and the 合计 row, a 制表单位/制表日期 line and the notes; frozen panes below the headers and beside
the labels, thousands separators, money in 万元 with two decimals, columns as wide as their Chinese text,
township codes as text, printed landscape on one page wide with the headers repeated.

The .csv: one header row as on screen, then the rows; numbers with the decimals shown and no separators (so a
spreadsheet reads them as numbers), an empty cell where there is no value.

Formula injection (a cell starting with = + - @, a tab or a carriage return could run as a formula when a
spreadsheet opens the file) is kept out by the one rule of ``civdash.domain.spreadsheet``: in the .csv such a cell
gets a leading apostrophe (``neutralise``); the .xlsx is made by ``spreadsheet.workbook`` and stores every text as
text marked with Excel's quote prefix, which keeps it text even when someone edits the cell.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date

import numpy as np

from civdash.analysis.table import CODE_HEADER, QueryTable
from civdash.domain import spreadsheet
from civdash.domain.spreadsheet import TEXT, neutralise

__all__ = ["ENCODINGS", "file_name", "neutralise", "number_text", "text_width", "to_csv", "to_xlsx"]
ENCODINGS: dict[str, str] = {"utf-8": "UTF-8（Excel、WPS 通用）", "gbk": "GBK（旧版软件）"}
_CODECS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}  # GB18030 is GBK for every character GBK has, and has the rest


def file_name(table: QueryTable, extension: str) -> str:
    """'黔江区2025年1-6月民政主要指标统计表.xlsx': the title, without characters a file name cannot hold."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", table.title).strip("_") + "." + extension


def number_text(value: float, decimals: int) -> str:
    """A value as the .csv writes it: the decimals shown, no separators; '' for no value."""
    return "" if np.isnan(value) else f"{value:.{decimals}f}"


def to_csv(table: QueryTable, encoding: str = "utf-8") -> bytes:
    """The table as a .csv in ``encoding`` ('utf-8': with a BOM, so Excel and WPS open it right; 'gbk')."""
    if encoding not in _CODECS:
        raise ValueError(f"unknown encoding {encoding!r}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    frame = table.frame()
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for r, label in enumerate(table.labels):
        row = [neutralise(label)]
        if table.codes is not None:
            row.append(neutralise(table.codes[r]))
        row += [number_text(table.values[r, k], c.decimals) for k, c in enumerate(table.columns)]
        writer.writerow(row)
    return out.getvalue().encode(_CODECS[encoding])


def text_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: two for a Chinese (wide) character, one for others."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_xlsx(table: QueryTable, made_on: date) -> bytes:
    """The table as the office's .xlsx (see the module docstring); ``made_on`` is the 制表日期."""
    buffer = io.BytesIO()
    book = spreadsheet.workbook(buffer)
    book.set_properties({"title": table.title, "company": f"{table.district}民政局"})
    font = {"font_name": "宋体", "font_size": 11, **TEXT}  # text stays text (see the module docstring)
    title = book.add_format({**font, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    plain = book.add_format({**font})
    header = book.add_format({**font, "bold": True, "align": "center", "valign": "vcenter", "text_wrap": True,
                              "border": 1, "bg_color": "#F2F2F2"})
    label = book.add_format({**font, "border": 1})
    total_label = book.add_format({**font, "border": 1, "bold": True, "align": "center"})
    numbers = {d: book.add_format({**font, "border": 1, "num_format": "#,##0" + ("." + "0" * d if d else "")})
               for d in {c.decimals for c in table.columns}}
    total_numbers = {d: book.add_format({**font, "border": 1, "bold": True,
                                         "num_format": "#,##0" + ("." + "0" * d if d else "")})
                     for d in {c.decimals for c in table.columns}}
    sheet = book.add_worksheet("统计表")

    labels = [table.row_header] + ([CODE_HEADER] if table.codes is not None else [])
    first_value = len(labels)
    last_col = first_value + len(table.columns) - 1
    sheet.merge_range(0, 0, 0, max(last_col, 1), table.title, title)
    sheet.set_row(0, 30)
    sheet.write_string(1, 0, table.unit_line, plain)

    # Two header rows: the labels over both, each category over its indicators, the indicators below.
    top, below = 2, 3
    for c, text in enumerate(labels):
        sheet.merge_range(top, c, below, c, text, header)
    c = first_value
    while c <= last_col:
        category = table.columns[c - first_value].category
        end = c
        while end + 1 <= last_col and table.columns[end + 1 - first_value].category == category:
            end += 1
        if end > c:
            sheet.merge_range(top, c, top, end, category, header)
        else:
            sheet.write_string(top, c, category, header)
        for k in range(c, end + 1):
            sheet.write_string(below, k, table.columns[k - first_value].header, header)
        c = end + 1
    sheet.set_row(below, 45)

    first_row = below + 1
    for r, text in enumerate(table.labels):
        total = r == len(table.labels) - 1
        sheet.write_string(first_row + r, 0, text, total_label if total else label)
        if table.codes is not None and table.codes[r]:
            sheet.write_string(first_row + r, 1, table.codes[r], total_label if total else label)
        elif table.codes is not None:
            sheet.write_blank(first_row + r, 1, None, total_label if total else label)
        for k, column in enumerate(table.columns):
            value = table.values[r, k]
            fmt = (total_numbers if total else numbers)[column.decimals]
            if np.isnan(value):
                sheet.write_blank(first_row + r, first_value + k, None, fmt)
            else:
                sheet.write_number(first_row + r, first_value + k, float(value), fmt)

    foot = first_row + len(table.labels) + 1
    sheet.write_string(foot, 0, f"制表单位：{table.district}民政局", plain)
    sheet.write_string(foot, max(last_col - 1, 1), f"制表日期：{made_on.year}年{made_on.month}月{made_on.day}日", plain)
    for n, note in enumerate(table.notes):
        sheet.write_string(foot + 1 + n, 0, ("注：" if n == 0 else "　　") + note, plain)

    # Widths that fit the text: labels by their longest entry, indicator columns by header (wrapped over two
    # lines at most) and their widest number.
    sheet.set_column(0, 0, max(text_width(t) for t in [*table.labels, table.row_header]) + 2)
    if table.codes is not None:
        sheet.set_column(1, 1, max(text_width(CODE_HEADER), *(len(t) for t in table.codes)) + 2)
    for k, column in enumerate(table.columns):
        widest = max((len(f"{v:,.{column.decimals}f}") for v in table.values[:, k] if not np.isnan(v)), default=4)
        sheet.set_column(first_value + k, first_value + k, max(widest + 2, min(text_width(column.header) // 2 + 2, 24), 8))

    sheet.freeze_panes(first_row, first_value)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(top, below)
    sheet.hide_gridlines(0)
    book.close()
    return buffer.getvalue()
