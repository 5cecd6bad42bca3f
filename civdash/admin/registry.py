"""Changes to the indicator catalog, the township registry and the yearly targets (the 指标与乡镇 page).

Every change is validated first (a ``RegistryError`` with a Chinese message, nothing changed, when it does not
fit), then made in one transaction that bumps the data version and writes a ``registry_change`` row: who, when,
the kind of object, its key, and the object before and after as JSON text.

Names are compared the way uploads match them, so that a name accepted here can never make an upload ambiguous:
indicator names and aliases as headers are cleaned (``names.clean_header``: normalised, units and 当月/累计
markers removed); township names, aliases and former names as ``townships.match_township`` finds them
(normalised, and a name with 街道/镇/乡 also by its short form).

Renaming keeps the old name: an indicator's as an alias, a township's (and its short form) as a former name, so
that last year's sheets still read.

Merging two spellings of a township (B into A), e.g. when an upload registered “城东” beside 城东街道:
B's name and its short form become former names of A, B's aliases and former names move to A, B's values
(current and history) and yearly targets move to A, A takes B's 区划代码 if it has none, and B is removed.
It is refused, with the list of clashes, when A and B both have a current value for the same indicator and month,
or both a target for the same indicator and year: which one is right is for a person to settle (roll back or
correct one upload, delete one target) before merging. B's values that are not current are only history of
rolled-back or superseded uploads and move along without a clash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TypeVar

import duckdb
import pandas as pd

from civdash.domain import catalog, rules, slides, townships
from civdash.domain.catalog import Indicator, indicator_map
from civdash.domain.names import clean_header, normalize_name
from civdash.domain.periods import month_label
from civdash.domain.spreadsheet import formula_name_error
from civdash.domain.units import BASE_UNITS, COUNT_UNITS, LEVEL_UNITS, display_unit, format_value, to_base_unit
from civdash.store import db, queries

T = TypeVar("T")
KINDS = {"stock": "期末数", "flow": "发生数", "level": "比率/标准"}
TOWNSHIP_TYPES = ("街道", "镇", "乡")
OBJECTS = {"indicator": "指标", "township": "乡镇（街道）", "target": "年度目标", "audit_rule": "审核规则",
           "meeting": "会议模式"}
ACTIONS = {"add": "新增", "edit": "修改", "merge": "合并", "delete": "删除"}
MAX_DECIMALS = 4
CONFLICTS_SHOWN = 10
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
_TOWNSHIP_CODE = re.compile(r"\d{9}")
_NAME_SEPARATORS = re.compile(r"[\n、,，;；|]+")


class RegistryError(ValueError):
    """A change that does not fit; the message is for the person who made it (Chinese)."""


BUSY = "其他人正在同时保存数据或修改指标与乡镇，本次没有保存任何改动，请稍后再试"


def _changed(con: duckdb.DuckDBPyConnection, change: Callable[[], T]) -> T:
    """``change()`` in one transaction that bumps the data version, tried again when another session's or process's
    commit met it — any upload, rollback or registry change at the same moment does (``db.retried_on_conflict``)."""
    def attempt() -> T:
        with db.transaction(con):
            result = change()
            db.bump_data_version(con)
        return result

    return db.retried_on_conflict(attempt, RegistryError(BUSY))


def split_names(text: str | Iterable[str]) -> list[str]:
    """Names as a person types them in one box: one a line or separated by 、，；| (blanks dropped)."""
    parts = _NAME_SEPARATORS.split(text) if isinstance(text, str) else list(text)
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def units_for(kind: str) -> tuple[str, ...]:
    """The units an indicator of ``kind`` may be stored in: base units, and for rates and standards also theirs."""
    return (*BASE_UNITS, *LEVEL_UNITS) if kind == "level" else BASE_UNITS


def _record(con: duckdb.DuckDBPyConnection, user: str | None, kind: str, key: object, action: str,
            before: dict | None, after: dict | None) -> None:
    def dump(obj: dict | None) -> str | None:
        return None if obj is None else json.dumps(obj, ensure_ascii=False)

    queries.execute(con, "registry_change_insert", user_name=(user or "").strip() or None, object_kind=kind,
                    object_key=str(key), action=action, before_json=dump(before), after_json=dump(after))


# --- indicators ------------------------------------------------------------------------------------------------


GOOD_DIRECTIONS: dict[str | None, str] = {None: "中性", "up": "上升为好", "down": "下降为好"}


@dataclass(frozen=True)
class IndicatorInput:
    """An indicator as a person enters it: the unit is the base unit it is stored in (元 for money; the dashboard
    shows 万元), aliases are the other ways the office's tables write it."""

    name: str
    category: str
    unit: str
    kind: str
    aliases: Sequence[str] = ()
    decimals: int = 0
    weight: str | None = None
    note: str | None = None
    good: str | None = None  # GOOD_DIRECTIONS: whether a rise ('up') or a fall ('down') is good, else neither


