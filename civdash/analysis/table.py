"""The 数据查询 table: chosen indicators as columns, townships or periods as rows, a 合计 row, display units.

One ``QueryTable`` feeds the page, the .xlsx and .csv downloads and ``python -m civdash export``, so a download
holds exactly the figures on screen. The rules:

* ``rows="township"``: every chosen township (every registered one when none is chosen) in display order. A cell
  is its indicator over the whole range as one period: flows summed over the months (当月), or their
  year-to-date at the last month (累计: the range then runs from January of the last month's year); stocks and
  levels at the last month with data. The grain does not apply.
* ``rows="period"``: one row per month, quarter or year from the bucket holding the first month to the bucket
  holding the last, for the chosen townships together (the district when none is chosen).
* The 合计 row is the whole range for the chosen townships together. With township rows it is the total of the rows
  shown (``metrics.total_of_townships``): sums across townships, levels averaged as the catalog says; a township
  that has not reported the last month counts with the figure its row shows (its last month with data, which a note
  names), so that 合计 is always the sum of the rows above it. With period rows it is the whole range as one period
  (``metrics.over_range``). It comes from the stored values, not from the rounded rows, so it may differ from their
  sum in the last decimal, as in any statistical table.
* Chosen townships (not all of them) are named in the title (up to three, else the first and how many) and the
  total row reads 所选N个乡镇（街道）合计: such a table is never titled or totalled as the district.
* Columns follow the catalog's order (so a category's indicators stand together under one group heading);
  money is shown in 万元 with two decimals, other units as stored with the catalog's decimals, and every value
  is rounded to the decimals shown, half up (四舍五入, ``units.round_half_up``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from civdash.analysis import marks, metrics
from civdash.domain import catalog, townships
from civdash.domain.periods import (
    Grain,
    add_months,
    bucket_label,
    bucket_start,
    month_label,
    month_start,
    ytd_label,
    ytd_missing,
)
from civdash.domain.units import display_decimals, display_unit, round_half_up, to_display

Rows = Literal["township", "period"]
ROWS: dict[str, str] = {"township": "按乡镇（街道）", "period": "按期间"}
TOTAL = "合计"
TOWNSHIP_HEADER, CODE_HEADER, PERIOD_HEADER = "乡镇（街道）", "区划代码", "期间"


@dataclass(frozen=True)
class TableRequest:
    """What a person chose: indicators (codes), the months (inclusive), grain, 当月/累计, townships (ids; none:
    all), what the rows are, and an optional sort by one indicator's column (the 合计 row stays last)."""

    indicators: tuple[str, ...]
    start: date
    end: date
    grain: Grain = "month"
    ytd: bool = False
    townships: tuple[int, ...] = ()
    rows: Rows = "township"
    sort_by: str | None = None
    descending: bool = True


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    category: str
    kind: str
    unit: str  # the unit shown (万元 for money)
    decimals: int  # the decimals shown

    @property
    def header(self) -> str:
        return f"{self.name}（{self.unit}）"


@dataclass(frozen=True)
class QueryTable:
    request: TableRequest
    district: str
    title: str  # 黔江区2025年1-6月民政主要指标统计表
    period_text: str  # 2025年1-6月
    row_header: str  # 乡镇（街道） or 期间
    labels: list[str]  # one per row; the last is 合计
    codes: list[str] | None  # 区划代码 per row for township rows ('' where none, and for 合计); None for periods
    columns: list[Column]
    values: np.ndarray  # len(labels) × len(columns), display units, rounded; NaN where there is no value
    notes: list[str] = field(default_factory=list)

    @property
    def unit_line(self) -> str:
        """'单位：户、人、万元' — the units of the columns, in order."""
        return "单位：" + "、".join(dict.fromkeys(c.unit for c in self.columns))

    @property
    def data_rows(self) -> int:
        """Rows before the 合计 row."""
        return len(self.labels) - 1

    def frame(self) -> pd.DataFrame:
        """The table as shown on screen: the row labels, the township codes (township rows), one column per
        indicator headed 名称（单位）."""
        out = {self.row_header: self.labels}
        if self.codes is not None:
            out[CODE_HEADER] = self.codes
        for k, column in enumerate(self.columns):
            out[column.header] = self.values[:, k]
        return pd.DataFrame(out)


