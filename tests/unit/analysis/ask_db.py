"""The 问数 tests' database, built through the importer: 黔江区's catalog and 30 townships, and eighteen monthly
workbooks (2024-01 … 2025-06, every indicator a column, township rows, figures from the demo's generator) uploaded
with ``ingest.upload.prepare`` / ``commit`` as the upload page does; 新华乡 left out of June 2025 (数据不全). Two
yearly targets are set as an admin sets them. Expected values are computed here by SQL on ``v_fact`` only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from civdash import demo
from civdash.domain import catalog, townships
from civdash.domain.periods import add_months
from civdash.ingest.upload import Options, commit, prepare
from civdash.store import db, queries
from tests.ingest_fixtures import Sheet, xlsx_bytes

FIRST, LAST = date(2024, 1, 1), date(2025, 6, 1)
LATE = "新华乡"  # has not reported June 2025
TODAY = date(2025, 7, 10)
TARGETS = {("aging_retrofit_households", None, 2025): 800, ("app_registered_users", None, 2025): 50000,
           ("aging_retrofit_households", "城东街道", 2025): 30}


def build(path: Path) -> Path:
    """Build the database at ``path`` (through the importer) and return the path."""
    con = db.connect(path)
    try:
        catalog.seed(con)
        townships.seed_from_csv(con, demo.DEMO_TOWNSHIPS, demo.DISTRICT_NAME, demo.DISTRICT_CODE)
        towns = townships.townships(con)
        inds = catalog.indicators(con)
        months = [add_months(FIRST, k) for k in range(18)]
        values = demo.generate([t.type or "镇" for t in towns], months)
        for mi, month in enumerate(months):
            rows: list[list[object]] = [[f"黔江区{month.year}年{month.month}月民政统计表"],
                                        ["乡镇（街道）"] + [f"{i.name}（{i.unit}）" for i in inds]]
            for ti, t in enumerate(towns):
                if month == LAST and t.name == LATE:
                    continue
                rows.append([t.name] + [float(values[i.code][ti, mi]) for i in inds])
            plan = prepare(con, [(f"{month.year}年{month.month}月.xlsx", xlsx_bytes([Sheet("表1", rows)]))], Options())
            explained = {f.rule: "测试数据" for f in plan.findings if getattr(f, "rule", None)}
            commit(con, plan, user_name="测试", explanations=explained)
        ids = {t.name: t.id for t in townships.townships(con, include_district=True)}
        district = townships.district(con)
        assert district is not None
        for (code, town, year), value in TARGETS.items():
            queries.execute(con, "target_insert", indicator_code=code, township_id=ids[town] if town else district.id,
                            year=year, value=value, note="测试目标")
    finally:
        con.close()
    return path


# --- expected values: SQL on v_fact, written apart from civdash.analysis ----------------------------------------

def _months(start: date, end: date) -> list[date]:
    out, m = [], start
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


class Expect:
    """Independent figures of the test database (SQL on ``v_fact`` and the catalog tables)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.kind = dict(con.execute("SELECT code, kind FROM indicator").fetchall())
        self.weight = dict(con.execute("SELECT code, weight FROM indicator WHERE weight IS NOT NULL").fetchall())

    def _one(self, sql: str, params: list) -> float | None:
        row = self.con.execute(sql, params).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def by_town(self, code: str, start: date, end: date, towns: list[str] | None = None) -> dict[str, float]:
        """Each township's figure over the months: a flow summed, a stock or level at the last month."""
        kind = self.kind[code]
        if kind == "flow":
            rows = self.con.execute("SELECT township, sum(value) FROM v_fact WHERE indicator_code = ? AND period "
                                    "BETWEEN ? AND ? GROUP BY township", [code, start, end]).fetchall()
        else:
            rows = self.con.execute("SELECT township, value FROM v_fact WHERE indicator_code = ? AND period = ?",
                                    [code, end]).fetchall()
        return {t: float(v) for t, v in rows if towns is None or t in towns}

    def value(self, code: str, town: str | None, start: date, end: date, towns: list[str] | None = None) -> float | None:
        """The district's (or ``town``'s) figure; ``towns`` restricts the townships summed (like for like)."""
        if town is not None:
            return self.by_town(code, start, end).get(town)
        figures = self.by_town(code, start, end, towns)
        if not figures:
            return None
        if self.kind[code] != "level":
            return sum(figures.values())
        weights = self.by_town(self.weight[code], start, end, towns)
        both = [t for t in figures if t in weights]
        return sum(figures[t] * weights[t] for t in both) / sum(weights[t] for t in both)

    def complete_towns(self, code: str, spans: list[tuple[date, date]]) -> list[str]:
        """Townships that reported every month of every span (a flow) or each span's last month (a stock)."""
        needed = [m for a, b in spans for m in (_months(a, b) if self.kind[code] == "flow" else [b])]
        rows = self.con.execute("SELECT township, count(DISTINCT period) FROM v_fact WHERE indicator_code = ? AND "
                                "list_contains(?, period) GROUP BY township", [code, needed]).fetchall()
        return [t for t, n in rows if n == len(set(needed))]

    def change(self, code: str, town: str | None, now: tuple[date, date], base: tuple[date, date]) -> float | None:
        """Now minus base, like for like (the district's townships that reported in both)."""
        towns = self.complete_towns(code, [now, base]) if town is None else None
        a, b = self.value(code, town, *now, towns), self.value(code, town, *base, towns)
        return None if a is None or b is None else a - b

    def monthly_average(self, code: str, town: str | None, start: date, end: date) -> float:
        per_month = [self.value(code, town, m, m) for m in _months(start, end)]
        known = [v for v in per_month if v is not None]
        return sum(known) / len(known)

    def per(self, numerator: str, denominator: str, town: str | None, month: date) -> float | None:
        num, den = self.value(numerator, town, month, month), self.value(denominator, town, month, month)
        return None if num is None or not den else num / den

    def target(self, code: str, town: str | None, month: date) -> tuple[float, float]:
        """(progress up to ``month`` — a flow since January, a stock at the month —, the year's target)."""
        actual = self.value(code, town, date(month.year, 1, 1), month)
        goal = self.con.execute("SELECT g.value FROM target g JOIN township t ON t.id = g.township_id WHERE "
                                "g.indicator_code = ? AND g.year = ? AND (t.name = ? OR (? IS NULL AND t.level = "
                                "'district'))", [code, month.year, town, town]).fetchone()
        assert actual is not None and goal is not None
        return actual, float(goal[0])