def indicator_aliases(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Indicator code → its aliases (cleaned as headers are), its own name left out."""
    names = {code: clean_header(ind.name) for code, ind in indicator_map(con).items()}
    found: dict[str, list[str]] = {code: [] for code in names}
    for alias, code in catalog.alias_table(con).items():
        if code in found and alias != names[code]:
            found[code].append(alias)
    return found


def _indicator_snapshot(con: duckdb.DuckDBPyConnection, code: str) -> dict:
    ind = indicator_map(con)[code]
    return {**asdict(ind), "aliases": sorted(indicator_aliases(con)[code])}


def _check_indicator(con: duckdb.DuckDBPyConnection, spec: IndicatorInput, code: str | None) -> tuple[str, list[str]]:
    """Validate ``spec`` (for ``code``, or a new indicator); returns its cleaned name key and alias keys."""
    inds = indicator_map(con)
    taken = catalog.alias_table(con)
    name = spec.name.strip()
    if not name:
        raise RegistryError("指标名称不能为空")
    for text, what in ((name, "指标名称"), (spec.category, "类别")):
        refused = formula_name_error(text, what)
        if refused:
            raise RegistryError(refused)
    name_key = clean_header(name)
    if not name_key:
        raise RegistryError(f"指标名称“{name}”去掉括号、单位和“当月”“累计”等字样后为空")
    owner = taken.get(name_key)
    if owner is not None and owner != code:
        raise RegistryError(f"指标名称“{name}”已是指标“{inds[owner].name}”的名称或别名")
    if not spec.category.strip():
        raise RegistryError("类别不能为空")
    if spec.kind not in KINDS:
        raise RegistryError("类型须为期末数（stock）、发生数（flow）或比率/标准（level）")
    allowed = units_for(spec.kind)
    kept = code is not None and (spec.unit, spec.kind) == (inds[code].unit, inds[code].kind)  # as registered before
    if spec.unit not in allowed and not kept:
        raise RegistryError(f"单位“{spec.unit}”不可用：{KINDS[spec.kind]}指标的单位须为{'、'.join(allowed)}之一"
                            "（金额用元保存，看板按万元显示）")
    if not 0 <= spec.decimals <= MAX_DECIMALS:
        raise RegistryError(f"小数位数须在0～{MAX_DECIMALS}之间")
    if spec.good not in GOOD_DIRECTIONS:
        raise RegistryError("增减含义须为“上升为好”“下降为好”或“中性”")
    if spec.weight:
        if spec.kind != "level":
            raise RegistryError("只有比率/标准类指标可以指定加权指标")
        if spec.weight not in inds or inds[spec.weight].kind != "stock" or spec.weight == code:
            raise RegistryError("加权指标须为另一个期末数指标（如低保人数）")
    alias_keys: list[str] = []
    for alias in split_names(spec.aliases):
        key = clean_header(alias)
        if not key:
            raise RegistryError(f"别名“{alias}”去掉括号、单位和“当月”“累计”等字样后为空")
        owner = taken.get(key)
        if owner is not None and owner != code:
            raise RegistryError(f"别名“{alias}”已是指标“{inds[owner].name}”的名称或别名")
        if key != name_key and key not in alias_keys:
            alias_keys.append(key)
    return name_key, alias_keys


def add_indicator(con: duckdb.DuckDBPyConnection, spec: IndicatorInput, code: str | None = None,
                  user: str | None = None) -> str:
    """Add an indicator after the last one of its category; ``code`` (ASCII) is made up when not given.
    Returns the code."""
    inds = indicator_map(con)
    if code:
        code = code.strip()
        if not _CODE.fullmatch(code):
            raise RegistryError(f"代码“{code}”须以小写字母开头，只含小写字母、数字和下划线，2～40个字符")
        if code in inds:
            raise RegistryError(f"代码“{code}”已被指标“{inds[code].name}”使用")
    else:
        code = next(c for c in (f"custom_{n}" for n in range(1, len(inds) + 2)) if c not in inds)
    name_key, alias_keys = _check_indicator(con, spec, None)

    def change() -> None:
        position = queries.scalar(con, "indicator_place_after", category=spec.category.strip())
        queries.execute(con, "indicator_make_room", position=position)
        queries.execute(con, "indicator_insert", code=code, name=spec.name.strip(), category=spec.category.strip(),
                        unit=spec.unit, kind=spec.kind, decimals=int(spec.decimals), weight=spec.weight or None,
                        note=(spec.note or "").strip() or None, sort_order=position, good_direction=spec.good)
        for key in [name_key, *alias_keys]:
            queries.execute(con, "indicator_alias_add", alias=key, code=code)
        _record(con, user, "indicator", code, "add", None, _indicator_snapshot(con, code))

    _changed(con, change)
    return code


def edit_indicator(con: duckdb.DuckDBPyConnection, code: str, spec: IndicatorInput, user: str | None = None) -> None:
    """Change an indicator. ``spec.aliases`` is the whole new list; a former name stays an alias. Unit and kind
    cannot change once values are stored (they were converted and added up by them)."""
    inds = indicator_map(con)
    if code not in inds:
        raise RegistryError(f"没有代码为{code}的指标")
    old = inds[code]
    name_key, alias_keys = _check_indicator(con, spec, code)
    stored = queries.scalar(con, "indicator_fact_count", code=code)
    if stored and (spec.unit != old.unit or spec.kind != old.kind):
        what = "单位" if spec.unit != old.unit else "类型"
        raise RegistryError(f"“{old.name}”已有{stored:,}条数据，不能修改{what}（已保存的数值按{old.unit}、"
                            f"{KINDS[old.kind]}换算和汇总）；如需不同的{what}，请新建指标")
    old_key = clean_header(old.name)
    keep = {name_key, *alias_keys} | ({old_key} if old_key != name_key else set())
    current = {a for a, c in catalog.alias_table(con).items() if c == code}
    before = _indicator_snapshot(con, code)

    def change() -> None:
        queries.execute(con, "indicator_update", code=code, name=spec.name.strip(), category=spec.category.strip(),
                        unit=spec.unit, kind=spec.kind, decimals=int(spec.decimals), weight=spec.weight or None,
                        note=(spec.note or "").strip() or None, good_direction=spec.good)
        for key in sorted(current - keep):
            queries.execute(con, "indicator_alias_delete", alias=key, code=code)
        for key in sorted(keep - current):
            queries.execute(con, "indicator_alias_add", alias=key, code=code)
        after = _indicator_snapshot(con, code)
        if after == before:
            raise RegistryError("没有需要保存的修改")
        _record(con, user, "indicator", code, "edit", before, after)

    _changed(con, change)


# --- townships -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipInput:
    """A township as a person enters it. ``position``: its place in the display order (1 = first); None keeps it
    (or puts a new township last). ``type`` None: taken from the name's ending (街道/镇/乡)."""

    name: str
    code: str | None = None
    type: str | None = None
    aliases: Sequence[str] = ()
    former_names: Sequence[str] = ()
    position: int | None = None


def township_type(name: str) -> str | None:
    """'城东街道' → '街道', '中塘镇' → '镇', '新华乡' → '乡'."""
    key = normalize_name(name)
    if key.endswith(("街道", "街道办事处")):
        return "街道"
    return next((t for t in ("镇", "乡") if key.endswith(t)), None)


def township_names(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, list[str]]]:
    """Township id → the names it is known by besides its own, by kind: 'alias', 'former', 'short' (automatic)."""
    own = {t.id: normalize_name(t.name) for t in townships.townships(con, include_district=True)}
    found: dict[int, dict[str, list[str]]] = {i: {"alias": [], "former": [], "short": []} for i in own}
    for tid, alias, kind in queries.run(con, "township_alias_kinds").itertuples(index=False):
        if int(tid) in found and alias != own[int(tid)]:
            found[int(tid)][kind].append(alias)
    return found


