"""One sheet → the values it holds, in base units, each with its cell, and what is wrong with them.

A sheet is recognised as a long table (period | township | indicator | value | unit columns), a report form
(townships as rows, indicators as columns) or a district-level form (indicators as rows, no townships), in
that order. Its period comes from the sheet name, the title lines and the file name (a long table's period
column row by row); ``Options.period`` stands in where none is written.

Rules (documented for statisticians in docs/ingestion.md):
- Units: a unit written in the cell (532万元) wins, then the column's (header or units row), then a
  '单位：万元' line when it fits the indicator (万元 applies to amounts, not to head-counts), else the
  indicator's base unit. A unit that does not fit the indicator (万元 over 人数) is an error.
- '—', '/', '无' mean none: 0 for counts and amounts, nothing for rates. Blank cells hold nothing.
- 当月 vs 累计 matters for flows only: the column's marker, else the sheet title's, else a 1-N月 / 截至
  period (year-to-date); without any, the month's own amount is assumed — or year-to-date when a note
  below the table says 累计 — and the assumption is reported so a person can switch it (``Options.ytd``).
  Stocks and rates are end-of-period values and stored at the period's last month.
- Errors: not a number, a negative or fractional count, a percentage for a non-rate, a township twice, an
  unknown township (with the closest registered names), no period. Warnings: a total row that differs from
  the sum of the townships beyond rounding, a negative amount, columns or indicator names that map to no
  indicator, sheets that are not recognised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from civdash.catalog import Indicator
from civdash.ingest.cells import parse_cell
from civdash.ingest.context import COUNT_UNITS, Context, header_key, layout_signature
from civdash.ingest.errors import Finding, place
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
from civdash.ingest.read import SheetData
from civdash.periods import PeriodSpec, find_period
from civdash.units import to_base_unit

LAYOUT_NAMES = {"report": "乡镇报表", "long": "明细表", "district": "全区指标表"}
_RATE_SPELLINGS = {"元/人月": "元/人·月"}
# Text that is a plain decimal number (a CSV cell: "1234", "-5", "537.25"): ``parse_cell`` reads it as float(text),
# so ``read_number`` does that directly. Digits are bounded so that the value is always finite.
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")


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

    def period_label(self) -> str | None:
        """The sheet's period ('2025年4月'); for a long table with a period column, the months it spans."""
        if self.layout == "long" and self.values:
            ends = sorted({v.month for v in self.values})
            first, last = month_spec(ends[0]).label(), month_spec(ends[-1]).label()
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


def read_number(raw: object, ind: Indicator, factor: float, result: SheetResult, cell: str) -> float | None:
    """The value of one cell in the indicator's base unit, or None (nothing stored); findings go to ``result``."""
    if type(raw) is float or type(raw) is int:  # the common case, without the general rule's work
        value = raw * factor
    elif type(raw) is str and _PLAIN_NUMBER.fullmatch(raw):
        value = float(raw) * factor
    else:
        c = parse_cell(raw)
        if c.status == "empty":
            return None
        if c.status == "none":
            return None if ind.kind == "level" else 0.0
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
            value = c.value * cell_factor
        else:
            value = c.value * factor
    if not math.isfinite(value):
        result.error(f"不是数字：{cell_text(raw)}", cell)
        return None
    if ind.unit in COUNT_UNITS:
        if value < 0:
            result.error(f"{ind.name}不能为负数：{cell_text(raw)}", cell)
            return None
        if abs(value - round(value)) > 1e-6:
            result.error(f"{ind.name}应为整数（单位{ind.unit}）：{cell_text(raw)}", cell)
            return None
        value = float(round(value))
    elif value < 0:
        result.warning(f"{ind.name}为负数：{cell_text(raw)}，请确认", cell)
    return value


# --- 当月 / 累计 ---------------------------------------------------------------------------------------------------