def build(con: duckdb.DuckDBPyConnection, request: TableRequest) -> QueryTable:
    """The table ``request`` asks for, from the current values (see the module docstring for the rules)."""
    by_code = catalog.indicator_map(con)
    chosen = set(request.indicators)
    columns = [Column(i.code, i.name, i.category, i.kind, display_unit(i.unit), display_decimals(i.unit, i.decimals))
               for i in by_code.values() if i.code in chosen]
    codes = [c.code for c in columns]
    units = {i.code: i.unit for i in by_code.values()}
    start, end = month_start(request.start), month_start(request.end)
    if request.rows == "township":
        if request.ytd:
            start = max(start, metrics.first_month_of_year(con, end) or date(end.year, 1, 1))
        first = start
    else:
        first = bucket_start(start, request.grain)
    everything = townships.townships(con, include_district=True)  # one read for the rows and the title's district
    registered = [t for t in everything if t.level == "township"]
    wanted = set(request.townships)
    towns = [t for t in registered if t.id in wanted] if wanted else registered
    if request.rows == "township":
        weights = {by_code[c].weight for c in codes if by_code[c].weight} - set(codes)
        values = metrics.over_range(con, [*codes, *sorted(weights)], first, end, request.ytd, request.townships,
                                    by_township=True)
        values = values[values["township_id"].isin({t.id for t in towns})]
        rows = _rows_of(values, "township_id", [t.id for t in towns], codes)
        totals = metrics.total_of_townships(values, by_code)
        total_row = [totals.get(code, np.nan) for code in codes]
        stale = _stale(values, columns, {t.id: t.name for t in towns})
        labels = [t.name for t in towns]
        row_codes: list[str] | None = [t.code or "" for t in towns]
        row_header = TOWNSHIP_HEADER
    else:
        total = metrics.over_range(con, codes, first, end, request.ytd, request.townships)
        total_row = _rows_of(total.assign(all=0), "all", [0], codes)[0]
        values = metrics.series(con, codes, first, end, request.grain, request.ytd, request.townships)
        buckets = _buckets(first, end, request.grain)
        rows = _rows_of(values, "period", buckets, codes)
        # a quarter or year the data do not fill says which months it holds; a period lacking a township says so
        spans = metrics.bucket_labels(values, request.grain)
        incomplete = metrics.incomplete_buckets(con, codes, first, end, request.grain, request.ytd, request.townships)
        labels = [marks.period_label(spans.get(b, bucket_label(b, request.grain)), b in incomplete) for b in buckets]
        row_codes = None
        row_header = PERIOD_HEADER
        stale = [f"{spans.get(b, bucket_label(b, request.grain))}{marks.incomplete(names)}，"
                 "该期及合计行不含其未报送月份的数据。" for b, names in incomplete.items()]
    matrix = np.array(rows + [total_row], dtype=float).reshape(len(rows) + 1, len(codes))
    for k, code in enumerate(codes):  # each distinct value rounded once (head-counts repeat across townships)
        distinct, where = np.unique(matrix[:, k], return_inverse=True)
        matrix[:, k] = np.array([round_half_up(to_display(v, units[code]), columns[k].decimals)
                                 if not np.isnan(v) else np.nan for v in distinct], dtype=float)[where.reshape(-1)]
    everyone = len(towns) == len(registered)
    labels.append(TOTAL if everyone else f"所选{len(towns)}个乡镇（街道）合计")
    if row_codes is not None:
        row_codes.append("")
    order = _sorted(matrix, codes, request)
    matrix = matrix[order]
    labels = [labels[i] for i in order]
    row_codes = [row_codes[i] for i in order] if row_codes is not None else None
    district = next((t.name for t in everything if t.level == "district"), None) or townships.district_name(con)
    period_text = period_span(first, end)
    scope = "" if everyone else marks.township_list([t.name for t in towns])
    return QueryTable(request, district, f"{district}{scope}{period_text}民政主要指标统计表", period_text, row_header,
                      labels, row_codes, columns, matrix, _notes(request, columns, first, end) + stale)