def _township(con: duckdb.DuckDBPyConnection, township_id: int) -> townships.Township:
    found = {t.id: t for t in townships.townships(con, include_district=True)}
    if township_id not in found:
        raise RegistryError(f"没有编号为{township_id}的乡镇（街道）")
    return found[township_id]


def _township_snapshot(con: duckdb.DuckDBPyConnection, township_id: int) -> dict:
    t = _township(con, township_id)
    names = township_names(con)[township_id]
    return {"id": t.id, "name": t.name, "code": t.code, "type": t.type, "sort_order": t.sort_order,
            "aliases": names["alias"], "former_names": names["former"]}


def _check_name_free(con: duckdb.DuckDBPyConnection, text: str, what: str, township_id: int | None) -> str:
    """The normalised ``text`` if no other township (or the district) is known by it; else a RegistryError."""
    key = normalize_name(text)
    district = townships.district(con)
    if townships.is_total_row(key, district.name if district else None):
        raise RegistryError(f"{what}“{text.strip()}”是合计行的写法，不能用作乡镇（街道）的名称")
    owner = townships.match_township(con, key)
    if owner is not None and owner != township_id:
        other = _township(con, owner)
        whose = "区县本身" if other.level == "district" else other.name
        raise RegistryError(f"{what}“{text.strip()}”已是{whose}的名称、别名或简称，上传时将无法区分")
    return key


