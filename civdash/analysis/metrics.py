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
    bucket_label,
    bucket_months,
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


def bucket_labels(df: pd.DataFrame, grain: Grain) -> dict[date, str]:
    """Each period of a ``series`` (or ``compare``) frame labelled with the months its data hold where they do not fill
    it: '2026年第4季度（10-11月）' (``periods.bucket_label``), from its rows' first and last months with data."""
    spans: dict[date, tuple[date, date]] = {}
    if grain != "month" and "first_month" in df:  # a month is always full: its label never names months
        for period, first, last in zip(df["period"], df["first_month"], df["last_month"], strict=True):
            if pd.isna(first):
                continue
            low, high = spans.get(period, (first, last))
            spans[period] = (min(low, first), max(high, last))
    return {p: bucket_label(p, grain, *spans[p]) if p in spans else bucket_label(p, grain)
            for p in df["period"].dropna().unique()}


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
    without: Sequence[int] = (),
) -> pd.DataFrame:
    """Values per indicator (and township) and period; see ``queries/series.sql`` for semantics. ``without``: townships
    left out (of a like-for-like comparison).

    Columns: indicator_code, township_id, period (date), value, first_month and last_month (the bucket's first and
    last months with data), months (how many), n_townships; with ``by_township`` also township, township_code,
    sort_order. Rows come in the order of
    ``indicators``, then township display order, then period.
    """
    df = queries.frame(
        con, "series",
        indicators=list(indicators), townships=[int(t) for t in townships], without=[int(t) for t in without],
        start=bucket_start(start, grain), end=bucket_end(end, grain), grain=grain,
        ytd=bool(ytd), by_township=bool(by_township),
    )
    # Names and order (indicators as asked for: a chart's legend and a table's columns follow it) come from the query.
    return df if by_township else df.drop(columns=["township", "township_code", "sort_order"])


def missing(
    con: duckdb.DuckDBPyConnection, indicators: Sequence[str], start: date, end: date, townships: Sequence[int] = (),
) -> pd.DataFrame:
    """Townships that have not reported: per indicator and month of ``start``–``end``, those expected (they reported
    the indicator in one of the twelve months up to it) without a value (``queries/missing.sql``).

    Columns: indicator_code, township_id, township, period.
    """
    return queries.frame(con, "missing", indicators=list(indicators), townships=[int(t) for t in townships],
                         start=month_start(start), end=month_start(end))


def _kinds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {i.code: i.kind for i in catalog.indicators(con)}


