"""What a cell says: a number, nothing, 'none reported', or something that is not a number.

The documented rule for what counts as a number:
- a number cell (int or float, not a boolean) is itself; NaN and infinity are errors;
- text is folded to half-width first (full-width digits, commas, points and signs), spaces are dropped;
  thousands separators are accepted where they group by three ("1,234", "12，345.6"); a leading sign,
  accounting brackets "(123)" for a negative, a trailing "%" (the value is divided by 100) and a trailing
  unit word ("1652人", "532万元": the unit is returned, converting it is the caller's job) are accepted;
- an empty cell (blank, spaces) reports nothing;
- "—", "－", "-", "/", "／", "\\" and "无" mean the township reports none: counts and amounts are stored
  as 0, rates are not stored (the caller knows the kind);
- Excel error values (#DIV/0!, #NAME? …), dates, booleans and any other text ("暂无", "不详") are errors
  with a message that names the value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

UNIT_SUFFIXES = ("万人次", "人次", "亿元", "万元", "千元", "元", "万人", "人", "万户", "户", "个", "张", "对", "件")
NONE_MARKS = {"—", "-", "--", "——", "－", "―", "/", "\\", "无", "–"}
EXCEL_ERRORS = {"#DIV/0!", "#NAME?", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")


@dataclass(frozen=True)
class Cell:
    value: float | None
    status: Literal["number", "empty", "none", "error"]
    message: str | None = None
    unit: str | None = None
    percent: bool = False


EMPTY = Cell(None, "empty")
NONE = Cell(None, "none")


def _error(raw: object, why: str = "不是数字") -> Cell:
    shown = str(raw).strip()
    if len(shown) > 20:
        shown = shown[:20] + "…"
    return Cell(None, "error", f"{why}：{shown}")


def parse_cell(raw: object) -> Cell:
    """Read one cell by the rule in the module docstring; never raises."""
    try:
        return _parse(raw)
    except Exception:  # the rule is total; anything unforeseen is reported, not raised
        return _error(raw)


def _parse(raw: object) -> Cell:
    if raw is None:
        return EMPTY
    if isinstance(raw, bool):
        return _error(raw)
    if isinstance(raw, int | float):
        value = float(raw)
        return Cell(value, "number") if math.isfinite(value) else _error(raw)
    if isinstance(raw, datetime | date | time | timedelta):
        return _error(raw, "是日期或时间，不是数字")
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(raw)))
    if not text:
        return EMPTY
    if text in NONE_MARKS or set(text) <= {"—", "-", "－"}:
        return NONE
    if text.upper() in EXCEL_ERRORS:
        return Cell(None, "error", f"公式错误：{text.upper()}")
    text = text.replace("，", ",")
    unit = next((u for u in UNIT_SUFFIXES if text.endswith(u) and len(text) > len(u)), None)
    if unit:
        text = text[: -len(unit)]
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    if not _NUMBER.fullmatch(text):
        return _error(raw)
    value = float(text.replace(",", ""))
    if negative:
        value = -value
    if percent:
        value /= 100
    return Cell(value, "number", unit=unit, percent=percent)
