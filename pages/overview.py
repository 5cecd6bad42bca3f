"""总览: the month, a question box (问数) and who has reported; key figures by category with 同比/环比 (the first
category open, the rest collapsible, so the headline figures are above the fold at 1920×1080); then what to ask about
and yearly targets."""

import streamlit as st

from civdash.analysis.marks import township_list
from civdash.domain.periods import month_label
from ui import ask, cards, data, filters, frame, watch
from ui.frame import plain

frame.page_header("民政工作总览")
if not data.months():
    frame.no_data()
    st.stop()

left, asking, right = st.columns([1, 1.5, 2.5], vertical_alignment="bottom")
period = filters.month(container=left)
with asking:  # a question typed here opens 问数 answered (?q=), without pushing the figures below the fold
    ask.style()
    ask.overview_box()
reported, registered = data.metric("reporting_summary", period)
missing = watch.not_reported(period)
right.markdown(f"**{month_label(period)}** 已报送乡镇（街道）：**{reported}/{registered}** 个"
               + (f"；{plain(township_list(missing))}未报送，卡片上的合计不含其数据（标“数据不全”），增减按同口径计算"
                  if missing else ""))

figures = data.metric("key_figures", period)
st.caption(cards.reading_note(period))
for number, (category, part) in enumerate(cards.by_category(figures, data.categories())):
    with st.expander(cards.category_title(category, part), expanded=number == 0):
        cards.key_figure_grid(part, period)
if data.sees_district():  # a township account an administrator lets see the district's totals (never its townships)
    with st.expander(f"{data.whole_district_word()}合计（供参考，{len(figures)}项）"):
        cards.key_figure_grid(data.district_metric("key_figures", period), period)

attention, targets_col = st.columns([3, 2], gap="large")
with attention:
    st.subheader("重点关注")
    lines = watch.attention(period)
    if not lines:
        st.success(watch.ALL_NORMAL)
    for line in lines:
        st.markdown(f"- {line}")

with targets_col:
    st.subheader("年度目标完成情况")
    targets = data.metric("target_progress", period)
    if targets.empty:
        st.caption(f"{period.year}年尚未设置年度目标。")
    district_targets = targets[targets["level"] == "district"]
    town_targets = targets[targets["level"] == "township"]
    for _, row in district_targets.iterrows():
        watch.target_bar(row, month_label(period))
    if not town_targets.empty:
        with st.expander(f"乡镇（街道）目标（{len(town_targets)}项）"):
            watch.township_targets(town_targets, month_label(period))
