"""汇报材料: the figures paragraphs of a monthly / quarterly work report, written from stored data.

A report covers one period (``ReportPeriod``: a month, a quarter, or 1–N月 year to date) and a choice of sections,
which are the catalog's categories in catalog order. Every value comes from ``civdash.analysis.metrics`` (``compare`` and
``series``), so the aggregation is the catalog's: stocks at the period's last month summed over townships, flows
summed, levels averaged (weighted where the catalog says).

Sentences, per section (one paragraph each: stocks, then levels, then flows; indicators in catalog order):

- stocks   截至2025年6月底，全区共有城市低保对象1030户1664人，较上月减少7人，同比下降3.0%；共有…。
           The base of the absolute change is 上月 (month), 上季度末 (quarter) or 年初 (1–N月: December of the year
           before).
- levels   全区城市低保平均保障标准为695.11元/人·月，环比持平，同比提高3.5%。 (1–N月: 同比 only)
- flows    6月，全区发放城市低保资金88.95万元，环比增长1.2%，同比增长3.7%；…。
           二季度，…；1-6月，全区累计发放…，同比增长…。 (1–N月: year to date, 同比 only)

Phrasing rules are data: ``data/report_phrases.csv`` gives each indicator a template (``{value}`` the figure with its
unit, ``{cum}`` 累计 in a 1–N月 report), an optional ``group`` whose members read as one figure ("1030户1664人",
members in catalog order), and ``compare`` marking the member whose change is stated. An indicator without a row
reads "{name}为{value}" (flows: "{name}累计为{value}" in a 1–N月 report).

Rounding (half up, 四舍五入, via ``units.round_half_up``):

- amounts in 元 are written in 万元 with two decimals, always (532.10万元, 532.00万元: the house style of
  ``units.format_value``, the same in the text, the appendix and the Word document); a non-zero amount under 50元
  (which would read 0.00万元) is written in 元, trailing zeros dropped (30元, 12.5元);
- other units with the catalog's decimals (head-counts 0), trailing zeros dropped; no thousands separators;
- relative changes (同比, 环比) in percent with one decimal (3.0%): 增长/下降 (levels 提高/降低), and 持平 when the rounded
  percentage is 0.0; absolute changes (较上月) rounded like the value: 增加/减少, 与上月持平 when the rounded change is 0.
- No sentence for an indicator without a value in the period; no comparison where its base is missing (or 0 for a
  relative change).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from civdash.analysis import marks, metrics
from civdash.domain import catalog, times, townships
from civdash.domain.periods import add_months, bucket_start, month_label, partial_months, ytd_label, ytd_missing
from civdash.domain.units import display_unit, round_half_up, to_display
from civdash.store.paths import DATA_DIR

PHRASES_CSV = DATA_DIR / "report_phrases.csv"

ReportKind = Literal["month", "quarter", "ytd"]
KINDS: dict[str, str] = {"month": "月度", "quarter": "季度", "ytd": "1-N月累计"}

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (for 一、二、… and 二季度)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[units] if units else "")


class ReportRefused(ValueError):
    """The report cannot be written (no data for the period, an unknown section); the message is Chinese."""


@dataclass(frozen=True)
class ReportPeriod:
    """A report's period: ``month`` is the month (month), the quarter's last month (quarter) or the last month of
    1–N月 (ytd). Build with ``ReportPeriod.of`` to have a quarter normalised to its last month."""

    kind: ReportKind
    month: date
    first: date | None = None  # 1-N月: the first month of the year with data, when not January (set by ``build``)

    @classmethod
    def of(cls, kind: str, month: date) -> ReportPeriod:
        if kind not in KINDS:
            raise ValueError(f"unknown report kind {kind!r}")
        month = date(month.year, month.month, 1)
        if kind == "quarter":
            month = add_months(bucket_start(month, "quarter"), 2)
        return cls(kind, month)  # type: ignore[arg-type]

    @property
    def start(self) -> date:
        """The first month the period covers."""
        if self.kind == "month":
            return self.month
        if self.kind == "quarter":
            return bucket_start(self.month, "quarter")
        return date(self.month.year, 1, 1)

    @property
    def quarter(self) -> int:
        return (self.month.month - 1) // 3 + 1

    def label(self) -> str:
        """'2025年6月', '2025年第二季度', '2025年1-6月' (title and file names)."""
        if self.kind == "quarter":
            return f"{self.month.year}年第{chinese_number(self.quarter)}季度"
        return f"{self.month.year}年{self.short()}"

    def short(self) -> str:
        """'6月', '二季度', '1-6月' (the lead of flow sentences)."""
        if self.kind == "month" or self.month.month == 1:
            return f"{self.month.month}月"
        if self.kind == "quarter":
            return f"{chinese_number(self.quarter)}季度"
        return ytd_label(self.month, self.first)


# --- numbers as written ----------------------------------------------------------------------------------------------

def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def number_text(value: float, decimals: int) -> str:
    """``value`` rounded half up to ``decimals``, trailing zeros dropped, no separators: 532.10 → '532.1'."""
    rounded = round_half_up(float(value), decimals)
    text = _trim(f"{rounded:.{decimals}f}")
    return "0" if text in ("-0", "") else text


def _decimals(unit: str, decimals: int) -> int:
    return 2 if display_unit(unit) != unit else decimals


def value_text(value: float, unit: str, decimals: int) -> str:
    """A base-unit value as a report writes it, with its unit: '532.10万元', '1664人', '695.11元/人·月'."""
    shown = to_display(value, unit)
    assert shown is not None
    shown_unit = display_unit(unit)
    if shown_unit != unit:
        if value != 0 and round_half_up(shown, 2) == 0:
            return f"{number_text(value, 2)}{unit}"  # 30元, not 0.00万元
        return f"{money_text(shown)}{shown_unit}"
    return f"{number_text(shown, decimals)}{shown_unit}"


def money_text(amount: float) -> str:
    """An amount in 万元 as written: two decimals, always (532.1 → '532.10'); no separators."""
    text = f"{round_half_up(float(amount), 2):.2f}"
    return "0.00" if text == "-0.00" else text


def _valid(x: object) -> bool:
    return x is not None and not (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))


def relative_text(prefix: str, value: float, base: float | None, level: bool = False) -> str | None:
    """'同比增长3.2%', '环比下降0.5%', '同比持平' (levels: 提高/降低); None when there is no base (or it is 0)."""
    if not _valid(base) or not _valid(value) or base == 0:
        return None
    pct = round_half_up((value - base) * 100 / abs(base), 1)  # (2005 - 2000) * 100 / 2000 is exactly 0.25 → 0.3
    if pct == 0:
        return f"{prefix}持平"
    up, down = ("提高", "降低") if level else ("增长", "下降")
    return f"{prefix}{up if pct > 0 else down}{abs(pct):.1f}%"


def absolute_text(base_label: str, value: float, base: float | None, unit: str, decimals: int) -> str | None:
    """'较上月增加7人', '较年初减少12户', '与上月持平' (the change rounded as the value is); None without a base."""
    if not _valid(base) or not _valid(value):
        return None
    change = float(value) - float(base)
    shown = to_display(change, unit)
    assert shown is not None
    if round_half_up(shown, _decimals(unit, decimals)) == 0:
        return f"与{base_label}持平"
    return f"较{base_label}{'增加' if change > 0 else '减少'}{value_text(abs(change), unit, decimals)}"


# --- phrasing rules ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phrase:
    template: str
    group: str | None = None
    compare: bool = True


def load_phrases(path: Path = PHRASES_CSV) -> dict[str, Phrase]:
    """Phrasing rules by indicator code (``data/report_phrases.csv``)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["code"]: Phrase(r["template"], r.get("group") or None, (r.get("compare") or "") == "1")
                for r in csv.DictReader(f)}


