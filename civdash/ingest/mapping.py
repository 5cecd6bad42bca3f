"""Mapping a column's header texts to a catalog indicator.

Headers name indicators in many ways: a leaf under a group (城市最低生活保障 › 户数), a leaf that says
it all (城市低保人数), with a unit (资金（万元）) or a period marker (1-6月资金, 当月资金) attached. The
group and the leaf are joined in every order-preserving combination, cleaned of units and markers, and
looked up in the catalog's normalised names and aliases; the longest combination that matches wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from civdash.domain.names import clean_header

_FILLERS = {"其中", "小计", "合计"}
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
    return found


def match_indicator(header: Sequence[str], table: Mapping[str, str]) -> str | None:
    """The indicator code ``header`` names, or None when no catalog name or alias fits."""
    for key in candidates(header):
        if key in table:
            return table[key]
    return None
