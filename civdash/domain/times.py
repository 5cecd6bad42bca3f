"""Times as a person reads them: 北京时间 (Asia/Shanghai, UTC+8, no daylight saving).

The database stores times without a zone, in UTC: every connection sets DuckDB's zone to UTC (``db.in_utc``), and
times made in Python are ``utc_now``. Every time a page, an export or the command line shows goes through ``beijing``;
a day a person picks (the audit log's dates) is a Beijing day, ``beijing_day_utc`` gives its start in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pandas as pd

BEIJING = timezone(timedelta(hours=8), "北京时间")


def beijing(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (naive = UTC; an aware one is converted) as Beijing time in ``fmt``; '' for None/NaT."""
    if value is None or value != value or value is pd.NaT:  # None, NaN, NaT
        return ""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(BEIJING).strftime(fmt)


def beijing_column(values: pd.Series, fmt: str = "%Y-%m-%d %H:%M") -> pd.Series:
    """``beijing`` for a column of stored times."""
    return pd.Series([beijing(v, fmt) for v in values], index=values.index, dtype=object)


def now_beijing() -> datetime:
    """The current time in Beijing (aware)."""
    return datetime.now(BEIJING)


def today_beijing() -> date:
    """Today as a person in China counts it — the Beijing day, whatever the server's own zone (a server kept in UTC
    is still on yesterday until 08:00 Beijing time)."""
    return now_beijing().date()


def utc_now() -> datetime:
    """Now, as the database stores times: UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def beijing_day_utc(day: date) -> datetime:
    """The UTC time (without a zone) at which ``day`` begins in Beijing: 2025-06-01 → 2025-05-31 16:00."""
    return datetime.combine(day, time()) - timedelta(hours=8)
