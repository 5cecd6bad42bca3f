"""The audit rules' formulas, checked on an upload's monthly values (after year-to-date totals became months).

Every formula rule of the catalog (``civdash.domain.rules``) is checked on every (township, month) the upload holds.
A formula reads this upload's values first, then what is stored for the same month — so ``城市低保户数 <= 城市低保人数``
holds an upload of 户数 alone against the stored 人数 — and through its functions the months before: 上月 (the month
before), 近12月中位数 (the median of the twelve months before, once at least three of them are known) and 最近值 (the
latest of the last twelve months, the district's own figure where the township has none: a 保障标准 is often set for
the whole district). A finding is placed on the cell of the first value the formula reads that this upload gives.

Also here: the built-in check on cells written as not reported ('—', '/', '无') for an indicator the township
reported (above zero) in the twelve months before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from civdash.domain.periods import month_from_number, month_label, month_numbers
from civdash.domain.rules import EACH, Term, term_label
from civdash.domain.units import COUNT_UNITS
from civdash.ingest.context import Context
from civdash.ingest.errors import Finding
from civdash.ingest.extract import SheetResult
from civdash.ingest.keys import fact_keys
from civdash.store import queries

HISTORY_MONTHS = 12
MEDIAN_MIN_MONTHS = 3


def stored_history(con: duckdb.DuckDBPyConnection, townships: Sequence[int], first: int, last: int) -> pd.DataFrame:
    """Current stored values (indicator, township, month number, value) of ``townships`` (and the district), months
    ``first`` through ``last`` (month numbers)."""
    ids = [int(t) for t in townships if t > 0]
    if not ids:
        return pd.DataFrame({"indicator": [], "township": np.array([], np.int64), "month": np.array([], np.int64),
                             "value": np.array([], np.float64)})
    rows = queries.run(con, "audit_history", townships=ids, first=month_from_number(first),
                       last=month_from_number(last))
    months = pd.to_datetime(rows["period"])
    return pd.DataFrame({"indicator": rows["indicator_code"].astype(object),
                         "township": rows["township_id"].astype(np.int64),
                         "month": month_numbers(months),
                         "value": rows["value"].astype(np.float64)})


class Known:
    """Every value a formula may read: the upload's monthly values, else the stored ones."""

    def __init__(self, facts: pd.DataFrame, stored: pd.DataFrame, ctx: Context) -> None:
        self.position = {code: i for i, code in enumerate(ctx.indicators)}
        both = pd.concat([facts[["indicator", "township", "month", "value"]], stored], ignore_index=True)
        both = both[both["indicator"].isin(self.position)]
        keys = self.keys(both["indicator"], both["township"].to_numpy(), both["month"].to_numpy())
        first = ~pd.Series(keys).duplicated(keep="first").to_numpy()  # the upload's value wins
        self.index = pd.Index(keys[first])
        self.values = both["value"].to_numpy(np.float64)[first]
        self.district = ctx.district_id()

    def keys(self, codes: pd.Series, townships: np.ndarray, months: np.ndarray) -> np.ndarray:
        code_of, distinct = pd.factorize(codes)
        number = np.array([self.position[c] for c in distinct] or [0], dtype=np.int64)[code_of]
        return fact_keys(number, townships, months)

    def key(self, code: str, townships: np.ndarray, months: np.ndarray) -> np.ndarray:
        return fact_keys(np.full(len(townships), self.position[code], dtype=np.int64), townships, months)

    def at(self, code: str, townships: np.ndarray, months: np.ndarray) -> np.ndarray:
        if code not in self.position or not len(townships):
            return np.full(len(townships), np.nan)
        found = self.index.get_indexer(self.key(code, townships, months))
        return np.where(found >= 0, self.values[found], np.nan)

    def before(self, code: str, townships: np.ndarray, months: np.ndarray) -> np.ndarray:
        """The twelve months before each row's, as columns (most recent first)."""
        return np.column_stack([self.at(code, townships, months - k) for k in range(1, HISTORY_MONTHS + 1)]) \
            if len(townships) else np.empty((0, HISTORY_MONTHS))

    def read(self, term: Term, townships: np.ndarray, months: np.ndarray) -> np.ndarray:
        if term.function is None:
            return self.at(term.code, townships, months)
        if term.function == "prev":
            return self.at(term.code, townships, months - 1)
        if term.function == "median12":
            window = self.before(term.code, townships, months)
            enough = np.isfinite(window).sum(axis=1) >= MEDIAN_MIN_MONTHS
            out = np.full(len(townships), np.nan)
            if enough.any():
                out[enough] = np.nanmedian(window[enough], axis=1)
            return out
        assert term.function == "latest"
        out = np.full(len(townships), np.nan)
        for k in range(HISTORY_MONTHS):  # this month first, then back
            out = np.where(np.isnan(out), self.at(term.code, townships, months - k), out)
        if self.district is not None:
            district = np.full(len(townships), self.district, dtype=np.int64)
            for k in range(HISTORY_MONTHS):
                out = np.where(np.isnan(out), self.at(term.code, district, months - k), out)
        return out


