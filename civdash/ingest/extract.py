"""One sheet → the values it holds, in base units, each with its cell, and what is wrong with them.

A sheet is recognised as a long table (period | township | indicator | value | unit columns), a report form
(townships as rows, indicators as columns) or a district-level form (indicators as rows, no townships), in
that order. Its period comes from the sheet name, the title lines and the file name (a long table's period
column row by row); ``Options.period`` stands in where none is written.

Rules (documented for statisticians in docs/ingestion.md):
- Units: a unit written in the cell (532万元) wins, then the column's (header or units row), then a
  '单位：万元' line when it fits the indicator (万元 applies to amounts, not to head-counts), else the
  indicator's base unit. A unit that does not fit the indicator (万元 over 人数) is an error.
- '—', '/', '无' mean not reported: nothing is stored (never 0); the cell is remembered for the audit rule on
  indicators a township used to report. Blank cells hold nothing.
- 当月 vs 累计 matters for flows only: the column's marker, else the sheet title's, else a 1-N月 / 截至
  period (year-to-date); without any, the month's own amount is assumed — or year-to-date when a note
  below the table says 累计 — and the assumption is reported so a person can switch it (``Options.ytd``).
  Stocks and rates are end-of-period values and stored at the period's last month.
- Errors: not a number, a fractional count, a percentage for a non-rate, a township twice, an unknown township
  (with the closest registered names), no period. Warnings: columns or indicator names that map to no indicator,
  sheets that are not recognised. The audit rules' built-in checks that need the sheet itself are made here, at the
  tier the rule catalog gives them (civdash.domain.rules): a total row that differs from the sum of the townships
  (counts exactly, amounts beyond rounding), a negative value.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import PurePath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac

from civdash.domain.catalog import Indicator
from civdash.domain.names import normalize_name
from civdash.domain.periods import PeriodSpec, find_period, month_from_number, month_number
from civdash.domain.rules import AuditRule
from civdash.domain.units import COUNT_UNITS, to_base_unit
from civdash.ingest.cells import parse_cell
from civdash.ingest.context import Context, header_key, layout_signature
from civdash.ingest.errors import TIER_LEVELS, Finding, place
from civdash.ingest.keys import fact_keys
from civdash.ingest.layout import (
    Column,
    ReportLayout,
    cell_address,
    cell_text,
    column_letter,
    detect_district_form,
    detect_long_table,
    detect_report,
    unit_in,
    ytd_marker,
)
from civdash.ingest.privacy import personal_data
from civdash.ingest.read import SheetData

LAYOUT_NAMES = {"report": "乡镇报表", "long": "明细表", "district": "全区指标表"}
GRID_ROWS = 300
_RATE_SPELLINGS = {"元/人月": "元/人·月"}
# Text that is a plain decimal number (a CSV cell: "1234", "-5", "537.25"): ``parse_cell`` reads it as float(text),
# so ``read_number`` does that directly. Digits are bounded so that the value is always finite.
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")
_PLAIN_NUMBER_RE2 = "^" + _PLAIN_NUMBER.pattern + "$"  # the same, for Arrow's regular expressions over a column


# A sheet's values as a table: indicator code, township id, the stored month and the period's first month (as
# ``month_number``s: they differ for a flow given for a span), value in base unit, year-to-date, cell, PeriodSpec.
VALUE_COLUMNS = ("indicator", "township", "month", "first", "value", "ytd", "cell", "spec")


@dataclass(slots=True)
class Value:
    """A value as read: base unit; for a flow, year-to-date through ``period``'s last month when ``ytd``."""

    indicator: str
    township: int  # negative: a new township registered on commit
    period: PeriodSpec
    value: float
    ytd: bool
    cell: str  # 'D7'
    month: date  # the period's last month: where the value is stored (flows of a span: see resolve.py)


@dataclass(frozen=True)
class ColumnInfo:
    """What was understood of one column (or, in a long table, one indicator name)."""

    letter: str
    header: str  # header key: '城市低保 › 人数'
    indicator: str | None
    unit: str | None  # as written
    factor: float  # written unit → base unit
    ytd: bool | None  # None for stocks and rates
    assumed: bool  # ytd is an assumption a person may switch


@dataclass
class SheetResult:
    file: str
    sheet: str | None
    layout: str | None = None  # 'report', 'long', 'district'
    period: PeriodSpec | None = None
    values: list[Value] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)
    signature: str | None = None
    townships: set[int] = field(default_factory=set)
    block: pd.DataFrame | None = None  # a long table's values, column-wise (VALUE_COLUMNS), instead of ``values``
    grid: list[list[object]] | None = None  # the sheet's first GRID_ROWS rows as read, to show with its findings
    rules: dict[str, AuditRule] = field(default_factory=dict)  # built-in check → the audit rule that grades it
    # cells written as not reported ('—', '/', '无'): (indicator, township, month number, cell); nothing is stored
    unreported: list[tuple[str, int, int, str]] = field(default_factory=list)
    hidden_left_out: bool = False  # the sheet, or rows or columns of it that hold something, hidden and not read
    considered: str = ""  # the rows read for figures, as a person finds them: '第4—13行（10个乡镇）'

    def value_frame(self) -> pd.DataFrame:
        """The sheet's values as a table with VALUE_COLUMNS (months as ``month_number``s)."""
        if self.block is not None:
            return self.block
        v = self.values
        return pd.DataFrame({
            "indicator": [x.indicator for x in v], "township": np.array([x.township for x in v], dtype=np.int64),
            "month": np.array([month_number(x.month) for x in v], dtype=np.int64),
            "first": np.array([month_number(x.period.months()[0]) for x in v], dtype=np.int64),
            "value": np.array([x.value for x in v], dtype=np.float64), "ytd": np.array([x.ytd for x in v], dtype=bool),
            "cell": [x.cell for x in v], "spec": [x.period for x in v]}, columns=list(VALUE_COLUMNS))

    @property
    def where(self) -> str:
        return place(self.file, self.sheet)

    def at(self, cell: str | None) -> str:
        return place(self.file, self.sheet, cell)

    def error(self, message: str, cell: str | None = None) -> None:
        self.findings.append(Finding("error", self.at(cell), message))

    def warning(self, message: str, cell: str | None = None) -> None:
        self.findings.append(Finding("warning", self.at(cell), message))

    def note(self, message: str, cell: str | None = None) -> None:
        self.findings.append(Finding("note", self.at(cell), message))

    def audit(self, rule: AuditRule | None, message: str, cell: str | None = None) -> None:
        """A finding of an audit rule, at the rule's tier; nothing when the rule is switched off."""
        if rule is not None and rule.enabled:
            self.findings.append(Finding(TIER_LEVELS[rule.tier], self.at(cell), message, rule.code, rule.name))

    def period_label(self) -> str | None:
        """The sheet's period ('2025年4月'); for a long table with a period column, the months it spans."""
        if self.layout == "long" and self.block is not None and len(self.block):
            ends = self.block["month"]
            first, last = (month_spec(month_from_number(int(m))).label() for m in (ends.min(), ends.max()))
            return first if first == last else f"{first}—{last}"
        return self.period.label() if self.period else None

    @property
    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)


