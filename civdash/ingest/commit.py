"""Storing an upload safely: one transaction, superseded values kept as history, exact rollback.

Facts are keyed by (indicator, township, month). An upload records every value it holds for its batch and
makes its new and changed values current; the rows it replaces stay in ``fact`` as history. A value
equal to the stored one is recorded but not made current, so the stored row and its provenance stay.
Rolling a batch back makes, for every key it touched, the row of the newest batch still committed current
again — batch 1's value after rolling back batch 2, batch 3's if a later batch 3 overwrote batch 2, and
batch 2's when it only repeated batch 1's value and batch 1 is rolled back — and a key no committed batch
holds leaves ``v_fact``. Every change bumps the data version, which refreshes the dashboard's caches. The demo
database is never rolled back: that would leave the dashboard's examples empty.

A save or rollback is refused on a database that fails the integrity check (``civdash.store.integrity``), and the check
runs again after it: a save killed during its commit can leave its values behind without its batch (a DuckDB WAL
replay bug, explained there), which must be repaired (``python -m civdash repair``) before anything is served or saved.
A batch records how many values it holds (``batch.fact_count``), and batch ids skip the ids such leftovers carry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from civdash.domain import townships
from civdash.store import db, integrity, queries


class CommitError(Exception):
    """An upload or rollback that cannot be carried out; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class NewFact:
    indicator_code: str
    township_id: int
    period: date  # first day of the month
    value: float  # base unit; flows the month's own amount
    file_no: int = 1
    sheet: str | None = None
    cell: str | None = None
    from_ytd: bool = False  # worked out from a 1-N月 total (this month's total minus last month's)


@dataclass(frozen=True)
class UploadFile:
    file_name: str
    sha256: str | None = None
    size: int | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class CommitResult:
    batch_id: int
    new: int
    changed: int
    unchanged: int
    periods: list[date]


@dataclass(frozen=True)
class RollbackResult:
    batch_id: int
    restored: int  # keys this batch showed whose earlier value is shown again
    removed: int  # keys this batch showed that no committed batch holds any more


@dataclass(frozen=True)
class RollbackPreview:
    """What ``rollback`` would do now: the same counts as its ``RollbackResult``, and by month and indicator."""

    batch_id: int
    restored: int
    removed: int
    by_month: pd.DataFrame  # period, indicator_code, indicator, restored, removed; months, then catalog order


_COLUMNS = ("indicator_code", "township_id", "period", "value", "file_no", "sheet", "cell", "from_ytd")  # NewFact's


Facts = Sequence[NewFact] | pd.DataFrame  # a DataFrame with NewFact's fields as columns, for large uploads

T = TypeVar("T")
BUSY = "其他人正在同时保存或撤销数据，本次没有保存任何改动，请稍后再试"


def _retried(attempt: Callable[[], T]) -> T:
    return db.retried_on_conflict(attempt, CommitError(BUSY))


def open_batch(con: duckdb.DuckDBPyConnection, user_name: str | None, source: str, note: str | None,
               fact_count: int | None = None) -> int:
    """Register a new batch inside the caller's transaction (which bumps the data version); returns its id.
    ``fact_count``: how many fact rows it records (None: set later with ``batch_set_fact_count``)."""
    batch_id = int(queries.scalar(con, "batch_next_id"))
    queries.execute(con, "batch_insert", id=batch_id, user_name=user_name, source=source, note=note,
                    fact_count=fact_count)
    return batch_id


