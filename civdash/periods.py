"""Months, quarters and years: arithmetic and Chinese labels. Periods are first-of-month dates."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

Grain = Literal["month", "quarter", "year"]
GRAINS: dict[str, str] = {"month": "月", "quarter": "季", "year": "年"}


def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def add_months(d: date, n: int) -> date:
    """First day of the month ``n`` months after ``d`` (n may be negative)."""
    index = d.year * 12 + (d.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Number of months from ``start`` to ``end`` (0 when the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


def last_complete_month(today: date | None = None) -> date:
    return add_months(month_start(today or date.today()), -1)


def bucket_start(d: date, grain: Grain) -> date:
    """First month of the month / quarter / year containing ``d``."""
    if grain == "month":
        return month_start(d)
    if grain == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return date(d.year, 1, 1)


def bucket_end(d: date, grain: Grain) -> date:
    """Last month (first day) of the bucket containing ``d``."""
    step = {"month": 1, "quarter": 3, "year": 12}[grain]
    return add_months(bucket_start(d, grain), step - 1)


def previous_bucket(d: date, grain: Grain) -> date:
    """Start of the bucket before the one containing ``d`` (环比 base), across year ends."""
    step = {"month": 1, "quarter": 3, "year": 12}[grain]
    return add_months(bucket_start(d, grain), -step)


def same_bucket_last_year(d: date, grain: Grain) -> date:
    """Start of the same bucket one year earlier (同比 base)."""
    return add_months(bucket_start(d, grain), -12)


_YM = re.compile(r"^\s*(\d{4})\s*[-./年]?\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str) -> date:
    """Parse '2025-03', '2025.3', '202503' or '2025年3月' into the first day of that month."""
    m = _YM.match(str(text))
    if not m:
        raise ValueError(f"无法识别的月份：{text}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"月份超出范围：{text}")
    return date(year, month, 1)


def month_key(d: date) -> str:
    """'2025-03': the form used on the command line and as widget option values."""
    return f"{d.year:04d}-{d.month:02d}"


def month_label(d: date) -> str:
    return f"{d.year}年{d.month}月"


def bucket_label(d: date, grain: Grain) -> str:
    """'2025年3月', '2025年第1季度' or '2025年'."""
    if grain == "month":
        return month_label(d)
    if grain == "quarter":
        return f"{d.year}年第{(d.month - 1) // 3 + 1}季度"
    return f"{d.year}年"


def ytd_label(end: date) -> str:
    """'1-6月' (or '1月' for January): the span a year-to-date figure covers."""
    return "1月" if end.month == 1 else f"1-{end.month}月"


def as_of_label(d: date) -> str:
    return f"数据截至{d.year}年{d.month}月"


# --- periods written in titles, sheet names and file names ---------------------------------------------------------

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}
_NUM = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
_SEP = r"\s*[-—－~～至到]\s*"
_YEAR = r"((?:19|20|21)\d{2})\s*年?"


@dataclass(frozen=True)
class PeriodSpec:
    """A period found in text: a month, a quarter, a span of months (1-6月) or a year."""

    year: int | None
    first_month: int
    last_month: int
    ytd: bool  # the figures are year-to-date totals (1-N月, 截至N月, 上半年)
    kind: Literal["month", "quarter", "range", "year"]

    def months(self) -> list[date]:
        if self.year is None:
            raise ValueError("年份未知")
        return [date(self.year, m, 1) for m in range(self.first_month, self.last_month + 1)]

    def end(self) -> date:
        """First day of the period's last month."""
        return self.months()[-1]


def _n(text: str) -> int:
    return int(text) if text.isdigit() else _CN_DIGITS[text]


