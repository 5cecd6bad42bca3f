"""会议模式's pieces: the slides the month's data can fill (``civdash.analysis.meeting``), each slide drawn to fit a
1024×768 projector without scrolling, paging by buttons and keys, the light/dark switch.

Heights: a slide's chart is ``CHART_HEIGHT`` px less ``NOTE_HEIGHT`` for each line of notes under it, so that title,
chart, notes and the paging row fit in the smallest room's 768 px (tests/e2e/test_meeting_fit.py measures it at
1920×1080, 1366×768 and 1024×768).
"""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import streamlit as st

from civdash.analysis import meeting
from civdash.domain import slides
from civdash.domain.periods import month_label
from ui import cards, charts, data, frame, watch

CHART_HEIGHT = 500
NOTE_HEIGHT = 44
LINES_MOST = 6  # 重点关注 lines, and 4 target bars, fit the smallest room in large type; the rest is on 总览
TARGETS_MOST = 4


@st.cache_data(show_spinner=False, max_entries=32)
def _plan(key: tuple[str, int], period: date) -> meeting.Plan:
    with data.cursor() as cur:
        inds = {i.code: i for i in data.indicators()}
        return meeting.plan(cur, period, slides.sequence(cur, inds), inds)


def plan(period: date) -> meeting.Plan:
    """The slides shown for ``period`` (cached by the data version: a saved sequence changes it)."""
    return _plan(data.version(), period)


def _inds() -> dict:
    return {i.code: i for i in data.indicators()}


def headline(slide: meeting.Slide, period: date) -> None:
    figures = data.metric("key_figures", period)
    chosen = figures[figures["indicator_code"].isin(slide.codes) & figures["value"].notna()]
    chosen = chosen.set_index("indicator_code").loc[list(slide.codes)].reset_index()
    cards.key_figure_grid(chosen, period, columns=3, big=True)


def trend(slide: meeting.Slide, period: date) -> None:
    inds, codes = _inds(), list(slide.codes)
    start = meeting.trend_start(period)
    df = data.metric("series", tuple(codes), start, period)
    # a month some township has not reported is left off a leader's trend line (it would only fall), and said
    incomplete = data.metric("incomplete_buckets", tuple(codes), start, period)
    df = df[~df["period"].isin(list(incomplete)) & df["value"].notna()]
    unit = inds[codes[0]].unit
    df = charts.shown(df, unit)
    df["label"] = [f"{p.year}.{p.month:02d}" for p in df["period"]]
    df["series"] = df["indicator_code"].map(lambda c: inds[c].name)
    height = CHART_HEIGHT - NOTE_HEIGHT * len(incomplete)
    charts.show(charts.trend(df, unit, inds[codes[0]].decimals, height=height, big=True),
                charts.listing([inds[c].name for c in codes]), "趋势", charts.month_span(df["period"].min(), period))
    watch.incomplete_notes(incomplete, {}, big=True, consequence="图中未画出该月")


def year_over_year(slide: meeting.Slide, period: date) -> None:
    code = slide.codes[0]
    ind = _inds()[code]
    df = data.metric("series", (code,), date(period.year - 1, 1, 1), period, ytd=True)
    df = df[df["value"].notna()]
    incomplete = data.metric("incomplete_buckets", (code,), date(period.year, 1, 1), period, ytd=True)
    df["year"], df["month"] = [p.year for p in df["period"]], [p.month for p in df["period"]]
    height = CHART_HEIGHT - NOTE_HEIGHT * len(incomplete)
    charts.show(charts.year_over_year(charts.shown(df, ind.unit), ind.unit, ind.decimals, height=height, big=True,
                                      cumulative=ind.kind == "flow"),
                ind.name, f"今年与去年{'累计' if ind.kind == 'flow' else '逐月'}对比",
                charts.month_span(date(period.year - 1, 1, 1), period))
    watch.incomplete_notes(incomplete, {}, big=True)


