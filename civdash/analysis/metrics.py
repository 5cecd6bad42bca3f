"""Aggregation by kind, 同比/环比, year-to-date, completeness, watch list, target progress.

All aggregation semantics live in ``queries/series.sql``; this module chooses the window,
adds comparisons and names. Pages and exports call these functions and nothing below them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from civdash.domain import catalog
from civdash.domain.periods import (
    Grain,
    add_months,
    bucket_end,
    bucket_start,
    month_start,
    previous_bucket,
    same_bucket_last_year,
)
from civdash.store import queries


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


def first_month_of_year(con: duckdb.DuckDBPyConnection, end: date) -> date | None:
    """The first month of ``end``'s year, up to ``end``, that has any data: January unless the data start later (a
    bureau whose first upload is November), so that a 累计 is never labelled 1-N月 when it holds fewer months."""
    months = [m for m in available_months(con) if m.year == end.year and m <= month_start(end)]
    return min(months) if months else None


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
    with ``by_township`` also township, township_code, sort_order. Rows come in the order of
    ``indicators``, then township display order, then period.
    """
    df = queries.run(
        con, "series",
        indicators=list(indicators), townships=[int(t) for t in townships],
        start=bucket_start(start, grain), end=bucket_end(end, grain), grain=grain,
        ytd=bool(ytd), by_township=bool(by_township),
    )
    df["period"] = pd.to_datetime(df["period"]).dt.date
    df["last_month"] = pd.to_datetime(df["last_month"]).dt.date
    order = ["indicator_rank", "period"]
    if by_township:
        names = queries.run(con, "township_list")[["id", "name", "code", "sort_order"]]
        names = names.rename(columns={"id": "township_id", "name": "township", "code": "township_code"})
        df = df.merge(names, on="township_id", how="left")
        order = ["indicator_rank", "sort_order", "period"]
    # Indicators in the order asked for (a chart's legend and a table's columns follow it).
    rank = {code: k for k, code in enumerate(indicators)}
    df = df.assign(indicator_rank=df["indicator_code"].map(rank)).sort_values(order, kind="stable")
    return df.drop(columns="indicator_rank").reset_index(drop=True)


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


def over_range(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[str],
    start: date,
    end: date,
    ytd: bool = False,
    townships: Sequence[int] = (),
    by_township: bool = False,
) -> pd.DataFrame:
    """Each indicator's value over the months ``start``–``end`` as one period (and per township with
    ``by_township``): flows summed over the months, or with ``ytd`` their year-to-date at the last month; stocks and
    levels at the last month with data. Built on ``series`` by month, so the semantics are those of series.sql.

    Columns: indicator_code, township_id, value, last_month, months (months with data).
    """
    columns = ["indicator_code", "township_id", "value", "last_month", "months"]
    if not indicators:
        return pd.DataFrame(columns=columns)
    df = series(con, indicators, start, end, "month", ytd, townships, by_township)
    df = df[df["period"] >= month_start(start)]
    if df.empty:
        return pd.DataFrame(columns=columns)
    kinds = {i.code: i.kind for i in catalog.indicators(con)}
    keys = ["indicator_code", "township_id"]
    df = df.assign(month=pd.to_datetime(df["period"]))  # datetime64: grouped in compiled code, not per group
    grouped = df.sort_values("month", kind="stable").groupby(keys, dropna=False, sort=False)
    out = grouped.agg(last=("value", "last"), total=("value", "sum"), last_month=("month", "max"),
                      months=("month", "size")).reset_index()
    summed = (out["indicator_code"].map(kinds) == "flow") & (not ytd)
    out["value"] = out["total"].where(summed, out["last"])
    out["last_month"] = out["last_month"].dt.date
    return out[columns]


