"""登录: name and password; after a login the page asked for opens (or 总览)."""

import time

import streamlit as st

from ui import access, data, frame

frame.page_header("登录")
if access.user() is not None and st.session_state.pop("login_redirect", False):
    # Keep the login in a cookie (the browser asks the server for it as soon as the frame arrives), then open the
    # page asked for.
    access.write_cookie(st.session_state.pop(access.TOKEN_KEY, None))
    st.info("登录成功，正在打开页面……", icon=":material/check_circle:")
    time.sleep(1)
    st.switch_page(st.session_state.pop(access.NEXT_KEY, None) or "pages/overview.py")
if (u := access.user()) is not None:
    st.success(f"已登录：{frame.plain(u.name)}（{u.role_name}）。", icon=":material/check_circle:")
    st.button("退出登录", key="login_logout", on_click=access.log_out)
    st.stop()
if access.oidc_settings():
    st.button("使用单位统一身份认证登录", type="primary", on_click=st.login, icon=":material/badge:")
    if st.user.get("is_logged_in", False):
        st.warning("您已通过统一身份认证登录，但账号没有本系统的角色，请联系系统管理员开通。")
    st.caption("也可以使用本系统的用户名和密码登录：")
if not data.accounts_exist():
    st.info("尚未建立账户。请系统管理员在服务器上运行 `python -m civdash users add 用户名 --role admin` 创建第一个"
            "管理员账户（尚无正式数据库时会同时建立），再用该账户登录。", icon=":material/info:")
    st.stop()


def submit() -> None:
    message = access.log_in(st.session_state.get("login_name", ""), st.session_state.get("login_password", ""))
    st.session_state["login_message"] = message
    st.session_state["login_redirect"] = not message
    st.session_state["login_password"] = ""


with st.form("login", width=420):
    st.text_input("用户名", key="login_name")
    st.text_input("密码", type="password", key="login_password")
    st.form_submit_button("登录", type="primary", on_click=submit)
if message := st.session_state.pop("login_message", None):
    st.error(message)