def _absent(
    con: duckdb.DuckDBPyConnection, indicators: Sequence[str], start: date, end: date, ytd: bool,
    townships: Sequence[int], kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``missing`` from a figure of the months ``start``–``end``: with ``ytd``, a flow's 1-N月累计 also lacks the
    townships missing from a month since January."""
    absent = missing(con, indicators, date(start.year, 1, 1) if ytd else start, end, townships)
    if ytd:
        flow = absent["indicator_code"].map(kinds or _kinds(con)) == "flow"
        absent = absent[(absent["period"] >= month_start(start)) | flow]
    return absent


def incomplete_buckets(
    con: duckdb.DuckDBPyConnection, indicators: Sequence[str], start: date, end: date, grain: Grain = "month",
    ytd: bool = False, townships: Sequence[int] = (),
) -> dict[date, tuple[str, ...]]:
    """The periods of a ``series`` whose figures lack an expected township (数据不全), with the townships' names: a
    bucket lacks those missing from any of its months, a 1-N月累计 (``ytd``) flow also those missing from an earlier
    month of its year."""
    first = date(start.year, 1, 1) if ytd else bucket_start(start, grain)
    absent = missing(con, indicators, first, bucket_end(end, grain), townships)
    if absent.empty:
        return {}
    kinds = _kinds(con)
    out: dict[date, dict[str, None]] = {}
    for code, name, month in zip(absent["indicator_code"], absent["township"], absent["period"], strict=True):
        last = date(month.year, 12, 1) if ytd and kinds.get(code) == "flow" else month
        bucket = bucket_start(month, grain)
        while bucket <= min(last, bucket_end(end, grain)):
            if bucket >= bucket_start(start, grain):
                out.setdefault(bucket, {})[name] = None
            bucket = add_months(bucket, bucket_months(grain))
    return {b: tuple(names) for b, names in sorted(out.items())}


def gaps(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[str],
    now: tuple[date, date],
    prev: tuple[date, date],
    yoy: tuple[date, date],
    ytd: bool = False,
    townships: Sequence[int] = (),
) -> pd.DataFrame:
    """Who is left out of comparing the months ``now`` (first, last) with the months ``prev`` (环比) and ``yoy`` (同比)
    like for like: per indicator, the townships ``excluded_mom`` / ``excluded_yoy`` (reported in one of the two
    periods and not throughout both). With ``ytd``, flows' periods start in January (``queries/gaps.sql``).

    Columns: indicator_code, township_id, township, excluded_mom, excluded_yoy (flagged townships only).
    """
    return queries.run(
        con, "gaps", indicators=list(indicators), townships=[int(t) for t in townships], ytd=bool(ytd),
        now_start=month_start(now[0]), now_end=month_start(now[1]), prev_start=month_start(prev[0]),
        prev_end=month_start(prev[1]), yoy_start=month_start(yoy[0]), yoy_end=month_start(yoy[1]),
    )


def _names(flags: pd.DataFrame, column: str | None, indicators: Sequence[str]) -> list[tuple[str, ...]]:
    """Per indicator (in order), the names of the townships ``flags`` marks in ``column`` (every row's: None)."""
    marked = (flags[flags[column]] if column else flags).groupby("indicator_code", sort=False)["township"].agg(
        lambda names: tuple(dict.fromkeys(names)))
    return [marked.get(code, ()) for code in indicators]


def compare(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[str],
    period: date,
    grain: Grain = "month",
    ytd: bool = False,
    townships: Sequence[int] = (),
    by_township: bool = False,
    prev: date | None = None,
) -> pd.DataFrame:
    """Value in the period with its 环比 (previous period, or the bucket starting at ``prev``: 年初 for a 1–N月 report's
    stocks) and 同比 (same period last year) bases.

    Columns: indicator_code, township_id, value, prev_value, yoy_value, mom, yoy (ratios, NaN when no base),
    last_month, n_townships (+ township names with ``by_township``).

    The district's (or the selection's) rows follow the incomplete-data rule (docs/architecture.md): ``value`` is the
    total of the townships that reported, ``missing`` names those expected but absent (数据不全); each change compares
    like with like: where a township reported in one of the two periods and not throughout both, both figures are
    taken again without it. ``prev_now`` / ``yoy_now`` is then the period's figure on the compared basis (else
    ``value``), ``prev_value`` / ``yoy_value`` the base on the same basis, ``mom_without`` / ``yoy_without`` the names
    left out, and ``mom_basis`` / ``yoy_basis`` how many townships were compared (NaN when nobody was left out).
    A township's own row compares its own figures.
    """
    return _compared(con, indicators, period, grain, ytd, townships, by_township, prev)[0]


def _compared(
    con: duckdb.DuckDBPyConnection, indicators: Sequence[str], period: date, grain: Grain, ytd: bool,
    townships: Sequence[int], by_township: bool, prev: date | None = None, kinds: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``compare``'s frame, and the series it was made from (from the earlier base to the period). ``kinds``: the
    catalog's kind per code, when the caller has read it already."""
    current = bucket_start(period, grain)
    prev = bucket_start(prev, grain) if prev is not None else previous_bucket(period, grain)
    last_year = same_bucket_last_year(period, grain)
    if not indicators:
        empty = pd.DataFrame(columns=["indicator_code", "township_id", "value", "prev_value", "yoy_value", "mom", "yoy"])
        return empty, empty
    kinds = kinds or _kinds(con)
    df = series(con, indicators, min(prev, last_year), period, grain, ytd, townships, by_township)
    keys = ["indicator_code", "township_id"]
    periods = df["period"].to_numpy()  # compared as an array: one pass each, no Series built per comparison
    now = df[periods == current]
    if by_township:
        # Every registered township appears, with NaN where it has not reported: the registry's townships (names,
        # codes, order) for each indicator, the figures merged onto them, columns as before (the names last).
        names = queries.frame(con, "township_list")
        names = names[names["level"] == "township"]
        if townships:
            names = names[names["id"].isin(list(townships))]
        listed = names.rename(columns={"id": "township_id", "name": "township", "code": "township_code"})[
            ["township_id", "township", "township_code", "sort_order"]].astype({"township_id": "int64"})
        grid = pd.concat([listed.assign(indicator_code=code) for code in indicators], ignore_index=True)
        figures = now.drop(columns=["township", "township_code", "sort_order"])
        now = grid.merge(figures, on=keys, how="left")[
            [*keys, *(c for c in figures.columns if c not in keys), "township", "township_code", "sort_order"]]
    else:
        now = pd.DataFrame({"indicator_code": list(indicators)}).assign(township_id=np.nan).merge(
            now.assign(township_id=np.nan), on=keys, how="left")
    for col, base in (("prev", prev), ("yoy", last_year)):
        part = df.loc[periods == base, keys + ["value", "months"]].rename(
            columns={"value": f"{col}_value", "months": f"{col}_months"})
        now = now.merge(part, on=keys, how="left")
    now["prev_now"] = now["value"]
    now["yoy_now"] = now["value"]
    if not by_township:
        now = _like_for_like(con, now, list(indicators), period, grain, ytd, townships, prev, kinds)
    # A quarter or year the data do not fill (half over, or data that start within it) says which months it holds
    # (``periods.bucket_label``); its flows are not compared with a whole one, nor a whole one with it.
    full = bucket_months(grain)
    now["partial"] = now["months"] < full
    flow = now["indicator_code"].map(kinds) == "flow"
    for col in ("prev", "yoy"):
        gone = flow & (now["partial"] | (now[f"{col}_months"] < full))
        for column in (f"{col}_now", f"{col}_value"):
            now[column] = now[column].mask(gone)
    now["mom"] = _ratio(now["prev_now"], now["prev_value"])
    now["yoy"] = _ratio(now["yoy_now"], now["yoy_value"])
    return now.reset_index(drop=True), df


def _like_for_like(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, indicators: list[str], period: date, grain: Grain, ytd: bool,
    townships: Sequence[int], prev: date, kinds: Mapping[str, str],
) -> pd.DataFrame:
    """``compare``'s district rows (one per indicator, in order) with ``missing`` and, where a township is in one
    period's figure and not throughout the other's, both figures of the change taken again without it."""
    frame = frame.set_index("indicator_code")
    current = bucket_start(period, grain)
    bases = {"mom": prev, "yoy": same_bucket_last_year(period, grain)}
    end = bucket_end(period, grain)
    flags = gaps(con, indicators, (current, end), *((b, bucket_end(b, grain)) for b in bases.values()), ytd, townships)
    frame["missing"] = _names(_absent(con, indicators, current, end, ytd, townships, kinds), None, indicators)
    sets: dict[str, dict[str, tuple[int, ...]]] = {}  # change → indicator → townships left out
    for name in bases:
        frame[f"{name}_without"] = _names(flags, f"excluded_{name}", indicators)
        frame[f"{name}_basis"] = np.nan
        left_out = flags[flags[f"excluded_{name}"]].groupby("indicator_code", sort=False)["township_id"]
        sets[name] = {str(code): tuple(sorted(ids)) for code, ids in left_out}
    for without in {w for by_code in sets.values() for w in by_code.values()}:
        codes = sorted({c for by_code in sets.values() for c, w in by_code.items() if w == without})
        again = series(con, codes, min(bases.values()), period, grain, ytd, townships, without=without)
        values = again.pivot(index="indicator_code", columns="period", values="value")
        counts = again[again["period"] == current].set_index("indicator_code")["n_townships"]
        for name, base in bases.items():
            now_col, base_col = ("prev_now", "prev_value") if name == "mom" else ("yoy_now", "yoy_value")
            mine = [c for c, w in sets[name].items() if w == without]
            for col, p in ((now_col, current), (base_col, base)):
                frame.loc[mine, col] = (values[p] if p in values else pd.Series(dtype=float)).reindex(mine).to_numpy()
            frame.loc[mine, f"{name}_basis"] = counts.reindex(mine).to_numpy()
    return frame.reset_index()


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
    # series.sql's 'range' grain: the months as one bucket, aggregated in the database (not month by month here)
    df = queries.frame(
        con, "series",
        indicators=list(indicators), townships=[int(t) for t in townships], without=[],
        start=month_start(start), end=month_start(end), grain="range", ytd=bool(ytd), by_township=bool(by_township),
    )
    if df.empty:
        return pd.DataFrame(columns=columns)
    return df[columns]


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

    value: stocks and levels at the month, flows year-to-date (1–N月累计, as official reports do); yoy: 同比 of
    ``value``; month_value: the month's own amount; mom: 环比 of the month's value; spark: the last ``spark_months``
    monthly values (each month's own amount for flows). Both changes compare like with like (``compare``):
    ``missing`` names the townships absent from ``value``, ``mom_without`` / ``yoy_without`` those left out of a
    change.
    """
    inds = catalog.indicators(con)
    codes = [i.code for i in inds]
    kinds = {i.code: i.kind for i in inds}  # the catalog read once for the cards, not once per step
    month, monthly = _compared(con, codes, period, "month", False, townships, False, kinds=kinds)
    month = month.set_index("indicator_code")
    # 1-N月累计 changes only flows: the other indicators' year-to-date figures are the month's
    flows = [i.code for i in inds if i.kind == "flow"]
    ytd = _compared(con, flows, period, "month", True, townships, False, kinds=kinds)[0]
    year = pd.concat([month.drop(index=flows), ytd.set_index("indicator_code")])
    if spark_months > 12:  # the month's comparison reads thirteen months
        monthly = series(con, codes, add_months(period, -(spark_months - 1)), period, "month", townships=townships)
    recent = monthly[monthly["period"] > add_months(period, -spark_months)]
    # a month some township has not reported is left off the line: the card says so, the line would only fall
    recent = recent[(recent["period"] < period) | ~recent["indicator_code"].map(month["missing"].map(bool))]
    spark = recent.groupby("indicator_code", sort=False)["value"].agg(list)
    out = pd.DataFrame({
        "indicator_code": codes,
        "name": [i.name for i in inds], "category": [i.category for i in inds], "unit": [i.unit for i in inds],
        "kind": [i.kind for i in inds], "decimals": [i.decimals for i in inds], "note": [i.note for i in inds],
        "good": [i.good for i in inds],
    })
    for column, source in (("value", year["value"]), ("yoy", year["yoy"]), ("yoy_value", year["yoy_value"]),
                           ("missing", year["missing"]), ("yoy_without", year["yoy_without"]),
                           ("month_value", month["value"]), ("mom", month["mom"]),
                           ("prev_value", month["prev_value"]), ("mom_without", month["mom_without"]),
                           ("n_townships", month["n_townships"])):
        out[column] = source.reindex(codes).to_numpy()
    out["spark"] = [[v for v in spark.get(code, []) if pd.notna(v)] for code in codes]
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
    kinds = _kinds(con)
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


def not_reported(con: duckdb.DuckDBPyConnection, month: date) -> list[str]:
    """The townships without any value for ``month``, in registry order."""
    grid = completeness(con, month, month)
    return grid.loc[grid["indicators"] == 0, "township"].tolist()


def reporting_summary(con: duckdb.DuckDBPyConnection, period: date) -> tuple[int, int]:
    """(townships that reported anything for the month, registered townships)."""
    reported, registered = queries.execute(con, "reporting_summary", period=month_start(period)).fetchone()
    return int(reported), int(registered)


def watchlist(con: duckdb.DuckDBPyConnection, period: date, limit: int = 8) -> pd.DataFrame:
    """重点关注: township values far from their own recent normal, strongest first.

    For each township and indicator, the month's value is compared with the median of its previous
    twelve months; the scoring rule is documented in ``queries/watchlist.sql``.
    """
    return queries.run(con, "watchlist", period=period, limit=limit)


def target_progress(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Yearly targets of the period's year with progress up to the period, 完成率, and ``missing``: the townships
    whose figures the progress lacks (the township itself for a township's target; 数据不全)."""
    targets = queries.run(con, "targets_for_year", year=period.year)
    if targets.empty:
        return targets.assign(actual=[], rate=[], missing=[])
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
    absent = _absent(con, sorted(targets["indicator_code"].unique()), period, period, True, ())
    by_code = absent.groupby("indicator_code")["township"].agg(lambda names: tuple(dict.fromkeys(names)))
    own = dict(zip(zip(absent["indicator_code"], absent["township_id"], strict=True), absent["township"], strict=True))
    targets["missing"] = [
        by_code.get(code, ()) if level == "district" else ((own[code, tid],) if (code, tid) in own else ())
        for code, tid, level in zip(targets["indicator_code"], targets["township_id"], targets["level"], strict=True)]
    return targets
