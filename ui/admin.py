"""The 账户管理 and 审计日志 pages' pieces.

账户管理: the accounts table, the form to add an account, and for a chosen account a new password, a role, and
disabling or enabling it. Every change runs in its button's callback (a click is kept even when the run it arrives
in restarts, see ``frame.require_navigation``) through ``civdash.access.auth`` / ``civdash.access.accounts`` with the logged-in
administrator as ``by``, so it lands in the audit log; its outcome (done, or the Chinese reason it was refused)
waits in the session for the next run to show beside the form.

审计日志: filters (days, who, which actions) bound to the URL, the entries in words, and their downloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from civdash.access import accounts, audit, auth
from civdash.domain import times
from civdash.outputs import audit_export
from ui import access, data, frame

LIMIT = 10_000  # entries shown and exported at most; a wider choice is asked to narrow down
ALL = ""


def me() -> str | None:
    """The logged-in administrator's name, recorded with every change."""
    u = access.user()
    return u.name if u else None


def _act(area: str, change: Callable, *args, done: str, clear: Sequence[str] = (), **kwargs) -> None:
    """Run ``change(cursor, *args, by=me(), **kwargs)``; keep its outcome for ``outcome(area)``; empty the ``clear`` inputs.
    Nothing is done when the account acting is no longer an administrator (disabled or demoted since the page was
    shown: the page's run then shows the login)."""
    if not access.still_allowed("users"):
        return
    try:
        with data.cursor() as cur:
            change(cur, *args, by=me(), **kwargs)
    except auth.AccountError as exc:
        st.session_state[f"admin_outcome::{area}"] = ("error", f"未保存：{exc}")
    else:
        st.session_state[f"admin_outcome::{area}"] = ("ok", done)
    for key in clear:
        st.session_state.pop(key, None)


def _refuse(area: str, message: str, clear: Sequence[str] = ()) -> None:
    st.session_state[f"admin_outcome::{area}"] = ("error", f"未保存：{message}")
    for key in clear:
        st.session_state.pop(key, None)


def outcome(area: str) -> None:
    """The outcome of the last change made in ``area``, shown once."""
    found = st.session_state.pop(f"admin_outcome::{area}", None)
    if found:
        level, text = found
        (st.success if level == "ok" else st.error)(frame.plain(text), icon="✅" if level == "ok" else "⚠️")


# --- 账户管理 ----------------------------------------------------------------------------------------------------


def account_table() -> list[str]:
    """Every account with its role and state; returns the names."""
    with data.cursor() as cur:
        table = accounts.account_table(cur)
    st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * min(max(len(table), 1), 12),
                 column_config={"用户名": st.column_config.TextColumn(width=160)})
    st.caption("锁定中：连续5次密码错误，15分钟后自动解除；重设密码可立即解除。停用的账户不能登录，已登录的会话随即失效。")
    return list(table["用户名"])


def add_account_form() -> None:
    st.subheader("新增账户")
    fields = ("user_add_name", "user_add_password", "user_add_again")
    with st.form("user_add"):
        st.text_input("用户名", key="user_add_name", placeholder="如 李静（不含空格）")
        st.selectbox("角色", list(auth.ROLES), format_func=auth.ROLES.get, key="user_add_role",
                     help="查看：看板和下载；乡镇填报员：只看所属乡镇的数据，填报本乡镇月报；统计员：另可上传数据、审核乡镇填报、"
                          "撤销本人上传的批次；管理员：另可管理指标、乡镇、账户和审计日志。")
        township_fields("user_add")
        st.text_input("密码", type="password", key="user_add_password", help=f"至少{auth.MIN_PASSWORD}个字符")
        st.text_input("再次输入密码", type="password", key="user_add_again")

        def add() -> None:
            s = st.session_state
            name, password = s.get("user_add_name", ""), s.get("user_add_password", "")
            if password != s.get("user_add_again", ""):
                _refuse("user_add", "两次输入的密码不一致", clear=fields[1:])
                return
            role = s.get("user_add_role", "viewer")
            towns = list(s.get("user_add_towns") or []) if role == auth.TOWNSHIP else []
            _act("user_add", auth.add_user, name, role, password, clear=fields, townships=towns,
                 sees_district=bool(s.get("user_add_district")) and bool(towns),
                 done=f"已新增账户“{name.strip()}”（{auth.ROLES[role]}）")
            if s["admin_outcome::user_add"][0] == "error":
                s["user_add_name"] = name  # keep the name to correct; only the passwords are typed again

        st.form_submit_button("新增账户", type="primary", on_click=add, key="user_add_submit")
    outcome("user_add")


def township_fields(key: str, account: auth.User | None = None) -> None:
    """The townships a 乡镇填报员 account holds and whether it may see the district's totals (other roles hold none)."""
    with data.cursor() as cur:
        towns = {t.id: t.name for t in auth.registered_townships(cur)}
    held = [t for t in (account.townships if account else ()) if t in towns]
    st.multiselect("所属乡镇（街道）", list(towns), default=held, format_func=towns.get, key=f"{key}_towns",
                   placeholder="仅乡镇填报员需要选择", help="乡镇填报员只能看到、下载和填报所选乡镇（街道）的数据")
    st.checkbox("乡镇填报员也可查看全区合计", value=bool(account and account.sees_district), key=f"{key}_district")


