"""Connection, schema migrations and transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from civdash import queries
from civdash.paths import QUERIES_DIR

MIGRATIONS_DIR = QUERIES_DIR / "migrations"


def migrations() -> list[tuple[int, Path]]:
    """All migration files, as (version, path), in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        found.append((int(path.name.split("_", 1)[0]), path))
    return found


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the database; return the resulting version."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    current = schema_version(con)
    for version, path in migrations():
        if version <= current:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
        current = version
    return current


class DatabaseBusy(RuntimeError):
    """Another process (usually the running dashboard) holds the database file."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"数据库正被看板或其他程序使用：{path}。请先停止看板服务再执行此命令，数据未做任何改动。")
        self.path = path


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a civdash database and bring its schema up to date.

    Raises ``DatabaseBusy`` when another process holds the file.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(path) from exc
        raise
    if not read_only:
        migrate(con)
    return con


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