def flow_ytd(marker: bool | None, spec: PeriodSpec, notes: Sequence[str], switch: bool | None) -> tuple[bool, bool]:
    """(year-to-date, assumed) for a flow column whose own marker (or its sheet's) is ``marker``."""
    if marker is not None:
        return marker, False
    if spec.ytd:
        return True, False
    if switch is not None:
        return switch, False
    return any(ytd_marker(n) is True for n in notes), True


def value_period(ind: Indicator, spec: PeriodSpec, marker: bool | None) -> PeriodSpec:
    """Stocks, rates and a flow marked 当月 refer to the period's last month; other flows to the period
    (year-to-date through its end, or the amount of the whole span: a quarter, 4-6月)."""
    if ind.kind != "flow" or marker is False:
        return month_spec(spec.end())
    return spec


def _assumption_note(result: SheetResult, assumed: list[ColumnInfo], notes: Sequence[str]) -> None:
    if not assumed or result.period is None:
        return
    letters = "、".join(c.letter for c in assumed)
    if assumed[0].ytd:
        note = next(n for n in notes if ytd_marker(n) is True)
        result.warning(f"{letters}列未注明当月或累计，按表下说明“{note[:30]}”作为1-N月累计数读取；如不对请改为当月数")
    else:
        result.warning(f"{letters}列未注明当月或累计，{_as_period(result.period)}；如为1-N月累计数请改为累计")


def _as_period(spec: PeriodSpec) -> str:
    return "按当月数读取" if spec.first_month == spec.last_month else f"按{spec.label()}的发生数读取"


# --- sheets -----------------------------------------------------------------------------------------------------


def extract_sheet(sheet: SheetData, file_name: str, ctx: Context) -> SheetResult:
    """Read one sheet; never raises for anything in the sheet (findings say what is wrong)."""
    result = SheetResult(file_name, sheet.name)
    grid = sheet.cells
    long = detect_long_table(grid)
    if long is not None:
        _long_table(sheet, long, ctx, result)
        return result
    report = detect_report(grid, sheet.merged, ctx.looks_like_township, ctx.is_total)
    if report is None:
        report = detect_report(grid, sheet.merged, ctx.looks_like_township, ctx.is_total, allow_repeats=True)
    if report is not None:
        _report(sheet, report, ctx, result)
        return result
    district = detect_district_form(grid, ctx.is_indicator)
    if district is not None:
        _district_form(sheet, district, ctx, result)
        return result
    result.warning("未能识别为乡镇报表、明细表或全区指标表，此工作表未读取（如需导入，请确认表中有乡镇名称列或指标名称列）")
    return result


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
    used: dict[str, ColumnInfo] = {}
    for col, key in zip(lay.columns, keys, strict=True):
        numbers = any(parse_cell(rows[r][col.index]).status == "number" for r in lay.township_rows)
        code = ctx.indicator_for(col.header, signature)
        if code is None:
            shown = f"{col.letter}列“{key}”" if key else f"{col.letter}列（无表头）"
            decided = key in ctx.options.mappings or key in ctx.remembered.get(signature, {})
            if numbers and not decided:
                unmapped.append(shown)
            if numbers or decided:
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
        markers[code] = marker
        if code in used:
            other = used[code]
            if ind.kind == "flow" and other.ytd and ytd is False:  # prefer the month's own column
                columns = [c for c in columns if c[2] is not other]
                result.columns.remove(other)
                result.note(f"{other.letter}列与{col.letter}列都是“{ind.name}”，读取当月数{col.letter}列")
            else:
                result.note(f"{other.letter}列与{col.letter}列都是“{ind.name}”，读取{other.letter}列")
                continue
        used[code] = info
        columns.append((col, ind, info))
        result.columns.append(info)
    if unmapped:
        result.warning("以下列没有对应的指标，不会保存：" + "、".join(unmapped))
    _assumption_note(result, [c for c in result.columns if c.assumed], lay.notes)
    if spec is None or spec.year is None:
        return

    placed = {ind.code: value_period(ind, spec, markers[ind.code]) for _, ind, _ in columns}
    months = {code: period.end() for code, period in placed.items()}
    seen: dict[int, int] = {}
    for r in lay.township_rows:
        name_cell = cell_address(r, lay.township_col)
        name = cell_text(rows[r][lay.township_col])
        tid = ctx.township_id(name)
        if tid is None:
            near = ctx.suggestions(name)
            hint = f"，最接近的已登记乡镇：{'、'.join(near)}" if near else ""
            result.error(f"未登记的乡镇（街道）“{name}”{hint}；如为新乡镇，请先登记或允许新增乡镇", name_cell)
            continue
        if tid in seen:
            result.error(f"“{name}”与第{seen[tid] + 1}行是同一乡镇（街道），重复填报", name_cell)
            continue
        seen[tid] = r
        result.townships.add(tid)
        for col, ind, info in columns:
            value = read_number(rows[r][col.index], ind, info.factor, result, cell_address(r, col.index))
            if value is not None:
                result.values.append(Value(ind.code, tid, placed[ind.code], value, bool(info.ytd),
                                           cell_address(r, col.index), months[ind.code]))
    if lay.total_rows:
        _check_total(rows, lay, columns, seen, ctx, result)


