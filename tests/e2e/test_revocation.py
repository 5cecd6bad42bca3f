"""Revocation and logout in real headless Chromium (issue 16, items 3 and 4): an administrator disables an account
whose tab is open in another browser, and that tab's next click shows the login instead of the page; a disabled
administrator's open tab cannot change another account; logging out right after logging in ends the login
session, so the old cookie, replayed, logs nobody in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import bureau_database, run_server

pytestmark = pytest.mark.timeout(600)

SECOND_ADMIN = ("赵敏", "correct horse 6")


@pytest.fixture
def two_admins(e2e_files, demo_snapshot, tmp_path) -> Iterator[str]:
    """A server of this test's own on a bureau database with ``ACCOUNTS`` and a second administrator."""
    from civdash.access import auth
    from civdash.store import db

    real = bureau_database(demo_snapshot, tmp_path)
    con = db.connect(real)
    try:
        auth.add_user(con, SECOND_ADMIN[0], "admin", SECOND_ADMIN[1])
    finally:
        con.close()
    with run_server(e2e_files["demo"], tmp_path, real=real) as url:
        yield url


def pick(page, label: str, option: str, within=None) -> None:
    """Choose ``option`` in the selectbox labelled ``label`` (inside ``within`` when given)."""
    (within or page).locator('[data-testid="stSelectbox"]').filter(has_text=label).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def test_a_disabled_accounts_open_tab_shows_the_login_at_its_next_click(new_page, bureau_server, app_helpers):
    h, (url, _) = app_helpers, bureau_server
    statistician = new_page()
    h.log_in(statistician, url, "/history", text="查看批次")
    admin = new_page()
    h.log_in(admin, url, "/users", text="新增账户", name="王主任")
    pick(admin, "选择账户", "李静")
    h.wait(admin)
    admin.get_by_role("button", name="停用账户").click()
    h.wait(admin, "已停用账户“李静”")

    sidebar(statistician).get_by_role("link", name="报送进度").click()  # the open tab's next click
    h.wait(statistician, "前往登录")
    text = main_text(statistician)
    assert "打开“报送进度”需要统计员或管理员账户，请先登录。" in text and "登录已失效" in text
    assert "当前用户" not in sidebar(statistician).inner_text()
    statistician.reload()  # the cookie no longer logs the browser in either
    h.wait(statistician, "前往登录")
    assert "当前用户" not in sidebar(statistician).inner_text()


def test_a_disabled_admins_open_tab_cannot_promote_anyone(new_page, two_admins, app_helpers):
    h, url = app_helpers, two_admins
    other = new_page()
    h.open(other, url, "/login", "密码")
    other.get_by_label("用户名").fill(SECOND_ADMIN[0])
    other.get_by_label("密码").fill(SECOND_ADMIN[1])
    other.get_by_role("button", name="登录").click()
    h.wait(other, "总览")
    sidebar(other).get_by_role("link", name="账户管理").click()
    h.wait(other, "新增账户")
    pick(other, "选择账户", "张科长")
    h.wait(other)
    role_form = other.locator('[data-testid="stForm"]').filter(has=other.get_by_role("button", name="保存角色和所属乡镇"))
    pick(other, "角色", "管理员", within=role_form)  # filled in before the account is disabled (a form: no run yet)

    admin = new_page()
    h.log_in(admin, url, "/users", text="新增账户", name="王主任")
    pick(admin, "选择账户", SECOND_ADMIN[0])
    h.wait(admin)
    admin.get_by_role("button", name="停用账户").click()
    h.wait(admin, f"已停用账户“{SECOND_ADMIN[0]}”")

    other.get_by_role("button", name="保存角色和所属乡镇").click()
    h.wait(other, "前往登录")
    assert "打开“账户管理”需要管理员账户，请先登录。" in main_text(other)

    admin.reload()
    h.wait(admin, "新增账户")
    h.cell(admin, "张科长")
    rows = {r[0]: r[1:4] for r in h.rows(admin)}  # 角色, 所属乡镇, 状态
    assert rows["张科长"] == ["查看", "", "正常"] and rows[SECOND_ADMIN[0]] == ["管理员", "", "停用"]


def test_logging_out_right_after_logging_in_ends_the_cookies_session(new_page, bureau_server, app_helpers):
    h, (url, _) = app_helpers, bureau_server
    page = new_page()
    h.log_in(page, url, "/history", text="查看批次")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "civdash_session"]
    sidebar(page).get_by_role("button", name="退出登录").click()
    h.wait(page, "前往登录")

    replay = new_page()
    replay.context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": url}])
    h.open(replay, url, "/history")
    replay.wait_for_function("() => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '')"
                             ".includes('前往登录')")
    h.wait(replay)
    assert "当前用户" not in sidebar(replay).inner_text()
    assert "查看批次" not in main_text(replay)


def test_a_download_goes_only_to_the_browser_of_a_live_login(new_page, bureau_server, app_helpers):
    """Item 10: the login cookie is HttpOnly, and a download's address (``/media/…``) serves its file to the browser
    logged in, never to another browser, nor to the same one after its logout; a visitor is offered no download."""
    from ui import access, web

    h, (url, _) = app_helpers, bureau_server
    visitor = new_page()
    h.open(visitor, url, "/query", text=access.DOWNLOAD_NEEDS_LOGIN)
    assert not visitor.get_by_role("button", name="下载 Excel（统计表格式）").count()

    page = new_page()
    h.log_in(page, url, "/history", text="导入记录")
    h.open(page, url, "/query", text="下载 Excel（统计表格式）")  # a new session, logged in by the cookie
    (cookie,) = [c for c in page.context.cookies() if c["name"] == web.COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 Excel（统计表格式）").click()
    data = open(info.value.path(), "rb").read()
    address = info.value.url
    assert "/media/" in address and data.startswith(b"PK")
    mine = page.request.get(address)
    assert mine.status == 200 and mine.body() == data

    stranger = visitor.request.get(address)  # the address copied into another browser
    assert stranger.status == 403 and stranger.text() == web.REFUSED
    sidebar(page).get_by_role("button", name="退出登录").click()
    h.wait(page, "登录")
    after = page.request.get(address)
    assert after.status == 403 and after.text() == web.REFUSED
