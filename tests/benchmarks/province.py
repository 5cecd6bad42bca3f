"""Province-scale benchmark: civdash's page queries against the same aggregations in pandas.

Builds (or reuses) a database of 1,500 synthetic townships × 10 years × every catalog indicator
(about 5.2 million current facts) through civdash's own code, then, in one process:

1. times every query the leaders' pages run, through the public ``civdash.analysis.metrics`` functions
   (median and p95 over ``--repeat`` runs after one warm-up);
2. loads the same facts into a pandas DataFrame held in memory (load timed separately) and times
   the same aggregations done in plain pandas, as the baseline;
3. checks that both give the same numbers (the script stops with an AssertionError otherwise);
4. times full page runs of the Streamlit pages under ``AppTest`` against the same database.

Speed is measured here, never asserted: the script prints figures and the ratio to the baseline.
Targets (from the issue): each query under 150 ms median, a full page run under 1.5 s.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.province                # full scale, cached database
    .venv/bin/python tests/benchmarks/province.py --townships 100 --years 3 --repeat 3   # quick
    .venv/bin/python -m tests.benchmarks.province --rebuild --report tests/benchmarks/output/report.md

The database is cached under ``tests/benchmarks/output/`` (git-ignored) and reused while its
township count, month count and last month match the request.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import inspect
import logging
import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/province.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from civdash import demo  # noqa: E402
from civdash.analysis import metrics  # noqa: E402
from civdash.domain import catalog, townships  # noqa: E402
from civdash.domain.periods import (  # noqa: E402
    Grain,
    add_months,
    bucket_end,
    bucket_start,
    last_complete_month,
    month_key,
    parse_month,
    previous_bucket,
    same_bucket_last_year,
)
from civdash.store import db  # noqa: E402

OUTPUT_DIR = Path(__file__).resolve().parent / "output"
QUERY_TARGET_MS = 150.0
PAGE_TARGET_S = 1.5
PAGES = [("总览", "pages/overview.py"), ("趋势分析", "pages/trend.py"), ("乡镇对比", "pages/compare.py"),
         ("会议模式", "pages/meeting.py")]
DISTRICT_NAME = "基准测试市"
DISTRICT_CODE = "519900"
# Indicators the trend and compare queries use: a stock, a flow and a weighted level.
TREND_CODES = ("dibao_rural_persons", "dibao_rural_funds", "dibao_rural_standard")
RANK_CODE = "dibao_rural_persons"
HEATMAP_CODE = "temp_relief_funds"
DERIVED_CODE = "dibao_rural_per_person"
KINDS = ("stock", "flow", "level")


# --------------------------------------------------------------------------------------------
# Building the province database
# --------------------------------------------------------------------------------------------

def default_db_path(n_towns: int, years: int) -> Path:
    return OUTPUT_DIR / f"province-{n_towns}t-{years}y.duckdb"


def town_type(i: int) -> str:
    """20% 街道, 50% 镇, 30% 乡, interleaved so every slice of the list mixes them."""
    k = i % 10
    return "街道" if k < 2 else "镇" if k < 7 else "乡"


def town_name(i: int) -> str:
    return f"第{i + 1:04d}{town_type(i)}"


def bench_months(years: int, until: date) -> list[date]:
    n = 12 * years
    return [add_months(until, k - n + 1) for k in range(n)]


def _expected_meta(n_towns: int, years: int, until: date) -> dict[str, str]:
    return {"bench_townships": str(n_towns), "bench_months": str(12 * years), "bench_until": month_key(until)}


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """The options naming the province database a benchmark serves: ``--db``, ``--townships``, ``--years``,
    ``--until`` (read back by ``served_database``)."""
    parser.add_argument("--db", type=Path, default=None, help="province database (default: the cached one)")
    parser.add_argument("--townships", type=int, default=1500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--until", default=None, help="last month YYYY-MM (default: the last complete month)")


def busy(path: Path) -> bool:
    """True when another process holds ``path`` open (a benchmark running)."""
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as exc:
        return "lock" in str(exc).lower()
    return False


def served_database(args: argparse.Namespace, log: Callable[[str], None] = print) -> Path | None:
    """The database ``add_database_options``'s options name, built when the cached one does not match them; None
    (said on stderr) when another process holds it open, so it is not rebuilt under its feet."""
    until = parse_month(args.until) if args.until else last_complete_month()
    path = args.db or default_db_path(args.townships, args.years)
    if path.exists() and busy(path):
        print(f"{path} is open in another process (a benchmark running?); not rebuilding it under its feet",
              file=sys.stderr)
        return None
    if cached_db_ok(path, args.townships, args.years, until):
        log(f"database: {path} (cached)")
    else:
        log(f"database: building {path} ({args.townships} townships × {args.years} years) …")
        build_province(path, args.townships, args.years, until, log=log)
    return path


def cached_db_ok(path: Path, n_towns: int, years: int, until: date) -> bool:
    """True when ``path`` holds a finished benchmark database of the requested size."""
    if not path.exists():
        return False
    try:
        con = db.connect(path, read_only=True)
    except Exception:
        return False
    try:
        return all(db.get_meta(con, k) == v for k, v in _expected_meta(n_towns, years, until).items())
    except Exception:
        return False
    finally:
        con.close()


def plant_anomalies(values: dict[str, np.ndarray]) -> None:
    """A few latest-month moves big enough for 重点关注 (watchlist) to list at any scale."""
    n = values["dibao_rural_persons"].shape[0]
    values["dibao_rural_persons"][9 % n, -1] += 150          # stock: +150 people (district total ~9,100)
    values["temp_relief_funds"][19 % n, -1] = 30000.0         # flow: a 30,000 元 month (district ~80,000)
    values["marriage_registrations"][29 % n, -1] += 60        # flow: +60 couples (district ~220)


def build_province(path: Path, n_towns: int, years: int, until: date, log: Callable[[str], None] = print) -> dict:
    """Create the benchmark database at ``path`` (replacing it); returns timings and counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    months = bench_months(years, until)
    t0 = time.perf_counter()
    con = db.connect(tmp)
    info: dict[str, Any] = {}
    try:
        with db.transaction(con):
            catalog.seed(con)
            t = time.perf_counter()
            district_id = townships.register(con, DISTRICT_NAME, code=DISTRICT_CODE, type_="区县",
                                             level="district", sort_order=0)
            for i in range(n_towns):
                townships.register(con, town_name(i), code=f"51{i + 1:07d}", type_=town_type(i), sort_order=i + 1)
            info["register_s"] = time.perf_counter() - t
            towns = townships.townships(con)
            t = time.perf_counter()
            values = demo.generate([tw.type or "镇" for tw in towns], months)
            plant_anomalies(values)
            info["generate_s"] = time.perf_counter() - t
            batch_id = con.execute(
                "INSERT INTO batch (user_name, source, note) VALUES ('基准测试', 'demo', '省级规模基准测试数据')"
                " RETURNING id").fetchone()[0]
            con.execute("INSERT INTO batch_file (batch_id, file_no, file_name) VALUES (?, 1, '基准测试数据（自动生成）')",
                        [batch_id])
            t = time.perf_counter()
            # The last township has not reported the latest month (as in a real month's first days).
            info["facts"] = demo.insert_facts(con, values, [tw.id for tw in towns], months, batch_id,
                                              skip={(len(towns) - 1, len(months) - 1)}, sheet="基准测试数据")
            info["insert_s"] = time.perf_counter() - t
            del values
            set_targets = getattr(demo, "_set_targets", None)   # the demo district's yearly targets
            if set_targets is not None:
                set_targets(con, district_id, towns, until.year)
            else:
                log("  (civdash.demo._set_targets is gone: no targets, target_progress will be trivial)")
            db.set_meta(con, "district_name", DISTRICT_NAME)
            for k, v in _expected_meta(n_towns, years, until).items():
                db.set_meta(con, k, v)
            db.bump_data_version(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    path.with_name(path.name + ".wal").unlink(missing_ok=True)   # never replay an old log onto the new file
    os.replace(tmp, path)
    info["total_s"] = time.perf_counter() - t0
    log(f"  registered {n_towns} townships in {info['register_s']:.1f} s, generated values in "
        f"{info['generate_s']:.1f} s, inserted {info['facts']:,} facts in {info['insert_s']:.1f} s")
    return info


# --------------------------------------------------------------------------------------------
# The pandas baseline: the same aggregations on the facts held in memory
# --------------------------------------------------------------------------------------------

def _mi(d: date) -> int:
    """Month index: months since year 0."""
    return d.year * 12 + d.month - 1


def _date(mi: int) -> date:
    return date(mi // 12, mi % 12 + 1, 1)


def _trunc(mi: np.ndarray | int, grain: Grain):
    if grain == "month":
        return mi
    if grain == "quarter":
        return mi - mi % 12 % 3
    return mi - mi % 12


@dataclass
class Memory:
    """The current facts and the small reference tables, held in memory as pandas frames.

    ``facts`` has integer columns for speed: ``ind`` (position in ``codes``), ``town`` (township id),
    ``mi`` (month index), ``value``, ``kind`` (0 stock, 1 flow, 2 level, per indicator), ``wind``
    (the level's weight indicator, -1 for none) and ``is_town`` (township level, not the district row).
    """

    facts: pd.DataFrame
    codes: list[str]
    kind: np.ndarray          # per indicator position
    wind: np.ndarray          # per indicator position
    towns: pd.DataFrame       # id, name, code, sort_order, level
    targets: pd.DataFrame
    code_pos: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.code_pos = {c: i for i, c in enumerate(self.codes)}

    def pos(self, codes: Sequence[str]) -> list[int]:
        return [self.code_pos[c] for c in codes]


def load_memory(con: duckdb.DuckDBPyConnection) -> Memory:
    """Read every current fact joined with its indicator kind and township level into pandas."""
    inds = catalog.indicators(con)
    codes = [i.code for i in inds]
    kind = np.array([KINDS.index(i.kind) for i in inds], dtype=np.int8)
    wind = np.array([codes.index(i.weight) if i.weight else -1 for i in inds], dtype=np.int16)
    # Coded to small integers on the way out (DuckDB does the string → number mapping of the
    # load; the timed pandas aggregations then work on numbers, as a careful pandas user would),
    # and sorted, so that groupby keeps months in order (year-to-date sums, "last month").
    facts = con.execute(
        """SELECT (list_position($codes, f.indicator_code) - 1)::SMALLINT AS ind,
                  f.township_id::INTEGER AS town,
                  (year(f.period) * 12 + month(f.period) - 1)::INTEGER AS mi,
                  f.value,
                  (CASE i.kind WHEN 'stock' THEN 0 WHEN 'flow' THEN 1 ELSE 2 END)::TINYINT AS kind,
                  coalesce(list_position($codes, i.weight) - 1, -1)::SMALLINT AS wind,
                  t.level = 'township' AS is_town
           FROM fact f
           JOIN indicator i ON i.code = f.indicator_code
           JOIN township t ON t.id = f.township_id
           WHERE f.is_current
           ORDER BY ind, town, mi""", {"codes": codes}).df()
    towns = con.execute("SELECT id, name, code, sort_order, level FROM township").df()
    targets = con.execute(
        "SELECT g.indicator_code, g.township_id, t.level, g.year, g.value FROM target g "
        "JOIN township t ON t.id = g.township_id").df()
    return Memory(facts, codes, kind, wind, towns, targets)


def _pd_series(mem: Memory, indicators: Sequence[str], start: date, end: date, grain: Grain = "month",
               ytd: bool = False, towns: Sequence[int] = (), by_township: bool = False,
               without: Sequence[int] = ()) -> pd.DataFrame:
    """queries/series.sql in pandas; integer columns ind, town (-1 = whole selection), mi, value,
    last_month (mi), months, n_townships."""
    f = mem.facts
    s0 = _mi(bucket_start(start, grain))
    e = _mi(bucket_end(end, grain))
    lo = s0 - s0 % 12
    pos = mem.pos(indicators)
    mask = f["ind"].isin(pos).to_numpy() & (f["mi"].to_numpy() >= lo) & (f["mi"].to_numpy() <= e) \
        & f["is_town"].to_numpy()
    if towns:
        mask &= f["town"].isin(list(towns)).to_numpy()
    if without:
        mask &= ~f["town"].isin(list(without)).to_numpy()
    sel = f.loc[mask, ["ind", "town", "mi", "value", "kind", "wind"]]
    # Weighted levels: attach the weight indicator's value of the same township and month.
    wpos = sorted(set(int(w) for w in mem.wind[pos] if w >= 0))
    if wpos:
        wm = f["ind"].isin(wpos).to_numpy() & (f["mi"].to_numpy() >= lo) & (f["mi"].to_numpy() <= e)
        w = f.loc[wm, ["ind", "town", "mi", "value"]].rename(columns={"ind": "wind", "value": "w"})
        sel = sel.merge(w, on=["wind", "town", "mi"], how="left", sort=False)
    else:
        sel = sel.assign(w=np.nan)
    is_level = sel["kind"].to_numpy() == 2
    if by_township:
        # One fact per (indicator, township, month): the spatial step is the identity except for
        # weighted levels, where sum(v·w)/sum(w) of one row is v (also when w is 0: the plain average).
        v = sel["value"].to_numpy()
        lvl = v
        sp = pd.DataFrame({"ind": sel["ind"].to_numpy(), "town": sel["town"].to_numpy(), "mi": sel["mi"].to_numpy(),
                           "value": np.where(is_level, lvl, v), "n": 1})
    else:
        sel = sel.assign(vw=sel["value"] * sel["w"])
        g = sel.groupby(["ind", "mi"], sort=True)
        vsum = g["value"].sum()
        n = g.size()
        if is_level.any():
            vmean = g["value"].mean()
            vwsum = g["vw"].sum(min_count=1)
            wsum = g["w"].sum(min_count=1)
        else:
            vmean = vwsum = wsum = vsum * np.nan
        ind = vsum.index.get_level_values("ind").to_numpy()
        lvl = np.where(wsum.isna() | (wsum == 0), vmean, vwsum / wsum.where(wsum != 0))
        sp = pd.DataFrame({"ind": ind, "town": -1, "mi": vsum.index.get_level_values("mi").to_numpy(),
                           "value": np.where(mem.kind[ind] == 2, lvl, vsum.to_numpy()), "n": n.to_numpy()})
    kind = mem.kind[sp["ind"].to_numpy()]
    if ytd and (kind == 1).any():
        cum = sp.groupby([sp["ind"], sp["town"], sp["mi"] // 12], sort=False)["value"].cumsum()
        sp["value"] = np.where(kind == 1, cum.to_numpy(), sp["value"].to_numpy())
    sp["bucket"] = _trunc(sp["mi"].to_numpy(), grain)
    sp = sp[sp["bucket"].to_numpy() >= s0]
    if grain == "month":
        out = sp.rename(columns={"mi": "last_month"}).assign(months=1)
        out["mi"] = out["bucket"]
    else:
        g = sp.groupby(["ind", "town", "bucket"], sort=True)
        total = g["value"].sum()
        last = g["value"].last()
        flow_sum = (mem.kind[total.index.get_level_values("ind").to_numpy()] == 1) & (not ytd)
        out = pd.DataFrame({"value": np.where(flow_sum, total.to_numpy(), last.to_numpy()),
                            "last_month": g["mi"].max().to_numpy(), "months": g.size().to_numpy(),
                            "n": g["n"].max().to_numpy()}, index=total.index).reset_index()
        out["mi"] = out["bucket"]
    return out[["ind", "town", "mi", "value", "last_month", "months", "n"]].reset_index(drop=True)


def pd_series(mem: Memory, indicators: Sequence[str], start: date, end: date, grain: Grain = "month",
              ytd: bool = False, towns: Sequence[int] = (), by_township: bool = False) -> pd.DataFrame:
    """The pandas counterpart of ``metrics.series``: same columns (without township names)."""
    df = _pd_series(mem, indicators, start, end, grain, ytd, towns, by_township)
    dates = {m: _date(int(m)) for m in np.unique(np.concatenate([df["mi"].to_numpy(), df["last_month"].to_numpy()]))}
    return pd.DataFrame({
        "indicator_code": np.asarray(mem.codes, dtype=object)[df["ind"].to_numpy()],
        "township_id": df["town"].to_numpy() if by_township else np.nan,
        "period": df["mi"].map(dates), "value": df["value"],
        "last_month": df["last_month"].map(dates), "months": df["months"], "n_townships": df["n"],
    })


def _ratio(value: pd.Series, base: pd.Series) -> pd.Series:
    base = base.where(base != 0)
    return (value - base) / base.abs()


def _left_out(mem: Memory, ind: int, towns: Sequence[int], a: tuple[int, int], b: tuple[int, int]) -> list[int]:
    """Townships to leave out of comparing the months ``a`` with ``b`` (month indices, inclusive) like for like:
    those with the indicator in some month of either that has data (any township's) but not in all of them."""
    f = mem.facts
    mi = f["mi"].to_numpy()
    mask = (f["ind"].to_numpy() == ind) & f["is_town"].to_numpy() & (
        ((mi >= a[0]) & (mi <= a[1])) | ((mi >= b[0]) & (mi <= b[1])))
    if towns:
        mask &= f["town"].isin(list(towns)).to_numpy()
    rows = f.loc[mask, ["town", "mi"]]
    months = rows["mi"].nunique()
    per_town = rows.groupby("town")["mi"].nunique()
    return sorted(int(t) for t in per_town.index[per_town.to_numpy() < months])


def _expected_missing(mem: Memory, ind: int, towns: Sequence[int], first: int, last: int) -> list[int]:
    """Townships that reported the indicator in the twelve months up to some month of ``first``–``last`` that has
    data, but not in that month."""
    f = mem.facts
    mi = f["mi"].to_numpy()
    mask = (f["ind"].to_numpy() == ind) & f["is_town"].to_numpy() & (mi >= first - 11) & (mi <= last)
    if towns:
        mask &= f["town"].isin(list(towns)).to_numpy()
    rows = f.loc[mask, ["town", "mi"]]
    out: set[int] = set()
    for m in sorted(set(rows["mi"]) & set(range(first, last + 1))):
        recent = set(rows.loc[(rows["mi"] >= m - 11) & (rows["mi"] <= m), "town"])
        out |= recent - set(rows.loc[rows["mi"] == m, "town"])
    return sorted(out)


def pd_compare(mem: Memory, indicators: Sequence[str], period: date, grain: Grain = "month", ytd: bool = False,
               towns: Sequence[int] = (), by_township: bool = False) -> pd.DataFrame:
    """The pandas counterpart of ``metrics.compare``: value, prev_value, yoy_value, mom, yoy per key. The district's
    changes like for like (a township not reporting throughout both periods is left out of both); flows of a bucket
    the data do not fill are not compared."""
    cur = _mi(bucket_start(period, grain))
    prev, last_year = previous_bucket(period, grain), same_bucket_last_year(period, grain)
    df = _pd_series(mem, indicators, min(prev, last_year), period, grain, ytd, towns, by_township)
    wide = df.set_index(["ind", "town", "mi"])["value"].unstack("mi")
    months = df.set_index(["ind", "town", "mi"])["months"].unstack("mi")
    n = df[df["mi"] == cur].set_index(["ind", "town"])["n"]
    pos = mem.pos(indicators)
    if by_township:
        reg = mem.towns[mem.towns["level"] == "township"]
        if towns:
            reg = reg[reg["id"].isin(list(towns))]
        grid = pd.MultiIndex.from_product([pos, reg["id"].to_numpy()], names=["ind", "town"])
    else:
        grid = pd.MultiIndex.from_product([pos, [-1]], names=["ind", "town"])
    wide, months = wide.reindex(grid), months.reindex(grid)

    def col(frame: pd.DataFrame, mi: int) -> pd.Series:
        return frame[mi] if mi in frame.columns else pd.Series(np.nan, index=grid)

    out = pd.DataFrame({"value": col(wide, cur), "prev_value": col(wide, _mi(prev)),
                        "yoy_value": col(wide, _mi(last_year)), "n_townships": n.reindex(grid)}, index=grid)
    out["prev_now"] = out["yoy_now"] = out["value"]
    step = {"month": 1, "quarter": 3, "year": 12}[grain]
    if not by_township:
        for p in pos:
            def span(mi: int, p: int = p) -> tuple[int, int]:
                return (mi - mi % 12 if ytd and mem.kind[p] == 1 else mi), mi + step - 1
            for base, now_col, base_col in ((prev, "prev_now", "prev_value"), (last_year, "yoy_now", "yoy_value")):
                left = _left_out(mem, p, towns, span(cur), span(_mi(base)))
                if left:
                    again = _pd_series(mem, [mem.codes[p]], min(prev, last_year), period, grain, ytd, towns,
                                       without=left).set_index("mi")["value"]
                    out.loc[(p, -1), now_col] = again.get(cur, np.nan)
                    out.loc[(p, -1), base_col] = again.get(_mi(base), np.nan)
    flow = mem.kind[out.index.get_level_values("ind").to_numpy()] == 1
    partial = col(months, cur).to_numpy() < step
    for base, now_col, base_col in ((prev, "prev_now", "prev_value"), (last_year, "yoy_now", "yoy_value")):
        gone = flow & (partial | (col(months, _mi(base)).to_numpy() < step))
        out.loc[gone, [now_col, base_col]] = np.nan
    out["mom"] = _ratio(out["prev_now"], out["prev_value"])
    out["yoy"] = _ratio(out["yoy_now"], out["yoy_value"])
    out = out.reset_index()
    out["indicator_code"] = np.asarray(mem.codes, dtype=object)[out["ind"].to_numpy()]
    out["township_id"] = out["town"].where(out["town"] >= 0)
    if by_township:
        names = mem.towns.set_index("id")
        out["township"] = out["town"].map(names["name"])
        out["sort_order"] = out["town"].map(names["sort_order"])
    return out.drop(columns=["ind", "town"])


def pd_key_figures(mem: Memory, period: date, towns: Sequence[int] = (), spark_months: int = 12) -> pd.DataFrame:
    """``metrics.key_figures``: flows year-to-date in ``value``, the month's own in ``month_value``;
    the spark line holds the last months' own values."""
    monthly = pd_compare(mem, mem.codes, period, "month", towns=towns).set_index("indicator_code")
    ytd = pd_compare(mem, mem.codes, period, "month", ytd=True, towns=towns).set_index("indicator_code")
    spark = pd_series(mem, mem.codes, add_months(period, -(spark_months - 1)), period, "month", towns=towns)
    # the line stops before a last month that lacks an expected township
    pm = _mi(period)
    late = {mem.codes[p] for p in range(len(mem.codes)) if _expected_missing(mem, p, towns, pm, pm)}
    spark = spark[(spark["period"] < period) | ~spark["indicator_code"].isin(late)]
    sparks = spark.sort_values("period").groupby("indicator_code", sort=False)["value"].agg(list)
    return pd.DataFrame({
        "indicator_code": mem.codes,
        "value": ytd["value"].reindex(mem.codes).to_numpy(),
        "month_value": monthly["value"].reindex(mem.codes).to_numpy(),
        "mom": monthly["mom"].reindex(mem.codes).to_numpy(),
        "yoy": ytd["yoy"].reindex(mem.codes).to_numpy(),
        "prev_value": monthly["prev_value"].reindex(mem.codes).to_numpy(),
        "yoy_value": ytd["yoy_value"].reindex(mem.codes).to_numpy(),
        "n_townships": monthly["n_townships"].reindex(mem.codes).to_numpy(),
        "spark": [sparks.get(c, []) for c in mem.codes],
    })


def pd_watchlist(mem: Memory, period: date, limit: int = 8) -> pd.DataFrame:
    """queries/watchlist.sql in pandas."""
    f = mem.facts
    pm = _mi(period)
    mi = f["mi"].to_numpy()
    cur = f.loc[(mi >= pm - 12) & (mi <= pm), ["ind", "town", "mi", "value", "kind", "is_town"]]
    hist = cur[cur["mi"].to_numpy() < pm]
    g = hist.groupby(["ind", "town"], sort=False)["value"]
    med_each = g.transform("median")
    dev = (hist["value"] - med_each).abs()
    stats = pd.DataFrame({"median": g.median(), "mad": dev.groupby([hist["ind"], hist["town"]], sort=False).median(),
                          "count": g.size()})
    stats = stats[stats["count"] >= 6].drop(columns="count").reset_index()
    now = cur[cur["mi"].to_numpy() == pm]
    totals = now[now["is_town"].to_numpy()].groupby("ind")["value"].sum()   # townships only
    prev = cur.loc[cur["mi"].to_numpy() == pm - 1, ["ind", "town", "value"]].rename(columns={"value": "prev_value"})
    c = now.merge(stats, on=["ind", "town"]).merge(prev, on=["ind", "town"], how="left")
    kind = c["kind"].to_numpy()
    med = c["median"].to_numpy()
    dist = np.abs(c["value"].to_numpy() - med)
    scale = np.maximum.reduce([1.4826 * c["mad"].to_numpy(), np.where(kind == 1, 0.5, 0.1) * np.abs(med),
                               np.where(kind == 1, np.sqrt(np.abs(c["value"].to_numpy())) + np.sqrt(np.abs(med)),
                                        2 * np.sqrt(np.abs(med))), np.ones(len(c))])
    c["score"] = dist / scale
    total = totals.reindex(c["ind"]).to_numpy()
    pv = c["prev_value"].to_numpy()
    keep = (c["is_town"].to_numpy() & (c["score"].to_numpy() >= 3)
            & (dist >= np.select([kind == 1, kind == 0], [0.1, 0.01], 0.0) * np.abs(total))
            & (np.isnan(pv) | (np.abs(c["value"].to_numpy() - pv) >= 0.5 * dist)))
    relative = np.minimum(np.nan_to_num(dist / np.where(med == 0, np.nan, np.abs(med)), nan=10.0), 10.0)
    c["size"] = relative * np.nan_to_num(dist / np.where(total == 0, np.nan, np.abs(total)), nan=0.0)
    out = c[keep].sort_values(["size", "score"], ascending=False, kind="stable").head(limit)
    out = out.assign(indicator_code=np.asarray(mem.codes, dtype=object)[out["ind"].to_numpy()],
                     township_id=out["town"])
    return out[["indicator_code", "township_id", "value", "prev_value", "median", "score", "size"]].reset_index(drop=True)


def pd_completeness(mem: Memory, period: date) -> pd.DataFrame:
    f = mem.facts
    now = f.loc[f["mi"].to_numpy() == _mi(period), ["town", "ind"]]
    counts = now.groupby("town")["ind"].nunique()
    reg = mem.towns[mem.towns["level"] == "township"].sort_values("sort_order")
    return pd.DataFrame({"township_id": reg["id"].to_numpy(), "township": reg["name"].to_numpy(),
                         "indicators": counts.reindex(reg["id"]).fillna(0).astype(int).to_numpy()})


def pd_reporting_summary(mem: Memory, period: date) -> tuple[int, int]:
    df = pd_completeness(mem, period)
    return int((df["indicators"] > 0).sum()), int(df["township_id"].nunique())


def pd_target_progress(mem: Memory, period: date) -> pd.DataFrame:
    targets = mem.targets[mem.targets["year"] == period.year].copy()
    if targets.empty:
        return targets.assign(actual=[], rate=[])
    codes = sorted(targets["indicator_code"].unique())
    district = pd_compare(mem, codes, period, "month", ytd=True).set_index("indicator_code")["value"]
    by_town = pd_compare(mem, codes, period, "month", ytd=True, by_township=True)
    by_town = by_town.set_index(["indicator_code", "township_id"])["value"]
    is_d = (targets["level"] == "district").to_numpy()
    d_val = district.reindex(targets["indicator_code"]).to_numpy()
    t_val = by_town.reindex(pd.MultiIndex.from_arrays([targets["indicator_code"], targets["township_id"]])).to_numpy()
    targets["actual"] = np.where(is_d, d_val, t_val)
    targets["rate"] = targets["actual"] / targets["value"]
    return targets


def pd_township_values(mem: Memory, indicator: str, period: date, grain: Grain = "month",
                       ytd: bool = False) -> pd.DataFrame:
    df = pd_compare(mem, [indicator], period, grain, ytd, by_township=True)
    df["rank"] = df["value"].rank(ascending=False, method="min")
    return df.sort_values(["rank", "sort_order"], na_position="last").reset_index(drop=True)


def pd_township_matrix(mem: Memory, indicator: str, start: date, end: date, ytd: bool = False) -> pd.DataFrame:
    """Township × month heatmap, pivoted (rows: townships, columns: months)."""
    df = _pd_series(mem, [indicator], start, end, "month", ytd, by_township=True)
    return df.pivot(index="town", columns="mi", values="value")


def pd_derived_values(mem: Memory, derived: catalog.DerivedIndicator, period: date,
                      grain: Grain = "month") -> pd.DataFrame:
    num_i, den_i = mem.pos([derived.numerator, derived.denominator])
    stock_den = mem.kind[den_i] == 0
    parts = []
    for by in (True, False):
        df = _pd_series(mem, [derived.numerator, derived.denominator], period, period, grain, by_township=by)
        df = df[df["mi"] == _mi(bucket_start(period, grain))]
        num = df[df["ind"] == num_i].set_index("town")
        den = df[df["ind"] == den_i].set_index("town")
        out = pd.DataFrame({"numerator": num["value"], "denominator": den["value"], "months": num["months"]})
        per = out["months"] if stock_den else 1
        out["value"] = out["numerator"] / per / out["denominator"].where(out["denominator"] != 0)
        parts.append(out.reset_index().rename(columns={"town": "township_id"}))
    result = pd.concat(parts, ignore_index=True)
    result["township_id"] = result["township_id"].where(result["township_id"] >= 0)
    return result


# --------------------------------------------------------------------------------------------
# Cross-checks: civdash and pandas must give the same numbers
# --------------------------------------------------------------------------------------------

RTOL, ATOL = 1e-9, 1e-6


def _keyed(df: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    df = df.copy()
    if "township_id" in keys:
        df["township_id"] = pd.to_numeric(df["township_id"]).fillna(-1).astype(int)
    if "period" in keys:
        df["period"] = pd.to_datetime(df["period"])
    return df.set_index(list(keys)).sort_index()


def assert_same(name: str, civ: pd.DataFrame, pan: pd.DataFrame, keys: Sequence[str], cols: Sequence[str]) -> None:
    a, b = _keyed(civ, keys), _keyed(pan, keys)
    assert len(a) == len(b), f"{name}: civdash has {len(a)} rows, pandas {len(b)}"
    assert a.index.equals(b.index), f"{name}: different keys, e.g. {a.index.difference(b.index)[:3].tolist()}"
    assert len(a) > 0, f"{name}: empty result, nothing compared"
    for col in cols:
        x = pd.to_numeric(a[col], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(b[col], errors="coerce").to_numpy(dtype=float)
        ok = np.isclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True)
        assert ok.all(), f"{name}: column {col} differs at {a.index[~ok][:3].tolist()}: {x[~ok][:3]} vs {y[~ok][:3]}"


SERIES_COLS = ("value", "last_month_ord", "months", "n_townships")


def _series_for_check(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(last_month_ord=pd.to_datetime(df["last_month"]).map(pd.Timestamp.toordinal))


def check_series(name: str, civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    assert_same(name, _series_for_check(civ), _series_for_check(pan),
                ["indicator_code", "township_id", "period"], SERIES_COLS)


def check_compare(name: str, civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    assert_same(name, civ, pan, ["indicator_code", "township_id"],
                ["value", "prev_value", "yoy_value", "mom", "yoy", "n_townships"])


def check_key_figures(civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    assert_same("key_figures", civ, pan, ["indicator_code"],
                ["value", "month_value", "mom", "yoy", "prev_value", "yoy_value", "n_townships"])
    theirs = pan.set_index("indicator_code").loc[civ["indicator_code"], "spark"]
    for code, a, b in zip(civ["indicator_code"], civ["spark"], theirs, strict=True):
        assert len(a) == len(b) and np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True), f"key_figures spark {code}"


def check_watchlist(civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    assert len(civ) == len(pan) and len(civ) > 0, f"watchlist: {len(civ)} rows vs {len(pan)} (planted anomalies missing?)"
    assert np.allclose(civ["size"].to_numpy(float), pan["size"].to_numpy(float), rtol=RTOL), "watchlist order differs"
    # Same (indicator, township) pairs; ties in size may be ordered differently.
    assert set(zip(civ["indicator_code"], civ["township_id"].astype(int), strict=True)) == \
        set(zip(pan["indicator_code"], pan["township_id"].astype(int), strict=True)), "watchlist lists different townships"
    assert_same("watchlist", civ, pan, ["indicator_code", "township_id"], ["value", "prev_value", "median", "score", "size"])


def check_targets(civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    assert_same("target_progress", civ, pan, ["indicator_code", "township_id"], ["value", "actual", "rate"])


def check_ranking(civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    check_compare("township_values", civ, pan)
    assert_same("township_values rank", civ, pan, ["indicator_code", "township_id"], ["rank"])
    assert civ["township_id"].tolist() == pan["township_id"].tolist(), "township_values: ranking order differs"


def check_matrix(civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    wide = civ.pivot(index="township_id", columns="period", values="value")
    assert wide.shape == pan.shape, f"township_matrix: shape {wide.shape} vs {pan.shape}"
    assert np.allclose(wide.to_numpy(float), pan.loc[wide.index].to_numpy(float), rtol=RTOL, atol=ATOL,
                       equal_nan=True), "township_matrix values differ"


def check_derived(civ: pd.DataFrame, pan: pd.DataFrame) -> None:
    assert_same("derived_values", civ, pan, ["township_id"], ["numerator", "denominator", "months", "value"])


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------

class SqlSwitch:
    """Lets ``civdash.store.queries`` read ``<folder>/<name>.sql`` instead of ``queries/`` while on.

    Only this process is affected; the files in ``queries/`` are never touched. Used by
    ``--queries`` to time a proposed SQL change against the current one in the same run.
    """

    def __init__(self, folder: Path | None) -> None:
        from civdash.store import queries

        self.folder = folder
        self.names = sorted(p.stem for p in folder.glob("*.sql")) if folder else []
        self.on = False
        self._original = queries.load
        if folder:
            def load(name: str) -> str:
                path = folder / f"{name}.sql"
                if self.on and path.is_file():
                    return path.read_text(encoding="utf-8")
                return self._original(name)
            queries.load = load

    def __bool__(self) -> bool:
        return self.folder is not None


def p95(times: Sequence[float]) -> float:
    """Nearest-rank 95th percentile (the maximum when there are fewer than 20 runs)."""
    s = sorted(times)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


@dataclass
class Case:
    page: str
    name: str
    civdash: Callable[[], Any]
    pandas: Callable[[], Any]
    check: Callable[[Any, Any], None]


@dataclass
class Result:
    page: str
    name: str
    civ_ms: list[float]
    pd_ms: list[float]
    alt_ms: list[float] = field(default_factory=list)   # civdash with the --queries SQL

    @property
    def civ_median(self) -> float:
        return statistics.median(self.civ_ms)

    @property
    def pd_median(self) -> float:
        return statistics.median(self.pd_ms)

    @property
    def alt_median(self) -> float:
        return statistics.median(self.alt_ms) if self.alt_ms else math.nan

    @property
    def ratio(self) -> float:
        return self.pd_median / self.civ_median

    @property
    def met(self) -> bool:
        return self.civ_median < QUERY_TARGET_MS


def page_cases(con: duckdb.DuckDBPyConnection, mem: Memory) -> list[Case]:
    latest = metrics.latest_period(con)
    codes = [i.code for i in catalog.indicators(con)]
    towns = townships.townships(con)
    five = [towns[k * len(towns) // 5].id for k in range(5)]
    one = towns[len(towns) // 3].id
    derived = next(d for d in catalog.derived_indicators() if d.code == DERIVED_CODE)
    t36 = add_months(latest, -35)
    t12 = add_months(latest, -11)
    t24 = add_months(latest, -23)
    first = metrics.first_period(con)
    cs = check_series
    cases = [
        Case("共用", "available_months (月份列表)", lambda: metrics.available_months(con),
             lambda: sorted({_date(int(m)) for m in np.unique(mem.facts["mi"].to_numpy())}, reverse=True),
             lambda a, b: _assert(a == b, "available_months differ")),
        Case("总览", f"key_figures ({len(codes)} indicators)", lambda: metrics.key_figures(con, latest),
             lambda: pd_key_figures(mem, latest), check_key_figures),
        Case("总览", "watchlist (重点关注)", lambda: metrics.watchlist(con, latest),
             lambda: pd_watchlist(mem, latest), check_watchlist),
        Case("总览", "reporting_summary", lambda: metrics.reporting_summary(con, latest),
             lambda: pd_reporting_summary(mem, latest), lambda a, b: _assert(a == b, f"reporting {a} vs {b}")),
        Case("总览", "completeness (未报送)", lambda: metrics.completeness(con, latest, latest),
             lambda: pd_completeness(mem, latest),
             lambda a, b: assert_same("completeness", a, b, ["township_id"], ["indicators"])),
        Case("总览", "target_progress", lambda: metrics.target_progress(con, latest),
             lambda: pd_target_progress(mem, latest), check_targets),
        Case("趋势分析", "series 3 ind × 36 months", lambda: metrics.series(con, TREND_CODES, t36, latest),
             lambda: pd_series(mem, TREND_CODES, t36, latest), lambda a, b: cs("series month", a, b)),
        Case("趋势分析", "series 36 months, ytd", lambda: metrics.series(con, TREND_CODES, t36, latest, ytd=True),
             lambda: pd_series(mem, TREND_CODES, t36, latest, ytd=True), lambda a, b: cs("series ytd", a, b)),
        Case("趋势分析", "series 36 months, quarter",
             lambda: metrics.series(con, TREND_CODES, t36, latest, "quarter"),
             lambda: pd_series(mem, TREND_CODES, t36, latest, "quarter"), lambda a, b: cs("series quarter", a, b)),
        Case("趋势分析", "series all years, year",
             lambda: metrics.series(con, TREND_CODES, first, latest, "year"),
             lambda: pd_series(mem, TREND_CODES, first, latest, "year"), lambda a, b: cs("series year", a, b)),
        Case("趋势分析", "series 36 months, 5 townships",
             lambda: metrics.series(con, TREND_CODES, t36, latest, townships=five),
             lambda: pd_series(mem, TREND_CODES, t36, latest, towns=five), lambda a, b: cs("series 5 towns", a, b)),
        Case("乡镇对比", f"township_values (rank {len(towns)})", lambda: metrics.township_values(con, RANK_CODE, latest),
             lambda: pd_township_values(mem, RANK_CODE, latest), check_ranking),
        Case("乡镇对比", "township_matrix (12-month heatmap)",
             lambda: metrics.township_matrix(con, HEATMAP_CODE, t12, latest),
             lambda: pd_township_matrix(mem, HEATMAP_CODE, t12, latest), check_matrix),
        Case("乡镇对比", "derived_values (per person)", lambda: metrics.derived_values(con, derived, latest),
             lambda: pd_derived_values(mem, derived, latest), check_derived),
        Case("乡镇对比", f"township profile ({len(codes)} ind × 24 months)",
             lambda: metrics.series(con, codes, t24, latest, townships=[one]),
             lambda: pd_series(mem, codes, t24, latest, towns=[one]), lambda a, b: cs("profile", a, b)),
    ]
    if "townships" in inspect.signature(metrics.key_figures).parameters:  # the profile tab's cards
        cases.append(Case("乡镇对比", "key_figures (one township's cards)",
                          lambda: metrics.key_figures(con, latest, townships=(one,)),
                          lambda: pd_key_figures(mem, latest, towns=(one,)), check_key_figures))
    return cases


def _assert(ok: bool, message: str) -> None:
    assert ok, message


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def run_queries(con: duckdb.DuckDBPyConnection, mem: Memory, repeat: int, sql: SqlSwitch, log=print) -> list[Result]:
    """Per query: one warm-up of each side (whose results are cross-checked), then ``repeat``
    rounds, each timing civdash, (civdash with the proposed SQL,) and pandas one after the other,
    so that both see the same machine load."""
    results = []
    for case in page_cases(con, mem):
        civ_result = case.civdash()
        pd_result = case.pandas()
        case.check(civ_result, pd_result)
        if sql:
            sql.on = True
            try:
                case.check(case.civdash(), pd_result)
            finally:
                sql.on = False
        r = Result(case.page, case.name, [], [])
        for _ in range(repeat):
            r.civ_ms.append(_timed(case.civdash))
            if sql:
                sql.on = True
                try:
                    r.alt_ms.append(_timed(case.civdash))
                finally:
                    sql.on = False
            r.pd_ms.append(_timed(case.pandas))
        alt = f"   proposed SQL {r.alt_median:8.1f} ms" if sql else ""
        log(f"  {case.page:<5} {case.name:<38} civdash {r.civ_median:8.1f} ms{alt}   pandas {r.pd_median:8.1f} ms"
            "   agree")
        results.append(r)
    return results


# --------------------------------------------------------------------------------------------
# Page runs under Streamlit's AppTest
# --------------------------------------------------------------------------------------------

@dataclass
class PageResult:
    title: str
    path: str
    variant: str = "current"
    first_s: float | None = None
    cold_s: list[float] = field(default_factory=list)
    warm_s: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def cold(self) -> float:
        return statistics.median(self.cold_s)

    @property
    def warm(self) -> float:
        return statistics.median(self.warm_s) if self.warm_s else math.nan


def existing_pages() -> list[tuple[str, str]]:
    return [(t, p) for t, p in PAGES if (ROOT / p).is_file()]


def run_pages(db_path: Path, repeat: int, sql: SqlSwitch, log=print) -> list[PageResult] | None:
    """Time each existing page under AppTest against ``db_path``; None when there are no pages.

    Pages run through ``dashboard.py`` (``switch_page``), as users get them. app start: the first
    run in the process (imports, opening the database). Per page, first: its first run (a warm-up,
    not in the medians); cold: ``st.cache_data`` cleared before each run, so every query of the page
    runs (the database connection, a ``st.cache_resource``, is kept, as in a running server); warm:
    the page's data cached by the run before (what a second visitor of the same view gets). With
    ``--queries`` the cold runs alternate between the current and the proposed SQL.
    """
    pages = existing_pages()
    if not pages:
        log("  no pages/*.py yet: the AppTest part is skipped; run this script again once they exist")
        return None
    missing = [p for _, p in PAGES if not (ROOT / p).is_file()]
    if missing:
        log(f"  (not there yet, skipped: {', '.join(missing)})")
    os.environ["CIVDASH_DB"] = str(db_path.resolve())   # ui.data → civdash.appdb: the "real" database
    # Synthetic townships have no boundaries: keep an admin's townships.geojson out of the timing.
    os.environ["CIVDASH_GEOJSON"] = str(OUTPUT_DIR / "no-townships.geojson")
    os.chdir(ROOT)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    # Bare AppTest runs log "No runtime found" / "missing ScriptRunContext" warnings by the dozen;
    # errors in a page still surface through ``at.exception``.
    logging.disable(logging.WARNING)

    dashboard = ROOT / "dashboard.py"

    def once(rel: str, clear: bool) -> float:
        if clear:
            st.cache_data.clear()
        if dashboard.is_file():   # the app as users get it: dashboard.py's navigation runs the page
            at = AppTest.from_file(str(dashboard), default_timeout=60)
            at.switch_page(rel)
        else:
            at = AppTest.from_file(str(ROOT / rel), default_timeout=60)
        t = time.perf_counter()
        at.run(timeout=60)
        dt = time.perf_counter() - t
        problems = [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
        if problems:
            raise RuntimeError("; ".join(problems)[:300])
        return dt

    out = []
    sql.on = False
    try:
        start_s = once(pages[0][1], clear=True)
        log(f"  app start: first run in this process ({pages[0][1]}: imports, opening the database) {start_s:.2f} s")
    except Exception as exc:
        log(f"  app start FAILED: {type(exc).__name__}: {exc}")
    for title, rel in pages:
        cur = PageResult(title, rel, "current")
        alt = PageResult(title, rel, "proposed SQL") if sql else None
        try:
            cur.first_s = once(rel, clear=True)   # warm-up: the page's own imports and first run
            for _ in range(repeat):               # cold: every query runs; both SQL variants interleaved
                cur.cold_s.append(once(rel, clear=True))
                if alt:
                    sql.on = True
                    try:
                        alt.cold_s.append(once(rel, clear=True))
                    finally:
                        sql.on = False
            once(rel, clear=True)                 # fill the caches, then warm: a second visitor's view
            cur.warm_s = [once(rel, clear=False) for _ in range(repeat)]
            alt_txt = f"   proposed SQL cold median {alt.cold:5.2f} s" if alt else ""
            log(f"  {title:<5} {rel:<20} first {cur.first_s:5.2f} s   cold median {cur.cold:5.2f} s{alt_txt}"
                f"   warm median {cur.warm:5.2f} s")
        except Exception as exc:  # a page under construction: report it and go on
            cur.error = f"{type(exc).__name__}: {exc}"
            log(f"  {title:<5} {rel:<20} FAILED: {cur.error}")
            alt = None
        out.append(cur)
        if alt:
            out.append(alt)
    sql.on = False
    st.cache_data.clear()
    logging.disable(logging.NOTSET)
    return out


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": str(os.cpu_count()), "ram": f"{mem_gib:.1f} GiB", "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pandas": pd.__version__, "numpy": np.__version__,
            "streamlit": importlib.metadata.version("streamlit"), "platform": platform.platform()}


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def query_table(results: list[Result], alt: bool) -> str:
    head = "| Page | Query | civdash median ms | civdash p95 ms |"
    rule = "|---|---|---:|---:|"
    if alt:
        head += " proposed SQL median ms |"
        rule += "---:|"
    head += f" pandas median ms | ratio pandas/civdash | < {QUERY_TARGET_MS:.0f} ms |"
    rule += "---:|---:|:---:|"
    lines = [head, rule]
    for r in results:
        a = f" {r.alt_median:.1f} |" if alt else ""
        lines.append(f"| {r.page} | {r.name} | {r.civ_median:.1f} | {p95(r.civ_ms):.1f} |{a} {r.pd_median:.1f} "
                     f"| {r.ratio:.2f} | {'yes' if r.met else '**no**'} |")
    by_page: dict[str, list[Result]] = {}
    for r in results:
        by_page.setdefault(r.page, []).append(r)
    for page, rs in by_page.items():
        civ = sum(r.civ_median for r in rs)
        pan = sum(r.pd_median for r in rs)
        a = f" {sum(r.alt_median for r in rs):.1f} |" if alt else ""
        lines.append(f"| {page} | *sum of the page's queries above* | {civ:.1f} | |{a} {pan:.1f} | {pan / civ:.2f} | |")
    return "\n".join(lines)


def page_table(pages: list[PageResult], results: list[Result]) -> str:
    civ: dict[str, float] = {}
    pan: dict[str, float] = {}
    for r in results:
        civ[r.page] = civ.get(r.page, 0.0) + r.civ_median / 1000
        pan[r.page] = pan.get(r.page, 0.0) + r.pd_median / 1000
    lines = ["| Page | file | SQL | first run s | cold median s | warm median s "
             "| its queries in the table above: civdash / pandas s "
             f"| < {PAGE_TARGET_S} s (cold) |",
             "|---|---|---|---:|---:|---:|---:|:---:|"]
    for p in pages:
        q_txt = f"{civ[p.title]:.2f} / {pan[p.title]:.2f}" if p.title in civ and p.variant == "current" else "–"
        if p.error:
            lines.append(f"| {p.title} | {p.path} | {p.variant} | failed: {p.error[:80]} | | | {q_txt} | |")
            continue
        first = f"{p.first_s:.2f}" if p.first_s is not None else "–"
        warm = f"{p.warm:.2f}" if p.warm_s else "(same caches)"
        lines.append(f"| {p.title} | {p.path} | {p.variant} | {first} | {p.cold:.2f} | {warm} "
                     f"| {q_txt} | {'yes' if p.cold < PAGE_TARGET_S else '**no**'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.province",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--db", type=Path, default=None,
                        help="database file (default: tests/benchmarks/output/province-<N>t-<Y>y.duckdb)")
    parser.add_argument("--townships", type=int, default=1500, help="synthetic townships")
    parser.add_argument("--years", type=int, default=10, help="years of monthly data")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per query after one warm-up")
    parser.add_argument("--page-repeat", type=int, default=5, help="timed AppTest runs per page (cold and warm each)")
    parser.add_argument("--until", default=None, help="last month YYYY-MM (default: the last complete month)")
    parser.add_argument("--rebuild", action="store_true", help="build the database even if a matching one exists")
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page runs")
    parser.add_argument("--queries", type=Path, default=None,
                        help="also time civdash with the named queries of this folder (e.g. tests/benchmarks/proposed)"
                             " in the same run, cross-checked the same way; queries/ is not touched")
    parser.add_argument("--report", type=Path, default=None, help="also write the tables as Markdown to this file")
    args = parser.parse_args(argv)

    wall = time.perf_counter()
    until = parse_month(args.until) if args.until else last_complete_month()
    path = args.db or default_db_path(args.townships, args.years)
    sql = SqlSwitch(args.queries)
    info = machine()
    print(f"civdash province benchmark — {info['cpus']} CPUs, {info['ram']} RAM, Python {info['python']}, "
          f"DuckDB {info['duckdb']}, pandas {info['pandas']}, Streamlit {info['streamlit']}")
    print(f"  at start: {load_average()} (other processes' load slows every figure below)")
    if sql:
        print(f"  proposed SQL from {args.queries}: {', '.join(sql.names) or 'none'} (timed next to the current SQL)")

    print(f"\n[1/4] Database: {path}")
    build_info = None
    if not args.rebuild and cached_db_ok(path, args.townships, args.years, until):
        print("  reusing the cached database (same townships, months and last month; --rebuild to rebuild)")
    else:
        print(f"  building {args.townships} townships × {args.years} years up to {month_key(until)} …")
        build_info = build_province(path, args.townships, args.years, until)
        print(f"  built in {build_info['total_s']:.1f} s")
    con = db.connect(path, read_only=True)
    n_facts = con.execute("SELECT count(*) FROM fact WHERE is_current").fetchone()[0]
    n_ind = con.execute("SELECT count(*) FROM indicator").fetchone()[0]
    n_towns = con.execute("SELECT count(*) FROM township WHERE level = 'township'").fetchone()[0]
    size_mib = path.stat().st_size / 2**20
    first, latest = metrics.first_period(con), metrics.latest_period(con)
    db_line = (f"{n_facts:,} current facts: {n_ind} indicators × {n_towns} townships × "
               f"{month_key(first)}…{month_key(latest)}; file {size_mib:.0f} MiB")
    print(f"  {db_line}")

    print("\n[2/4] Loading the facts into pandas (the baseline's data held in memory) …")
    t = time.perf_counter()
    mem = load_memory(con)
    load_s = time.perf_counter() - t
    frame_mib = mem.facts.memory_usage(deep=True).sum() / 2**20
    print(f"  loaded {len(mem.facts):,} rows in {load_s:.2f} s ({frame_mib:.0f} MiB in memory)")

    print(f"\n[3/4] Page queries: civdash.analysis.metrics vs pandas, median of {args.repeat} runs after one warm-up, "
          f"runs interleaved; each pair cross-checked; {load_average()}")
    results = run_queries(con, mem, args.repeat, sql)
    print("  results agree (civdash" + (" with either SQL" if sql else "")
          + " and pandas give the same numbers for every query)")
    con.close()   # the pages open the file themselves (read-write, as the dashboard does)
    del mem
    gc.collect()

    print(f"\n[4/4] Full page runs under Streamlit AppTest; {load_average()}")
    pages = None
    if args.no_pages:
        print("  skipped (--no-pages)")
    else:
        pages = run_pages(path, args.page_repeat, sql)

    table = query_table(results, bool(sql))
    print(f"\nQueries (ms; ratio > 1: civdash faster than the pandas baseline; p95 = slowest of {args.repeat} runs):\n")
    print(table)
    missed = [r for r in results if not r.met]
    print(f"\nTarget {QUERY_TARGET_MS:.0f} ms median per query: "
          + ("met by every query" if not missed else f"missed by {len(missed)} of {len(results)}: "
             + ", ".join(r.name for r in missed)))
    ptable = None
    if pages:
        ptable = page_table(pages, results)
        print("\nPages under AppTest (s):\n")
        print(ptable)
        cur = [p for p in pages if p.variant == "current" and not p.error]
        slow = [p.title for p in cur if p.cold >= PAGE_TARGET_S]
        print(f"\nTarget {PAGE_TARGET_S} s per page run (cold caches, current SQL): "
              + ("met by every page" if not slow else "missed by " + ", ".join(slow)))
    elif not args.no_pages:
        print("\nPages: not timed (no pages yet).")
    total_s = time.perf_counter() - wall
    rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    end_line = f"Whole run {total_s:.0f} s; peak memory {rss_gib:.1f} GiB; at the end: {load_average()}"
    print(f"\n{end_line}")

    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        built = f"built in {build_info['total_s']:.1f} s" if build_info else "cached"
        parts = [f"Machine: {info}", "", f"Database: {path} — {db_line} ({built})", "",
                 f"pandas load: {load_s:.2f} s, {frame_mib:.0f} MiB", "", table]
        if ptable:
            parts += ["", ptable]
        parts += ["", end_line]
        args.report.write_text("\n".join(parts) + "\n", encoding="utf-8")
        print(f"Markdown written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
