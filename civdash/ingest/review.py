"""An upload plan as a person reviews it before confirming: what was understood of each sheet, the findings, the
table as it will be stored (new / changed / unchanged against what is stored) and the sheet as uploaded with
the cells that have findings. Tables of text for the upload page; nothing here writes to the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from civdash.domain.periods import month_from_number, month_label
from civdash.domain.units import display_unit, format_value
from civdash.ingest.commit import preview
from civdash.ingest.extract import GRID_ROWS, LAYOUT_NAMES, ColumnInfo, SheetResult
from civdash.ingest.layout import cell_text, column_letter
from civdash.ingest.upload import Plan

LEVEL_NAMES = {"error": "错误", "soft": "需核实", "warning": "警告", "note": "说明"}
STATUS_NAMES = {"new": "新增", "changed": "修改", "unchanged": "不变"}
_CELL = re.compile(r"[A-Z]{1,3}[0-9]{1,7}")
_RANK = {"note": 0, "warning": 1, "soft": 2, "error": 3}
READING = "报表读取"  # the group of errors that are not an audit rule's: a cell that is not a number, an unknown township


def finding_cell(where: str) -> str | None:
    """'a.xlsx › 主要指标 › D7' → 'D7'; None when a finding names no cell."""
    last = where.rsplit(" › ", 1)[-1]
    return last if " › " in where and _CELL.fullmatch(last) else None


def findings_table(plan: Plan, levels: tuple[str, ...] = ("error", "warning", "note")) -> pd.DataFrame:
    """级别 | 位置 | 说明, errors first."""
    rows = [(LEVEL_NAMES[f.level], f.where, f.message) for level in levels for f in plan.findings if f.level == level]
    return pd.DataFrame(rows, columns=["级别", "位置", "说明"])


@dataclass(frozen=True)
class RuleGroup:
    """The findings of one audit rule (or, for errors, of reading the file), as the upload page lists them."""

    key: str  # the rule's code: an explanation given under it covers every finding of the group
    title: str  # '核实性审核：与本乡镇近12个月中位数相差5倍以上'
    table: pd.DataFrame  # 位置 | 说明


def rule_groups(plan: Plan, level: str) -> list[RuleGroup]:
    """The findings of ``level`` ('error' or 'soft') grouped by rule, in the order the rules first found something."""
    groups: dict[str, list] = {}
    names: dict[str, str] = {}
    for f in plan.findings:
        if f.level == level:
            key = f.rule or READING
            groups.setdefault(key, []).append((f.where, f.message))
            names[key] = f.rule_name or READING
    tier = {"error": "强制性审核", "soft": "核实性审核"}[level]
    return [RuleGroup(key, f"{tier}：{names[key]}" if key != READING else f"{READING}错误", pd.DataFrame(
        rows, columns=["位置", "说明"])) for key, rows in groups.items()]


def sheet_summary(plan: Plan, index: int) -> str:
    """'乡镇报表 · 2025年4月 · 30个乡镇（街道） · 870条数据'."""
    s = plan.sheets[index]
    if s.layout is None:
        return "隐藏的工作表，未读取" if s.hidden_left_out else "未识别为可导入的报表"
    parts = [LAYOUT_NAMES[s.layout], s.period_label() or "期间不明"]
    if s.layout != "district":
        parts.append(f"{len(s.townships)}个乡镇（街道）")
    parts.append(f"{plan.facts_per_sheet().get(index, 0):,}条数据")
    return " · ".join(parts)


def _basis(c: ColumnInfo, kind: str | None) -> str:
    if kind is None:
        return "—"
    if kind != "flow":
        return "期末数"
    text = "1-N月累计（按差额推算当月数）" if c.ytd else "当月数"
    return text + ("（未注明，按推定）" if c.assumed else "")


def columns_table(plan: Plan, sheet: SheetResult) -> pd.DataFrame:
    """What each column (or, in a long table, each indicator name) was understood as."""
    inds = plan.context.indicators
    rows = []
    for c in sheet.columns:
        ind = inds.get(c.indicator) if c.indicator else None
        if ind is None:
            target = "（未对应，不保存）" if c.header not in plan.context.options.mappings else "（已选择忽略）"
            rows.append((c.letter, c.header, target, c.unit or "", "", "—"))
            continue
        conversion = f"{c.unit} → {ind.unit}（×{c.factor:,.10g}）" if c.unit and c.factor != 1 else ""
        rows.append((c.letter, c.header, ind.name, c.unit or ind.unit, conversion, _basis(c, ind.kind)))
    return pd.DataFrame(rows, columns=["列", "表头", "对应指标", "单位", "换算", "当月/累计"])


def unmapped_headers(plan: Plan) -> list[tuple[str, str]]:
    """(header, where) of columns or long-table names that map to no indicator and that nobody decided on yet."""
    chosen = plan.context.options.mappings
    out: dict[str, str] = {}
    for s in plan.sheets:
        for c in s.columns:
            if c.indicator is None and c.header not in chosen and c.header not in out:
                out[c.header] = f"{s.where} › {c.letter}列"
    return list(out.items())


def assumed_sheets(plan: Plan) -> list[str]:
    """'file › sheet' of the sheets where 当月 or 累计 was assumed for some flow column."""
    return [s.where for s in plan.sheets if any(c.assumed for c in s.columns)]


def plan_months(plan: Plan) -> list[date]:
    """The months the plan stores values for, latest first."""
    return [month_from_number(int(m)) for m in sorted(plan.table["month"].unique(), reverse=True)]


@dataclass(frozen=True)
class StoredView:
    """The table as it will be stored for one month: townships × indicators as text, and each cell's status
    ('new', 'changed', 'unchanged', plus ' warning' when a finding names its cell); counts per status."""

    values: pd.DataFrame
    status: pd.DataFrame
    counts: dict[str, int]


def stored_view(con: duckdb.DuckDBPyConnection, plan: Plan, month: date) -> StoredView:
    frame = plan.frame()
    frame = frame[frame["period"].dt.date == month].reset_index(drop=True)
    if frame.empty:
        empty = pd.DataFrame()
        return StoredView(empty, empty, {})
    status = preview(con, frame)
    frame = frame.merge(status[["indicator_code", "township_id", "old_value", "status"]],
                        on=["indicator_code", "township_id"], how="left")
    ctx = plan.context
    warned = {(s.file, s.sheet, finding_cell(f.where)) for s in plan.sheets for f in s.findings
              if f.level in ("soft", "warning")}
    files = {n: name for name, n in plan.file_numbers.items()}
    present = set(frame["indicator_code"])
    codes = [c for c in ctx.indicators if c in present]
    order = {t: i for i, t in enumerate(sorted(set(frame["township_id"]), key=lambda t: (t < 0, abs(t))))}
    registered = {name: i for i, name in enumerate(ctx.townships.names)}
    towns = sorted(order, key=lambda t: (registered.get(ctx.township_name(t), len(registered)), order[t]))
    names = [ctx.township_name(t) for t in towns]
    headers = [f"{ctx.indicators[c].name}（{display_unit(ctx.indicators[c].unit)}）" for c in codes]
    values = pd.DataFrame("", index=names, columns=headers)
    marks = pd.DataFrame("", index=names, columns=headers)
    for row in frame.itertuples(index=False):
        ind = ctx.indicators[row.indicator_code]
        name, header = ctx.township_name(int(row.township_id)), headers[codes.index(row.indicator_code)]
        new = format_value(row.value, ind.unit, ind.decimals, with_unit=False)
        if row.status == "changed":
            new = f"{format_value(row.old_value, ind.unit, ind.decimals, with_unit=False)} → {new}"
        values.loc[name, header] = new
        warn = (files.get(int(row.file_no)), row.sheet, row.cell) in warned
        marks.loc[name, header] = row.status + (" warning" if warn else "")
    values.index.name = marks.index.name = "乡镇（街道）"
    counts = frame["status"].value_counts().to_dict()
    return StoredView(values, marks, {k: int(counts.get(k, 0)) for k in STATUS_NAMES})


def sheet_grid(sheet: SheetResult, max_rows: int = GRID_ROWS) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The sheet as uploaded (its first ``max_rows`` rows, with Excel's row numbers and column letters) and each
    cell's worst finding level ('' / 'note' / 'warning' / 'error'); None when the sheet was not kept."""
    if sheet.grid is None:
        return None
    rows = sheet.grid[:max_rows]
    width = max((len(r) for r in rows), default=0)
    letters = [column_letter(c) for c in range(width)]
    grid = pd.DataFrame([[cell_text(v) for v in r] + [""] * (width - len(r)) for r in rows],
                        index=range(1, len(rows) + 1), columns=letters)
    levels = pd.DataFrame("", index=grid.index, columns=letters)
    for f in sheet.findings:
        cell = finding_cell(f.where)
        if cell is None:
            continue
        m = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", cell)
        letter, row = m.group(1), int(m.group(2))
        if letter in levels.columns and row in levels.index and _RANK[f.level] > _RANK.get(levels.loc[row, letter], -1):
            levels.loc[row, letter] = f.level
    return grid, levels


def month_choices(plan: Plan) -> dict[str, date]:
    """'2025年4月' → month, latest first."""
    return {month_label(m): m for m in plan_months(plan)}
