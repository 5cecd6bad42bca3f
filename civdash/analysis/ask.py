"""问数: a question in Chinese read exactly against the catalog, the township registry and the period grammar, and
answered from the database — never a guess.

Reading (``read``) is a longest-match scan of the question over known vocabularies; nothing is learnt or guessed:

- periods first (``_PERIOD_SPAN`` finds them, ``periods.find_period`` reads each; relative words — 上个月, 本月, 今年,
  去年, 近三个月, 去年同期, 本季度 — resolve against ``today``). No period: the latest month with data.
- then, at each position, the longest word of: the synonym list ``data/ask_synonyms.csv`` (catalog names and aliases
  plus everyday words; an admin edits it), the catalog's aliases as stored (admins' own), the derived per-person
  figures, every township name, alias, short and former name (resolved by the one ``TownshipMatcher``), the district
  words (全区, 全县, 全市, 全区合计, the district's name), and the words of measures, comparisons, rankings, targets
  and the small words of a question (多少, 是, 了, 呢 …).
- a synonym is an ``indicator`` (one code), a ``pair`` (codes summed where the units agree: 城乡低保人数), a
  ``choice`` (a word that could mean several: asked back), a ``subject`` (低保, 临时救助, 五保户 …: made an indicator by a
  ``facet`` word of the question — 人数, 户, 资金, 发了, 人次, 标准 —, else asked back) or a ``facet``.
- what is left over is named in a refusal (没有找到“福利彩票销售额”对应的指标) with the nearest catalog names; a
  two-or-three-character word one character off a single township's short name is read as that township (the chip
  shows it); one close to several is asked back.

Answering (``answer``) uses ``civdash.analysis.metrics`` only: ``compare`` for a month, a quarter or 1–N月 (value,
同比/环比 like for like, the townships missing), ``over_range`` + ``missing`` for other spans, ``township_values`` for
rankings, ``derived_values`` for 人均/户均, ``target_progress`` for 完成率. The sentence is written in the 汇报材料's
number style (``report.value_text``: 万元 with two decimals) with the honest-totals marks of ``analysis.marks``.
"""

from __future__ import annotations

import csv
import difflib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from civdash.analysis import marks, metrics
from civdash.analysis.report import absolute_text, chinese_number, relative_text, value_text
from civdash.domain import catalog, periods, times, townships
from civdash.domain.names import normalize_name
from civdash.domain.periods import Grain, add_months, find_period, month_key, month_start, parse_month
from civdash.store import queries, scope
from civdash.store.paths import DATA_DIR

SYNONYMS_CSV = DATA_DIR / "ask_synonyms.csv"
MEANINGS = ("indicator", "pair", "choice", "subject", "facet")
FACETS = {"persons": "人数", "households": "户数", "funds": "资金", "standard": "标准", "cases": "人次"}
MEASURES = {"value": "多少", "per_person": "人均", "per_household": "户均", "monthly_average": "月均"}
COMPARISONS = {"": "不比较", "yoy": "同比", "mom": "环比"}
RANKINGS = {"": "不排名", "top:1": "最多", "bottom:1": "最少", "top:3": "前三", "top:5": "前五", "rank": "排第几",
            "all": "全部排名"}
TARGETS = {"": "不看目标", "progress": "目标完成情况"}
CHIP_KINDS = ("indicator", "township", "period", "measure", "comparison", "ranking", "target")

# --- vocabularies of the question's small words --------------------------------------------------------------------

_DISTRICT_WORDS = ("全区合计", "全县合计", "全市合计", "全区", "全县", "全市", "区里", "县里", "全辖区")
_MEASURE_WORDS = {"人均": "per_person", "月人均": "per_person", "平均每人": "per_person", "每人平均": "per_person",
                  "人均补助": "per_person", "人均补助额": "per_person", "次均": "per_person", "平均每次": "per_person",
                  "户均": "per_household", "平均每户": "per_household", "每户平均": "per_household",
                  "月均": "monthly_average", "平均每月": "monthly_average", "每月平均": "monthly_average",
                  "月平均": "monthly_average"}
_COMPARISON_WORDS = {"同比": "yoy", "比去年同期": "yoy", "较去年同期": "yoy", "与去年同期相比": "yoy",
                     "和去年同期比": "yoy", "跟去年同期比": "yoy", "比去年": "yoy", "较去年": "yoy",
                     "比上年同期": "yoy", "较上年同期": "yoy",
                     "环比": "mom", "比上月": "mom", "较上月": "mom", "比上个月": "mom", "较上个月": "mom",
                     "和上月比": "mom", "跟上月比": "mom", "比上季度": "mom", "较上季度": "mom"}
# words of a change: with no base named they mean 同比 (the report's convention for a figure's change)
_CHANGE_WORDS = ("多了多少", "少了多少", "多多少", "少多少", "增加了多少", "增加多少", "减少了多少", "减少多少",
                 "增长了多少", "增长多少", "下降了多少", "下降多少", "增幅", "降幅", "增长率", "增速", "变化",
                 "增减", "多了几", "少了几", "多了", "少了", "增加了", "减少了", "增长了", "下降了", "涨了", "降了",
                 "增长", "增加", "减少", "下降")
_RANKING_WORDS = {"最多": "top:1", "最高": "top:1", "最大": "top:1", "第一": "top:1", "最少": "bottom:1",
                  "最低": "bottom:1", "最小": "bottom:1", "倒数第一": "bottom:1", "排第几": "rank",
                  "排名第几": "rank", "排在第几": "rank", "第几名": "rank", "第几": "rank", "排第几名": "rank",
                  "排名": "all", "排行": "all", "排序": "all"}
_WHICH_WORDS = ("哪个乡镇", "哪个街道", "哪个镇", "哪个乡", "哪些乡镇", "哪些街道", "哪几个乡镇", "哪家", "哪个",
                "哪些", "哪里", "各乡镇", "各街道", "乡镇", "街道")
_TARGET_WORDS = ("完成率", "完成了多少", "完成多少", "完成情况", "完成了", "完成", "目标", "任务", "进度", "计划")
_FILLER = ("请问", "帮我查", "帮我看", "查一下", "查询", "看一下", "看看", "一下", "告诉我", "统计",
           "是多少", "有多少", "为多少", "达到多少", "达到了多少", "达到", "一共", "总共", "总计", "合计", "共计", "共有",
           "累计", "共", "多少", "几", "情况", "怎么样", "如何", "数据", "数", "是", "有", "为", "了", "的", "呢", "吗",
           "啊", "呀", "吧", "在", "和", "与", "及", "给", "对", "目前", "现在", "当前", "截至目前", "到目前", "总体",
           "全部", "整体", "时候", "期间", "里", "中", "内", "其中", "各", "个", "情况如何", "多大", "大概", "当月",
           "多", "少", "发放情况", "名下", "所有", "按", "看", "要", "我", "想", "知道", "问", "张", "对", "件", "家",
           "所", "位", "全年", "全年度")
_FOLD_NUMERAL = str.maketrans({"〇": "0", "○": "0", "零": "0"})
_CN = "〇○零一二两三四五六七八九十"

# A period as written: 2025年6月, 6月份, 1-10月, 截至10月底, 十月, 二〇二五年, 一季度, 第三季度, 上半年, 前三季度, 前两个月
_NUM = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"
_PERIOD_SPAN = re.compile(
    rf"(?:(?:截至|截止)(?:到|至)?)?(?:(?:\d{{4}}|[〇○零一二三四五六七八九]{{4}})\s*年度?)?"
    rf"(?:{_NUM}\s*(?:月份?)?\s*[-—－~～至到]\s*{_NUM}\s*月份?(?:底|末)?"
    rf"|第?\s*[1-4一二三四]\s*(?:[-—－~～至到]\s*第?[1-4一二三四]\s*)?季度?(?:末|底)?"
    rf"|前\s*[1-4一二两三四]\s*个?\s*季度"
    rf"|前\s*{_NUM}\s*个\s*月|前\s*{_NUM}\s*月"
    rf"|[上下]半年"
    rf"|{_NUM}\s*月份?(?:\d{{1,2}}\s*[日号])?(?:底|末)?)"
    rf"(?:\s*累计)?"
    rf"|(?:\d{{4}}|[〇○零一二三四五六七八九]{{4}})\s*年度?(?:底|末)?(?:\s*累计)?")
