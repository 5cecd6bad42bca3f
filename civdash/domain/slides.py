"""The 会议模式 slide sequence: which slides, about which indicators, in which order.

The shipped default is ``DEFAULT``; an administrator's sequence is stored in ``meeting_slides`` (every save kept, the
latest in force; a save of ``None`` returns to the default). Which of the sequence's slides a meeting shows for a
month depends on the data present (``civdash.analysis.meeting``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from civdash.domain.catalog import Indicator
from civdash.store import queries

# kind → (Chinese name, fewest and most indicators it takes)
KINDS: dict[str, tuple[str, int, int]] = {
    "headline": ("核心指标卡片", 1, 9),
    "trend": ("走势（近24个月）", 1, 4),
    "year_over_year": ("今年与去年对比", 1, 1),
    "ranking": ("乡镇排名", 1, 1),
    "targets": ("年度目标完成情况", 0, 0),
    "attention": ("重点关注", 0, 0),
}


class SlideError(ValueError):
    """A sequence that cannot be shown; the message is for the administrator (Chinese)."""


@dataclass(frozen=True)
class SlideSpec:
    """One slide of the sequence: its kind and the indicators (catalog codes) it shows."""

    kind: str
    codes: tuple[str, ...] = ()

    def describe(self, names: Mapping[str, str]) -> str:
        """'走势（近24个月）：城市低保人数、农村低保人数' (indicators by name)."""
        label = KINDS[self.kind][0]
        return f"{label}：{'、'.join(names.get(c, c) for c in self.codes)}" if self.codes else label


DEFAULT: tuple[SlideSpec, ...] = (
    SlideSpec("headline", ("dibao_urban_persons", "dibao_rural_persons", "tekun_persons", "dibao_rural_funds",
                           "temp_relief_funds", "aging_retrofit_households")),
    SlideSpec("trend", ("dibao_urban_persons", "dibao_rural_persons")),
    SlideSpec("year_over_year", ("dibao_rural_funds",)),
    SlideSpec("ranking", ("dibao_rural_persons",)),
    SlideSpec("targets"),
    SlideSpec("trend", ("app_registered_users",)),
    SlideSpec("attention"),
)
MOST_SLIDES = 20


def to_json(specs: Sequence[SlideSpec]) -> str:
    return json.dumps([{"kind": s.kind, "codes": list(s.codes)} for s in specs], ensure_ascii=False)


def from_json(text: str) -> tuple[SlideSpec, ...]:
    return tuple(SlideSpec(str(d["kind"]), tuple(str(c) for c in d.get("codes", ()))) for d in json.loads(text))


def validate(specs: Sequence[SlideSpec], indicators: Mapping[str, Indicator]) -> None:
    """Raise ``SlideError`` (Chinese) unless every slide is of a known kind with a fitting number of catalog
    indicators, a trend's lines share one unit, and the sequence holds 1 to ``MOST_SLIDES`` slides."""
    if not specs:
        raise SlideError("会议模式至少要有一页")
    if len(specs) > MOST_SLIDES:
        raise SlideError(f"会议模式最多{MOST_SLIDES}页")
    for n, spec in enumerate(specs, start=1):
        if spec.kind not in KINDS:
            raise SlideError(f"第{n}页的类型“{spec.kind}”不存在")
        label, fewest, most = KINDS[spec.kind]
        unknown = [c for c in spec.codes if c not in indicators]
        if unknown:
            raise SlideError(f"第{n}页（{label}）的指标不在指标目录中：{'、'.join(unknown)}")
        if len(set(spec.codes)) != len(spec.codes):
            raise SlideError(f"第{n}页（{label}）重复选了同一个指标")
        if not fewest <= len(spec.codes) <= most:
            need = "不选指标" if most == 0 else f"选{fewest}个指标" if fewest == most else f"选{fewest}至{most}个指标"
            raise SlideError(f"第{n}页（{label}）须{need}")
        units = {indicators[c].unit for c in spec.codes}
        if spec.kind == "trend" and len(units) > 1:
            raise SlideError(f"第{n}页（{label}）的指标单位不同（{'、'.join(sorted(units))}），不能画在一张图上")


def stored(con: duckdb.DuckDBPyConnection) -> tuple[SlideSpec, ...] | None:
    """The administrator's sequence, or None when none is saved (or the last save returned to the default)."""
    found = queries.run(con, "meeting_slides_current")
    if found.empty or not isinstance(found["slides"].iloc[0], str):
        return None
    return from_json(found["slides"].iloc[0])


def sequence(con: duckdb.DuckDBPyConnection, indicators: Mapping[str, Indicator]) -> tuple[SlideSpec, ...]:
    """The sequence in force: the stored one (indicators since removed from the catalog left out, a slide left
    without the indicators it needs dropped), else ``DEFAULT``."""
    specs = stored(con)
    if specs is None:
        return DEFAULT
    kept = []
    for spec in specs:
        codes = tuple(c for c in spec.codes if c in indicators)
        if spec.kind in KINDS and len(codes) >= KINDS[spec.kind][1]:
            kept.append(SlideSpec(spec.kind, codes))
    return tuple(kept) or DEFAULT


def save(con: duckdb.DuckDBPyConnection, specs: Sequence[SlideSpec] | None, user: str | None) -> None:
    """Store ``specs`` (None: back to the default) as the sequence in force; inside the caller's transaction."""
    queries.execute(con, "meeting_slides_save", slides=None if specs is None else to_json(specs), changed_by=user)
