"""Values as read → one value per (indicator, township, month), and the checks that need stored data.

- Year-to-date flows become each month's amount by difference with the previous month's total, from the
  same upload or the months already stored (``ytd.monthly_from_ytd``); a month that cannot be derived is an
  error, a total below last month's a warning.
- A flow given for several months that are not year-to-date — a quarter (一季度), 4-6月, a year — is
  stored so that the months of that span add up to the figure: its last month holds the figure minus the
  span's other months already known (stored, or in the same upload); with none known, the whole figure
  sits in the last month. Quarter and year totals are then right, and the note says where it went. Stocks
  and rates of such a period are end-of-period values and go to its last month.
- The same key twice in one upload is an error naming both cells; so is a month after the current one (a year
  typed wrong: 2052 for 2025).
- The audit rules (``checks.apply_rules``) on the monthly values; here, the built-in ones that need this step:
  a year-to-date total below last month's (``@累计减少``), and an amount per person outside 1–100,000 元 a month
  (``@单位``: a 万元 header over values in 元, or the reverse), at the tier the rule catalog gives them.
- A warning: registered townships missing from a sheet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from civdash.domain import times
from civdash.domain.periods import month_from_number, month_label, month_number, month_numbers
from civdash.ingest.checks import apply_rules
from civdash.ingest.context import Context
from civdash.ingest.extract import SheetResult
from civdash.ingest.keys import fact_keys
from civdash.ingest.ytd import monthly_from_ytd
from civdash.store import queries

PER_PERSON_RANGE = (1.0, 100_000.0)

Key = tuple[str, int]  # (indicator, township)


FACT_COLUMNS = ("indicator", "township", "month", "value", "sheet", "cell")  # month: a ``month_number``; sheet: index


class Fact(NamedTuple):
    """One value to store: the month's own amount for flows, base unit, with the sheet and cell it came from."""

    indicator: str
    township: int
    month: date
    value: float
    sheet: SheetResult
    cell: str


