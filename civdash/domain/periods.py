"""Months, quarters and years: arithmetic, Chinese labels and periods written in text. Periods are first-of-month dates."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from civdash.domain import times

Grain = Literal["month", "quarter", "year"]
GRAINS: dict[str, str] = {"month": "月", "quarter": "季", "year": "年"}


def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def month_number(d: date) -> int:
    """A month as one integer (year × 12 + month − 1): consecutive months are consecutive numbers, so tables of
    many values do month arithmetic on integer columns."""
    return d.year * 12 + d.month - 1


def month_from_number(n: int) -> date:
    """The first day of the month ``month_number`` gave ``n`` for."""
    return date(n // 12, n % 12 + 1, 1)


def months_as_datetimes(numbers: np.ndarray) -> np.ndarray:
    """``month_number``s → the first days of those months as datetime64 (a column DuckDB stores as dates)."""
    return (np.asarray(numbers, dtype=np.int64) - 1970 * 12).astype("datetime64[M]").astype("datetime64[s]")


def month_numbers(dates: object) -> np.ndarray:
    """Dates (a column of them, as DuckDB returns) → their ``month_number``s; the inverse of ``months_as_datetimes``."""
    months = np.asarray(dates, dtype="datetime64[M]").astype(np.int64)
    return months + 1970 * 12


def add_months(d: date, n: int) -> date:
    """First day of the month ``n`` months after ``d`` (n may be negative)."""
    return month_from_number(month_number(d) + n)


def months_between(start: date, end: date) -> int:
    """Number of months from ``start`` to ``end`` (0 when the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


def last_complete_month(today: date | None = None) -> date:
    return add_months(month_start(today or times.today_beijing()), -1)


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


def bucket_label(d: date, grain: Grain, first: date | None = None, last: date | None = None) -> str:
    """'2025年3月', '2025年第1季度' or '2025年'; with the first and last months that have data, a quarter or year they
    do not fill says which months it holds: '2026年第4季度（10-11月）', '2026年（1-11月）', '2025年第4季度（11月）'."""
    if grain == "month":
        return month_label(d)
    label = f"{d.year}年第{(d.month - 1) // 3 + 1}季度" if grain == "quarter" else f"{d.year}年"
    return label + partial_months(d, grain, first, last)


def partial_months(d: date, grain: Grain, first: date | None, last: date | None) -> str:
    """'（10-11月）' when the months ``first``–``last`` do not fill the bucket of ``d``, else ''."""
    start, end = bucket_start(d, grain), bucket_end(d, grain)
    first = max(month_start(first), start) if first is not None else start
    last = min(month_start(last), end) if last is not None else end
    if (first, last) == (start, end):
        return ""
    return f"（{first.month}月）" if first == last else f"（{first.month}-{last.month}月）"


def bucket_months(grain: Grain) -> int:
    """How many months a bucket of ``grain`` holds."""
    return {"month": 1, "quarter": 3, "year": 12}[grain]


def ytd_label(end: date, first: date | None = None) -> str:
    """'1-6月' (or '1月' for January): the span a year-to-date figure covers. ``first``: the first month of ``end``'s
    year that has data; when it is not January the span starts there ('11-12月', or '11月'), never at a January the
    figure does not hold."""
    start = first.month if first is not None and first.year == end.year and 1 < first.month <= end.month else 1
    return f"{end.month}月" if start == end.month else f"{start}-{end.month}月"


def ytd_missing(end: date, first: date | None) -> str:
    """'（1-10月无数据）' when a year-to-date figure ending at ``end`` starts after January (see ``ytd_label``), else ''."""
    if first is None or first.year != end.year or not 1 < first.month <= end.month:
        return ""
    return "（1月无数据）" if first.month == 2 else f"（1-{first.month - 1}月无数据）"


def as_of_label(d: date) -> str:
    return f"数据截至{d.year}年{d.month}月"


# --- periods written in titles, sheet names and file names -----------------------------------------------------------

PeriodKind = Literal["month", "quarter", "range", "year"]
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class PeriodSpec:
    """A period found in text: months ``first_month``..``last_month`` of ``year`` (None when the text has none).

    ``ytd`` is True when the figures are year-to-date totals through ``last_month`` (1-6月, 截至6月, 上半年).
    """

    year: int | None
    first_month: int
    last_month: int
    ytd: bool
    kind: PeriodKind

    def __post_init__(self) -> None:
        if not 1 <= self.first_month <= self.last_month <= 12:
            raise ValueError(f"期间的月份不成立：{self.first_month}-{self.last_month}月")

    def _year(self) -> int:
        if self.year is None:
            raise ValueError(f"期间没有年份：{self.label()}")
        return self.year

    def months(self) -> list[date]:
        """First days of the months the period covers; ValueError when the year is unknown."""
        year = self._year()
        return [date(year, m, 1) for m in range(self.first_month, self.last_month + 1)]

    def end(self) -> date:
        """First day of the period's last month; ValueError when the year is unknown."""
        return date(self._year(), self.last_month, 1)

    def label(self) -> str:
        """'2025年3月', '2025年第2季度', '2025年1-6月', '2025年' ('3月' … without a year)."""
        year = f"{self.year}年" if self.year is not None else ""
        if self.kind == "year":
            return year or "全年"
        if self.kind == "quarter":
            return f"{year}第{self.last_month // 3}季度"
        if self.first_month == self.last_month:
            return f"{year}{self.last_month}月"
        return f"{year}{self.first_month}-{self.last_month}月"


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_SEP = r"\s*(?:[-—–―~〜]+|至|到)\s*"
_CN_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=\s*年)")
_CN_NUMBER = re.compile(r"[一二两三四五六七八九十]{1,3}"
                        r"(?=\s*个?\s*(?:月|季)|(?:\s*月)?" + _SEP + r"[一二两三四五六七八九十\d]{1,3}\s*(?:月|季))")
