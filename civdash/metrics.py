"""Aggregation by kind, 同比/环比, year-to-date, completeness, watch list, target progress.

All aggregation semantics live in ``queries/series.sql``; this module chooses the window,
adds comparisons and names. Pages and exports call these functions and nothing below them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from civdash import catalog, queries
from civdash.periods import (
    Grain,
    add_months,
    bucket_end,
    bucket_start,
    month_start,
    previous_bucket,
    same_bucket_last_year,
)


def latest_period(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest month with any current data."""
    value = queries.scalar(con, "latest_period")
    return pd.Timestamp(value).date() if value is not None else None


def first_period(con: duckdb.DuckDBPyConnection) -> date | None:
    value = queries.scalar(con, "first_period")
    return pd.Timestamp(value).date() if value is not None else None


def available_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Months with data, newest first."""
    df = queries.run(con, "available_months")
    return [pd.Timestamp(p).date() for p in df["period"]]


def series(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[str],
    start: date,
    end: date,
    grain: Grain = "month",
    ytd: bool = False,
    townships: Sequence[int] = (),
    by_township: bool = False,
) -> pd.DataFrame:
    """Values per indicator (and township) and period; see ``queries/series.sql`` for semantics.

    Columns: indicator_code, township_id, period (date), value, last_month, months, n_townships;
    with ``by_township`` also township, township_code, sort_order.
    """
    df = queries.run(
        con, "series",
        indicators=list(indicators), townships=[int(t) for t in townships],
        start=bucket_start(start, grain), end=bucket_end(end, grain), grain=grain,
        ytd=bool(ytd), by_township=bool(by_township),
    )
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df["last_month"] = pd.to_datetime(df["last_month"]).dt.date
    if by_township:
        names = queries.run(con, "township_list")[["id", "name", "code", "sort_order"]]
        names = names.rename(columns={"id": "township_id", "name": "township", "code": "township_code"})
        df = df.merge(names, on="township_id", how="left")
    return df


def compare(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[str],
    period: date,
    grain: Grain = "month",
    ytd: bool = False,
    townships: Sequence[int] = (),
    by_township: bool = False,
) -> pd.DataFrame:
    """Value in the period with its 环比 (previous period) and 同比 (same period last year) bases.

    Columns: indicator_code, township_id, value, prev_value, yoy_value, mom, yoy (ratios, NaN when
    no base), last_month, n_townships (+ township names with ``by_township``).
    """
    current = bucket_start(period, grain)
    prev, last_year = previous_bucket(period, grain), same_bucket_last_year(period, grain)
    if not indicators:
        return pd.DataFrame(columns=["indicator_code", "township_id", "value", "prev_value", "yoy_value", "mom", "yoy"])
    df = series(con, indicators, min(prev, last_year), period, grain, ytd, townships, by_township)
    keys = ["indicator_code", "township_id"]
    now = df[df["period"] == current]
    if by_township:
        # Every registered township appears, with NaN where it has not reported.
        names = queries.run(con, "township_list")
        names = names[names["level"] == "township"]
        if townships:
            names = names[names["id"].isin(list(townships))]
        grid = pd.MultiIndex.from_product([list(indicators), names["id"].tolist()], names=keys).to_frame(index=False)
        now = grid.merge(now.drop(columns=["township", "township_code", "sort_order"]), on=keys, how="left")
        now = now.merge(
            names.rename(columns={"id": "township_id", "name": "township", "code": "township_code"})[
                ["township_id", "township", "township_code", "sort_order"]],
            on="township_id", how="left",
        )
    else:
        now = pd.DataFrame({"indicator_code": list(indicators)}).assign(township_id=np.nan).merge(
            now.assign(township_id=np.nan), on=keys, how="left")
    for col, base in (("prev_value", prev), ("yoy_value", last_year)):
        part = df[df["period"] == base][keys + ["value"]].rename(columns={"value": col})
        now = now.merge(part, on=keys, how="left")
    now["mom"] = _ratio(now["value"], now["prev_value"])
    now["yoy"] = _ratio(now["value"], now["yoy_value"])
    return now.reset_index(drop=True)


def _ratio(value: pd.Series, base: pd.Series) -> pd.Series:
    base = base.where(base != 0)
    return (value - base) / base.abs()


def key_figures(
    con: duckdb.DuckDBPyConnection, period: date, townships: Sequence[int] = (), spark_months: int = 12,
) -> pd.DataFrame:
    """One row per catalog indicator for the 总览 cards (or a township profile with ``townships``).

    value: stocks and levels at the month, flows year-to-date (1–N月累计, as official reports give them);
    month_value: the month's own amount; mom: 环比 of the month's value; yoy: 同比 of ``value``;
    spark: the last ``spark_months`` monthly values (each month's own amount for flows).
    """
    inds = catalog.indicators(con)
    codes = [i.code for i in inds]
    monthly = compare(con, codes, period, "month", ytd=False, townships=townships)
    ytd = compare(con, codes, period, "month", ytd=True, townships=townships)
    spark = series(con, codes, add_months(period, -(spark_months - 1)), period, "month", townships=townships)
    rows = []
    for ind in inds:
        m = monthly[monthly["indicator_code"] == ind.code].iloc[0]
        y = ytd[ytd["indicator_code"] == ind.code].iloc[0]
        s = spark[spark["indicator_code"] == ind.code].sort_values("period")
        rows.append({
            "indicator_code": ind.code, "name": ind.name, "category": ind.category, "unit": ind.unit,
            "kind": ind.kind, "decimals": ind.decimals, "note": ind.note,
            "value": y["value"], "month_value": m["value"],
            "mom": m["mom"], "yoy": y["yoy"],
            "prev_value": m["prev_value"], "yoy_value": y["yoy_value"],
            "n_townships": m["n_townships"],
            "spark": s["value"].tolist(),
        })
    return pd.DataFrame(rows)


def township_values(
    con: duckdb.DuckDBPyConnection, indicator: str, period: date, grain: Grain = "month", ytd: bool = False,
) -> pd.DataFrame:
    """Every township's value for one indicator and period, ranked (1 = largest), with 环比/同比."""
    df = compare(con, [indicator], period, grain, ytd, by_township=True)
    df["rank"] = df["value"].rank(ascending=False, method="min")
    return df.sort_values(["rank", "sort_order"], na_position="last").reset_index(drop=True)


def township_matrix(
    con: duckdb.DuckDBPyConnection, indicator: str, start: date, end: date, ytd: bool = False,
) -> pd.DataFrame:
    """Township × month values for a heatmap (long form: township, period, value)."""
    return series(con, [indicator], start, end, "month", ytd, by_township=True)


def derived_values(
    con: duckdb.DuckDBPyConnection, derived: catalog.DerivedIndicator, period: date, grain: Grain = "month",
) -> pd.DataFrame:
    """A per-person figure by township (and for the district, township_id NaN).

    A stock denominator (人数) gives an amount per person and month: the period's total ÷ months ÷
    head-count at the period's end. A flow denominator (人次) gives the ratio of the two totals.
    """
    kinds = {i.code: i.kind for i in catalog.indicators(con)}
    parts = []
    for by in (True, False):
        df = series(con, [derived.numerator, derived.denominator], period, period, grain, by_township=by)
        df = df[df["period"] == bucket_start(period, grain)]
        num = df[df["indicator_code"] == derived.numerator].set_index("township_id")
        den = df[df["indicator_code"] == derived.denominator].set_index("township_id")
        out = pd.DataFrame({"numerator": num["value"], "denominator": den["value"], "months": num["months"]})
        per = out["months"] if kinds.get(derived.denominator) == "stock" else 1
        out["value"] = out["numerator"] / per / out["denominator"].where(out["denominator"] != 0)
        out = out.reset_index()
        if by:
            out = out.merge(df[["township_id", "township", "sort_order"]].drop_duplicates(), on="township_id")
        else:
            out["township_id"] = np.nan
            out["township"] = None
        parts.append(out)
    return pd.concat(parts, ignore_index=True)


def completeness(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Township × month: how many indicators each township reported (0 = not reported)."""
    df = queries.run(con, "completeness", start=month_start(start), end=month_start(end))
    df["period"] = pd.to_datetime(df["period"]).dt.date
    return df


def reporting_summary(con: duckdb.DuckDBPyConnection, period: date) -> tuple[int, int]:
    """(townships that reported anything for the month, registered townships)."""
    df = completeness(con, period, period)
    return int((df["indicators"] > 0).sum()), int(df["township_id"].nunique())


def watchlist(con: duckdb.DuckDBPyConnection, period: date, limit: int = 8) -> pd.DataFrame:
    """重点关注: township values far from their own recent normal, strongest first.

    For each township and indicator, the month's value is compared with the median of its previous
    twelve months; the scoring rule is documented in ``queries/watchlist.sql``.
    """
    return queries.run(con, "watchlist", period=period, limit=limit)


def target_progress(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Yearly targets of the period's year with progress up to the period and 完成率."""
    targets = queries.run(con, "targets_for_year", year=period.year)
    if targets.empty:
        return targets.assign(actual=[], rate=[])
    codes = sorted(targets["indicator_code"].unique())
    district = compare(con, codes, period, "month", ytd=True)
    by_town = compare(con, codes, period, "month", ytd=True, by_township=True)
    actual = []
    for row in targets.itertuples():
        if row.level == "district":
            hit = district[district["indicator_code"] == row.indicator_code]
        else:
            hit = by_town[(by_town["indicator_code"] == row.indicator_code) & (by_town["township_id"] == row.township_id)]
        actual.append(float(hit["value"].iloc[0]) if len(hit) and pd.notna(hit["value"].iloc[0]) else np.nan)
    targets["actual"] = actual
    targets["rate"] = targets["actual"] / targets["value"]
    return targets
