"""汇报材料: choose a period (月度, 季度, 1-N月累计) and sections; the figures paragraphs of a work report, written from
the stored data, to copy or download as Word and Markdown. Every choice is in the URL, so the view is a link."""

import streamlit as st

from civdash.analysis import report
from ui import data, frame
from ui import report as report_ui

frame.page_header("汇报材料")
if not data.months():
    frame.no_data()
    st.stop()

period = report_ui.period()
sections = report_ui.sections()
if not sections:
    st.info("请选择至少一个栏目。")
    st.stop()
try:
    result = report_ui.build(period, sections)
except report.ReportRefused as exc:
    st.warning(str(exc))
    st.stop()

text = report.to_text(result)
st.subheader(frame.plain(result.title))
st.caption(f"{result.date_line}。数字取自已上传的数据，金额以万元计；请核对后使用。附表列出每个数字的本期、上期和上年同期值。")
report_ui.copy_button(text)
st.code(text, language=None, wrap_lines=True)
report_ui.downloads(result)
with st.expander(report.APPENDIX_TITLE):
    st.dataframe(report_ui.appendix(result), hide_index=True, width="stretch")
