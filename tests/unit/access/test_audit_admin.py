"""The admin pages' core (civdash/access/accounts.py, civdash/outputs/audit_export.py, audit.user_names) on a real DuckDB file:
the accounts table and the rule against disabling or demoting oneself; audit entries in words; the exports read
back (BOM, values, formula-like text neutralised)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from civdash.access import accounts, audit, auth
from civdash.domain import times, townships
from civdash.outputs import audit_export
from civdash.store import db

PASSWORD = "correct horse 7"


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "admin.duckdb")
    yield c
    c.close()


def test_the_account_table_shows_roles_and_states_in_chinese(con) -> None:
    auth.add_user(con, "王主任", "admin", PASSWORD)
    auth.add_user(con, "李静", "statistician", PASSWORD)
    auth.add_user(con, "张科长", "viewer", PASSWORD)
    east = townships.register(con, "城东街道", type_="街道")
    auth.add_user(con, "赵敏", "township", PASSWORD, townships=[east], sees_district=True)
    auth.set_disabled(con, "张科长", True, by="王主任")
    now = datetime.now()
    for k in range(auth.MAX_FAILURES):
        auth.login(con, "李静", f"wrong {k}", now=now)
    table = accounts.account_table(con, now=now + timedelta(minutes=1))
    assert list(table.columns) == ["用户名", "角色", "所属乡镇", "状态", "创建时间", "最近修改"]
    rows = {r[0]: r[1:4] for r in table.itertuples(index=False)}
    assert rows == {"王主任": ("管理员", "", "正常"), "李静": ("统计员", "", "锁定中"), "张科长": ("查看", "", "停用"),
                    "赵敏": ("乡镇填报员", "城东街道（可查看全区合计）", "正常")}
    assert all(len(t) == 16 for t in table["创建时间"])  # 'YYYY-MM-DD HH:MM'
    # after the lock has run out the account is 正常 again
    later = accounts.account_table(con, now=now + timedelta(minutes=auth.LOCK_MINUTES + 1))
    assert dict(zip(later["用户名"], later["状态"], strict=True))["李静"] == "正常"
    assert "argon2" not in table.to_string()


def test_an_admin_may_not_disable_or_demote_themselves(con) -> None:
    auth.add_user(con, "王主任", "admin", PASSWORD)
    auth.add_user(con, "李静", "admin", PASSWORD)
    with pytest.raises(auth.AccountError, match="不能停用自己的账户"):
        accounts.set_disabled(con, "王主任", True, by="王主任")
    with pytest.raises(auth.AccountError, match="不能降低自己账户的角色"):
        accounts.set_role(con, "王主任", "viewer", by="王主任")
    assert auth.find(con, "王主任") == auth.User(auth.find(con, "王主任").id, "王主任", "admin", False)
    # another admin may do both, and it is audited with their name
    accounts.set_role(con, "王主任", "statistician", by="李静")
    accounts.set_disabled(con, "王主任", True, by="李静")
    assert (auth.find(con, "王主任").role, auth.find(con, "王主任").disabled) == ("statistician", True)
    log = audit.entries(con, user_name="李静")
    assert list(log["target"]) == ["王主任", "王主任"]
    accounts.set_role(con, "李静", "admin", by="李静")  # keeping one's own admin role is no demotion


def test_entries_in_words() -> None:
    d = audit_export.describe
    assert d("user", '{"change": "role", "before": "viewer", "after": "admin"}') == "更改角色：查看 → 管理员"
    assert d("user", {"change": "add", "role": "statistician"}) == "新增账户（统计员）"
    assert d("user", {"change": "password"}) == "重置密码"
    assert d("user", {"change": "disable"}) == "停用账户"
    assert d("login", {"role": "admin", "via": "oidc"}) == "角色：管理员；统一身份认证"
    assert d("login_failed", {"reason": "password", "locked": True}) == "密码错误；连续失败，账户已锁定"
    assert d("login_failed", {"reason": "unknown"}) == "用户名不存在"
    assert d("upload", {"files": ["7月.xlsx", "8月.xls"], "periods": ["2025-07"], "new": 90, "changed": 1200,
                        "unchanged": 0}) == "文件：7月.xlsx、8月.xls；月份：2025年7月；新增90条，修改1,200条，未变0条"
    assert d("upload", {"files": ["7月.xlsx"], "new": 90, "explanations": [
        {"rule": "与本乡镇近12个月中位数相差5倍以上", "where": "7月.xlsx › 7月 › C3", "explanation": "集中纳入安置人员"}]}) == (
        "文件：7月.xlsx；新增90条；核实说明1项：7月.xlsx › 7月 › C3（与本乡镇近12个月中位数相差5倍以上）：集中纳入安置人员")
    assert audit_export.target_text("registry", "save_rule") == "新增或修改审核规则"
    assert d("rollback", {"restored": 3, "removed": 87}) == "恢复3条，删除87条"
    assert d("download", {"page": "数据查询"}) == "页面：数据查询"
    assert d("registry", {"area": "indicator_add"}) == ""
    assert d("logout", "{}") == ""
    assert d("upload", {"odd": [1, 2]}) == "odd：[1, 2]"  # an unknown key is still shown


def test_the_log_table_and_filters(con) -> None:
    audit.record(con, "李静", "upload", "3", {"files": ["6月.xlsx"], "new": 5})
    audit.record(con, None, "login_failed", "=cmd|' /C calc'!A0", {"reason": "unknown"})
    audit.record(con, "王主任", "registry", "add_township", {"area": "township_add"})
    assert audit.user_names(con) == sorted(["李静", "王主任"])
    table = audit_export.log_table(audit.entries(con))
    assert list(table.columns) == audit_export.COLUMNS
    assert [tuple(r[1:]) for r in table.itertuples(index=False)] == [
        ("王主任", "修改指标与乡镇", "新增乡镇（街道）", ""),
        ("（未登录）", "登录失败", "=cmd|' /C calc'!A0", "用户名不存在"),
        ("李静", "上传数据", "第3批", "文件：6月.xlsx；新增5条")]
    start, end = audit_export.day_bounds(times.today_beijing(), times.today_beijing())
    assert end - start == timedelta(days=1)
    assert len(audit.entries(con, start=start, end=end)) == 3
    assert audit.entries(con, *audit_export.day_bounds(times.today_beijing() - timedelta(days=2),
                                                       times.today_beijing() - timedelta(days=1))).empty


def test_the_exports_read_back_with_formulas_neutralised(con) -> None:
    audit.record(con, None, "login_failed", "=HYPERLINK(\"http://x\")", {"reason": "unknown"})
    audit.record(con, "李静", "download", "+黔江区.xlsx", {"page": "数据查询"})
    table = audit_export.log_table(audit.entries(con))
    raw = audit_export.to_csv(table)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == audit_export.COLUMNS
    assert [r[1:] for r in rows[1:]] == [["李静", "下载", "'+黔江区.xlsx", "页面：数据查询"],
                                         ["（未登录）", "登录失败", "'=HYPERLINK(\"http://x\")", "用户名不存在"]]

    book = openpyxl.load_workbook(io.BytesIO(audit_export.to_xlsx(table, "审计日志 2025-07-01至2025-07-31")))
    sheet = book["审计日志"]
    assert sheet["A1"].value == "审计日志 2025-07-01至2025-07-31"
    assert [c.value for c in sheet[2]] == audit_export.COLUMNS
    assert [c.value for c in sheet[3]][1:] == ["李静", "下载", "+黔江区.xlsx", "页面：数据查询"]
    cell = sheet["D4"]  # a string cell with the quote prefix: text, never a formula, even when edited
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s" and cell.quotePrefix
    assert all(c.quotePrefix for row in sheet.iter_rows(min_row=2) for c in row)
    assert sheet.freeze_panes == "A3"


def test_file_name() -> None:
    assert audit_export.file_name(date(2025, 6, 1), date(2025, 6, 30), "csv") == "审计日志_20250601-20250630.csv"
