"""Recognising a report form's layout without a template.

A report form (报表) has townships as rows and indicators as columns: a title and 填报单位/单位 lines on
top, one to four header rows with merged group cells, perhaps a units row and a 序号 row, township
rows, a total row (合计, 总计, 全区/全县 or the district's own name) and 注/说明/审核人 lines below.

``detect_report`` finds those parts in a grid of raw cell values. It does not read numbers or map
headers to indicators; it says where things are and what each column's header, unit and 当月/累计
marker say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from civdash.domain.names import normalize_name
from civdash.domain.units import KNOWN_UNITS
from civdash.ingest.cells import parse_cell

Grid = Sequence[Sequence[object]]
Merged = Sequence[tuple[int, int, int, int]]  # (first_row, first_col, last_row, last_col), inclusive

UNIT_WORDS = ("元/人·月", "元/人月", "元/月", *KNOWN_UNITS, "%")  # rates first: the longer match wins
_UNIT_ALTERNATIVES = "|".join(re.escape(u) for u in UNIT_WORDS)
_UNIT_IN_TEXT = re.compile(r"[（(]\s*(?:单位\s*[:：]\s*)?(" + _UNIT_ALTERNATIVES + r")\s*[)）]")
_SHEET_UNIT = re.compile(r"单位\s*[:：]\s*([^\s，,；;]+)")
_YTD = re.compile(r"累计|截至|截止|全年|本年"
                  r"|1\s*[-—－~～至到]\s*\d{1,2}\s*月|一\s*[-—－~～至到]\s*[一二三四五六七八九十]+\s*月")
_MONTH_ONLY = re.compile(r"当月|本月")
_META = re.compile(r"填报单位|填表单位|报送单位|填报日期|填表日期|制表日期|统计时间|单位\s*[:：]")
_INDEX_TEXT = {"序号", "甲", "乙", "丙", "丁", "栏次", "行次"}
_TOTAL_WORD = re.compile(r"合计|总计|全区|全县|全市|全旗|总数")
_NUMBER = re.compile(r"\d+(?:\.0)?")  # 序号 1, 2 …, 区划代码 500114001: never a township's name
# a group label inside a table: 一、街道 / 二、镇 / （三）乡 / 街道部分
_GROUP = re.compile(r"^(?:[一二三四五六七八九十]+|\d{1,2})?(?:街道|镇|乡|乡镇|民族乡|城区|农村|城镇)(?:部分|类)?$")
_TOWNSHIP_HEADERS = {"乡镇", "乡镇街道", "街道", "镇街", "街镇", "乡镇名称", "单位名称", "地区", "地区名称", "区域",
                     "镇乡街道", "乡镇场"}
_NOTE_LINE = re.compile(r"^(注|说明|备注|填表人|审核人|负责人|制表人|联系人|统计人)")


@dataclass(frozen=True)
class Column:
    """One data column: its position, header texts (top to bottom) and what they say."""

    index: int
    header: tuple[str, ...]
    unit: str | None  # written in the header or the units row
    ytd: bool | None  # True: 累计 / 1-N月 / 截至; False: 当月 / 本月; None: no marker

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass(frozen=True)
class ReportLayout:
    township_col: int
    header_rows: tuple[int, ...]
    units_row: int | None
    index_row: int | None
    township_rows: tuple[int, ...]  # rows naming a township (registered or not)
    total_rows: tuple[int, ...]
    columns: tuple[Column, ...]
    title_lines: tuple[str, ...]  # text above the header: title, 填报单位, 单位 lines
    notes: tuple[str, ...]  # 注/说明/审核人 lines below the data
    sheet_units: tuple[str, ...] = field(default=())  # from a '单位：万元' line ('人、元' gives two)
    sheet_ytd: bool | None = None  # a 累计/1-N月 title, or 当月/本月
    subtotal_rows: tuple[int, ...] = ()  # 街道小计, 镇合计: rows of some townships, neither a township nor the total
    labels: dict[int, str] = field(default_factory=dict)  # body and group rows → the name they carry (merges read)
    group_rows: tuple[int, ...] = ()  # 一、街道 / 二、镇 rows that are not townships: labels of the townships below

    def label(self, row: int) -> str:
        return self.labels.get(row, "")


@lru_cache(maxsize=4096)
def column_letter(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """0-based (row, col) → 'D7'."""
    return f"{column_letter(col)}{row + 1}"


def cell_text(value: object) -> str:
    """A raw cell as the text a person reads: '' for nothing, 12.0 → '12', stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _numeric(value: object) -> bool:
    """A figure: a number, or a mark meaning none (—, /, 无)."""
    return parse_cell(value).status in ("number", "none")