_YEAR = r"(?:(?<!\d)(?P<year>\d{4})\s*年度?\s*)?"
_DAY = r"(?:\s*\d{1,2}\s*[日号])?"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("month_range", _YEAR + r"(?<!\d)(?P<a>\d{1,2})\s*(?:月份?" + _DAY + r")?" + _SEP
     + r"(?:(?P<year2>\d{4})\s*年\s*)?(?P<b>\d{1,2})\s*月份?(?:底|末|" + _DAY + r")?"),
    ("numeric_range", r"(?<![\d.])(?P<year>\d{4})\s*[./\-_]\s*(?P<a>\d{1,2})" + _SEP
     + r"(?P<year2>\d{4})\s*[./\-_]\s*(?P<b>\d{1,2})(?![\d.])"),
    ("quarter_range", _YEAR + r"第?\s*(?<!\d)(?P<a>[1-4])" + _SEP + r"第?(?P<b>[1-4])\s*季度"),
    ("first_quarters", _YEAR + r"前\s*(?P<b>[1-4])\s*个?\s*季度?"),
    ("first_months", _YEAR + r"前\s*(?P<b>\d{1,2})\s*个?\s*月"),
    ("half", _YEAR + r"(?P<half>[上下])半年度?"),
    ("quarter", _YEAR + r"(?:第\s*(?P<q>[1-4])\s*季度?|(?<!\d)(?P<q2>[1-4])\s*季(?:度|报|末))(?:末|底)?"),
    ("q", r"(?<![A-Za-z\d])(?:(?P<year>\d{4})\s*(?:年|[-_ ])?\s*)?[Qq](?P<q>[1-4])(?!\d)"
     r"(?:\s*[-_ ]?\s*(?P<year2>\d{4})(?!\d))?"),
    ("month", _YEAR + r"(?<!\d)(?P<b>\d{1,2})\s*月份?(?:底|末|" + _DAY + r")?"),
    ("numeric_month", r"(?<![\d.])(?P<year>\d{4})\s*[./\-_]\s*(?P<b>\d{1,2})(?![\d]|\s*(?:[万亿千元人户个件张对%]))"),
    ("compact_month", r"(?<!\d)(?P<year>\d{4})(?P<b>\d{2})(?P<day>\d{2})?(?!\d)"),
    ("year", r"(?<!\d)(?P<year>\d{4})\s*年度?"),
))
_UP_TO = re.compile(r"(?:截至|截止)[到至]?\s*$")
_CUMULATIVE = re.compile(r"\s*累计")
_FILL_DATE = re.compile(r"日期\s*[:：]?\s*$|(?:填表|填报|制表|报送|上报|打印)时间\s*[:：]?\s*$")
_RANK: dict[str, int] = {"month": 4, "range": 3, "quarter": 3, "year": 1}


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    spec: PeriodSpec | None  # None: looks like a period but is not one (13月, 1999年)
    fill_date: bool  # follows 填表日期 …: the date a form was filled in, not its period


