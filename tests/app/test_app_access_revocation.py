"""Revocation reaches an open session (issue 16, item 3): every page run reads the account again, so a session
whose account another administrator disabled, demoted or gave a new password is logged out at its next run, and a
callback of a page rendered before (a button of 账户管理, 导入记录's rollback) cannot act for it any more."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from civdash.access import audit, auth
from civdash.store import db
from tests.app.conftest import DASHBOARD, TIMEOUT

PASSWORD = "correct horse 7"


@pytest.fixture
def bureau(real_env):
    """The test's bureau database with two administrators, a statistician and a viewer."""
    con = db.connect(real_env)
    try:
        for name, role in (("李静", "admin"), ("王主任", "admin"), ("王芳", "statistician"), ("张科长", "viewer")):
            auth.add_user(con, name, role, PASSWORD, by="命令行")
    finally:
        con.close()
    return real_env


def change(path, what: Callable, *args) -> None:
    """An account change made by 王主任 in another session (the same file the app holds, opened alike)."""
    con = db.connect(path)
    try:
        what(con, *args, by="王主任")
    finally:
        con.close()


def account(path, name: str) -> auth.User:
    con = db.connect(path)
    try:
        return auth.find(con, name)
    finally:
        con.close()


def logged_in(name: str, page: str) -> AppTest:
    """A session logged in as ``name`` on the login page (a real login session), then on ``page``."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/login.py")
    at.run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORD)
    at = next(b for b in at.button if b.label == "登录").click().run()
    assert at.session_state["civdash_user"].name == name
    at.switch_page(page)
    return at.run()


def notes(at) -> list[str]:
    return [e.value for e in [*at.success, *at.error, *at.info, *at.warning]]


def links(at) -> list[str]:
    return [e.proto.label for e in at.get("page_link")]


@pytest.mark.parametrize(("what", "args"), [
    (auth.set_disabled, ("王芳", True)),
    (auth.set_role, ("王芳", "viewer")),
    (auth.set_password, ("王芳", "battery staple 9")),
])
def test_a_revoked_account_is_logged_out_at_the_next_run(bureau, clean, what, args) -> None:
    at = logged_in("王芳", "pages/history.py")
    clean(at)
    assert at.dataframe and "导入记录" in links(at)
    change(bureau, what, *args)
    at = at.run()  # the next run of the open tab (any click)
    assert not at.exception
    assert "打开“导入记录”需要统计员或管理员账户，请先登录。" in notes(at)
    assert any("登录已失效" in n for n in notes(at)), notes(at)
    assert not at.dataframe and "导入记录" not in links(at) and "登录" in links(at)
    assert "civdash_user" not in at.session_state


def test_a_demoted_admin_loses_the_audit_log_at_once(bureau, clean) -> None:
    at = logged_in("李静", "pages/audit.py")
    clean(at)
    assert at.dataframe
    change(bureau, auth.set_role, "李静", "statistician")
    at = at.run()
    assert "打开“审计日志”需要管理员账户，请先登录。" in notes(at)
    assert not at.dataframe and "审计日志" not in links(at)


def test_a_disabled_admins_open_tab_cannot_act(bureau, clean) -> None:
    at = logged_in("李静", "pages/users.py")
    clean(at)
    at = at.selectbox(key="user_pick").set_value("张科长").run()
    at.selectbox(key="user_role::张科长").set_value("admin")  # the form is filled in before the account is disabled
    change(bureau, auth.set_disabled, "李静", True)
    at = at.button(key="user_role_submit::张科长").click().run()
    assert not at.exception
    assert account(bureau, "张科长").role == "viewer"  # not promoted
    assert account(bureau, "李静").disabled  # and the tab did not enable itself
    assert "打开“账户管理”需要管理员账户，请先登录。" in notes(at)
    con = db.connect(bureau)
    try:
        last = audit.entries(con, actions=["user"]).iloc[0]
    finally:
        con.close()
    assert (last["user_name"], last["target"]) == ("王主任", "李静")  # the disabling is the last account change
