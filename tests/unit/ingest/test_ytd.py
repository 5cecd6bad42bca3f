"""ingest/ytd.py: year-to-date totals → each month's amount."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.ingest.ytd import monthly_from_ytd

D = date


def test_january_is_itself_and_later_months_are_differences() -> None:
    got = monthly_from_ytd({D(2025, 1, 1): 100.0, D(2025, 2, 1): 250.0, D(2025, 3, 1): 300.0}, {})
    assert got.monthly == {D(2025, 1, 1): 100.0, D(2025, 2, 1): 150.0, D(2025, 3, 1): 50.0}
    assert not got.missing and not got.decreasing


def test_the_previous_months_come_from_what_is_stored() -> None:
    stored = {D(2025, 1, 1): 100.0, D(2025, 2, 1): 150.0, D(2024, 12, 1): 999.0}
    got = monthly_from_ytd({D(2025, 3, 1): 300.0}, stored)
    assert got.monthly == {D(2025, 3, 1): 50.0}


def test_the_year_restarts_in_january() -> None:
    got = monthly_from_ytd({D(2024, 12, 1): 1200.0, D(2025, 1, 1): 90.0}, {date(2024, m, 1): 100.0 for m in range(1, 12)})
    assert got.monthly == {D(2024, 12, 1): 100.0, D(2025, 1, 1): 90.0}
    assert not got.decreasing  # January below December is no decrease


def test_a_missing_month_is_reported_not_guessed() -> None:
    got = monthly_from_ytd({D(2025, 4, 1): 400.0}, {D(2025, 1, 1): 100.0, D(2025, 3, 1): 100.0})
    assert got.monthly == {}
    assert got.missing == [(D(2025, 4, 1), "缺少2025年2月的数据，无法由4月的累计数推算当月数")]


def test_a_total_below_last_months_is_flagged() -> None:
    got = monthly_from_ytd({D(2025, 5, 1): 500.0, D(2025, 6, 1): 480.0}, {date(2025, m, 1): 100.0 for m in range(1, 5)})
    assert got.monthly == {D(2025, 5, 1): 100.0, D(2025, 6, 1): -20.0}
    assert got.decreasing == [(D(2025, 6, 1), "6月累计数480.00小于5月累计数500.00")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=12), st.integers(1, 12))
def test_monthly_amounts_add_back_up_to_the_totals(amounts, upto) -> None:
    months = [D(2025, m, 1) for m in range(1, len(amounts) + 1)]
    totals, running = {}, 0.0
    for m, a in zip(months, amounts, strict=True):
        running += a
        totals[m] = running
    # the upload holds the months from `upto` on; the earlier ones are stored
    cut = min(upto, len(months)) - 1
    stored = {m: float(a) for m, a in zip(months[:cut], amounts[:cut], strict=True)}
    upload = {m: totals[m] for m in months[cut:]}
    got = monthly_from_ytd(upload, stored)
    assert got.monthly == {m: float(a) for m, a in zip(months[cut:], amounts[cut:], strict=True)}
    assert not got.missing and not got.decreasing


def test_every_missing_month_is_named() -> None:
    got = monthly_from_ytd({D(2024, 10, 1): 1000.0}, {})
    assert got.missing == [(D(2024, 10, 1), "缺少2024年1-9月的数据，无法由10月的累计数推算当月数")]
    got = monthly_from_ytd({D(2025, 7, 1): 700.0}, {D(2025, 2, 1): 100.0, D(2025, 4, 1): 100.0, D(2025, 5, 1): 100.0})
    assert got.missing == [(D(2025, 7, 1), "缺少2025年1月、3月、6月的数据，无法由7月的累计数推算当月数")]
