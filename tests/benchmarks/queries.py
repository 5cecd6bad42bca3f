"""Every page query against the minimal raw DuckDB SQL for the same numbers (issue 24), and page times as data grow.

On the province database (``province.py``'s builder, cached under ``tests/benchmarks/output/``), for each query the
leaders' pages run, times the civdash call (the public ``civdash.analysis`` function, called as the page calls it;
median of ``--repeat`` runs after a warm-up, on a read-only connection opened fresh, as the app's) and a hand-written
raw DuckDB statement giving the same numbers, straight on ``fact`` with the period filter (written below, one per
query: the like-for-like and incomplete-data rules included, since they are part of the numbers). The two results
are cross-checked (exit 1 when they differ); the table prints both times and their ratio (goal: civdash ≤ 3× raw).

``--growth``: the same queries summed per page, and full page runs under Streamlit's AppTest (cold and warm), for
100, 300 and 1,500 townships × 3 and 10 years (databases built and cached like the province one), each in its own
process; the ratio of each to the smallest, and whether 总览 grows sub-linearly in facts.

Times are printed, never asserted. Run from the project root::

    .venv/bin/python -m tests.benchmarks.queries                 # 1,500 townships × 10 years
    .venv/bin/python -m tests.benchmarks.queries --growth
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from civdash.analysis import metrics, report, table  # noqa: E402
from civdash.domain import catalog, townships  # noqa: E402
from civdash.domain.periods import add_months, last_complete_month, month_key, parse_month  # noqa: E402
from civdash.store import db  # noqa: E402
from tests.benchmarks import province  # noqa: E402

GOAL = 3.0
TREND = province.TREND_CODES            # a stock, a flow and a weighted level
RANK = province.RANK_CODE
HEATMAP = province.HEATMAP_CODE
QUERY_PAGE = ("dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds", "dibao_rural_households",
              "dibao_rural_persons", "dibao_rural_funds", "tekun_persons", "tekun_funds")   # 数据查询's default
GROWTH = [(100, 3), (100, 10), (300, 3), (300, 10), (1500, 3), (1500, 10)]
PAGES = [("总览", "pages/overview.py"), ("趋势分析", "pages/trend.py"), ("乡镇对比", "pages/compare.py"),
         ("会议模式", "pages/meeting.py"), ("数据查询", "pages/query.py"), ("汇报材料", "pages/report.py")]


# --------------------------------------------------------------------------------------------
# The raw SQL: one statement per query, on fact (current rows, township level), by hand
# --------------------------------------------------------------------------------------------

def agg(x: str, w: str, where: str = "TRUE") -> str:
    """Across townships: stock and flow summed, level averaged with its weight (plainly where the weights add up to
    nothing)."""
    return (f"CASE WHEN any_value(kind) = 'level' THEN coalesce(sum({x} * {w}) FILTER ({where} AND {x} IS NOT NULL)"
            f" / nullif(sum({w}) FILTER ({where} AND {x} IS NOT NULL), 0), avg({x}) FILTER ({where}))"
            f" ELSE sum({x}) FILTER ({where}) END")


# The facts of the townships (optionally some) for some indicators and months, with a level's weight of the same
# township and month. Parameters: $codes, $towns (empty: all), $lo, $hi.
FACTS = """
w AS (SELECT indicator_code, township_id, period, value FROM fact
      WHERE is_current AND period BETWEEN $lo AND $hi
        AND indicator_code IN (SELECT weight FROM indicator WHERE code IN (SELECT unnest($codes)))),
