"""民政数据看板: entry point. Pages by role, shared settings; run with `streamlit run dashboard.py`."""

import logging

import streamlit as st

st.set_page_config(page_title="民政数据看板", page_icon="📊", layout="wide")

meeting = st.query_params.get("meeting") == "1"
pages = {
    "领导看板": [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=not meeting),
        st.Page("pages/trend.py", title="趋势分析", icon=":material/show_chart:"),
        st.Page("pages/compare.py", title="乡镇对比", icon=":material/leaderboard:"),
        st.Page("pages/meeting.py", title="会议模式", icon=":material/co_present:", default=meeting),
    ],
    "统计工作": [
        st.Page("pages/upload.py", title="数据上传", icon=":material/upload_file:"),
        st.Page("pages/progress.py", title="报送进度", icon=":material/fact_check:"),
        st.Page("pages/history.py", title="导入记录", icon=":material/history:"),
        st.Page("pages/registry.py", title="指标与乡镇", icon=":material/tune:"),
    ],
    "查询与汇报": [
        st.Page("pages/query.py", title="数据查询", icon=":material/table_chart:"),
    ],
}
navigation = st.navigation(pages, position="hidden" if meeting else "sidebar")
try:
    navigation.run()
except Exception:  # never show a traceback to a user; the log keeps it for the admin
    logging.getLogger("civdash").exception("page %s failed", navigation.title)
    st.error("抱歉，页面加载时出现问题，详细情况已记入服务器日志。请刷新页面重试；如仍有问题，请联系系统管理员。")
