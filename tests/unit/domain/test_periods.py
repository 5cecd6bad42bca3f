"""periods.py: month arithmetic, 环比/同比 bases, parsing and Chinese labels."""

from __future__ import annotations

from datetime import date

import pytest

from civdash.domain.periods import (
    add_months,
    as_of_label,
    bucket_end,
    bucket_label,
    bucket_start,
    last_complete_month,
    month_key,
    month_label,
    month_start,
    months_between,
    parse_month,
    previous_bucket,
    same_bucket_last_year,
    ytd_label,
)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 1, 1), 0, date(2025, 1, 1)),
        (date(2025, 1, 1), 1, date(2025, 2, 1)),
        (date(2024, 12, 1), 1, date(2025, 1, 1)),
        (date(2024, 11, 1), 3, date(2025, 2, 1)),
        (date(2025, 1, 1), -1, date(2024, 12, 1)),
        (date(2025, 3, 1), -3, date(2024, 12, 1)),
        (date(2025, 3, 1), -12, date(2024, 3, 1)),
        (date(2025, 3, 1), -15, date(2023, 12, 1)),
        (date(2025, 1, 1), -25, date(2022, 12, 1)),
        (date(2023, 1, 1), 29, date(2025, 6, 1)),
        (date(2025, 3, 31), 1, date(2025, 4, 1)),  # any day: the result is the first of the month
        (date(2024, 1, 31), 1, date(2024, 2, 1)),
    ],
)
def test_add_months(start: date, n: int, expected: date) -> None:
    assert add_months(start, n) == expected


def test_add_months_round_trip_over_many_years() -> None:
    d = date(2025, 7, 1)
    for n in range(-40, 41):
        assert add_months(add_months(d, n), -n) == d
        assert months_between(d, add_months(d, n)) == n


def test_months_between_and_month_start() -> None:
    assert months_between(date(2023, 1, 1), date(2025, 6, 1)) == 29
    assert months_between(date(2025, 6, 1), date(2025, 6, 1)) == 0
    assert months_between(date(2025, 1, 1), date(2024, 12, 1)) == -1
    assert month_start(date(2025, 2, 28)) == date(2025, 2, 1)


def test_last_complete_month() -> None:
    assert last_complete_month(date(2025, 7, 15)) == date(2025, 6, 1)
    assert last_complete_month(date(2025, 1, 1)) == date(2024, 12, 1)


@pytest.mark.parametrize(
    ("d", "grain", "start", "end"),
    [
        (date(2025, 2, 17), "month", date(2025, 2, 1), date(2025, 2, 1)),
        (date(2025, 1, 1), "quarter", date(2025, 1, 1), date(2025, 3, 1)),
        (date(2025, 3, 1), "quarter", date(2025, 1, 1), date(2025, 3, 1)),
        (date(2025, 5, 1), "quarter", date(2025, 4, 1), date(2025, 6, 1)),
        (date(2025, 9, 30), "quarter", date(2025, 7, 1), date(2025, 9, 1)),
        (date(2024, 12, 1), "quarter", date(2024, 10, 1), date(2024, 12, 1)),
        (date(2025, 6, 1), "year", date(2025, 1, 1), date(2025, 12, 1)),
        (date(2024, 12, 1), "year", date(2024, 1, 1), date(2024, 12, 1)),
    ],
)
def test_bucket_start_and_end(d: date, grain: str, start: date, end: date) -> None:
    assert bucket_start(d, grain) == start
    assert bucket_end(d, grain) == end


@pytest.mark.parametrize(
    ("d", "grain", "prev", "last_year"),
    [
        # 环比 of January is December of the year before; 同比 is the same month a year earlier.
        (date(2025, 1, 1), "month", date(2024, 12, 1), date(2024, 1, 1)),
        (date(2025, 3, 1), "month", date(2025, 2, 1), date(2024, 3, 1)),
        # 环比 of Q1 2025 is Q4 2024, whichever month of the quarter is given.
        (date(2025, 1, 1), "quarter", date(2024, 10, 1), date(2024, 1, 1)),
        (date(2025, 3, 1), "quarter", date(2024, 10, 1), date(2024, 1, 1)),
        (date(2025, 8, 1), "quarter", date(2025, 4, 1), date(2024, 7, 1)),
        (date(2025, 6, 1), "year", date(2024, 1, 1), date(2024, 1, 1)),
    ],
)
def test_previous_bucket_and_same_bucket_last_year(d: date, grain: str, prev: date, last_year: date) -> None:
    assert previous_bucket(d, grain) == prev
    assert same_bucket_last_year(d, grain) == last_year


@pytest.mark.parametrize(
    "text",
    ["2025-03", "2025.3", "202503", "2025年3月", "2025年03月", " 2025-3 ", "2025/03", "2025年3"],
)
def test_parse_month_accepts_common_forms(text: str) -> None:
    assert parse_month(text) == date(2025, 3, 1)


def test_parse_month_december_and_two_digit_month() -> None:
    assert parse_month("2024-12") == date(2024, 12, 1)
    assert parse_month("202412") == date(2024, 12, 1)
    assert parse_month("2024年12月") == date(2024, 12, 1)


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "202513"])
def test_parse_month_rejects_month_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match="月份超出范围"):
        parse_month(text)


@pytest.mark.parametrize("text", ["暂无", "", "2025", "25-03", "2025-03-15", "三月"])
def test_parse_month_rejects_text_that_is_not_a_month(text: str) -> None:
    with pytest.raises(ValueError, match="无法识别的月份"):
        parse_month(text)


def test_month_key_round_trips_through_parse_month() -> None:
    assert month_key(date(2025, 3, 1)) == "2025-03"
    assert month_key(date(2024, 12, 1)) == "2024-12"
    assert parse_month(month_key(date(2023, 7, 1))) == date(2023, 7, 1)


def test_labels() -> None:
    assert month_label(date(2025, 3, 1)) == "2025年3月"
    assert month_label(date(2024, 12, 1)) == "2024年12月"
    assert bucket_label(date(2025, 3, 1), "month") == "2025年3月"
    assert bucket_label(date(2025, 1, 1), "quarter") == "2025年第1季度"
    assert bucket_label(date(2025, 3, 1), "quarter") == "2025年第1季度"
    assert bucket_label(date(2024, 11, 1), "quarter") == "2024年第4季度"
    assert bucket_label(date(2025, 6, 1), "year") == "2025年"
    assert ytd_label(date(2025, 1, 1)) == "1月"
    assert ytd_label(date(2025, 6, 1)) == "1-6月"
    assert ytd_label(date(2025, 12, 1)) == "1-12月"
    assert as_of_label(date(2025, 6, 1)) == "数据截至2025年6月"