m AS (SELECT f.indicator_code AS c, f.township_id AS t, f.period AS p, f.value AS v, i.kind, w.value AS wv
      FROM fact f
      JOIN indicator i ON i.code = f.indicator_code
      JOIN township tw ON tw.id = f.township_id AND tw.level = 'township'
      LEFT JOIN w ON w.indicator_code = i.weight AND w.township_id = f.township_id AND w.period = f.period
      WHERE f.is_current AND f.period BETWEEN $lo AND $hi AND f.indicator_code IN (SELECT unnest($codes))
        AND (len($towns) = 0 OR list_contains($towns, f.township_id)))"""


def compare_ctes(name: str, ytd: str) -> str:
    """District 环比/同比 at month grain, like for like: per indicator, ``value`` at $p (a flow's 1-N月累计 where
    ``ytd`` holds), the bases at $b1 (环比) and $b2 (同比), each change taken over the townships that reported
    throughout both periods' months with data (or in none of them). Reads ``m``."""
    def first(month: str) -> str:
        return f"CASE WHEN {ytd} THEN date_trunc('year', {month}::DATE)::DATE ELSE {month}::DATE END"
    spans = {k: f"(p BETWEEN {first(e)} AND {e}::DATE)" for k, e in (("0", "$p"), ("1", "$b1"), ("2", "$b2"))}
    return f"""
{name}_t AS (SELECT c, t, any_value(kind) AS kind,
      sum(v) FILTER {spans['0']} AS x0, sum(v) FILTER {spans['1']} AS x1, sum(v) FILTER {spans['2']} AS x2,
      sum(wv) FILTER {spans['0']} AS w0, sum(wv) FILTER {spans['1']} AS w1, sum(wv) FILTER {spans['2']} AS w2,
      bool_or(p = $p) AS h0, bool_or(p = $b1) AS h1, bool_or(p = $b2) AS h2,
      count(*) FILTER ({spans['0']} OR {spans['1']}) AS n1, count(*) FILTER ({spans['0']} OR {spans['2']}) AS n2
    FROM m GROUP BY c, t),
{name}_due AS (SELECT c, count(DISTINCT p) FILTER ({spans['0']} OR {spans['1']}) AS due1,
      count(DISTINCT p) FILTER ({spans['0']} OR {spans['2']}) AS due2 FROM m GROUP BY c),
{name} AS (SELECT c, any_value(kind) AS kind,
      CASE WHEN bool_or(h0) THEN {agg('x0', 'w0')} END AS value,
      count(*) FILTER (h0) AS n_townships,
      CASE WHEN bool_or(h0) FILTER (n1 IN (0, due1)) THEN {agg('x0', 'w0', 'n1 IN (0, due1)')} END AS prev_now,
      CASE WHEN bool_or(h1) FILTER (n1 IN (0, due1)) THEN {agg('x1', 'w1', 'n1 IN (0, due1)')} END AS prev_value,
      CASE WHEN bool_or(h0) FILTER (n2 IN (0, due2)) THEN {agg('x0', 'w0', 'n2 IN (0, due2)')} END AS yoy_now,
      CASE WHEN bool_or(h2) FILTER (n2 IN (0, due2)) THEN {agg('x2', 'w2', 'n2 IN (0, due2)')} END AS yoy_value
    FROM {name}_t JOIN {name}_due USING (c) GROUP BY c)"""


def change(now: str, base: str) -> str:
    return f"({now} - {base}) / abs(nullif({base}, 0))"


RAW_COMPARE = f"""WITH {FACTS},{compare_ctes('cmp', "$ytd AND kind = 'flow'")}
SELECT c AS indicator_code, value, prev_value, yoy_value, {change('prev_now', 'prev_value')} AS mom,
       {change('yoy_now', 'yoy_value')} AS yoy, n_townships FROM cmp"""

# 总览's cards: the month's figures and 环比, flows' 1-N月累计 with its 同比, the spark line of the last twelve months
# (its last month left off where a township that reported in the twelve months up to it has not).
RAW_KEY_FIGURES = f"""WITH {FACTS},{compare_ctes('mon', 'FALSE')},{compare_ctes('yr', "kind = 'flow'")},
line AS (SELECT c, p, {agg('v', 'wv')} AS v FROM m WHERE p > $p - INTERVAL 12 MONTH GROUP BY c, p),
late AS (SELECT c, bool_or(h0) AND bool_or(NOT h0 AND last12) AS late
         FROM (SELECT c, t, bool_or(p = $p) AS h0, bool_or(p > $p - INTERVAL 12 MONTH) AS last12 FROM m GROUP BY c, t)
         GROUP BY c),
spark AS (SELECT c, list(v ORDER BY p) FILTER (p < $p OR NOT late) AS spark FROM line JOIN late USING (c) GROUP BY c)
SELECT c AS indicator_code, y.value, mon.value AS month_value, {change('mon.prev_now', 'mon.prev_value')} AS mom,
       {change('y.yoy_now', 'y.yoy_value')} AS yoy, mon.prev_value, y.yoy_value, mon.n_townships, spark.spark
FROM mon JOIN yr y USING (c) LEFT JOIN spark USING (c)"""

RAW_AVAILABLE = "SELECT DISTINCT period FROM fact WHERE is_current ORDER BY period DESC"

RAW_FIRST_OF_YEAR = """SELECT min(period) FROM fact
WHERE is_current AND period BETWEEN date_trunc('year', $p::DATE) AND $p"""

RAW_REPORTING = """SELECT (SELECT count(DISTINCT f.township_id) FROM fact f
                           JOIN township t ON t.id = f.township_id AND t.level = 'township'
                           WHERE f.is_current AND f.period = $p),
                          (SELECT count(*) FROM township WHERE level = 'township')"""

RAW_COMPLETENESS = """SELECT t.id AS township_id, coalesce(r.n, 0) AS indicators
FROM township t
LEFT JOIN (SELECT township_id, count(DISTINCT indicator_code) AS n FROM fact
           WHERE is_current AND period = $p GROUP BY township_id) r ON r.township_id = t.id
WHERE t.level = 'township'"""

