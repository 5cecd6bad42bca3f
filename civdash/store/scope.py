"""What a township account may read: the rows of its own townships, enforced under every query.

A township account (乡镇填报员) reads through a connection on which ``restrict`` has put temporary views in front of
the stored tables that hold townships' rows. DuckDB looks a name up among the connection's temporary objects
first, so every query of ``queries/`` — and every view built on them, such as ``v_fact`` — reads the view instead of
the table, with no change to the SQL:

- ``fact``, ``target`` and ``township_alias``: only the rows of the account's townships;
- ``township``: the account's townships, and in place of the district row one row of level ``district`` named after
  them (``SCOPE_TYPE``), so that a "全区" total, label or report title reads as the account's township;
- ``batch_explanation``: nothing (an explanation may name another township's cell and value).

Writing through such a connection fails (a view takes no rows), so nothing a township account does can change the
stored figures by that path. The views live as long as the connection (a cursor of the dashboard's shared
connection: one per query), and are never seen by another connection.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

SCOPE_TYPE = "乡镇范围"  # the type of the scope's stand-in for the district row


@dataclass(frozen=True)
class Scope:
    """What a reader may see: every township (``whole``), or only ``townships`` (ids; none at all when empty)."""

    townships: tuple[int, ...] = ()
    whole: bool = False


EVERYTHING = Scope(whole=True)


def of_townships(ids: tuple[int, ...] | list[int]) -> Scope:
    """The scope of a township account holding ``ids`` (an account holding none sees no row)."""
    return Scope(tuple(int(t) for t in ids))


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    name = con.execute("SELECT current_database()").fetchone()[0]
    return '"' + str(name).replace('"', '""') + '"'


def restrict(con: duckdb.DuckDBPyConnection, scope: Scope) -> duckdb.DuckDBPyConnection:
    """Make ``con`` read only ``scope``'s rows (nothing changes for ``EVERYTHING``); returns ``con``."""
    if scope.whole:
        return con
    ids = ", ".join(str(int(t)) for t in scope.townships) or "NULL"
    db = _catalog(con)
    own = f"township_id IN ({ids})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW fact AS SELECT * FROM {db}.main.fact WHERE {own}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW target AS SELECT * FROM {db}.main.target WHERE {own}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW township_alias AS SELECT * FROM {db}.main.township_alias WHERE {own}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW batch_explanation AS SELECT * FROM {db}.main.batch_explanation "
                "WHERE false")
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW township AS
        SELECT id, name, code, type, level, sort_order FROM {db}.main.township
        WHERE level = 'township' AND id IN ({ids})
        UNION ALL
        SELECT coalesce((SELECT min(id) FROM {db}.main.township WHERE level = 'district'), 0) AS id,
               (SELECT string_agg(name, '、' ORDER BY sort_order, id) FROM {db}.main.township
                WHERE level = 'township' AND id IN ({ids})) AS name,
               NULL AS code, '{SCOPE_TYPE}' AS type, 'district' AS level, 0 AS sort_order""")
    return con

