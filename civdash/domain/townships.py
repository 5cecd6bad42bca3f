"""The township registry and matching of the names people write to registered townships."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import duckdb

from civdash.domain.names import normalize_name
from civdash.domain.spreadsheet import formula_name_error
from civdash.store import queries, scope

SUFFIXES = ("街道办事处", "街道", "镇", "乡")
TOTAL_NAMES = ("合计", "总计", "全区", "全县", "全市", "总数")
# A subtotal of some townships (街道小计, 镇合计, 一、街道小计): neither a township nor the district's total.
# A group label carrying its townships' sums (一、街道 | 15 | 29) is one too.
_SUBTOTAL = re.compile(r"^(?:.{0,8}小计|(?:[一二三四五六七八九十]+)?(?:街道|镇|乡|乡镇|民族乡|城区|农村|城镇)(?:合计|总计)"
                       r"|[一二三四五六七八九十]+(?:街道|镇|乡|乡镇|民族乡|城区|农村|城镇)(?:部分|类)?)$")


@dataclass(frozen=True)
class Township:
    id: int
    name: str
    code: str | None
    type: str | None
    level: str
    sort_order: int


def short_name(name: str) -> str:
    """'城东街道' → '城东', '中塘镇' → '中塘'; unchanged when nothing would remain."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def register(
    con: duckdb.DuckDBPyConnection,
    name: str,
    code: str | None = None,
    type_: str | None = None,
    former_names: list[str] | None = None,
    level: str = "township",
    sort_order: int | None = None,
) -> int:
    """Add a township (or the district row) with its aliases; returns its id. A name starting like a spreadsheet
    formula (= + - @) is refused with a ValueError (Chinese message): it would be written into every form sent out."""
    refused = formula_name_error(name, "区县名称" if level == "district" else "乡镇（街道）名称")
    if refused:
        raise ValueError(refused)
    if sort_order is None:
        sort_order = queries.scalar(con, "township_next_order")
    tid = int(queries.scalar(con, "township_next_id"))
    queries.execute(con, "township_insert", id=tid, name=name, code=code, type=type_, level=level, sort_order=sort_order)
    aliases = [(normalize_name(name), "alias")]
    aliases += [(normalize_name(f), "former") for f in former_names or []]
    if level == "township":
        aliases.append((normalize_name(short_name(name)), "short"))
        aliases += [(normalize_name(short_name(f)), "former") for f in former_names or []]
    for alias, kind in aliases:
        add_alias(con, tid, alias, kind)
    return tid


def add_alias(con: duckdb.DuckDBPyConnection, township_id: int, name: str, kind: str = "alias") -> None:
    """Remember another name people write for a township (kept if the name is already taken)."""
    queries.execute(con, "township_alias_add", alias=normalize_name(name), township_id=township_id, kind=kind)


def seed_from_csv(con: duckdb.DuckDBPyConnection, path: Path, district_name: str, district_code: str) -> int:
    """Register the district row and every township of a code,name,type,former_names CSV."""
    register(con, district_name, code=district_code, type_="区县", level="district", sort_order=0)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for order, row in enumerate(rows, start=1):
        former = [n for n in (row.get("former_names") or "").split("|") if n]
        register(con, row["name"], code=row["code"] or None, type_=row["type"] or None,
                 former_names=former, sort_order=order)
    return len(rows)


def townships(con: duckdb.DuckDBPyConnection, include_district: bool = False) -> list[Township]:
    # the rows as Python tuples: no frame to build and iterate for a province's 1,500 townships
    rows = queries.execute(con, "township_list").fetchall()
    return [
        Township(id=int(id_), name=name, code=code if isinstance(code, str) else None,
                 type=type_ if isinstance(type_, str) else None, level=level, sort_order=int(sort_order))
        for id_, name, code, type_, level, sort_order in rows
        if include_district or level == "township"
    ]


def district(con: duckdb.DuckDBPyConnection) -> Township | None:
    for t in townships(con, include_district=True):
        if t.level == "district":
            return t
    return None


def district_name(con: duckdb.DuckDBPyConnection) -> str:
    d = district(con)
    return d.name if d else "全区"


def district_word(con: duckdb.DuckDBPyConnection) -> str:
    """'全区' or '全县', as the bureau's reports say it; for a township account's reading the township's own name
    (``civdash.store.scope``: its total is the township's, never the district's)."""
    d = district(con)
    if d is not None and d.type == scope.SCOPE_TYPE:
        return d.name
    name = district_name(con)
    return "全县" if name.endswith("县") else "全市" if name.endswith("市") else "全区"