def total_of_townships(values: pd.DataFrame, indicators: Mapping[str, catalog.Indicator]) -> dict[str, float]:
    """Each indicator's total of the townships' figures as a table shows them (``over_range(..., by_township=True)``,
    a stock at each township's own last month): the across-townships rule of ``queries/series.sql`` applied to those
    figures, so that the total is always that of the rows shown. Stocks and flows are summed; a level is averaged,
    weighted by its catalog weight (looked up in ``values`` too) where the weights of the townships with a value add
    up to more than zero, else plainly. Indicators without any value are left out."""
    by_code = {code: df.set_index("township_id")["value"] for code, df in values.groupby("indicator_code", sort=False)}
    out: dict[str, float] = {}
    for code, figures in by_code.items():
        figures = figures.dropna()
        ind = indicators[code]
        if figures.empty:
            continue
        if ind.kind != "level":
            out[code] = float(figures.sum())
            continue
        weights = by_code.get(ind.weight) if ind.weight else None
        if weights is not None:
            paired = pd.concat([figures, weights], axis=1, join="inner").dropna()
            if paired.iloc[:, 1].sum() > 0:
                out[code] = float((paired.iloc[:, 0] * paired.iloc[:, 1]).sum() / paired.iloc[:, 1].sum())
                continue
        out[code] = float(figures.mean())
    return out


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
    last_year, prev = add_months(period, -12), add_months(period, -1)
    first = min(last_year, add_months(period, -(spark_months - 1)))
    # Two queries: each month's own values (spark, 环比) and year-to-date values (card value, 同比).
    monthly = series(con, codes, first, period, "month", townships=townships)
    ytd = series(con, codes, last_year, period, "month", ytd=True, townships=townships)
    m = monthly.pivot(index="indicator_code", columns="period", values="value").reindex(codes)
    y = ytd.pivot(index="indicator_code", columns="period", values="value").reindex(codes)
    n = monthly[monthly["period"] == period].set_index("indicator_code")["n_townships"].reindex(codes)

    def at(frame: pd.DataFrame, month: date) -> pd.Series:
        return frame[month] if month in frame.columns else pd.Series(np.nan, index=frame.index)

    spark_cols = [c for c in m.columns if c > add_months(period, -spark_months)]
    out = pd.DataFrame({
        "indicator_code": codes,
        "name": [i.name for i in inds], "category": [i.category for i in inds], "unit": [i.unit for i in inds],
        "kind": [i.kind for i in inds], "decimals": [i.decimals for i in inds], "note": [i.note for i in inds],
        "value": at(y, period).to_numpy(), "month_value": at(m, period).to_numpy(),
        "prev_value": at(m, prev).to_numpy(), "yoy_value": at(y, last_year).to_numpy(),
        "n_townships": n.to_numpy(),
        "spark": [[v for v in row if pd.notna(v)] for row in m[spark_cols].to_numpy().tolist()],
    })
    out["mom"] = _ratio(out["month_value"], out["prev_value"])
    out["yoy"] = _ratio(out["value"], out["yoy_value"])
    return out


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
    # Progress is the year-to-date value at the month: flows summed since January, stocks at the month.
    keys = ["indicator_code", "township_id"]
    district = series(con, sorted(targets["indicator_code"].unique()), period, period, ytd=True)
    town_codes = sorted(targets.loc[targets["level"] == "township", "indicator_code"].unique())
    by_town = series(con, town_codes, period, period, ytd=True, by_township=True)
    district_id = targets.loc[targets["level"] == "district", "township_id"]
    district = district.assign(township_id=district_id.iloc[0] if len(district_id) else np.nan)
    actual = pd.concat([district[keys + ["value"]], by_town[keys + ["value"]]], ignore_index=True)
    actual = actual.astype({"township_id": "float"}).rename(columns={"value": "actual"})
    targets = targets.astype({"township_id": "float"}).merge(actual, on=keys, how="left")
    targets["township_id"] = targets["township_id"].astype(int)
    targets["rate"] = targets["actual"] / targets["value"]
    return targets