_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # most specific first
    (re.compile(_YEAR + r"\s*" + _NUM + _SEP + _NUM + r"\s*月"), "year-range"),
    (re.compile(r"截[至止]\s*" + _YEAR + r"\s*" + _NUM + r"\s*月"), "year-upto"),
    (re.compile(_YEAR + r"\s*(?:第\s*)?([一二三四1-4])\s*季度"), "year-quarter"),
    (re.compile(r"(?<!\d)((?:19|20|21)\d{2})\s*[-年]?\s*[Qq]([1-4])(?!\d)|[Qq]([1-4])\s*((?:19|20|21)\d{2})"), "q"),
    (re.compile(_YEAR + r"\s*(上|下)半年"), "year-half"),
    (re.compile(r"(?<!\d)((?:19|20|21)\d{2})\s*(?:年\s*|[-./]\s*)?(\d{1,2})(?:\s*月|(?!\d))"), "year-month"),
    (re.compile(_YEAR + r"\s*" + _NUM + r"\s*月"), "year-month-cn"),
    (re.compile(r"(?<!\d)" + _NUM + _SEP + _NUM + r"\s*月"), "range"),
    (re.compile(r"截[至止]\s*" + _NUM + r"\s*月"), "upto"),
    (re.compile(r"(?:第\s*)?([一二三四])\s*季度"), "quarter"),
    (re.compile(r"(上|下)半年"), "half"),
    (re.compile(r"(?<![\d年])" + _NUM + r"\s*月"), "month"),
    (re.compile(r"(?<!\d)((?:19|20|21)\d{2})\s*年(?!\s*\d)"), "year"),
]


def find_period(text: str, default_year: int | None = None) -> PeriodSpec | None:
    """The period written in ``text`` (a title, sheet name or file name), or None.

    Understands 2025年3月, 2025.03, 202503, 2025-03, 2025年1-6月, 截至6月底, 截至10月10日, 一季度,
    2025年第一季度, 2025Q1, 上半年, 3月 (year from ``default_year``) and 2025年. A span starting in
    January (1-6月, 截至6月, 上半年) holds year-to-date figures.
    """
    try:
        folded = unicodedata.normalize("NFKC", str(text))
        written = re.search(r"(?<!\d)((?:19|20|21)\d{2})\s*年", folded)  # '2025年低保对象1-6月…'
        if written:
            default_year = int(written.group(1))
        for pattern, kind in _PATTERNS:
            m = pattern.search(folded)
            if m:
                spec = _spec(kind, m.groups(), default_year)
                if spec is not None:
                    return spec
    except (KeyError, ValueError):
        return None
    return None


def _spec(kind: str, g: tuple, default_year: int | None) -> PeriodSpec | None:
    year = default_year
    if kind in ("year-range", "year-upto", "year-quarter", "year-half", "year-month", "year-month-cn", "year"):
        year = int(g[0])
        g = g[1:]
    if year is not None and not 2000 <= year <= 2100:
        return None
    if kind in ("year-range", "range"):
        first, last = _n(g[0]), _n(g[1])
        if not 1 <= first <= last <= 12:
            return None
        return PeriodSpec(year, first, last, first == 1, "range")
    if kind in ("year-upto", "upto"):
        last = _n(g[0])
        return PeriodSpec(year, 1, last, True, "range") if 1 <= last <= 12 else None
    if kind in ("year-quarter", "quarter"):
        q = _n(g[0])
        return PeriodSpec(year, 3 * q - 2, 3 * q, False, "quarter")
    if kind == "q":
        year = int(g[0] or g[3])
        q = int(g[1] or g[2])
        return PeriodSpec(year, 3 * q - 2, 3 * q, False, "quarter") if 2000 <= year <= 2100 else None
    if kind in ("year-half", "half"):
        return PeriodSpec(year, 1, 6, True, "range") if g[0] == "上" else PeriodSpec(year, 7, 12, False, "range")
    if kind in ("year-month", "year-month-cn", "month"):
        month = _n(g[0])
        return PeriodSpec(year, month, month, False, "month") if 1 <= month <= 12 else None
    if kind == "year":
        return PeriodSpec(year, 1, 12, False, "year")
    return None
