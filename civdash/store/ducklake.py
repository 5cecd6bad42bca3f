"""Where the bureau's data lives: one local DuckDB file (the default), or a DuckLake shared by several dashboard
processes: its catalog in PostgreSQL, its data files (Parquet) in a shared directory or object storage.

Set ``CIVDASH_STORE=ducklake`` with ``CIVDASH_CATALOG`` (a PostgreSQL connection string: ``host=… port=… dbname=…
user=… password=…`` or ``postgresql://…``) and ``CIVDASH_DATA_PATH`` (the data files' directory). Every process
attaches the same lake as the database ``civdash`` and makes it the default, so the statements in ``queries/``
run on it unchanged.

The ``ducklake`` and ``postgres_scanner`` extensions come from pip packages pinned to the DuckDB version
(``duckdb-extension-ducklake``, ``duckdb-extension-postgres-scanner``) and are loaded from those files: an offline
intranet server never downloads an extension, and DuckDB's signature check stays on (they are DuckDB's signed
builds; ``allow_unsigned_extensions`` is never set).

Schema. DuckLake has no primary keys, unique or check constraints and no sequences, so the lake cannot replay the
first migrations, which use them. A new lake gets the current schema from a reference: the migrations are run on
an in-memory database attached beside the lake, and its tables (columns, types, NOT NULL, defaults other than
sequences) with their rows, and its views, are created in the lake, with the same ``schema_version``. Migrations
after 0007 are written in the statements both stores accept (no keys, sequences, ``ON CONFLICT`` or
``RETURNING``; ids are given by the statements, upserts are ``MERGE``) and run on a lake as they are. The same
copy, with a local database as the source, moves a bureau's file into a new lake (``migrate --to ducklake``) and
restores a backup into a lake.

Concurrency. DuckLake refuses the later of two transactions that change (update or delete in) the same table,
at its commit ("Transaction conflict"); every change of stored data bumps the data version in ``meta``, so such
changes from any process are serialised, and ``db.retried_on_conflict`` runs the refused one again.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from civdash.store import queries

LAKE_NAME = "civdash"  # the attached lake's database name
REFERENCE_NAME = "civdash_reference"  # the in-memory database holding the reference schema while a lake is set up
EXTENSIONS = ("postgres_scanner", "ducklake")


class StoreError(RuntimeError):
    """The storage setting or the shared store is not usable. ``message`` (Chinese) says what and what to do;
    ``detail`` is the underlying error (for the command line and the server log, not for the dashboard's users).
    Any password quoted in either is masked (``without_password``)."""

    def __init__(self, message: str, detail: str = "") -> None:
        message, detail = without_password(message), without_password(detail)
        super().__init__(f"{message}：{detail}" if detail else message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Lake:
    """A DuckLake: catalog in PostgreSQL (``catalog``: a libpq connection string), data files under ``data_path``."""

    catalog: str = field(repr=False)  # it may hold the password: never in a repr (a log, a traceback)
    data_path: str

    def __str__(self) -> str:
        """For messages and logs: the catalog without its password."""
        return f"DuckLake（目录 {without_password(self.catalog)}，数据 {self.data_path}）"


# A password given as a key and a value: libpq's ``password=…`` (bare, or quoted with '…' and \' escapes), a URI's
# ``?password=…``, ``PGPASSWORD=…``, a JSON or YAML ``"password": "…"``; an unterminated quote masks to the end.
_KEYED_PASSWORD = re.compile(r"""(password["']?\s*[=:]\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|[^\s'",;&)]+)""",
                             re.IGNORECASE)
# A URI's user:password@ (the password up to the last @ of the URI: an unencoded @ in it is masked as well).
_URI_PASSWORD = re.compile(r"(://[^:/@\s'\"]*:)[^\s'\"]*@")


def without_password(text: str) -> str:
    """``text`` (a connection string, or an error message quoting one) with every password replaced by ***: the
    key-value forms (``password=s``, ``password='s s'``, ``password="s"``, ``PGPASSWORD=s``, ``?password=s``,
    ``"password": "s"``) and a URI's ``user:s@host``."""
    return _URI_PASSWORD.sub(r"\1***@", _KEYED_PASSWORD.sub(r"\1***", text))


def configured() -> Lake | None:
    """The shared store set by ``CIVDASH_STORE=ducklake``, or None for the local DuckDB file (the default)."""
    kind = os.environ.get("CIVDASH_STORE", "").strip().lower()
    if kind in ("", "file", "duckdb"):
        return None
    if kind != "ducklake":
        raise StoreError(f"环境变量 CIVDASH_STORE 只能是 file（本机数据库文件，默认）或 ducklake（共享存储），现为“{kind}”。")
    catalog = os.environ.get("CIVDASH_CATALOG", "").strip()
    data_path = os.environ.get("CIVDASH_DATA_PATH", "").strip()
    missing = [name for name, value in (("CIVDASH_CATALOG", catalog), ("CIVDASH_DATA_PATH", data_path)) if not value]
    if missing:
        raise StoreError(f"CIVDASH_STORE=ducklake 时还须设置 {'、'.join(missing)}"
                         "（PostgreSQL 连接串和数据文件目录，见 docs/deployment.md）。")
    return Lake(catalog, data_path)


