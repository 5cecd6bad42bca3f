"""民政数据看板: the script each session runs. Pages by role, shared settings; served by `streamlit run serve.py`."""

import logging

import streamlit as st

from civdash.store.ducklake import StoreError
from civdash.store.integrity import DatabaseDamaged
from ui.access import Entry

st.set_page_config(page_title="民政数据看板", page_icon="📊", layout="wide")

from ui import access, data, frame  # noqa: E402  (after set_page_config)

frame.localise()  # Streamlit's own English texts in Chinese (ui/frame.py LOCALE_CSS)
meeting = st.query_params.get("meeting") == "1"
# ?meeting=1 opens 会议模式 full-screen at the root address; at its own address (/meeting, to which its hint says to add
# ?meeting=1) it stays the page there: were it the default, /meeting would name no page (Streamlit's English notice).
meeting_at_root = meeting and not frame.address_name()
login = st.Page("pages/login.py", title="登录", icon=":material/login:")
groups = {
    "领导看板": [
        Entry(st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=not meeting_at_root), "analysis"),
        Entry(st.Page("pages/trend.py", title="趋势分析", icon=":material/show_chart:"), "analysis"),
        Entry(st.Page("pages/compare.py", title="乡镇对比", icon=":material/leaderboard:"), "analysis"),
        Entry(st.Page("pages/meeting.py", title="会议模式", icon=":material/co_present:", default=meeting_at_root), "analysis"),
    ],
    "统计工作": [
        Entry(st.Page("pages/filing.py", title="填报", icon=":material/edit_note:"), "fill"),
        Entry(st.Page("pages/upload.py", title="数据上传", icon=":material/upload_file:"), "upload"),
        Entry(st.Page("pages/review.py", title="审核", icon=":material/rule:"), "review"),
        Entry(st.Page("pages/progress.py", title="报送进度", icon=":material/fact_check:"), "upload"),
        Entry(st.Page("pages/history.py", title="导入记录", icon=":material/history:"), "upload"),
        Entry(st.Page("pages/registry.py", title="指标与乡镇", icon=":material/tune:"), "registry"),
    ],
    "查询与汇报": [
        Entry(st.Page("pages/query.py", title="数据查询", icon=":material/table_chart:"), "analysis"),
        Entry(st.Page("pages/ask.py", title="问数", icon=":material/question_answer:"), "analysis"),
        Entry(st.Page("pages/report.py", title="汇报材料", icon=":material/description:"), "analysis"),
    ],
    "系统管理": [
        Entry(st.Page("pages/users.py", title="账户管理", icon=":material/manage_accounts:"), "users"),
        Entry(st.Page("pages/audit.py", title="审计日志", icon=":material/policy:"), "audit"),
    ],
}
entries = [e for group in groups.values() for e in group]
routes = [e.page for e in entries] + [login]
# An address naming no page opens 页面不存在 (Streamlit's own notice is in English): a hidden page at that address.
# A page file's own name is never one (/overview while 总览 is the default page, at "/").
if unknown := frame.unknown_address([p.url_path for p in routes] + frame.page_files()):
    routes.append(st.Page("pages/not_found.py", title="页面不存在", icon=":material/link_off:", url_path=unknown))
# Every page is routable (a link opens it, or its refusal); the sidebar lists only what this person may open.
navigation = st.navigation(routes, position="hidden")
entry = next((e for e in entries if e.page.url_path == navigation.url_path), None)
try:
    # The analysis pages never save: their figures are read at one data version per run (ui/data.py hold_version).
    data.hold_version(entry is not None and entry.permission == "analysis")
    access.refresh()  # the account read again on every run: a disabled or demoted account's open tab loses it now
    access.expired_notice()
    if not meeting:
        access.sidebar(groups, login)
    if entry is not None and not access.may_open(entry.permission):
        access.refusal(entry, login)
    else:
        navigation.run()
except DatabaseDamaged as exc:  # wrong numbers are never shown: say what is wrong and what the admin runs
    logging.getLogger("civdash").error("integrity check failed: %s", exc)
    st.error(str(exc))
except StoreError as exc:  # the shared store is not set up right or not reachable: details in the log
    logging.getLogger("civdash").error("store unavailable: %s", exc)  # StoreError masks any password itself
    if access.known_admin():  # what is wrong, for the one who can fix it
        st.error(f"看板暂时无法使用数据：{exc.message.rstrip('。')}。详细原因已记入服务器日志。")
    else:
        st.error(access.STORE_DOWN)
except Exception:  # never show a traceback to a user; the log keeps it for the admin
    logging.getLogger("civdash").exception("page %s failed", navigation.title)
    st.error("抱歉，页面加载时出现问题，详细情况已记入服务器日志。请刷新页面重试；如仍有问题，请联系系统管理员。")
