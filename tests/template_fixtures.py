"""The downloaded 上传模板 filled in as a person does it in a spreadsheet program, for the template's unit and app tests.

openpyxl opens the form, types figures into the township rows under the indicator columns and saves it, so the
合计 formulas keep no cached values, as with any program that does not recalculate on save.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import openpyxl

from civdash.ingest.template import FIRST_ROW

HEADER_ROW = FIRST_ROW - 1  # 1-based row of the indicator names (the row above the units row)


def indicator_of(header: str) -> str:
    """The indicator name a leaf header stands for: '城市低保资金支出（当月）' → '城市低保资金支出'."""
    return header.removesuffix("（当月）")


def columns(sheet) -> dict[str, int]:
    """Indicator name → 1-based column of the form's first sheet."""
    return {indicator_of(c.value): c.column for c in sheet[HEADER_ROW] if c.value and c.column > 1}


def rows(sheet) -> dict[str, int]:
    """Township name → 1-based row, down to the 合计 row."""
    found = {}
    for r in range(FIRST_ROW + 1, sheet.max_row + 1):
        name = sheet.cell(r, 1).value
        if name == "合计":
            break
        found[name] = r
    return found


def fill_template(data: bytes, figures: Mapping[tuple[str, str], float]) -> bytes:
    """The form with ``figures`` ((township name, indicator name) → figure in the unit the form shows) typed in."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    cols, where = columns(sheet), rows(sheet)
    for (town, indicator), value in figures.items():
        sheet.cell(where[town], cols[indicator]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