def _check_code(con: duckdb.DuckDBPyConnection, code: str | None, township_id: int | None) -> str | None:
    code = (code or "").strip()
    if not code:
        return None
    if not _TOWNSHIP_CODE.fullmatch(code):
        raise RegistryError(f"区划代码“{code}”须为9位数字（如500114121），也可不填")
    district = townships.district(con)
    if district and district.code and len(district.code) == 6 and not code.startswith(district.code):
        raise RegistryError(f"区划代码“{code}”不属于{district.name}（其代码以{district.code}开头）")
    owner = queries.scalar(con, "township_code_owner", code=code, township_id=township_id or -1)
    if owner is not None:
        raise RegistryError(f"区划代码“{code}”已是{owner}的代码")
    return code


def _check_township(con: duckdb.DuckDBPyConnection, spec: TownshipInput, township_id: int | None,
                    known: set[str]) -> tuple[str, str | None, str | None, dict[str, str]]:
    """Validate ``spec``; returns the name, code, type and the names to add ({normalised name: kind}).
    ``known``: the normalised names the township has now (they need no check)."""
    name = spec.name.strip()
    if not name:
        raise RegistryError("乡镇（街道）名称不能为空")
    refused = formula_name_error(name, "乡镇（街道）名称")
    if refused:
        raise RegistryError(refused)
    name_key = _check_name_free(con, name, "名称", township_id)
    code = _check_code(con, spec.code, township_id)
    type_ = spec.type or township_type(name)
    if type_ is not None and type_ not in TOWNSHIP_TYPES:
        raise RegistryError(f"类型须为{'、'.join(TOWNSHIP_TYPES)}之一")
    wanted: dict[str, str] = {name_key: "alias"}
    short_key = normalize_name(townships.short_name(name_key))
    if short_key != name_key:
        wanted[short_key] = "short"
    aliases, formers = split_names(spec.aliases), split_names(spec.former_names)
    both = {normalize_name(a) for a in aliases} & {normalize_name(f) for f in formers}
    if both:
        raise RegistryError(f"“{'、'.join(sorted(both))}”不能既是别名又是曾用名")
    for kind, names in (("alias", aliases), ("former", formers)):
        for text in names:
            key = normalize_name(text)
            if not key or key in wanted:
                continue
            if key not in known:
                _check_name_free(con, text, "别名" if kind == "alias" else "曾用名", township_id)
            wanted[key] = kind
            short = normalize_name(townships.short_name(key))
            if kind == "former" and key not in known and short not in wanted:
                owner = townships.match_township(con, short)
                if owner is None or owner == township_id:
                    wanted[short] = "former"  # 中塘乡 is also written 中塘
    if spec.position is not None and spec.position < 1:
        raise RegistryError("显示顺序须为正整数")
    return name, code, type_, wanted


