"""units.py: base units on the way in, display units and formatting on the way out."""

from __future__ import annotations

import math

import pytest

from civdash.domain import units
from civdash.domain.units import display_decimals, display_unit, format_change, format_value, to_base_unit, to_display


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (532.18, "万元", (5_321_800.0, "元")),
        (1.5, "亿元", (150_000_000.0, "元")),
        (2.5, "千元", (2_500.0, "元")),
        (0.9089, "万人", (9_089.0, "人")),
        (3, "万户", (30_000.0, "户")),
        (1.2, "万人次", (12_000.0, "人次")),
        (1652, "人", (1652.0, "人")),
        (1652, " 人 ", (1652.0, "人")),
        (12.5, "元", (12.5, "元")),
        (7, "张", (7.0, "张")),
    ],
)
def test_to_base_unit(value: float, unit: str, expected: tuple[float, str]) -> None:
    got, base = to_base_unit(value, unit)
    assert base == expected[1]
    assert got == pytest.approx(expected[0])


def test_display_unit_and_conversion() -> None:
    assert display_unit("元") == "万元"
    assert display_unit("人") == "人"
    assert display_unit("元/人·月") == "元/人·月"  # a per-person standard stays in 元
    assert to_display(5_321_800, "元") == pytest.approx(532.18)
    assert to_display(1652, "人") == 1652
    assert to_display(None, "元") is None
    assert to_display(float("nan"), "元") is None
    assert display_decimals("元", 0) == 2
    assert display_decimals("人", 0) == 0
    assert display_decimals("元/人·月", 2) == 2


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (5_321_800, "元", 2, "532.18万元"),
        (5_321_849, "元", 0, "532.18万元"),  # 万元 always with two decimals
        (123_456_789, "元", 2, "12,345.68万元"),
        (1652, "人", 0, "1,652人"),
        (9089, "人", 0, "9,089人"),
        (45231, "人", 0, "45,231人"),
        (720.5, "元/人·月", 2, "720.50元/人·月"),
        (0, "户", 0, "0户"),
        (None, "元", 2, "—"),
        (float("nan"), "人", 0, "—"),
    ],
)
def test_format_value(value: float | None, unit: str, decimals: int, expected: str) -> None:
    assert format_value(value, unit, decimals) == expected


def test_format_value_without_unit() -> None:
    assert format_value(5_321_800, "元", 2, with_unit=False) == "532.18"
    assert format_value(1652, "人", with_unit=False) == "1,652"
    assert format_value(None, "人", with_unit=False) == "—"


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (0.032, "+3.2%"),
        (-0.015, "-1.5%"),
        (0.0, "持平"),          # a change that would print as 0.0% reads 持平
        (0.0004, "持平"),
        (-0.0004, "持平"),
        (0.001, "+0.1%"),
        (-0.002, "-0.2%"),
        (1.0, "+100.0%"),
        (47 / 170, "+27.6%"),
        (None, None),
        (float("nan"), None),
        (math.inf, None),
        (-math.inf, None),
    ],
)
def test_format_change(ratio: float | None, expected: str | None) -> None:
    assert format_change(ratio) == expected


def test_known_units_hold_the_base_and_scaled_units_longest_first() -> None:
    from civdash.domain.units import BASE_UNITS, KNOWN_UNITS

    assert set(BASE_UNITS) == {"元", "人", "户", "人次", "个", "张", "对", "件"}
    assert set(KNOWN_UNITS) == set(BASE_UNITS) | {"万元", "亿元", "千元", "万人", "万户", "万人次"}
    assert [len(u) for u in KNOWN_UNITS] == sorted((len(u) for u in KNOWN_UNITS), reverse=True)
    for unit in KNOWN_UNITS:
        assert to_base_unit(1, unit)[1] in BASE_UNITS


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (0.225, 2, 0.23), (0.125, 2, 0.13), (2250 / 1e4, 2, 0.23), (1.005, 2, 1.01), (-2.5, 0, -3.0), (2.5, 0, 3.0),
    (532.1849, 2, 532.18), (1652.0, 0, 1652.0), (0.0, 2, 0.0)])
def test_round_half_up_rounds_as_statistical_tables_do(value, decimals, expected) -> None:
    assert units.round_half_up(value, decimals) == expected


def test_round_half_up_keeps_nan() -> None:
    assert math.isnan(units.round_half_up(float("nan"), 2))
