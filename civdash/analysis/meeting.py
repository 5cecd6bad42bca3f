"""会议模式: which slides of the sequence a month's data can fill, and each slide's title.

A slide is shown only when it has something to show (no blank slide, no chart of one dot):

- 核心指标: the indicators with a value for the month (flows 1–N月累计); none → skipped.
- 走势: months with every township reported, over the last 24; fewer than ``TREND_FEWEST`` → skipped.
- 今年与去年: at least two points, one of them this year.
- 乡镇排名: at least two townships with a value for the month; the first ``RANKING_MOST`` of them (a screen holds no
  more in large type).
- 年度目标: at least one district target for the year.
- 重点关注: always (it says plainly when nothing needs attention).

Every title says which figures it shows: 当月 (a month's own figure, a stock's month-end count) or 1-N月累计.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from civdash.analysis import metrics
from civdash.domain import townships
from civdash.domain.catalog import Indicator
from civdash.domain.periods import add_months, month_label, months_between, ytd_label
from civdash.domain.slides import KINDS, SlideSpec

TREND_MONTHS = 24
TREND_FEWEST = 3
RANKING_MOST = 15  # townships a ranking slide shows in large type; more are left to 乡镇对比


@dataclass(frozen=True)
class Slide:
    """A slide to show: its spec (``codes`` narrowed to the indicators with data) and title."""

    kind: str
    codes: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Skipped:
    """A slide of the sequence left out this month, and why (Chinese)."""

    spec: SlideSpec
    reason: str


@dataclass(frozen=True)
class Plan:
    slides: tuple[Slide, ...]
    skipped: tuple[Skipped, ...]


def _names(codes: Sequence[str], inds: Mapping[str, Indicator], most: int = 3) -> str:
    names = [inds[c].name for c in codes]
    return "、".join(names) if len(names) <= most else "、".join(names[:most]) + f"等{len(names)}项"


def trend_start(period: date) -> date:
    return add_months(period, -(TREND_MONTHS - 1))


def _headline(con, spec, period, inds, ytd) -> Slide | str:
    values = metrics.series(con, list(spec.codes), period, period, ytd=True)
    shown = set(values.loc[values["value"].notna(), "indicator_code"])
    codes = tuple(c for c in spec.codes if c in shown)
    if not codes:
        return f"{month_label(period)}这些指标都没有数据"
    month = month_label(period)
    if all(inds[c].kind != "flow" for c in codes):
        return Slide("headline", codes, f"核心指标（{month}当月）")
    return Slide("headline", codes, f"核心指标（{month}当月 · {ytd}累计）")


def _trend(con, spec, period, inds, ytd) -> Slide | str:
    start = trend_start(period)
    values = metrics.series(con, list(spec.codes), start, period)
    incomplete = metrics.incomplete_buckets(con, list(spec.codes), start, period)
    values = values[values["value"].notna() & ~values["period"].isin(list(incomplete))]
    counts = values.groupby("indicator_code")["period"].nunique()
    codes = tuple(c for c in spec.codes if counts.get(c, 0) >= TREND_FEWEST)
    if not codes:
        return f"近{TREND_MONTHS}个月中数据齐全的月份不足{TREND_FEWEST}个"
    first = min(values.loc[values["indicator_code"].isin(codes), "period"])
    span = months_between(first, period) + 1
    return Slide("trend", codes, f"{_names(codes, inds)}走势（近{span}个月，各月当月数）")


def _year_over_year(con, spec, period, inds, ytd) -> Slide | str:
    code = spec.codes[0]
    values = metrics.series(con, [code], date(period.year - 1, 1, 1), period, ytd=True)
    values = values[values["value"].notna()]
    this_year = sum(p.year == period.year for p in values["period"])
    if this_year == 0 or len(values) < 2:
        return "今年与去年的数据点不足两个"
    ind = inds[code]
    if ind.kind == "flow":
        return Slide("year_over_year", (code,), f"{ind.name}{ytd}累计：今年与去年")
    return Slide("year_over_year", (code,), f"{ind.name}（各月当月数）：今年与去年")


def _ranking(con, spec, period, inds, ytd) -> Slide | str:
    code = spec.codes[0]
    reported = int(metrics.township_values(con, code, period)["value"].notna().sum())
    if reported < 2:
        return f"{month_label(period)}有数据的乡镇不足两个"
    name, month = inds[code].name, month_label(period)
    if reported <= RANKING_MOST:
        return Slide("ranking", (code,), f"{name}乡镇排名（{month}当月）")
    return Slide("ranking", (code,), f"{name}乡镇排名前{RANKING_MOST}名（{month}当月，共{reported}个乡镇）")


def _targets(con, spec, period, inds, ytd) -> Slide | str:
    progress = metrics.target_progress(con, period)
    if progress.empty or not (progress["level"] == "district").any():
        return f"尚未设置{period.year}年{townships.district_word(con)}的年度目标"
    return Slide("targets", (), f"年度目标完成情况（截至{month_label(period)}，{ytd}累计）")


def _attention(con, spec, period, inds, ytd) -> Slide | str:
    return Slide("attention", (), f"重点关注（{month_label(period)}当月）")


_BUILD = {"headline": _headline, "trend": _trend, "year_over_year": _year_over_year, "ranking": _ranking,
          "targets": _targets, "attention": _attention}


def plan(con: duckdb.DuckDBPyConnection, period: date, specs: Sequence[SlideSpec],
         inds: Mapping[str, Indicator]) -> Plan:
    """The slides of ``specs`` the data of ``period`` can fill, in order, and the ones skipped with the reason."""
    ytd = ytd_label(period, metrics.first_month_of_year(con, period))
    slides, skipped = [], []
    for spec in specs:
        if spec.kind not in _BUILD or any(c not in inds for c in spec.codes):
            skipped.append(Skipped(spec, "指标目录中已没有该指标"))
            continue
        built = _BUILD[spec.kind](con, spec, period, inds, ytd)
        if isinstance(built, Slide):
            slides.append(built)
        else:
            skipped.append(Skipped(spec, f"{KINDS[spec.kind][0]}：{built}"))
    return Plan(tuple(slides), tuple(skipped))