def extension_file(name: str) -> Path:
    """The extension ``name`` as installed by its pip package, for the running DuckDB version."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        raise StoreError(f"未安装 DuckDB 扩展 {name}：请安装 requirements.txt 中的 "
                         f"duckdb-extension-{name.replace('_', '-')}（版本须与 duckdb 相同）。")
    path = Path(spec.submodule_search_locations[0]) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise StoreError(f"DuckDB 扩展 {name} 与 duckdb {duckdb.__version__} 版本不符：请按 requirements.txt 重新安装。")
    return path


def quoted(text: str) -> str:
    """A SQL string literal (ATTACH and LOAD take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def attach(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the lake (not yet migrated)."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        for name in EXTENSIONS:
            con.execute(f"LOAD {quoted(str(extension_file(name)))}")
        data_path = lake.data_path if "://" in lake.data_path else str(Path(lake.data_path).resolve())
        if "://" not in data_path:
            Path(data_path).mkdir(parents=True, exist_ok=True)
        con.execute(f"ATTACH {quoted('ducklake:postgres:' + lake.catalog)} AS {LAKE_NAME} "
                    f"(DATA_PATH {quoted(data_path.rstrip('/') + '/')})")
        con.execute(f"USE {LAKE_NAME}")
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"无法连接共享存储 {lake}", without_password(str(exc))) from None
    return con


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection's default database is a DuckLake."""
    return queries.scalar(con, "store_current_type") == "ducklake"


def tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """The base tables of ``database``'s main schema, by name."""
    return queries.run(con, "backup_tables", database=database)["table_name"].tolist()


def _views(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return [(r.view_name, r.sql) for r in queries.run(con, "store_views", database=database).itertuples()]


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[tuple[str, str, bool, str | None]]:
    df = queries.run(con, "store_columns", database=database, table_name=table)
    return [(r.column_name, r.data_type, bool(r.is_nullable), r.column_default if isinstance(r.column_default, str)
             else None) for r in df.itertuples()]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_schema_and_rows(con: duckdb.DuckDBPyConnection, source: str, target: str = LAKE_NAME) -> dict[str, int]:
    """Create in ``target`` (an empty lake) every table of ``source`` — columns, types, NOT NULL, defaults other
    than sequences; no keys, checks or sequences, which DuckLake lacks — with all its rows, then its views.
    Runs inside the caller's transaction; returns the rows copied per table."""
    copied = {}
    for table in tables(con, source):
        columns = _columns(con, source, table)
        spec = []
        for name, data_type, nullable, default in columns:
            part = f"{_ident(name)} {data_type}"
            if not nullable:
                part += " NOT NULL"
            if default is not None and "nextval" not in default.lower():
                part += f" DEFAULT {default}"
            spec.append(part)
        con.execute(f"CREATE TABLE {target}.main.{_ident(table)} ({', '.join(spec)})")
        names = ", ".join(_ident(c[0]) for c in columns)
        con.execute(f"INSERT INTO {target}.main.{_ident(table)} ({names}) SELECT {names} FROM {source}.main.{_ident(table)}")
        copied[table] = con.execute(f"SELECT count(*) FROM {target}.main.{_ident(table)}").fetchone()[0]
    current = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"USE {target}")  # a view's text names its tables without a database: they bind in the lake
    try:
        for _, sql in _views(con, source):
            con.execute(sql)
    finally:
        con.execute(f"USE {current}")
    return copied


def replace_rows(con: duckdb.DuckDBPyConnection, source: str, target: str = LAKE_NAME) -> dict[str, int]:
    """Replace every table's rows in ``target`` by ``source``'s (both at the same schema version), inside the
    caller's transaction; the lake's earlier snapshots keep the replaced rows until they are expired."""
    copied = {}
    for table in tables(con, source):
        names = ", ".join(_ident(c[0]) for c in _columns(con, source, table))
        con.execute(f"DELETE FROM {target}.main.{_ident(table)}")
        con.execute(f"INSERT INTO {target}.main.{_ident(table)} ({names}) SELECT {names} FROM {source}.main.{_ident(table)}")
        copied[table] = con.execute(f"SELECT count(*) FROM {target}.main.{_ident(table)}").fetchone()[0]
    return copied
