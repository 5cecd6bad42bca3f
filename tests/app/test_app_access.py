"""Who may open what (dashboard.py, ui/access.py, pages/login.py): the sidebar lists only the pages a role may use;
a page opened by its URL without the right shows a polite refusal and nothing of itself; logging in on the
login page (every attempt in the audit log); analysis pages behind a login when the setting says so."""

from __future__ import annotations

import duckdb
import pytest

from civdash.access import auth
from civdash.store import db
from tests.app.conftest import run_app

VIEWER = auth.User(2, "张科长", "viewer", False)
STATISTICIAN = auth.User(3, "王芳", "statistician", False)
PASSWORD = "correct horse 7"


def links(at) -> list[str]:
    return [e.proto.page_link.label if hasattr(e.proto, "page_link") else e.proto.label for e in at.get("page_link")]


def main_text(at) -> str:
    return " ".join(str(getattr(e, "value", "")) for e in at.main)


@pytest.mark.parametrize(("user", "shown", "hidden"), [
    (None, ["总览", "趋势分析", "乡镇对比", "会议模式", "数据查询", "登录"], ["数据上传", "导入记录", "指标与乡镇"]),
    (VIEWER, ["总览", "数据查询"], ["数据上传", "报送进度", "导入记录", "指标与乡镇", "登录"]),
    (STATISTICIAN, ["总览", "数据上传", "报送进度", "导入记录"], ["指标与乡镇", "登录"]),
    (run_app.__defaults__[1], ["数据上传", "导入记录", "指标与乡镇"], ["登录"]),  # the administrator
])
def test_the_sidebar_lists_what_the_role_may_open(demo_env, clean, user, shown, hidden) -> None:
    at = run_app(user=user)
    clean(at)
    listed = links(at)
    assert all(s in listed for s in shown), listed
    assert not any(h in listed for h in hidden), listed


@pytest.mark.parametrize(("user", "page", "says"), [
    (None, "pages/upload.py", "打开“数据上传”需要统计员或管理员账户，请先登录。"),
    (VIEWER, "pages/upload.py", "您的账户（查看）没有打开“数据上传”的权限：需要统计员或管理员账户。"),
    (STATISTICIAN, "pages/registry.py", "您的账户（统计员）没有打开“指标与乡镇”的权限：需要管理员账户。"),
    (None, "pages/history.py", "打开“导入记录”需要统计员或管理员账户，请先登录。"),
])
def test_a_forbidden_page_is_refused_politely_and_not_shown(demo_env, clean, user, page, says) -> None:
    at = run_app(page, user=user)
    clean(at)
    notes = [e.value for e in [*at.info, *at.warning]]
    assert any(says in n for n in notes), notes
    assert not at.get("file_uploader") and not at.tabs and not at.dataframe  # nothing of the page itself


def test_analysis_pages_can_require_a_login(demo_env, clean, monkeypatch) -> None:
    monkeypatch.setenv("CIVDASH_LOGIN_FOR_ANALYSIS", "1")
    at = run_app("pages/trend.py", user=None)
    clean(at)
    assert any("打开“趋势分析”需要登录，请先登录。" in i.value for i in at.info)
    assert "总览" not in links(at)
    assert not at.get("plotly_chart")
    at = run_app("pages/trend.py", user=VIEWER)
    clean(at)
    assert not at.info or not any("需要登录" in i.value for i in at.info)


def with_account(path) -> None:
    con = db.connect(path)
    try:
        auth.add_user(con, "王芳", "statistician", PASSWORD)
    finally:
        con.close()


def test_logging_in_with_the_right_password_opens_the_pages_of_the_role(real_env, clean) -> None:
    with_account(real_env)
    at = run_app("pages/login.py", user=None)
    clean(at)
    at.text_input(key="login_name").input("王芳")
    at.text_input(key="login_password").input("wrong password")
    at = at.button[0].click().run() if at.button else at
    at = at.get("form")[0] and at
    at.run()
    # the form's submit button
    submit = next(b for b in at.button if b.label == "登录")
    at = submit.click().run()
    assert [e.value for e in at.error] == ["用户名或密码不正确"]
    at.text_input(key="login_name").input("王芳")
    at.text_input(key="login_password").input(PASSWORD)
    at = next(b for b in at.button if b.label == "登录").click().run()
    clean(at)
    assert at.session_state["civdash_user"].name == "王芳"
    assert "数据上传" in links(at) and "指标与乡镇" not in links(at)
    con = duckdb.connect(str(real_env))
    try:
        assert con.execute("SELECT action, target FROM audit_log ORDER BY id").fetchall()[-2:] == [
            ("login_failed", "王芳"), ("login", "王芳")]
    finally:
        con.close()


def test_without_accounts_the_login_page_says_how_to_create_the_first(demo_env, clean) -> None:
    at = run_app("pages/login.py", user=None)
    clean(at)
    assert any("python -m civdash users add 用户名 --role admin" in i.value for i in at.info)
    assert not at.text_input


def test_with_an_identity_provider_configured_the_login_page_offers_it(real_env, clean) -> None:
    with_account(real_env)
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    from tests.app.conftest import DASHBOARD, TIMEOUT  # noqa: PLC0415

    at = AppTest.from_file(str(DASHBOARD), default_timeout=TIMEOUT)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "civdash", "client_secret": "s", "server_metadata_url": "https://idp/.well-known"}
    at.secrets["civdash"] = {"role_claim": "groups", "roles": {"admin": "民政局-管理员"}}
    at.run()
    at.switch_page("pages/login.py")
    at.run()
    clean(at)
    assert [b.label for b in at.button][:1] == ["使用单位统一身份认证登录"]
    assert [t.label for t in at.text_input] == ["用户名", "密码"]  # the accounts of civdash still log in too
