"""Mapping a column's header texts to a catalog indicator.

Headers name indicators in many ways: a leaf under a group (城市最低生活保障 › 户数), a leaf that says
it all (城市低保人数), with a unit (资金（万元）) or a period marker (1-6月资金, 当月资金) attached. The
group and the leaf are joined in every order-preserving combination, cleaned of units and markers, and
looked up in the catalog's normalised names and aliases; the longest combination that matches wins.

A header that names nothing alone (低保户数, 资金) is read with the table's context — its title, the sheet's name, the
file's name — as its group: the catalog name or alias that ends with the header and whose beginning the context
holds (城市低保户数: 城市 in “黔江区城市居民最低生活保障统计表”). When two indicators fit equally, neither is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from civdash.domain.names import clean_header, normalize_name

_FILLERS = {"其中", "小计", "合计"}
_SAME_MONEY = (("金额", "资金"), ("资金", "金额"))
MAX_HEADER_LEVELS = 4


def candidates(header: Sequence[str]) -> list[str]:
    """Cleaned texts to look up, most specific first: joined group+leaf combinations, then single texts."""
    # A header has at most a few levels; the lowest ones say most. Bounded, so that rows taken for header rows by
    # mistake cannot make the combinations explode.
    parts = [p for p in (clean_header(h) for h in header) if p and p not in _FILLERS][-MAX_HEADER_LEVELS:]
    found: list[str] = []
    for size in range(len(parts), 0, -1):
        for combo in combinations(parts, size):
            if combo[-1] != parts[-1]:
                continue  # the leaf (lowest header) always takes part in a combination
            joined = "".join(combo)
            if joined not in found:
                found.append(joined)
    # 金额 and 资金 name the same money (特困人员 › 金额 is 特困人员资金): each spelling is tried after the one written
    for key in list(found):
        for a, b in _SAME_MONEY:
            if key.endswith(a) and (other := key[: -len(a)] + b) not in found:
                found.append(other)
    return found


def match_indicator(header: Sequence[str], table: Mapping[str, str]) -> str | None:
    """The indicator code ``header`` names, or None when no catalog name or alias fits."""
    for key in candidates(header):
        if key in table:
            return table[key]
    return None


_CONTEXT_FILLERS = ("居民", "对象", "人员")  # 城市居民最低生活保障 is written for 城市最低生活保障


def match_in_context(header: Sequence[str], table: Mapping[str, str], context: str) -> str | None:
    """The indicator ``header`` names read under ``context`` (see the module's docstring), or None."""
    text = normalize_name(context)
    folded = text
    for filler in _CONTEXT_FILLERS:
        folded = folded.replace(filler, "")
    short = folded.replace("最低生活保障", "低保")  # the catalog's short form, as in 城市低保资金总支出
    for key in candidates(header):
        best: dict[str, int] = {}
        for alias, code in table.items():
            if len(alias) > len(key) and alias.endswith(key):
                prefix = alias[: -len(key)]
                if prefix in text or prefix in folded or prefix in short:
                    best[code] = max(best.get(code, 0), len(prefix))
        if best:
            longest = max(best.values())
            codes = [c for c, n in best.items() if n == longest]
            return codes[0] if len(codes) == 1 else None
    return None