# --- period -----------------------------------------------------------------------------------------------------


def sheet_period(file_name: str, sheet_name: str, title_lines: Sequence[str], fallback: date | None,
                 result: SheetResult) -> PeriodSpec | None:
    """The period a sheet's figures are for: sheet name and title first, then the file name, then ``fallback``."""
    from_file = find_period(PurePath(file_name).stem)
    year = from_file.year if from_file else None
    spec = find_period(" ｜ ".join([sheet_name, *title_lines]), default_year=year)
    if spec is None or spec.year is None:
        spec = from_file if from_file and from_file.year is not None else None
    if spec is not None and fallback is not None and spec.end() != fallback:
        result.note(f"表中写明的期间为{spec.label()}，按表中期间读取（未使用指定的{fallback.year}年{fallback.month}月）")
    if spec is None and fallback is not None:
        spec = PeriodSpec(fallback.year, fallback.month, fallback.month, False, "month")
    return spec


def month_spec(d: date) -> PeriodSpec:
    return PeriodSpec(d.year, d.month, d.month, False, "month")


# --- numbers ----------------------------------------------------------------------------------------------------


def unit_factor(ind: Indicator, unit: str | None) -> float | None:
    """Multiplier from ``unit`` to the indicator's base unit; None when the unit does not fit the indicator."""
    if unit is None:
        return 1.0
    unit = _RATE_SPELLINGS.get(unit, unit)
    factor, base = to_base_unit(1.0, unit)
    return factor if base == ind.unit else None


def sheet_unit_for(ind: Indicator, units: Sequence[str]) -> str | None:
    """The '单位：万元' line's unit that fits this indicator (万元 for amounts, 人 for head-counts), if any."""
    return next((u for u in units if unit_factor(ind, u) is not None), None)


def read_number(raw: object, ind: Indicator, factor: float, result: SheetResult, cell: str,
                key: tuple[int, date] | None = None) -> float | None:
    """The value of one cell in the indicator's base unit, or None (nothing stored); findings go to ``result``.
    A cell written as not reported ('—', '/', '无') stores nothing, and is remembered with ``key`` (township, month)
    for the audit rule on indicators a township used to report."""
    if type(raw) is float or type(raw) is int:  # the common case, without the general rule's work
        value = _in_base(raw, factor, ind)
    elif type(raw) is str and _PLAIN_NUMBER.fullmatch(raw):
        value = _in_base(float(raw), factor, ind)
    else:
        c = parse_cell(raw)
        if c.status == "empty":
            return None
        if c.status == "none":
            if key is not None:
                result.unreported.append((ind.code, key[0], month_number(key[1]), cell))
            return None
        if c.status == "error":
            result.error(c.message or "不是数字", cell)
            return None
        assert c.value is not None
        if c.percent:
            result.error(f"“{cell_text(raw)}”是百分数，但指标“{ind.name}”的单位是{ind.unit}", cell)
            return None
        if c.unit is not None:
            cell_factor = unit_factor(ind, c.unit)
            if cell_factor is None:
                result.error(f"“{cell_text(raw)}”的单位{c.unit}与指标“{ind.name}”的单位{ind.unit}不符", cell)
                return None
            value = _in_base(c.value, cell_factor, ind)
        else:
            value = _in_base(c.value, factor, ind)
    if not math.isfinite(value):
        result.error(f"不是数字：{cell_text(raw)}", cell)
        return None
    if ind.unit in COUNT_UNITS:
        if abs(value - round(value)) > 1e-6:
            result.error(f"{ind.name}应为整数（单位{ind.unit}）：{cell_text(raw)}", cell)
            return None
        value = float(round(value))
    if value < 0 and ind.kind != "level":
        result.audit(result.rules.get("negative"), f"{ind.name}为负数：{cell_text(raw)}", cell)
    return value


def _in_base(value: float, factor: float, ind: Indicator) -> float:
    """``value`` in the indicator's base unit, rounded to that unit's precision when converted (12.54万元 is
    125,400 元, not 125,399.99999999999): 元 to the fen, other units to six decimals (floating-point noise only)."""
    if factor == 1:
        return value
    converted = value * factor
    return round(converted, 2 if ind.unit == "元" else 6) if math.isfinite(converted) else converted


# --- 当月 / 累计 ---------------------------------------------------------------------------------------------------


def flow_ytd(marker: bool | None, spec: PeriodSpec, notes: Sequence[str], switch: bool | None) -> tuple[bool, bool]:
    """(year-to-date, assumed) for a flow column whose own marker (or its sheet's) is ``marker``."""
    if marker is not None:
        return marker, False
    if spec.ytd:
        return True, False
    if switch is not None:
        return switch, False
    said = next((m for m in map(ytd_marker, notes) if m is not None), None)  # 注：资金为当月发放数 / 为1-N月累计数
    return bool(said), True


def value_period(ind: Indicator, spec: PeriodSpec, marker: bool | None) -> PeriodSpec:
    """Stocks, rates and a flow marked 当月 refer to the period's last month; other flows to the period
    (year-to-date through its end, or the amount of the whole span: a quarter, 4-6月)."""
    if ind.kind != "flow" or marker is False:
        return month_spec(spec.end())
    return spec


