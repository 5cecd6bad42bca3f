"""Values as read → one value per (indicator, township, month), and the checks that need stored data.

- Year-to-date flows become each month's amount by difference with the previous month's total, from the
  same upload or the months already stored (``ytd.monthly_from_ytd``); a month that cannot be derived is an
  error, a total below last month's a warning.
- A flow given for several months that are not year-to-date — a quarter (一季度), 4-6月, a year — is
  stored so that the months of that span add up to the figure: its last month holds the figure minus the
  span's other months already known (stored, or in the same upload); with none known, the whole figure
  sits in the last month. Quarter and year totals are then right, and the note says where it went. Stocks
  and rates of such a period are end-of-period values and go to its last month.
- The same key twice in one upload is an error naming both cells.
- Warnings: a month-on-month jump beyond a threshold (stocks and rates ±30%, flows ×3 or ÷3, ignoring
  values under 10), an amount per person outside 1–100,000 元 a month (a 万元 header over values in 元,
  or the reverse), registered townships missing from a sheet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import duckdb
import pandas as pd

from civdash import queries
from civdash.ingest.context import Context
from civdash.ingest.extract import SheetResult, Value
from civdash.ingest.ytd import monthly_from_ytd
from civdash.periods import add_months, month_label

STOCK_JUMP = 0.30
FLOW_JUMP = 3.0
JUMP_FLOOR = 10.0
PER_PERSON_RANGE = (1.0, 100_000.0)

Key = tuple[str, int]  # (indicator, township)


class Fact(NamedTuple):
    """One value to store: the month's own amount for flows, base unit, with the cell it came from."""

    indicator: str
    township: int
    month: date
    value: float
    sheet: SheetResult
    cell: str


def stored_values(con: duckdb.DuckDBPyConnection, keys: set[Key], first_year: int, last_year: int
                  ) -> dict[Key, dict[date, float]]:
    """Current stored monthly values for ``keys`` from December of ``first_year - 1`` through ``last_year``."""
    out: dict[Key, dict[date, float]] = defaultdict(dict)
    known = [k for k in keys if k[1] > 0]
    if not known:
        return out
    frame = pd.DataFrame(known, columns=["indicator_code", "township_id"])
    con.register("upload_keys", frame)
    try:
        rows = queries.run(con, "stored_values", first=date(first_year - 1, 12, 1), last=date(last_year, 12, 1))
    finally:
        con.unregister("upload_keys")
    for ind, tid, period, value in rows.itertuples(index=False):
        out[(ind, int(tid))][pd.Timestamp(period).date()] = float(value)
    return out


def resolve(con: duckdb.DuckDBPyConnection, sheets: Sequence[SheetResult], ctx: Context) -> list[Fact]:
    """Monthly facts of every sheet; findings are added to the sheet they concern."""
    direct: dict[tuple[str, int, date], Fact] = {}
    ytd: dict[Key, dict[date, tuple[Value, SheetResult]]] = defaultdict(dict)
    spans: list[tuple[Value, SheetResult]] = []
    owner: dict[tuple[str, int, date], tuple[SheetResult, str]] = {}  # where the other keys come from
    kinds = {code: ind.kind for code, ind in ctx.indicators.items()}
    years: set[int] = set()
    for sr in sheets:
        for v in sr.values:
            end = v.month
            key = (v.indicator, v.township, end)
            first = direct.get(key)
            if first is not None or key in owner:
                first_sheet, first_cell = (first.sheet, first.cell) if first is not None else owner[key]
                sr.error(f"与{first_sheet.at(first_cell)}是同一指标、乡镇和月份（{month_label(end)}），重复", v.cell)
                continue
            years.add(end.year)
            kind = kinds[v.indicator]
            if kind == "flow" and v.ytd:
                owner[key] = (sr, v.cell)
                ytd[(v.indicator, v.township)][end] = (v, sr)
            elif kind == "flow" and v.period.first_month != v.period.last_month:
                owner[key] = (sr, v.cell)
                spans.append((v, sr))
            else:
                direct[key] = Fact(v.indicator, v.township, end, v.value, sr, v.cell)
    if not years:
        return []

    pairs = {(ind, tid) for ind, tid, _ in direct} | {(ind, tid) for ind, tid, _ in owner}
    stored = stored_values(con, pairs, min(years), max(years))
    # What is known of the months of each (indicator, township) with year-to-date totals or spans to work out:
    # this upload's monthly values, else the stored ones.
    wanted = set(ytd) | {(v.indicator, v.township) for v, _ in spans}
    known: dict[Key, dict[date, float]] = defaultdict(dict)
    if wanted:
        for ind, tid, month, value, _, _ in direct.values():
            if (ind, tid) in wanted:
                known[(ind, tid)][month] = value
        for key, months in stored.items():
            if key in wanted:
                mine = known[key]
                for month, value in months.items():
                    if month not in mine:
                        mine[month] = value

    facts = dict(direct)
    for key, by_month in ytd.items():
        derived = monthly_from_ytd({m: v.value for m, (v, _) in by_month.items()}, known[key])
        for month, message in derived.missing:
            v, sr = by_month[month]
            sr.error(f"{ctx.indicators[key[0]].name}：{message}（请先导入或一并上传之前月份的数据）", v.cell)
        for month, message in derived.decreasing:
            v, sr = by_month[month]
            sr.warning(f"{ctx.indicators[key[0]].name}：{message}，推算的当月数为负", v.cell)
        for month, amount in derived.monthly.items():
            v, sr = by_month[month]
            facts[(key[0], key[1], month)] = Fact(key[0], key[1], month, amount, sr, v.cell)
            known[key][month] = amount

    noted: set[int] = set()
    for v, sr in spans:
        months = v.period.months()
        last = months[-1]
        others = [known[(v.indicator, v.township)].get(m) for m in months[:-1]]
        amount = v.value - sum(o for o in others if o is not None)
        if amount < 0:
            sr.warning(f"{v.period.label()}合计小于其中已有月份之和，推算的{last.month}月数为负", v.cell)
        facts[(v.indicator, v.township, last)] = Fact(v.indicator, v.township, last, amount, sr, v.cell)
        if id(sr) not in noted:
            noted.add(id(sr))
            sr.note(f"{v.period.label()}的累计发生数记入{month_label(last)}（减去该期间内已有的月份），"
                    "季度和全年合计与表中一致")

    result = list(facts.values())
    _jumps(facts, stored, ctx)
    _per_person(result, ctx)
    _missing_townships(sheets, ctx)
    return result


