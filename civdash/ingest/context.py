"""What reading an upload needs to know of the database, loaded once per upload.

The catalog (indicators, their names and aliases, the per-person pairs), the township registry with the
names people write for each township, the header mappings people confirmed earlier, and the choices made
for this upload (a month to use where a file names none, new townships allowed, mappings and 当月/累计
switches confirmed on the upload page). Extraction reads only this, never the database, so a sheet of a
million rows costs dictionary look-ups, not queries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches

import duckdb

from civdash.domain import catalog, rules
from civdash.domain.catalog import Indicator
from civdash.domain.names import normalize_name
from civdash.domain.rules import AuditRule, Formula
from civdash.domain.spreadsheet import formula_name_error, starts_like_formula
from civdash.domain.townships import TownshipMatcher, is_subtotal_row, is_total_row, without_county
from civdash.ingest import mapping
from civdash.store import queries

_TOWNSHIP_LIKE = re.compile(r"^.{1,8}(?:街道办事处|街道|镇|乡|民族乡)$")
_HEADER_WORDS = ("乡镇", "镇街", "名称", "单位")  # 乡镇（街道） is a column header, not a township
_AREA_WORDS = {"地区", "辖区", "区县", "县区", "市区", "城区", "县市区", "区域", "社区", "片区"}  # headers, not a district
_TITLE_DISTRICT = re.compile(r"^(?:[^省市区县]{1,8}(?:省|自治区|市))*([^省市区县]{1,6}?(?:自治县|区|县|旗))(?=\d{4}年|二〇)")
_DISTRICT_LIKE = re.compile(r"^(.{1,8}?(?:自治县|区|县|市|旗))(?:合计|总计)?$")


@dataclass(frozen=True)
class Options:
    """Choices for one upload, from the command line or the upload page."""

    period: date | None = None  # the month where a file names none
    allow_new_townships: bool = False
    # header key (' › '-joined header texts, or an indicator name in a long table) → indicator code, None = ignore
    mappings: Mapping[str, str | None] = field(default_factory=dict)
    # 'file › sheet' → True (year-to-date) / False (the month's own) for flow columns without a marker
    ytd: Mapping[str, bool] = field(default_factory=dict)
    # an unknown township name as written → the registered township a person said it is (kept as its alias on commit)
    accepted_matches: Mapping[str, int] = field(default_factory=dict)
    # unknown township names a person chose to register as new townships (all of them: ``allow_new_townships``)
    register_townships: frozenset[str] = frozenset()
    # the district's name, registered with the upload when no district is registered yet and no total row names it
    district_name: str | None = None
    # read hidden sheets, rows and columns too (by default they are left out, and the sheet says which)
    include_hidden: bool = False


def header_key(header: Sequence[str]) -> str:
    """How a column's header texts are remembered: '城市低保 › 人数'."""
    return " › ".join(header)


def layout_signature(keys: Sequence[str]) -> str:
    """A sheet layout's identity: a hash of its columns' header keys in order."""
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


