"""审计日志: who did what and when — logins, uploads, rollbacks, registry and account changes, downloads —
filtered by days, person and action (all in the URL), downloadable as .csv or .xlsx."""

import streamlit as st

from ui import admin, frame

frame.page_header("审计日志")
start, end, user, actions = admin.audit_filters()
table = admin.audit_entries(start, end, user, actions)
if table.empty:
    st.info("所选范围内没有记录。")
    st.stop()
more = f"仅显示最近{admin.LIMIT:,}条，请缩小日期范围。" if len(table) >= admin.LIMIT else ""
st.caption(f"共{len(table):,}条，最新的在前。{more}")
admin.audit_table(table)
admin.audit_downloads(table, start, end)