def _set_order(con: duckdb.DuckDBPyConnection, township_id: int, position: int | None) -> None:
    """Put a township at ``position`` (1-based; None: where it is) and number all townships 1, 2, 3 … again."""
    ids = [t.id for t in townships.townships(con)]
    if position is not None:
        ids.remove(township_id)
        ids.insert(min(position, len(ids) + 1) - 1, township_id)
    for order, tid in enumerate(ids, start=1):
        queries.execute(con, "township_order_set", township_id=tid, sort_order=order)


def add_township(con: duckdb.DuckDBPyConnection, spec: TownshipInput, user: str | None = None) -> int:
    """Register a township with its aliases and former names; returns its id."""
    name, code, type_, wanted = _check_township(con, spec, None, set())

    def change() -> int:
        tid = townships.register(con, name, code=code, type_=type_)
        for key, kind in wanted.items():
            queries.execute(con, "township_alias_set", alias=key, township_id=tid, kind=kind)
        _set_order(con, tid, spec.position)
        _record(con, user, "township", tid, "add", None, _township_snapshot(con, tid))
        return tid

    return _changed(con, change)


def edit_township(con: duckdb.DuckDBPyConnection, township_id: int, spec: TownshipInput,
                  user: str | None = None) -> None:
    """Change a township: name, code, type, the whole lists of aliases and former names, display position.
    A former name stays: the old name (and its short form) become former names."""
    old = _township(con, township_id)
    if old.level != "township":
        raise RegistryError("区县本身不在这里修改")
    current = dict(queries.run(con, "township_aliases_of", township_id=township_id).itertuples(index=False))
    name, code, type_, wanted = _check_township(con, spec, township_id, set(current))
    old_key = normalize_name(old.name)
    for key in (old_key, normalize_name(townships.short_name(old_key))):
        wanted.setdefault(key, "former")  # nothing when the name is unchanged: it is in ``wanted`` already
    before = _township_snapshot(con, township_id)

    def change() -> None:
        queries.execute(con, "township_update", township_id=township_id, name=name, code=code, type=type_)
        for key in current.keys() - wanted.keys():
            queries.execute(con, "township_alias_delete", alias=key, township_id=township_id)
        for key, kind in wanted.items():
            if current.get(key) != kind:
                queries.execute(con, "township_alias_set", alias=key, township_id=township_id, kind=kind)
        _set_order(con, township_id, spec.position)
        after = _township_snapshot(con, township_id)
        if after == before:
            raise RegistryError("没有需要保存的修改")
        _record(con, user, "township", township_id, "edit", before, after)

    _changed(con, change)


@dataclass(frozen=True)
class MergeResult:
    kept: str
    merged: str
    facts: int  # values moved (current and history)
    current: int  # of which current
    targets: int


def merge_preview(con: duckdb.DuckDBPyConnection, keep_id: int, merge_id: int) -> tuple[dict, list[str]]:
    """What merging ``merge_id`` into ``keep_id`` would move ({'current_facts', 'facts', 'targets'}) and the
    clashes that stop it (Chinese, one a line; empty when the merge can go ahead)."""
    keep, merge = _township(con, keep_id), _township(con, merge_id)
    if keep_id == merge_id:
        raise RegistryError("请选择两个不同的乡镇（街道）")
    if "district" in (keep.level, merge.level):
        raise RegistryError("区县本身不能合并")
    counts = queries.run(con, "township_data_count", township_id=merge_id).iloc[0].to_dict()
    clashes = [
        f"{month_label(pd.Timestamp(r.period).date())} {r.indicator}：{keep.name} "
        f"{format_value(r.keep_value, r.unit, int(r.decimals))}，{merge.name} "
        f"{format_value(r.merge_value, r.unit, int(r.decimals))}"
        for r in queries.run(con, "township_merge_fact_conflicts", keep=keep_id, merge=merge_id).itertuples()
    ]
    clashes += [f"{r.year}年 {r.indicator}：两边都设有年度目标"
                for r in queries.run(con, "township_merge_target_conflicts", keep=keep_id, merge=merge_id).itertuples()]
    return {k: int(v) for k, v in counts.items()}, clashes