# 重点关注: a township's month far from the median of its previous twelve (scored and ordered as documented in
# queries/watchlist.sql).
RAW_WATCHLIST = """WITH x AS (SELECT f.indicator_code AS c, f.township_id AS t, any_value(i.kind) AS kind,
        median(f.value) FILTER (f.period < $p) AS med, list(f.value) FILTER (f.period < $p) AS hist,
        max(f.value) FILTER (f.period = $p) AS v, max(f.value) FILTER (f.period = $p - INTERVAL 1 MONTH) AS pv
    FROM fact f
    JOIN indicator i ON i.code = f.indicator_code
    JOIN township tw ON tw.id = f.township_id AND tw.level = 'township'
    WHERE f.is_current AND f.period BETWEEN $p - INTERVAL 12 MONTH AND $p
    GROUP BY f.indicator_code, f.township_id),
d AS (SELECT c, sum(v) AS total FROM x GROUP BY c),
s AS (SELECT x.*, d.total, abs(v - med) AS dist,
             abs(v - med) / greatest(1.4826 * list_median(list_transform(hist, h -> abs(h - med))),
                                     CASE WHEN kind = 'flow' THEN 0.5 ELSE 0.1 END * abs(med),
                                     CASE WHEN kind = 'flow' THEN sqrt(abs(v)) + sqrt(abs(med))
                                          ELSE 2 * sqrt(abs(med)) END, 1.0) AS score
      FROM x JOIN d USING (c) WHERE v IS NOT NULL AND len(hist) >= 6)
SELECT c AS indicator_code, t AS township_id, v AS value, pv AS prev_value, med AS median, score,
       least(coalesce(dist / nullif(abs(med), 0), 10), 10) * coalesce(dist / nullif(abs(total), 0), 0) AS size
FROM s
WHERE score >= 3 AND dist >= CASE kind WHEN 'flow' THEN 0.1 WHEN 'stock' THEN 0.01 ELSE 0 END * abs(total)
  AND (pv IS NULL OR abs(v - pv) >= 0.5 * dist)
ORDER BY size DESC, score DESC LIMIT $limit"""

# 1-N月 progress: flows summed since January, stocks (and levels) at the month; the district's the townships' total.
RAW_TARGETS = f"""WITH w AS (SELECT indicator_code, township_id, period, value FROM fact
      WHERE is_current AND period = $p AND indicator_code IN (SELECT i.weight FROM target g
            JOIN indicator i ON i.code = g.indicator_code WHERE g.year = year($p::DATE))),
own AS (SELECT f.indicator_code AS c, f.township_id AS t, any_value(i.kind) AS kind,
               CASE WHEN any_value(i.kind) = 'flow' THEN sum(f.value) ELSE max(f.value) FILTER (f.period = $p) END
                   AS x, bool_or(f.period = $p) AS h, max(w.value) AS wv
        FROM fact f
        JOIN indicator i ON i.code = f.indicator_code
        JOIN township tw ON tw.id = f.township_id AND tw.level = 'township'
        LEFT JOIN w ON w.indicator_code = i.weight AND w.township_id = f.township_id AND w.period = f.period
        WHERE f.is_current AND f.period BETWEEN date_trunc('year', $p::DATE) AND $p
          AND f.indicator_code IN (SELECT indicator_code FROM target WHERE year = year($p::DATE))
        GROUP BY f.indicator_code, f.township_id),
district AS (SELECT c, CASE WHEN bool_or(h) THEN {agg('x', 'wv')} END AS x FROM own GROUP BY c)
SELECT g.indicator_code, g.township_id, g.value, coalesce(d.x, CASE WHEN o.h THEN o.x END) AS actual,
       coalesce(d.x, CASE WHEN o.h THEN o.x END) / g.value AS rate
FROM target g
JOIN township tw ON tw.id = g.township_id
LEFT JOIN district d ON tw.level = 'district' AND d.c = g.indicator_code
LEFT JOIN own o ON tw.level = 'township' AND o.c = g.indicator_code AND o.t = g.township_id
WHERE g.year = year($p::DATE)"""

# Trend lines by month: across townships by kind; with $ytd flows run from January.
RAW_SERIES_MONTH = f"""WITH {FACTS},
s AS (SELECT c, p, any_value(kind) AS kind, {agg('v', 'wv')} AS v, count(*) AS n FROM m GROUP BY c, p)
SELECT c AS indicator_code, p AS period,
       CASE WHEN $ytd AND kind = 'flow' THEN sum(v) OVER (PARTITION BY c, year(p) ORDER BY p) ELSE v END AS value,
       n AS n_townships
FROM s QUALIFY p >= $start"""

# Quarters or years: flows summed over the bucket's months, stocks and levels at its last month with data.
RAW_SERIES_BUCKET = f"""WITH {FACTS},
s AS (SELECT c, p, any_value(kind) AS kind, {agg('v', 'wv')} AS v, count(*) AS n FROM m GROUP BY c, p)
SELECT c AS indicator_code, date_trunc($grain, p)::DATE AS period,
       CASE WHEN any_value(kind) = 'flow' THEN sum(v) ELSE arg_max(v, p) END AS value,
       max(n) AS n_townships
FROM s GROUP BY c, date_trunc($grain, p)"""