def default_phrase(ind: catalog.Indicator) -> Phrase:
    """The rule of an indicator without a row in the phrases table: its catalog name and unit."""
    return Phrase(f"{ind.name}{{cum}}为{{value}}" if ind.kind == "flow" else f"{ind.name}为{{value}}")


# --- the report ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One number of the report with where it came from: base-unit values of the period and of its bases."""

    code: str
    name: str
    kind: str
    unit: str  # base unit (元 …); ``shown_unit`` is the unit written
    decimals: int
    period: str  # '2025年1-6月'
    value: float
    text: str  # '889.48万元'
    last_month: date
    prev_label: str | None  # '上月', '上季度末', '年初' (stocks), '上月' / '上季度' (环比); None in 1-N月 for flows
    prev_value: float | None
    yoy_value: float | None
    change: str | None  # '较上月减少7人' / '环比增长1.2%'
    yoy: str | None  # '同比下降3.0%'
    mark: str = ""  # '新华乡未报送，数据不全；增减按同口径计算' (``marks.sentence_mark``)

    @property
    def shown_unit(self) -> str:
        return display_unit(self.unit)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a paragraph and the figures it states (every number in ``text`` comes from one of them)."""

    text: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Section:
    category: str
    heading: str  # '一、社会救助'
    sentences: tuple[Sentence, ...]

    @property
    def paragraph(self) -> str:
        return "".join(s.text for s in self.sentences)

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(f for s in self.sentences for f in s.figures)


@dataclass(frozen=True)
class Report:
    title: str  # '黔江区民政工作主要数据（2025年1-6月）'
    district: str
    period: ReportPeriod
    made_on: date
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(f for s in self.sections for f in s.figures)

    @property
    def date_line(self) -> str:
        return f"生成日期：{self.made_on.year}年{self.made_on.month}月{self.made_on.day}日"


def sections_available(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The report's possible sections: the catalog's categories in catalog order."""
    return catalog.categories(catalog.indicators(con))