def _assumption_note(result: SheetResult, assumed: list[ColumnInfo], notes: Sequence[str]) -> None:
    """Say how flow columns without 当月/累计 were read: a note (the audit rule 未注明当月累计 asks for more when the
    figures look like the other reading), nothing for January, where both readings are the same figures."""
    if not assumed or result.period is None or _january(result.period):
        return
    letters = "、".join(c.letter for c in assumed)
    note = next((n for n in notes if ytd_marker(n) is not None), None)
    if note is not None:
        reading = "作为1-N月累计数" if assumed[0].ytd else "作为当月数"
        result.note(f"{letters}列未注明当月或累计，按表下说明“{note[:30]}”{reading}读取；如不对请改选")
    else:
        result.note(f"{letters}列未注明当月或累计，{_as_period(result.period)}；如为1-N月累计数请改为累计")


def _january(spec: PeriodSpec) -> bool:
    return spec.first_month == spec.last_month == 1


def _as_period(spec: PeriodSpec) -> str:
    return "按当月数读取" if spec.first_month == spec.last_month else f"按{spec.label()}的发生数读取"


# --- sheets -----------------------------------------------------------------------------------------------------


def extract_sheet(sheet: SheetData, file_name: str, ctx: Context) -> SheetResult:
    """Read one sheet; never raises for anything in the sheet (findings say what is wrong)."""
    refused = personal_data(sheet)
    if refused:  # nothing of the sheet is read or kept, not even its grid for display
        result = SheetResult(file_name, sheet.name)
        result.error(refused)
        return result
    result = SheetResult(file_name, sheet.name, grid=sheet.cells[:GRID_ROWS], rules=ctx.builtin_rules)
    if not ctx.options.include_hidden:
        if sheet.hidden:
            result.note("这是隐藏的工作表，未读取；如需导入，请在表格中取消隐藏，或导入时选择读取隐藏内容")
            result.hidden_left_out = True
            return result
        sheet = _without_hidden(sheet, result)
    grid = sheet.cells
    long = detect_long_table(grid)
    if long is not None:
        _long_table(sheet, long, ctx, result)
        return result
    report = detect_report(grid, sheet.merged, ctx.looks_like_township, ctx.is_total, is_subtotal=ctx.is_subtotal)
    if report is None:
        report = detect_report(grid, sheet.merged, ctx.looks_like_township, ctx.is_total, allow_repeats=True,
                               is_subtotal=ctx.is_subtotal)
    if report is not None:
        _report(sheet, report, ctx, result)
        return result
    district = detect_district_form(grid, ctx.is_indicator)
    if district is not None:
        _district_form(sheet, district, ctx, result)
        return result
    result.warning("未能识别为乡镇报表、明细表或全区指标表，此工作表未读取（如需导入，请确认表中有乡镇名称列或指标名称列）")
    return result


def _without_hidden(sheet: SheetData, result: SheetResult) -> SheetData:
    """The sheet with its hidden rows and columns left blank (a 上月 column hidden before 本月's is not this month's
    figure); the sheet says which of them held something."""
    if not sheet.hidden_rows and not sheet.hidden_cols:
        return sheet
    cells = sheet.cells
    rows = sorted(r for r in sheet.hidden_rows if any(v is not None for v in cells[r]))
    cols = sorted(c for c in sheet.hidden_cols if any(row[c] is not None for row in cells))
    if not rows and not cols:
        return sheet
    blank = [list(row) for row in cells]
    for r in rows:
        blank[r] = [None] * len(blank[r])
    for row in blank:
        for c in cols:
            row[c] = None
    shown = [f"第{r + 1}行" for r in rows] + [f"{column_letter(c)}列" for c in cols]
    result.note("以下行列在表格中是隐藏的，未读取：" + "、".join(shown[:20]) + (f"等{len(shown)}处" if len(shown) > 20 else "")
                + "；如需导入，请在表格中取消隐藏，或导入时选择读取隐藏内容")
    result.hidden_left_out = True
    return dataclasses.replace(sheet, cells=blank)


def _period_or_error(sheet: SheetData, file_name: str, titles: Sequence[str], ctx: Context,
                     result: SheetResult) -> PeriodSpec | None:
    spec = sheet_period(file_name, sheet.name, titles, ctx.options.period, result)
    if spec is None:
        result.error("无法确定数据所属期间：请在标题、工作表名或文件名中写明（如“2025年4月”），或在导入时指定月份")
    result.period = spec
    return spec


