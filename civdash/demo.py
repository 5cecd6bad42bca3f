"""The demo district: 重庆市黔江区's 30 townships with realistic, deterministic figures.

Magnitudes follow the bureau reports quoted in the domain notes (城市低保 about 1,650 people,
农村低保 about 9,100, 适老化改造 toward a yearly target of 950 households, 45,000 APP users by
autumn 2026). Two anomalies are planted in the latest month so that 重点关注 has something to show:
中塘镇's 农村低保人数 drops by 40% and 城南街道's 临时救助资金 is six times its usual amount;
新华乡 has not yet reported the latest month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from civdash.domain import catalog, townships
from civdash.domain.periods import add_months, last_complete_month, month_key, months_between
from civdash.ingest import commit
from civdash.store import db, queries
from civdash.store.paths import DATA_DIR

DEMO_TOWNSHIPS = DATA_DIR / "demo_townships.csv"
DISTRICT_NAME = "黔江区"
DISTRICT_CODE = "500114"
RETROFIT_PLAN = {2023: 450, 2024: 600, 2025: 800, 2026: 950}  # 居家适老化改造 households a year
YEARS_BEFORE = 3  # the demo starts in January three years before its last month: 37–48 months
SEED = 20250601

SHRINKING_TOWNSHIP = "中塘镇"
SPIKING_TOWNSHIP = "城南街道"
LATE_TOWNSHIP = "新华乡"


@dataclass(frozen=True)
class DemoSummary:
    path: Path | None
    townships: int
    months: int
    first: date
    last: date
    facts: int


def yearly_value(values: dict[int, float], year: int) -> float:
    """A yearly figure (standard, amount per person, plan) for any year, extended at the set's own rate."""
    if year in values:
        return float(values[year])
    lo, hi = min(values), max(values)
    rate = (values[hi] / values[lo]) ** (1 / max(hi - lo, 1))
    edge = lo if year < lo else hi
    return float(values[edge] * rate ** (year - edge))


def first_month(last: date) -> date:
    """The demo's first month for a given last month."""
    return date(last.year - YEARS_BEFORE, 1, 1)


def _months(first: date, last: date) -> list[date]:
    return [add_months(first, k) for k in range(months_between(first, last) + 1)]