def merge_townships(con: duckdb.DuckDBPyConnection, keep_id: int, merge_id: int,
                    user: str | None = None) -> MergeResult:
    """Merge township ``merge_id`` (B) into ``keep_id`` (A) by the rule in the module docstring; one transaction."""
    counts, clashes = merge_preview(con, keep_id, merge_id)
    keep, merge = _township(con, keep_id), _township(con, merge_id)
    if clashes:
        shown = "；".join(clashes[:CONFLICTS_SHOWN]) + (f"……等共{len(clashes)}处" if len(clashes) > CONFLICTS_SHOWN else "")
        raise RegistryError(f"{merge.name}与{keep.name}在同一指标、同一期间都有数值或目标，不能合并：{shown}。"
                            "请先在“导入记录”中撤销或更正其中一方的数据、删除重复的年度目标，再合并。")
    before_keep, before_merge = _township_snapshot(con, keep_id), _township_snapshot(con, merge_id)

    def change() -> None:
        queries.execute(con, "township_merge_aliases", keep=keep_id, merge=merge_id,
                        merge_name=normalize_name(merge.name))
        queries.execute(con, "township_merge_facts", keep=keep_id, merge=merge_id)
        queries.execute(con, "township_merge_targets", keep=keep_id, merge=merge_id)
        queries.execute(con, "township_merge_accounts_drop", keep=keep_id, merge=merge_id)
        queries.execute(con, "township_merge_accounts", keep=keep_id, merge=merge_id)
        queries.execute(con, "township_delete", township_id=merge_id)
        if keep.code is None and merge.code is not None:
            queries.execute(con, "township_update", township_id=keep_id, name=keep.name, code=merge.code,
                            type=keep.type)
        _set_order(con, keep_id, None)
        moved = {"merged_into": {"id": keep_id, "name": keep.name}, "facts": counts["facts"],
                 "current_facts": counts["current_facts"], "targets": counts["targets"]}
        _record(con, user, "township", merge_id, "merge", before_merge, moved)
        _record(con, user, "township", keep_id, "merge", before_keep,
                {**_township_snapshot(con, keep_id), "merged": {"id": merge_id, "name": merge.name, **counts}})

    _changed(con, change)
    return MergeResult(keep.name, merge.name, counts["facts"], counts["current_facts"], counts["targets"])


# --- yearly targets --------------------------------------------------------------------------------------------


def _target_key(code: str, township_id: int, year: int) -> str:
    return f"{code}/{township_id}/{year}"


def _target_snapshot(ind: Indicator, place: townships.Township, year: int, value: float, note: str | None) -> dict:
    return {"indicator_code": ind.code, "indicator": ind.name, "township_id": place.id, "township": place.name,
            "year": year, "value": value, "unit": ind.unit, "note": note}


def _stored_target(con: duckdb.DuckDBPyConnection, code: str, township_id: int, year: int) -> tuple | None:
    row = queries.execute(con, "target_get", indicator_code=code, township_id=township_id, year=year).fetchone()
    return tuple(row) if row else None


def target_indicator(con: duckdb.DuckDBPyConnection, code: str) -> Indicator:
    """An indicator a yearly target can be set for (not a rate or standard)."""
    inds = indicator_map(con)
    if code not in inds:
        raise RegistryError(f"没有代码为{code}的指标")
    if inds[code].kind == "level":
        raise RegistryError(f"“{inds[code].name}”是比率或标准，不设年度目标")
    return inds[code]