_RECENT = re.compile(rf"(?:最近|近)({_NUM})\s*个?\s*月")
_RELATIVE_MONTH = {"上个月": -1, "上月": -1, "本月": 0, "这个月": 0, "这月": 0, "当月": None}
_YEAR_WORDS = {"今年": 0, "本年": 0, "本年度": 0, "今年以来": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2}
_QUARTER_WORDS = {"本季度": 0, "这个季度": 0, "上季度": -1, "上个季度": -1, "上一季度": -1}
_TOWN_SUFFIX = re.compile(r"(街道办事处|街道办|街道|镇|乡)$")


# --- the synonym list -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Synonym:
    word: str
    meaning: str  # one of MEANINGS
    target: str  # a code; codes joined by '+' (pair); options by '|' (choice); facet=option;… (subject); a facet


def load_synonyms(path: Path = SYNONYMS_CSV) -> dict[str, Synonym]:
    """The admin-editable synonym list, by normalised word (a later row of the same word wins). A row whose meaning is
    unknown is a ValueError naming its line (an admin's typo must not silently drop a word)."""
    out: dict[str, Synonym] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            word, meaning, target = ((row.get(k) or "").strip() for k in ("word", "meaning", "target"))
            if not word:
                continue
            if meaning not in MEANINGS or not target:
                raise ValueError(f"{path.name} 第{line}行：含义须为 {'、'.join(MEANINGS)} 之一且目标不能为空（{word}）")
            out[normalize_name(word)] = Synonym(word, meaning, target)
    return out


# --- what the database knows, read once per question --------------------------------------------------------------

class Vocabulary:
    """The catalog, the registry and the months with data of one database, with every word the reader knows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, synonyms: dict[str, Synonym] | None = None) -> None:
        self.indicators = {i.code: i for i in catalog.indicators(con)}
        self.derived = [d for d in catalog.derived_indicators()
                        if d.numerator in self.indicators and d.denominator in self.indicators]
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.matcher = townships.TownshipMatcher(con)
        every = townships.townships(con, include_district=True)
        self.towns = [t for t in every if t.level == "township"]
        self.town_names = {t.id: t.name for t in self.towns}
        self.district_word = _district_word(every)
        # a township account reads its own townships only: any other name is out of its reach, never a typo of its own
        self.scoped = any(t.level == "district" and t.type == scope.SCOPE_TYPE for t in every)
        self.district_id = self.matcher.district_id
        self.months = sorted(metrics.available_months(con))
        words: dict[str, tuple[int, str, object]] = {}  # key → (priority, category, payload); lower priority wins

        def add(word: str, priority: int, category: str, payload: object) -> None:
            key = _key(word)
            if key and (key not in words or words[key][0] > priority):
                words[key] = (priority, category, payload)

        for syn in self.synonyms.values():
            if syn.meaning == "facet":
                add(syn.word, 6, "facet", syn.target)
            elif _targets_known(syn, self.indicators):
                add(syn.word, 0, "syn", syn)
        for alias, code in catalog.alias_table(con).items():
            if code in self.indicators:
                add(alias, 1, "syn", Synonym(alias, "indicator", code))
        for d in self.derived:
            add(d.name, 1, "derived", d)
        for alias in queries.run(con, "township_alias_table").iloc[:, 0]:
            owner = self.matcher.owner(str(alias))
            if owner is not None:
                add(str(alias), 2, "district" if owner == self.district_id else "town", owner)
        for word in _DISTRICT_WORDS:
            add(word, 2, "district", None)
        if self.matcher.district_name:
            add(self.matcher.district_name, 2, "district", None)
            add(self.matcher.district_name + "合计", 2, "district", None)
        for word, value in _MEASURE_WORDS.items():
            add(word, 3, "measure", value)
        for word, value in _COMPARISON_WORDS.items():
            add(word, 3, "comparison", value)
        for word in _CHANGE_WORDS:
            add(word, 4, "change", None)
        for word, value in _RANKING_WORDS.items():
            add(word, 3, "ranking", value)
        for word in _WHICH_WORDS:
            add(word, 5, "which", None)
        for word in _TARGET_WORDS:
            add(word, 3, "target", None)
        for word in _FILLER:
            add(word, 9, "filler", None)
        self.words = words
        self.longest = max((len(k) for k in words), default=1)
        self.shorts = {townships.short_name(t.name): t.id for t in self.towns}
        # the sums people mean (城乡低保 = 城市 + 农村): every '+' of the synonym list; other indicators asked together
        # (结婚登记和离婚登记) are listed, never added up
        self.pairs = {frozenset(option.split("+")) for syn in self.synonyms.values() if syn.meaning != "facet"
                      for option in re.split(r"[|;=]", syn.target) if "+" in option}

    @property
    def latest(self) -> date | None:
        return self.months[-1] if self.months else None

    @property
    def first(self) -> date | None:
        return self.months[0] if self.months else None

    def name(self, code: str) -> str:
        return self.indicators[code].name

    def place(self, township: int | None) -> str:
        return self.district_word if township is None else self.town_names.get(township, str(township))

    def option_text(self, option: str) -> str:
        """'城市低保资金支出', or a pair's '城市低保资金支出与农村低保资金支出合计'."""
        codes = option.split("+")
        if len(codes) == 1:
            return self.name(codes[0])
        return "与".join(self.name(c) for c in codes) + "合计"

    def option_word(self, option: str) -> str:
        """A word that reads back as ``option``: the indicator's name, or a pair's own word (城乡低保资金)."""
        if "+" not in option:
            return self.name(option)
        for syn in self.synonyms.values():
            if syn.meaning == "pair" and syn.target == option:
                return syn.word
        return self.option_text(option)


def _district_word(every: list[townships.Township]) -> str:
    """``townships.district_word`` from the registry already read: 全区, 全县, 全市, or a township account's own name."""
    district = next((t for t in every if t.level == "district"), None)
    if district is not None and district.type == scope.SCOPE_TYPE:
        return district.name
    name = district.name if district else "全区"
    return "全县" if name.endswith("县") else "全市" if name.endswith("市") else "全区"


def _key(word: str) -> str:
    return normalize_name(word).upper()


def _targets_known(syn: Synonym, indicators: dict[str, catalog.Indicator]) -> bool:
    """True when every code a synonym names is in the catalog (a row for a removed indicator is skipped)."""
    codes = re.split(r"[+|;=]", syn.target) if syn.meaning != "facet" else []
    codes = [c for c in codes if c and c.rstrip("*") not in FACETS]
    return all(c in indicators for c in codes)