def stored_values(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Current stored monthly values (indicator, township, month number, value) of the (indicator, township)
    ``pairs`` from December of ``first_year - 1`` through ``last_year``."""
    known = pairs[pairs["township"] > 0].rename(columns={"indicator": "indicator_code", "township": "township_id"})
    if known.empty:
        return pd.DataFrame({"indicator": [], "township": np.array([], np.int64), "month": np.array([], np.int64),
                             "value": np.array([], np.float64), "from_ytd": np.array([], bool)})
    con.register("upload_keys", known)
    try:
        rows = queries.run(con, "stored_values", first=date(first_year - 1, 12, 1), last=date(last_year, 12, 1))
    finally:
        con.unregister("upload_keys")
    months = pd.to_datetime(rows["period"])
    return pd.DataFrame({"indicator": rows["indicator_code"].astype(object), "township": rows["township_id"].astype(np.int64),
                         "month": month_numbers(months),
                         "value": rows["value"].astype(np.float64), "from_ytd": rows["from_ytd"].astype(bool)})


def resolve(con: duckdb.DuckDBPyConnection, sheets: Sequence[SheetResult], ctx: Context) -> pd.DataFrame:
    """Monthly facts of every sheet (FACT_COLUMNS; ``sheet`` indexes ``sheets``); findings are added to the sheet
    they concern. Work column-wise: a long table of a million values is a few table operations."""
    frames = [f.assign(sheet=no) for no, s in enumerate(sheets) if s.layout is not None and len(f := s.value_frame())]
    if not frames:
        return _empty_facts()
    values = pd.concat(frames, ignore_index=True)
    keys = _keys(values, ctx)
    dup = pd.Series(keys).duplicated(keep="first").to_numpy()
    if dup.any():
        kept = np.flatnonzero(~dup)
        firsts = kept[pd.Index(keys[kept]).get_indexer(keys[dup])]
        for k, f in zip(np.flatnonzero(dup).tolist(), firsts.tolist(), strict=True):
            row, other = values.iloc[k], values.iloc[f]
            sheets[row.sheet].error(f"与{sheets[other.sheet].at(other.cell)}是同一指标、乡镇和月份"
                                    f"（{month_label(month_from_number(int(row.month)))}），重复", row.cell)
        values = values[~dup].reset_index(drop=True)

    code_of, codes = pd.factorize(values["indicator"])
    flow = np.array([ctx.indicators[c].kind == "flow" for c in codes], dtype=bool)[code_of]
    ytd = flow & values["ytd"].to_numpy()
    span = flow & ~ytd & (values["first"].to_numpy() != values["month"].to_numpy())
    direct = values[~ytd & ~span]
    pairs = values[["indicator", "township"]].drop_duplicates()
    years = values["month"] // 12
    stored = stored_values(con, pairs, int(years.min()), int(years.max()))
    parts = [direct[list(FACT_COLUMNS)].assign(from_ytd=False)]
    if ytd.any() or span.any():
        parts.append(_derived(values[ytd], values[span], direct, stored, sheets, ctx))
    facts = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    _future(facts, sheets)
    again = _worked_out_again(facts, stored, sheets, ctx)
    if len(again):
        facts = pd.concat([facts, again], ignore_index=True)
    apply_rules(con, facts, sheets, ctx)
    _per_person(facts, sheets, ctx)
    _missing_townships(sheets, ctx)
    return facts


def _keys(frame: pd.DataFrame, ctx: Context) -> np.ndarray:
    """``keys.fact_keys`` of a frame's (indicator, township, month), indicators numbered in catalog order."""
    code_of, codes = pd.factorize(frame["indicator"])
    position = {code: i for i, code in enumerate(ctx.indicators)}
    number = np.array([position[c] for c in codes] or [0], dtype=np.int64)[code_of]
    return fact_keys(number, frame["township"].to_numpy(), frame["month"].to_numpy())


def _empty_facts() -> pd.DataFrame:
    return pd.DataFrame({"indicator": pd.Series([], dtype=object), "township": np.array([], np.int64),
                         "month": np.array([], np.int64), "value": np.array([], np.float64),
                         "sheet": np.array([], np.int64), "cell": pd.Series([], dtype=object)})


def _derived(ytd: pd.DataFrame, spans: pd.DataFrame, direct: pd.DataFrame, stored: pd.DataFrame,
             sheets: Sequence[SheetResult], ctx: Context) -> pd.DataFrame:
    """Each month's own amount of the year-to-date totals and the spans: row by row, which is fine for the
    size of the forms that carry them."""
    wanted = pd.concat([ytd[["indicator", "township"]], spans[["indicator", "township"]]]).drop_duplicates()
    # What is known of the months of each wanted (indicator, township): this upload's monthly values, else stored.
    known: dict[Key, dict[date, float]] = defaultdict(dict)
    for source in (direct, stored):  # the upload's first: stored months fill only what it lacks
        mine = source.merge(wanted, on=["indicator", "township"])
        for ind, tid, month, value in mine[["indicator", "township", "month", "value"]].itertuples(index=False):
            known[(ind, tid)].setdefault(month_from_number(month), value)
    by_key: dict[Key, dict[date, tuple[float, int, str]]] = defaultdict(dict)
    for ind, tid, month, value, sheet, cell in ytd[list(FACT_COLUMNS)].itertuples(index=False):
        by_key[(ind, tid)][month_from_number(month)] = (value, sheet, cell)
    out: list[tuple[str, int, int, float, int, str, bool]] = []
    for key, by_month in by_key.items():
        derived = monthly_from_ytd({m: v[0] for m, v in by_month.items()}, known[key])
        for month, message in derived.missing:
            _, sheet, cell = by_month[month]
            sheets[sheet].error(f"{ctx.indicators[key[0]].name}：{message}（请先导入或一并上传之前月份的数据）", cell)
        for month, message in derived.decreasing:
            _, sheet, cell = by_month[month]
            sheets[sheet].audit(ctx.builtin_rules.get("ytd_decrease"),
                                f"{ctx.township_name(key[1])}{ctx.indicators[key[0]].name}：{message}，推算的当月数为负", cell)
        for month, amount in derived.monthly.items():
            _, sheet, cell = by_month[month]
            out.append((key[0], key[1], month_number(month), amount, sheet, cell, True))
            known[key][month] = amount
    noted: set[int] = set()
    for ind, tid, value, sheet, cell, spec in spans[["indicator", "township", "value", "sheet", "cell", "spec"]].itertuples(
            index=False):
        months = spec.months()
        last = months[-1]
        others = [known[(ind, tid)].get(m) for m in months[:-1]]
        amount = value - sum(o for o in others if o is not None)
        sr = sheets[sheet]
        if amount < 0:
            sr.audit(ctx.builtin_rules.get("ytd_decrease"), f"{ctx.township_name(tid)}{ctx.indicators[ind].name}："
                     f"{spec.label()}合计小于其中已有月份之和，推算的{last.month}月数为负", cell)
        out.append((ind, tid, month_number(last), amount, sheet, cell, False))
        if sheet not in noted:
            noted.add(sheet)
            sr.note(f"{spec.label()}的累计发生数记入{month_label(last)}（减去该期间内已有的月份），季度和全年合计与表中一致")
    frame = pd.DataFrame(out, columns=[*FACT_COLUMNS, "from_ytd"])
    return frame.astype({"township": np.int64, "month": np.int64, "value": np.float64, "sheet": np.int64,
                         "from_ytd": bool})


def _worked_out_again(facts: pd.DataFrame, stored: pd.DataFrame, sheets: Sequence[SheetResult],
                      ctx: Context) -> pd.DataFrame:
    """The stored month right after an upload's last month of a year, when its amount was worked out from its 1-N月
    total: it is worked out again. That total was the sum of the stored months up to it, so the month's amount
    changes by as much as the upload changes the months before it (a March corrected by +5 makes April −5; May, the
    difference of two totals that did not change, stays). The new amount is stored with the upload (its cell: the
    last month uploaded), so that a rollback restores the old one."""
    if stored.empty or not stored["from_ytd"].any():
        return _empty_facts().assign(from_ytd=np.array([], bool))
    flows = facts[[ctx.indicators[c].kind == "flow" for c in facts["indicator"]]]
    old = {(i, t, m): v for i, t, m, v in stored[["indicator", "township", "month", "value"]].itertuples(index=False)}
    worked = {(i, t, m) for i, t, m, y in stored[["indicator", "township", "month", "from_ytd"]].itertuples(index=False)
              if y}
    uploaded = {(i, t, m) for i, t, m in flows[["indicator", "township", "month"]].itertuples(index=False)}
    out = []
    for (ind, tid, _year), group in flows.groupby([flows["indicator"], flows["township"], flows["month"] // 12],
                                                   sort=False):
        last = int(group["month"].max())
        after = (ind, int(tid), last + 1)
        if (last + 1) % 12 == 0 or after in uploaded or after not in worked:
            continue  # December's next month starts a new year; the next month is in the upload, or was not derived
        change = sum(v - old.get((ind, int(tid), int(m)), 0.0) for m, v in group[["month", "value"]].itertuples(
            index=False))
        if abs(change) <= 1e-9 * max(1.0, abs(old[after])):
            continue
        amount = old[after] - change
        row = group.loc[group["month"].idxmax()]
        sheet, cell = int(row["sheet"]), row["cell"]
        out.append((ind, int(tid), last + 1, amount, sheet, cell, True))
        ind_ = ctx.indicators[ind]
        month = month_label(month_from_number(last + 1))
        sheets[sheet].note(f"{ctx.township_name(int(tid))}{ind_.name}：已保存的{month}当月数由1-{(last + 1) % 12 + 1}月累计数"
                           f"推算，本次改变了之前的月份，{month}当月数随之重新推算：{_amount(old[after], ind_.unit)} → "
                           f"{_amount(amount, ind_.unit)}", cell)
        if amount < 0:
            sheets[sheet].audit(ctx.builtin_rules.get("ytd_decrease"),
                                f"{ctx.township_name(int(tid))}{ind_.name}：按已保存的累计数重新推算的{month}当月数为负", cell)
    frame = pd.DataFrame(out, columns=[*FACT_COLUMNS, "from_ytd"])
    return frame.astype({"township": np.int64, "month": np.int64, "value": np.float64, "sheet": np.int64,
                         "from_ytd": bool})


def _future(facts: pd.DataFrame, sheets: Sequence[SheetResult], today: date | None = None) -> None:
    """A month after the current one cannot have been reported yet: a year typed wrong (2052 for 2025) is an error
    at the first cell that holds it, one per sheet and month."""
    now = month_number(today or times.today_beijing())
    late = facts[facts["month"].to_numpy() > now]
    for (sheet, month), group in late.groupby(["sheet", "month"], sort=True):
        sheets[int(sheet)].error(f"期间{month_label(month_from_number(int(month)))}晚于本月（{month_label(month_from_number(now))}），"
                                 "还不可能有数据：请检查年份或月份是否写错（如把2025年写成了2052年）", group["cell"].iat[0])


def _per_person(facts: pd.DataFrame, sheets: Sequence[SheetResult], ctx: Context) -> None:
    """One warning per sheet and amount column whose typical amount per person is implausible."""
    low, high = PER_PERSON_RANGE
    for amount_code, count_code in ctx.per_person:
        amounts = facts[facts["indicator"] == amount_code]
        if amounts.empty:
            continue
        counts = facts.loc[facts["indicator"] == count_code, ["township", "month", "value"]]
        both = amounts.merge(counts, on=["township", "month"], suffixes=("", "_count"))
        both = both[(both["value_count"] > 0) & (both["value"] > 0)]
        for sheet, group in both.groupby("sheet", sort=False):
            typical = float(np.median(group["value"] / group["value_count"]))
            if not low <= typical <= high:
                amount, count = ctx.indicators[amount_code], ctx.indicators[count_code]
                hint = "表头写万元而数值是元？" if typical > high else "表头写元而数值是万元？"
                sheets[sheet].audit(ctx.builtin_rules.get("unit"),
                                    f"{amount.name}按{count.name}计每月约{typical:,.2f}元，超出合理范围"
                                    f"（{low:,.0f}～{high:,.0f}元）：请检查单位（{hint}）", group["cell"].iat[0])


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


def _amount(value: float, unit: str) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") + unit
