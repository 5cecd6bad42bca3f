"""会议模式: big type, one chart per screen, stepped with buttons or the ←/→ keys; no sidebar."""

import html
from collections.abc import Callable
from datetime import date

import streamlit as st

from civdash.domain.periods import add_months, month_label, parse_month, ytd_label
from ui import cards, charts, data, frame, watch

frame.require_navigation()
st.markdown(frame.MEETING_CSS, unsafe_allow_html=True)
if not data.months():
    frame.no_data()
    st.stop()

try:
    period = parse_month(st.query_params.get("period", ""))
except ValueError:
    period = data.months()[0]
inds = {i.code: i for i in data.indicators()}
figures = data.metric("key_figures", period)


def headline() -> None:
    codes = ["dibao_urban_persons", "dibao_rural_persons", "tekun_persons", "dibao_rural_funds",
             "temp_relief_funds", "aging_retrofit_households"]
    chosen = figures[figures["indicator_code"].isin(codes) & figures["value"].notna()]
    cards.key_figure_grid(chosen, period, columns=3, big=True)


def trend(codes: list[str], months: int = 24) -> None:
    start = add_months(period, -(months - 1))
    df = data.metric("series", tuple(codes), start, period)
    if df.empty:
        return
    # a month some township has not reported is left off a leader's trend line (it would only fall), and said
    incomplete = data.metric("incomplete_buckets", tuple(codes), start, period)
    df = df[~df["period"].isin(list(incomplete))]
    unit = inds[codes[0]].unit
    df = charts.shown(df, unit)
    df["label"] = [f"{p.year}.{p.month:02d}" for p in df["period"]]
    df["series"] = df["indicator_code"].map(lambda c: inds[c].name)
    charts.show(charts.trend(df, unit, inds[codes[0]].decimals, height=540 - 40 * len(incomplete), big=True),
                charts.listing([inds[c].name for c in codes]), "趋势", charts.month_span(df["period"].min(), period))
    watch.incomplete_notes(incomplete, {}, big=True, consequence="图中未画出该月")


def this_year_vs_last(code: str) -> None:
    df = data.metric("series", (code,), date(period.year - 1, 1, 1), period, ytd=True)
    incomplete = data.metric("incomplete_buckets", (code,), date(period.year, 1, 1), period, ytd=True)
    df["year"], df["month"] = [p.year for p in df["period"]], [p.month for p in df["period"]]
    ind = inds[code]
    charts.show(charts.year_over_year(charts.shown(df, ind.unit), ind.unit, ind.decimals,
                                      height=540 - 40 * len(incomplete), big=True, cumulative=ind.kind == "flow"),
                ind.name, f"今年与去年{'累计' if ind.kind == 'flow' else '逐月'}对比",
                charts.month_span(date(period.year - 1, 1, 1), period))
    watch.incomplete_notes(incomplete, {}, big=True)


def ranking(code: str) -> None:
    ind = inds[code]
    df = charts.shown(data.metric("township_values", code, period), ind.unit)
    charts.show(charts.ranking(df, ind.unit, ind.decimals, height=700, big=True), ind.name, "乡镇排名",
                month_label(period))


def targets() -> None:
    progress = data.metric("target_progress", period)
    progress = progress[progress["level"] == "district"]
    if progress.empty:
        st.info("尚未设置年度目标。")
    for _, row in progress.iterrows():
        watch.target_bar(row, month_label(period), big=True)


def alerts() -> None:
    lines = watch.attention(period)
    if not lines:
        st.markdown(f"### {watch.ALL_NORMAL}")
    for line in lines:
        st.markdown(f"### {line}")


first_month = data.metric("first_month_of_year", period)  # 1-N月 only when the year's data start in January
SLIDES: list[tuple[str, Callable[[], None]]] = [
    (f"核心指标（{month_label(period)}）", headline),
    ("城乡低保对象人数走势（近24个月）", lambda: trend(["dibao_urban_persons", "dibao_rural_persons"])),
    (f"农村低保资金{ytd_label(period, first_month)}累计：今年与去年", lambda: this_year_vs_last("dibao_rural_funds")),
    (f"农村低保人数乡镇排名（{month_label(period)}）", lambda: ranking("dibao_rural_persons")),
    ("年度目标完成情况", targets),
    ("社区APP注册用户数增长", lambda: trend(["app_registered_users"])),
    ("重点关注", alerts),
]

try:
    slide = min(max(int(st.query_params.get("slide", "1")), 1), len(SLIDES))
except ValueError:
    slide = 1


def go(step: int) -> None:
    st.query_params["slide"] = str(min(max(slide + step, 1), len(SLIDES)))
    st.query_params["period"] = month_label(period)  # the same form the other pages' month filter writes


title, stamp = st.columns([3, 1], vertical_alignment="bottom")
title.markdown(f'<div class="civdash-slide-title">{SLIDES[slide - 1][0]}</div>', unsafe_allow_html=True)
stamp.markdown(f'<div class="civdash-meeting-stamp">{frame.demo_tag()}{html.escape(data.district_name())}'
               f'<br><b>{frame.as_of()}</b></div>',
               unsafe_allow_html=True)
SLIDES[slide - 1][1]()

back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
back.button("◀ 上一页", on_click=go, args=(-1,), shortcut="Left", disabled=slide == 1, width="stretch")
where.markdown(f"<div style='text-align:center'>{slide} / {len(SLIDES)}　（键盘 ← → 翻页）</div>",
               unsafe_allow_html=True)
forward.button("下一页 ▶", on_click=go, args=(1,), shortcut="Right", disabled=slide == len(SLIDES), width="stretch")
if slide == 1 and st.query_params.get("meeting") != "1":
    st.caption("提示：在浏览器地址后加上 ?meeting=1 可直接以会议模式打开，投影时按 F11 全屏。")