def _check_total(rows, lay: ReportLayout, columns, seen: dict[int, int], ctx: Context, result: SheetResult) -> None:
    """Compare the (first) total row with the sum of the township rows, column by column."""
    t = lay.total_rows[0]
    label = cell_text(rows[t][lay.township_col])
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
        tolerance = _rounding(written) * info.factor * (len(numbers) + 1) / 2
        if abs(total - sum(numbers)) > max(tolerance, 1e-6 * abs(total)):
            f = info.factor
            result.warning(f"合计行{_num(total / f)}与各乡镇之和{_num(sum(numbers) / f)}不一致"
                           f"（相差{_num((total - sum(numbers)) / f)}）", cell_address(t, col.index))


def _rounding(values: Sequence[object]) -> float:
    """One unit in the last decimal place the values are written with (0.01 for 532.18), at least 1e-6."""
    places = 0
    for v in values:
        if isinstance(v, float) and not v.is_integer():
            text = repr(v)
            if "e" not in text:
                places = max(places, min(len(text.split(".")[1]), 6))
        elif isinstance(v, str) and "." in v:
            places = max(places, min(len(v.rsplit(".", 1)[1].strip()), 6))
    return 10.0 ** -places


def _num(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _long_table(sheet: SheetData, lay, ctx: Context, result: SheetResult) -> None:
    """One value a row. Rows repeat the same few townships, indicators, periods and units, so what each raw
    text means is worked out once and looked up for the other rows (a million-row table stays fast)."""
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
    width = max(tc, ic, vc, uc or 0, pc or 0) + 1
    value_letter = column_letter(vc)
    towns: dict[object, tuple[str, int | None, bool]] = {}  # raw → (text, township id, is a total)
    inds: dict[object, tuple[str, Indicator | None, bool | None]] = {}  # raw → (text, indicator, 当月/累计 marker)
    meanings: dict[tuple[object, object, object], tuple] = {}  # (indicator, period, unit) raw → what a row means
    unmapped: dict[str, str] = {}
    assumed: list[str] = []
    unknown: dict[str, str] = {}
    seen: dict[tuple[str, int, date], str] = {}
    values = result.values
    for r in range(lay.header_row + 1, len(rows)):
        row = rows[r]
        if len(row) < width:
            row = list(row) + [None] * (width - len(row))
        raw_town, raw_ind = row[tc], row[ic]
        town = towns.get(raw_town)
        if town is None:
            text = cell_text(raw_town)
            total = bool(text) and ctx.is_total(text)
            town = towns[raw_town] = (text, None if total or not text else ctx.township_id(text), total)
        ind_entry = inds.get(raw_ind)
        if ind_entry is None:
            text = cell_text(raw_ind)
            code = ctx.indicator_for((text,), signature) if text else None
            ind_entry = inds[raw_ind] = (text, ctx.indicators[code] if code else None, ytd_marker(text))
            if code is None and text and text not in ctx.options.mappings:
                unmapped[text] = cell_address(r, ic)
        town_text, tid, total = town
        ind_text, ind, marker = ind_entry
        if not town_text:
            if ind_text:
                result.error("缺少乡镇（街道）名称", cell_address(r, tc))
            continue
        if total or ind is None:
            continue  # a total row is a check, not a township; an unmapped indicator is listed below
        if tid is None:
            unknown.setdefault(town_text, cell_address(r, tc))
            continue
        raw_period = row[pc] if pc is not None else None
        raw_unit = row[uc] if uc is not None else None
        key = (raw_ind, raw_period, raw_unit)
        meaning = meanings.get(key)
        if meaning is None:
            meaning = meanings[key] = _long_meaning(ind, marker, raw_period, raw_unit, spec, pc is not None, switch)
            if meaning[0] == "ok" and meaning[5] and ind_text not in assumed:
                assumed.append(ind_text)
        if meaning[0] != "ok":
            result.error(meaning[1], cell_address(r, pc if meaning[0] == "period" else (uc if uc is not None else vc)))
            continue
        _, period, month, ytd, factor, _ = meaning
        cell = f"{value_letter}{r + 1}"
        value = read_number(row[vc], ind, factor, result, cell)
        if value is None:
            continue
        dup = (ind.code, tid, month)
        if dup in seen:
            result.error(f"{town_text}的“{ind.name}”（{period.label()}）与{seen[dup]}重复", cell)
            continue
        seen[dup] = cell
        values.append(Value(ind.code, tid, period, value, ytd, cell, month))
    result.townships.update(t[1] for t in towns.values() if t[1] is not None and not t[2])
    for name, cell in unknown.items():
        near = ctx.suggestions(name)
        hint = f"，最接近的已登记乡镇：{'、'.join(near)}" if near else ""
        result.error(f"未登记的乡镇（街道）“{name}”{hint}；如为新乡镇，请先登记或允许新增乡镇", cell)
    if unmapped:
        result.warning("以下指标名称没有对应的指标，不会保存：" + "、".join(f"“{n}”（{c}起）" for n, c in unmapped.items()))
    if assumed:
        result.warning("以下指标未注明当月或累计，按当月数读取：" + "、".join(assumed) + "；如为1-N月累计数请改为累计")
    result.columns = [ColumnInfo(value_letter, text, ind.code if ind else None, None, 1.0, None, text in assumed)
                      for text, ind, _ in inds.values() if text]


def _long_meaning(ind: Indicator, marker: bool | None, raw_period: object, raw_unit: object,
                  spec: PeriodSpec | None, has_period_col: bool, switch: bool | None) -> tuple:
    """What a long-table row of this indicator, period and unit means:
    ('ok', period, month, ytd, factor, assumed), or ('period' | 'unit', message)."""
    row_spec = _row_period(raw_period, spec) if has_period_col else spec
    if row_spec is None:
        return ("period", f"无法识别的期间“{cell_text(raw_period)}”")
    unit_text = cell_text(raw_unit)
    factor = unit_factor(ind, unit_in(unit_text) or unit_text or None)
    if factor is None:
        return ("unit", f"单位“{unit_text}”与指标“{ind.name}”的单位{ind.unit}不符")
    ytd, assumed = flow_ytd(marker, row_spec, (), switch) if ind.kind == "flow" else (False, False)
    period = value_period(ind, row_spec, marker)
    return ("ok", period, period.end(), ytd, factor, assumed)


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
        value = read_number(row[col.index], ind, factor, result, cell)
        if value is None:
            continue
        seen[code] = cell
        ytd = assumed = None
        marker = col.ytd if col.ytd is not None else marker
        if ind.kind == "flow":
            ytd, assumed = flow_ytd(marker, spec, (), switch)
        period = value_period(ind, spec, marker)
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
    if assumed:
        result.warning("以下指标未注明当月或累计，按当月数读取：" + "、".join(assumed) + "；如为1-N月累计数请改为累计")
