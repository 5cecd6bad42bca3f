"""账户管理 and 审计日志 (pages/users.py, pages/audit.py, ui/admin.py) on a writable bureau database: accounts added,
given a new password, disabled and given another role through the page, then checked through ``auth.login`` and
the audit log; an admin's own account protected; the log filtered and exported; both pages refused to other roles;
downloads anywhere in the dashboard recorded."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from civdash.access import audit, auth
from civdash.store import db
from tests.app.conftest import TEST_USER, run_app

VIEWER = auth.User(2, "张科长", "viewer", False)
STATISTICIAN = auth.User(3, "王芳", "statistician", False)
PASSWORD = "correct horse 7"
NEW_PASSWORD = "battery staple 9"


@pytest.fixture
def bureau(real_env):
    """The test's bureau database with the session's admin (李静, ``TEST_USER``), a statistician and a viewer."""
    con = db.connect(real_env)
    try:
        auth.add_user(con, TEST_USER.name, "admin", PASSWORD, by="命令行")
        auth.add_user(con, STATISTICIAN.name, "statistician", PASSWORD, by="命令行")
        auth.add_user(con, VIEWER.name, "viewer", PASSWORD, by="命令行")
    finally:
        con.close()
    return real_env


def connect(path):
    return db.connect(path)  # the same file the app holds, opened alike, in the same process


def accounts(at) -> dict[str, tuple[str, str]]:
    table = at.dataframe[0].value
    return {r["用户名"]: (r["角色"], r["状态"]) for _, r in table.iterrows()}


def notes(at) -> list[str]:
    return [e.value for e in [*at.success, *at.error, *at.info, *at.warning]]


def last_user_entry(path) -> tuple[str | None, str | None, dict]:
    con = connect(path)
    try:
        row = audit.entries(con, actions=["user"]).iloc[0]
        return row["user_name"], row["target"], json.loads(row["detail"])
    finally:
        con.close()


def login(path, name: str, password: str) -> auth.LoginResult:
    con = connect(path)
    try:
        return auth.login(con, name, password)
    finally:
        con.close()


def test_an_account_added_through_the_page_can_log_in(bureau, clean) -> None:
    at = run_app("pages/users.py")
    clean(at)
    assert accounts(at) == {"李静": ("管理员", "正常"), "王芳": ("统计员", "正常"), "张科长": ("查看", "正常")}
    at.text_input(key="user_add_name").input("赵敏")
    at.selectbox(key="user_add_role").set_value("statistician")
    at.text_input(key="user_add_password").input(NEW_PASSWORD)
    at.text_input(key="user_add_again").input(NEW_PASSWORD + "x")
    at = at.button(key="user_add_submit").click().run()
    assert "未保存：两次输入的密码不一致" in notes(at)
    assert "赵敏" not in accounts(at)
    assert at.text_input(key="user_add_name").value == "赵敏"  # kept to correct; the passwords typed again

    at.text_input(key="user_add_password").input("short")
    at.text_input(key="user_add_again").input("short")
    at = at.button(key="user_add_submit").click().run()
    assert "未保存：密码至少需要8个字符" in notes(at)  # auth's own refusal, in Chinese

    at.text_input(key="user_add_password").input(NEW_PASSWORD)
    at.text_input(key="user_add_again").input(NEW_PASSWORD)
    at = at.button(key="user_add_submit").click().run()
    clean(at)
    assert "已新增账户“赵敏”（统计员）" in notes(at)
    assert accounts(at)["赵敏"] == ("统计员", "正常")
    assert at.text_input(key="user_add_name").value == ""
    result = login(bureau, "赵敏", NEW_PASSWORD)
    assert result.user is not None and result.user.role == "statistician"
    assert last_user_entry(bureau)[:2] == ("李静", "赵敏")

    at.text_input(key="user_add_name").input("王芳")
    at.text_input(key="user_add_password").input(NEW_PASSWORD)
    at.text_input(key="user_add_again").input(NEW_PASSWORD)
    at = at.button(key="user_add_submit").click().run()
    assert "未保存：用户名“王芳”已存在" in notes(at)


def test_a_new_password_set_on_the_page_replaces_the_old(bureau, clean) -> None:
    at = run_app("pages/users.py")
    at = at.selectbox(key="user_pick").set_value("王芳").run()
    at.text_input(key="user_pw::王芳").input(NEW_PASSWORD)
    at.text_input(key="user_pw_again::王芳").input(NEW_PASSWORD)
    at = at.button(key="user_password_submit::王芳").click().run()
    clean(at)
    assert "已为“王芳”设置新密码，原有登录已失效" in notes(at)
    assert login(bureau, "王芳", PASSWORD).user is None
    assert login(bureau, "王芳", NEW_PASSWORD).user is not None
    assert last_user_entry(bureau) == ("李静", "王芳", {"change": "password"})


def test_disabling_and_enabling_an_account(bureau, clean) -> None:
    at = run_app("pages/users.py")
    at = at.selectbox(key="user_pick").set_value("王芳").run()
    at = at.button(key="user_disable::王芳").click().run()
    clean(at)
    assert "已停用账户“王芳”" in notes(at)
    assert accounts(at)["王芳"] == ("统计员", "停用")
    assert login(bureau, "王芳", PASSWORD).message == "此账户已停用，请联系管理员"
    assert last_user_entry(bureau) == ("李静", "王芳", {"change": "disable"})
    at = at.button(key="user_enable::王芳").click().run()
    assert accounts(at)["王芳"] == ("统计员", "正常")
    assert login(bureau, "王芳", PASSWORD).user is not None


def test_changing_a_role(bureau, clean) -> None:
    at = run_app("pages/users.py")
    at = at.selectbox(key="user_pick").set_value("张科长").run()
    at.selectbox(key="user_role::张科长").set_value("admin")
    at = at.button(key="user_role_submit::张科长").click().run()
    clean(at)
    assert "已将“张科长”的角色改为管理员" in notes(at)
    assert accounts(at)["张科长"] == ("管理员", "正常")
    assert last_user_entry(bureau) == ("李静", "张科长", {"change": "role", "before": "viewer", "after": "admin"})


def test_an_admin_cannot_disable_or_demote_their_own_account(bureau, clean) -> None:
    at = run_app("pages/users.py")
    at = at.selectbox(key="user_pick").set_value("李静").run()
    assert any("这是您本人的账户" in c.value for c in at.caption)
    at = at.button(key="user_disable::李静").click().run()
    assert any("不能停用自己的账户" in n for n in notes(at))
    at.selectbox(key="user_role::李静").set_value("viewer")
    at = at.button(key="user_role_submit::李静").click().run()
    assert any("不能降低自己账户的角色" in n for n in notes(at))
    assert accounts(at)["李静"] == ("管理员", "正常")
    assert login(bureau, "李静", PASSWORD).user.role == "admin"


def log_some(path) -> None:
    con = connect(path)
    try:
        audit.record(con, "王芳", "upload", "7", {"files": ["2025年7月.xlsx"], "new": 90})
        audit.record(con, None, "login_failed", "=HYPERLINK(\"http://evil\",\"点我\")", {"reason": "unknown"})
        audit.record(con, "张科长", "download", "黔江区2025年1-6月民政主要指标统计表.xlsx", {"page": "数据查询"})
        audit.record(con, "王芳", "rollback", "7", {"restored": 0, "removed": 90})
    finally:
        con.close()


def test_the_audit_page_lists_and_filters_entries(bureau, clean) -> None:
    log_some(bureau)
    at = run_app("pages/audit.py")
    clean(at)
    table = at.dataframe[0].value
    assert list(table.columns) == ["时间", "用户", "操作", "对象", "详情"]
    rows = [tuple(r[1:]) for r in table.itertuples(index=False)]
    assert rows[:4] == [
        ("王芳", "撤销批次", "第7批", "恢复0条，删除90条"),
        ("张科长", "下载", "黔江区2025年1-6月民政主要指标统计表.xlsx", "页面：数据查询"),
        ("（未登录）", "登录失败", "=HYPERLINK(\"http://evil\",\"点我\")", "用户名不存在"),
        ("王芳", "上传数据", "第7批", "文件：2025年7月.xlsx；新增90条")]
    assert ("命令行", "账户管理", "张科长", "新增账户（查看）") in rows  # the fixture's accounts
    assert at.selectbox(key="audit_user").options == ["全部用户", *sorted(["张科长", "王芳", "命令行"])]

    at = at.selectbox(key="audit_user").set_value("王芳").run()
    assert [tuple(r[1:3]) for r in at.dataframe[0].value.itertuples(index=False)] == [("王芳", "撤销批次"),
                                                                                      ("王芳", "上传数据")]
    at = at.multiselect(key="audit_actions").set_value(["upload"]).run()
    assert [r[2] for r in at.dataframe[0].value.itertuples(index=False)] == ["上传数据"]
    at = at.selectbox(key="audit_user").set_value("").run()
    at = at.multiselect(key="audit_actions").set_value(["login_failed", "download"]).run()
    assert [r[2] for r in at.dataframe[0].value.itertuples(index=False)] == ["下载", "登录失败"]


def test_the_audit_exports_read_back(bureau, clean, downloads, file_names) -> None:
    log_some(bureau)
    at = run_app("pages/audit.py")
    at = at.multiselect(key="audit_actions").set_value(["upload", "login_failed"]).run()
    clean(at)
    by_name = {file_names[u]: downloads[u] for u in downloads}
    csv_data = next(v for k, v in by_name.items() if k.endswith(".csv"))
    xlsx_data = next(v for k, v in by_name.items() if k.endswith(".xlsx"))
    assert any(k.startswith("审计日志_") for k in by_name)
    assert csv_data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "用户", "操作", "对象", "详情"]
    assert [r[1:] for r in rows[1:]] == [["（未登录）", "登录失败", "'=HYPERLINK(\"http://evil\",\"点我\")", "用户名不存在"],
                                         ["王芳", "上传数据", "第7批", "文件：2025年7月.xlsx；新增90条"]]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_data))["审计日志"]
    assert [c.value for c in sheet[2]] == rows[0]
    assert [c.value for c in sheet[3]][1:4] == ["（未登录）", "登录失败", "=HYPERLINK(\"http://evil\",\"点我\")"]
    assert sheet["D3"].data_type == "s" and sheet["D3"].quotePrefix  # text, not a formula
    assert sheet.max_row == 4

    # the export is a download too, and lands in the log under the admin's name
    at = at.download_button(key="audit_csv").click().run()
    clean(at)
    con = connect(bureau)
    try:
        row = audit.entries(con, actions=["download"]).iloc[0]
    finally:
        con.close()
    assert (row["user_name"], row["target"], json.loads(row["detail"])) == (
        "李静", rows and next(k for k in by_name if k.endswith(".csv")), {"page": "审计日志"})


@pytest.mark.parametrize("page", ["pages/users.py", "pages/audit.py"])
@pytest.mark.parametrize("user", [STATISTICIAN, VIEWER, None])
def test_other_roles_get_the_refusal(bureau, clean, page, user) -> None:
    at = run_app(page, user=user)
    clean(at)
    title = "账户管理" if page.endswith("users.py") else "审计日志"
    said = (f"打开“{title}”需要管理员账户，请先登录。" if user is None else
            f"您的账户（{user.role_name}）没有打开“{title}”的权限：需要管理员账户。")
    assert any(said in n for n in notes(at)), notes(at)
    assert not at.dataframe and not at.text_input and not at.get("download_button")
    links = [e.proto.label for e in at.get("page_link")]
    assert "账户管理" not in links and "审计日志" not in links


def test_admins_see_the_system_pages_in_the_sidebar(bureau, clean) -> None:
    at = run_app()
    clean(at)
    links = [e.proto.label for e in at.get("page_link")]
    assert "账户管理" in links and "审计日志" in links


@pytest.mark.parametrize(("page", "key", "expected"), [
    ("pages/query.py", "q_csv", ".csv"),
    ("pages/query.py", "q_xlsx", ".xlsx"),
    ("pages/progress.py", "progress_download", ".xlsx"),
    ("pages/report.py", "r_docx", ".docx"),
    ("pages/upload.py", "upload_template", ".xlsx"),
])
def test_a_download_click_lands_in_the_audit_log(bureau, clean, file_names, page, key, expected) -> None:
    at = run_app(page, user=STATISTICIAN)
    clean(at)
    at = at.download_button(key=key).click().run()
    clean(at)  # the callback's rerun shows the page as before
    assert at.download_button(key=key).proto.label
    con = connect(bureau)
    try:
        log = audit.entries(con, actions=["download"])
    finally:
        con.close()
    assert len(log) == 1
    row = log.iloc[0]
    assert row["user_name"] == "王芳" and row["target"].endswith(expected)
    assert row["target"] in set(file_names.values())