def ranking(slide: meeting.Slide, period: date) -> None:
    ind = _inds()[slide.codes[0]]
    df = charts.shown(data.metric("township_values", ind.code, period), ind.unit)
    df = df[df["shown"].notna()]
    average = float(df["shown"].mean())  # of every township, not of the first RANKING_MOST shown
    df = df.head(meeting.RANKING_MOST)  # largest first (township_values ranks them)
    charts.show(charts.ranking(df, ind.unit, ind.decimals, height=CHART_HEIGHT, big=True, average=average),
                ind.name, "乡镇排名", month_label(period))


def targets(slide: meeting.Slide, period: date) -> None:
    progress = data.metric("target_progress", period)
    district = progress[progress["level"] == "district"]
    for _, row in district.head(TARGETS_MOST).iterrows():
        watch.target_bar(row, month_label(period), big=True)
    more(len(district) - TARGETS_MOST, "个年度目标")


def attention(slide: meeting.Slide, period: date) -> None:
    lines = watch.attention(period)
    if not lines:
        st.markdown(f"### {watch.ALL_NORMAL}")
    for line in lines[:LINES_MOST]:
        st.markdown(f"### {line}")
    more(len(lines) - LINES_MOST, "条")


def more(left_out: int, what: str) -> None:
    if left_out > 0:
        st.markdown(f"#### 另有{left_out}{what}，见总览。")


DRAW = {"headline": headline, "trend": trend, "year_over_year": year_over_year, "ranking": ranking,
        "targets": targets, "attention": attention}


def header(title: str) -> None:
    """The slide's title, the district and the 数据截至 stamp (on every slide)."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.markdown(f'<div class="civdash-slide-title">{html.escape(title)}</div>', unsafe_allow_html=True)
    right.markdown(f'<div class="civdash-meeting-stamp">{frame.demo_tag()}{html.escape(data.district_name())}'
                   f'<br><b>{frame.as_of()}</b></div>', unsafe_allow_html=True)


def dark() -> bool:
    """Whether the browser shows Streamlit's dark theme (``?embed_options=dark_theme``, or the viewer's choice)."""
    return st.context.theme.type == "dark"


def theme_link(params: dict[str, str]) -> str:
    """A link reopening this slide in the other theme. Streamlit reads ``embed_options=dark_theme`` from the address
    when the page loads, so the link reloads the page (same tab)."""
    if dark():
        query, text = urlencode({**params, "embed_options": "light_theme"}), "浅色显示"
    else:
        query, text = urlencode({**params, "embed_options": "dark_theme"}), "深色显示（暗室）"
    return f'<a class="civdash-theme-link" href="?{html.escape(query)}" target="_self">{text}</a>'


def pager(slide: int, count: int, go, params: dict[str, str]) -> None:
    """◀ 上一页 / n / N / 下一页 ▶. The ← → keys and a clicker's PageUp/PageDown both page: each direction has a
    second button for the other key, hidden by ``frame.MEETING_CSS`` (a button's ``shortcut`` takes one key)."""
    back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
    first, last = slide == 1, slide == count
    back.button("◀ 上一页", on_click=go, args=(-1,), shortcut="Left", disabled=first, width="stretch",
                key="meeting_back")
    forward.button("下一页 ▶", on_click=go, args=(1,), shortcut="Right", disabled=last, width="stretch",
                   key="meeting_forward")
    where.markdown(f"<div class='civdash-meeting-pager'>{slide} / {count}　（← → 或翻页笔翻页）"
                   f"　{theme_link(params)}</div>", unsafe_allow_html=True)
    with st.container(key="meeting_clicker"):
        st.button("上一页（PageUp）", on_click=go, args=(-1,), shortcut="PageUp", disabled=first, key="meeting_pageup")
        st.button("下一页（PageDown）", on_click=go, args=(1,), shortcut="PageDown", disabled=last,
                  key="meeting_pagedown")
