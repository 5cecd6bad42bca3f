"""报送进度: which township has reported which month, and for one month which indicators; downloadable."""

import streamlit as st

from civdash.analysis import progress
from civdash.domain.periods import month_label
from ui import access, data, filters, frame
from ui import filing as fill

frame.page_header("报送进度")
townships_fill = data.township_accounts_exist()
if townships_fill:  # the townships report for themselves: the open month's returns come first
    fill.status_section()
if not data.months():
    frame.no_data()
    st.stop()

first, last = filters.month_range(key="progress_range", default_months=12)
with data.cursor() as cur:
    grid = progress.month_grid(cur, first, last)
latest = month_label(last)
missing = progress.missing_townships(grid, latest)
st.markdown(f"**{latest}**：{grid.reported[latest]}/{grid.townships}个乡镇（街道）已报送"
            + (f"；未报送或不全：{'、'.join(frame.plain(t) for t in missing)}" if missing else "，全部报送"))
st.caption(f"{progress.FULL}：当月各乡镇报送过的指标都已报送；{progress.PARTIAL}：只报送了其中一部分；"
           f"{progress.NONE}：没有任何数据。")


def colour(value: str) -> str:
    fill = "#FCE3C8" if "有异常" in value else next((c for s, c in progress.FILLS.items() if value.startswith(s)), None)
    return f"background-color: {fill}" if fill else ""


st.dataframe(grid.statuses.style.map(colour), width="stretch", height=38 + 35 * min(len(grid.statuses), 31))

st.subheader("单月按指标")
period = filters.month(key="progress_month", label="月份")
with data.cursor() as cur:
    indicators = progress.indicator_grid(cur, period)
if indicators.empty:
    st.info(f"{month_label(period)}没有任何数据。")
else:
    st.dataframe(indicators.style.map(colour), width="stretch", height=38 + 35 * min(len(indicators), 31))
    st.caption("“有异常”（橙色）：该乡镇当月有数值明显偏离其近一年的常态（与总览“重点关注”同一规则）。")

with data.cursor() as cur:
    workbook = progress.progress_xlsx(cur, grid, first, last, period, indicators)
st.download_button("下载报送进度（Excel）", workbook, file_name=progress.file_name(first, last),
                   icon=":material/download:", key="progress_download",
                   on_click=access.downloaded(progress.file_name(first, last), page="报送进度"))

if not townships_fill:  # without township accounts the statistician uploads: 未填 would only mislead
    with st.expander("乡镇填报（尚未建立乡镇填报员账户）"):
        st.caption("建立乡镇填报员账户后，各乡镇（街道）可自行填报本月数据，此处显示各乡镇的填报状态并置于页首。")
        fill.status_section()