# --- the reading ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chip:
    """One part of the reading, as the person sees it and may change it."""

    kind: str  # one of CHIP_KINDS
    text: str
    value: str
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reading:
    """What a question was read as. ``start``/``end``: 'YYYY-MM' months of the period (equal for a month);
    ``township`` None is the district; ``measure``, ``comparison``, ``ranking``, ``target`` keys of MEASURES,
    COMPARISONS, RANKINGS (also 'top:N'/'bottom:N'), TARGETS. ``indicators`` is empty while a word is asked back."""

    indicators: tuple[str, ...]
    township: int | None
    start: str
    end: str
    measure: str = "value"
    comparison: str = ""
    ranking: str = ""
    target: str = ""
    among: str = ""  # a ranking among one type of township only: '街道', '镇' or '乡' (哪个街道最多)
    vocab: Vocabulary | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def period(self) -> str:
        return self.start if self.start == self.end else f"{self.start}/{self.end}"

    @property
    def first(self) -> date:
        return parse_month(self.start)

    @property
    def last(self) -> date:
        return parse_month(self.end)

    @property
    def shape(self) -> str:
        """'month', 'quarter', 'year' (January–December), 'ytd' (January–N) or 'range' (any other months)."""
        a, b = self.first, self.last
        if a == b:
            return "month"
        if a.year == b.year and a.month == 1:
            return "year" if b.month == 12 else "ytd"
        if a.year == b.year and a.month % 3 == 1 and b.month == a.month + 2:
            return "quarter"
        return "range"

    def period_text(self, flow: bool | None = None) -> str:
        """'2025年6月', '2025年第二季度', '2025年', '2025年1-6月累计' ('2025年1-6月' for a stock), '2024年11月-2025年1月'."""
        a, b = self.first, self.last
        shape = self.shape
        if shape == "month":
            return f"{b.year}年{b.month}月"
        if shape == "quarter":
            return f"{b.year}年第{chinese_number((b.month - 1) // 3 + 1)}季度"
        if shape == "year":
            return f"{b.year}年"
        if shape == "ytd":
            return f"{b.year}年1-{b.month}月" + ("" if flow is False else "累计")
        if a.year == b.year:
            return f"{a.year}年{a.month}-{b.month}月"
        return f"{a.year}年{a.month}月-{b.year}年{b.month}月"

    def chips(self) -> tuple[Chip, ...]:
        v = self.vocab
        inds = v.indicators if v else {}
        ind_text = "、".join(inds[c].name if c in inds else c for c in self.indicators) or "（请选择指标）"
        ind_choices = tuple((c, i.name) for c, i in inds.items())
        town_choices = ((("", v.district_word),) + tuple((str(t.id), t.name) for t in v.towns)) if v else ()
        months = v.months if v else []
        period_choices = tuple((month_key(m), f"{m.year}年{m.month}月") for m in reversed(months[-24:]))
        if months:
            last = months[-1]
            ytd = f"{last.year}-01/{month_key(last)}"
            period_choices = ((ytd, f"{last.year}年1-{last.month}月累计"),) + period_choices
        chips = [
            Chip("indicator", ind_text, "+".join(self.indicators), ind_choices),
            Chip("township", v.place(self.township) if v else str(self.township or ""),
                 "" if self.township is None else str(self.township), town_choices),
            Chip("period", self.period_text(), self.period, period_choices),
            Chip("measure", MEASURES[self.measure], self.measure, tuple(MEASURES.items())),
        ]
        for kind, value, names in (("comparison", self.comparison, COMPARISONS), ("ranking", self.ranking, RANKINGS),
                                   ("target", self.target, TARGETS)):
            if value:
                text = names.get(value) or _ranking_text(value)
                if kind == "ranking" and self.among:
                    text = f"{self.among}中{text}"
                chips.append(Chip(kind, text, value, tuple(names.items())))
        return tuple(chips)

    def with_chip(self, kind: str, value: str) -> Reading:
        """The reading with one chip changed; ValueError for a kind or value it cannot take."""
        value = str(value or "").strip()
        if kind == "indicator":
            codes = tuple(c for c in value.split("+") if c)
            if self.vocab and any(c not in self.vocab.indicators for c in codes):
                raise ValueError(f"未知指标：{value}")
            return replace(self, indicators=codes)
        if kind == "township":
            if not value:
                return replace(self, township=None)
            tid = int(value)
            if self.vocab and tid not in self.vocab.town_names:
                raise ValueError(f"未知乡镇（街道）：{value}")
            return replace(self, township=tid)
        if kind == "period":
            start, _, end = value.partition("/")
            a, b = parse_month(start), parse_month(end or start)
            if b < a:
                raise ValueError(f"期间不成立：{value}")
            return replace(self, start=month_key(a), end=month_key(b))
        if kind == "measure" and value in MEASURES:
            return replace(self, measure=value)
        if kind == "comparison" and value in COMPARISONS:
            return replace(self, comparison=value)
        if kind == "ranking" and (value in RANKINGS or re.fullmatch(r"(top|bottom):[1-9]\d?", value)):
            return replace(self, ranking=value)
        if kind == "target" and value in TARGETS:
            return replace(self, target=value)
        raise ValueError(f"不能把“{kind}”改为“{value}”")

    def as_dict(self) -> dict:
        v = self.vocab
        return {
            "indicators": list(self.indicators),
            "indicator_names": [v.name(c) for c in self.indicators] if v else [],
            "township": None if self.township is None else (v.place(self.township) if v else self.township),
            "township_id": self.township,
            "period": self.period,
            "period_text": self.period_text(),
            "measure": self.measure, "comparison": self.comparison or None, "ranking": self.ranking or None,
            "target": self.target or None, "among": self.among or None,
        }


def _ranking_text(value: str) -> str:
    side, _, n = value.partition(":")
    return f"{'前' if side == 'top' else '后'}{chinese_number(int(n))}" if n.isdigit() else value


@dataclass(frozen=True)
class Answer:
    question: str
    reading: Reading | None
    answers: tuple[dict, ...] = ()
    sentence: str = ""
    question_back: dict | None = None
    refusal: str | None = None
    link: tuple[str, dict[str, str | list[str]]] | None = None

    def as_json(self) -> dict:
        """The issue's ``--json``: reading, answers, sentence, question_back (and refusal, link)."""
        return {
            "question": self.question,
            "reading": self.reading.as_dict() if self.reading is not None else None,
            "answers": [dict(a) for a in self.answers],
            "sentence": self.sentence or (self.refusal or (self.question_back or {}).get("text") or ""),
            "question_back": self.question_back,
            "refusal": self.refusal,
            "link": {"page": self.link[0], "params": self.link[1]} if self.link else None,
        }


# --- reading a question -------------------------------------------------------------------------------------------------

@dataclass
class _Token:
    start: int
    end: int
    text: str
    category: str
    payload: object = None


@dataclass
class _Parse:
    """What the scan found, before it is made a Reading."""

    text: str
    tokens: list[_Token] = field(default_factory=list)
    unknown: list[_Token] = field(default_factory=list)
    period: tuple[date, date] | None = None
    clip: bool = False  # a relative period (今年, 本季度) may end at the latest month with data
    shift_year: bool = False  # 去年同期 as the period itself
    ranking: str = ""
    problem: str | None = None  # a period that cannot be: said in the refusal


def _clean(question: str) -> str:
    """Half-width, upper-case Latin, no spaces or punctuation other than the dashes of 1-10月."""
    text = unicodedata.normalize("NFKC", str(question)).upper()
    return re.sub(r"[\s,，。.？?！!、；;：:“”\"'‘’()（）《》【】\[\]…·]+", "", text)


def _take(taken: list[bool], a: int, b: int) -> bool:
    """Mark text[a:b] as read; False (nothing marked) when part of it already is."""
    if any(taken[a:b]):
        return False
    taken[a:b] = [True] * (b - a)
    return True