def set_target(con: duckdb.DuckDBPyConnection, code: str, township_id: int, year: int, shown: float,
               note: str | None = None, user: str | None = None) -> float:
    """Set (or replace) the yearly target of the district row or a township. ``shown`` is in the unit the dashboard
    shows the indicator in (万元 for money); the target is stored in the base unit, which is returned."""
    ind = target_indicator(con, code)
    if not 2000 <= year <= 2100:
        raise RegistryError(f"年份{year}不在2000～2100之间")
    if not shown > 0:
        raise RegistryError("目标值须大于0")
    value, base = to_base_unit(float(shown), display_unit(ind.unit))
    if base != ind.unit:
        raise RegistryError(f"单位{display_unit(ind.unit)}与指标“{ind.name}”的单位{ind.unit}不符")
    if ind.unit in COUNT_UNITS and value != round(value):
        raise RegistryError(f"“{ind.name}”以{ind.unit}计，目标值须为整数")
    place = _township(con, township_id)
    note = (note or "").strip() or None
    stored = _stored_target(con, code, township_id, year)
    before = _target_snapshot(ind, place, year, *stored) if stored else None
    after = _target_snapshot(ind, place, year, value, note)
    if before == after:
        raise RegistryError("没有需要保存的修改")

    def change() -> None:
        queries.execute(con, "target_upsert", indicator_code=code, township_id=township_id, year=year, value=value,
                        note=note)
        _record(con, user, "target", _target_key(code, township_id, year), "edit" if stored else "add", before, after)

    _changed(con, change)
    return value


def delete_target(con: duckdb.DuckDBPyConnection, code: str, township_id: int, year: int,
                  user: str | None = None) -> None:
    inds = indicator_map(con)
    stored = _stored_target(con, code, township_id, year) if code in inds else None
    if stored is None:
        raise RegistryError("没有这个年度目标")
    place = _township(con, township_id)

    def change() -> None:
        queries.execute(con, "target_delete", indicator_code=code, township_id=township_id, year=year)
        _record(con, user, "target", _target_key(code, township_id, year), "delete",
                _target_snapshot(inds[code], place, year, *stored), None)

    _changed(con, change)