def generate(town_types: list[str], months: list[date], seed: int = SEED) -> dict[str, np.ndarray]:
    """Values in base units for every catalog indicator, as arrays of townships × months.

    ``town_types`` gives each township's type (街道/镇/乡), which sets its urban or rural weight.
    District totals are kept near the same magnitudes whatever the number of townships.
    """
    rng = np.random.default_rng(seed)
    n = len(town_types)
    m = len(months)
    kinds = np.array(town_types)
    street = kinds == "街道"
    size = np.where(street, rng.uniform(1.5, 2.5, n), np.where(kinds == "镇", rng.uniform(0.8, 1.4, n),
                                                               rng.uniform(0.4, 0.7, n)))
    share = size / size.sum()
    urban = np.where(street, size * 4.0, size * 0.3)
    urban_share = urban / urban.sum()
    rural = np.where(street, size * 0.2, size)
    rural_share = rural / rural.sum()
    year = np.array([d.year for d in months])
    month = np.array([d.month for d in months])
    t = np.arange(m) / 12.0  # years since the first month
    scale = 30.0 / 30  # district magnitudes are fixed; townships share them

    def noise(sigma: float) -> np.ndarray:
        return rng.normal(1.0, sigma, (n, m))

    def stock(total: float, shares: np.ndarray, growth: float, sigma: float = 0.01) -> np.ndarray:
        trend = (1 + growth) ** (t - t[-1])
        base = np.outer(shares * total * scale, trend)
        wobble = np.cumprod(rng.normal(1.0, sigma / 3, (n, m)), axis=1)
        return np.maximum(np.round(base * wobble), 0)

    def per_year(values: dict[int, float]) -> np.ndarray:
        return np.array([yearly_value(values, y) for y in year], dtype=float)

    def poisson(mean: np.ndarray) -> np.ndarray:
        return rng.poisson(np.maximum(mean, 0)).astype(float)

    out: dict[str, np.ndarray] = {}
    out["dibao_urban_persons"] = stock(1652, urban_share, -0.03)
    out["dibao_urban_households"] = np.round(out["dibao_urban_persons"] / rng.uniform(1.55, 1.75, (n, 1)))
    out["dibao_urban_funds"] = np.round(out["dibao_urban_persons"] * per_year(
        {2023: 480, 2024: 505, 2025: 530, 2026: 545}) * noise(0.02))
    out["dibao_urban_standard"] = np.round(per_year({2023: 660, 2024: 690, 2025: 720, 2026: 750})
                                           * rng.uniform(0.99, 1.01, (n, 1)), 2) * np.ones((n, m))
    out["dibao_rural_persons"] = stock(9089, rural_share, -0.02)
    out["dibao_rural_households"] = np.round(out["dibao_rural_persons"] / rng.uniform(1.7, 1.95, (n, 1)))
    out["dibao_rural_funds"] = np.round(out["dibao_rural_persons"] * per_year(
        {2023: 360, 2024: 380, 2025: 395, 2026: 405}) * noise(0.02))
    out["dibao_rural_standard"] = np.round(per_year({2023: 520, 2024: 545, 2025: 575, 2026: 600})
                                           * rng.uniform(0.99, 1.01, (n, 1)), 2) * np.ones((n, m))
    out["dibao_new_persons"] = poisson(np.outer((urban_share + rural_share) / 2, np.full(m, 48.0)))
    out["dibao_exit_persons"] = poisson(np.outer((urban_share + rural_share) / 2, np.full(m, 26.0)))
    out["tekun_persons"] = stock(530, rural_share * 0.7 + share * 0.3, 0.02)
    out["tekun_funds"] = np.round(out["tekun_persons"] * per_year({2023: 780, 2024: 810, 2025: 835, 2026: 850})
                                  * noise(0.02))
    spring = np.select([month == 1, month == 2, month == 12], [3.0, 2.2, 1.6], 1.0)
    out["temp_relief_cases"] = poisson(np.outer(share, 40.0 * spring))
    out["temp_relief_funds"] = np.round(out["temp_relief_cases"] * rng.normal(2000, 300, (n, m)).clip(800))
    out["orphan_persons"] = stock(46, share, 0.0, 0.02)
    out["orphan_funds"] = np.round(out["orphan_persons"] * per_year({2023: 1200, 2024: 1250, 2025: 1300,
                                                                       2026: 1350}))
    out["disability_living_persons"] = stock(4338, share, 0.015)
    out["disability_living_funds"] = np.round(out["disability_living_persons"] * 53.0 * noise(0.01))
    out["disability_care_persons"] = stock(1592, share, 0.02)
    out["disability_care_funds"] = np.round(out["disability_care_persons"] * 53.0 * noise(0.01))
    out["elderly_subsidy_persons"] = stock(1158, share, 0.04)
    out["elderly_subsidy_funds"] = out["elderly_subsidy_persons"] * 200.0
    # 适老化改造: nothing in January and February, most work from spring to autumn.
    season = np.array([0, 0, 0.04, 0.08, 0.11, 0.13, 0.14, 0.14, 0.13, 0.11, 0.08, 0.04])[month - 1]
    yearly = per_year(RETROFIT_PLAN)
    out["aging_retrofit_households"] = poisson(np.outer(share, yearly * season * 1.0))
    out["elderly_institutions"] = np.maximum(np.round(share * 38 + rng.uniform(-0.4, 0.4, n)), 1)[:, None] \
        + (np.arange(m) >= m - 8)[None, :] * (rng.uniform(0, 1, n) > 0.9)[:, None]
    out["elderly_beds"] = np.round(out["elderly_institutions"] * rng.uniform(60, 100, (n, 1)))
    # APP users: a launch in 2023, a campaign each spring, 45,000 by autumn 2026.
    growth = 45231 / (1 + np.exp(-(t - t[-1] * 0.45) * 1.6))
    growth = growth / growth[-1] * 45231 * (months[-1].year * 12 + months[-1].month) / (2026 * 12 + 10)
    out["app_registered_users"] = np.maximum.accumulate(
        np.round(np.outer(share, growth) * noise(0.005)), axis=1)
    out["petitions_received"] = poisson(np.outer(share, np.full(m, 45.0)))
    wedding = np.select([month == 1, month == 5, month == 10, month == 2], [1.6, 1.4, 1.5, 0.8], 1.0)
    out["marriage_registrations"] = poisson(np.outer(share, 220.0 * wedding))
    out["divorce_registrations"] = poisson(np.outer(share, 90.0 * np.ones(m)))
    return out