def build(
    con: duckdb.DuckDBPyConnection,
    period: ReportPeriod,
    sections: Sequence[str] | None = None,
    made_on: date | None = None,
    phrases: dict[str, Phrase] | None = None,
) -> Report:
    """The report for ``period`` and ``sections`` (None: every category). Raises ``ReportRefused``."""
    inds = catalog.indicators(con)
    known = catalog.categories(inds)
    chosen = list(known) if sections is None else list(dict.fromkeys(sections))
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ReportRefused(f"未知的栏目：{'、'.join(unknown)}（可选：{'、'.join(known)}）")
    if not chosen:
        raise ReportRefused("请至少选择一个栏目")
    chosen = [c for c in known if c in chosen]
    covered = _covered_months(con, period)
    if period.kind == "ytd":
        period = replace(period, first=covered[0])  # a year whose data start after January is labelled as it is
    partial = partial_months(period.month, "quarter", covered[0], covered[-1]) if period.kind == "quarter" else ""
    label = period.label() + partial
    phrases = load_phrases() if phrases is None else phrases
    word = townships.district_word(con)
    selected = [i for i in inds if i.category in chosen]
    rows = _values(con, period, [i.code for i in selected])
    figures = {i.code: f for i in selected if (f := _figure(i, rows, period, label)) is not None}
    out = []
    for category in chosen:
        part = [i for i in selected if i.category == category and i.code in figures]
        sentences = _sentences(part, figures, phrases, period, covered[-1], word, partial)
        if sentences:
            out.append(Section(category, f"{chinese_number(len(out) + 1)}、{category}", tuple(sentences)))
    if not out:
        raise ReportRefused(f"所选栏目在{label}没有数据：{'、'.join(chosen)}")
    district = townships.district_name(con)
    notes = _notes(con, covered[-1])
    if period.kind == "ytd" and (missing := ytd_missing(period.month, covered[0])):
        notes = (f"注：本年累计数自{covered[0].month}月起{missing}。", *notes)
    return Report(f"{district}民政工作主要数据（{label}）", district, period, made_on or times.today_beijing(), tuple(out),
                  notes)


def _covered_months(con: duckdb.DuckDBPyConnection, period: ReportPeriod) -> list[date]:
    """The period's months with data (refused when the period's data are missing)."""
    months = sorted(metrics.available_months(con))
    latest = f"（最新数据为{month_label(months[-1])}）" if months else "（数据库中还没有数据）"
    if period.kind == "quarter":
        covered = [m for m in months if period.start <= m <= period.month]
        if not covered:
            raise ReportRefused(f"{period.label()}没有数据{latest}")
        return covered
    if period.month not in months:
        raise ReportRefused(f"{month_label(period.month)}没有数据{latest}")
    return [m for m in months if period.start <= m <= period.month]