def targets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every yearly target, newest year first, the district row before the townships."""
    return queries.run(con, "target_list")


# --- the record of changes -------------------------------------------------------------------------------------

_FIELDS = {
    "indicator": {"name": "名称", "category": "类别", "unit": "单位", "kind": "类型", "aliases": "别名",
                  "decimals": "小数位数", "weight": "加权指标", "note": "口径说明", "good": "增减含义"},
    "township": {"name": "名称", "code": "区划代码", "type": "类型", "aliases": "别名", "former_names": "曾用名",
                 "sort_order": "显示顺序"},
    "target": {"value": "目标", "note": "说明"},
    "audit_rule": {"name": "名称", "tier": "类别", "applies_to": "适用指标", "expression": "公式", "enabled": "启用",
                   "note": "说明"},
}


def _shown(kind: str, field: str, value: object, obj: dict) -> str:
    if (value is None or value == "") and (kind, field) == ("indicator", "good"):
        return GOOD_DIRECTIONS[None]
    if value is None or value == [] or value == "":
        return "（无）"
    if isinstance(value, list):
        return "、".join(map(str, value))
    if field == "kind" and kind == "indicator":
        return KINDS.get(str(value), str(value))
    if field == "good" and kind == "indicator":
        return GOOD_DIRECTIONS.get(str(value), str(value))
    if kind == "audit_rule" and field == "tier":
        return rules.TIERS.get(str(value), str(value))
    if kind == "audit_rule" and field == "enabled":
        return "是" if value else "否"
    if field == "value" and kind == "target":
        return format_value(float(value), obj["unit"])
    return str(value)


def _title(kind: str, obj: dict) -> str:
    if kind == "target":
        return f"{obj['year']}年 {obj['township']} {obj['indicator']}"
    return str(obj.get("name", ""))


def describe_change(kind: str, action: str, before: dict | None, after: dict | None) -> tuple[str, str]:
    """(the object's name, what changed) in Chinese, for the record of changes."""
    if kind == "meeting":
        def pages(obj: dict | None) -> str:
            return "；".join(f"{n}. {s}" for n, s in enumerate((obj or {}).get("slides", []), start=1))

        return "会议模式幻灯片", f"{pages(before)} → {pages(after)}"
    fields = _FIELDS[kind]
    if action == "merge":
        if "merged_into" in (after or {}):
            into = after["merged_into"]["name"]
            return _title(kind, before), (f"并入{into}：{after['facts']:,}条数据（其中当前有效{after['current_facts']:,}条）、"
                                          f"{after['targets']}个年度目标及全部别名转到{into}，本条目删除")
        merged = after["merged"]
        return _title(kind, after), (f"合并{merged['name']}：其名称改为曾用名，别名、{merged['facts']:,}条数据和"
                                     f"{merged['targets']}个年度目标转到本乡镇")
    if action == "add":
        shown = [f"{label}：{_shown(kind, f, after.get(f), after)}" for f, label in fields.items()
                 if after.get(f) not in (None, [], "") and f != "sort_order" and (f, after.get(f)) != ("decimals", 0)]
        return _title(kind, after), "；".join(shown)
    if action == "delete":
        return _title(kind, before), "删除：" + "；".join(
            f"{label}：{_shown(kind, f, before.get(f), before)}" for f, label in fields.items() if before.get(f))
    parts = []
    for f, label in fields.items():
        old, new = before.get(f), after.get(f)
        if old == new:
            continue
        if isinstance(old, list) or isinstance(new, list):
            added = [x for x in new or [] if x not in (old or [])]
            removed = [x for x in old or [] if x not in (new or [])]
            text = "、".join([*(f"增加{x}" for x in added), *(f"删去{x}" for x in removed)])
            parts.append(f"{label}：{text}")
        else:
            parts.append(f"{label}：{_shown(kind, f, old, before)} → {_shown(kind, f, new, after)}")
    return _title(kind, after), "；".join(parts)


# --- audit rules ---------------------------------------------------------------------------------------------------


def save_rule(con: duckdb.DuckDBPyConnection, rule: rules.AuditRule, user: str | None = None) -> None:
    """Add a rule or change one (a shipped rule keeps its code; it can be switched off, not deleted); validated
    against the catalog, recorded with what it was before."""
    inds = catalog.indicator_map(con)
    names = catalog.alias_table(con) | {code: code for code in inds}
    rule = rules.AuditRule(rule.code.strip(), rule.name.strip(), rule.tier, rule.applies_to.strip(),
                           rule.expression.strip(), rule.enabled, rule.note.strip())
    try:
        rules.validate(rule, inds, names)
    except rules.RuleError as exc:
        raise RegistryError(str(exc)) from None
    before = next((r for r in rules.rules(con) if r.code == rule.code), None)
    if before is not None and before.builtin != rule.builtin and (before.builtin or rule.builtin):
        raise RegistryError("内置检查（@开头）只能启用、停用或改为强制性/核实性，不能改为公式；公式也不能改为内置检查")

    def change() -> None:
        rules.save(con, rule, user)
        _record(con, user, "audit_rule", rule.code, "edit" if before else "add",
                rules.as_rows([before])[0] if before else None, rules.as_rows([rule])[0])

    _changed(con, change)


# --- 会议模式 --------------------------------------------------------------------------------------------------------


def _slides_snapshot(specs: Sequence[slides.SlideSpec], default: bool, inds: dict[str, Indicator]) -> dict:
    names = {code: ind.name for code, ind in inds.items()}
    return {"default": default, "slides": [s.describe(names) for s in specs]}


def save_meeting_slides(con: duckdb.DuckDBPyConnection, specs: Sequence[slides.SlideSpec] | None,
                        user: str | None = None) -> None:
    """Set the 会议模式 sequence (``None``: back to the shipped default), validated, recorded with the sequence before."""
    inds = catalog.indicator_map(con)
    if specs is not None:
        specs = tuple(specs)
        try:
            slides.validate(specs, inds)
        except slides.SlideError as exc:
            raise RegistryError(str(exc)) from None
    before_default = slides.stored(con) is None
    before = slides.sequence(con, inds)
    after = slides.DEFAULT if specs is None else specs
    if tuple(before) == tuple(after) and before_default == (specs is None):
        raise RegistryError("幻灯片顺序没有变化")

    def change() -> None:
        slides.save(con, specs, user)
        _record(con, user, "meeting", "slides", "edit", _slides_snapshot(before, before_default, inds),
                _slides_snapshot(after, specs is None, inds))

    _changed(con, change)


def changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every recorded change, newest first, with ``title`` (the object's name) and ``summary`` (what changed)."""
    log = queries.run(con, "registry_change_list")
    described = [describe_change(k, a, json.loads(b) if isinstance(b, str) else None,
                                 json.loads(f) if isinstance(f, str) else None)
                 for k, a, b, f in zip(log["object_kind"], log["action"], log["before_json"], log["after_json"],
                                       strict=True)]
    return log.assign(title=[d[0] for d in described], summary=[d[1] for d in described])
