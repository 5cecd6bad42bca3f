"""The open month, its deadline and the administrator's setting of it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from civdash.access import audit
from civdash.filing import calendar


def test_the_open_month_is_the_month_before_todays() -> None:
    assert calendar.open_month(date(2026, 12, 7)) == date(2026, 11, 1)
    assert calendar.open_month(date(2026, 1, 1)) == date(2025, 12, 1)


def test_the_deadline_is_the_5th_of_the_next_month_until_the_admin_sets_another_day(con) -> None:
    assert calendar.deadline(con, date(2026, 11, 1)) == date(2026, 12, 5)
    assert calendar.deadline_label(date(2026, 12, 5)) == "2026年12月5日（星期六）"
    assert not calendar.is_overdue(con, date(2026, 11, 1), date(2026, 12, 5))
    assert calendar.is_overdue(con, date(2026, 11, 1), date(2026, 12, 6))

    calendar.set_deadline_day(con, 10, by="李静")
    assert calendar.deadline_day(con) == 10
    assert calendar.deadline(con, date(2026, 12, 1)) == date(2027, 1, 10)
    entry = audit.entries(con, actions=["filing_deadline"]).iloc[0]
    assert (entry["user_name"], entry["target"]) == ("李静", "每月10日")
    assert json.loads(entry["detail"]) == {"before": 5, "day": 10}


@pytest.mark.parametrize("day", [0, 29, 31])
def test_a_day_that_some_month_lacks_is_refused(con, day) -> None:
    with pytest.raises(calendar.FilingError, match="1日至28日"):
        calendar.set_deadline_day(con, day, by="李静")
    assert calendar.deadline_day(con) == 5