# One township's own figures (a level averaged over one township is its own value).
RAW_PROFILE = """SELECT f.indicator_code, f.period, f.value, 1 AS n_townships FROM fact f
WHERE f.is_current AND f.township_id = $town AND f.period BETWEEN $lo AND $hi"""

# Months whose figure lacks a township that reported the indicator in the twelve months up to it (数据不全): for
# every month with data and township with any, its last report up to that month (as-of join).
RAW_INCOMPLETE = """WITH a AS (SELECT f.indicator_code AS c, f.township_id AS t, f.period AS p FROM fact f
      JOIN township tw ON tw.id = f.township_id AND tw.level = 'township'
      WHERE f.is_current AND f.indicator_code IN (SELECT unnest($codes))
        AND f.period BETWEEN $lo - INTERVAL 11 MONTH AND $hi),
due AS (SELECT DISTINCT c, p FROM a WHERE p >= $lo),
cand AS (SELECT d.c, d.p, x.t FROM due d JOIN (SELECT DISTINCT c, t FROM a) x USING (c))
SELECT DISTINCT cand.p AS period, cand.t AS township_id
FROM cand ASOF JOIN a ON a.c = cand.c AND a.t = cand.t AND a.p <= cand.p
WHERE a.p < cand.p AND a.p > cand.p - INTERVAL 12 MONTH"""

# 乡镇对比's ranking: each township's month with 环比 and 同比 of its own, ranked (1 = largest).
RAW_RANKING = f"""WITH v AS (SELECT t.id AS township_id, t.sort_order,
        max(f.value) FILTER (f.period = $p) AS value,
        max(f.value) FILTER (f.period = $p - INTERVAL 1 MONTH) AS prev_value,
        max(f.value) FILTER (f.period = $p - INTERVAL 12 MONTH) AS yoy_value
    FROM township t
    LEFT JOIN fact f ON f.township_id = t.id AND f.is_current AND f.indicator_code = $code
                    AND f.period IN ($p, $p - INTERVAL 1 MONTH, $p - INTERVAL 12 MONTH)
    WHERE t.level = 'township' GROUP BY t.id, t.sort_order)
SELECT township_id, value, prev_value, yoy_value, {change('value', 'prev_value')} AS mom,
       {change('value', 'yoy_value')} AS yoy,
       CASE WHEN value IS NOT NULL THEN rank() OVER (ORDER BY value DESC NULLS LAST) END AS rank
FROM v ORDER BY value IS NULL, rank, sort_order"""

RAW_MATRIX = """SELECT f.township_id, f.period, f.value FROM fact f
JOIN township t ON t.id = f.township_id AND t.level = 'township'
WHERE f.is_current AND f.indicator_code = $code AND f.period BETWEEN $lo AND $hi"""

# Per person by township and for the district (a stock denominator: per month of the period, here one).
RAW_DERIVED = """WITH x AS (SELECT f.township_id,
        max(f.value) FILTER (f.indicator_code = $num) AS numerator,
        max(f.value) FILTER (f.indicator_code = $den) AS denominator
    FROM fact f JOIN township t ON t.id = f.township_id AND t.level = 'township'
    WHERE f.is_current AND f.period = $p AND f.indicator_code IN ($num, $den) GROUP BY f.township_id)
SELECT township_id, numerator, denominator, numerator / nullif(denominator, 0) AS value FROM x
UNION ALL
SELECT NULL, sum(numerator), sum(denominator), sum(numerator) / nullif(sum(denominator), 0) FROM x"""

# 数据查询's township table over $lo–$hi: flows summed, stocks and levels at each township's last month with data.
RAW_QUERY_TABLE = """SELECT f.township_id, f.indicator_code,
       CASE WHEN any_value(i.kind) = 'flow' THEN sum(f.value) ELSE arg_max(f.value, f.period) END AS value
FROM fact f
JOIN indicator i ON i.code = f.indicator_code
JOIN township t ON t.id = f.township_id AND t.level = 'township'
WHERE f.is_current AND f.period BETWEEN $lo AND $hi AND f.indicator_code IN (SELECT unnest($codes))
GROUP BY f.township_id, f.indicator_code"""


# --------------------------------------------------------------------------------------------
# Cross-checks
# --------------------------------------------------------------------------------------------

class Differ(AssertionError):
    pass


