"""An upload from files to stored facts: the one engine behind the upload page and ``python -m civdash import``.

``prepare`` reads every file and sheet, understands and validates them against the catalog, the registry and
what is stored, and returns a ``Plan``: the facts it would store, with every finding (file › sheet › cell).
Nothing is written. ``commit`` stores a plan without errors in one transaction (registering new townships
and remembering confirmed header mappings in the same transaction), or raises ``CommitError``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from civdash.domain.periods import month_from_number, months_as_datetimes
from civdash.ingest.commit import CommitError, CommitResult, UploadFile, commit_upload, find_same_file
from civdash.ingest.context import Context, Options
from civdash.ingest.errors import Finding, IngestError
from civdash.ingest.extract import LAYOUT_NAMES, SheetResult, extract_sheet
from civdash.ingest.read import DEFAULT_LIMITS, Limits, read_workbook
from civdash.ingest.resolve import FACT_COLUMNS, Fact, resolve


@dataclass
class Plan:
    """What an upload would store and everything found on the way; ``ok`` when nothing blocks it."""

    sheets: list[SheetResult]
    table: pd.DataFrame  # the facts to store (resolve.FACT_COLUMNS; ``sheet`` indexes ``sheets``)
    files: list[UploadFile]
    context: Context
    file_numbers: dict[str, int] = field(default_factory=dict)

    @property
    def facts(self) -> list[Fact]:
        """The facts one by one (a convenience for small uploads and tests; large ones stay in ``table``)."""
        return [Fact(ind, int(tid), month_from_number(int(m)), float(v), self.sheets[int(s)], cell)
                for ind, tid, m, v, s, cell in self.table[list(FACT_COLUMNS)].itertuples(index=False)]

    @property
    def fact_count(self) -> int:
        return len(self.table)

    def facts_per_sheet(self) -> dict[int, int]:
        """Index in ``sheets`` → how many facts that sheet gives."""
        return {int(k): int(n) for k, n in self.table["sheet"].value_counts().items()}

    @property
    def findings(self) -> list[Finding]:
        return [f for s in self.sheets for f in s.findings]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def soft(self) -> list[Finding]:
        """Findings of 核实性 rules: each needs an explanation before the plan may be stored."""
        return [f for f in self.findings if f.level == "soft"]

    def unexplained(self, explanations: Mapping[str, str] | None) -> list[Finding]:
        return [f for f in self.soft if not explanation_for(f, explanations)]

    @property
    def ok(self) -> bool:
        return not self.errors and self.fact_count > 0

    def frame(self) -> pd.DataFrame:
        """The facts to store, one row each, with the columns of ``commit.NewFact``."""
        t = self.table.reset_index(drop=True)
        sheet_no = t["sheet"].to_numpy(np.int64)
        file_nos = np.array([self.file_numbers.get(s.file, 0) for s in self.sheets] or [0], dtype=np.int64)
        names = [s.sheet or "" for s in self.sheets]  # a sheet without a name (a failed file) has no facts
        distinct = list(dict.fromkeys(names))
        name_no = np.array([distinct.index(n) for n in names] or [0], dtype=np.int64)
        return pd.DataFrame({  # text columns as they are (Arrow strings; the sheet a category): nothing converted
            "indicator_code": t["indicator"], "township_id": t["township"].astype(np.int64),
            "period": months_as_datetimes(t["month"].to_numpy(np.int64)), "value": t["value"].astype(np.float64),
            "file_no": file_nos[sheet_no], "sheet": pd.Categorical.from_codes(name_no[sheet_no], categories=distinct),
            "cell": t["cell"], "from_ytd": t["from_ytd"].to_numpy(bool) if "from_ytd" in t else False})

    def as_json(self, committed: bool, batch_id: int | None) -> dict[str, Any]:
        """The command line's ``--json`` object."""
        counts = self.facts_per_sheet()
        files = []
        for no, s in enumerate(self.sheets):
            ids = sorted(s.townships, key=lambda t: (t < 0, abs(t)))
            files.append({
                "file": s.file, "sheet": s.sheet,
                "period": s.period_label(),
                "layout": s.layout,
                "facts": counts.get(no, 0),
                "townships": [self.context.township_name(t) for t in ids],
                "errors": [f.as_dict() for f in s.findings if f.level == "error"],
                "soft": [f.as_dict() for f in s.findings if f.level == "soft"],
                "warnings": [f.as_dict() for f in s.findings if f.level == "warning"],
                "notes": [f.as_dict() for f in s.findings if f.level == "note"],
            })
        return {"committed": committed, "batch_id": batch_id, "files": files}


