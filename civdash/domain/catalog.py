"""The indicator catalog: codes, Chinese names, aliases, units, kinds."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from civdash.domain.names import normalize_name
from civdash.store import queries
from civdash.store.paths import DATA_DIR

DEFAULT_CATALOG = DATA_DIR / "indicators.csv"
DERIVED_CATALOG = DATA_DIR / "derived_indicators.csv"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    category: str
    unit: str
    kind: str
    decimals: int
    weight: str | None
    note: str | None
    good: str | None = None  # 'up' when a rise is good (注册用户), 'down' when a fall is (信访), None for neither


@dataclass(frozen=True)
class DerivedIndicator:
    """A per-person figure computed from two stored indicators (e.g. 人均低保金 = 资金 ÷ 人数)."""

    code: str
    name: str
    numerator: str
    denominator: str
    unit: str
    decimals: int


def read_catalog_csv(path: Path = DEFAULT_CATALOG) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def seed(con: duckdb.DuckDBPyConnection, path: Path = DEFAULT_CATALOG) -> int:
    """Insert the shipped catalog into an empty database; returns the number of indicators."""
    rows = read_catalog_csv(path)
    for order, row in enumerate(rows, start=1):
        queries.execute(con, "indicator_insert", code=row["code"], name=row["name"], category=row["category"],
                        unit=row["unit"], kind=row["kind"], decimals=int(row.get("decimals") or 0),
                        weight=row.get("weight") or None, note=row.get("note") or None, sort_order=order,
                        good_direction=row.get("good_direction") or None)
        names = {row["name"], *filter(None, (row.get("aliases") or "").split("|"))}
        for alias in sorted({normalize_name(n) for n in names}):
            queries.execute(con, "indicator_alias_add", alias=alias, code=row["code"])
    return len(rows)


def indicators(con: duckdb.DuckDBPyConnection) -> list[Indicator]:
    rows = queries.execute(con, "catalog_indicators").fetchall()  # Python tuples: no frame to build and iterate
    return [
        Indicator(
            code=code, name=name, category=category, unit=unit, kind=kind,
            decimals=int(decimals), weight=weight if isinstance(weight, str) else None,
            note=note if isinstance(note, str) else None,
            good=good if isinstance(good, str) else None,
        )
        for code, name, category, unit, kind, decimals, weight, note, good in rows
    ]


def indicator_map(con: duckdb.DuckDBPyConnection) -> dict[str, Indicator]:
    return {i.code: i for i in indicators(con)}


def categories(inds: list[Indicator]) -> list[str]:
    """The categories of ``inds`` in catalog order."""
    return list(dict.fromkeys(i.category for i in inds))


def derived_indicators(path: Path = DERIVED_CATALOG) -> list[DerivedIndicator]:
    return [
        DerivedIndicator(
            code=r["code"], name=r["name"], numerator=r["numerator"], denominator=r["denominator"],
            unit=r["unit"], decimals=int(r.get("decimals") or 2),
        )
        for r in read_catalog_csv(path)
    ]


def alias_table(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Normalised name or alias → indicator code, for every catalog indicator."""
    return dict(queries.run(con, "indicator_aliases")[["alias", "indicator_code"]].itertuples(index=False))
