"""问数's pieces: the question box (bound to ``?q=``), example questions, the answer card (the sentence, the figures,
the reading as chips a person can change, a question back, a refusal) and the link to the page showing the figure.

The answer comes from ``civdash.analysis.ask`` through the session's scoped cursor (``data.cursor``), cached by the
data version (which carries the reader's scope), the question, the chips changed and the day relative words resolve
against. A changed chip is kept in the address (``?chip=kind:value``, in the order changed), so an answer is a link
too. Every name shown is data: escaped with ``frame.plain``; no HTML, no script.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from civdash.analysis import ask, table
from civdash.domain import catalog, times
from civdash.domain.periods import GRAINS, month_label, parse_month
from civdash.domain.units import format_change, format_value
from ui import access, data, filters, query
from ui.frame import plain

QUESTION_KEY = "q"  # the 问数 page's question, bound to the address
CHIP_PARAM = "chip"  # the chips changed, in the address: kind:value, in the order changed
ASK_PAGE = "pages/ask.py"
AUDITED_KEY = "civdash_ask_audited"

KINDS = {"indicator": "指标", "township": "乡镇（街道）", "period": "时间", "measure": "口径", "comparison": "比较",
         "ranking": "排名", "target": "目标"}
PAGE_TITLES = {"pages/trend.py": "趋势分析", "pages/compare.py": "乡镇对比", "pages/query.py": "数据查询",
               "pages/overview.py": "总览", "pages/report.py": "汇报材料"}
PLACEHOLDER = "例如：城东街道今年1-6月城市低保资金支出多少？"
HOW = ("可以问：某项指标某月或某段时间的数字（城市低保人数、低保金、临时救助人次……），某个乡镇（街道）或全区，"
       "同比、环比、比去年同期多多少，哪个乡镇最多、前三，年度目标完成率。不确定的地方会先问您，查不到的会直接说明。")

# The answer's sentence in large type and the input hint in Chinese: a style-only block that takes no room on the page.
CSS = """
<style>
  .st-key-ask_sentence p { font-size: clamp(1.3rem, 1.9vw, 1.9rem); line-height: 1.5; font-weight: 600; }
  /* 问数's input hint ("Press Enter to apply") in Chinese, as frame.LOCALE_CSS does for the uploader; 总览's narrow
     box has no room for it beside a typed question (it would cover the text): there its placeholder says it. */
  .st-key-q [data-testid="InputInstructions"] { font-size: 0 !important; }
  .st-key-q [data-testid="InputInstructions"]::after { content: "按回车键提问"; font-size: 0.8rem; }
  .st-key-ask_box [data-testid="InputInstructions"] { display: none !important; }
