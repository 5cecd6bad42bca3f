"""Backups of the bureau's database, taken while the dashboard runs, and restoring one.

A backup is a fresh DuckDB file written by ``COPY FROM DATABASE`` and checked before it gets its final name
(``civdash-YYYYmmdd-HHMMSS.duckdb``): every table's row count and a hash of all its rows equal the source's,
it opens, and it is a civdash database. Whatever this module reports as a backup is complete and opens.

How a consistent source is obtained:

- Nobody holds the file: it is attached read-only and copied directly (one read transaction: consistent).
- The running dashboard holds it read-write. DuckDB locks the file against every other process (even
  read-only), so SQL cannot reach it. The file and its write-ahead log are copied at the byte level instead,
  and the copy is accepted only when no checkpoint ran during it; otherwise it is thrown away and taken again.
  Why such a copy is a state the database really had (DuckDB 1.5 storage, see docs/architecture.md):
  * Between checkpoints DuckDB changes the database file only in free blocks: a checkpoint writes the new
    state into free blocks and then the header; blocks the current header refers to are freed only when
    the next header is written. Large inserts written ahead of their commit also go to free blocks.
    So while the header (its iteration count) stays the same, every block it refers to stays as it was.
  * Commits since the last checkpoint are in the ``.wal``. It is copied before the database file, so any
    block a copied log entry refers to was written before the file copy began. A commit being appended while
    the log is copied leaves a torn last entry, which replay ignores (entries are applied only up to their
    transaction's flush marker); a checksum mismatch makes the copy fail to open and it is taken again.
  * A checkpoint that completes during the copy changes the header (and may reuse freed blocks, truncate the
    file and reset the log): the header bytes are compared before the copy, after it and in the copy, and a
    ``.wal.checkpoint`` file (commits made during a running checkpoint) makes the attempt start over.
  * Every block of every table is read (the row hashes), and DuckDB checks each block's checksum as it reads:
    a block caught half-written fails the attempt instead of passing silently.
  The copy is then opened (its log replayed), fingerprinted and copied (``copy_database``) into the backup, so
  the backup itself is a clean file without a log, whatever the byte copy looked like.

How a database is copied (``copy_database``): ``COPY FROM DATABASE … (SCHEMA)`` creates the tables, the sequences
at their current values and the views; then every table's rows are inserted, parents before the tables that refer
to them by a foreign key (``batch_file`` → ``batch``), in one transaction. DuckDB's own ``COPY FROM DATABASE`` does
not do the second step in that order: it inserts the tables in the order its scheduler runs them, so with rows in
``batch_file`` it fails with "Violates foreign key constraint" more often than not, depending on the number of
threads (duckdb/duckdb#16785, #24215; DuckDB 1.5.5).

Every ``duckdb.Error`` and ``OSError`` ends as a ``BackupError`` with a Chinese message. In the byte-copy path a
copy that does not open or fails a check is taken again (it may have caught a commit half-written); the message in
the end says whether checkpoints kept running or what the last error was, never the one for the other.

The byte copy reads the files without locking them; it must not run inside a process that holds the database
through DuckDB (closing a descriptor would drop that process's POSIX lock): the function only gets there when
the database is held by another process.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import duckdb

from civdash.store import db, ducklake, queries, transfer

NAME_FORMAT = "civdash-%Y%m%d-%H%M%S.duckdb"
NAME_PATTERN = re.compile(r"civdash-\d{8}-\d{6}\.duckdb")
HEADER_BYTES = 3 * 4096  # DuckDB's main header and its two alternating database headers
ATTEMPTS = 30
RETRY_PAUSE = 0.2  # seconds, growing with each attempt


class BackupError(RuntimeError):
    """A backup or restore that did not happen; the message (Chinese) says why. Nothing was changed."""


@dataclass(frozen=True)
class Summary:
    """What a civdash database file holds."""

    path: Path
    schema_version: int
    batches: int
    current_facts: int
    latest_month: date | None
    data_version: int
    is_demo: bool
    tables: dict[str, int]  # table → rows
    size: int  # bytes


@dataclass(frozen=True)
class BackupResult:
    path: Path
    summary: Summary
    method: str  # 'direct' (nobody held the file), 'snapshot' (copied while the dashboard held it) or 'lake'
    attempts: int
    pruned: list[Path]


# --- backup -----------------------------------------------------------------------------------------------------


def backup_name(now: datetime) -> str:
    return now.strftime(NAME_FORMAT)


def create_backup(db_path: Path | ducklake.Lake, directory: Path, keep: int | None = None, now: datetime | None = None,
                  attempts: int = ATTEMPTS, pause: Callable[[float], None] = time.sleep) -> BackupResult:
    """Write a checked backup of ``db_path`` (a file, or the shared lake) into ``directory``; then, with ``keep``,
    delete all but the newest ``keep`` backups there. Raises ``BackupError`` (nothing left behind) when no complete
    backup could be made."""
    if not isinstance(db_path, ducklake.Lake):
        db_path = Path(db_path)
        if not db_path.exists():
            raise BackupError(f"数据库不存在：{db_path}")
    if keep is not None and keep < 1:
        raise BackupError("--keep 至少为1")
    db.keep_private()  # a backup holds the password hashes too
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法建立备份目录 {directory}：{exc}") from exc
    target = directory / backup_name(now or datetime.now())
    if target.exists():
        raise BackupError(f"备份文件已存在：{target}（同一秒内只能备份一次）")
    partial = target.with_name(target.name + ".partial")
    try:
        method, tries = _write_backup(db_path, partial, attempts, pause)
        summary = summarize(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"无法写入备份目录 {directory}：{exc}") from exc
    finally:
        _remove_database(partial)
    summary = replace(summary, path=target)
    pruned = prune(directory, keep) if keep else []
    return BackupResult(target, summary, method, tries, pruned)


def _write_backup(db_path: Path | ducklake.Lake, partial: Path, attempts: int,
                  pause: Callable[[float], None]) -> tuple[str, int]:
    if isinstance(db_path, ducklake.Lake):
        try:
            _copy_lake(db_path, partial)
        except duckdb.Error as exc:
            raise BackupError(f"无法从共享存储取得备份：{ducklake.without_password(str(exc))}") from exc
        return "lake", 1
    try:
        _copy_checked(db_path, partial, source_read_only=True)
        return "direct", 1
    except db.DatabaseBusy:
        pass
    except duckdb.Error as exc:
        raise BackupError(f"无法备份 {db_path}：{exc}") from exc
    last: Exception | None = None
    checkpoints = 0
    with tempfile.TemporaryDirectory(prefix=".civdash-backup-", dir=partial.parent) as stage:
        staged = Path(stage) / "snapshot.duckdb"
        for attempt in range(1, attempts + 1):
            _remove_database(staged)
            _remove_database(partial)
            try:
                if _snapshot(db_path, staged):
                    _copy_checked(staged, partial, source_read_only=False)
                    return "snapshot", attempt
                checkpoints += 1
            except (duckdb.Error, OSError, BackupError) as exc:  # a torn copy that does not open or fails a check
                last = exc
            pause(RETRY_PAUSE * attempt)
    if last is None:
        raise BackupError(f"数据库一直在写入或整理中，尝试{attempts}次仍未取得一致的副本，未生成备份。请稍后重试。")
    raise BackupError(f"看板正在使用数据库，尝试复制{attempts}次均未得到可用的副本（其中{checkpoints}次遇到数据库正在整理），"
                      f"未生成备份。最后一次的原因：{last}")


def _snapshot(db_path: Path, staged: Path) -> bool:
    """Copy the database file and its log to ``staged``; True when no checkpoint ran meanwhile (module doc)."""
    wal, running = Path(f"{db_path}.wal"), Path(f"{db_path}.wal.checkpoint")
    if running.exists():
        return False
    before = _header(db_path)
    try:
        shutil.copyfile(wal, f"{staged}.wal")  # the log first: the blocks its entries refer to are older
    except FileNotFoundError:
        pass  # no commits since the last checkpoint (or one just ended: the header comparison will tell)
    shutil.copyfile(db_path, staged)
    after = _header(db_path)
    return not running.exists() and before == after == _header(staged)


def _header(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEADER_BYTES)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _copy_checked(source: Path, target: Path, source_read_only: bool) -> None:
    """``source`` copied into a new file ``target`` (``copy_database``), then every table's rows and row hash compared.

    Raises ``db.DatabaseBusy`` when another process holds ``source`` (ATTACH and COPY take no parameters)."""
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute(f"ATTACH {_literal(source)} AS src{' (READ_ONLY)' if source_read_only else ''}")
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise db.DatabaseBusy(source) from exc
            raise
        expected = transfer.fingerprint(con, "src")
        if "schema_version" not in expected:
            raise BackupError(f"{source} 不是 civdash 数据库")
        con.execute(f"ATTACH {_literal(target)} AS dst")
        with db.transaction(con):
            copy_database(con, "src", "dst")
        _same(expected, transfer.fingerprint(con, "dst"), "数据库")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    finally:
        con.close()


def copy_database(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Copy the attached database ``source`` into the attached, empty ``target`` inside the caller's transaction:
    schema (tables, sequences at their current values, views), then each table's rows, parents before children
    (module doc: DuckDB's ``COPY FROM DATABASE`` breaks foreign keys)."""
    con.execute(f"COPY FROM DATABASE {_ident(source)} TO {_ident(target)} (SCHEMA)")
    for table in dependency_order(con, source):
        columns = ", ".join(_ident(c) for c in queries.run(con, "store_columns", database=source,
                                                             table_name=table)["column_name"])
        con.execute(f"INSERT INTO {_ident(target)}.main.{_ident(table)} ({columns}) "
                    f"SELECT {columns} FROM {_ident(source)}.main.{_ident(table)}")


