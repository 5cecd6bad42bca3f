"""Connection (a local DuckDB file or the shared DuckLake of ``civdash.store.ducklake``), schema migrations and
transactions."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from civdash.store import ducklake, queries
from civdash.store.paths import QUERIES_DIR

T = TypeVar("T")

MIGRATIONS_DIR = QUERIES_DIR / "migrations"


def migrations() -> list[tuple[int, Path]]:
    """All migration files, as (version, path), in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        found.append((int(path.name.split("_", 1)[0]), path))
    return found


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version' "
        "AND table_catalog = current_database() AND table_schema = 'main'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the database; return the resulting version."""
    if ducklake.is_lake(con):
        return retried_on_conflict(lambda: _migrate_lake(con), ducklake.StoreError("共享存储正被其他进程初始化，请稍后再试。"))
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    return _apply_migrations(con, schema_version(con))


def _apply_migrations(con: duckdb.DuckDBPyConnection, current: int, first_allowed: int = 1) -> int:
    """Run every migration newer than ``current``, each in its own transaction; one older than ``first_allowed``
    cannot run here (a lake's keyless store)."""
    for version, path in migrations():
        if version <= current:
            continue
        if version < first_allowed:
            raise ducklake.StoreError(f"共享存储的结构版本 {current} 过旧，无法升级，请联系系统管理员。")
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
        current = version
    return current


# Migrations up to this one use keys and sequences and never run on a lake: a new lake copies their result
# (ducklake.copy_schema_and_rows). Later ones must run on both stores as written.
LAKE_BASELINE = 7


def _migrate_lake(con: duckdb.DuckDBPyConnection) -> int:
    current = schema_version(con)
    if current == 0:
        if ducklake.tables(con, ducklake.LAKE_NAME):
            raise ducklake.StoreError(
                "共享存储中已有数据表，但不是民政数据看板的数据库，未做任何改动。请检查 CIVDASH_CATALOG。")
        con.execute(f"ATTACH ':memory:' AS {ducklake.REFERENCE_NAME}")
        try:
            con.execute(f"USE {ducklake.REFERENCE_NAME}")
            migrate(con)
            from civdash.domain import catalog  # a new lake starts as appdb.blank_database does: schema and catalog

            catalog.seed(con)
            con.execute(f"USE {ducklake.LAKE_NAME}")
            with transaction(con):
                ducklake.copy_schema_and_rows(con, ducklake.REFERENCE_NAME)
        finally:
            con.execute(f"USE {ducklake.LAKE_NAME}")
            con.execute(f"DETACH {ducklake.REFERENCE_NAME}")
        current = schema_version(con)
    return _apply_migrations(con, current, first_allowed=LAKE_BASELINE + 1)


CONFLICT_TRIES = 5


def _lost_to_another(exc: duckdb.Error) -> bool:
    """The transaction was aborted because another one committed first: a write-write conflict, or (a file's
    primary key) the same next id taken by both — refused at the later commit, or at once by the later insert when the
    other had already committed that id."""
    text = str(exc).lower()
    if isinstance(exc, duckdb.ConstraintException):
        return 'duplicate key "id:' in text  # a next id (batch_next_id …), not a duplicate in the data
    return "conflict" in text or ("failed to commit" in text and "duplicate key" in text)


def retried_on_conflict(attempt: Callable[[], T], busy: Exception) -> T:
    """``attempt()`` (one whole transaction), tried again when it met another session's or process's commit.

    Two transactions that change the same data (every change of stored data bumps the data version) cannot both
    commit: DuckDB aborts the later one ("Conflict on update"), DuckLake refuses it at its commit ("Transaction
    conflict"); nothing of it is stored, so it can simply run again. The same holds when both took the next id of
    a table (``batch_next_id`` …): DuckDB refuses the later at its commit for a duplicate key, or at its insert when
    the other has committed already. After a few tries ``busy`` (a message in words) is raised instead of a
    traceback."""
    for n in range(CONFLICT_TRIES):
        try:
            return attempt()
        except (duckdb.TransactionException, duckdb.ConstraintException) as exc:
            if not _lost_to_another(exc):
                raise
            if n == CONFLICT_TRIES - 1:
                raise busy from exc
            time.sleep(0.05 * 2**n)
    raise AssertionError("unreachable")


class DatabaseBusy(RuntimeError):
    """Another process (usually the running dashboard) holds the database file."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"数据库正被看板或其他程序使用：{path}。请先停止看板服务再执行此命令，数据未做任何改动。")
        self.path = path


def connect(path: str | Path | ducklake.Lake, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a civdash database — a file, or the shared lake — and bring its schema up to date.

    A lake is set up and brought up to date whoever opens it first, ``read_only`` or not (docs/deployment.md: the
    first process sets the store up): it is never held by one process, so a reader cannot leave that to a writer,
    and a new lake has no tables to read until then. Raises ``DatabaseBusy`` when another process holds the file.
    """
    if isinstance(path, ducklake.Lake):
        con = ducklake.attach(path)
        try:
            in_utc(con)
            migrate(con)
        except BaseException:
            con.close()
            raise
        return con
    path = Path(path)
    if not read_only:
        keep_private()
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(path) from exc
        raise
    in_utc(con)
    if not read_only:
        private(path)
        migrate(con)
    return con


def in_utc(con: duckdb.DuckDBPyConnection) -> None:
    """Times are stored in UTC whatever the server's own time zone (``current_timestamp`` is cast to a plain
    TIMESTAMP in the session's zone); ``civdash.domain.times`` shows them as 北京时间. GLOBAL: cursors share it."""
    con.execute("SET GLOBAL TimeZone = 'UTC'")


PRIVATE_BITS = 0o077  # group and others: no access


def keep_private() -> None:
    """Files this process creates from now on are its user's alone (0600, folders 0700): a database holds password
    hashes and login sessions, and so do its ``.wal`` and its backups. The process's umask gains 077 for good, not
    for a moment, because DuckDB creates the ``.wal`` whenever a commit needs one (again after every checkpoint),
    from whichever thread commits."""
    current = os.umask(PRIVATE_BITS)
    os.umask(current | PRIVATE_BITS)


def private(path: Path) -> None:
    """Take group's and others' access away from a database file and its log (made before ``keep_private``, by an
    older civdash); a file of another owner is left as it is."""
    for p in (Path(path), Path(f"{path}.wal")):
        try:
            mode = p.stat().st_mode & 0o777
            if mode & PRIVATE_BITS:
                p.chmod(mode & ~PRIVATE_BITS)
        except OSError:
            pass


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: commit when the block ends, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    value = queries.scalar(con, "meta_get", key=key)
    return value if value is not None else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    queries.execute(con, "meta_set", key=key, value=value)


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that changes whenever stored facts change; keys the dashboard's caches."""
    return int(get_meta(con, "data_version", "0") or 0)


def bump_data_version(con: duckdb.DuckDBPyConnection) -> int:
    version = data_version(con) + 1
    set_meta(con, "data_version", str(version))
    return version


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    return get_meta(con, "is_demo") == "1"