def _report(sheet: SheetData, lay: ReportLayout, ctx: Context, result: SheetResult) -> None:
    result.layout = "report"
    rows = sheet.cells
    spec = _period_or_error(sheet, result.file, lay.title_lines, ctx, result)
    keys = [header_key(c.header) for c in lay.columns]
    result.signature = signature = layout_signature(keys)
    switch = ctx.options.ytd.get(result.where)

    columns: list[tuple[Column, Indicator, ColumnInfo]] = []
    markers: dict[str, bool | None] = {}
    unmapped: list[str] = []
    candidates: dict[str, list[tuple[Column, Indicator, ColumnInfo]]] = {}  # indicator → every column mapping to it
    previous: list[str] = []
    groups: list[tuple[tuple[Column, Indicator, ColumnInfo], list[Column]]] = []  # a 合计 group and its parts
    context = " ".join((*lay.title_lines, sheet.name, PurePath(result.file).stem))  # what the table is about
    wholes = _parts_of(lay.columns)
    remembered = ctx.remembered.get(signature, {})

    def decided(key: str) -> bool:
        """A person chose this column's indicator (or to ignore it), now or for this layout before."""
        return key in ctx.options.mappings or key in remembered

    codes = _code_column(rows, lay, ctx)
    for col, key in zip(lay.columns, keys, strict=True):
        numbers = any(parse_cell(rows[r][col.index]).status == "number" for r in lay.township_rows)
        decided_here = decided(key)
        if col.index == codes and not decided_here:
            continue  # 区划代码: matches the townships below, nothing to store
        if col.index in wholes and not decided_here:
            continue  # a 其中 column: checked against its whole below, never stored as an indicator of its own
        if normalize_name(key) in _INDEX_HEADERS and not decided_here:
            continue  # 序号: numbers the rows, nothing to store or ask about
        code = ctx.indicator_for(col.header, signature, context)
        if code is None:
            shown = f"{col.letter}列“{key}”" if key else f"{col.letter}列（无表头）"
            if numbers and not decided_here:
                unmapped.append(shown)
                if _MONEY.search(key):  # money that would be left out of the figures without a word
                    result.audit(result.rules.get("unmapped_money"), f"{shown}是金额，但没有对应的指标，不会保存："
                                 "请在“需要您确认”中选择对应的指标；确实不需要时选择忽略此列", cell_address(
                                     lay.header_rows[-1] if lay.header_rows else 0, col.index))
            if numbers or decided_here:
                result.columns.append(ColumnInfo(col.letter, key, None, col.unit, 1.0, None, False))
            continue
        ind = ctx.indicators[code]
        unit = col.unit or sheet_unit_for(ind, lay.sheet_units)
        factor = unit_factor(ind, unit)
        if factor is None:
            result.error(f"{col.letter}列“{key}”的单位{unit}与指标“{ind.name}”的单位{ind.unit}不符")
            continue
        ytd = assumed = None
        marker = col.ytd if col.ytd is not None else lay.sheet_ytd
        if ind.kind == "flow" and spec is not None:
            ytd, assumed = flow_ytd(marker, spec, lay.notes, switch)
        info = ColumnInfo(col.letter, key, code, unit, factor, ytd, bool(assumed))
        if _PREVIOUS.search(key) and not decided_here:
            previous.append(f"{col.letter}列“{key}”")  # 上月 / 上年同期: another period's figure, never this one's
            continue
        markers.setdefault(code, marker)
        candidates.setdefault(code, []).append((col, ind, info))
    for code, found in candidates.items():
        chosen, parts, why = _one_column(found, ctx.indicators[code])
        if chosen is None:
            result.error(why)
            continue
        if why:
            result.note(why)
        markers[code] = chosen[0].ytd if chosen[0].ytd is not None else lay.sheet_ytd
        columns.append(chosen)
        result.columns.append(chosen[2])
        if parts:
            groups.append((chosen, parts))
    result.columns.sort(key=lambda c: (len(c.letter), c.letter))  # in the sheet's order
    if previous:
        result.note("以下是上月或上年同期的数，不是本期数据，不保存：" + "、".join(previous))
    if unmapped:
        result.warning("以下列没有对应的指标，不会保存：" + "、".join(unmapped))
    parts = [c for c, key in zip(lay.columns, keys, strict=True) if c.index in wholes and not decided(key)]
    if parts:
        by_letter = {c.index: c for c in lay.columns}
        result.note("以下是其中项，只用于核对（不超过总数；含“其他”项时之和等于总数），不单独保存："
                    + "、".join(f"{c.letter}列“{header_key(c.header)}”（{by_letter[wholes[c.index]].letter}列的其中项）"
                               for c in parts))
    _assumption_note(result, [c for c in result.columns if c.assumed], lay.notes)
    if spec is None or spec.year is None:
        return

    placed = {ind.code: value_period(ind, spec, markers[ind.code]) for _, ind, _ in columns}
    if lay.township_rows:
        result.considered = (f"第{lay.township_rows[0] + 1}—{lay.township_rows[-1] + 1}行"
                             f"（{len(lay.township_rows)}个乡镇、街道）")
    months = {code: period.end() for code, period in placed.items()}
    seen: dict[int, int] = {}
    for r in lay.township_rows:
        name_cell = cell_address(r, lay.township_col)
        name = lay.label(r)
        tid = ctx.township_id(name)
        if codes is not None and (coded := ctx.township_by_code(rows[r][codes])) is not None:
            if tid is not None and tid > 0 and tid != coded:
                result.error(f"区划代码{cell_text(rows[r][codes])}是{ctx.township_name(coded)}，"
                             f"但乡镇名称写的是“{name}”（{ctx.township_name(tid)}）：请核对是哪个乡镇", name_cell)
                continue
            tid = coded  # the code first: 南川区东城街道, or a name written short, is the township its code says
        if tid is None:
            result.error(ctx.unknown_township(name), name_cell)
            continue
        if tid in seen:
            result.error(f"“{name}”与第{seen[tid] + 1}行是同一乡镇（街道），重复填报", name_cell)
            continue
        seen[tid] = r
        result.townships.add(tid)
        for col, ind, info in columns:
            value = read_number(rows[r][col.index], ind, info.factor, result, cell_address(r, col.index),
                                (tid, months[ind.code]))
            if value is not None:
                result.values.append(Value(ind.code, tid, placed[ind.code], value, bool(info.ytd),
                                           cell_address(r, col.index), months[ind.code]))
    if lay.group_rows:
        result.note("以下是分组标题行，不是乡镇：" + "、".join(f"第{r + 1}行“{lay.label(r)}”" for r in lay.group_rows))
    if lay.subtotal_rows:
        result.note("以下是小计行，不作为乡镇保存，合计只与各乡镇之和核对："
                    + "、".join(f"第{r + 1}行“{lay.label(r)}”" for r in lay.subtotal_rows))
    if lay.total_rows:
        _check_total(rows, lay, columns, seen, ctx, result)
    _check_parts(rows, lay, parts, wholes, seen, ctx, result)
    for whole, members in groups:
        _check_groups(rows, whole, members, seen, ctx, result)
    ctx.note_district_from_title(lay.title_lines)


_INDEX_HEADERS = {"序号", "编号", "行次", "栏次", "顺序号", "行号"}
_CODE_HEADERS = {"区划代码", "行政区划代码", "统计用区划代码", "区划编码", "行政区划编码", "代码", "乡镇代码", "单位代码"}


def _code_column(rows, lay: ReportLayout, ctx: Context) -> int | None:
    """The 区划代码 column: headed so, or whose township rows mostly hold registered codes."""
    for col in lay.columns:
        texts = [cell_text(rows[r][col.index]) for r in lay.township_rows]
        coded = sum(1 for t in texts if t and ctx.township_by_code(t) is not None)
        if normalize_name(header_key(col.header)) in _CODE_HEADERS or (coded and coded * 2 >= len(texts)):
            return col.index
    return None