def apply_rules(con: duckdb.DuckDBPyConnection, facts: pd.DataFrame, sheets: Sequence[SheetResult],
                ctx: Context) -> None:
    """Check every formula rule on the upload's monthly ``facts`` (resolve.FACT_COLUMNS), and the cells written as
    not reported; findings go to the sheet of the cell they name."""
    unreported = [(ind, tid, month, no, cell) for no, s in enumerate(sheets) for ind, tid, month, cell in s.unreported]
    if facts.empty and not unreported:
        return
    months = np.concatenate([facts["month"].to_numpy(np.int64), np.array([u[2] for u in unreported], np.int64)])
    townships = sorted(set(facts["township"].tolist()) | {u[1] for u in unreported}
                       | ({ctx.district_id()} if ctx.district_id() else set()))
    stored = stored_history(con, townships, int(months.min()) - HISTORY_MONTHS, int(months.max()))
    known = Known(facts, stored, ctx)
    _formulas(facts, known, sheets, ctx)
    _not_reported(unreported, known, sheets, ctx)
    _looks_year_to_date(facts, known, sheets, ctx)


def _looks_year_to_date(facts: pd.DataFrame, known: Known, sheets: Sequence[SheetResult], ctx: Context) -> None:
    """A flow column without 当月/累计, read as the month's own amount, whose figures stand at about N times the
    townships' own previous month (in the N-th month of the year): most likely 1-N月累计, which the reading would
    store as one month's. Judged on the median over townships, so one township's real jump does not trigger it."""
    rule = ctx.builtin_rules.get("month_or_ytd")
    asked = [(no, c) for no, sheet in enumerate(sheets) for c in sheet.columns if c.assumed and c.ytd is False
             and c.indicator]  # report and district forms' columns; a long table's assumption has no column's ytd
    if rule is None or facts.empty or not asked:
        return
    sheet_of = facts["sheet"].to_numpy()
    for no, column in asked:
        here = facts[sheet_of == no]
        letters = here["cell"].astype(str).str.extract(r"^([A-Z]+)", expand=False).to_numpy(object)
        rows = here[(letters == column.letter) & (here["indicator"].to_numpy(object) == column.indicator)]
        if rows.empty:
            continue
        months = rows["month"].to_numpy(np.int64)
        nth = int(month_from_number(int(months.max())).month)
        if nth < 2:
            continue
        before = known.at(column.indicator, rows["township"].to_numpy(np.int64), months - 1)
        value = rows["value"].to_numpy(np.float64)
        usable = np.isfinite(before) & (before > 0) & np.isfinite(value)
        if usable.sum() < max(3, usable.size // 2):
            continue
        ratio = float(np.median(value[usable] / before[usable]))
        if ratio >= 1 + 0.6 * (nth - 1):
            sheets[no].audit(rule, f"{column.letter}列“{column.header}”未注明当月或累计，按当月数读取；但各乡镇数值中位约为"
                                   f"本乡镇上月的{ratio:.1f}倍，更像1-{nth}月累计数：请在上面改为“1-N月累计数”，"
                                   "或说明为何当月数如此之大", rows["cell"].iat[0])


def _formulas(facts: pd.DataFrame, known: Known, sheets: Sequence[SheetResult], ctx: Context) -> None:
    if facts.empty or not ctx.formulas:
        return
    rows = facts[["township", "month"]].drop_duplicates().reset_index(drop=True)
    tids, months = rows["township"].to_numpy(np.int64), rows["month"].to_numpy(np.int64)
    upload = pd.Index(known.keys(facts["indicator"], facts["township"].to_numpy(), facts["month"].to_numpy()))
    sheet_of, cell_of = facts["sheet"].to_numpy(np.int64), facts["cell"].to_numpy(object)
    read: dict[Term, np.ndarray] = {}  # what each value read is on every row, read once for all the rules

    def lookup(term: Term) -> np.ndarray:
        if term not in read:
            read[term] = known.read(term, tids, months)
        return read[term]

    for rule, formula, each_codes in ctx.formulas:
        for each in each_codes or [None]:
            terms = [Term(each, t.function) if t.code == EACH and each else t for t in formula.terms]
            failed = np.flatnonzero(formula.failures(lookup, len(rows), each))
            if not len(failed):
                continue
            at = np.full(len(failed), -1)  # the fact of the first value read that the upload gives
            for t in terms:
                if t.function is None and t.code in known.position:
                    found = upload.get_indexer(known.key(t.code, tids[failed], months[failed]))
                    at = np.where(at < 0, found, at)
            for k, f in zip(failed.tolist(), at.tolist(), strict=True):
                if f < 0:  # the upload gives none of the values the rule reads this month
                    continue
                shown = "，".join(_shown(t, lookup(t)[k], ctx) for t in terms)
                sheets[int(sheet_of[f])].audit(rule, f"{ctx.township_name(int(tids[k]))}"
                                                     f"{month_label(month_from_number(int(months[k])))}：{shown}",
                                               cell_of[f])


def _shown(term: Term, value: float, ctx: Context) -> str:
    ind = ctx.indicators[term.code]
    label = term_label(term, ind.name)
    if not np.isfinite(value):
        return f"{label}无数据"
    unit = ind.unit
    if unit in COUNT_UNITS and term.function != "median12":
        return f"{label}{value:,.0f}{unit}"
    return f"{label}{value:,.2f}".rstrip("0").rstrip(".") + unit


def _not_reported(unreported: list[tuple[str, int, int, int, str]], known: Known, sheets: Sequence[SheetResult],
                  ctx: Context) -> None:
    rule = ctx.builtin_rules.get("not_reported")
    if rule is None or not unreported:
        return
    for ind, tid, month, sheet, cell in unreported:
        if ind not in known.position:
            continue
        window = known.before(ind, np.array([tid], np.int64), np.array([month], np.int64))[0]
        reported = np.flatnonzero(np.isfinite(window) & (window > 0))
        if not len(reported):
            continue
        last = int(reported[0])  # the most recent month with a figure above zero
        indicator = ctx.indicators[ind]
        when: date = month_from_number(month - last - 1)
        sheets[sheet].audit(rule, f"{ctx.township_name(tid)}{month_label(month_from_number(month))}"
                                  f"{indicator.name}填写为未报送（不记为0），而{month_label(when)}为"
                                  f"{_shown(Term(ind), window[last], ctx).removeprefix(indicator.name)}：请补填或说明",
                            cell)


STORED = "已保存数据"


def recheck(con: duckdb.DuckDBPyConnection, first: date, ctx: Context) -> list[Finding]:
    """The formula rules (and negative values) checked on the stored current values from ``first`` on, as if each
    month were uploaded again: what a rule added later finds in the history. Each finding names the batch, sheet and
    cell the value came from. The checks that need the uploaded sheet (合计行, 未报送, 单位) cannot be made here."""
    rows = queries.run(con, "audit_recheck_facts", first=first)
    if rows.empty:
        return []
    months = pd.to_datetime(rows["period"])
    where = [f"第{b}批 › {s} › {c}" if isinstance(s, str) and s else f"第{b}批"
             for b, s, c in zip(rows["batch_id"], rows["sheet"], rows["cell"], strict=True)]
    facts = pd.DataFrame({"indicator": rows["indicator_code"].astype(object),
                          "township": rows["township_id"].astype(np.int64),
                          "month": month_numbers(months),
                          "value": rows["value"].astype(np.float64), "sheet": np.zeros(len(rows), np.int64),
                          "cell": where})
    found = SheetResult(STORED, None, rules=ctx.builtin_rules)
    negative = ctx.builtin_rules.get("negative")
    for ind, value, cell in facts.loc[facts["value"] < 0, ["indicator", "value", "cell"]].itertuples(index=False):
        if ctx.indicators[ind].kind != "level":
            found.audit(negative, f"{ctx.indicators[ind].name}为负数：{value:,.2f}".rstrip("0").rstrip("."), cell)
    stored = stored_history(con, sorted(set(facts["township"].tolist())), int(facts["month"].min()) - HISTORY_MONTHS,
                            int(facts["month"].min()) - 1)
    _formulas(facts, Known(facts, stored, ctx), [found], ctx)
    return found.findings
