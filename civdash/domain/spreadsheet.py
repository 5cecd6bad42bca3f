"""The one rule against formula injection in every file people download or send (the upload template, 报送进度,
数据查询 and 审计日志 exports).

A text cell that starts with = + - @ (or a tab or carriage return) can run as a formula when a spreadsheet opens the
file: a township named ``=HYPERLINK("http://x","y")镇`` would become a live link in a form sent to every township.
The rule, the same in every writer:

- .xlsx: every workbook is made by ``workbook``, which switches off xlsxwriter's guessing in ``write()`` and
  ``merge_range()`` (``strings_to_formulas``, ``strings_to_urls``, ``strings_to_numbers``): a string is always stored
  as a string, never as a formula or a link; only ``write_formula`` writes a formula. Text formats also carry
  Excel's quote prefix (``TEXT``), which keeps a cell text when someone edits it.
- .csv has no cell types: a text that starts like a formula gets a leading apostrophe (``neutralise``, as OWASP
  recommends).

And such names are refused where they are registered (``formula_name_error``), so that new data never carries them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT: dict[str, bool] = {"quote_prefix": True}  # merged into the formats of text cells: an edited cell stays text
_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    return str(text).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """``text`` made safe for a .csv cell: a leading apostrophe before a formula's first character."""
    return "'" + text if starts_like_formula(text) else text


def workbook(out: BinaryIO) -> xlsxwriter.Workbook:
    """A new in-memory workbook writing to ``out`` in which no string becomes a formula, link or number."""
    import xlsxwriter  # noqa: PLC0415  (only where a workbook is written: not on every page's or command's start)

    return xlsxwriter.Workbook(out, dict(_OPTIONS))


def formula_name_error(name: str, what: str) -> str | None:
    """The Chinese message refusing ``name`` (a township's, indicator's or category's, as ``what`` says) when it starts
    like a formula; None when it is fine."""
    text = name.strip()
    if not starts_like_formula(text):
        return None
    return f"{what}“{text}”不能以 = + - @ 开头：这样的名称在 Excel 表格中会被当作公式执行，请去掉开头的符号"
