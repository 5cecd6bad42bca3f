"""What a cell says: a number, nothing, 'none reported', or something that is not a number.

This is the project's documented rule for what counts as a number in an uploaded spreadsheet. ``parse_cell``
takes a raw value as python-calamine returns it (int, float, str, bool, date, datetime, time, timedelta, None)
or as a CSV field (str), and never raises.

1. Empty — nothing is reported: None, "" and text of only whitespace (spaces, tabs, line breaks, the
   full-width space U+3000, NBSP; zero-width spaces and a byte-order mark count as nothing too).
2. None reported — the township reports none; the caller stores 0 for counts and amounts and nothing for
   rates (it knows the indicator's kind): a run of dashes ("—", "——", "-", "--", "－", "–", "―"), one slash
   or backslash ("/", "／", "\\", "＼") or "无", with or without spaces around.
3. Numbers:
   - an int or float cell (not a bool) is itself; NaN and ±infinity are errors;
   - text is folded once to half-width (NFKC: full-width digits, signs, commas, points, brackets, "％"),
     and "−" (U+2212) reads as a minus sign;
   - spaces around the number, its sign, its unit or "%" are dropped; spaces between digits are accepted only
     as thousands separators ("3 000"), so "12 34" is an error rather than 1234;
   - thousands separators "," (from "," or "，") must group by three: "1,234", "12,345.6" and "1,234,567" are
     numbers, "1,23,4", "1234,567" and "1,5" are errors;
   - a leading "+" or "-"; or accounting brackets for a negative, not combined with a sign: "(123)" is -123,
     and so are "(123)万元" and "(123万元)";
   - a decimal point ("12.5", ".5", "12.") and scientific notation without separators ("1.5E+05");
   - a trailing "%": the value is divided by 100 and ``percent`` is set ("12.5%" → 0.125);
   - or a trailing unit word from ``civdash.domain.units.KNOWN_UNITS`` (元, 万元, 亿元, 千元, 人, 万人, 户, 万户, 人次,
     万人次, 个, 张, 对, 件) or a leading "¥" (元): ``unit`` is set and the value is as written — converting
     ("532万元" → 5,320,000 元) is the caller's job, with ``units.to_base_unit``; "%" and a unit together are
     an error.
4. Errors, each with a Chinese message that names the value (long values are shortened):
   - Excel error values "#DIV/0!", "#NAME?", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NULL!" (also #SPILL!,
     #CALC!, #GETTING_DATA; any case) → "公式错误：#DIV/0!";
   - booleans → "不是数字：TRUE";
   - dates and times (often a number cell formatted as a date) → "是日期或时间，不是数字：2025-03-01（请检查单元格格式）";
   - NaN and infinity, and any other text ("暂无", "不详", "待报", "12人左右", "1.2万", "nan") → "不是数字：暂无".
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from civdash.domain.units import KNOWN_UNITS

CellStatus = Literal["number", "empty", "none", "error"]

EXCEL_ERRORS = frozenset({"#DIV/0!", "#NAME?", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA"})

_INVISIBLE = str.maketrans({"\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
                            "\u2212": "-"})
_NONE_MARK = re.compile(r"[-—–―]+|[/\\]|无")
_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=\d)")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(
    r"[+-]?(?:"
    r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?"  # 1234, 1,234, 12,345.6, 12.
    r"|\.\d+"  # .5
    r"|(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d{1,3}"  # 1.5E+05
    r")"
)
_SHOWN = 20


@dataclass(frozen=True)
class Cell:
    """One cell read by the rule above: ``value`` is set exactly when ``status`` is "number"."""

    value: float | None
    status: CellStatus
    message: str | None = None  # why an "error" is one, in Chinese
    unit: str | None = None  # a unit word written in the cell ("万元"), not yet converted
    percent: bool = False  # written with "%"; ``value`` is already divided by 100


EMPTY = Cell(None, "empty")
NONE = Cell(None, "none")


def parse_cell(raw: object) -> Cell:
    """Read one raw cell value by the module's rule; never raises."""
    try:
        return _parse(raw)
    except Exception:  # the rule is total; anything unforeseen is reported, not raised
        return _error(raw)


def _shown(raw: object) -> str:
    """The value as the statistician would recognise it in a message, shortened."""
    try:
        if isinstance(raw, bool):
            text = "TRUE" if raw else "FALSE"
        elif isinstance(raw, datetime):
            text = raw.isoformat(sep=" ")
        else:
            text = str(raw)
    except Exception:
        text = type(raw).__name__
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _error(raw: object, why: str = "不是数字", hint: str = "") -> Cell:
    return Cell(None, "error", f"{why}：{_shown(raw)}{hint}")


def _parse(raw: object) -> Cell:
    if raw is None:
        return EMPTY
    if isinstance(raw, bool):
        return _error(raw)
    if isinstance(raw, int | float):
        value = float(raw)  # an int too large for a float raises OverflowError: reported as an error below
        return Cell(value, "number") if math.isfinite(value) else _error(raw)
    if isinstance(raw, date | time | timedelta):  # datetime is a date
        return _error(raw, "是日期或时间，不是数字", "（请检查单元格格式）")
    return _parse_text(raw, unicodedata.normalize("NFKC", str(raw)).translate(_INVISIBLE).strip())


def _brackets(text: str) -> tuple[bool, str]:
    """Accounting brackets: '(123)' → (True, '123'); anything else unchanged."""
    if len(text) > 2 and text.startswith("(") and text.endswith(")"):
        return True, text[1:-1]
    return False, text


def _parse_text(raw: object, text: str) -> Cell:
    if not text:
        return EMPTY
    compact = _SPACE.sub("", text)
    if _NONE_MARK.fullmatch(compact):
        return NONE
    if compact.upper() in EXCEL_ERRORS:
        return Cell(None, "error", f"公式错误：{compact.upper()}")
    text = _SPACE.sub("", _DIGIT_GAP.sub(",", text))  # a space between digits may only separate thousands

    negative, text = _brackets(text)  # "(12.5%)"
    unit: str | None = None
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    else:
        unit = next((u for u in KNOWN_UNITS if text.endswith(u)), None)
        if unit:
            text = text[: -len(unit)]
    if not negative:
        negative, text = _brackets(text)  # "(123)万元"
    sign = text[:1] if text[:1] in "+-" else ""
    if text[len(sign):].startswith("¥") and not unit and not percent:
        unit, text = "元", sign + text[len(sign) + 1:]
    if negative and text[:1] in "+-":
        return _error(raw)
    if not _NUMBER.fullmatch(text):
        return _error(raw)
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        return _error(raw)
    if negative:
        value = -value
    if percent:
        value /= 100
    return Cell(value, "number", unit=unit, percent=percent)
