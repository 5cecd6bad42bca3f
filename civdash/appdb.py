"""Which database the dashboard opens: the bureau's own, or the demo district until there is one."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb

from civdash.domain import catalog
from civdash.domain.periods import last_complete_month, month_key, parse_month
from civdash.store import db, ducklake
from civdash.store.paths import demo_db_path, real_db_path


def demo_until() -> date:
    """The demo's last month: ``CIVDASH_DEMO_UNTIL`` (YYYY-MM, for tests) or the last complete month."""
    env = os.environ.get("CIVDASH_DEMO_UNTIL")
    return parse_month(env) if env else last_complete_month()


Target = Path | ducklake.Lake  # a database: a DuckDB file, or the shared lake


def real_store() -> Target:
    """The bureau's own database: the shared lake when ``CIVDASH_STORE=ducklake``, else the file (``CIVDASH_DB`` or
    ``data/civdash.duckdb``)."""
    return ducklake.configured() or real_db_path()


def exists(target: Target) -> bool:
    """Whether the bureau's database is there. A configured lake always is: the first process to open it sets it up
    (schema and catalog), and from then on every process shows its data, never the demo."""
    return isinstance(target, ducklake.Lake) or Path(target).exists()


def app_database() -> tuple[Target, bool]:
    """(database, is_demo). The real database once it exists; otherwise a current demo database."""
    real = real_store()
    if exists(real):
        return real, False
    path = demo_db_path()
    if not _demo_is_current(path):
        from civdash import demo  # numpy and pandas: only to build the demo

        tmp = path.with_name(path.name + ".building")
        demo.build(tmp, until=demo_until())
        os.replace(tmp, path)
    return path, True


def _demo_is_current(path: Path) -> bool:
    """True when the demo file exists, is a demo, and reaches the last complete month."""
    if not path.exists():
        return False
    try:
        con = db.connect(path, read_only=True)
    except Exception:  # a damaged or foreign file is rebuilt
        return False
    try:
        until = db.get_meta(con, "demo_until")
        return db.is_demo(con) and until == month_key(demo_until())
    except Exception:
        return False
    finally:
        con.close()


# --- the bureau's first database --------------------------------------------------------------------------------
# The dashboard shows the demo until the real database exists, so the real one must not appear before the first
# upload is committed: it is built beside its final name and moved into place only then.


def blank_database(path: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """A new database with the schema and the indicator catalog, no townships and no data (in memory by default,
    to check a first upload against)."""
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
        db.migrate(con)
    else:
        Path(path).unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)  # left by a first import killed while it was saving
        con = db.connect(path)
    catalog.seed(con)
    return con


def building_path(path: Path) -> Path:
    """Where the first database is built before it is moved to ``path``."""
    return path.with_name(path.name + ".importing")


def move_into_place(con: duckdb.DuckDBPyConnection, building: Path, path: Path) -> None:
    """Close the database built at ``building`` and make it the real database ``path`` (one rename)."""
    con.execute("CHECKPOINT")
    con.close()
    os.replace(building, path)