def dependency_order(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """The tables of ``database``, each after the tables it refers to by a foreign key (by name where free)."""
    parents: dict[str, set[str]] = {t: set() for t in ducklake.tables(con, database)}
    for row in queries.run(con, "backup_table_references", database=database).itertuples():
        if row.table_name in parents and row.referenced_table in parents and row.referenced_table != row.table_name:
            parents[row.table_name].add(row.referenced_table)
    ordered: list[str] = []
    while parents:
        ready = sorted(t for t, needs in parents.items() if not needs - set(ordered)) or sorted(parents)  # a cycle: as is
        for t in ready:
            ordered.append(t)
            del parents[t]
    return ordered


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy_lake(lake: ducklake.Lake, target: Path) -> None:
    """The lake's current snapshot → a new DuckDB file, in one read transaction (consistent whatever other processes
    commit meanwhile), then every table's rows and row hash compared as for a file."""
    con = db.connect(lake)
    try:
        con.execute(f"ATTACH {ducklake.quoted(str(target))} AS dst")
        with db.transaction(con):
            expected = transfer.fingerprint(con, ducklake.LAKE_NAME)
            copy_database(con, ducklake.LAKE_NAME, "dst")
            copied = transfer.fingerprint(con, "dst")
        _same(expected, copied, "共享存储")
        con.execute("DETACH dst")
    finally:
        con.close()


def _same(expected: dict[str, tuple[int, int]], copied: dict[str, tuple[int, int]], source: str) -> None:
    """The backup's fingerprint equals its source's, or ``BackupError`` naming the tables that differ."""
    if copied != expected:
        raise BackupError(f"备份与{source}不一致：" + "、".join(sorted(t for t in expected if copied.get(t) != expected[t])))


def _remove_database(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups (by the time in their names) in ``directory``."""
    found = sorted(p for p in Path(directory).iterdir() if NAME_PATTERN.fullmatch(p.name))
    old = found[:-keep] if keep else []
    for p in old:
        p.unlink()
    return old


# --- verify -----------------------------------------------------------------------------------------------------


def summarize(path: Path) -> Summary:
    """Open a backup (read-only) and say what it holds; ``BackupError`` when it does not open or is not civdash's."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"文件不存在：{path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise BackupError(f"无法打开 {path}：{exc}") from exc
    try:
        version = db.schema_version(con)
        if version == 0:
            raise BackupError(f"{path} 不是 civdash 数据库（没有结构版本）")
        tables = {t: n for t, (n, _) in transfer.fingerprint(con, queries.scalar(con, "backup_current_database")).items()}
        return Summary(path, version, int(queries.scalar(con, "backup_batch_count")),
                       int(queries.scalar(con, "fact_count_current")), _latest_month(con),
                       db.data_version(con), db.is_demo(con), tables, path.stat().st_size)
    except duckdb.Error as exc:
        raise BackupError(f"{path} 无法读取：{exc}") from exc
    finally:
        con.close()


def _latest_month(con: duckdb.DuckDBPyConnection) -> date | None:
    value = queries.scalar(con, "latest_period")
    return None if value is None else date(value.year, value.month, value.day)


# --- restore ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    restored: Summary
    kept: Path | None  # the database it replaced, under its before-restore name


def restore(backup_file: Path, db_path: Path | ducklake.Lake, now: datetime | None = None) -> RestoreResult:
    """Put a checked backup in place of ``db_path``, keeping the current file as
    ``<name>.before-restore-YYYYmmdd-HHMMSS``. Raises ``db.DatabaseBusy`` while another process (the dashboard)
    holds the database and ``BackupError`` for a backup that does not open, is not civdash's or is newer than
    this code, and for any other error of DuckDB; in all these cases nothing is changed. An error of the files
    themselves (a full disk) is a ``BackupError`` too."""
    try:
        return _restore(Path(backup_file), db_path, now)
    except duckdb.Error as exc:
        raise BackupError(f"恢复失败，数据库未做改动：{ducklake.without_password(str(exc))}") from exc
    except OSError as exc:
        raise BackupError(f"恢复失败：{exc}。请检查数据库所在目录中的文件。") from exc


def _restore(backup_file: Path, db_path: Path | ducklake.Lake, now: datetime | None) -> RestoreResult:
    summary = summarize(backup_file)
    newest = db.migrations()[-1][0]
    if summary.schema_version > newest:
        raise BackupError(f"备份的结构版本为{summary.schema_version}，比本程序支持的{newest}新，请先升级 civdash 再恢复")
    if isinstance(db_path, ducklake.Lake):  # one transaction replaces the lake's content; its snapshots keep the old
        try:
            transfer.into_lake(backup_file, db_path, replace=True)
        except transfer.TransferError as exc:
            raise BackupError(str(exc)) from exc
        return RestoreResult(summary, None)
    db_path = Path(db_path)
    if backup_file.resolve() == db_path.resolve():
        raise BackupError("备份文件就是当前数据库本身")
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    if db_path.exists():
        _hold(db_path).close()  # refuse before copying anything
    incoming = db_path.with_name(db_path.name + ".restoring")
    _remove_database(incoming)
    db.keep_private()
    shutil.copyfile(backup_file, incoming)
    try:
        kept = _set_aside(db_path, stamp)
        os.replace(incoming, db_path)
    finally:
        incoming.unlink(missing_ok=True)
    return RestoreResult(replace(summary, path=db_path), kept)


def _set_aside(db_path: Path, stamp: str) -> Path | None:
    """Move the current database (and its log) to its before-restore name, refusing while it is held."""
    if not db_path.exists():
        return None
    guard = _hold(db_path)  # held while moving: nobody opens it meanwhile
    try:
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
        if Path(f"{db_path}.wal").exists():
            os.replace(f"{db_path}.wal", f"{kept}.wal")
        os.replace(db_path, kept)
    finally:
        guard.close()
    return kept


def _hold(db_path: Path) -> duckdb.DuckDBPyConnection:
    """The database opened read-only (a shared lock); ``db.DatabaseBusy`` while another process holds it."""
    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise db.DatabaseBusy(db_path) from exc
        raise