def build(path: Path | str, until: date | None = None, first: date | None = None) -> DemoSummary:
    """Build the demo district database at ``path`` (replacing any file there) and return a summary."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = db.connect(path)
    try:
        summary = populate(con, until=until, first=first)
    finally:
        con.close()
    return DemoSummary(path, summary.townships, summary.months, summary.first, summary.last, summary.facts)


def populate(con: duckdb.DuckDBPyConnection, until: date | None = None, first: date | None = None) -> DemoSummary:
    """Fill an empty, migrated database with the demo district (from ``first``, default ``first_month``)."""
    last = until or last_complete_month()
    first = first or first_month(last)
    months = _months(first, last)
    with db.transaction(con):
        catalog.seed(con)
        townships.seed_from_csv(con, DEMO_TOWNSHIPS, DISTRICT_NAME, DISTRICT_CODE)
        towns = townships.townships(con)
        values = generate([t.type or "镇" for t in towns], months)
        _plant_anomalies(values, [t.name for t in towns])
        batch_id = commit.open_batch(con, "系统", "demo", "示例数据")
        queries.execute(con, "batch_file_insert", batch_id=batch_id, file_no=1, file_name="示例数据（自动生成）",
                        sha256=None, size=None, content=None)
        facts = insert_facts(con, values, [t.id for t in towns], months, batch_id, skip=_late_cells(towns, months))
        queries.execute(con, "batch_set_fact_count", id=batch_id, fact_count=facts)
        district = townships.district(con)
        _set_targets(con, district.id if district else None, towns, last.year)
        db.set_meta(con, "is_demo", "1")
        db.set_meta(con, "district_name", DISTRICT_NAME)
        db.set_meta(con, "demo_until", month_key(last))
        db.bump_data_version(con)
    return DemoSummary(None, len(towns), len(months), first, last, facts)


def insert_facts(
    con: duckdb.DuckDBPyConnection,
    values: dict[str, np.ndarray],
    township_ids: list[int],
    months: list[date],
    batch_id: int,
    skip: set[tuple[int, int]] | frozenset = frozenset(),
    sheet: str = "示例数据",
) -> int:
    """Bulk-insert generated township × month arrays as current facts; returns the row count."""
    n, m = len(township_ids), len(months)
    town_idx = np.repeat(np.arange(n), m)
    month_idx = np.tile(np.arange(m), n)
    keep = np.ones(n * m, dtype=bool)
    for ti, mi in skip:
        keep[ti * m + mi] = False
    ids = np.asarray(township_ids)[town_idx][keep]
    periods = pd.to_datetime(pd.Series(months)).to_numpy()[month_idx][keep]
    frames = [
        pd.DataFrame({"indicator_code": code, "township_id": ids, "period": periods,
                      "value": arr.reshape(-1)[keep]})
        for code, arr in values.items()
    ]
    frame = pd.concat(frames, ignore_index=True)
    con.register("demo_facts", frame)
    try:
        queries.execute(con, "demo_facts_insert", batch_id=batch_id, sheet=sheet)
    finally:
        con.unregister("demo_facts")
    return len(frame)


def _plant_anomalies(values: dict[str, np.ndarray], names: list[str]) -> None:
    if SHRINKING_TOWNSHIP in names:
        i = names.index(SHRINKING_TOWNSHIP)
        for code in ("dibao_rural_persons", "dibao_rural_households", "dibao_rural_funds"):
            values[code][i, -1] = np.round(values[code][i, -1] * 0.6)
    if SPIKING_TOWNSHIP in names:
        i = names.index(SPIKING_TOWNSHIP)
        usual = np.median(values["temp_relief_funds"][i, -13:-1])
        values["temp_relief_funds"][i, -1] = np.round(max(usual, 2000.0) * 6)
        values["temp_relief_cases"][i, -1] = max(values["temp_relief_cases"][i, -1], 3)


def _late_cells(towns: list, months: list[date]) -> set[tuple[int, int]]:
    names = [t.name for t in towns]
    if LATE_TOWNSHIP not in names:
        return set()
    return {(names.index(LATE_TOWNSHIP), len(months) - 1)}


def _set_targets(con: duckdb.DuckDBPyConnection, district_id: int | None, towns: list, last_year: int) -> None:
    """Yearly targets as a bureau sets them: 适老化改造 by the plan (950 households in 2026), APP users 50,000."""
    if district_id is None:
        return
    for year in (last_year - 2, last_year - 1, last_year):
        value = round(yearly_value(RETROFIT_PLAN, year) / 10) * 10
        queries.execute(con, "target_insert", indicator_code="aging_retrofit_households", township_id=district_id,
                        year=year, value=value, note="居家适老化改造年度任务")
    queries.execute(con, "target_insert", indicator_code="app_registered_users", township_id=district_id,
                    year=last_year, value=50000, note="渝快社区APP注册用户年度目标")
    # The six 街道 get their share of this year's task, by last year's share of the work done.
    queries.execute(con, "demo_targets_by_share", year=last_year, ids=[t.id for t in towns if t.type == "街道"],
                    plan=yearly_value(RETROFIT_PLAN, last_year))