def fill_merged(grid: Grid, merged: Merged) -> list[list[object]]:
    """A copy of ``grid`` in which every cell of a merged range holds the range's top-left value."""
    out = [list(row) for row in grid]
    for r0, c0, r1, c1 in merged:
        if r0 >= len(out):
            continue
        value = out[r0][c0] if c0 < len(out[r0]) else None
        for r in range(r0, min(r1, len(out) - 1) + 1):
            row = out[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value
    return out


def unit_in(text: str) -> str | None:
    """'资金（万元）' → '万元'; a bare unit word ('万元') → itself; else None."""
    m = _UNIT_IN_TEXT.search(text)
    if m:
        return m.group(1)
    bare = text.strip().strip("()（）")
    return bare if bare in UNIT_WORDS else None


def ytd_marker(text: str) -> bool | None:
    """True for 累计 / 1-N月 / 截至, False for 当月 / 本月, None without a marker."""
    if _YTD.search(text):
        return True
    if _MONTH_ONLY.search(text):
        return False
    return None


def sheet_units(lines: Sequence[str]) -> tuple[str, ...]:
    """Units a '单位：万元' (or '单位:人、元') line declares for the whole sheet."""
    found: list[str] = []
    for line in lines:
        for m in _SHEET_UNIT.finditer(line):
            found += [u for u in re.split(r"[、/,，]", m.group(1)) if u in UNIT_WORDS]
    return tuple(dict.fromkeys(found))


def _is_units_row(row: Sequence[object], skip: int) -> bool:
    texts = [cell_text(v) for c, v in enumerate(row) if c != skip and cell_text(v)]
    return bool(texts) and all(t in UNIT_WORDS or t in ("单位", "计量单位") for t in texts) and len(texts) >= 2


def _is_index_row(row: Sequence[object], skip: int) -> bool:
    """A 序号 row numbering the columns: 1, 2, 3 … or 1, 2, 5, 6 … (or 甲, 乙 …), under the headers. The township
    column (``skip``) holds nothing or 乙 there; two numbers are enough when they climb and the row holds nothing else."""
    name = cell_text(row[skip]) if skip < len(row) else ""
    if name and name not in _INDEX_TEXT:
        return False
    texts = [cell_text(v) for c, v in enumerate(row) if c != skip and cell_text(v)]
    numbers = [int(float(t)) for t in texts if re.fullmatch(r"\d+(\.0)?", t)]
    others = [t for t in texts if not re.fullmatch(r"\d+(\.0)?", t)]
    climbing = all(a < b for a, b in zip(numbers, numbers[1:], strict=False)) and all(n <= 500 for n in numbers)
    return len(numbers) >= 2 and climbing and all(t in _INDEX_TEXT for t in others)


def detect_report(
    grid: Grid,
    merged: Merged,
    is_township: Callable[[str], bool],
    is_total: Callable[[str], bool],
    allow_repeats: bool = False,
    is_subtotal: Callable[[str], bool] = lambda text: False,
) -> ReportLayout | None:
    """Find a townships-as-rows report form in ``grid``; None when the sheet is not one.

    A township named on several rows usually means a long table, so such a sheet is no form unless
    ``allow_repeats`` (asked once nothing else fits, so the repeated rows are reported as an error).
    """
    rows = [list(r) for r in grid]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    filled = fill_merged(rows, merged)
    labels = _row_labels(rows, merged)  # a 合计 merged across 序号 and 乡镇 is in both columns

    # The township column: the one naming the most registered townships or totals; a column of numbers (序号,
    # 区划代码) never is one. Failing names, the column headed 乡镇/街道/单位名称 (a first upload written short).
    best, best_hits = None, 0  # one township reporting alone is still a form
    for c in range(width):
        texts = [t for r in labels if (t := r[c])]
        hits = sum(1 for t in texts if not _NUMBER.fullmatch(t) and (is_township(t) or is_total(t)))
        if hits > best_hits and sum(1 for t in texts if _NUMBER.fullmatch(t)) <= hits:
            best, best_hits = c, hits
    headed = _headed_township_column(labels) if best is None else None
    if best is None and headed is None:
        return None
    tc = best if best is not None else headed[1]

    named = [i for i, r in enumerate(labels) if (t := r[tc]) and (is_township(t) or is_total(t))]
    if not named and headed is not None:  # every name below the 乡镇 header that has figures beside it
        named = [i for i in range(headed[0] + 1, len(rows)) if (t := labels[i][tc]) and not _NUMBER.fullmatch(t)
                 and not _META.search(t) and not _NOTE_LINE.match(t) and not _GROUP.match(normalize_name(t))
                 and any(_numeric(v) for c, v in enumerate(rows[i]) if c != tc)]
        if not named:
            return None
    town_names = [normalize_name(labels[i][tc]) for i in named if not is_total(labels[i][tc])]
    if len(town_names) != len(set(town_names)) and not allow_repeats:
        return None  # a township on several rows: a long table (period, township, indicator, value), not a form
    first, last = named[0], named[-1]
    # Rows just above the first named one that carry a name and numbers are township rows as well: names nobody
    # registered yet (a district's first upload, written short: 城东) above the first one known, or the total.
    while first > 0 and (t := labels[first - 1][tc]) and not is_total(t) and not _NUMBER.fullmatch(t) \
            and not _is_index_row(rows[first - 1], tc) and any(_numeric(v) for c, v in enumerate(rows[first - 1]) if c != tc):
        first -= 1
    # Rows just below the last named one that carry a name and numbers are township rows as well: a name written
    # long (冯家街道办事处社区服务中心) or not registered yet after the last one known. They stop at a blank name, a
    # total, a 注 or 填表人 line.
    while last + 1 < len(rows) and (t := labels[last + 1][tc]) and not is_total(t) \
            and not _META.search(t) and not _NOTE_LINE.match(t) and not _is_index_row(rows[last + 1], tc) \
            and any(_numeric(v) for c, v in enumerate(rows[last + 1]) if c != tc):
        last += 1
    # Rows between the first and last that carry numbers are township rows too, even when the name is unknown
    # (validation reports it with the closest registered names); so is a registered township's row of text only
    # (暂无, 不详): its cells are reported, never skipped in silence.
    body = [i for i in range(first, last + 1) if (t := labels[i][tc]) and (
        any(_numeric(v) for c, v in enumerate(rows[i]) if c != tc and labels[i][c] != t)
        or (i in named and any(cell_text(v) for c, v in enumerate(rows[i]) if c != tc)))]
    if not body:
        return None  # township names without figures: a list, not a form
    total_rows = tuple(i for i in body if is_total(labels[i][tc]))
    # A name only shaped like the district's (水市, short for 水市镇, on a first upload) between township rows is one
    # of them: a total says 合计/总计/全区 there, or stands first or last.
    total_rows = tuple(i for i in total_rows if i in (body[0], body[-1]) or _TOTAL_WORD.search(labels[i][tc]))
    subtotal_rows = tuple(i for i in body if i not in total_rows and is_subtotal(labels[i][tc]))
    township_rows = tuple(i for i in body if i not in total_rows and i not in subtotal_rows)
    group_label: dict[int, str] = {}  # 一、街道, written in the township column or in the 序号 column left of it
    for i in range(first, last + 1):
        if i not in body:
            found = next((t for t in labels[i][:tc + 1] if t and _GROUP.match(normalize_name(t))), None)
            if found:
                group_label[i] = found
    top = min(body)

    # Walk up from the first data row: 序号 row, units row, header rows; stop at title/meta lines.
    index_row = units_row = None
    header_rows: list[int] = []
    r = top - 1
    while r >= 0:
        raw = rows[r]
        texts = [cell_text(v) for v in raw if cell_text(v)]
        if not texts:
            if header_rows:
                break
            r -= 1
            continue
        joined = " ".join(texts)
        if _META.search(joined) and not header_rows:
            break
        if not header_rows and index_row is None and units_row is None and _GROUP.match(normalize_name(labels[r][tc])) \
                and all(not cell_text(v) for c, v in enumerate(raw) if labels[r][c] != labels[r][tc]):
            group_label[r] = labels[r][tc]  # 一、街道 above the first township: a group label, not a header
            r -= 1
            continue
        if index_row is None and not header_rows and _is_index_row(raw, tc):
            index_row = r
        elif units_row is None and _is_units_row(raw, tc):
            units_row = r
        elif len(texts) == 1 and header_rows and any(r0 <= r <= r1 and c0 == 0 and c1 >= width - 1
                                                     for r0, c0, r1, c1 in merged):
            break  # one text merged across the whole table above the header: the title
        elif len(texts) >= 2 or any(merged_covers(merged, r, c) for c in range(width)):
            if _META.search(joined):
                break
            header_rows.insert(0, r)
        else:
            break
        r -= 1
    title_top = (min(header_rows) if header_rows else top) - 1
    title_lines = tuple(" ".join(cell_text(v) for v in rows[i] if cell_text(v)) for i in range(0, title_top + 1)
                        if any(cell_text(v) for v in rows[i]))

    # Data columns: every column but the township and 序号 columns that has a header or a value.
    skip = {tc}
    for c in range(width):
        head = " ".join(cell_text(filled[h][c]) for h in header_rows)
        if normalize_name(head) in ("序号", "编号", "行次"):
            skip.add(c)
    columns = []
    for c in range(width):
        if c in skip:
            continue
        header = tuple(_dedupe(cell_text(filled[h][c]) for h in header_rows))
        has_values = any(cell_text(rows[i][c]) for i in body)
        if not header and not has_values:
            continue
        unit = next((u for u in (unit_in(h) for h in reversed(header)) if u), None)
        if unit is None and units_row is not None:
            unit = unit_in(cell_text(rows[units_row][c]))
        ytd = next((m for m in (ytd_marker(h) for h in reversed(header)) if m is not None), None)
        columns.append(Column(c, header, unit, ytd))

    below = (" ".join(cell_text(v) for v in rows[i] if cell_text(v)) for i in range(max(body) + 1, len(rows)))
    notes = tuple(line for line in below if line)
    title_ytd = next((m for m in (ytd_marker(t) for t in title_lines) if m is not None), None)
    return ReportLayout(
        township_col=tc, header_rows=tuple(header_rows), units_row=units_row, index_row=index_row,
        township_rows=township_rows, total_rows=total_rows, columns=tuple(columns),
        title_lines=title_lines, notes=notes,
        sheet_units=sheet_units(title_lines), sheet_ytd=title_ytd, subtotal_rows=subtotal_rows,
        labels={i: labels[i][tc] for i in body} | group_label, group_rows=tuple(sorted(group_label)),
    )


def _row_labels(rows: list[list[object]], merged: Merged) -> list[list[str]]:
    """Each cell's text; a cell inside a merge that spans one row only takes the merge's text (合计 written across
    the 序号 and 乡镇 columns is the total in both)."""
    labels = [[cell_text(v) for v in r] for r in rows]
    for r0, c0, r1, c1 in merged:
        if r0 == r1 and r0 < len(labels) and c1 > c0 and c0 < len(labels[r0]):
            text = labels[r0][c0]
            for c in range(c0 + 1, min(c1, len(labels[r0]) - 1) + 1):
                if not labels[r0][c]:
                    labels[r0][c] = text
    return labels


def _headed_township_column(labels: list[list[str]]) -> tuple[int, int] | None:
    """(row, column) of a header cell saying 乡镇 / 乡镇（街道） / 街道 / 单位名称 / 地区 in the table's first rows."""
    for r, row in enumerate(labels[:15]):
        for c, text in enumerate(row):
            if text and normalize_name(text) in _TOWNSHIP_HEADERS:
                return r, c
    return None


def merged_covers(merged: Merged, row: int, col: int) -> bool:
    return any(r0 <= row <= r1 and c0 <= col <= c1 for r0, c0, r1, c1 in merged)


def _dedupe(texts) -> list[str]:
    """Header texts top to bottom without blanks and without a vertical merge's repeats."""
    out: list[str] = []
    for t in texts:
        if t and (not out or out[-1] != t):
            out.append(t)
    return out


# --- long tables and district-level forms ----------------------------------------------------------------------

_LONG_ROLES: dict[str, tuple[str, ...]] = {
    "period": ("期间", "时期", "月份", "统计月份", "统计期", "统计时间", "年月", "报告期", "日期", "时间", "期别"),
    "township": ("乡镇", "乡镇街道", "乡镇(街道)", "街道", "镇街", "乡镇名称", "单位名称", "地区", "区域"),
    "indicator": ("指标", "指标名称", "项目", "统计指标", "指标项"),
    "value": ("数值", "数量", "值", "数据", "本期数", "本月数", "统计值", "金额", "合计数"),
    "unit": ("单位", "计量单位", "指标单位"),
}


_ROLE_KEYS = {role: frozenset(normalize_name(n) for n in names) for role, names in _LONG_ROLES.items()}


@dataclass(frozen=True)
class LongLayout:
    """A long table: one value a row, with period, township, indicator, value (and unit) columns."""

    header_row: int
    period_col: int | None  # None when the period comes from the title, sheet or file name
    township_col: int
    indicator_col: int
    value_col: int
    unit_col: int | None
    title_lines: tuple[str, ...]


@dataclass(frozen=True)
class DistrictLayout:
    """A district-level form: indicators as rows (指标名称 | 单位 | 数量 …), no townships."""

    header_row: int
    indicator_col: int
    unit_col: int | None
    value_cols: tuple[Column, ...]  # one or more value columns (本月数, 累计数 …)
    data_rows: tuple[int, ...]
    title_lines: tuple[str, ...]


def _roles(row: Sequence[object]) -> dict[str, int]:
    """Which column of a header row plays which role; the first column found for each role wins."""
    found: dict[str, int] = {}
    for c, value in enumerate(row):
        key = normalize_name(cell_text(value))
        if not key:
            continue
        for role, keys in _ROLE_KEYS.items():
            if role not in found and key in keys:
                found[role] = c
                break
    return found  # a bare '单位' is the unit of measure; a township column says 乡镇/街道/单位名称


def _title_above(rows: Sequence[Sequence[object]], header_row: int) -> tuple[str, ...]:
    lines = (" ".join(cell_text(v) for v in rows[i] if cell_text(v)) for i in range(header_row))
    return tuple(line for line in lines if line)


def detect_long_table(grid: Grid, max_scan: int = 15) -> LongLayout | None:
    """Find a long table's header row (within the first ``max_scan`` rows) and its columns."""
    rows = list(grid)
    for r, row in enumerate(rows[:max_scan]):
        roles = _roles(row)
        if {"township", "indicator", "value"} <= roles.keys():
            return LongLayout(r, roles.get("period"), roles["township"], roles["indicator"], roles["value"],
                              roles.get("unit"), _title_above(rows, r))
    return None


def detect_district_form(grid: Grid, is_indicator: Callable[[str], bool], max_scan: int = 15) -> DistrictLayout | None:
    """Find a district-level form: a 指标 column whose rows name catalog indicators, no township column."""
    rows = [list(r) for r in grid]
    for r, row in enumerate(rows[:max_scan]):
        roles = _roles(row)
        if "indicator" not in roles or "township" in roles:
            continue
        ic, uc = roles["indicator"], roles.get("unit")
        data_rows = tuple(i for i in range(r + 1, len(rows))
                          if ic < len(rows[i]) and is_indicator(cell_text(rows[i][ic])))
        if not data_rows:
            continue
        value_cols = []
        for c, value in enumerate(row):
            if c in (ic, uc) or not any(c < len(rows[i]) and _numeric(rows[i][c]) for i in data_rows):
                continue
            head = cell_text(value)
            value_cols.append(Column(c, (head,) if head else (), unit_in(head), ytd_marker(head)))
        if value_cols:
            return DistrictLayout(r, ic, uc, tuple(value_cols), data_rows, _title_above(rows, r))
    return None