def _require_intact(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse to change a database that fails the integrity check: the message says what is wrong and names
    ``python -m civdash repair``."""
    report = integrity.check(con)
    if not report.ok:
        raise CommitError(report.message())


def _frame(facts: Facts, keys_unique: bool = False) -> pd.DataFrame:
    """``facts`` as a frame; each key may appear once (checked unless the caller already made sure)."""
    if isinstance(facts, pd.DataFrame):
        df = facts.assign(from_ytd=facts["from_ytd"] if "from_ytd" in facts else False)[list(_COLUMNS)].copy()
    else:
        df = pd.DataFrame({name: [getattr(f, name) for f in facts] for name in _COLUMNS}, columns=list(_COLUMNS))
    df["period"] = pd.to_datetime(df["period"])
    if keys_unique:
        return df
    keys = ["indicator_code", "township_id", "period"]
    duplicated = df[df.duplicated(keys, keep=False)]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise CommitError(f"同一指标、乡镇和月份出现了两次（{first.indicator_code}，{first.period:%Y年%m月}），请检查上传内容")
    return df


def _registered(con: duckdb.DuckDBPyConnection, df: pd.DataFrame):
    # As an Arrow table: the frame's text columns are Arrow already, and DuckDB scans Arrow without converting
    # each value to a Python object (about a second for a million rows when given the frame itself).
    con.register("upload_facts", pa.Table.from_pandas(df, preserve_index=False))
    return con


def preview(con: duckdb.DuckDBPyConnection, facts: Facts) -> pd.DataFrame:
    """Each key with the value stored now (old_value), the new value and 'new' / 'changed' / 'unchanged'."""
    df = _frame(facts)
    try:
        out = queries.run(_registered(con, df), "upload_preview")
    finally:
        con.unregister("upload_facts")
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out


def find_same_file(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The committed batch that already holds a file with this exact content."""
    found = queries.scalar(con, "batch_same_file", sha256=sha256)
    return int(found) if found is not None else None


def commit_upload(
    con: duckdb.DuckDBPyConnection,
    facts: Facts,
    files: Sequence[UploadFile],
    user_name: str | None = None,
    source: str = "upload",
    note: str | None = None,
    new_townships: Mapping[int, str] | None = None,
    new_district: str | None = None,
    mappings: Sequence[tuple[str, str, str | None]] = (),
    township_aliases: Mapping[str, int] | None = None,
    keys_unique: bool = False,
    explanations: pd.DataFrame | None = None,
    explained_by: str | None = None,
    within: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None,
) -> CommitResult:
    """Store an upload in one transaction; on any error nothing is changed.

    ``new_townships`` maps the provisional (negative) township ids of ``facts`` to names registered in the
    same transaction; ``new_district`` registers the district row; ``mappings`` (layout signature, header,
    indicator or None) are the header mappings a person confirmed, remembered for the next file;
    ``township_aliases`` (name as written → township id) are names a person confirmed as a registered township.
    ``keys_unique``: the caller has made sure each key appears once (an upload plan: ``resolve`` refuses repeats).
    ``explanations`` (rule_code, rule_name, location, message, explanation): the soft findings explained, kept with
    the batch in the same transaction, as explained by ``explained_by`` (default: ``user_name``).
    ``within(con, batch_id)`` runs inside the same transaction after the facts are stored (a township return marked
    approved with its batch): what it writes is committed with the batch or not at all; it may raise ``CommitError``.
    """
    if len(facts) == 0:
        raise CommitError("没有可保存的数据")
    df = _frame(facts, keys_unique)
    _require_intact(con)

    def store() -> CommitResult:
        try:
            status = dict(queries.run(_registered(con, df), "upload_status_counts").itertuples(index=False))
        finally:
            con.unregister("upload_facts")
        with db.transaction(con):
            if new_district:
                townships.register(con, new_district, type_="区县", level="district", sort_order=0)
            ids = {provisional: townships.register(con, name) for provisional, name in (new_townships or {}).items()}
            stored = df.assign(township_id=df["township_id"].map(lambda t: ids.get(t, t))) if ids else df
            for name, township_id in (township_aliases or {}).items():
                townships.add_alias(con, township_id, name)
            for signature, header, code in mappings:
                queries.execute(con, "header_mapping_save", signature=signature, header=header, code=code,
                                user=user_name)
            batch_id = open_batch(con, user_name, source, note, fact_count=len(stored))
            for file_no, f in enumerate(files, start=1):
                queries.execute(con, "batch_file_insert", batch_id=batch_id, file_no=file_no, file_name=f.file_name,
                                sha256=f.sha256, size=f.size, content=f.content)
            if explanations is not None and len(explanations):
                con.register("explained", explanations)
                try:
                    queries.execute(con, "batch_explanation_insert", batch_id=batch_id,
                                    explained_by=explained_by or user_name)
                finally:
                    con.unregister("explained")
            _registered(con, stored)
            try:
                queries.execute(con, "upload_supersede")
                queries.execute(con, "upload_insert", batch_id=batch_id)
                if status.get("unchanged"):
                    queries.execute(con, "upload_keep_unchanged", batch_id=batch_id)
            finally:
                con.unregister("upload_facts")
            if within is not None:
                within(con, batch_id)
            db.bump_data_version(con)
        periods = sorted(pd.Timestamp(p).date() for p in df["period"].unique())
        return CommitResult(int(batch_id), int(status.get("new", 0)), int(status.get("changed", 0)),
                            int(status.get("unchanged", 0)), periods)

    result = _retried(store)
    integrity.require_intact(con)  # the save is committed; a failure here means the store itself went wrong
    return result


def rollback(con: duckdb.DuckDBPyConnection, batch_id: int, user_name: str | None = None) -> RollbackResult:
    """Undo a committed batch exactly (see the module docstring); one transaction."""
    if db.is_demo(con):
        raise CommitError("示例数据库中的批次不能撤销：示例数据仅供熟悉功能，导入本单位报表后即启用正式数据库")
    _require_intact(con)

    def undo() -> RollbackResult:
        status = queries.scalar(con, "batch_status", batch_id=batch_id)
        if status is None:
            raise CommitError(f"没有编号为{batch_id}的导入批次")
        if status != "committed":
            raise CommitError(f"导入批次{batch_id}已经撤销过了")
        with db.transaction(con):
            # The keys where this batch's value is the one shown now: the ones the rollback changes.
            shown = queries.run(con, "batch_current_keys", batch_id=batch_id)
            queries.execute(con, "batch_mark_rolled_back", batch_id=batch_id, user_name=user_name or "未知用户")
            queries.execute(con, "rollback_clear", batch_id=batch_id)
            queries.execute(con, "rollback_restore", batch_id=batch_id)
            con.register("rolled_keys", shown)
            try:
                restored = queries.scalar(con, "rollback_restored_count")
            finally:
                con.unregister("rolled_keys")
            db.bump_data_version(con)
        keys = len(shown)
        return RollbackResult(batch_id, int(restored), int(keys - restored))

    result = _retried(undo)
    integrity.require_intact(con)
    return result


def batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every upload, newest first: time, user, source, status, note, files, periods (first, last, how many months),
    values recorded and values current. A missing user, note or file list is None (not NaN, which reads as true)."""
    out = queries.run(con, "batch_list")
    for column in ("user_name", "note", "files"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def batch_files(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[UploadFile]:
    """The files of a batch as they were uploaded (name, sha256 unknown here, size, original bytes)."""
    rows = queries.execute(con, "batch_files", batch_id=batch_id).fetchall()
    return [UploadFile(name, None, size, bytes(content) if content is not None else None)
            for _, name, size, content in rows]


def batch_changes(con: duckdb.DuckDBPyConnection, batch_id: int, period: date | None = None,
                  limit: int | None = None) -> pd.DataFrame:
    """The values the batch recorded (of one month, if given; the first ``limit``), each with the value shown before
    it (``before_value``, NaN when the batch added the key) and its ``state``: 'current', 'unchanged' (equal to the
    value before, which stays shown), 'superseded' (``later_batch`` changed it) or 'rolled_back'."""
    out = queries.run(con, "batch_changes", batch_id=batch_id, period=period, limit=limit)
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out


def batch_explanations(con: duckdb.DuckDBPyConnection, batch_id: int) -> pd.DataFrame:
    """The soft findings explained when the batch was saved (rule_name, location, message, explanation, explained_by,
    explained_at)."""
    return queries.run(con, "batch_explanations", batch_id=batch_id)


def batch_change_summary(con: duckdb.DuckDBPyConnection, batch_id: int) -> pd.DataFrame:
    """How many of the batch's values are in each state of ``batch_changes``, by month (period, state, facts)."""
    out = queries.run(con, "batch_change_summary", batch_id=batch_id)
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out


def rollback_preview(con: duckdb.DuckDBPyConnection, batch_id: int) -> RollbackPreview:
    """What ``rollback`` would restore and remove now, by month and indicator, without changing anything."""
    by_month = queries.run(con, "rollback_preview", batch_id=batch_id)
    by_month["period"] = pd.to_datetime(by_month["period"]).dt.date
    return RollbackPreview(batch_id, int(by_month["restored"].sum()), int(by_month["removed"].sum()), by_month)