def _jumps(facts: dict[tuple[str, int, date], Fact], stored: dict[Key, dict[date, float]], ctx: Context) -> None:
    """``facts`` by their own (indicator, township, month)."""
    kinds = {code: ind.kind for code, ind in ctx.indicators.items()}
    previous: dict[date, date] = {}
    for ind, tid, month, value, sheet, cell in facts.values():
        prev_month = previous.get(month)
        if prev_month is None:
            prev_month = previous[month] = add_months(month, -1)
        before = facts.get((ind, tid, prev_month))
        prev = before.value if before is not None else stored.get((ind, tid), {}).get(prev_month)
        if prev is None or max(abs(prev), abs(value)) < JUMP_FLOOR or prev <= 0:
            continue
        ratio = value / prev
        jumped = (ratio > FLOW_JUMP or ratio < 1 / FLOW_JUMP) if kinds[ind] == "flow" else abs(ratio - 1) > STOCK_JUMP
        if jumped:
            change = f"增长{ratio - 1:.0%}" if ratio > 1 else f"下降{1 - ratio:.0%}"
            name = ctx.township_name(tid)
            sheet.warning(f"{name}{ctx.indicators[ind].name}较上月{change}"
                          f"（上月{prev:,.0f}，本月{value:,.0f}），请核实", cell)


def _per_person(facts: Sequence[Fact], ctx: Context) -> None:
    """One warning per sheet and amount column whose typical amount per person is implausible."""
    paired = {code for pair in ctx.per_person for code in pair}
    by_indicator: dict[str, dict[tuple[int, date], Fact]] = defaultdict(dict)
    for f in facts:
        if f.indicator in paired:
            by_indicator[f.indicator][(f.township, f.month)] = f
    for amount_code, count_code in ctx.per_person:
        counts = by_indicator.get(count_code, {})
        ratios: dict[int, tuple[SheetResult, list[float], str]] = {}
        for where, f in by_indicator.get(amount_code, {}).items():
            count = counts.get(where)
            if count is None or count.value <= 0 or f.value <= 0:
                continue
            entry = ratios.setdefault(id(f.sheet), (f.sheet, [], f.cell))
            entry[1].append(f.value / count.value)
        low, high = PER_PERSON_RANGE
        for sr, found, cell in ratios.values():
            typical = statistics.median(found)
            if not low <= typical <= high:
                amount, count = ctx.indicators[amount_code], ctx.indicators[count_code]
                hint = "表头写万元而数值是元？" if typical > high else "表头写元而数值是万元？"
                sr.warning(f"{amount.name}按{count.name}计每月约{typical:,.2f}元，超出合理范围"
                           f"（{low:,.0f}～{high:,.0f}元）：请检查单位（{hint}）", cell)


def _missing_townships(sheets: Sequence[SheetResult], ctx: Context) -> None:
    registered = ctx.townships.names
    for sr in sheets:
        if sr.layout not in ("report", "long") or not sr.townships or sr.has_errors:
            continue
        present = {ctx.township_name(t) for t in sr.townships}
        missing = [n for n in registered if n not in present]
        if missing:
            shown = "、".join(missing[:10]) + (f"等{len(missing)}个" if len(missing) > 10 else "")
            sr.warning(f"本表没有以下已登记乡镇（街道）的数据：{shown}")
