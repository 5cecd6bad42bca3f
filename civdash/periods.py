"""Months, quarters and years: arithmetic and Chinese labels. Periods are first-of-month dates."""

from __future__ import annotations

import re
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
