"""会议模式: big type, one chart per screen, fitted to the projector; the slides an administrator chose that the month's
data can fill; stepped with buttons, ←/→ or a clicker's PageUp/PageDown; no sidebar."""

import streamlit as st

from civdash.domain.periods import month_label, parse_month
from ui import data, frame
from ui import meeting as mtg

frame.require_navigation()
st.markdown(frame.meeting_css(mtg.dark()), unsafe_allow_html=True)
if not data.months():
    frame.no_data()
    st.stop()

try:
    period = parse_month(st.query_params.get("period", ""))
except ValueError:
    period = data.months()[0]
slides = mtg.plan(period).slides

try:
    slide = min(max(int(st.query_params.get("slide", "1")), 1), len(slides))
except ValueError:
    slide = 1
params = {"meeting": "1", "slide": str(slide), "period": month_label(period)}


def go(step: int) -> None:
    st.query_params["slide"] = str(min(max(slide + step, 1), len(slides)))
    st.query_params["period"] = month_label(period)  # the same form the other pages' month filter writes


shown = slides[slide - 1]
mtg.header(shown.title)
with st.container(key="meeting_slide"):
    mtg.DRAW[shown.kind](shown, period)
mtg.pager(slide, len(slides), go, params)
if slide == 1 and st.query_params.get("meeting") != "1":
    st.caption("提示：在浏览器地址后加上 ?meeting=1 可直接以会议模式打开，投影时按 F11 全屏。")