def _periods(p: _Parse, taken: list[bool], today: date) -> None:
    """Find the period: relative words against ``today``, then the periods written (``periods.find_period``)."""
    text, now = p.text, month_start(today)
    year_hint: int | None = None
    for m in _RECENT.finditer(text):
        n = periods.chinese_int(m.group(1))
        if n and _take(taken, m.start(), m.end()):
            end = add_months(now, -1)
            p.period = (add_months(end, -(n - 1)), end)
    for m in re.finditer("去年同期|上年同期", text):
        if _take(taken, m.start(), m.end()):
            p.shift_year = True
    for word in sorted(_YEAR_WORDS, key=len, reverse=True):
        for m in re.finditer(word, text):
            if _take(taken, m.start(), m.end()):
                year_hint = today.year + _YEAR_WORDS[word]
    for word in sorted(_QUARTER_WORDS, key=len, reverse=True):
        for m in re.finditer(word, text):
            if _take(taken, m.start(), m.end()):
                q0 = date(now.year, (now.month - 1) // 3 * 3 + 1, 1)
                q = add_months(q0, 3 * _QUARTER_WORDS[word])
                p.period, p.clip = (q, add_months(q, 2)), True
    for word in sorted(_RELATIVE_MONTH, key=len, reverse=True):
        shift = _RELATIVE_MONTH[word]
        for m in re.finditer(word, text):
            if shift is not None and _take(taken, m.start(), m.end()):
                month = add_months(now, shift)
                p.period = (month, month)
    spans = [m for m in _PERIOD_SPAN.finditer(text) if m.group().strip() and not any(taken[m.start():m.end()])]
    if spans:
        for m in spans:
            _take(taken, m.start(), m.end())
        written = "".join(m.group() for m in spans)
        spec = find_period(written)
        if spec is None:
            p.problem = f"没有读懂期间“{written}”"
            return
        if spec.year is None:
            year = year_hint if year_hint is not None else today.year
            if year_hint is None and date(year, spec.last_month, 1) > now:
                year -= 1  # 10月 asked in July: last October
            months = (date(year, spec.first_month, 1), date(year, spec.last_month, 1))
        else:
            months = (date(spec.year, spec.first_month, 1), date(spec.year, spec.last_month, 1))
            p.clip = spec.kind == "year"
        p.period = months
    elif year_hint is not None and p.period is None:
        p.period = (date(year_hint, 1, 1), date(year_hint, 12, 1))
        p.clip = True


def _scan(p: _Parse, taken: list[bool], vocab: Vocabulary) -> None:
    """Longest match at each position over every word the reader knows; the rest collects into unknown words."""
    text = p.text
    for m in re.finditer(rf"(?:前|排名前|排前)({_NUM})(?:名|位|个|强)?|(?:后|倒数)({_NUM})(?:名|位)", text):
        n = periods.chinese_int(m.group(1) or m.group(2))
        if n and _take(taken, m.start(), m.end()):
            p.ranking = f"{'top' if m.group(1) else 'bottom'}:{n}"
    i, unknown_from = 0, None
    while i <= len(text):
        if i == len(text) or taken[i]:
            if unknown_from is not None:
                p.unknown.append(_Token(unknown_from, i, text[unknown_from:i], "unknown"))
                unknown_from = None
            i += 1
            continue
        hit = None
        for n in range(min(vocab.longest, len(text) - i), 0, -1):
            if any(taken[i:i + n]):
                continue
            found = vocab.words.get(text[i:i + n])
            if found is not None:
                hit = (n, found)
                break
        if hit is None or hit[0] == 1:
            typo = _typo_at(text, i, taken, vocab)
            if typo is not None:
                hit = typo
        if hit is None:
            unknown_from = i if unknown_from is None else unknown_from
            i += 1
            continue
        if unknown_from is not None:
            p.unknown.append(_Token(unknown_from, i, text[unknown_from:i], "unknown"))
            unknown_from = None
        n, (_, category, payload) = hit
        p.tokens.append(_Token(i, i + n, text[i:i + n], category, payload))
        _take(taken, i, i + n)
        i += n


def _typo_at(text: str, i: int, taken: list[bool], vocab: Vocabulary) -> tuple[int, tuple] | None:
    """A township's short name with one character wrong starting at ``i`` (中堂 → 中塘镇), with or without its
    suffix: (length, (priority, 'town', id)) for one township, (length, (…, 'towns', ids)) for several."""
    if i > 0 and not taken[i - 1]:
        return None  # only at the start of a word: after the text's start or a word read
    for core in (3, 2):
        if re.search(r"[街道镇乡]", text[i:i + core]):
            continue
        for suffix in ("街道", "镇", "乡", ""):
            n = core + len(suffix)
            word = text[i:i + n]
            if len(word) < n or any(taken[i:i + n]) or (suffix and not word.endswith(suffix)):
                continue
            found = _typo(word, vocab)
            if isinstance(found, int):
                return n, (2, "town", found)
            if found:
                return n, (2, "towns", tuple(found))
    return None


def _subject_options(target: str) -> tuple[dict[str, str], str | None]:
    """A subject's options by facet, and the facet it means when the question names none ('persons*=…')."""
    parts = dict(part.split("=", 1) for part in target.split(";") if "=" in part)
    default = next((k.rstrip("*") for k in parts if k.endswith("*")), None)
    return {k.rstrip("*"): v for k, v in parts.items()}, default


_UNIT_FACETS = {"人": "persons", "户": "households", "元": "funds", "人次": "cases", "元/人·月": "standard"}


@dataclass
class _Read:
    reading: Reading | None = None
    question_back: dict | None = None
    refusal: str | None = None


def read(con: duckdb.DuckDBPyConnection, question: str, today: date | None = None,
         vocab: Vocabulary | None = None) -> _Read:
    """The question's reading, or why it has none: a question back (a word that means several things) or a refusal
    (a word not known, a period that cannot be)."""
    today = today or times.today_beijing()  # the bureau's day, not the server's UTC one
    vocab = vocab or Vocabulary(con)
    p = _Parse(_clean(question))
    taken = [False] * len(p.text)
    if not p.text:
        return _Read(refusal="请输入问题，例如：城东街道今年1-6月城市低保金发了多少？")
    # comparison words first: 比上月 is not the period 上月, 比去年同期 not the period 去年同期
    for word in sorted(_COMPARISON_WORDS, key=len, reverse=True):
        for m in re.finditer(re.escape(word), p.text):
            if _take(taken, m.start(), m.end()):
                p.tokens.append(_Token(m.start(), m.end(), word, "comparison", _COMPARISON_WORDS[word]))
    _periods(p, taken, today)
    if p.problem:
        return _Read(refusal=p.problem)
    _scan(p, taken, vocab)
    tokens = sorted(p.tokens, key=lambda t: t.start)
    # townships: named ones, or a short name with one character wrong (城冬 → 城东街道)
    towns = [t for t in tokens if t.category == "town"]
    unknown: list[_Token] = []
    for u in p.unknown:
        u.text += next((k for k in ("街道", "镇", "乡") if p.text.startswith(k, u.end)), "")  # 东城 + 街道
        found = _typo(u.text, vocab)
        if isinstance(found, int):
            towns.append(_Token(u.start, u.end, u.text, "town", found))
        elif isinstance(found, list):
            return _Read(question_back={
                "text": f"“{u.text}”是指哪个乡镇（街道）？",
                "choices": [{"text": vocab.town_names[t], "kind": "township", "value": str(t),
                             "question": question_replace(question, u.text, vocab.town_names[t])} for t in found]})
        else:
            unknown.append(u)
    town_ids = list(dict.fromkeys(int(t.payload) for t in towns))  # type: ignore[arg-type]
    if len(town_ids) > 1:
        names = "、".join(vocab.town_names[t] for t in town_ids)
        return _Read(refusal=f"一次只能问一个乡镇（街道）或{vocab.district_word}，问题里有{names}；请分开问。")
    township = town_ids[0] if town_ids else None
    measure = next((str(t.payload) for t in tokens if t.category == "measure"), "value")
    comparison = next((str(t.payload) for t in tokens if t.category == "comparison"), "")
    if not comparison and any(t.category == "change" for t in tokens):
        comparison = "yoy"
    ranking = p.ranking or next((str(t.payload) for t in tokens if t.category == "ranking"), "")
    if not ranking and any(t.category == "which" and t.text.startswith("哪") for t in tokens):
        return _Read(refusal="请说明要找最多还是最少的乡镇（街道），例如：哪个乡镇临时救助人次最多？")
    if ranking == "all" and township is not None:
        ranking = "rank"  # 城东街道城市低保人数排名: its place
    if ranking and ranking != "rank" and township is not None:
        return _Read(refusal=f"排名是在各乡镇（街道）之间比较；问{vocab.town_names[township]}的名次请说“排第几”，"
                             f"例如：{vocab.town_names[township]}城市低保人数排第几？")
    if ranking == "rank" and township is None:
        return _Read(refusal="“排第几”要说明是哪个乡镇（街道），例如：城东街道城市低保人数排第几？")
    target = "progress" if any(t.category == "target" for t in tokens) else ""
    kinds = {next((k for k in ("乡镇", "街道", "镇", "乡") if t.text.endswith(k)), "") for t in tokens
             if t.category == "which"} - {"乡镇", ""}
    among = next(iter(kinds)) if ranking and len(kinds) == 1 and kinds <= {"街道", "镇", "乡"} else ""
    # indicators: words of the catalog and the synonym list, made exact by the question's facet words
    # a facet word: strong (人数, 户, 资金, 元) or weak (发放, 花了, 补助: a verb that may only tell what was done)
    strong = [t for t in tokens if t.category == "facet" and not str(t.payload).endswith("~")]
    facet_tokens = strong or [t for t in tokens if t.category == "facet"]
    facets = [str(t.payload).rstrip("~") for t in facet_tokens]
    if measure in ("per_person", "per_household"):
        facets, strong = ["funds"], []
    used: set[str] = set()
    options: list[str] = []  # each a code, a pair a+b, or a choice a|b|…
    asked: list[tuple[_Token, list[str]]] = []
    for t in tokens:
        if t.category == "derived":
            d: catalog.DerivedIndicator = t.payload  # type: ignore[assignment]
            options.append(d.numerator)
            measure = "per_person"
        elif t.category == "syn":
            syn: Synonym = t.payload  # type: ignore[assignment]
            if syn.meaning in ("indicator", "pair"):
                options.append(syn.target)
            elif syn.meaning == "choice":
                asked.append((t, syn.target.split("|")))
            elif syn.meaning == "subject":
                by_facet, default = _subject_options(syn.target)
                wanted = [f for f in dict.fromkeys(facets) if f in by_facet]
                if not wanted and "persons" in facets and "cases" in by_facet:
                    wanted = ["cases"]  # 临时救助多少人: 人次
                    used.add("persons")
                if not wanted and len(by_facet) == 1:
                    wanted = list(by_facet)  # 城市低保金: its one meaning
                if not wanted and default:
                    wanted = [default]  # 特困人员, 五保户: the people
                used.update(wanted)
                if not wanted:
                    asked.append((t, [o for f in by_facet for o in by_facet[f].split("|")]))
                for f in wanted:
                    if "|" in by_facet[f]:
                        asked.append((t, by_facet[f].split("|")))
                    else:
                        options.append(by_facet[f])
    if unknown:
        return _Read(refusal=_unknown_text(unknown, p.text, vocab, bool(options or asked)))
    # a facet word no subject took: another side of a named indicator (城市低保户数和人数), else it contradicts it
    direct = [c for o in options for c in o.split("+")]
    used.update(_UNIT_FACETS.get(vocab.indicators[c].unit, "") for c in direct)
    for t in strong:
        facet = str(t.payload)
        if facet in used or not direct:
            continue
        extra = _other_side(direct, facet, vocab)
        if extra is None:
            names = "、".join(vocab.name(c) for c in dict.fromkeys(direct))
            return _Read(refusal=f"“{names}”不按“{t.text}”统计，没有这样的数；请换一种说法。")
        options.append(extra)
        used.add(facet)
    towns_asked = [t for t in tokens if t.category == "towns"]
    if towns_asked:
        t = towns_asked[0]
        return _Read(question_back={
            "text": f"“{t.text}”是指哪个乡镇（街道）？",
            "choices": [{"text": vocab.town_names[i], "kind": "township", "value": str(i),
                         "question": question_replace(question, t.text, vocab.town_names[i])}
                        for i in t.payload]})  # type: ignore[union-attr]
    base = Reading((), township, "", "", measure, comparison, ranking, target, among, vocab)
    period = _period_of(p, vocab, today)
    base = replace(base, start=month_key(period[0]), end=month_key(period[1]))
    if asked:
        t, choices = asked[0]
        return _Read(reading=base, question_back={
            "text": f"“{t.text}”指的是哪一项？" + ("城市、农村，还是合计？" if any("+" in c for c in choices) else ""),
            "choices": [{"text": vocab.option_text(c), "kind": "indicator", "value": c,
                         "question": question_replace(question, t.text, vocab.option_word(c))} for c in choices]})
    if not options:
        near = _nearest(p.text, vocab)
        return _Read(refusal="没有在问题中找到指标" + (f"，您是不是要问：{'、'.join(near)}？" if near else "。"))
    codes = tuple(dict.fromkeys(c for o in options for c in o.split("+")))
    return _Read(reading=replace(base, indicators=codes))


def _other_side(codes: list[str], facet: str, vocab: Vocabulary) -> str | None:
    """The indicator a subject of ``codes`` has for ``facet`` (城市低保户数 + 人数 → 城市低保人数), if one."""
    for syn in vocab.synonyms.values():
        if syn.meaning != "subject":
            continue
        by_facet, _ = _subject_options(syn.target)
        option = by_facet.get(facet)
        if option and "|" not in option and any(c in by_facet.values() for c in codes):
            return option
    return None


def _period_of(p: _Parse, vocab: Vocabulary, today: date) -> tuple[date, date]:
    """The months asked for: written or relative, else the latest month with data; a relative one (今年, 本季度, a
    year) ends at the latest month with data when that is earlier."""
    latest = vocab.latest or month_start(today)
    start, end = p.period or (latest, latest)
    if p.shift_year:
        start, end = add_months(start, -12), add_months(end, -12)
    if p.clip and start <= month_start(today) < end and (vocab.latest is None or start <= vocab.latest):
        end = month_start(today)  # 今年 asked in March: January to March
    if p.clip and vocab.latest is not None and start <= vocab.latest < end:
        end = vocab.latest
    return start, end


def _typo(word: str, vocab: Vocabulary) -> int | list[int] | None:
    """A township written with one character wrong: its id when only one short name is one character off (same
    length, difflib's opcodes one replacement), several ids to ask back, None when it is not a township's name."""
    core = _TOWN_SUFFIX.sub("", word)
    if vocab.scoped or not 2 <= len(core) <= 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", core):
        return None
    near = []
    for short, tid in vocab.shorts.items():
        ops = [op for op in difflib.SequenceMatcher(None, core, short).get_opcodes() if op[0] != "equal"]
        if len(short) == len(core) and len(ops) == 1 and ops[0][0] == "replace" and ops[0][2] - ops[0][1] == 1:
            near.append(tid)
    if len(near) == 1:
        return near[0]
    return near or None


def _nearest(text: str, vocab: Vocabulary, n: int = 3) -> list[str]:
    names = list(dict.fromkeys([i.name for i in vocab.indicators.values()]))
    found = difflib.get_close_matches(text, names, n=n, cutoff=0.3)
    if found:
        return found
    scores = sorted(names, key=lambda name: -len(set(name) & set(text)))
    return [s for s in scores[:n] if set(s) & set(text)]


def _unknown_text(unknown: list[_Token], text: str, vocab: Vocabulary, has_indicator: bool) -> str:
    word = unknown[0].text
    if vocab.scoped:
        return (f"没有读懂问题中的“{word}”。本账户只能查询{'、'.join(vocab.town_names.values())}的数据；"
                f"问其他乡镇（街道）请联系区县民政局统计员。")
    if _TOWN_SUFFIX.search(word) and len(word) <= 8:
        near = difflib.get_close_matches(word, list(vocab.town_names.values()), n=3, cutoff=0.3)
        return f"没有找到“{word}”这个乡镇（街道）" + (f"，相近的有：{'、'.join(near)}。" if near else "。")
    if has_indicator:
        return f"没有读懂问题中的“{word}”，请换一种说法。"
    near = _nearest(word, vocab)
    return f"没有找到“{word}”对应的指标" + (f"，相近的指标有：{'、'.join(near)}。" if near else "。")


def question_replace(question: str, word: str, by: str) -> str:
    """The question with ``word`` (as it was read, punctuation-free) replaced by ``by``."""
    if word in question:
        return question.replace(word, by, 1)
    return f"{by} {question}"


# --- answering --------------------------------------------------------------------------------------------------------

def ask(con: duckdb.DuckDBPyConnection, question: str, today: date | None = None, user: str | None = None,
        audit: bool = True) -> Answer:
    """Read ``question`` and answer it; with ``audit`` the question and its reading go to the audit log (action
    'ask'; the connection must be writable)."""
    today = today or times.today_beijing()  # the bureau's day, not the server's UTC one
    vocab = Vocabulary(con)
    r = read(con, question, today, vocab)
    if r.refusal or r.question_back or r.reading is None:
        out = Answer(question, r.reading, refusal=r.refusal, question_back=r.question_back)
    else:
        out = answer(con, r.reading, today)
        out = replace(out, question=question)
    if audit:
        record(con, out, user)
    return out


def record(con: duckdb.DuckDBPyConnection, out: Answer, user: str | None) -> None:
    """The question, its reading and how it was answered, in the audit log (action 'ask' of access.audit.ACTIONS)."""
    detail = {"reading": out.reading.as_dict() if out.reading else None,
              "read_as": " · ".join(c.text for c in out.reading.chips()) if out.reading else None,
              "outcome": "refused" if out.refusal else "asked_back" if out.question_back else "answered",
              "sentence": out.sentence or out.refusal or (out.question_back or {}).get("text")}
    queries.execute(con, "audit_insert", user_name=user, action="ask", target=out.question[:200],
                    detail=json.dumps(detail, ensure_ascii=False, sort_keys=True))


def answer(con: duckdb.DuckDBPyConnection, reading: Reading, today: date | None = None) -> Answer:
    """The answer to a reading (a question's, or one with a chip changed). The reading's months are already resolved
    (relative words were read against ``ask``'s ``today``); ``today`` is accepted so that both calls look alike."""
    vocab = reading.vocab or Vocabulary(con)
    reading = replace(reading, vocab=vocab)
    question = ""
    if not reading.indicators:
        return Answer(question, reading, refusal="请选择要问的指标。")
    refused = _no_data(reading, vocab)
    if refused:
        return Answer(question, reading, refusal=refused)
    if reading.target:
        return _target(con, reading, vocab)
    if reading.ranking:
        return _ranking(con, reading, vocab)
    if reading.measure in ("per_person", "per_household"):
        return _per(con, reading, vocab)
    if reading.measure == "monthly_average":
        return _average(con, reading, vocab)
    return _value(con, reading, vocab)


def _month_text(d: date) -> str:
    return f"{d.year}年{d.month}月"


def _no_data(reading: Reading, vocab: Vocabulary) -> str | None:
    """Why the period has no data, with the nearest month that has: '2026年尚无数据，最新为2025年6月'."""
    latest, first = vocab.latest, vocab.first
    if latest is None or first is None:
        return "数据库中还没有数据。"
    if reading.first > latest:
        return f"{reading.period_text(False).removesuffix('累计')}尚无数据，最新为{_month_text(latest)}。"
    if reading.last > latest:
        return f"{_month_text(reading.last)}尚无数据，最新为{_month_text(latest)}。"
    if reading.last < first:
        return f"{reading.period_text(False)}没有数据，最早为{_month_text(first)}。"
    if reading.first < first:
        return f"{_month_text(reading.first)}没有数据，最早为{_month_text(first)}；请从{_month_text(first)}起问。"
    return None


def _window(reading: Reading) -> tuple[date, Grain, bool] | None:
    """How ``metrics.compare`` holds the period: (period, grain, ytd); None for months no bucket holds (4-5月)."""
    shape = reading.shape
    if shape == "month":
        return reading.last, "month", False
    if shape == "quarter":
        return reading.first, "quarter", False
    if shape in ("ytd", "year"):
        return reading.last, "month", True
    return None


def _towns(reading: Reading) -> tuple[int, ...]:
    return () if reading.township is None else (reading.township,)


def _names(x: object) -> tuple[str, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else ()


def _num(x: object) -> float | None:
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _lead(reading: Reading, kind: str, month: date) -> str:
    """The sentence's period: '截至2025年6月底' for a stock, '2025年1-6月' / '2025年6月' otherwise."""
    if kind == "stock":
        return f"截至{month.year}年{month.month}月底"
    return reading.period_text(False)


def _base_label(reading: Reading, comparison: str) -> str:
    if comparison == "yoy":
        return "去年同期"
    return {"month": "上月", "quarter": "上季度"}.get(reading.shape, "上期")


def _value(con: duckdb.DuckDBPyConnection, reading: Reading, vocab: Vocabulary) -> Answer:
    codes = list(reading.indicators)
    inds = [vocab.indicators[c] for c in codes]
    place = vocab.place(reading.township)
    town = None if reading.township is None else place
    window = _window(reading)
    if reading.comparison and window is None:
        return Answer("", reading, refusal=f"{reading.period_text()}不是月、季度或1-N月，不能计算同比、环比；请改期间。")
    if reading.comparison == "mom" and reading.shape in ("ytd", "year"):
        return Answer("", reading, refusal=f"{reading.period_text()}是累计数，不计算环比；可以问同比。")
    rows: dict[str, dict] = {}
    if window is not None:
        df = metrics.compare(con, codes, window[0], window[1], window[2], townships=_towns(reading))
        for r in df.to_dict("records"):
            rows[r["indicator_code"]] = r
    else:
        df = metrics.over_range(con, codes, reading.first, reading.last, townships=_towns(reading))
        for r in df.to_dict("records"):
            rows[r["indicator_code"]] = r
        for ind in inds:
            start = reading.first if ind.kind == "flow" else reading.last
            absent = metrics.missing(con, [ind.code], start, reading.last, _towns(reading))
            if ind.code in rows:
                rows[ind.code]["missing"] = tuple(dict.fromkeys(absent["township"]))
    values = {c: _num(rows.get(c, {}).get("value")) for c in codes}
    empty = [vocab.name(c) for c in codes if values[c] is None]
    if empty:
        names = "、".join(empty)
        if reading.township is not None and reading.shape != "month":
            refusal = (f"{place}{_month_text(reading.last)}的{names}尚未报送，{reading.period_text()}的数不全，"
                       f"不能给出；可以改问到上一个月为止。")
        else:
            refusal = f"{place}{reading.period_text(False)}没有{names}的数据" + (
                "（尚未报送）。" if reading.township is not None else "。")
        return Answer("", reading, refusal=refusal, link=_trend_link(reading, vocab))
    answers: list[dict] = []
    clauses: list[str] = []
    for ind in inds:
        r = rows[ind.code]
        v = values[ind.code]
        answers.append({"indicator": ind.code, "township": town, "period": reading.period, "measure": "value",
                        "value": v, "unit": ind.unit})
        text = value_text(v, ind.unit, ind.decimals)
        change = _change(reading, ind, r, answers, town)
        clauses.append((ind, text, change, r))
    kind = inds[0].kind
    month = _last_month(rows, reading)
    lead = _lead(reading, kind if all(i.kind == kind for i in inds) else "", month)
    summed = (len(inds) > 1 and frozenset(codes) in vocab.pairs and len({i.unit for i in inds}) == 1
              and all(i.kind != "level" for i in inds))
    missing = tuple(dict.fromkeys(n for r in rows.values() for n in _names(r.get("missing"))))
    mom_without = tuple(dict.fromkeys(n for r in rows.values() for n in _names(r.get("mom_without"))))
    yoy_without = tuple(dict.fromkeys(n for r in rows.values() for n in _names(r.get("yoy_without"))))
    if summed:
        total = sum(values[c] for c in codes)  # type: ignore[misc]
        unit, decimals = inds[0].unit, inds[0].decimals
        answers.append({"indicator": "+".join(codes), "township": town, "period": reading.period, "measure": "sum",
                        "value": total, "unit": unit})
        sum_row = _summed_row(rows, codes)
        change = _change(reading, replace(inds[0], code="+".join(codes)), sum_row, answers, town)
        parts = "，".join(f"{i.name}{t}" for i, t, _, _ in clauses)
        body = f"{place}{vocab.option_text('+'.join(codes))}为{value_text(total, unit, decimals)}（其中{parts}）"
        body += f"，{change}" if change else ""
    else:
        cum = "累计" if kind == "flow" and reading.shape != "month" else ""
        body = "；".join(f"{place if k == 0 else ''}{i.name}{cum if i.kind == 'flow' else ''}为{t}"
                         + (f"，{c}" if c else "") for k, (i, t, c, _) in enumerate(clauses))
    mark = marks.sentence_mark(missing, mom_without if reading.comparison == "mom" else (),
                               yoy_without if reading.comparison == "yoy" else ())
    sentence = f"{lead}，{body}" + (f"（{mark}）" if mark else "") + "。"
    return Answer("", reading, tuple(answers), sentence, link=_trend_link(reading, vocab))


def _last_month(rows: dict[str, dict], reading: Reading) -> date:
    months = [r.get("last_month") for r in rows.values() if isinstance(r.get("last_month"), date)]
    return max(months) if months else reading.last


def _summed_row(rows: dict[str, dict], codes: list[str]) -> dict:
    """The pair's comparison figures: each member's like-for-like figures added up (NaN when one lacks them)."""
    out: dict = {}
    for col in ("prev_now", "prev_value", "yoy_now", "yoy_value"):
        parts = [_num(rows[c].get(col)) for c in codes]
        out[col] = None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
    return out


def _change(reading: Reading, ind: catalog.Indicator, r: dict, answers: list[dict], town: str | None) -> str:
    """'比去年同期增加49人，同比增长3.0%' (the figures compared like for like); '' without a comparison."""
    if not reading.comparison:
        return ""
    now_col, base_col = ("yoy_now", "yoy_value") if reading.comparison == "yoy" else ("prev_now", "prev_value")
    now, base = _num(r.get(now_col)), _num(r.get(base_col))
    label = _base_label(reading, reading.comparison)
    word = COMPARISONS[reading.comparison]
    if now is None or base is None:
        return f"{label}无可比数据，不计算{word}"
    answers.append({"indicator": ind.code, "township": town, "period": reading.period,
                    "measure": f"{reading.comparison}_base", "value": base, "unit": ind.unit})
    answers.append({"indicator": ind.code, "township": town, "period": reading.period,
                    "measure": f"{reading.comparison}_change", "value": now - base, "unit": ind.unit})
    if base != 0:
        answers.append({"indicator": ind.code, "township": town, "period": reading.period,
                        "measure": reading.comparison, "value": (now - base) / abs(base), "unit": "%"})
    parts = [absolute_text(label, now, base, ind.unit, ind.decimals) or "",
             relative_text(word, now, base, ind.kind == "level") or ""]
    return "，".join(p for p in parts if p)


# --- the other answers --------------------------------------------------------------------------------------------------

def _grain_mode(reading: Reading) -> tuple[str, str]:
    """The pages' ``grain`` and ``mode`` (当月/累计) showing the reading's figure."""
    shape = reading.shape
    return {"month": ("month", "month"), "quarter": ("quarter", "month"), "year": ("year", "month"),
            "ytd": ("month", "ytd")}.get(shape, ("month", "month"))


def _range_keys(vocab: Vocabulary, start: date, end: date) -> list[str]:
    """A ``range`` slider's value: both ends months with data (the slider's options)."""
    months = [m for m in vocab.months if start <= m <= end] or vocab.months[-1:]
    return [month_key(months[0]), month_key(months[-1])]


def _trend_link(reading: Reading, vocab: Vocabulary) -> tuple[str, dict[str, str | list[str]]]:
    """趋势分析 showing the figure: its indicators, the township, 当月/累计, the grain, a year up to the period."""
    grain, mode = _grain_mode(reading)
    if reading.shape == "range":
        return _query_link(reading, vocab)
    start = add_months(reading.first, -12) if grain != "year" else date(reading.first.year - 2, 1, 1)
    params: dict[str, str | list[str]] = {"inds": list(reading.indicators), "grain": grain, "mode": mode,
                                          "range": _range_keys(vocab, start, reading.last)}
    if reading.township is not None:
        params["towns"] = [vocab.place(reading.township)]
    return "pages/trend.py", params


def _query_link(reading: Reading, vocab: Vocabulary) -> tuple[str, dict[str, str | list[str]]]:
    """数据查询 over exactly the months asked (flows summed over them, stocks at the last)."""
    params: dict[str, str | list[str]] = {"q_inds": list(reading.indicators),
                                          "q_range": _range_keys(vocab, reading.first, reading.last),
                                          "q_rows": "township", "q_mode": "month"}
    if reading.township is not None:
        params["q_towns"] = [vocab.place(reading.township)]
    return "pages/query.py", params


def _compare_link(reading: Reading, code: str, derived: str | None = None) -> tuple[str, dict[str, str | list[str]]]:
    """乡镇对比: the indicator's ranking for the period (its last month, by the reading's grain and 当月/累计); a
    per-person figure's on the page's 人均指标 tab (``view``)."""
    grain, mode = _grain_mode(reading)
    params: dict[str, str | list[str]] = {"ind": code, "period": reading.end, "grain": grain, "mode": mode}
    if derived:
        params |= {"derived": derived, "view": "per_person"}
    return "pages/compare.py", params


def _ranking(con: duckdb.DuckDBPyConnection, reading: Reading, vocab: Vocabulary) -> Answer:
    if len(reading.indicators) != 1:
        choices = [{"text": vocab.name(c), "kind": "indicator", "value": c} for c in reading.indicators]
        return Answer("", reading, question_back={"text": "排名一次只看一个指标，按哪一项排？", "choices": choices})
    code = reading.indicators[0]
    ind = vocab.indicators[code]
    window = _window(reading)
    if window is not None:
        df = metrics.township_values(con, code, window[0], window[1], window[2])
    else:
        df = metrics.over_range(con, [code], reading.first, reading.last, by_township=True)
        df = df.merge(pd.DataFrame({"township_id": list(vocab.town_names), "township": list(vocab.town_names.values())}),
                      on="township_id", how="right")
        df["rank"] = df["value"].rank(ascending=False, method="min")
        df = df.sort_values(["rank"], na_position="last")
    if reading.among:  # 哪个街道最多: among the 街道 only
        of_type = [t.id for t in vocab.towns if t.type == reading.among]
        df = df[df["township_id"].isin(of_type)]
        df = df.assign(rank=df["value"].rank(ascending=False, method="min"))
    ranked = df.dropna(subset=["value"]).reset_index(drop=True)
    absent = [str(n) for n in df.loc[df["value"].isna(), "township"]]
    if ranked.empty:
        return Answer("", reading, refusal=f"{reading.period_text(False)}没有{ind.name}的乡镇数据。")
    lead = _lead(reading, ind.kind, reading.last)
    n_all = len(ranked)
    answers: list[dict] = []

    def row(r: dict, label: str) -> None:
        answers.append({"indicator": code, "township": r["township"], "period": reading.period,
                        "measure": label, "value": float(r["value"]), "unit": ind.unit})

    def shown(r: dict) -> str:
        return f"{r['township']}（{value_text(float(r['value']), ind.unit, ind.decimals)}）"

    records = ranked.to_dict("records")
    if reading.ranking == "rank":
        mine = [r for r in records if r["township_id"] == reading.township]
        if not mine:
            return Answer("", reading, refusal=f"{vocab.place(reading.township)}{reading.period_text(False)}"
                          f"没有{ind.name}的数据（尚未报送），不能排名。")
        r = mine[0]
        row(r, f"rank:{int(r['rank'])}")
        body = (f"{r['township']}{ind.name}为{value_text(float(r['value']), ind.unit, ind.decimals)}，"
                f"在{n_all}个有数据的{reading.among or '乡镇（街道）'}中排第{int(r['rank'])}位")
    else:
        side, _, n_text = reading.ranking.partition(":")
        n = n_all if side == "all" else int(n_text or 1)
        picked = records[:n] if side in ("top", "all") else list(reversed(records[-n:]))
        for r in picked:
            row(r, f"rank:{int(r['rank'])}")
        word = "最多" if side == "top" else "最少"
        if ind.kind == "level":
            word = "最高" if side == "top" else "最低"
        if side == "all":
            body = f"{ind.name}乡镇（街道）排名：" + "、".join(shown(r) for r in picked[:5]) + (
                f"……共{n_all}个" if n_all > 5 else "")
        elif n == 1:
            body = f"{ind.name}{word}的{reading.among or '乡镇（街道）'}是{shown(picked[0])}"
            ties = [r for r in records if r["value"] == picked[0]["value"] and r is not picked[0]]
            if ties:
                body += "，并列的还有" + "、".join(shown(r) for r in ties)
        else:
            body = f"{ind.name}{word}的{len(picked)}个{reading.among or '乡镇（街道）'}是：" + "、".join(
                shown(r) for r in picked)
    mark = f"（{marks.township_list(absent)}未报送，未参加排名）" if absent else ""
    sentence = f"{lead}，{body}{mark}。"
    return Answer("", reading, tuple(answers), sentence, link=_compare_link(reading, code))


def _per_spec(reading: Reading, vocab: Vocabulary) -> catalog.DerivedIndicator | str:
    """The per-person (or per-household) figure of the reading's indicator, or why there is none."""
    codes = reading.indicators
    if reading.measure == "per_person":
        found = [d for d in vocab.derived if d.numerator in codes or d.denominator in codes]
        if len(found) == 1:
            return found[0]
        names = "、".join(d.name for d in vocab.derived)
        return f"“{'、'.join(vocab.name(c) for c in codes)}”没有唯一的人均口径；可以问：{names}。"
    for code in codes:
        households = code.replace("_funds", "_households")
        if code.endswith("_funds") and households in vocab.indicators:
            name = vocab.name(code).removesuffix("资金支出").removesuffix("资金")
            return catalog.DerivedIndicator(f"{code}_per_household", f"{name}月户均补助", code, households,
                                            "元/户·月", 2)
    return f"“{'、'.join(vocab.name(c) for c in codes)}”没有户均口径（只有城市、农村低保有户数）。"


def _per(con: duckdb.DuckDBPyConnection, reading: Reading, vocab: Vocabulary) -> Answer:
    spec = _per_spec(reading, vocab)
    if isinstance(spec, str):
        return Answer("", reading, refusal=spec)
    window = {"month": (reading.last, "month"), "quarter": (reading.first, "quarter"),
              "year": (reading.first, "year")}.get(reading.shape)
    if window is None:
        return Answer("", reading, refusal="人均、户均按某月、某季度或全年计算；请把期间改为月、季度或全年。")
    df = metrics.derived_values(con, spec, window[0], window[1])  # type: ignore[arg-type]
    mine = df[df["township_id"].isna()] if reading.township is None else df[df["township_id"] == reading.township]
    value = _num(mine["value"].iloc[0]) if len(mine) else None
    place = vocab.place(reading.township)
    if value is None:
        return Answer("", reading, refusal=f"{place}{reading.period_text(False)}没有计算{spec.name}所需的数据。")
    num, den = vocab.indicators[spec.numerator], vocab.indicators[spec.denominator]
    absent = metrics.missing(con, [spec.numerator, spec.denominator], reading.first, reading.last, _towns(reading))
    mark = marks.sentence_mark(tuple(dict.fromkeys(absent["township"])))
    per_month = "，按月平均" if den.kind == "stock" else ""
    sentence = (f"{reading.period_text(False)}，{place}{spec.name}为{value_text(value, spec.unit, spec.decimals)}"
                f"（{num.name}÷{den.name}{per_month}）" + (f"（{mark}）" if mark else "") + "。")
    answers = ({"indicator": spec.code, "township": None if reading.township is None else place,
                "period": reading.period, "measure": reading.measure, "value": value, "unit": spec.unit},)
    derived = spec.code if any(d.code == spec.code for d in vocab.derived) else None
    return Answer("", reading, answers, sentence, link=_compare_link(reading, spec.numerator, derived))


def _average(con: duckdb.DuckDBPyConnection, reading: Reading, vocab: Vocabulary) -> Answer:
    """月均: a flow's total over the months divided by the months with data; a stock's month-end figures averaged."""
    if len(reading.indicators) != 1:
        return Answer("", reading, refusal="月均一次只算一个指标。")
    code = reading.indicators[0]
    ind = vocab.indicators[code]
    if ind.kind == "level":
        return Answer("", reading, refusal=f"{ind.name}是标准（水平值），不计算月均。")
    df = metrics.series(con, [code], reading.first, reading.last, "month", townships=_towns(reading))
    df = df.dropna(subset=["value"])
    if df.empty:
        return Answer("", reading, refusal=f"{vocab.place(reading.township)}{reading.period_text(False)}没有{ind.name}的数据。")
    value = float(df["value"].mean())
    n = len(df)
    absent = metrics.missing(con, [code], reading.first, reading.last, _towns(reading))
    mark = marks.sentence_mark(tuple(dict.fromkeys(absent["township"])))
    place = vocab.place(reading.township)
    sentence = (f"{reading.period_text(False)}，{place}{ind.name}月均为{value_text(value, ind.unit, ind.decimals)}"
                f"（{n}个月平均）" + (f"（{mark}）" if mark else "") + "。")
    answers = ({"indicator": code, "township": None if reading.township is None else place,
                "period": reading.period, "measure": "monthly_average", "value": value, "unit": ind.unit},)
    return Answer("", reading, answers, sentence, link=_trend_link(reading, vocab))


def _target(con: duckdb.DuckDBPyConnection, reading: Reading, vocab: Vocabulary) -> Answer:
    """完成了多少, 完成率: the year's target and its progress up to the period's last month (``target_progress``)."""
    month = reading.last
    targets = metrics.target_progress(con, month)
    owner = vocab.district_id if reading.township is None else reading.township
    place = vocab.place(reading.township)
    answers: list[dict] = []
    parts: list[str] = []
    missing: list[str] = []
    for code in reading.indicators:
        ind = vocab.indicators[code]
        rows = targets[(targets["indicator_code"] == code) & (targets["township_id"] == owner)] if len(targets) else targets
        if rows.empty:
            return Answer("", reading, refusal=f"{month.year}年没有设定{place}{ind.name}的年度目标。")
        r = rows.iloc[0]
        actual, goal, rate = _num(r["actual"]), _num(r["value"]), _num(r["rate"])
        if actual is None:
            return Answer("", reading, refusal=f"{place}{_month_text(month)}没有{ind.name}的数据。")
        town = None if reading.township is None else place
        answers += [{"indicator": code, "township": town, "period": reading.period, "measure": "target_actual",
                     "value": actual, "unit": ind.unit},
                    {"indicator": code, "township": town, "period": f"{month.year}", "measure": "target",
                     "value": goal, "unit": ind.unit}]
        if rate is not None:
            answers.append({"indicator": code, "township": town, "period": reading.period, "measure": "target_rate",
                            "value": rate, "unit": "%"})
        done = "累计完成" if ind.kind == "flow" else "达到"
        parts.append(f"{place}{ind.name}{done}{value_text(actual, ind.unit, ind.decimals)}，年度目标"
                     f"{value_text(goal, ind.unit, ind.decimals)}" if goal is not None else "")
        if rate is not None:
            parts[-1] += f"，完成率{rate * 100:.1f}%"
        missing += list(_names(r["missing"]))
    mark = marks.sentence_mark(tuple(dict.fromkeys(missing)))
    sentence = f"截至{month.year}年{month.month}月底，" + "；".join(parts) + (f"（{mark}）" if mark else "") + "。"
    year_start = date(month.year, 1, 1)
    link = _trend_link(replace(reading, start=month_key(max(year_start, vocab.first or year_start)),
                               end=month_key(month)), vocab)
    return Answer("", reading, tuple(answers), sentence, link=link)
