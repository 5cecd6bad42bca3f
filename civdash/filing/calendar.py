"""Which month townships fill, and by when.

The open month is the month before today's Beijing month: on 2026-12-07 townships fill 2026年11月. Its deadline is
a day of the following month that the administrator sets (1–28, so that every month has it; default the 5th):
2026年11月 is due 2026年12月5日. A township is overdue (逾期) from the day after the deadline.
"""

from __future__ import annotations

from datetime import date

import duckdb

from civdash.access import audit
from civdash.domain import times
from civdash.domain.periods import add_months, month_start
from civdash.store import db

DEADLINE_KEY = "filing_deadline_day"
DEFAULT_DAY = 5
WEEKDAYS = "一二三四五六日"


class FilingError(Exception):
    """A step of 填报 or 审核 that cannot be taken; the message is for the user (Chinese)."""


def open_month(today: date | None = None) -> date:
    """The month townships fill now: the one before today's (Beijing) month."""
    return add_months(month_start(today or times.today_beijing()), -1)


def deadline_day(con: duckdb.DuckDBPyConnection) -> int:
    """The day of the following month a month's return is due (the administrator's setting, else 5)."""
    value = db.get_meta(con, DEADLINE_KEY)
    return int(value) if value and value.isdigit() else DEFAULT_DAY


def deadline(con: duckdb.DuckDBPyConnection, month: date) -> date:
    """The last day ``month``'s return is on time: 2026-11 → 2026-12-05."""
    return add_months(month_start(month), 1).replace(day=deadline_day(con))


def deadline_label(day: date) -> str:
    """'2026年12月5日（星期六）'."""
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def is_overdue(con: duckdb.DuckDBPyConnection, month: date, today: date | None = None) -> bool:
    """True once the deadline of ``month`` has passed (from the day after it, Beijing days)."""
    return (today or times.today_beijing()) > deadline(con, month)


def set_deadline_day(con: duckdb.DuckDBPyConnection, day: int, by: str | None) -> None:
    """Set the monthly deadline (day 1–28 of the month after the one reported); audited, in one transaction."""
    if not isinstance(day, int) or not 1 <= day <= 28:
        raise FilingError("截止日须为每月1日至28日之间的一天（每个月都有的日子）")
    before = deadline_day(con)

    def write() -> None:
        with db.transaction(con):
            db.set_meta(con, DEADLINE_KEY, str(day))
            audit.record(con, by, "filing_deadline", f"每月{day}日", {"day": day, "before": before})

    db.retried_on_conflict(write, FilingError("其他人正在同时修改设置，请稍后再试"))
