"""Units: conversion to base units on the way in, display units on the way out."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

# Multipliers from a unit people write to the base unit it stands for.
_SCALED: dict[str, tuple[float, str]] = {
    "万元": (1e4, "元"),
    "亿元": (1e8, "元"),
    "千元": (1e3, "元"),
    "万人": (1e4, "人"),
    "万户": (1e4, "户"),
    "万人次": (1e4, "人次"),
}

# The units facts are stored in.
BASE_UNITS: tuple[str, ...] = ("元", "人", "户", "人次", "个", "张", "对", "件")

# Base units that count things (people, households, places …): their values are whole numbers.
COUNT_UNITS = frozenset(BASE_UNITS) - {"元"}

# Units of rates and standards (kind 'level'), besides the base units; the upload engine reads them from headers.
LEVEL_UNITS: tuple[str, ...] = ("元/人·月", "%")

# Every unit word a spreadsheet may write after a number or in a header, longest first (万人次 before 人次 before 人).
KNOWN_UNITS: tuple[str, ...] = tuple(sorted({*BASE_UNITS, *_SCALED}, key=lambda u: (-len(u), u)))

# Base units shown in a larger unit where people read them so.
_DISPLAY: dict[str, tuple[float, str]] = {"元": (1e4, "万元")}


def to_base_unit(value: float, unit: str) -> tuple[float, str]:
    """Convert ``value`` written in ``unit`` (万元, 亿元, 万人 …) into the base unit."""
    factor, base = _SCALED.get(unit.strip(), (1.0, unit.strip()))
    return value * factor, base


def display_unit(unit: str) -> str:
    """The unit a base unit is shown in (元 → 万元; others unchanged)."""
    return _DISPLAY.get(unit, (1.0, unit))[1]


def to_display(value: float | None, unit: str) -> float | None:
    """Convert a base-unit value into its display unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value / _DISPLAY.get(unit, (1.0, unit))[0]


def round_half_up(value: float, decimals: int) -> float:
    """``value`` rounded as statistical tables round (四舍五入): 0.225 → 0.23, 0.125 → 0.13, -2.5 → -3. The
    shortest decimal text of the float is what is rounded, so a value that prints as 0.225 rounds up although its
    binary form lies a hair below or above."""
    if math.isnan(value) or math.isinf(value):
        return value
    if decimals >= 0 and float(value).is_integer():
        return float(value)  # a whole number (a head-count) is its own rounding: no decimal text to build
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def display_decimals(unit: str, decimals: int) -> int:
    """Decimals for display: 万元 with two, head-counts with none, rates as the catalog says."""
    return 2 if unit in _DISPLAY else decimals


def format_value(value: float | None, unit: str, decimals: int = 0, with_unit: bool = True) -> str:
    """'532.18万元', '1,652人', '—' for no value. ``value`` is in the base unit."""
    shown = to_display(value, unit)
    if shown is None:
        return "—"
    text = f"{shown:,.{display_decimals(unit, decimals)}f}"
    return f"{text}{display_unit(unit)}" if with_unit else text


FLAT = "持平"


def format_change(ratio: float | None) -> str | None:
    """'+3.2%' / '-1.5%' / '持平' (under 0.05%) / None for a relative change given as a ratio (0.032)."""
    if ratio is None or (isinstance(ratio, float) and (math.isnan(ratio) or math.isinf(ratio))):
        return None
    if abs(ratio) < 0.0005:
        return FLAT
    return f"{ratio * 100:+.1f}%"