def period_span(first: date, last: date) -> str:
    """'2025年6月', '2025年1-6月', '2024年7月—2025年6月'."""
    if first == last:
        return month_label(first)
    if first.year == last.year:
        return f"{first.year}年{first.month}-{last.month}月"
    return f"{month_label(first)}—{month_label(last)}"


def _rows_of(values: pd.DataFrame, key: str, keys: Sequence[object], codes: Sequence[str]) -> list[list[float]]:
    """One row of ``codes``' values for each of ``keys`` (values of column ``key``); NaN where there is none."""
    if values.empty:
        return [[np.nan] * len(codes) for _ in keys]
    wide = values.pivot(index=key, columns="indicator_code", values="value")  # one value per key and indicator
    return wide.reindex(index=list(keys), columns=list(codes)).to_numpy(dtype=float).tolist()


def _stale(values: pd.DataFrame, columns: Sequence[Column], names: dict[int, str]) -> list[str]:
    """A note naming the townships whose stock or level figure is from a month before the latest month any township
    reported (they did not report that month, so the table shows, and 合计 counts, their last reported figure)."""
    if values.empty:
        return []
    held = [c.code for c in columns if c.kind in ("stock", "level")]
    latest = values.groupby("indicator_code")["last_month"].transform("max")
    late = values[values["indicator_code"].isin(held).to_numpy() & (values["last_month"] < latest).to_numpy()
                  & values["township_id"].isin(list(names)).to_numpy()]   # the few rows to name, in order
    behind: dict[str, date] = {}
    for township, last in zip(late["township_id"], late["last_month"], strict=True):
        behind[names[township]] = min(last, behind.get(names[township], last))
    if not behind:
        return []
    listed = "、".join(f"{name}（{month_label(last)}）" for name, last in behind.items())
    return [f"{listed}未报送截止月份的数据，其人数、户数等存量指标为括号内月份的数值，合计中也按此计入。"]


def _buckets(first: date, last: date, grain: Grain) -> list[date]:
    out, step = [], {"month": 1, "quarter": 3, "year": 12}[grain]
    current = bucket_start(first, grain)
    while current <= last:
        out.append(current)
        current = add_months(current, step)
    return out


def _sorted(matrix: np.ndarray, codes: Sequence[str], request: TableRequest) -> list[int]:
    """Row order: as built, or by one column (no value last); the 合计 row stays last."""
    rows = list(range(len(matrix) - 1))
    if request.sort_by in codes:
        column = matrix[:-1, list(codes).index(request.sort_by)]
        present = [r for r in rows if not np.isnan(column[r])]
        present.sort(key=lambda r: column[r], reverse=request.descending)
        rows = present + [r for r in rows if np.isnan(column[r])]
    return rows + [len(matrix) - 1]


def _notes(request: TableRequest, columns: Sequence[Column], first: date, end: date) -> list[str]:
    """What a reader must know to read the figures right."""
    kinds = {c.kind for c in columns}
    notes = []
    if "flow" in kinds:
        if request.ytd:
            notes.append(f"资金、人次等流量指标为当年累计数（{ytd_label(end, first)}{ytd_missing(end, first)}）。"
                         if request.rows == "township"
                         else "资金、人次等流量指标为当年1月起至各期末的累计数。")
        else:
            notes.append("资金、人次等流量指标为期间内各月合计。")
    if kinds & {"stock", "level"}:
        notes.append("人数、户数等存量指标和标准类指标取期末数（期间内最后一个有数据的月份）。")
    if request.rows == "period":
        notes.append(f"合计行：{period_span(first, end)}全期。")
    if request.townships:
        notes.append("合计为所选乡镇（街道）之和。")
    return notes
