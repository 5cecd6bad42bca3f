"""Key-figure cards: value with unit, 同比/环比, a small trend line.

Colours say nothing the catalog does not: a change is blue with its arrow, green or red only for the few indicators
the catalog marks as better higher or lower (``Indicator.good``), 持平 grey. The trend line is drawn on a scale
from zero, so a 4 % step looks like one, not like a cliff.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from civdash.analysis.marks import figure_marks
from civdash.domain.periods import ytd_label, ytd_missing
from civdash.domain.units import FLAT, format_change, format_value
from ui import data
from ui.frame import plain


def _num(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def ytd_span(period: date) -> str:
    """'1-6月累计', or '11-12月累计（1-10月无数据）' when the year's data start after January."""
    first = data.metric("first_month_of_year", period)
    return f"{ytd_label(period, first)}累计{ytd_missing(period, first)}"


def card_texts(row: pd.Series, period: date, span: str) -> dict[str, str | None]:
    """Label, value, delta and notes of one card, the same comparisons in the same places on every card: the badge is
    同比 of the value, the note gives 环比 (flows: of the month's own amount, after ``span``, ``ytd_span``'s
    1–N月累计); ``marks`` says when the value lacks a township and when a change leaves one out (like for like)."""
    flow = row["kind"] == "flow"
    value = format_value(_num(row["value"]), row["unit"], int(row["decimals"]))
    mom = format_change(_num(row["mom"]))
    if flow:
        month = format_value(_num(row["month_value"]), row["unit"], int(row["decimals"]))
        note = f"{span}；当月 {month}" + (f"，环比 {mom}" if mom else "")
    else:
        note = f"环比 {mom}" if mom else None
    marks = figure_marks(_names(row.get("missing")), _names(row.get("mom_without")), _names(row.get("yoy_without")))
    return {"label": row["name"], "value": value, "delta": format_change(_num(row["yoy"])), "delta_description": "同比",
            "note": note, "marks": marks or None}


def _names(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else ()


def reading_note(period: date) -> str:
    first = data.metric("first_month_of_year", period)
    return (f"资金、人次、户数等流量指标显示{ytd_label(period, first)}累计数{ytd_missing(period, first)}，"
            "并附当月数；人数等期末指标显示月末数。角标为同比，下方为环比。")


DELTA_COLORS = {None: "blue", "up": "normal", "down": "inverse"}  # by Indicator.good
LINE, FILL = "#4A6FA5", "#EEF2F8"


def delta_color(good: object, delta: str | None) -> str:
    """st.metric's colour of a change: grey for 持平, else by whether the catalog calls a rise good."""
    if delta == FLAT:
        return "gray"
    return DELTA_COLORS.get(good if isinstance(good, str) else None, "blue")


def sparkline(values: list[float], height: int = 30) -> str:
    """An inline SVG trend line of ``values`` (oldest first) on a scale from zero (or from the lowest value below
    zero): a small change stays small. Empty for fewer than two values."""
    if len(values) < 2:
        return ""
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    points = [(k * 100 / (len(values) - 1), 28 - (v - low) * 26 / span) for k, v in enumerate(values)]
    line = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
    base = 28 - (0 - low) * 26 / span
    return (f'<svg viewBox="0 0 100 28" preserveAspectRatio="none" width="100%" height="{height}" role="img" '
            f'aria-label="近{len(values)}个月走势" style="display:block">'
            f'<title>近{len(values)}个月走势（纵轴自0起）</title>'
            f'<polygon points="0,{base:.2f} {line} 100,{base:.2f}" fill="{FILL}"/>'
            f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2" '
            f'vector-effect="non-scaling-stroke"/></svg>')


def key_figure(row: pd.Series, texts: dict[str, str | None], container=st, marked: bool = True) -> None:
    """One card of ``row`` saying its ``card_texts``; ``marked=False`` leaves its 数据不全 / 同口径 mark to the grid,
    which said it once for all."""
    spark = [float(v) for v in row["spark"] if _num(v) is not None]
    with container.container(border=True):
        st.metric(
            plain(texts["label"]), texts["value"], delta=texts["delta"],
            delta_color=delta_color(row.get("good"), texts["delta"]),
            delta_arrow="off" if texts["delta"] == FLAT else "auto", delta_description=texts["delta_description"],
            help=plain(row["note"]) if isinstance(row.get("note"), str) else None,
        )
        if line := sparkline(spark):
            st.markdown(line, unsafe_allow_html=True)
        if texts["note"]:
            st.caption(texts["note"])
        if texts["marks"] and marked:
            st.caption(f":orange[{plain(texts['marks'])}]")


def by_category(figures: pd.DataFrame, categories: list[str]) -> list[tuple[str, pd.DataFrame]]:
    """``figures`` with a value, by category in catalog order (the bureau's core business, 社会救助, first); a
    category without any value this month is left out."""
    shown = figures[figures["value"].notna()]
    parts = [(c, shown[shown["category"] == c]) for c in categories]
    return [(c, part) for c, part in parts if not part.empty]


def category_title(category: str, part: pd.DataFrame) -> str:
    """An expander's title: the category, how many figures it holds, and '数据不全' when any of them lacks a
    township, so a closed category still says so."""
    marks = [m for m in part.get("missing", pd.Series(dtype=object)) if isinstance(m, tuple | list) and m]
    return f"{plain(category)}（{len(part)}项{'，数据不全' if marks else ''}）"


def key_figure_grid(figures: pd.DataFrame, period: date, columns: int = 4, big: bool = False) -> None:
    """Cards in rows of ``columns`` (stacking on a phone). When every card carries the same mark (新华乡 has not
    reported: all figures lack it), the grid says it once above the cards ('以下各项数据不全（…）'); else each card
    says its own (``big``: in 会议模式's type)."""
    span = ytd_span(period)
    cards = [(row, card_texts(row, period, span)) for _, row in figures.iterrows()]
    shared = {texts["marks"] for _, texts in cards}
    common = next(iter(shared)) if len(shared) == 1 else None
    if common:
        line = f":orange[以下各项{plain(common)}]"
        if big:
            st.markdown(f"#### {line}")
        else:
            st.caption(line)
    for start in range(0, len(cards), columns):
        for col, (row, texts) in zip(st.columns(columns), cards[start : start + columns], strict=False):
            key_figure(row, texts, col, marked=not common)