_MONEY = re.compile(r"金额|资金|支出|生活费|补助金|[（(]\s*万?元\s*[)）]")
_PART = re.compile(r"^\s*其中\s*[:：、]?")


_PREVIOUS = re.compile(r"上月|上期|上年|去年|同期|上季")
_TOTAL_GROUP = re.compile(r"^(?:合计|总计|小计|合计数|总数|总人数|全部|汇总)")


def _one_column(found: list[tuple[Column, Indicator, ColumnInfo]], ind: Indicator):
    """Which of several columns that map to one indicator holds it, decided by their group labels, never by
    position: (chosen, its parts to check against it, note), or (None, [], error) when the labels do not say.

    A flow's 当月 column before its 累计 one; a 合计/总计 group before its parts (集中供养, 分散供养), whose sum is
    checked against it; without a 合计 group, parts under distinct group labels are not guessed at: the person says."""
    if len(found) == 1:
        return found[0], [], ""
    name = ind.name
    letters = "、".join(f"{c.letter}列" for c, _, _ in found)
    if ind.kind == "flow":
        month = [f for f in found if f[2].ytd is False]
        if month and len(month) < len(found):
            if len(month) == 1:
                return month[0], [], f"{letters}都是“{name}”，读取当月数{month[0][2].letter}列"
            found = month
    totals = [f for f in found if any(_TOTAL_GROUP.match(h) for h in f[0].header[:-1] or f[0].header)]
    if len(totals) == 1:
        whole = totals[0]
        parts = [c for c, _, info in found if c is not whole[0] and info.factor == whole[2].factor]
        shown = "、".join(f"{c.letter}列“{header_key(c.header)}”" for c in parts)
        return whole, parts, (f"{letters}都是“{name}”，读取合计{whole[2].letter}列“{whole[2].header}”；"
                              f"{shown}是它的分项，只用于核对（各分项之和应等于合计）")
    return None, [], (f"{letters}都是“{name}”，表头没有说明哪一列是本期的合计数，未读取：请在表中加上合计列，"
                      "或在“需要您确认”中把不需要的列改为忽略")


def _check_groups(rows, whole: tuple[Column, Indicator, ColumnInfo], members: list[Column], seen: dict[int, int],
                  ctx: Context, result: SheetResult) -> None:
    """The parts of a 合计 group (集中供养 + 分散供养) add up to it, township by township: counts exactly, amounts
    within rounding."""
    col, ind, info = whole
    rule = result.rules.get("parts")
    for tid, r in seen.items():
        total = _figure(rows[r][col.index])
        given = [_figure(rows[r][m.index]) for m in members]
        if total is None or any(v is None and cell_text(rows[r][m.index]) for v, m in zip(given, members, strict=True)):
            continue  # the total or a part not a plain figure: reported where it is read, if at all
        written = [rows[r][col.index], *(rows[r][m.index] for m in members)]
        bound = 0.0 if ind.unit in COUNT_UNITS else _rounding(written)
        gap = sum(v or 0 for v in given) - total
        if abs(gap) > bound + 1e-9 * abs(total):
            result.audit(rule, f"{ctx.township_name(tid)}：{'、'.join(m.letter + '列' for m in members)}之和"
                               f"{_num(total + gap)}与合计{col.letter}列{_num(total)}不一致（相差{_num(gap)}）",
                         cell_address(r, col.index))


def _parts_of(columns: Sequence[Column]) -> dict[int, int]:
    """其中 columns (a header level that begins with 其中: 其中：低保金, or 其中 over 低保金 | 物价补贴) → the column they
    are part of: the nearest column on their left that is not one."""
    out: dict[int, int] = {}
    whole: int | None = None
    for col in columns:
        levels = [h for h in col.header if h]
        if any(_PART.match(h) for h in levels):
            if whole is not None:
                out[col.index] = whole
        else:
            whole = col.index
    return out


def _check_parts(rows, lay: ReportLayout, parts: Sequence[Column], wholes: dict[int, int], seen: dict[int, int],
                 ctx: Context, result: SheetResult) -> None:
    """Each 其中 figure is at most its whole; where the parts include 其他, they add up to it (counts exactly, amounts
    within rounding). Figures are compared as written: the parts share their whole's unit unless they say another."""
    rule = result.rules.get("parts")
    if rule is None or not parts:
        return
    by_index = {c.index: c for c in lay.columns}
    groups: dict[int, list[Column]] = {}
    for c in parts:
        groups.setdefault(wholes[c.index], []).append(c)
    for whole_index, members in groups.items():
        whole = by_index[whole_index]
        if any(m.unit and m.unit != whole.unit for m in members):
            continue  # written in another unit: not comparable as written
        complete = any("其他" in header_key(m.header) for m in members)
        for tid, r in seen.items():
            total = _figure(rows[r][whole_index])
            if total is None:
                continue
            figures = [(m, _figure(rows[r][m.index])) for m in members]
            name = ctx.township_name(tid)
            for m, v in figures:
                if v is not None and v > total + _rounding([rows[r][whole_index], rows[r][m.index]]):
                    result.audit(rule, f"{name}：{m.letter}列“{header_key(m.header)}”{_num(v)}大于{whole.letter}列"
                                       f"“{header_key(whole.header)}”{_num(total)}", cell_address(r, m.index))
            given = [v for _, v in figures if v is not None]
            if complete and len(given) == len(members):
                bound = _rounding([rows[r][whole_index], *(rows[r][m.index] for m in members)])
                if abs(sum(given) - total) > bound + 1e-9 * abs(total):
                    result.audit(rule, f"{name}：其中各项之和{_num(sum(given))}与{whole.letter}列“{header_key(whole.header)}”"
                                       f"{_num(total)}不一致（相差{_num(sum(given) - total)}）", cell_address(r, whole_index))


def _figure(raw: object) -> float | None:
    c = parse_cell(raw)
    return c.value if c.status == "number" and not c.percent and c.unit is None else None