def chinese_int(text: str) -> int | None:
    """A small whole number written with digits or Chinese numerals: '3' → 3, '三' → 3, '十' → 10, '十二' → 12,
    '二十' → 20, '两' → 2; None for anything else."""
    if text.isdigit():
        return int(text)
    if not text or text.count("十") > 1 or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, units = text.split("十")
        if len(tens) > 1 or len(units) > 1:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def _fold(text: str) -> str:
    """Half-width (NFKC) text with Chinese numerals before 年, 月 and 季 written as digits."""
    text = unicodedata.normalize("NFKC", text)
    text = _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGITS[c]) for c in m.group()), text)

    def number(m: re.Match[str]) -> str:
        value = chinese_int(m.group())
        if value is None or ("两" in m.group() and not text[: m.start()].rstrip().endswith("前")):
            return m.group()  # 近两月 is 'the last two months', not February; 前两季度 is the first two quarters
        return str(value)

    return _CN_NUMBER.sub(number, text)


def _year(*texts: str | None) -> tuple[bool, int | None]:
    """(possible, the year written or None): impossible when a year is outside 2000–2100 or two disagree."""
    years = {int(t) for t in texts if t}
    if len(years) > 1 or not all(MIN_YEAR <= y <= MAX_YEAR for y in years):
        return False, None
    return True, next(iter(years), None)


def _spec(name: str, g: dict[str, str | None]) -> PeriodSpec | None:
    """The period a match of pattern ``name`` says, or None when it is impossible."""
    possible, year = _year(g.get("year"), g.get("year2"))
    if not possible or g.get("day"):
        return None  # a day in an eight-digit stamp (20250310) dates a file's export, not the period it reports
    if name in ("month_range", "numeric_range", "quarter_range"):
        a, b = int(g["a"] or 0), int(g["b"] or 0)
        if name == "quarter_range":
            a, b = a * 3 - 2, b * 3
        if not 1 <= a <= b <= 12:
            return None
        return PeriodSpec(year, a, b, a == 1, "range")
    if name in ("first_quarters", "first_months"):
        last = int(g["b"] or 0) * (3 if name == "first_quarters" else 1)
        return PeriodSpec(year, 1, last, True, "range") if 1 <= last <= 12 else None
    if name == "half":
        return PeriodSpec(year, 1, 6, True, "range") if g["half"] == "上" else PeriodSpec(year, 7, 12, False, "range")
    if name in ("quarter", "q"):
        q = int(g["q"] or g.get("q2") or 0)
        return PeriodSpec(year, q * 3 - 2, q * 3, False, "quarter")
    if name == "year":
        return PeriodSpec(year, 1, 12, False, "year")
    month = int(g["b"] or 0)
    return PeriodSpec(year, month, month, False, "month") if 1 <= month <= 12 else None


