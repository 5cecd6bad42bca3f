"""Changes to the catalog, the township registry and the yearly targets made on the 指标与乡镇 page: validated
(a Chinese message, nothing changed, when a change does not fit), made in one transaction with the data
version bumped, and recorded in ``registry_change`` (who, when, what, before and after).

- Another name for a township (an alias, or a former name after a rename): it must not be any other
  township's name or alias once normalised (spaces, full-width characters, 街道/镇/乡 don't matter).
- The townships' display order.
- Another name for an indicator: not the name or alias of another indicator once cleaned as headers are.
- A yearly target (年度目标) for the district row or a township: entered in the unit shown (万元 for money),
  stored in the indicator's base unit; positive; a year from 2000 to 2100. Rates and standards get none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb
import pandas as pd

from civdash import db, queries, townships
from civdash.catalog import indicator_map
from civdash.ingest import mapping
from civdash.names import normalize_name
from civdash.units import display_unit, to_base_unit


class RegistryError(ValueError):
    """A change that does not fit; the message is for the user (Chinese)."""


def _record(con: duckdb.DuckDBPyConnection, user: str | None, obj: str, key: str, action: str, **detail) -> None:
    queries.execute(con, "registry_change_insert", user_name=user, object=obj, object_key=key, action=action,
                    detail=json.dumps(detail, ensure_ascii=False) if detail else None)


def _township_name(con: duckdb.DuckDBPyConnection, township_id: int) -> str:
    names = {t.id: t.name for t in townships.townships(con, include_district=True)}
    if township_id not in names:
        raise RegistryError(f"没有编号为{township_id}的乡镇（街道）")
    return names[township_id]


def township_aliases(con: duckdb.DuckDBPyConnection, township_id: int) -> pd.DataFrame:
    return queries.run(con, "township_aliases_of", township_id=township_id)


def add_township_name(con: duckdb.DuckDBPyConnection, township_id: int, name: str, kind: str = "alias",
                      user: str | None = None) -> None:
    """Another name people write for a township: ``kind`` 'alias' (别名) or 'former' (曾用名)."""
    if kind not in ("alias", "former"):
        raise RegistryError("名称类型只能是别名或曾用名")
    own = _township_name(con, township_id)
    key = normalize_name(name)
    if not key:
        raise RegistryError("名称不能为空")
    found = townships.match_township(con, name)
    if found == township_id or key == normalize_name(own):
        raise RegistryError(f"“{name.strip()}”已经是{own}的名称")
    if found is not None:
        raise RegistryError(f"“{name.strip()}”已是{_township_name(con, found)}的名称，不能再用作{own}的名称")
    with db.transaction(con):
        townships.add_alias(con, township_id, name, kind)
        _record(con, user, "township", own, "添加曾用名" if kind == "former" else "添加别名", name=name.strip())
        db.bump_data_version(con)


def set_township_order(con: duckdb.DuckDBPyConnection, ordered: Sequence[int], user: str | None = None) -> None:
    """Display order of the townships: ``ordered`` holds every township's id once."""
    current = [t.id for t in townships.townships(con)]
    if sorted(ordered) != sorted(current):
        raise RegistryError("排序须包含每个乡镇（街道）各一次")
    with db.transaction(con):
        for order, township_id in enumerate(ordered, start=1):
            queries.execute(con, "township_order_set", township_id=township_id, sort_order=order)
        _record(con, user, "township", "排序", "调整显示顺序",
                before=[_township_name(con, i) for i in current], after=[_township_name(con, i) for i in ordered])
        db.bump_data_version(con)


def add_indicator_name(con: duckdb.DuckDBPyConnection, code: str, name: str, user: str | None = None) -> None:
    """Another name (别名) an indicator is written as in the office's tables."""
    inds = indicator_map(con)
    if code not in inds:
        raise RegistryError(f"没有代码为{code}的指标")
    key = mapping.clean_header(name)
    if not key:
        raise RegistryError("名称不能为空")
    taken = mapping.aliases(con).get(key)
    if taken == code:
        raise RegistryError(f"“{name.strip()}”已经是{inds[code].name}的名称")
    if taken is not None:
        raise RegistryError(f"“{name.strip()}”已是指标“{inds[taken].name}”的名称，不能再用作{inds[code].name}的名称")
    with db.transaction(con):
        queries.execute(con, "indicator_alias_add", alias=key, code=code)
        _record(con, user, "indicator", inds[code].name, "添加别名", name=name.strip())
        db.bump_data_version(con)


def set_target(con: duckdb.DuckDBPyConnection, code: str, township_id: int, year: int, shown: float,
               note: str | None = None, user: str | None = None) -> float:
    """Set a yearly target entered in the unit the dashboard shows; returns the value stored (base unit)."""
    inds = indicator_map(con)
    if code not in inds:
        raise RegistryError(f"没有代码为{code}的指标")
    ind = inds[code]
    if ind.kind == "level":
        raise RegistryError(f"“{ind.name}”是比率或标准，不设年度目标")
    if not 2000 <= year <= 2100:
        raise RegistryError(f"年份{year}不在2000～2100之间")
    if not shown > 0:
        raise RegistryError("目标值须大于0")
    value, base = to_base_unit(float(shown), display_unit(ind.unit))
    if base != ind.unit:
        raise RegistryError(f"单位{display_unit(ind.unit)}与指标“{ind.name}”的单位{ind.unit}不符")
    place = _township_name(con, township_id)
    with db.transaction(con):
        queries.execute(con, "target_upsert", indicator_code=code, township_id=township_id, year=year, value=value,
                        note=note)
        _record(con, user, "target", f"{year}年 · {place} · {ind.name}", "设置年度目标",
                value=shown, unit=display_unit(ind.unit))
        db.bump_data_version(con)
    return value


def delete_target(con: duckdb.DuckDBPyConnection, code: str, township_id: int, year: int,
                  user: str | None = None) -> None:
    inds = indicator_map(con)
    place = _township_name(con, township_id)
    with db.transaction(con):
        queries.execute(con, "target_delete", indicator_code=code, township_id=township_id, year=year)
        _record(con, user, "target", f"{year}年 · {place} · {inds[code].name}", "删除年度目标")
        db.bump_data_version(con)


def targets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return queries.run(con, "target_list")


def changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every recorded change, newest first."""
    return queries.run(con, "registry_change_list")
