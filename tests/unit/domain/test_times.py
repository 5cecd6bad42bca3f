"""Stored UTC times shown as 北京时间 (civdash/domain/times.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from civdash.domain import periods, times


def test_a_stored_utc_time_is_shown_eight_hours_later() -> None:
    assert times.beijing(datetime(2026, 12, 7, 16, 30)) == "2026-12-08 00:30"  # past midnight: the next day
    assert times.beijing(pd.Timestamp("2026-12-07 01:05:09"), "%Y-%m-%d %H:%M:%S") == "2026-12-07 09:05:09"
    assert times.beijing(datetime(2026, 12, 7, 1, 0, tzinfo=UTC)) == "2026-12-07 09:00"
    assert times.beijing(None) == "" and times.beijing(pd.NaT) == ""
    column = times.beijing_column(pd.Series(pd.to_datetime(["2026-06-30 23:59", None])))
    assert column.tolist() == ["2026-07-01 07:59", ""]


def test_a_beijing_day_begins_at_four_in_the_afternoon_utc_the_day_before() -> None:
    from datetime import date, datetime

    from civdash.domain.times import beijing_day_utc
    from civdash.outputs.audit_export import day_bounds

    assert beijing_day_utc(date(2025, 6, 1)) == datetime(2025, 5, 31, 16, 0)
    assert day_bounds(date(2025, 6, 1), date(2025, 6, 30)) == (datetime(2025, 5, 31, 16, 0), datetime(2025, 6, 30, 16, 0))


def test_today_is_the_beijing_day_even_on_a_server_kept_in_utc(monkeypatch) -> None:
    """At 17:00 UTC on 30 November it is already 1 December in Beijing: the audit log's default range, the report's
    date, the last complete month and the newest month a file may hold count from that day (they used the server's
    own date, so a UTC server showed no audit entry of the day before 08:00)."""
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            instant = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
            return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    monkeypatch.setattr(times, "datetime", Clock)
    assert times.today_beijing() == date(2026, 12, 1)
    assert periods.last_complete_month() == date(2026, 11, 1)  # November is over in Beijing