def match_township(con: duckdb.DuckDBPyConnection, text: str) -> int | None:
    """The id of the township, or the district row, that ``text`` names (name, alias, former or short name), else
    None: ``TownshipMatcher.owner`` on the registry as it is now."""
    return TownshipMatcher(con).owner(text)


def suggest_townships(con: duckdb.DuckDBPyConnection, text: str, n: int = 3) -> list[str]:
    """Registered names closest to an unknown ``text``, for the error message."""
    names = [t.name for t in townships(con)]
    return get_close_matches(text.strip(), names, n=n, cutoff=0.3)


def is_total_row(text: str, district: str | None = None) -> bool:
    """True for a district-total row label: 合计, 总计, 全区, the district's own name, or one of those
    followed by 合计/总计 (全区合计, 黔江区合计)."""
    key = normalize_name(text)
    names = set(TOTAL_NAMES) | ({normalize_name(district)} if district else set())
    for suffix in ("合计", "总计"):
        if key.endswith(suffix) and key[: -len(suffix)] in names:
            return True
    return key in names


_NOTE = re.compile(r"\s*[（(][^（）()]*[)）]\s*$")
# the province, city and county written before a township's name: 重庆市黔江区城东街道, 南川区东城街道
_COUNTY_PREFIX = re.compile(r"^(?:[^省市区县]{1,8}(?:省|自治区|市))*[^省市区县]{1,6}?(?:自治县|区|县|旗)(?=.{2,}$)")
_OFFICE = re.compile(r"(?<=[街道镇乡])(?:办事处|人民政府|政府)\s*$")


def without_county(name: str) -> str:
    """'南川区东城街道' → '东城街道', '重庆市黔江区城东街道' → '城东街道'; other names unchanged."""
    key = normalize_name(name)
    rest = _COUNTY_PREFIX.sub("", key)
    return key if rest in SUFFIXES or rest == "乡镇" else rest


def is_subtotal_row(text: str) -> bool:
    """True for a row adding up some townships only: 小计, 街道小计, 镇合计 (a table's 合计 adds up all of them)."""
    return bool(_SUBTOTAL.match(normalize_name(text)))


class TownshipMatcher:
    """The registry read once, and the one rule by which a name people write is matched to it: the name normalised
    (``names.normalize_name``) is looked up among every township's names, aliases, former and short names; failing
    that, its short form (城东街道 → 城东) is."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        all_ = townships(con, include_district=True)
        self._names = {t.id: t.name for t in all_}
        self.names = [t.name for t in all_ if t.level == "township"]
        district_row = next((t for t in all_ if t.level == "district"), None)
        self.district_id = district_row.id if district_row else None
        self.district_name = district_row.name if district_row else None
        self._alias = {a: int(i) for a, i in queries.run(con, "township_alias_table").itertuples(index=False)}
        self._codes = {t.code.strip(): t.id for t in all_ if t.code and t.level == "township"}
        self._cache: dict[str, int | None] = {}

    def by_code(self, text: object) -> int | None:
        """The township whose 区划代码 ``text`` is (500114001; a 12-digit statistical code 500114001000 too)."""
        code = str(text).strip().removesuffix(".0")
        return self._codes.get(code) or (self._codes.get(code[:9]) if len(code) == 12 and code.endswith("000")
                                         else None)

    def owner(self, text: str) -> int | None:
        """The id of the township or district row known by ``text``, else None. A note in brackets after the name
        (舟白街道（含工业园区）) and the word for its office (冯家街道办事处, 黎水镇人民政府) are not part of it."""
        bare = _OFFICE.sub("", _NOTE.sub("", str(text)))
        for variant in dict.fromkeys((text, _NOTE.sub("", str(text)), bare, without_county(bare))):
            key = normalize_name(variant)
            if not key:
                continue
            found = self._alias.get(key)
            if found is None:
                found = self._alias.get(normalize_name(short_name(key)))
            if found is not None:
                return found
        return None

    def match(self, text: str) -> int | None:
        """The id of the township ``text`` names; None for an unknown name and for the district itself."""
        if text not in self._cache:
            found = self.owner(text)
            self._cache[text] = found if found != self.district_id else None
        return self._cache[text]

    def name_of(self, township_id: int) -> str:
        return self._names[township_id]