def same(name: str, a: pd.DataFrame, b: pd.DataFrame, keys: Sequence[str], cols: Sequence[str],
         atol: float | pd.Series = 1e-6) -> None:
    """Rows of ``a`` and ``b`` with the same keys hold the same numbers in ``cols`` (NaN = NaN)."""
    def keyed(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        for k in keys:
            if k == "township_id":
                df[k] = pd.to_numeric(df[k]).fillna(-1).astype(int)
            elif k == "period":
                df[k] = pd.to_datetime(df[k])
        return df.set_index(list(keys)).sort_index()
    x, y = keyed(a), keyed(b)
    if len(x) == 0 or not x.index.equals(y.index):
        raise Differ(f"{name}: keys differ ({len(x)} vs {len(y)} rows; "
                     f"e.g. {x.index.symmetric_difference(y.index)[:3].tolist()})")
    for col in cols:
        u = pd.to_numeric(x[col], errors="coerce").to_numpy(float)
        v = pd.to_numeric(y[col], errors="coerce").to_numpy(float)
        ok = np.isclose(u, v, rtol=1e-9, atol=atol, equal_nan=True)
        if not ok.all():
            raise Differ(f"{name}: {col} differs at {x.index[~ok][:3].tolist()}: {u[~ok][:3]} vs {v[~ok][:3]}")


def check_compare(name: str) -> Callable[[pd.DataFrame, pd.DataFrame], None]:
    return lambda civ, raw: same(name, civ, raw, ["indicator_code"],
                                 ["value", "prev_value", "yoy_value", "mom", "yoy", "n_townships"])


def check_key_figures(civ: pd.DataFrame, raw: pd.DataFrame) -> None:
    same("key_figures", civ, raw, ["indicator_code"],
         ["value", "month_value", "mom", "yoy", "prev_value", "yoy_value", "n_townships"])
    theirs = raw.set_index("indicator_code")["spark"]
    for code, line in zip(civ["indicator_code"], civ["spark"], strict=True):
        other = [v for v in (theirs[code] if theirs[code] is not None else []) if pd.notna(v)]
        if len(line) != len(other) or not np.allclose(line, other, rtol=1e-9, atol=1e-6):
            raise Differ(f"key_figures: spark of {code} differs: {line[-3:]} vs {other[-3:]}")


def check_series(name: str, cols: Sequence[str] = ("value", "n_townships")) -> Callable[[Any, Any], None]:
    return lambda civ, raw: same(name, civ, raw, ["indicator_code", "period"], cols)


def check_incomplete(civ: dict[date, tuple[str, ...]], raw: pd.DataFrame, names: dict[int, str]) -> None:
    theirs: dict[date, set[str]] = {}
    for p, t in zip(raw["period"], raw["township_id"], strict=True):
        theirs.setdefault(pd.Timestamp(p).date(), set()).add(names[int(t)])
    ours = {p: set(n) for p, n in civ.items()}
    if ours != theirs:
        raise Differ(f"incomplete_buckets: {sorted(ours.items())[:2]} vs {sorted(theirs.items())[:2]}")


def check_ranking(civ: pd.DataFrame, raw: pd.DataFrame) -> None:
    same("township_values", civ, raw, ["township_id"], ["value", "prev_value", "yoy_value", "mom", "yoy", "rank"])
    if civ["township_id"].astype(int).tolist() != raw["township_id"].astype(int).tolist():
        raise Differ("township_values: ranking order differs")


def check_matrix(civ: pd.DataFrame, raw: pd.DataFrame) -> None:
    same("township_matrix", civ, raw, ["township_id", "period"], ["value"])


def check_table(civ: table.QueryTable, raw: pd.DataFrame, ids: dict[str, int]) -> None:
    """Each cell as shown (display unit, rounded half up) within half a unit of its last decimal of the raw value."""
    wide = raw.pivot(index="township_id", columns="indicator_code", values="value")
    for k, col in enumerate(civ.columns):
        factor = 1e-4 if col.unit == "万元" else 1.0
        theirs = wide[col.code].reindex([ids[label] for label in civ.labels[:-1]]).to_numpy(float) * factor
        ours = civ.values[:-1, k].astype(float)
        ok = (np.isnan(ours) & np.isnan(theirs)) | (np.abs(ours - theirs) <= 0.5 * 10.0 ** -col.decimals + 1e-9)
        if not ok.all():
            raise Differ(f"数据查询 table: column {col.code} differs: {ours[~ok][:3]} vs {theirs[~ok][:3]}")


# --------------------------------------------------------------------------------------------
# The cases: what each page asks, through civdash and through raw SQL
# --------------------------------------------------------------------------------------------

@dataclass
class Case:
    page: str
    name: str
    civdash: Callable[[], Any]
    raw: Callable[[], Any]
    check: Callable[[Any, Any], None]


def cases(con: duckdb.DuckDBPyConnection) -> list[Case]:
    latest = metrics.latest_period(con)
    first = metrics.first_period(con)
    inds = catalog.indicators(con)
    codes = [i.code for i in inds]
    towns = townships.townships(con)
    names = {t.id: t.name for t in towns}
    five = [towns[k * len(towns) // 5].id for k in range(5)]
    one = towns[len(towns) // 3].id
    derived = next(d for d in catalog.derived_indicators() if d.code == province.DERIVED_CODE)
    t12, t24, t36 = (add_months(latest, -k) for k in (11, 23, 35))
    prev, last_year = add_months(latest, -1), add_months(latest, -12)
    december = date(latest.year - 1, 12, 1)
    jan = date(latest.year, 1, 1)
    jan_before = date(latest.year - 1, 1, 1)

    def raw(sql: str, **params: Any) -> Callable[[], pd.DataFrame]:
        return lambda: con.execute(sql, params).df()

    def facts(codes_: Sequence[str], lo: date, hi: date, towns_: Sequence[int] = (), **more: Any) -> dict[str, Any]:
        return {"codes": list(codes_), "towns": list(towns_), "lo": lo, "hi": hi, **more}

    kf = facts(codes, min(jan_before, last_year), latest, p=latest, b1=prev, b2=last_year)
    kf_one = facts(codes, min(jan_before, last_year), latest, [one], p=latest, b1=prev, b2=last_year)
    table_request = table.TableRequest(QUERY_PAGE, jan, latest)
    ids = {t.name: t.id for t in towns}
    return [
        Case("共用", "available_months", lambda: metrics.available_months(con),
             lambda: [pd.Timestamp(p).date() for p in con.execute(RAW_AVAILABLE).df()["period"]],
             lambda a, b: _ok(a == b, "available_months differ")),
        Case("共用", "first_month_of_year", lambda: metrics.first_month_of_year(con, latest),
             lambda: pd.Timestamp(con.execute(RAW_FIRST_OF_YEAR, {"p": latest}).fetchone()[0]).date(),
             lambda a, b: _ok(a == b, f"first_month_of_year {a} vs {b}")),
        Case("总览", f"key_figures ({len(codes)} indicators)", lambda: metrics.key_figures(con, latest),
             raw(RAW_KEY_FIGURES, **kf), check_key_figures),
        Case("总览", "watchlist", lambda: metrics.watchlist(con, latest),
             raw(RAW_WATCHLIST, p=latest, limit=8),
             lambda a, b: same("watchlist", a, b, ["indicator_code", "township_id"],
                               ["value", "prev_value", "median", "score", "size"])),
        Case("总览", "reporting_summary", lambda: metrics.reporting_summary(con, latest),
             lambda: tuple(con.execute(RAW_REPORTING, {"p": latest}).fetchone()),
             lambda a, b: _ok(a == b, f"reporting_summary {a} vs {b}")),
        Case("总览", "completeness (one month)", lambda: metrics.completeness(con, latest, latest),
             raw(RAW_COMPLETENESS, p=latest),
             lambda a, b: same("completeness", a, b, ["township_id"], ["indicators"])),
        Case("总览", "target_progress", lambda: metrics.target_progress(con, latest), raw(RAW_TARGETS, p=latest),
             lambda a, b: same("target_progress", a, b, ["indicator_code", "township_id"], ["value", "actual", "rate"])),
        Case("趋势分析", "series 3 ind × 36 months", lambda: metrics.series(con, TREND, t36, latest),
             raw(RAW_SERIES_MONTH, **facts(TREND, t36, latest), start=t36, ytd=False), check_series("series month")),
        Case("趋势分析", "series 36 months, 累计", lambda: metrics.series(con, TREND, t36, latest, ytd=True),
             raw(RAW_SERIES_MONTH, **facts(TREND, date(t36.year, 1, 1), latest), start=t36, ytd=True),
             check_series("series ytd")),
        Case("趋势分析", "series 36 months, quarter", lambda: metrics.series(con, TREND, t36, latest, "quarter"),
             raw(RAW_SERIES_BUCKET, **facts(TREND, pd.Timestamp(t36).to_period("Q").start_time.date(), latest),
                 grain="quarter"), check_series("series quarter")),
        Case("趋势分析", "series all years, year", lambda: metrics.series(con, TREND, first, latest, "year"),
             raw(RAW_SERIES_BUCKET, **facts(TREND, date(first.year, 1, 1), latest), grain="year"),
             check_series("series year")),
        Case("趋势分析", "series 36 months, 5 townships",
             lambda: metrics.series(con, TREND, t36, latest, townships=five),
             raw(RAW_SERIES_MONTH, **facts(TREND, t36, latest, five), start=t36, ytd=False),
             check_series("series 5 townships")),
        Case("趋势分析", "incomplete_buckets 36 months",
             lambda: metrics.incomplete_buckets(con, TREND, t36, latest),
             raw(RAW_INCOMPLETE, codes=list(TREND), lo=t36, hi=latest), lambda a, b: check_incomplete(a, b, names)),
        Case("乡镇对比", f"township_values (rank {len(towns)})", lambda: metrics.township_values(con, RANK, latest),
             raw(RAW_RANKING, code=RANK, p=latest), check_ranking),
        Case("乡镇对比", "township_matrix (12 months)", lambda: metrics.township_matrix(con, HEATMAP, t12, latest),
             raw(RAW_MATRIX, code=HEATMAP, lo=t12, hi=latest), check_matrix),
        Case("乡镇对比", "derived_values (per person)", lambda: metrics.derived_values(con, derived, latest),
             raw(RAW_DERIVED, num=derived.numerator, den=derived.denominator, p=latest),
             lambda a, b: same("derived_values", a, b, ["township_id"], ["numerator", "denominator", "value"])),
        Case("乡镇对比", f"township profile ({len(codes)} ind × 24 months)",
             lambda: metrics.series(con, codes, t24, latest, townships=[one]),
             raw(RAW_PROFILE, town=one, lo=t24, hi=latest), check_series("profile")),
        Case("乡镇对比", "key_figures (one township)", lambda: metrics.key_figures(con, latest, townships=(one,)),
             raw(RAW_KEY_FIGURES, **kf_one), check_key_figures),
        Case("会议模式", "series 3 ind × 12 months 累计", lambda: metrics.series(con, TREND, jan_before, latest, ytd=True),
             raw(RAW_SERIES_MONTH, **facts(TREND, jan_before, latest), start=jan_before, ytd=True),
             check_series("meeting ytd")),
        Case("数据查询", "table: townships × 8 indicators, 1-N月", lambda: table.build(con, table_request),
             raw(RAW_QUERY_TABLE, codes=list(QUERY_PAGE), lo=jan, hi=latest),
             lambda a, b: check_table(a, b, ids)),
        Case("汇报材料", f"compare {len(codes)} ind, 1-N月累计 (report's figures)",
             lambda: metrics.compare(con, codes, latest, ytd=True, prev=december),
             raw(RAW_COMPARE, **facts(codes, jan_before, latest), p=latest, b1=december, b2=last_year, ytd=True),
             check_compare("report compare")),
        Case("汇报材料", "report.build (whole report)",
             lambda: report.build(con, report.ReportPeriod.of("ytd", latest), made_on=latest),
             raw(RAW_COMPARE, **facts(codes, jan_before, latest), p=latest, b1=december, b2=last_year, ytd=True),
             lambda a, b: None),
    ]


def _ok(cond: bool, message: str) -> None:
    if not cond:
        raise Differ(message)




# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------

@dataclass
class Timed:
    page: str
    name: str
    civ_ms: float
    raw_ms: float

    @property
    def ratio(self) -> float:
        return self.civ_ms / self.raw_ms


def _ms(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def run(con: duckdb.DuckDBPyConnection, repeat: int, log: Callable[[str], None] = print,
        check_only: bool = False) -> list[Timed]:
    """Cross-check every case (raises ``Differ``), then time both sides interleaved: median of ``repeat`` runs after
    the warm-up that was checked."""
    out = []
    for case in cases(con):
        case.check(case.civdash(), case.raw())
        if check_only:
            log(f"  {case.page:<5} {case.name:<44} agree")
            continue
        civ, raw = [], []
        for _ in range(repeat):
            civ.append(_ms(case.civdash))
            raw.append(_ms(case.raw))
        r = Timed(case.page, case.name, statistics.median(civ), statistics.median(raw))
        log(f"  {case.page:<5} {case.name:<44} civdash {r.civ_ms:8.1f} ms   raw {r.raw_ms:8.1f} ms   {r.ratio:5.2f}×")
        out.append(r)
    return out


def table_md(results: list[Timed]) -> str:
    lines = ["| page | query | civdash ms | raw SQL ms | ratio | ≤ 3× |", "|---|---|---:|---:|---:|:---:|"]
    for r in results:
        lines.append(f"| {r.page} | {r.name} | {r.civ_ms:.1f} | {r.raw_ms:.1f} | {r.ratio:.2f} | "
                     f"{'yes' if r.ratio <= GOAL else '**no**'} |")
    return "\n".join(lines)


def open_db(n_towns: int, years: int, until: date, log: Callable[[str], None] = print) -> Path:
    path = province.default_db_path(n_towns, years)
    if not province.cached_db_ok(path, n_towns, years, until):
        log(f"  building {n_towns} townships × {years} years up to {month_key(until)} at {path} …")
        province.build_province(path, n_towns, years, until, log=log)
    return path


# --------------------------------------------------------------------------------------------
# Growth: one process per database (Streamlit's caches and the app's connection are per process)
# --------------------------------------------------------------------------------------------

def one_size(path: Path, repeat: int, page_repeat: int) -> dict[str, Any]:
    """Per page: its queries' civdash time (sum of medians) and AppTest's cold and warm page runs."""
    con = db.connect(path, read_only=True)
    facts = con.execute("SELECT count(*) FROM fact WHERE is_current").fetchone()[0]
    results = run(con, repeat, log=lambda _: None)
    con.close()
    queries_ms: dict[str, float] = {}
    for r in results:
        queries_ms[r.page] = queries_ms.get(r.page, 0.0) + r.civ_ms
    saved = province.PAGES
    province.PAGES = PAGES
    try:
        pages = province.run_pages(path, page_repeat, province.SqlSwitch(None), log=lambda _: None) or []
    finally:
        province.PAGES = saved
    return {"facts": facts, "queries_ms": queries_ms,
            "cold_ms": {p.title: p.cold * 1000 for p in pages if not p.error},
            "warm_ms": {p.title: p.warm * 1000 for p in pages if not p.error},
            "errors": {p.title: p.error for p in pages if p.error}}


def growth(repeat: int, page_repeat: int, until: date) -> str:
    rows = []
    for n_towns, years in GROWTH:
        path = open_db(n_towns, years, until)
        print(f"  {n_towns} townships × {years} years … ({province.load_average()})", flush=True)
        proc = subprocess.run([sys.executable, "-m", "tests.benchmarks.queries", "--one-size", str(path),
                               "--repeat", str(repeat), "--page-repeat", str(page_repeat)],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{path.name}: {proc.stderr[-2000:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        got["size"] = f"{n_towns} × {years} y"
        for title, err in got["errors"].items():
            print(f"    {title} failed under AppTest: {err}")
        rows.append(got)
    base = rows[0]
    titles = [t for t, _ in PAGES]
    head = "| townships × years | facts | " + " | ".join(
        f"{t} queries / cold / warm ms" for t in titles) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(titles)]
    for r in rows:
        cells = []
        for t in titles:
            q, c, w = r["queries_ms"].get(t, math.nan), r["cold_ms"].get(t, math.nan), r["warm_ms"].get(t, math.nan)
            cells.append(f"{q:.0f} / {c:.0f} / {w:.0f}")
        lines.append(f"| {r['size']} | {r['facts']:,} | " + " | ".join(cells) + " |")
    lines += ["", "Ratio to the smallest database (facts; each page's queries / cold / warm):", "",
              "| townships × years | facts × | " + " | ".join(titles) + " |",
              "|---|---:|" + "---:|" * len(titles)]
    for r in rows:
        cells = []
        for t in titles:
            parts = [r[k].get(t, math.nan) / base[k].get(t, math.nan) for k in ("queries_ms", "cold_ms", "warm_ms")]
            cells.append(" / ".join(f"{x:.1f}" for x in parts))
        lines.append(f"| {r['size']} | {r['facts'] / base['facts']:.1f} | " + " | ".join(cells) + " |")
    big = rows[-1]
    grow = {k: big[k].get("总览", math.nan) / base[k].get("总览", math.nan) for k in ("queries_ms", "cold_ms")}
    facts_x = big["facts"] / base["facts"]
    verdict = all(g < facts_x for g in grow.values())
    lines += ["", f"总览 from {base['size']} to {big['size']}: facts ×{facts_x:.1f}, its queries ×{grow['queries_ms']:.1f}, "
              f"its cold page run ×{grow['cold_ms']:.1f}: " + ("sub-linear in facts" if verdict else
                                                               "**not** sub-linear in facts")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.queries", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None, help="database file (default: the cached province database)")
    parser.add_argument("--townships", type=int, default=1500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--until", default=None, help="last month YYYY-MM (default: the last complete month)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query after the checked warm-up")
    parser.add_argument("--page-repeat", type=int, default=3, help="AppTest runs per page (cold and warm), --growth")
    parser.add_argument("--check-only", action="store_true", help="cross-check only, no timing (the smoke test)")
    parser.add_argument("--growth", action="store_true", help="page times for 100–1,500 townships × 3 and 10 years")
    parser.add_argument("--one-size", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_size:
        print(json.dumps(one_size(args.one_size, args.repeat, args.page_repeat), ensure_ascii=False))
        return 0
    until = parse_month(args.until) if args.until else last_complete_month()
    info = province.machine()
    print(f"civdash page queries against raw SQL — {info['cpus']} CPUs, DuckDB {info['duckdb']}, "
          f"pandas {info['pandas']}; {province.load_average()}")
    if args.growth:
        print(growth(args.repeat, args.page_repeat, until))
        print(f"at the end: {province.load_average()}")
        return 0
    if args.db:
        path = args.db
        if not province.cached_db_ok(path, args.townships, args.years, until):
            province.build_province(path, args.townships, args.years, until)
    else:
        path = open_db(args.townships, args.years, until)
    con = db.connect(path, read_only=True)
    n = con.execute("SELECT count(*) FROM fact WHERE is_current").fetchone()[0]
    print(f"{path.name}: {n:,} current facts; median of {args.repeat} runs after a checked warm-up")
    try:
        results = run(con, args.repeat, check_only=args.check_only)
    except Differ as exc:
        print(f"DIFFER: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    if args.check_only:
        print("results agree")
        return 0
    print("results agree (civdash and the raw SQL give the same numbers for every query)\n")
    print(table_md(results))
    over = [r.name for r in results if r.ratio > GOAL]
    print(f"\n≤ {GOAL:.0f}× raw SQL: " + ("every query" if not over else f"missed by {', '.join(over)}"))
    print(f"at the end: {province.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
