"""Packed fact keys (civdash/ingest/keys.py): distinct keys stay distinct, and key − 1 is the month before."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from civdash.domain.periods import add_months, month_number
from civdash.ingest.keys import fact_keys


def test_keys_are_distinct_and_the_month_before_is_one_less() -> None:
    indicators = np.array([0, 0, 1, 1, 28, 28, 0])
    towns = np.array([1, -1, 1, 2**31 - 1, -(2**31), 7, 1])
    months = np.array([month_number(date(2025, 1, 1))] * 6 + [month_number(date(2024, 12, 1))])
    keys = fact_keys(indicators, towns, months)
    assert len(set(keys.tolist())) == 7
    assert keys[0] - 1 == keys[6]  # January 2025 − 1 = December 2024 of the same indicator and township
    assert month_number(add_months(date(2025, 1, 1), -1)) == months[6]


def test_keys_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        fact_keys(np.array([1 << 15]), np.array([1]), np.array([24300]))
    with pytest.raises(ValueError):
        fact_keys(np.array([0]), np.array([1]), np.array([0]))