</style>
"""


def style() -> None:
    st.html(CSS)


# --- the question ----------------------------------------------------------------------------------------------------

def _new_question() -> None:
    """The question changed (typed, an example, a question back's choice): the chips changed for the last one go."""
    if CHIP_PARAM in st.query_params:
        del st.query_params[CHIP_PARAM]


def question_box() -> str:
    """The question, bound to the address (``?q=``): a link or 总览's box opens the page already answered."""
    text = st.text_input("您的问题", key=QUESTION_KEY, bind="query-params", placeholder=PLACEHOLDER, max_chars=200,
                         on_change=_new_question, help=HOW)
    return (text or "").strip()


def _ask_this(question: str) -> None:
    st.session_state[QUESTION_KEY] = question
    _new_question()


def _example_chosen() -> None:
    chosen = st.session_state.get("ask_example")
    if chosen:
        _ask_this(chosen)
    st.session_state["ask_example"] = None


def examples() -> list[str]:
    """Questions a person can click, about the latest month and this reader's own first township."""
    months = data.months()
    towns = data.township_list()
    if not months:
        return []
    latest = months[0]
    year, month = latest.year, latest.month
    town = towns[0].name if towns else data.district_word()
    found = [f"{town}{year}年{month}月城市低保人数是多少？",
             f"{data.district_word()}{year}年1-{month}月临时救助资金支出多少？" if month > 1
             else f"{data.district_word()}{year}年{month}月临时救助资金支出多少？",
             f"{year}年{month}月农村低保人数同比增长多少？"]
    if len(towns) > 1:
        found.append(f"{year}年{month}月哪个乡镇农村低保人数最多？")
    found.append(f"{year}年{month}月低保人数是多少？")  # 低保 alone: asked back (城市、农村或合计)
    return found


def example_pills() -> None:
    st.pills("试试这些问题", examples(), key="ask_example", on_change=_example_chosen, selection_mode="single",
             format_func=plain)  # a pill's label reads Markdown; a township's name is data


def overview_box() -> None:
    """总览's one-line question box: the question opens 问数 with it in the address."""
    st.text_input("问数", key="ask_box", placeholder="问一个数，按回车提问", max_chars=200,
                  icon=":material/question_answer:", label_visibility="collapsed", on_change=_from_overview,
                  help=HOW)
    question = (st.session_state.pop("ask_from_overview", None) or "").strip()
    if question:
        st.switch_page(ASK_PAGE, query_params={QUESTION_KEY: question})


def _from_overview() -> None:
    st.session_state["ask_from_overview"] = st.session_state.get("ask_box")


# --- the answer ------------------------------------------------------------------------------------------------------

def changes() -> tuple[tuple[str, str], ...]:
    """The chips changed, from the address, in the order changed."""
    found = []
    for item in st.query_params.get_all(CHIP_PARAM):
        kind, sep, value = item.partition(":")
        if sep and kind in KINDS:
            found.append((kind, value))
    return tuple(found)


def _offered(chip: ask.Chip) -> set[str]:
    return {chip.value, *(v for v, _ in chip.choices)}


def _applied(reading: ask.Reading, changed: Sequence[tuple[str, str]]) -> ask.Reading:
    """``reading`` with the chips changed, each only to a value its chip offers (an address is typed by anyone)."""
    for kind, value in changed:
        chip = next((c for c in reading.chips() if c.kind == kind), None)
        if chip is not None and value in _offered(chip) and value != chip.value:
            reading = reading.with_chip(kind, value)
    return reading


@st.cache_data(show_spinner="正在查找……", max_entries=128)
def _answer(key: data.Key, question: str, changed: tuple[tuple[str, str], ...], today: date) -> ask.Answer:
    with data.cursor(key[2]) as cur:
        found = ask.ask(cur, question, today=today, audit=False)  # audited once a session (``audit``), not per miss
        if not changed or found.reading is None:
            return found
        return dataclasses.replace(ask.answer(cur, _applied(found.reading, changed), today=today), question=question)


def answer_of(question: str, changed: tuple[tuple[str, str], ...] = ()) -> ask.Answer:
    """The answer to ``question`` with ``changed`` chips, for this reader (its scope), today (Beijing time)."""
    return _answer(data.version(), question, changed, times.today_beijing())


def audit(result: ask.Answer, changed: tuple[tuple[str, str], ...]) -> None:
    """Each question (and each change of its chips) and its reading go to the audit log once a session."""
    seen = st.session_state.setdefault(AUDITED_KEY, set())
    asked = (result.question, changed)
    if asked in seen:
        return
    seen.add(asked)
    who = access.user()
    with data.cursor() as cur:
        ask.record(cur, result, who.name if who else None)


def _change_chip(kind: str, key: str) -> None:
    value = st.session_state.get(key)
    if value is None:
        return
    st.query_params[CHIP_PARAM] = [f"{k}:{v}" for k, v in changes() if k != kind] + [f"{kind}:{value}"]


def chips(reading: ask.Reading, changed: tuple[tuple[str, str], ...]) -> None:
    """The reading as a row of chips ('指标：城市低保人数 ▾'); a chip with choices opens a list to change it, and the
    answer follows."""
    shown = reading.chips()
    if not shown:
        return
    st.caption("按以下理解作答（点击可修改）：")
    # a new reading gets new widgets, each on its own current value
    stamp = hashlib.sha1(repr((reading.as_dict(), changed)).encode()).hexdigest()[:10]
    with st.container(horizontal=True, key="ask_chips", gap="small"):
        for chip in shown:
            kind = KINDS.get(chip.kind, chip.kind)
            key = f"ask_chip_{chip.kind}_{stamp}"
            if not chip.choices:
                st.button(plain(f"{kind}：{chip.text}"), key=key, disabled=True, help=f"{kind}没有其他可选项")
                continue
            options = [chip.value, *(v for v, _ in chip.choices if v != chip.value)]
            texts = {**dict(chip.choices), chip.value: chip.text}
            with st.popover(plain(f"{kind}：{chip.text}"), help=f"修改{kind}"):
                st.selectbox(kind, options, index=0, format_func=texts.get, key=key, on_change=_change_chip,
                             args=(chip.kind, key))
        if changed:  # back to the question's own reading
            st.button("按原问题作答", key="ask_chips_reset", on_click=_new_question, icon=":material/undo:",
                      type="tertiary")


MEASURE_WORDS = {"value": "", "sum": "合计", "per_person": "", "per_household": "", "monthly_average": "月均",
                 "yoy_base": "去年同期", "yoy_change": "比去年同期增减", "yoy": "同比",
                 "mom_base": "上期", "mom_change": "比上期增减", "mom": "环比",
                 "target_actual": "累计完成", "target": "年度目标", "target_rate": "完成率"}


def _indicator_name(code: str) -> str:
    """A catalog indicator's name, a per-person figure's, or a pair's ('城市低保人数与农村低保人数')."""
    names = {i.code: i.name for i in data.indicators()} | {d.code: d.name for d in catalog.derived_indicators()}
    return "与".join(names.get(c, c) for c in str(code).split("+"))


def _measure_text(measure: str) -> str:
    if measure.startswith("rank:"):
        return f"第{measure.removeprefix('rank:')}名"
    return MEASURE_WORDS.get(measure, "")


def _figure_label(row: dict) -> str:
    """'城东街道 · 城市低保人数 · 2025年6月', with what the figure is when it is not the value ('同比', '第1名')."""
    parts = [row.get("township") or data.district_word(), _indicator_name(row.get("indicator") or ""),
             _period_text(row.get("period")), _measure_text(str(row.get("measure") or ""))]
    return " · ".join(str(p) for p in parts if p)


def _month_text(text: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    return (int(found[1]), int(found[2])) if found else None


def _period_text(period: object) -> str:
    """'2025-06' → 2025年6月, '2025-01/2025-06' → 2025年1-6月, '2025' → 2025年; other text as it is."""
    if isinstance(period, date):
        return month_label(period)
    text = str(period or "")
    if (month := _month_text(text)) is not None:
        return f"{month[0]}年{month[1]}月"
    start, sep, end = text.partition("/")
    first, last = _month_text(start), _month_text(end)
    if sep and first and last:
        if first[0] == last[0]:
            return f"{first[0]}年{first[1]}-{last[1]}月"
        return f"{first[0]}年{first[1]}月-{last[0]}年{last[1]}月"
    if re.fullmatch(r"\d{4}", text):
        return f"{text}年"
    return text


def _figure_value(row: dict) -> str:
    """The value with its unit as the tables write it ('1,664人', '533.82万元'); a ratio as a percentage ('+3.2%',
    a completion rate '33.0%'); a change with its sign."""
    value, unit, measure = row.get("value"), str(row.get("unit") or ""), str(row.get("measure") or "")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if unit == "%":
        return (format_change(value) or "—") if measure in ("yoy", "mom") else f"{value * 100:.1f}%"
    known = {i.code: i for i in data.indicators()}
    code = row.get("indicator")
    decimals = known[code].decimals if code in known and known[code].unit == unit else (0 if value.is_integer()
                                                                                        else 2)
    text = format_value(value, unit, decimals)
    return f"+{text}" if measure.endswith("_change") and value > 0 else text


MANY = 8  # more figures than this (a whole ranking) are a table, not cards


def figures(result: ask.Answer) -> None:
    """Each figure of the answer: the value with its unit, and whose and when (a table when there are many)."""
    rows = list(result.answers)
    if not rows:
        return
    if len(rows) > MANY:
        st.dataframe(pd.DataFrame({"乡镇（街道）": [r.get("township") or data.district_word() for r in rows],
                                   "指标": [_indicator_name(r.get("indicator") or "") for r in rows],
                                   "期间": [_period_text(r.get("period")) for r in rows],
                                   "项目": [_measure_text(str(r.get("measure") or "")) or "数值" for r in rows],
                                   "数值": [_figure_value(r) for r in rows]}), hide_index=True, width="stretch")
        return
    per_row = min(4, len(rows))
    for start in range(0, len(rows), per_row):
        for column, row in zip(st.columns(per_row), rows[start:start + per_row], strict=False):
            column.metric(plain(_figure_label(row)), _figure_value(row))


def _label(key: str, value: str) -> str:
    """A filter's value as its widget writes it in the address: Streamlit binds a select widget to the URL by the
    option's shown text (``ui.filters``' format functions), so ``dibao_urban_persons`` reads 城市低保人数（人） in
    趋势分析's ``inds``. A value already in that form (or a township name) is left as it is."""
    inds = {i.code: i for i in data.indicators()}
    if key in ("inds", "q_inds") and value in inds:
        return f"{inds[value].name}（{inds[value].unit}）"
    if key == "ind" and value in inds:
        return f"{inds[value].name}（{inds[value].category}）"
    if key == "q_sort" and value in inds:
        return f"按{inds[value].name}"
    if key in ("range", "q_range", "period") and re.fullmatch(r"\d{4}-\d{2}", value):
        return month_label(parse_month(value))
    labels = {"grain": GRAINS, "q_grain": GRAINS, "mode": filters.MODES, "q_mode": filters.MODES,
              "q_rows": table.ROWS, "q_order": query.SORTS,
              "derived": {d.code: d.name for d in catalog.derived_indicators()},
              "view": filters.COMPARE_VIEWS}.get(key, {})
    return labels.get(value, value)


def url_params(params: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    """The core's link parameters (codes, month keys) in the form the pages' URL-bound filters read."""
    return {k: [_label(k, str(x)) for x in v] if isinstance(v, list | tuple) else _label(k, str(v))
            for k, v in params.items()}


def link(result: ask.Answer) -> None:
    """The page and filters that show the same figure."""
    if result.link is None:
        return
    page, params = result.link
    title = PAGE_TITLES.get(page, "相关页面")
    st.page_link(page, label=f"在“{title}”中查看这个数", icon=":material/open_in_new:", query_params=url_params(params))


def _choose(choice: dict) -> None:
    if "question" in choice:
        _ask_this(str(choice["question"]))


def question_back(result: ask.Answer) -> None:
    back = result.question_back
    if not back:
        return
    st.info(plain(back.get("text", "")), icon=":material/help:")
    choices = back.get("choices") or []
    columns = st.columns(max(1, min(4, len(choices))))
    for n, choice in enumerate(choices):
        columns[n % len(columns)].button(plain(choice.get("text", "")), key=f"ask_back_{n}", on_click=_choose,
                                         args=(choice,), width="stretch")


def answer_card(result: ask.Answer, changed: tuple[tuple[str, str], ...]) -> None:
    """The answer as a person reads it: a refusal plainly, a question back with its choices, or the sentence in large
    type, the reading as chips, the figures and the link."""
    if result.refusal:
        st.warning(plain(result.refusal), icon=":material/search_off:")
    question_back(result)
    if result.sentence and not result.refusal:
        with st.container(key="ask_sentence"):
            st.markdown(plain(result.sentence))
    if result.reading is not None:
        chips(result.reading, changed)
    figures(result)
    link(result)