def _check_total(rows, lay: ReportLayout, columns, seen: dict[int, int], ctx: Context, result: SheetResult) -> None:
    """Compare the (first) total row with the sum of the township rows, column by column."""
    t = lay.total_rows[0]
    label = lay.label(t)
    ctx.note_district(label)
    result.note(f"第{t + 1}行“{label}”是合计行，用于核对，不作为乡镇保存")
    check = SheetResult(result.file, result.sheet)  # the total row's own cell problems are not the upload's
    for col, ind, info in columns:
        if ind.kind == "level":
            continue
        total = read_number(rows[t][col.index], ind, info.factor, check, "")
        parts = [read_number(rows[r][col.index], ind, info.factor, check, "") for r in seen.values()]
        numbers = [p for p in parts if p is not None]
        if total is None or not numbers:
            continue
        written = [rows[r][col.index] for r in (t, *seen.values())]
        if ind.unit in COUNT_UNITS and info.factor == 1:
            tolerance = 0.0  # people, households, cases: exact
        else:  # each figure rounded to the last decimal it is written with (in the column's unit)
            tolerance = _rounding(written) * info.factor
        gap = total - sum(numbers)
        if abs(gap) > max(tolerance, 1e-9 * abs(total)):
            f = info.factor
            unit = ind.unit if f == 1 else (info.unit or "")
            result.audit(result.rules.get("total_row"),
                         f"{ind.name}：合计行{_num(total / f)}{unit}与各乡镇之和{_num(sum(numbers) / f)}{unit}不一致"
                         f"（相差{_num(gap / f)}{unit}）", cell_address(t, col.index))


def _rounding(values: Sequence[object]) -> float:
    """How far a sum of figures may be off by rounding alone: half a unit in the last decimal place each figure is
    written with (12.5 ± 0.05, 532.18 ± 0.005, 1234 ± 0.5), added up."""
    bound = 0.0
    for v in values:
        places = 0
        if isinstance(v, float) and not v.is_integer():
            text = repr(v)
            places = min(len(text.split(".")[1]), 6) if "e" not in text else 6
        elif isinstance(v, str) and "." in v:
            places = min(len(v.rsplit(".", 1)[1].strip()), 6)
        bound += 0.5 * 10.0 ** -places
    return bound


def _num(value: float) -> str:
    """12.5 → '12.5'; a difference too small for two decimals keeps the decimals that show it (0.0003)."""
    for places in (2, 4, 6):
        text = f"{value:,.{places}f}".rstrip("0").rstrip(".")
        if text not in ("0", "-0"):
            return text
    return "0"


def _long_table(sheet: SheetData, lay, ctx: Context, result: SheetResult) -> None:
    """One value a row, worked out column-wise: rows repeat the same few townships, indicators, periods and
    units, so each distinct raw cell is understood once and its meaning spread over the rows with NumPy; only
    rows with something to report are visited one by one (a million-row table takes seconds, not minutes)."""
    result.layout = "long"
    rows = sheet.cells
    header = [cell_text(v) for v in rows[lay.header_row]]
    result.signature = signature = layout_signature(header)
    spec = sheet_period(result.file, sheet.name, lay.title_lines, ctx.options.period, result)
    result.period = spec
    if lay.period_col is None and spec is None:
        result.error("无法确定数据所属期间：表中没有期间列，标题、工作表名和文件名中也没有写明")
        return
    switch = ctx.options.ytd.get(result.where)
    tc, ic, vc, uc, pc = lay.township_col, lay.indicator_col, lay.value_col, lay.unit_col, lay.period_col
    value_letter = column_letter(vc)
    top = lay.header_row + 1  # the grid row of body[0]
    body = rows[top:]  # rows are padded to one width (read._trim)
    found: list[tuple[int, Finding]] = []  # (body row, finding): sorted into row order at the end

    def column(c: int | None) -> tuple[np.ndarray, list[object]]:
        """Each row's index into the column's distinct raw values (the last index for an empty cell)."""
        if c is None:
            return np.zeros(len(body), dtype=np.int64), [None]
        codes, distinct = pd.factorize(np.fromiter(map(itemgetter(c), body), dtype=object, count=len(body)))
        distinct = list(distinct) + [None]
        return np.where(codes < 0, len(distinct) - 1, codes), distinct

    def report(level: str, r: int, message: str, c: int, rule: AuditRule | None = None) -> None:
        found.append((r, Finding(level, result.at(cell_address(top + r, c)), message,
                                 rule.code if rule else None, rule.name if rule else None)))

    town_of, towns = column(tc)
    town_text = [cell_text(t) for t in towns]
    town_total = np.array([bool(t) and (ctx.is_total(t) or ctx.is_subtotal(t)) for t in town_text])  # not stored
    town_ids = [None if total or not t else ctx.township_id(t) for t, total in zip(town_text, town_total, strict=True)]
    ind_of, inds = column(ic)
    ind_text = [cell_text(i) for i in inds]
    ind_codes = [ctx.indicator_for((t,), signature) if t else None for t in ind_text]
    markers = [ytd_marker(t) for t in ind_text]
    first_row = dict(zip(*(a.tolist() for a in np.unique(ind_of, return_index=True)), strict=True))  # → first row
    unmapped = {t: cell_address(top + first_row[i], ic) for i, (t, code) in enumerate(zip(ind_text, ind_codes, strict=True))
                if code is None and t and t not in ctx.options.mappings and i in first_row}

    no_town = ~np.array([bool(t) for t in town_text])[town_of]
    for r in np.flatnonzero(no_town & np.array([bool(t) for t in ind_text])[ind_of]):
        report("error", int(r), "缺少乡镇（街道）名称", tc)
    wanted = ~no_town & ~town_total[town_of] & np.array([c is not None for c in ind_codes])[ind_of]
    known = np.array([t is not None for t in town_ids])[town_of]
    unknown: dict[str, str] = {}
    for r in np.flatnonzero(wanted & ~known):
        unknown.setdefault(town_text[town_of[r]], cell_address(top + int(r), tc))
    take = np.flatnonzero(wanted & known)

    # What each distinct (indicator, period, unit) of the rows taken means.
    period_of, periods = column(pc)
    unit_of, units = column(uc)
    combo = (ind_of[take] * len(periods) + period_of[take]) * len(units) + unit_of[take]
    meaning_of, combos = pd.factorize(combo)
    meanings, assumed = [], []
    for c in combos.tolist():
        rest, u = divmod(c, len(units))
        i, p = divmod(rest, len(periods))
        ind = ctx.indicators[ind_codes[i]]
        meaning = _long_meaning(ind, markers[i], periods[p], units[u], spec, pc is not None, switch)
        meanings.append(meaning)
        if meaning[0] == "ok" and meaning[6] and ind_text[i] not in assumed:
            assumed.append(ind_text[i])
    meaning_ok = np.array([m[0] == "ok" for m in meanings], dtype=bool)[meaning_of]
    for k in np.flatnonzero(~meaning_ok):
        m = meanings[meaning_of[k]]
        report("error", int(take[k]), m[1], pc if m[0] == "period" else (uc if uc is not None else vc))
    take, meaning_of = take[meaning_ok], meaning_of[meaning_ok]

    def per_meaning(position: int, dtype) -> np.ndarray:
        return np.array([m[position] if m[0] == "ok" else 0 for m in meanings], dtype=dtype)[meaning_of]

    factor = per_meaning(5, np.float64)
    ind_at = ind_of[take]
    values, valid = _long_numbers(body, vc, take, ind_at, [ctx.indicators[c] if c else None for c in ind_codes],
                                  factor, lambda k, level, message, rule=None: report(level, int(take[k]), message, vc,
                                                                                     rule), result.rules)
    take, ind_at, meaning_of, values = take[valid], ind_at[valid], meaning_of[valid], values[valid]
    frame = pd.DataFrame({
        "indicator": _text(pac.take(pa.array(ind_codes + [None], type=pa.string()), ind_at)),
        "township": np.array([t or 0 for t in town_ids], dtype=np.int64)[town_of[take]],
        "month": per_meaning(2, np.int64), "first": per_meaning(3, np.int64), "value": values,
        "ytd": per_meaning(4, bool), "row": take,
    })
    position = {code: i for i, code in enumerate(ctx.indicators)}
    keys = pd.Series(fact_keys(np.array([position.get(c, 0) for c in ind_codes], dtype=np.int64)[ind_at],
                               frame["township"], frame["month"]))
    dup = keys.duplicated(keep="first").to_numpy()
    if dup.any():
        first = frame.groupby(keys.to_numpy(), sort=False)["row"].transform("first").to_numpy()
        specs = [m[1] if m[0] == "ok" else None for m in meanings]
        for k in np.flatnonzero(dup):
            r = int(frame.row.iat[k])
            ind = ctx.indicators[frame.indicator.iat[k]]
            report("error", r, f"{town_text[town_of[r]]}的“{ind.name}”（{specs[meaning_of[k]].label()}）与"
                   f"{value_letter}{top + int(first[k]) + 1}重复", vc)
        frame, meaning_of = frame[~dup], meaning_of[~dup]
    numbers = pac.cast(pa.array(frame.pop("row").to_numpy() + top + 1), pa.string())
    frame["cell"] = _text(pac.binary_join_element_wise(value_letter, numbers, ""))
    frame["spec"] = np.array([m[1] if m[0] == "ok" else None for m in meanings], dtype=object)[meaning_of]
    result.block = frame.reset_index(drop=True)
    result.findings += [f for _, f in sorted(found, key=itemgetter(0))]
    result.townships.update(t for t, total in zip(town_ids, town_total, strict=True) if t is not None and not total)
    for name, cell in unknown.items():
        result.error(ctx.unknown_township(name), cell)
    if unmapped:
        result.warning("以下指标名称没有对应的指标，不会保存：" + "、".join(f"“{n}”（{c}起）" for n, c in unmapped.items()))
    if assumed and not (spec is not None and pc is None and _january(spec)):
        result.note("以下指标未注明当月或累计，按当月数读取：" + "、".join(assumed) + "；如为1-N月累计数请改为累计")
    result.columns = [ColumnInfo(value_letter, t, code, None, 1.0, None, t in assumed)
                      for t, code in zip(ind_text, ind_codes, strict=True) if t]


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' own text columns