def _candidates(text: str) -> list[_Candidate]:
    found: list[tuple[int, int, int, _Candidate]] = []
    for order, (name, pattern) in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            spec = _spec(name, m.groupdict())
            before = text[max(0, m.start() - 8):m.start()]
            if spec is not None and spec.kind != "range" and _UP_TO.search(before):
                spec = PeriodSpec(spec.year, 1, spec.last_month, True, "range")  # 截至6月底, 截至三季度末, 截至2025年底
            elif spec is not None and spec.kind == "month" and _CUMULATIVE.match(text, m.end()):
                spec = PeriodSpec(spec.year, 1, spec.last_month, True, "range")  # 6月累计
            candidate = _Candidate(m.start(), m.end(), spec, bool(_FILL_DATE.search(before)))
            found.append((-(m.end() - m.start()), order, m.start(), candidate))
    kept: list[_Candidate] = []
    for *_, c in sorted(found, key=lambda f: f[:3]):  # the longest match of overlapping ones stands
        if all(c.end <= k.start or k.end <= c.start for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def _find_period(text: str, default_year: int | None) -> PeriodSpec | None:
    found = [(c.spec, c.fill_date, c.start) for c in _candidates(_fold(text)) if c.spec is not None]
    if not found:
        return None
    spec = max(found, key=lambda f: (not f[1], _RANK[f[0].kind], f[0].year is not None, -f[2]))[0]
    others = [s for s, fill_date, _ in found if not fill_date]
    if spec.kind == "month":  # '2025年6月 … 1-6月累计': the figures are year-to-date
        ytd = next((s for s in others if s.kind == "range" and s.ytd and s.last_month == spec.last_month
                    and s.year in (None, spec.year)), None)
        spec = PeriodSpec(spec.year, ytd.first_month, ytd.last_month, True, "range") if ytd else spec
    if spec.year is None:
        year = next((s.year for s in others if s.year is not None), default_year)
        spec = PeriodSpec(year, spec.first_month, spec.last_month, spec.ytd, spec.kind)
    return spec


def find_period(text: str, default_year: int | None = None) -> PeriodSpec | None:
    """The period written anywhere in a title, sheet name or file name; None when there is none. Never raises.

    Forms: 2025年4月, 2025年3月15日, 202503, 2025.03, 2025-03, 2025/3, 3月, 十二月 (a month);
    2025年第一季度, 一季度, 第3季, 二季度末, Q2 2025, 2025Q2 (a quarter); 2025年1-6月, 1—6月累计, 2025年1至6月,
    1月1日至6月30日, 2025.01-2025.06, 4-6月, 1-2季度, 前三季度, 前两个月, 上半年, 下半年 (a range of months);
    截至10月10日, 截至6月底, 截止2025年6月, 6月累计, 截至三季度末 (year-to-date through that month);
    2025年, 2025年度 (a year); 截至 before a month, quarter or year makes it year-to-date. Full-width digits
    and Chinese numerals (二〇二五年, 十二月, 第三季度) are read.

    - A range starting in January is year-to-date (1-6月, 上半年, 前三季度, 截至2025年底); other ranges
      (4-6月, 下半年) are the sum over their months; a month, a quarter and a bare year are not year-to-date.
    - Impossible periods are not periods: 13月, 12-3月, 0月, years outside 2000–2100, two different years in
      one span, and an eight-digit date stamp (20250310, a file's export date); such text is not read as a
      shorter period either (2025年13月 is not the year 2025).
    - Several periods: the longest of overlapping matches stands; then a month beats a range or quarter, which
      beat a year; a period with its year beats one without; then the first in the text. A date after
      填表日期/填报时间 … is the filling-in date and only counts when nothing else does.
    - A month with a year-to-date range ending in it (2025年6月 … 1-6月累计) reads as the range.
    - The year is the one written with the period, else the first other year in the text (2025年民政统计表
      （截至6月底）), else ``default_year`` (which may be None: then ``months()`` and ``end()`` raise ValueError).
    """
    try:
        return _find_period(str(text), default_year)
    except Exception:  # the rule is total; anything unforeseen means no period was found
        return None