@contextmanager
def _bulk_work() -> Iterator[None]:
    """Set up for a large file: Python's cyclic garbage collector paused (a large file becomes millions of
    small objects and no cycles, and the collector's passes over them, triggered again and again as they are
    made, cost a third of the time) until the work is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_bulk_work()
def prepare(con: duckdb.DuckDBPyConnection, files: Sequence[tuple[str, bytes]], options: Options | None = None,
            limits: Limits = DEFAULT_LIMITS, progress: Callable[[float, str], None] | None = None) -> Plan:
    """Read and validate ``files`` (name, content); nothing is written to the database. ``progress`` is told
    (fraction done by size, what comes next) before each step."""
    ctx = Context(con, options)
    sheets: list[SheetResult] = []
    uploads: list[UploadFile] = []
    numbers: dict[str, int] = {}
    total, done = sum(len(d) for _, d in files) or 1, 0
    for name, data in files:
        if progress:
            progress(0.9 * done / total, f"正在读取 {name}")
        done += len(data)
        try:
            book = read_workbook(data, name, limits)
        except IngestError as exc:
            failed = SheetResult(name, None)
            failed.findings.append(Finding("error", exc.where, exc.message))
            sheets.append(failed)
            continue
        uploads.append(UploadFile(name, book.sha256, book.size, data))
        numbers[name] = len(uploads)
        results = [extract_sheet(sheet, name, ctx) for sheet in book.sheets]
        first = results[0]
        for skipped in book.skipped:
            where, _, message = skipped.partition("：")
            first.findings.append(Finding("note", where, message or "已跳过"))
        same = find_same_file(con, book.sha256)
        if same is not None:
            first.warning(f"此文件与第{same}批导入的文件内容完全相同")
        if all(r.layout is None for r in results) and not any(r.has_errors for r in results):
            first.error("文件中没有可识别的报表（乡镇报表、明细表或全区指标表）")  # unless each sheet says why already
        sheets += results
    names = [n for n, _ in files]
    for n in {n for n in names if names.count(n) > 1}:
        next(s for s in sheets if s.file == n).error("同名文件上传了两次，请只保留一个")
    if progress:
        progress(0.9, "正在核对数据")
    table = resolve(con, sheets, ctx)
    for rule, why in ctx.broken_rules:
        if sheets:
            sheets[0].warning(f"审核规则“{rule.name}”无法使用，本次未检查：{why}（请管理员在“指标与乡镇 › 审核规则”中修改）")
    if table.empty and not any(f.level == "error" for s in sheets for f in s.findings) and sheets:
        for sheet in [s for s in sheets if s.layout] or sheets[:1]:
            sheet.error(nothing_read(sheet))
    return Plan(sheets, table, uploads, ctx, numbers)


def nothing_read(sheet: SheetResult) -> str:
    """Why a recognised sheet gave no figure: which rows and columns were looked at, and what each lacked."""
    mapped = [c for c in sheet.columns if c.indicator]
    unmapped = [f"{c.letter}列“{c.header}”" if c.header else f"{c.letter}列" for c in sheet.columns if not c.indicator]
    where = f"读取了{sheet.considered}，" if sheet.considered else ""
    if not mapped:
        why = (f"但{'、'.join(unmapped)}都没有对应的指标：请在“需要您确认”中为它们选择指标" if unmapped
               else "但表中没有一列写着指标名称或数值")
    elif sheet.unreported:
        why = f"{'、'.join(c.letter + '列' for c in mapped)}在这些行中都是“—”“/”“无”等未报送标记或空白"
    else:
        why = f"{'、'.join(c.letter + '列“' + c.header + '”' for c in mapped)}在这些行中都是空白"
    hidden = "；另有隐藏的内容未读取（见上）" if sheet.hidden_left_out else ""
    return f"没有读到任何数值：{where}{why}{hidden}"


def explanation_for(finding: Finding, explanations: Mapping[str, str] | None) -> str | None:
    """The explanation given for a soft finding: for its cell ('file › sheet › C12'), else for its rule (one text may
    cover every finding of a rule); None when there is none."""
    for key in (finding.where, finding.rule, finding.rule_name):
        text = (explanations or {}).get(key or "", "").strip()
        if text:
            return text
    return None


def refusal(plan: Plan, strict: bool = False, explanations: Mapping[str, str] | None = None) -> str | None:
    """Why ``plan`` may not be stored (Chinese), or None."""
    if plan.errors:
        return f"有{len(plan.errors)}个错误，未保存任何数据"
    if strict and (plan.warnings or plan.soft):
        return f"有{len(plan.warnings)}个警告、{len(plan.soft)}个核实性问题（严格模式），未保存任何数据"
    missing = plan.unexplained(explanations)
    if missing:
        return f"有{len(missing)}个核实性问题没有填写说明，未保存任何数据"
    if not plan.fact_count:
        return "没有可保存的数据"
    return None


@_bulk_work()
def commit(con: duckdb.DuckDBPyConnection, plan: Plan, user_name: str | None = None, source: str = "upload",
           strict: bool = False, explanations: Mapping[str, str] | None = None, note: str | None = None,
           explained_by: str | None = None,
           within: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None) -> CommitResult:
    """Store a plan without errors, each soft finding explained (``explanations``: by cell or by rule; when
    ``strict``, no warning and no soft finding at all), in one transaction; the explanations are kept with the batch
    (as given by ``explained_by``, default ``user_name``). ``note`` is the batch's note; ``within(con, batch_id)``
    runs in the same transaction (``commit.commit_upload``)."""
    refused = refusal(plan, strict, explanations)
    if refused:
        raise CommitError(refused)
    ctx = plan.context
    chosen = ctx.options.mappings
    remembered = sorted({(s.signature, c.header, chosen[c.header]) for s in plan.sheets if s.signature
                         for c in s.columns if c.header in chosen}, key=str)
    return commit_upload(con, plan.frame(), plan.files, user_name=user_name, source=source,
                         new_townships={i: n for n, i in ctx.new_townships.items()},
                         new_district=ctx.new_district, mappings=remembered, township_aliases=ctx.accepted,
                         keys_unique=True, explanations=_explained(plan, explanations), note=note,
                         explained_by=explained_by, within=within)


def _explained(plan: Plan, explanations: Mapping[str, str] | None) -> pd.DataFrame:
    soft = plan.soft
    return pd.DataFrame({"rule_code": [f.rule or "" for f in soft], "rule_name": [f.rule_name or "" for f in soft],
                         "location": [f.where for f in soft], "message": [f.message for f in soft],
                         "explanation": [explanation_for(f, explanations) or "" for f in soft]},
                        columns=["rule_code", "rule_name", "location", "message", "explanation"]).astype(str)


__all__ = ["LAYOUT_NAMES", "Options", "Plan", "commit", "explanation_for", "prepare", "refusal"]
