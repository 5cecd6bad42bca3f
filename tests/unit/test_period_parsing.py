"""periods.find_period: periods written in titles, sheet names and file names."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.periods import PeriodSpec, find_period


def spec(year, first, last, ytd, kind) -> PeriodSpec:
    return PeriodSpec(year, first, last, ytd, kind)


@pytest.mark.parametrize(("text", "expected"), [
    ("黔江区2025年4月城乡低保统计表.xlsx", spec(2025, 4, 4, False, "month")),
    ("2025年1-6月民政事业统计月报", spec(2025, 1, 6, True, "range")),
    ("2025年1—6月", spec(2025, 1, 6, True, "range")),
    ("2025年1至6月", spec(2025, 1, 6, True, "range")),
    ("2025年4-6月", spec(2025, 4, 6, False, "range")),
    ("截至2025年6月底", spec(2025, 1, 6, True, "range")),
    ("202503", spec(2025, 3, 3, False, "month")),
    ("2025.03", spec(2025, 3, 3, False, "month")),
    ("2025-03", spec(2025, 3, 3, False, "month")),
    ("2025/3", spec(2025, 3, 3, False, "month")),
    ("２０２５年３月", spec(2025, 3, 3, False, "month")),  # full-width digits
    ("2025年十二月", spec(2025, 12, 12, False, "month")),
    ("2025年第一季度", spec(2025, 1, 3, False, "quarter")),
    ("2025年二季度", spec(2025, 4, 6, False, "quarter")),
    ("Q2 2025", spec(2025, 4, 6, False, "quarter")),
    ("2025Q3", spec(2025, 7, 9, False, "quarter")),
    ("2025年上半年", spec(2025, 1, 6, True, "range")),
    ("2025年下半年", spec(2025, 7, 12, False, "range")),
    ("2025年", spec(2025, 1, 12, False, "year")),
    ("黔江区2025年低保对象1-6月汇总", spec(2025, 1, 6, True, "range")),  # the year stands apart
])
def test_periods_with_a_year(text, expected) -> None:
    assert find_period(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("3月", spec(2024, 3, 3, False, "month")),
    ("十月", spec(2024, 10, 10, False, "month")),
    ("截至6月底", spec(2024, 1, 6, True, "range")),
    ("截至10月10日", spec(2024, 1, 10, True, "range")),
    ("1—6月累计", spec(2024, 1, 6, True, "range")),
    ("一季度", spec(2024, 1, 3, False, "quarter")),
    ("第四季度", spec(2024, 10, 12, False, "quarter")),
    ("上半年", spec(2024, 1, 6, True, "range")),
])
def test_periods_taking_the_year_from_elsewhere(text, expected) -> None:
    assert find_period(text, default_year=2024) == expected
    assert find_period(text).year is None


@pytest.mark.parametrize("text", ["2025年13月", "第13月", "低保统计表", "", "1999年3月", "20250310"])
def test_no_period(text) -> None:
    assert find_period(text) is None


def test_months_and_end() -> None:
    s = find_period("2025年1-3月")
    assert s.months() == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert s.end() == date(2025, 3, 1)
    with pytest.raises(ValueError):
        find_period("3月").months()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.one_of(st.none(), st.integers(1990, 2110)))
def test_never_raises_and_months_are_ordered(text, year) -> None:
    found = find_period(text, default_year=year)
    if found is not None:
        assert 1 <= found.first_month <= found.last_month <= 12
