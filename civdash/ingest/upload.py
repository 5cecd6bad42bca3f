"""An upload from files to stored facts: the one engine behind the upload page and ``python -m civdash import``.

``prepare`` reads every file and sheet, understands and validates them against the catalog, the registry and
what is stored, and returns a ``Plan``: the facts it would store, with every finding (file › sheet › cell).
Nothing is written. ``commit`` stores a plan without errors in one transaction (registering new townships
and remembering confirmed header mappings in the same transaction), or raises ``CommitError``.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from civdash.ingest.commit import CommitError, CommitResult, UploadFile, commit_upload, find_same_file
from civdash.ingest.context import Context, Options
from civdash.ingest.errors import Finding, IngestError
from civdash.ingest.extract import LAYOUT_NAMES, SheetResult, extract_sheet
from civdash.ingest.read import DEFAULT_LIMITS, Limits, read_workbook
from civdash.ingest.resolve import Fact, resolve


@dataclass
class Plan:
    """What an upload would store and everything found on the way; ``ok`` when nothing blocks it."""

    sheets: list[SheetResult]
    facts: list[Fact]
    files: list[UploadFile]
    context: Context
    file_numbers: dict[str, int] = field(default_factory=dict)

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
    def ok(self) -> bool:
        return not self.errors and bool(self.facts)

    def frame(self) -> pd.DataFrame:
        """The facts to store, one row each, with the columns of ``commit.NewFact``."""
        columns = list(zip(*self.facts, strict=True)) or [()] * 6  # facts are tuples: transposed at C speed
        indicator, township, month, value, sheets, cell = (list(c) for c in columns)
        where = {id(s): (self.file_numbers[s.file], s.sheet) for s in self.sheets if s.file in self.file_numbers}
        return pd.DataFrame({  # numbers as NumPy arrays: pandas infers a list's type five times slower
            "indicator_code": indicator, "township_id": np.array(township, dtype=np.int64), "period": month,
            "value": np.array(value, dtype=np.float64), "file_no": np.array([where[id(s)][0] for s in sheets], dtype=np.int64),
            "sheet": [where[id(s)][1] for s in sheets], "cell": cell})

    def as_json(self, committed: bool, batch_id: int | None) -> dict[str, Any]:
        """The command line's ``--json`` object."""
        counts = Counter(id(f.sheet) for f in self.facts)
        files = []
        for s in self.sheets:
            ids = sorted(s.townships, key=lambda t: (t < 0, abs(t)))
            files.append({
                "file": s.file, "sheet": s.sheet,
                "period": s.period_label(),
                "layout": s.layout,
                "facts": counts.get(id(s), 0),
                "townships": [self.context.township_name(t) for t in ids],
                "errors": [f.as_dict() for f in s.findings if f.level == "error"],
                "warnings": [f.as_dict() for f in s.findings if f.level == "warning"],
                "notes": [f.as_dict() for f in s.findings if f.level == "note"],
            })
        return {"committed": committed, "batch_id": batch_id, "files": files}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused: a large file becomes millions of small objects and no cycles,
    and the collector's passes over them, triggered again and again as they are made, cost a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
def prepare(con: duckdb.DuckDBPyConnection, files: Sequence[tuple[str, bytes]], options: Options | None = None,
            limits: Limits = DEFAULT_LIMITS) -> Plan:
    """Read and validate ``files`` (name, content); nothing is written to the database."""
    ctx = Context(con, options)
    sheets: list[SheetResult] = []
    uploads: list[UploadFile] = []
    numbers: dict[str, int] = {}
    for name, data in files:
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
        if all(r.layout is None for r in results):
            first.error("文件中没有可识别的报表（乡镇报表、明细表或全区指标表）")
        sheets += results
    names = [n for n, _ in files]
    for n in {n for n in names if names.count(n) > 1}:
        next(s for s in sheets if s.file == n).error("同名文件上传了两次，请只保留一个")
    facts = resolve(con, [s for s in sheets if s.layout is not None], ctx)
    if not facts and not any(f.level == "error" for s in sheets for f in s.findings) and sheets:
        sheets[0].error("没有读到任何数值")
    return Plan(sheets, facts, uploads, ctx, numbers)


def refusal(plan: Plan, strict: bool = False) -> str | None:
    """Why ``plan`` may not be stored (Chinese), or None."""
    if plan.errors:
        return f"有{len(plan.errors)}个错误，未保存任何数据"
    if strict and plan.warnings:
        return f"有{len(plan.warnings)}个警告（严格模式），未保存任何数据"
    if not plan.facts:
        return "没有可保存的数据"
    return None


@_collector_paused()
def commit(con: duckdb.DuckDBPyConnection, plan: Plan, user_name: str | None = None, source: str = "upload",
           strict: bool = False) -> CommitResult:
    """Store a plan without errors (and, when ``strict``, without warnings) in one transaction."""
    refused = refusal(plan, strict)
    if refused:
        raise CommitError(refused)
    ctx = plan.context
    chosen = ctx.options.mappings
    remembered = sorted({(s.signature, c.header, chosen[c.header]) for s in plan.sheets if s.signature
                         for c in s.columns if c.header in chosen}, key=str)
    return commit_upload(con, plan.frame(), plan.files, user_name=user_name, source=source,
                         new_townships={i: n for n, i in ctx.new_townships.items()},
                         new_district=ctx.new_district, mappings=remembered)


__all__ = ["LAYOUT_NAMES", "Options", "Plan", "commit", "prepare", "refusal"]