def _notes(con: duckdb.DuckDBPyConnection, month: date) -> tuple[str, ...]:
    missing = metrics.not_reported(con, month)
    if not missing:
        return ()
    return (f"注：{month_label(month)}{marks.township_list(missing)}未报送数据，文中标注“数据不全”的数字不含其数据，"
            "增减按同口径（除去未报送乡镇）计算。",)


def _values(con: duckdb.DuckDBPyConnection, period: ReportPeriod, codes: list[str]) -> pd.DataFrame:
    """value, prev_value (the base of the 上期 comparison), yoy_value and last_month per indicator code."""
    if not codes:
        return pd.DataFrame(columns=["value", "prev_value", "yoy_value", "last_month"])
    grain = "quarter" if period.kind == "quarter" else "month"
    # 1–N月: stocks compare with the start of the year (December before); flows and levels only 同比.
    december = date(period.month.year - 1, 12, 1) if period.kind == "ytd" else None
    return metrics.compare(con, codes, period.month, grain, ytd=period.kind == "ytd", prev=december
                           ).set_index("indicator_code")


def _figure(ind: catalog.Indicator, rows: pd.DataFrame, period: ReportPeriod, label: str) -> Figure | None:
    if ind.code not in rows.index or not _valid(rows.at[ind.code, "value"]):
        return None
    row = rows.loc[ind.code]
    value = float(row["value"])
    prev = float(row["prev_value"]) if _valid(row["prev_value"]) else None
    yoy = float(row["yoy_value"]) if _valid(row["yoy_value"]) else None
    # each change compares like with like (metrics.compare): the period's figure on the base's basis
    prev_now, yoy_now = float(row["prev_now"]), float(row["yoy_now"])
    ytd = period.kind == "ytd"
    mom_without = tuple(row["mom_without"])
    if ind.kind == "stock":
        prev_label = {"month": "上月", "quarter": "上季度末", "ytd": "年初"}[period.kind]
        change = absolute_text(prev_label, prev_now, prev, ind.unit, ind.decimals)
    elif ytd:
        prev_label, prev, change, mom_without = None, None, None, ()
    else:
        prev_label = "上月" if period.kind == "month" else "上季度"
        change = relative_text("环比", prev_now, prev, level=ind.kind == "level")
    yoy_text = relative_text("同比", yoy_now, yoy, level=ind.kind == "level")
    mark = marks.sentence_mark(tuple(row["missing"]), mom_without if change else (),
                               tuple(row["yoy_without"]) if yoy_text else ())
    return Figure(
        code=ind.code, name=ind.name, kind=ind.kind, unit=ind.unit, decimals=ind.decimals, period=label, value=value,
        text=value_text(value, ind.unit, ind.decimals), last_month=pd.Timestamp(row["last_month"]).date(),
        prev_label=prev_label, prev_value=prev, yoy_value=yoy, change=change, yoy=yoy_text, mark=mark,
    )


def _sentences(
    inds: list[catalog.Indicator], figures: dict[str, Figure], phrases: dict[str, Phrase], period: ReportPeriod,
    as_of: date, word: str, partial: str = "",
) -> list[Sentence]:
    """The section's sentences: stocks, levels, flows (each kind one sentence, clauses joined by '；'); ``partial``:
    the months a quarter the data do not fill holds ('（10-11月）'), said in the flows' lead."""
    out = []
    for kind in ("stock", "level", "flow"):
        clauses = _clauses([i for i in inds if i.kind == kind], figures, phrases, period, as_of)
        if not clauses:
            continue
        if kind == "stock":
            lead = f"截至{as_of.year}年{as_of.month}月底，{word}"
        elif kind == "level":
            lead = word
        else:
            lead = f"{period.short()}{partial}，{word}"
        text = lead + "；".join(text for text, _ in clauses) + "。"
        out.append(Sentence(text, tuple(f for _, fs in clauses for f in fs)))
    return out


