"""The 填报 form and the check of what a township hands in.

The form lists the indicators a township reports — those it has a value of in the twelve months before the open
month, or the whole catalog when it never reported — in catalog order, each with the unit people read (万元 for
money), how it is filled (当月 for flows, 月末数 for stocks, 当期 for standards and rates) and last month's value.
What the township types becomes the upload template (``ingest.template.upload_template``) with its one row, so the
same engine, audit rules and provenance (file, sheet, cell) apply as to any upload. Or the township uploads its own
sheet: the same engine, limited to its own township and the month — a row of another township or another month is an
error naming the file, sheet, row and column.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from civdash.domain import catalog, townships
from civdash.domain.periods import add_months, month_from_number, month_label, month_number
from civdash.domain.units import display_decimals, display_unit, to_display
from civdash.ingest.context import Options
from civdash.ingest.errors import Finding
from civdash.ingest.template import counted, upload_template
from civdash.ingest.upload import Plan, prepare
from civdash.store import queries

READING = {"flow": "当月", "stock": "月末数", "level": "当期"}
_MISSING_TOWNSHIPS = "本表没有以下已登记乡镇（街道）的数据"  # a township's own sheet lists only itself
_ADDRESS = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


@dataclass(frozen=True)
class FormRow:
    """One line of the form: an indicator, how it is filled, and last month's value in the unit shown."""

    code: str
    name: str
    category: str
    kind: str
    unit: str  # as people read it: 万元, 人, 元/人·月 …
    reading: str  # 当月 | 月末数 | 当期
    decimals: int  # decimals shown (万元: 2)
    whole: bool  # a count: whole numbers only (as the upload template's cells accept)
    last: float | None  # last month's value in ``unit``


@dataclass
class Check:
    """What a township hands in for a month, read and checked as an upload: the workbook and its ``Plan``."""

    township_id: int
    township: str
    period: date
    file_name: str
    content: bytes
    plan: Plan

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def errors(self) -> list[Finding]:
        return self.plan.errors

    @property
    def soft(self) -> list[Finding]:
        return self.plan.soft

    @property
    def warnings(self) -> list[Finding]:
        return self.plan.warnings


def township_name(con: duckdb.DuckDBPyConnection, township_id: int) -> str:
    for t in townships.townships(con):
        if t.id == township_id:
            return t.name
    raise KeyError(f"no township with id {township_id}")


def form(con: duckdb.DuckDBPyConnection, township_id: int, month: date) -> list[FormRow]:
    """The form of ``township_id`` for ``month`` (see the module docstring)."""
    inds = catalog.indicators(con)
    ordered = [i for c in catalog.categories(inds) for i in inds if i.category == c]
    reported = set(queries.run(con, "filing_reported_indicators", township_id=township_id,
                               first=add_months(month, -12), last=add_months(month, -1))["indicator_code"])
    last = dict(queries.run(con, "filing_month_values", township_id=township_id,
                            period=add_months(month, -1)).itertuples(index=False))
    return [FormRow(i.code, i.name, i.category, i.kind, display_unit(i.unit), READING[i.kind],
                    display_decimals(i.unit, i.decimals), counted(i),
                    to_display(last.get(i.code), i.unit))
            for i in ordered if not reported or i.code in reported]


def form_file_name(township: str, month: date) -> str:
    """'城东街道2026年11月填报.xlsx'."""
    return f"{township}{month_label(month)}填报.xlsx"


def form_workbook(con: duckdb.DuckDBPyConnection, township_id: int, month: date,
                  values: Mapping[str, float | None]) -> tuple[str, bytes]:
    """The form's values (indicator code → figure in the unit shown; None or absent: not filled) as the upload
    template of this one township: (file name, bytes)."""
    name = township_name(con, township_id)
    filled = {(name, code): float(v) for code, v in values.items() if v is not None and v == v}
    return form_file_name(name, month), upload_template(con, month.year, month.month, filled, only={township_id})


def check_form(con: duckdb.DuckDBPyConnection, township_id: int, month: date,
               values: Mapping[str, float | None]) -> Check:
    """The form's values read and checked as an upload of this township's month (nothing is written)."""
    file_name, content = form_workbook(con, township_id, month, values)
    return check_upload(con, township_id, month, file_name, content)


def check_upload(con: duckdb.DuckDBPyConnection, township_id: int, month: date, file_name: str,
                 content: bytes) -> Check:
    """A workbook (the form's, or the township's own sheet) read and checked as an upload; a row of another township
    or another month is an error (nothing is written)."""
    plan = prepare(con, [(file_name, content)], Options(period=month))
    name = township_name(con, township_id)
    limit(plan, township_id, name, month)
    return Check(township_id, name, month, file_name, content, plan)


def figures(con: duckdb.DuckDBPyConnection, check: Check) -> dict[str, float]:
    """The check's figures of its own township and month in the units the form shows (indicator code → figure): what
    a submission held, to fill the form again after a return."""
    inds = catalog.indicator_map(con)
    table = check.plan.table
    own = table[(table["township"].astype("int64") == check.township_id)
                & (table["month"].astype("int64") == month_number(check.period))]
    return {code: to_display(float(value), inds[code].unit)
            for code, value in zip(own["indicator"], own["value"], strict=True) if code in inds}


def limit(plan: Plan, township_id: int, township: str, month: date) -> None:
    """Confine ``plan`` to one township's month: every row (sheet, township, month) of another is an error at its
    first cell; the warning that a sheet lacks the other townships is dropped (a township's sheet has only itself)."""
    for sheet in plan.sheets:
        sheet.findings[:] = [f for f in sheet.findings
                             if not (f.level == "warning" and f.message.startswith(_MISSING_TOWNSHIPS))]
    table = plan.table
    if table.empty:
        return
    own = month_number(month)
    foreign = table[(table["township"].astype("int64") != township_id) | (table["month"].astype("int64") != own)]
    for (sheet_no, town, number), rows in foreign.groupby(["sheet", "township", "month"], sort=True):
        sheet = plan.sheets[int(sheet_no)]
        cell = str(rows["cell"].iloc[0] or "")
        found = _ADDRESS.match(cell)
        at = f"第{found.group(2)}行{found.group(1)}列" if found else "此行"
        whose = plan.context.township_name(int(town))
        when = month_label(month_from_number(int(number)))
        sheet.error(f"{at}是{whose}{when}的数据：只能填报本乡镇（{township}）{month_label(month)}的数据，"
                    "请删除其他乡镇或其他月份的行后重新上传", cell or None)
