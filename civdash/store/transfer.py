"""Moving a bureau's database file into the shared lake (``python -m civdash migrate --to ducklake``), and a
backup's content into a lake (``restore``), with nothing lost: every table's rows and the row hashes, and the
current values' count and totals per indicator, are compared before the lake's transaction commits. Any
difference, or any error, leaves the lake as it was."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from civdash.store import db, ducklake, queries

SOURCE_NAME = "civdash_source"


class TransferError(RuntimeError):
    """The move did not happen; the message (Chinese) says why. The lake is unchanged."""


@dataclass(frozen=True)
class Transfer:
    tables: dict[str, int]  # table → rows copied
    facts: int  # current values (v_fact rows)
    totals: dict[str, float]  # indicator code → sum of its current values, equal on both sides
    replaced: bool  # the lake held a database before (restore), now replaced


def into_lake(source: Path, lake: ducklake.Lake, replace: bool = False) -> Transfer:
    """Copy the civdash database file ``source`` into ``lake``.

    Without ``replace`` the lake must hold no tables (``migrate --to ducklake`` never overwrites a store in use);
    with it (``restore``) the lake's rows are replaced in one transaction. ``source`` itself is never
    changed: an older schema is brought up to date on a temporary copy first."""
    source = Path(source)
    if not source.is_file():
        raise TransferError(f"数据库文件不存在：{source}")
    with tempfile.TemporaryDirectory(prefix=".civdash-transfer-") as stage:
        current = _up_to_date(source, Path(stage) / "source.duckdb")
        con = db.connect(lake) if replace else ducklake.attach(lake)  # a restore needs the lake at the newest schema
        try:
            return _copy(con, current, replace)
        finally:
            con.close()


def _up_to_date(source: Path, spare: Path) -> Path:
    """``source`` when its schema is the newest, else a copy of it migrated (the original stays as it is)."""
    try:
        probe = duckdb.connect(str(source), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise db.DatabaseBusy(source) from exc
        raise TransferError(f"无法打开 {source}：{exc}") from exc
    try:
        version = db.schema_version(probe)
        demo = version > 0 and db.is_demo(probe)
    finally:
        probe.close()
    if demo:  # the shared store is the bureau's own: the dashboard would take the demo for its data
        raise TransferError(f"{source} 是示例数据库，示例数据不能放入共享存储。")
    newest = db.migrations()[-1][0]
    if version == 0:
        raise TransferError(f"{source} 不是民政数据看板的数据库（没有结构版本）")
    if version > newest:
        raise TransferError(f"{source} 的结构版本为{version}，比本程序支持的{newest}新，请先升级 civdash")
    if version == newest:
        return source
    shutil.copyfile(source, spare)
    db.connect(spare).close()
    return spare


def _copy(con: duckdb.DuckDBPyConnection, source: Path, replace: bool) -> Transfer:
    existing = ducklake.tables(con, ducklake.LAKE_NAME)
    if existing and not replace:
        raise TransferError("共享存储中已有数据，未做任何改动。迁移只写入空的共享存储；"
                            "要以备份替换共享存储的内容，请用 restore。")
    con.execute(f"ATTACH {ducklake.quoted(str(source))} AS {SOURCE_NAME} (READ_ONLY)")
    try:
        if existing and set(existing) != set(ducklake.tables(con, SOURCE_NAME)):
            raise TransferError("备份与共享存储的数据表不一致，未做任何改动。")
        with db.transaction(con):
            if existing:  # same schema version (both brought up to date): the rows are replaced
                was = db.data_version(con)
                copied = ducklake.replace_rows(con, SOURCE_NAME)
            else:
                copied = ducklake.copy_schema_and_rows(con, SOURCE_NAME)
            expected, got = fingerprint(con, SOURCE_NAME), fingerprint(con, ducklake.LAKE_NAME)
            if got != expected:
                differ = sorted(t for t in expected.keys() | got.keys() if expected.get(t) != got.get(t))
                raise TransferError("复制后的数据与原数据库不一致（" + "、".join(differ) + "），共享存储未做任何改动。")
            before, after = _totals(con, SOURCE_NAME), _totals(con, ducklake.LAKE_NAME)
            if before != after:
                raise TransferError("复制后各指标的当前数值合计与原数据库不一致，共享存储未做任何改动。")
            if existing:  # a data version the running dashboards have not seen: none of their caches is reused
                db.set_meta(con, "data_version", str(max(was, db.data_version(con)) + 1))
    finally:
        con.execute(f"DETACH {SOURCE_NAME}")
    facts = sum(n for n, _ in before.values())
    return Transfer(copied, facts, {code: total for code, (_, total) in before.items()}, bool(existing))


def fingerprint(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, tuple[int, int]]:
    """Table → (rows, xor of the rows' hashes) for every table of an attached database; reads every block."""
    tables = queries.run(con, "backup_tables", database=database)["table_name"].tolist()
    return {t: tuple(con.execute(queries.load("backup_table_fingerprint"), {"name": f'"{database}".main."{t}"'})
                     .fetchone()) for t in tables}


def _totals(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, tuple[int, float]]:
    """Indicator code → (current values, their exact sum at 6 decimals) as the database's v_fact shows them."""
    df = queries.run(con, "transfer_totals", name=f'"{database}".main.v_fact')
    return {r.indicator_code: (int(r.n), float(r.total)) for r in df.itertuples()}