def _clauses(
    inds: list[catalog.Indicator], figures: dict[str, Figure], phrases: dict[str, Phrase], period: ReportPeriod,
    as_of: date,
) -> list[tuple[str, list[Figure]]]:
    """One clause per indicator, or per group of indicators (one figure '1030户1664人'), in catalog order."""
    groups: dict[str, list[catalog.Indicator]] = {}
    for ind in inds:
        phrase = phrases.get(ind.code) or default_phrase(ind)
        groups.setdefault(phrase.group or f"\0{ind.code}", []).append(ind)
    out = []
    for members in groups.values():
        rules = [phrases.get(i.code) or default_phrase(i) for i in members]
        figs = [figures[i.code] for i in members]
        leader = next((f for f, r in zip(figs, rules, strict=True) if r.compare), figs[-1])
        cum = "累计" if period.kind == "ytd" and members[0].kind == "flow" else ""
        clause = rules[0].template.format(value="".join(f.text for f in figs), cum=cum)
        if leader.last_month != as_of and leader.kind != "flow":  # a stock or level not reported in the last month
            clause += f"（{month_label(leader.last_month)}数）"
        clause += "".join(f"，{c}" for c in (leader.change, leader.yoy) if c)
        out.append((clause, figs))
    # an incomplete figure or a change on fewer townships is said: once after the sentence's last clause when every
    # clause carries the same mark, else after each clause that does
    marked = [next((f.mark for f in figs if f.mark), "") for _, figs in out]
    if len(set(marked)) == 1 and marked[0]:
        text, figs = out[-1]
        out[-1] = (f"{text}（以上{marked[0]}）", figs)
    else:
        out = [(f"{text}（{m}）" if m else text, figs) for (text, figs), m in zip(out, marked, strict=True)]
    return out


# --- renderings ---------------------------------------------------------------------------------------------------------

def to_text(report: Report) -> str:
    """Plain text: title, date, section headings and paragraphs, notes (the appendix is in .md and .docx)."""
    lines = [report.title, report.date_line, ""]
    for s in report.sections:
        lines += [s.heading, s.paragraph, ""]
    lines += list(report.notes)
    return "\n".join(lines).rstrip("\n")


APPENDIX_TITLE = "附表：主要数据"
APPENDIX_HEADER = ("指标", "单位", "本期", "上期", "上年同期", "变化")


def appendix_rows(report: Report) -> list[tuple[str, str, str, str, str, str]]:
    """The table of figures used: 指标, 单位, 本期, 上期 (with its label), 上年同期, 变化 (the comparisons)."""
    rows = []
    for f in report.figures:
        def shown(v: float | None, f: Figure = f) -> str:
            return "—" if v is None else value_text(v, f.unit, f.decimals).removesuffix(f.shown_unit)
        prev = "—" if f.prev_value is None else f"{shown(f.prev_value)}（{f.prev_label}）"
        changes = "，".join(c for c in (f.change, f.yoy, f.mark) if c) or "—"
        rows.append((f.name, f.shown_unit, shown(f.value), prev, shown(f.yoy_value), changes))
    return rows


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(report: Report) -> str:
    """Markdown: '# title', the date, '## 一、社会救助' sections, notes, and the appendix as a table."""
    lines = [f"# {report.title}", "", report.date_line, ""]
    for s in report.sections:
        lines += [f"## {s.heading}", "", s.paragraph, ""]
    for note in report.notes:
        lines += [note, ""]
    lines += [f"## {APPENDIX_TITLE}", "", "| " + " | ".join(APPENDIX_HEADER) + " |",
              "|" + "|".join([" --- "] * 2 + [" ---: "] * 3 + [" --- "]) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in appendix_rows(report)]
    return "\n".join(lines) + "\n"


def file_name(report: Report, extension: str) -> str:
    """'黔江区民政工作主要数据_2025年1-6月.docx'."""
    label = report.title.removeprefix(f"{report.district}民政工作主要数据（").removesuffix("）")
    stem = f"{report.district}民政工作主要数据_{label}"
    return re.sub(r'[\\/:*?"<>|\s（）()]+', "_", stem).strip("_") + "." + extension
