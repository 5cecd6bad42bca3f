"""Filter widgets bound to the URL: every view is a link. Each returns the chosen value."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

from civdash.domain.periods import GRAINS, Grain, month_key, month_label, parse_month
from ui import data

MODES = {"month": "当月", "ytd": "累计"}
# 乡镇对比's tabs: the code a link names (``civdash.analysis.ask``'s ``view``) → the tab's label, which its address holds.
COMPARE_VIEWS = {"ranking": "排名", "heatmap": "逐月热力图", "per_person": "人均指标", "profile": "乡镇画像"}


def month(key: str = "period", label: str = "统计月份", container=st) -> date | None:
    """A month with data, newest first; defaults to the latest month."""
    months = data.months()
    if not months:
        return None
    options = [month_key(m) for m in months]
    chosen = container.selectbox(label, options, index=0, format_func=lambda k: month_label(parse_month(k)),
                                 key=key, bind="query-params")
    return parse_month(chosen)


def month_range(key: str = "range", label: str = "时间范围", default_months: int = 36, container=st) -> tuple[date, date]:
    """From–to months (inclusive), defaulting to the latest ``default_months`` months."""
    months = sorted(data.months())
    options = [month_key(m) for m in months]
    start = options[max(0, len(options) - default_months)]
    chosen = container.select_slider(label, options=options, value=(start, options[-1]),
                                     format_func=lambda k: month_label(parse_month(k)), key=key, bind="query-params")
    return parse_month(chosen[0]), parse_month(chosen[1])


def indicator(key: str = "ind", label: str = "指标", default: str | None = None, codes: Sequence[str] | None = None,
              container=st) -> str:
    inds = [i for i in data.indicators() if codes is None or i.code in codes]
    options = [i.code for i in inds]
    names = {i.code: f"{i.name}（{i.category}）" for i in inds}
    index = options.index(default) if default in options else 0
    return container.selectbox(label, options, index=index, format_func=names.get, key=key, bind="query-params")


def indicators(key: str = "inds", label: str = "指标（可多选）", default: Sequence[str] = (), container=st) -> list[str]:
    inds = data.indicators()
    names = {i.code: f"{i.name}（{i.unit}）" for i in inds}
    return container.multiselect(label, [i.code for i in inds], default=list(default), format_func=names.get,
                                 key=key, bind="query-params", placeholder="选择一个或多个指标")


def grain(key: str = "grain", label: str = "时间粒度", container=st) -> Grain:
    return container.segmented_control(label, list(GRAINS), default="month", format_func=GRAINS.get, key=key,
                                       bind="query-params", required=True)


def ytd(key: str = "mode", label: str = "流量指标口径", container=st) -> bool:
    """当月 (the period's own amount) or 累计 (year-to-date); returns True for 累计."""
    chosen = container.segmented_control(label, list(MODES), default="month", format_func=MODES.get, key=key,
                                         bind="query-params", required=True,
                                         help="资金、人次等流量指标：当月为本期发生额，累计为当年1月起至本期末的累计数。")
    return chosen == "ytd"


def townships(key: str = "towns", label: str = "乡镇（街道）", container=st) -> list[int]:
    """Chosen township ids; an empty choice means the whole district."""
    towns = data.township_list()
    by_name = {t.name: t.id for t in towns}
    chosen = container.multiselect(label, list(by_name), key=key, bind="query-params",
                                   placeholder=f"{data.district_word()}（不选即为{data.district_word()}合计）")
    return [by_name[n] for n in chosen]


def township(key: str = "town", label: str = "乡镇（街道）", container=st) -> int:
    towns = data.township_list()
    names = {t.id: t.name for t in towns}
    options = [t.name for t in towns]
    chosen = container.selectbox(label, options, key=key, bind="query-params")
    return next(i for i, n in names.items() if n == chosen)
