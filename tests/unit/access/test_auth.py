"""Accounts, roles, logins and the audit log (civdash/access/auth.py, civdash/access/audit.py) on a real DuckDB file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from civdash.access import audit, auth
from civdash.store import db

PASSWORD = "correct horse 7"


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "accounts.duckdb")
    yield c
    c.close()


def log(con) -> list[tuple[str, str | None, str | None, dict]]:
    """(action, user, target, detail) oldest first."""
    rows = audit.entries(con)
    return [(a, u, t, json.loads(d)) for a, u, t, d in
            zip(rows["action"], rows["user_name"], rows["target"], rows["detail"], strict=True)][::-1]


def test_roles_grant_what_the_issue_lists() -> None:
    assert auth.allowed("viewer", "analysis") and not auth.allowed("viewer", "upload")
    assert auth.allowed("statistician", "upload") and not auth.allowed("statistician", "users")
    assert not auth.allowed("statistician", "registry") and not auth.allowed("statistician", "audit")
    assert all(auth.allowed("admin", p) for p in ("analysis", "upload", "registry", "users", "audit"))
    assert not auth.allowed(None, "analysis") and not auth.allowed("root", "analysis")


def test_an_account_stores_an_argon2_hash_never_the_password(con) -> None:
    user = auth.add_user(con, " 李静 ", "statistician", PASSWORD, by="王主任")
    assert (user.name, user.role, user.role_name) == ("李静", "statistician", "统计员")
    (stored,) = con.execute("SELECT password_hash FROM app_user").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert log(con) == [("user", "王主任", "李静", {"change": "add", "role": "statistician"})]
    everything = " ".join(str(v) for row in con.execute("SELECT * FROM audit_log").fetchall() for v in row)
    assert PASSWORD not in everything


def test_an_unknown_name_costs_the_same_hash_check_as_a_known_one() -> None:
    """The fixed hash an unknown name is checked against has the parameters every new hash gets."""
    assert auth._DUMMY_HASH.startswith("$argon2id$") and not auth._hasher.check_needs_rehash(auth._DUMMY_HASH)
    assert auth._verify(auth._DUMMY_HASH, "civdash: a hash to check against when the name is unknown")


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("李静", "statistician", "short", "至少需要8个字符"),
    ("李 静", "viewer", PASSWORD, "不能含空格"),
    ("", "viewer", PASSWORD, "用户名不能为空"),
    ("张三", "root", PASSWORD, "未知的角色"),
    ("张三", "viewer", " 前面有空格的密码", "首尾不能是空格"),
])
def test_refused_accounts(con, name, role, password, message) -> None:
    with pytest.raises(auth.AccountError, match=message):
        auth.add_user(con, name, role, password)
    assert auth.users(con) == []


def test_a_name_is_used_once(con) -> None:
    auth.add_user(con, "李静", "viewer", PASSWORD)
    with pytest.raises(auth.AccountError, match="已存在"):
        auth.add_user(con, "李静", "admin", PASSWORD)


def test_login_checks_the_password_and_logs_every_attempt(con) -> None:
    auth.add_user(con, "李静", "statistician", PASSWORD)
    wrong, unknown = auth.login(con, "李静", "nope nope"), auth.login(con, "赵六", PASSWORD)
    assert wrong.user is None and unknown.user is None
    assert wrong.message == unknown.message == "用户名或密码不正确"  # never says which names exist
    ok = auth.login(con, "李静", PASSWORD)
    assert ok.user is not None and ok.user.role == "statistician" and ok.message == ""
    assert [(a, u, t, d.get("reason")) for a, u, t, d in log(con)[1:]] == [
        ("login_failed", None, "李静", "password"), ("login_failed", None, "赵六", "unknown"),
        ("login", "李静", "李静", None)]


def test_five_failures_lock_the_account_then_it_opens_again(con) -> None:
    auth.add_user(con, "李静", "statistician", PASSWORD)
    now = datetime(2026, 11, 22, 9, 0)
    for k in range(auth.MAX_FAILURES - 1):
        assert auth.login(con, "李静", f"wrong {k}", now=now).message == "用户名或密码不正确"
    assert "已锁定15分钟" in auth.login(con, "李静", "wrong again", now=now).message
    locked = auth.login(con, "李静", PASSWORD, now=now + timedelta(minutes=5))
    assert locked.user is None and "暂时锁定" in locked.message  # even the right password waits
    assert auth.login(con, "李静", PASSWORD, now=now + timedelta(minutes=16)).user is not None
    # the count starts again after a success
    assert auth.login(con, "李静", "wrong", now=now + timedelta(minutes=17)).message == "用户名或密码不正确"


def test_a_huge_login_name_goes_into_the_audit_log_cut_to_64_characters(con) -> None:
    name = "管" * 200_000
    assert auth.login(con, name, PASSWORD).message == "用户名或密码不正确"
    ((action, user, target, detail),) = log(con)
    assert (action, user, detail) == ("login_failed", None, {"reason": "unknown"})
    assert target == "管" * 64 + "…" and len(target) == auth.NAME_SHOWN + 1
    assert auth.shown_name("李静") == "李静" and auth.shown_name("a" * 64) == "a" * 64


def test_one_address_is_throttled_across_names_and_cannot_lock_the_admin_out(con) -> None:
    auth.add_user(con, "王主任", "admin", PASSWORD)
    attacker, office = "203.0.113.9", "10.0.0.21"
    for k in range(auth.ADDRESS_MAX_FAILURES):  # guesses on many names, none of them an account
        assert auth.login(con, f"admin{k}", "guess guess", address=attacker).message == "用户名或密码不正确"
    throttled = auth.login(con, "王主任", "guess guess", address=attacker)
    assert throttled.user is None and throttled.message == "此地址登录失败次数过多，请15分钟后再试或联系管理员"
    assert auth.login(con, "王主任", PASSWORD, address=attacker).user is None  # refused before any check
    # the refused attempts never reached the account: no failure counted, no lock
    assert con.execute("SELECT failed_logins, locked_until FROM app_user WHERE name = '王主任'").fetchone() == (0, None)
    assert auth.login(con, "王主任", PASSWORD, address=office).user is not None  # the admin, elsewhere, logs in
    entries = [(t, d) for a, _, t, d in log(con) if a == "login_failed"]
    assert entries[0] == ("admin0", {"reason": "unknown", "address": attacker})
    assert entries[-1] == ("王主任", {"reason": "address", "address": attacker})


def test_a_new_password_lifts_the_lock(con) -> None:
    auth.add_user(con, "李静", "statistician", PASSWORD)
    for k in range(auth.MAX_FAILURES):
        auth.login(con, "李静", f"wrong {k}")
    auth.set_password(con, "李静", "another horse 8", by="管理员")
    assert auth.login(con, "李静", "another horse 8").user is not None
    assert auth.login(con, "李静", PASSWORD).user is None


def test_a_disabled_account_cannot_log_in_and_can_be_enabled(con) -> None:
    auth.add_user(con, "李静", "viewer", PASSWORD)
    auth.set_disabled(con, "李静", True, by="管理员")
    assert auth.login(con, "李静", PASSWORD).message == "此账户已停用，请联系管理员"
    auth.set_disabled(con, "李静", False, by="管理员")
    assert auth.login(con, "李静", PASSWORD).user is not None


def test_role_change_is_logged_with_before_and_after(con) -> None:
    auth.add_user(con, "李静", "viewer", PASSWORD)
    auth.set_role(con, "李静", "admin", by="王主任")
    assert auth.find(con, "李静").role == "admin"
    assert log(con)[-1] == ("user", "王主任", "李静", {"change": "role", "before": "viewer", "after": "admin"})
    with pytest.raises(auth.AccountError, match="没有名为“张三”的用户"):
        auth.set_role(con, "张三", "admin")


def test_audit_entries_filter_by_user_action_and_time(con) -> None:
    audit.record(con, "李静", "upload", "3", {"files": ["6月.xlsx"]})
    audit.record(con, "王五", "download", "黔江区2025年1-6月民政主要指标统计表.xlsx")
    audit.record(con, "李静", "rollback", "3")
    assert list(audit.entries(con, user_name="李静")["action"]) == ["rollback", "upload"]
    assert list(audit.entries(con, actions=["download"])["user_name"]) == ["王五"]
    assert audit.entries(con, start=datetime.now() + timedelta(days=1)).empty
    with pytest.raises(ValueError):
        audit.record(con, "李静", "delete everything")


ROLE_MAP = {"admin": "民政局-管理员", "statistician": ["民政局-统计员", "社会救助科"], "viewer": "民政局-查看"}


@pytest.mark.parametrize(("claims", "expected"), [
    ({"groups": ["民政局-查看"]}, "viewer"),
    ({"groups": ["社会救助科", "民政局-查看"]}, "statistician"),  # the highest role matched
    ({"groups": ["民政局-管理员", "社会救助科"]}, "admin"),
    ({"groups": "民政局-统计员"}, "statistician"),  # a single value, not a list
    ({"groups": ["财政局"]}, None),
    ({}, None),
])
def test_an_oidc_login_takes_its_role_from_the_configured_claim(claims, expected) -> None:
    assert auth.role_from_claims(claims, "groups", ROLE_MAP) == expected


def test_a_login_session_lasts_until_logout_expiry_a_new_role_a_new_password_or_disabling(con) -> None:
    user = auth.add_user(con, "李静", "statistician", PASSWORD)
    now = datetime(2026, 11, 22, 9, 0)
    token = auth.start_session(con, user, now=now)
    (stored,) = con.execute("SELECT token_hash FROM login_session").fetchone()
    assert token not in stored and len(stored) == 64  # only the SHA-256 is kept
    assert auth.session_user(con, token, now=now + timedelta(hours=1)).name == "李静"
    assert auth.session_user(con, token, now=now + timedelta(hours=auth.SESSION_HOURS, minutes=1)) is None
    assert auth.session_user(con, "forged", now=now) is None and auth.session_user(con, None) is None
    auth.set_role(con, "李静", "statistician")  # no change: the session lives on
    assert auth.session_user(con, token, now=now).role == "statistician"
    auth.set_role(con, "李静", "admin")  # another role ends every session of the account
    assert auth.session_user(con, token, now=now) is None
    token = auth.start_session(con, auth.find(con, "李静"), now=now)
    assert auth.session_user(con, token, now=now).role == "admin"
    auth.end_session(con, token)
    assert auth.session_user(con, token, now=now) is None
    again = auth.start_session(con, user, now=now)
    auth.set_password(con, "李静", "another horse 8")
    assert auth.session_user(con, again, now=now) is None
    third = auth.start_session(con, user, now=now)
    auth.set_disabled(con, "李静", True)
    assert auth.session_user(con, third, now=now) is None


def test_a_township_account_holds_its_townships_through_login_and_session(con) -> None:
    from civdash.domain import townships

    east = townships.register(con, "城东街道", type_="街道")
    west = townships.register(con, "城西街道", type_="街道")
    assert auth.allowed("township", "fill") and auth.allowed("township", "analysis")
    assert not any(auth.allowed("township", p) for p in ("upload", "review", "registry", "users", "audit"))
    assert auth.allowed("statistician", "review") and not auth.allowed("statistician", "fill")
    with pytest.raises(auth.AccountError, match="乡镇填报员账户需要指定所属乡镇"):
        auth.add_user(con, "赵敏", "township", PASSWORD)
    with pytest.raises(auth.AccountError, match="不在乡镇名录中"):
        auth.add_user(con, "赵敏", "township", PASSWORD, townships=[999])
    assert auth.find(con, "赵敏") is None
    user = auth.add_user(con, "赵敏", "township", PASSWORD, by="王主任", townships=[east])
    assert (user.townships, user.sees_district, user.scoped, user.role_name) == ((east,), False, True, "乡镇填报员")
    token = auth.start_session(con, auth.login(con, "赵敏", PASSWORD).user)
    assert auth.session_user(con, token).townships == (east,)
    auth.set_townships(con, "赵敏", [west, east], sees_district=True, by="王主任")
    assert auth.session_user(con, token) is None  # a new scope: the open sessions end, a new login gets it
    again = auth.login(con, "赵敏", PASSWORD).user
    assert (again.townships, again.sees_district) == ((east, west), True)  # in registry order
    auth.set_role(con, "赵敏", "viewer", by="王主任")
    assert auth.find(con, "赵敏").townships == () and not auth.find(con, "赵敏").sees_district
    with pytest.raises(auth.AccountError, match="只有乡镇填报员账户才能指定"):
        auth.set_townships(con, "赵敏", [east], sees_district=False)
    auth.set_role(con, "赵敏", "township", townships=[west], by="王主任")
    assert auth.find(con, "赵敏").townships == (west,)
    changes = [d for a, _, t, d in log(con) if a == "user" and t == "赵敏"]
    assert changes[0] == {"change": "add", "role": "township", "townships": ["城东街道"], "sees_district": False}
    assert changes[1] == {"change": "townships", "townships": ["城东街道", "城西街道"], "sees_district": True}
    assert changes[-1]["after"] == "township" and changes[-1]["townships"] == ["城西街道"]