def _text(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """A text column made by Arrow, as pandas holds text: a million cell addresses or indicator codes are made
    in C++, not as a million Python strings that pandas then converts."""
    return pd.array(values, dtype=_TEXT)


def _long_numbers(body: list[list[object]], vc: int, take: np.ndarray, ind_at: np.ndarray,
                  inds: list[Indicator | None], factor: np.ndarray, report,
                  rules: dict[str, AuditRule]) -> tuple[np.ndarray, np.ndarray]:
    """The values of rows ``take`` in base units, and which of them are stored; ``read_number``'s rule,
    column-wise: numbers and plain decimal text converted in bulk, every other cell through the rule itself."""
    every = len(take) == len(body)  # the usual case: every row is taken, so the column is read straight through
    raw = np.fromiter(map(itemgetter(vc), body) if every else (body[r][vc] for r in take.tolist()), dtype=object,
                      count=len(take))
    type_of, types = pd.factorize(np.fromiter(map(type, raw), dtype=object, count=len(raw)))
    values = np.full(len(raw), np.nan)
    bulk = np.isin(type_of, [i for i, t in enumerate(types) if t is float or t is int])
    values[bulk] = raw[bulk].astype(np.float64)
    text = np.flatnonzero(np.isin(type_of, [i for i, t in enumerate(types) if t is str]))
    if len(text):
        plain = pac.match_substring_regex(pa.array(raw[text], type=pa.string()), _PLAIN_NUMBER_RE2).to_numpy(
            zero_copy_only=False)
        values[text[plain]] = raw[text[plain]].astype(np.float64)
        bulk[text[plain]] = True
    with np.errstate(over="ignore"):  # a huge number × 10,000 is infinite: reported below as not a number
        values[bulk] *= factor[bulk]
    fen = np.array([i is not None and i.unit == "元" for i in inds] + [False])[ind_at]
    scaled = bulk & (factor != 1) & np.isfinite(values)  # converted: to the unit's precision, as _in_base rounds
    for mask, places in ((scaled & fen, 2), (scaled & ~fen, 6)):
        if mask.any():  # Python's round, correctly rounded like _in_base's (NumPy's scales by 10ⁿ first)
            values[mask] = np.fromiter((round(v, places) for v in values[mask].tolist()), dtype=np.float64,
                                       count=int(mask.sum()))
    valid = bulk.copy()
    scratch = SheetResult("", None, rules=rules)
    by_code = {r.code: r for r in rules.values()}
    for k in np.flatnonzero(~bulk).tolist():  # blanks, '—', '1,234', 532万元, 暂无 …: the general rule
        value = read_number(raw[k], inds[ind_at[k]], float(factor[k]), scratch, "")
        for f in scratch.findings:
            report(k, f.level, f.message, by_code.get(f.rule) if f.rule else None)
        scratch.findings.clear()
        if value is not None:
            values[k], valid[k] = value, True
    # read_number's checks of a number, on the rows converted in bulk
    count = np.array([i is not None and i.unit in COUNT_UNITS for i in inds] + [False])[ind_at]
    level = np.array([i is not None and i.kind == "level" for i in inds] + [False])[ind_at]
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        fraction = bulk & finite & count & (np.abs(values - np.round(values)) > 1e-6)
        negative = bulk & finite & ~fraction & ~level & (np.where(count, np.round(values), values) < 0)
    rule = rules.get("negative")
    for k in np.flatnonzero(bulk & (~finite | fraction | negative)).tolist():
        ind, shown = inds[ind_at[k]], cell_text(raw[k])
        if not finite[k]:
            report(k, "error", f"不是数字：{shown}")
        elif fraction[k]:
            report(k, "error", f"{ind.name}应为整数（单位{ind.unit}）：{shown}")
        elif rule is not None and rule.enabled:
            report(k, TIER_LEVELS[rule.tier], f"{ind.name}为负数：{shown}", rule)
    valid &= ~(bulk & (~finite | fraction))
    values[bulk & count] = np.round(values[bulk & count])
    return values, valid


def _long_meaning(ind: Indicator, marker: bool | None, raw_period: object, raw_unit: object,
                  spec: PeriodSpec | None, has_period_col: bool, switch: bool | None) -> tuple:
    """What a long-table row of this indicator, period and unit means: ('ok', period, its last month's number,
    its first month's number, ytd, factor, assumed), or ('period' | 'unit', message)."""
    row_spec = _row_period(raw_period, spec) if has_period_col else spec
    if row_spec is None:
        return ("period", f"无法识别的期间“{cell_text(raw_period)}”")
    unit_text = cell_text(raw_unit)
    factor = unit_factor(ind, unit_in(unit_text) or unit_text or None)
    if factor is None:
        return ("unit", f"单位“{unit_text}”与指标“{ind.name}”的单位{ind.unit}不符")
    ytd, assumed = flow_ytd(marker, row_spec, (), switch) if ind.kind == "flow" else (False, False)
    period = value_period(ind, row_spec, marker)
    months = period.months()
    return ("ok", period, month_number(months[-1]), month_number(months[0]), ytd, factor, assumed)


def _row_period(raw: object, fallback: PeriodSpec | None) -> PeriodSpec | None:
    if isinstance(raw, datetime | date):
        return month_spec(date(raw.year, raw.month, 1))
    text = cell_text(raw)
    if not text:
        return fallback
    spec = find_period(text, default_year=fallback.year if fallback else None)
    return spec if spec is not None and spec.year is not None else None


def _district_form(sheet: SheetData, lay, ctx: Context, result: SheetResult) -> None:
    result.layout = "district"
    rows = sheet.cells
    spec = _period_or_error(sheet, result.file, lay.title_lines, ctx, result)
    header = [cell_text(v) for v in rows[lay.header_row]]
    result.signature = signature = layout_signature(header)
    district = ctx.district_id()
    if district is None:
        result.error("尚未登记本区县，无法保存全区指标；请先导入含各乡镇的报表或在“指标与乡镇”中登记区县")
        return
    if spec is None or spec.year is None:
        return
    switch = ctx.options.ytd.get(result.where)
    seen: dict[str, str] = {}
    for r in lay.data_rows:
        row = rows[r]
        name = cell_text(row[lay.indicator_col])
        code = ctx.indicator_for((name,), signature)
        if code is None:
            continue
        ind = ctx.indicators[code]
        marker = ytd_marker(name)
        candidates = [c for c in lay.value_cols if c.index < len(row) and cell_text(row[c.index])]
        if not candidates:
            continue
        if ind.kind == "flow":  # the month's own column first, then unmarked, then year-to-date
            candidates.sort(key=lambda c: {False: 0, None: 1, True: 2}[c.ytd])
        col = candidates[0]
        unit_text = cell_text(row[lay.unit_col]) if lay.unit_col is not None and lay.unit_col < len(row) else ""
        unit = unit_in(unit_text) or unit_text or col.unit or unit_in(name)
        factor = unit_factor(ind, unit)
        cell = cell_address(r, col.index)
        if factor is None:
            result.error(f"单位“{unit}”与指标“{ind.name}”的单位{ind.unit}不符", cell)
            continue
        if code in seen:
            result.error(f"“{ind.name}”与{seen[code]}重复", cell)
            continue
        marker = col.ytd if col.ytd is not None else marker
        period = value_period(ind, spec, marker)
        value = read_number(row[col.index], ind, factor, result, cell, (district, period.end()))
        if value is None:
            continue
        seen[code] = cell
        ytd = assumed = None
        if ind.kind == "flow":
            ytd, assumed = flow_ytd(marker, spec, (), switch)
        result.values.append(Value(code, district, period, value, bool(ytd), cell, period.end()))
        result.columns.append(ColumnInfo(cell, name, code, unit, factor, ytd, bool(assumed)))
    result.townships.add(district)
    unmapped = [f"“{cell_text(rows[r][lay.indicator_col])}”（{cell_address(r, lay.indicator_col)}）"
                for r in range(lay.header_row + 1, len(rows))
                if lay.indicator_col < len(rows[r]) and cell_text(rows[r][lay.indicator_col])
                and r not in lay.data_rows
                and any(parse_cell(v).status == "number" for c, v in enumerate(rows[r]) if c != lay.indicator_col)]
    if unmapped:
        result.warning("以下指标名称没有对应的指标，不会保存：" + "、".join(unmapped))
    assumed = [f"{c.header}（{c.letter}）" for c in result.columns if c.assumed]
    if assumed and not _january(spec):
        result.note("以下指标未注明当月或累计，按当月数读取：" + "、".join(assumed) + "；如为1-N月累计数请改为累计")