class Context:
    """The catalog, the registry and the choices an upload is read with."""

    def __init__(self, con: duckdb.DuckDBPyConnection, options: Options | None = None) -> None:
        self.options = options or Options()
        self.indicators: dict[str, Indicator] = catalog.indicator_map(con)
        self.aliases: dict[str, str] = catalog.alias_table(con)
        self.per_person: list[tuple[str, str]] = [(d.numerator, d.denominator) for d in catalog.derived_indicators()
                                                  if d.numerator in self.indicators and d.denominator in self.indicators]
        self.townships = TownshipMatcher(con)
        self.rules, self.formulas, self.broken_rules = self._rules(con)
        self.builtin_rules: dict[str, AuditRule] = {}
        for rule in self.rules:
            if rule.builtin and rule.enabled:
                self.builtin_rules.setdefault(rule.builtin, rule)
        self.remembered: dict[str, dict[str, str | None]] = {}
        for sig, header, code in queries.run(con, "header_mapping_list").itertuples(index=False):
            self.remembered.setdefault(sig, {})[header] = code if isinstance(code, str) else None
        self.new_townships: dict[str, int] = {}  # name as written → provisional id (negative) until committed
        self.accepted: dict[str, int] = {}  # accepted matches this upload used: name as written → township id
        self.unknown: dict[str, list[str]] = {}  # unknown township names → the closest registered names
        self.new_district: str | None = None
        if self.townships.district_name is None and self.options.district_name:
            self.new_district = self.options.district_name.strip() or None
        self._indicator_cache: dict[tuple[str, ...], str | None] = {}
        self._total_cache: dict[str, bool] = {}
        self._township_like_cache: dict[str, bool] = {}

    def _rules(self, con: duckdb.DuckDBPyConnection) -> tuple[list[AuditRule], list[tuple[AuditRule, Formula, list[str]]],
                                                             list[tuple[AuditRule, str]]]:
        """The audit rules in force; their formulas parsed (with the indicators x stands for); the ones that no
        longer parse (an indicator renamed away since), with why."""
        names = self.aliases | {code: code for code in self.indicators}
        found = rules.rules(con)
        formulas, broken = [], []
        for rule in found:
            if not rule.enabled or rule.builtin:
                continue
            try:
                each = rules.selection(rule, self.indicators, names)
                formulas.append((rule, rules.parse_formula(rule.expression, names, each_allowed=bool(each)), each))
            except rules.RuleError as exc:
                broken.append((rule, str(exc)))
        return found, formulas, broken

    # --- indicators ----------------------------------------------------------------------------------------------

    def indicator_for(self, header: Sequence[str], signature: str | None = None, context: str = "") -> str | None:
        """The indicator a column header (or a long table's indicator name) stands for; None when unmapped.

        A mapping confirmed for this upload wins, then one remembered for the same layout, then the catalog — the
        header alone, else read with ``context`` (the sheet's title, its name and the file's) as its group: 低保户数
        under a title “…城市居民最低生活保障统计表” is 城市低保户数.
        """
        key = header_key(header)
        chosen = self.options.mappings
        if key in chosen:
            return chosen[key]
        if signature is not None and key in self.remembered.get(signature, {}):
            return self.remembered[signature][key]
        cache_key = (*header, "\x00", context)
        if cache_key not in self._indicator_cache:
            self._indicator_cache[cache_key] = mapping.match_indicator(header, self.aliases) or (
                mapping.match_in_context(header, self.aliases, context) if context else None)
        return self._indicator_cache[cache_key]

    def is_indicator(self, text: str) -> bool:
        return bool(text) and self.indicator_for((text,)) is not None

    # --- townships -----------------------------------------------------------------------------------------------

    @property
    def district_name(self) -> str | None:
        return self.townships.district_name or self.new_district

    def is_total(self, text: str) -> bool:
        if text not in self._total_cache:
            self._total_cache[text] = is_total_row(text, self.townships.district_name) or (
                self.townships.district_name is None and self.townships.match(text) is None
                and normalize_name(text) not in _AREA_WORDS and bool(_DISTRICT_LIKE.match(normalize_name(text))))
        return self._total_cache[text]

    def is_subtotal(self, text: str) -> bool:
        """A row of some townships only (街道小计, 镇合计), unless a registered township is called so."""
        return is_subtotal_row(text) and self.townships.match(text) is None

    def looks_like_township(self, text: str) -> bool:
        """A registered township, or a name shaped like one (…街道/镇/乡), so a form is recognised before its
        unknown names are reported."""
        if text not in self._township_like_cache:
            key = normalize_name(text)
            self._township_like_cache[text] = self.townships.match(text) is not None or (
                bool(_TOWNSHIP_LIKE.match(key)) and not any(w in key for w in _HEADER_WORDS))
        return self._township_like_cache[text]

    def township_id(self, text: str) -> int | None:
        """A registered township's id, or the one a person accepted for this name; for a name to register (or
        any name, with new townships allowed), a provisional (negative) id; else None."""
        found = self.townships.match(text)
        if found is not None:
            return found
        name = text.strip()
        if name in self.options.accepted_matches:
            self.accepted[name] = self.options.accepted_matches[name]
            return self.accepted[name]
        if (self.options.allow_new_townships or name in self.options.register_townships) \
                and not starts_like_formula(name):  # never registered: see unknown_township
            bare = without_county(name)  # 南川区东城街道 is registered as 东城街道
            name = bare if bare != normalize_name(name) else name
            return self.new_townships.setdefault(name, -(len(self.new_townships) + 1))
        return None

    def township_by_code(self, text: object) -> int | None:
        """The registered township a 区划代码 cell names, else None."""
        return self.townships.by_code(text)

    def unknown_township(self, text: str) -> str:
        """The error for a township name that is not registered, with the closest registered names; the name is
        recorded in ``unknown`` so that the upload page can offer them."""
        name = text.strip()
        refused = formula_name_error(name, "乡镇（街道）名称")
        if refused:
            return refused
        near = self.unknown.setdefault(name, self.suggestions(name))
        hint = f"，最接近的已登记乡镇：{'、'.join(near)}" if near else ""
        return f"未登记的乡镇（街道）“{name}”{hint}；如为新乡镇，请先登记或允许新增乡镇"

    def district_id(self) -> int | None:
        return self.townships.district_id

    def note_district(self, total_label: str) -> None:
        """With new townships allowed and no district registered, a total row naming the district registers it."""
        if self.townships.district_name is None and self.options.allow_new_townships and self.new_district is None:
            m = _DISTRICT_LIKE.match(normalize_name(total_label))
            if m:
                self.new_district = m.group(1)

    def note_district_from_title(self, title_lines: Sequence[str]) -> None:
        """On a first upload with no total row naming it, a title that begins with the district registers it:
        “黔江区2026年11月城市低保统计表”, “重庆市黔江区2026年…” → 黔江区."""
        if self.townships.district_name is not None or self.new_district is not None \
                or not self.options.allow_new_townships:
            return
        for line in title_lines:
            m = _TITLE_DISTRICT.match(normalize_name(line))
            if m:
                self.new_district = m.group(1)
                return

    def suggestions(self, text: str, n: int = 3) -> list[str]:
        """The registered names closest to an unknown one; a name it begins with first (冯家街道 for
        冯家街道办事处社区服务中心)."""
        key = normalize_name(text)
        prefix = sorted((t for t in self.townships.names if key.startswith(normalize_name(t))), key=len, reverse=True)
        close = get_close_matches(text.strip(), self.townships.names, n=n, cutoff=0.3)
        return list(dict.fromkeys(prefix + close))[:n]

    def township_name(self, township_id: int) -> str:
        if township_id < 0:
            return next(name for name, i in self.new_townships.items() if i == township_id)
        return self.townships.name_of(township_id)