def account_forms(names: Sequence[str]) -> None:
    """For one chosen account: a new password, its role, disabling or enabling it."""
    st.subheader("修改账户")
    if not names:
        st.info("还没有账户。")
        return
    name = st.selectbox("选择账户", list(names), key="user_pick")
    with data.cursor() as cur:
        chosen = auth.find(cur, name)
    if chosen is None:
        return
    own = name == me()
    if own:
        st.caption("这是您本人的账户：不能停用，也不能降低角色；如确需更改，请由另一位管理员操作。")

    fields = (f"user_pw::{name}", f"user_pw_again::{name}")
    with st.form(f"user_password::{name}"):
        st.markdown("**重设密码**")
        st.text_input("新密码", type="password", key=fields[0], help=f"至少{auth.MIN_PASSWORD}个字符；同时解除锁定")
        st.text_input("再次输入新密码", type="password", key=fields[1])

        def reset() -> None:
            s = st.session_state
            if s.get(fields[0], "") != s.get(fields[1], ""):
                _refuse("user_password", "两次输入的密码不一致", clear=fields)
                return
            _act("user_password", auth.set_password, name, s.get(fields[0], ""), clear=fields,
                 done=f"已为“{name}”设置新密码，原有登录已失效")

        st.form_submit_button("重设密码", on_click=reset, key=f"user_password_submit::{name}")
    outcome("user_password")

    roles = list(auth.ROLES)
    with st.form(f"user_role::{name}"):
        st.selectbox("角色", roles, index=roles.index(chosen.role), format_func=auth.ROLES.get, key=f"user_role::{name}")
        township_fields(f"user_scope::{name}", chosen)

        def change_role() -> None:
            s = st.session_state
            role = s.get(f"user_role::{name}", chosen.role)
            towns = list(s.get(f"user_scope::{name}_towns") or [])
            if role == auth.TOWNSHIP and chosen.role == auth.TOWNSHIP:
                _act("user_role", accounts.set_townships, name, towns, bool(s.get(f"user_scope::{name}_district")),
                     done=f"已更新“{name}”的所属乡镇，原有登录已失效")
                return
            _act("user_role", accounts.set_role, name, role, townships=towns,
                 done=f"已将“{name}”的角色改为{auth.ROLES[role]}")

        st.form_submit_button("保存角色和所属乡镇", on_click=change_role, key=f"user_role_submit::{name}")
    outcome("user_role")

    if chosen.disabled:
        st.button("启用账户", key=f"user_enable::{name}", icon=":material/person_check:",
                  on_click=lambda: _act("user_state", accounts.set_disabled, name, False, done=f"已启用账户“{name}”"))
    else:
        st.button("停用账户", key=f"user_disable::{name}", icon=":material/person_off:",
                  on_click=lambda: _act("user_state", accounts.set_disabled, name, True, done=f"已停用账户“{name}”"))
    outcome("user_state")


# --- 审计日志 ----------------------------------------------------------------------------------------------------


def audit_filters() -> tuple[date, date, str | None, list[str]]:
    """日期范围 (the last 30 days by default), 用户 (everyone named in the log) and 操作; all in the URL."""
    today = times.today_beijing()
    days, who, what = st.columns([2, 1, 2], vertical_alignment="bottom")
    chosen = days.date_input("日期范围", value=(today - timedelta(days=29), today), max_value=today,
                             key="audit_days", bind="query-params", format="YYYY-MM-DD")
    chosen = tuple(chosen) if isinstance(chosen, list | tuple) else (chosen,)
    start = chosen[0] if chosen else today
    end = chosen[1] if len(chosen) > 1 else start  # while the second day is being picked
    with data.cursor() as cur:
        names = audit.user_names(cur)
    user = who.selectbox("用户", [ALL, *names], format_func=lambda n: n or "全部用户", key="audit_user",
                         bind="query-params")
    actions = what.multiselect("操作", list(audit.ACTIONS), format_func=audit.ACTIONS.get, key="audit_actions",
                               bind="query-params", placeholder="全部操作")
    return start, end, user or None, list(actions)


def audit_entries(start: date, end: date, user: str | None, actions: Sequence[str]) -> pd.DataFrame:
    """The chosen entries as the table shows them, newest first."""
    with data.cursor() as cur:
        entries = audit.entries(cur, *audit_export.day_bounds(start, end), user_name=user, actions=actions,
                                limit=LIMIT)
    return audit_export.log_table(entries)


def audit_table(table: pd.DataFrame) -> None:
    st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * min(max(len(table), 1), 18),
                 column_config={"时间": st.column_config.TextColumn(width=160),
                                "用户": st.column_config.TextColumn(width=110),
                                "操作": st.column_config.TextColumn(width=120),
                                "对象": st.column_config.TextColumn(width=220),
                                "详情": st.column_config.TextColumn(width="large")})


def audit_downloads(table: pd.DataFrame, start: date, end: date) -> None:
    """The rows shown, as .csv (UTF-8 with BOM) and .xlsx; each download is itself logged."""
    title = f"审计日志（{start:%Y-%m-%d}至{end:%Y-%m-%d}）"
    csv_name, xlsx_name = audit_export.file_name(start, end, "csv"), audit_export.file_name(start, end, "xlsx")
    excel, text = st.columns(2)
    excel.download_button("下载 Excel", audit_export.to_xlsx(table, title), file_name=xlsx_name,
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/table_view:", key="audit_xlsx", width="stretch",
                          on_click=access.downloaded(xlsx_name, page="审计日志"))
    text.download_button("下载 CSV（UTF-8）", audit_export.to_csv(table), file_name=csv_name, mime="text/csv",
                         icon=":material/download:", key="audit_csv", width="stretch",
                         on_click=access.downloaded(csv_name, page="审计日志"))
