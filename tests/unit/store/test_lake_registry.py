"""The 指标与乡镇 page's changes (civdash/admin/registry.py), accounts and login sessions (civdash/access/auth.py) and the
audit log (civdash/access/audit.py) on the shared store (DuckLake) give what they give on the local file: ids assigned by the
statements (no sequences on a lake), upserts written as MERGE (a target replaced, an alias kept, a header mapping
remembered and changed), every change recorded. The same sequence runs on a new file and a new lake and is
checked step by step; what it leaves in the tables is then compared, the stores' own timestamps left out.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from civdash import demo
from civdash.access import audit, auth
from civdash.admin import registry
from civdash.admin.registry import IndicatorInput, TownshipInput
from civdash.domain import catalog, townships
from civdash.ingest.context import Context, Options
from civdash.ingest.upload import commit, prepare
from civdash.store import db, ducklake
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.overlap import overlapped

pytestmark = pytest.mark.timeout(300)

PASSWORD = "correct horse 7"
NOW = datetime(2025, 7, 3, 9, 30)
TIMESTAMPS = ("changed_at", "created_at", "logged_at", "confirmed_at", "applied_at", "expires_at", "last_login_at")


def bureau(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The district's 30 townships registered (a new lake has the catalog already; a new file is given it)."""
    if not ducklake.is_lake(con):
        catalog.seed(con)
    with db.transaction(con):
        townships.seed_from_csv(con, demo.DEMO_TOWNSHIPS, demo.DISTRICT_NAME, demo.DISTRICT_CODE)
    return con


@pytest.fixture
def both(lake, tmp_path):
    """(file, lake): two new bureau databases, one of each store."""
    on_file, on_lake = bureau(db.connect(tmp_path / "civdash.duckdb")), bureau(db.connect(lake))
    assert ducklake.is_lake(on_lake) and not ducklake.is_lake(on_file)
    yield on_file, on_lake
    on_file.close()
    on_lake.close()


def dump(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A table's rows in a defined order, without the columns the store fills with the time."""
    columns = [c for c in con.execute(f"SELECT * FROM {table} LIMIT 0").df().columns if c not in TIMESTAMPS]
    return con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").df()


def log(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The audit log oldest first: (id, action, user, target, detail)."""
    rows = audit.entries(con)
    return [(int(i), a, u, t, json.loads(d)) for i, a, u, t, d in
            zip(rows["id"], rows["action"], rows["user_name"], rows["target"], rows["detail"], strict=True)][::-1]


# --- the registry -----------------------------------------------------------------------------------------------------


def registry_sequence(con: duckdb.DuckDBPyConnection) -> None:
    district = townships.district(con)
    assert district is not None and district.id == 1
    towns = townships.townships(con)
    assert [t.id for t in towns] == list(range(2, 32))

    # a new indicator: code made up, placed after its category, name and aliases usable as headers
    code = registry.add_indicator(con, IndicatorInput("居家养老服务人数", "养老服务", "人", "stock",
                                                      aliases=["居家服务人数"]), user="王主任")
    assert code == "custom_1"
    assert sorted(registry.indicator_aliases(con)[code]) == ["居家服务人数"]
    # renamed: the old name stays an alias, the new alias list replaces the old one
    registry.edit_indicator(con, code, IndicatorInput("居家养老服务对象人数", "养老服务", "人", "stock",
                                                      aliases=["居家对象人数"]), user="王主任")
    assert sorted(registry.indicator_aliases(con)[code]) == ["居家养老服务人数", "居家对象人数"]
    inds = catalog.indicator_map(con)
    assert inds[code].name == "居家养老服务对象人数"
    assert [i.code for i in catalog.indicators(con)].index(code) == \
        max(k for k, i in enumerate(catalog.indicators(con)) if i.category == "养老服务")
    with pytest.raises(registry.RegistryError, match="已是指标"):
        registry.add_indicator(con, IndicatorInput("居家养老服务人数", "养老服务", "人", "stock"))

    # a township: the next id, placed where asked; renamed: the old name and its short form become former names
    tid = registry.add_township(con, TownshipInput("新城街道", code="500114999", aliases=["新城办"], position=3),
                                user="王主任")
    assert tid == 32
    assert [t.id for t in townships.townships(con)][:4] == [2, 3, 32, 4]
    registry.edit_township(con, tid, TownshipInput("新城区街道", code="500114999", aliases=["新城办"]), user="王主任")
    names = registry.township_names(con)[tid]
    assert sorted(names["former"]) == ["新城", "新城街道"] and names["alias"] == ["新城办"]
    assert townships.match_township(con, "新城街道") == tid == townships.match_township(con, "新城办")
    # a second spelling registered by mistake, merged into the first (its names kept as former names)
    other = registry.add_township(con, TownshipInput("金桥镇"), user="王主任")
    assert other == 33
    merged = registry.merge_townships(con, tid, other, user="王主任")
    assert (merged.kept, merged.merged, merged.facts) == ("新城区街道", "金桥镇", 0)
    assert townships.match_township(con, "金桥镇") == tid and other not in {t.id for t in townships.townships(con)}

    # yearly targets: entered in 万元, stored in 元; set again → replaced (one row), then deleted
    assert registry.set_target(con, "dibao_rural_funds", district.id, 2025, 500, user="王主任") == 5_000_000
    assert registry.set_target(con, "dibao_rural_funds", district.id, 2025, 650, note="调整", user="王主任") == 6_500_000
    assert registry.set_target(con, "dibao_rural_persons", towns[0].id, 2025, 1200, user="王主任") == 1200
    assert registry.set_target(con, "dibao_rural_persons", towns[1].id, 2025, 800, user="王主任") == 800
    registry.delete_target(con, "dibao_rural_persons", towns[1].id, 2025, user="王主任")
    targets = registry.targets(con)
    assert sorted(zip(targets["indicator_code"], targets["township_id"], targets["value"], strict=True)) == [
        ("dibao_rural_funds", 1, 6_500_000.0), ("dibao_rural_persons", towns[0].id, 1200.0)]
    assert con.execute("SELECT note FROM target WHERE indicator_code = 'dibao_rural_funds'").fetchall() == [("调整",)]

    recorded = con.execute("SELECT id, user_name, object_kind, object_key, action FROM registry_change "
                           "ORDER BY id").fetchall()
    first, second = towns[0].id, towns[1].id
    assert recorded == [(n + 1, "王主任", *change) for n, change in enumerate([
        ("indicator", code, "add"), ("indicator", code, "edit"), ("township", "32", "add"), ("township", "32", "edit"),
        ("township", "33", "add"), ("township", "33", "merge"), ("township", "32", "merge"),
        ("target", "dibao_rural_funds/1/2025", "add"), ("target", "dibao_rural_funds/1/2025", "edit"),
        ("target", f"dibao_rural_persons/{first}/2025", "add"), ("target", f"dibao_rural_persons/{second}/2025", "add"),
        ("target", f"dibao_rural_persons/{second}/2025", "delete")])]
    edit = json.loads(con.execute("SELECT after_json FROM registry_change WHERE id = 9").fetchone()[0])
    assert (edit["value"], edit["note"]) == (6_500_000, "调整")
    assert len(registry.changes(con)) == 12


def test_registry_changes_on_a_lake_as_on_a_file(both) -> None:
    on_file, on_lake = both
    for con in both:
        version = db.data_version(con)
        try:
            registry_sequence(con)
        except AssertionError as exc:
            raise AssertionError(f"{'lake' if ducklake.is_lake(con) else 'file'}: {exc}") from exc
        assert db.data_version(con) == version + 11  # every change bumps the data version
    for table in ("indicator", "indicator_alias", "township", "township_alias", "target", "registry_change", "meta"):
        pd.testing.assert_frame_equal(dump(on_lake, table), dump(on_file, table), obj=table)
    pd.testing.assert_frame_equal(registry.changes(on_lake).drop(columns="changed_at"),
                                  registry.changes(on_file).drop(columns="changed_at"))


def test_an_alias_a_township_already_has_is_kept_not_duplicated(both) -> None:
    for con in both:
        town = townships.townships(con)[0]
        before = dump(con, "township_alias")
        townships.add_alias(con, town.id, town.name)  # already its name: MERGE keeps the one row
        townships.add_alias(con, townships.townships(con)[1].id, town.name)  # another's name: left as it is
        pd.testing.assert_frame_equal(dump(con, "township_alias"), before)
        townships.add_alias(con, town.id, "东城片区")
        assert townships.match_township(con, "东城片区") == town.id
        assert con.execute("SELECT count(*) FROM township_alias WHERE alias = '东城片区'").fetchone()[0] == 1


def mapping_sequence(con: duckdb.DuckDBPyConnection) -> None:
    """A column no indicator matches, mapped by a person on one upload, is remembered for that layout; mapped
    otherwise on a later upload, the one remembered mapping changes (MERGE)."""
    header = ["乡镇", "城市低保人数", "低保户增减情况"]

    def upload(month: int, **options):
        rows = [[f"黔江区2025年{month}月民政统计表", None, None], header, ["城东", 281 + month, 3], ["城南", 200, 1]]
        return prepare(con, [(f"2025年{month}月民政统计表.xlsx", xlsx_bytes([Sheet("主要指标", rows)]))],
                       Options(**options))

    plan = upload(4)
    assert any("没有对应的指标" in f.message for f in plan.warnings)
    commit(con, upload(4, mappings={"低保户增减情况": "dibao_new_persons"}), user_name="李静")
    assert con.execute("SELECT layout_signature IS NOT NULL, header, indicator_code, confirmed_by "
                       "FROM header_mapping").fetchall() == [(True, "低保户增减情况", "dibao_new_persons", "李静")]
    again = upload(5)
    assert not [f for f in again.warnings if "没有对应的指标" in f.message]
    assert sorted((f.indicator, f.value) for f in again.facts if f.township == again.facts[0].township) == [
        ("dibao_new_persons", 3.0), ("dibao_urban_persons", 286.0)]
    commit(con, upload(5, mappings={"低保户增减情况": "dibao_exit_persons"}), user_name="王主任")
    assert con.execute("SELECT header, indicator_code, confirmed_by FROM header_mapping").fetchall() == [
        ("低保户增减情况", "dibao_exit_persons", "王主任")]
    remembered = Context(con).remembered
    assert list(remembered.values()) == [{"低保户增减情况": "dibao_exit_persons"}]
    assert con.execute("SELECT indicator_code, township, value FROM v_fact WHERE period = '2025-05-01' "
                       "ORDER BY ALL").fetchall() == [
        ("dibao_exit_persons", "城东街道", 3.0), ("dibao_exit_persons", "城南街道", 1.0),
        ("dibao_urban_persons", "城东街道", 286.0), ("dibao_urban_persons", "城南街道", 200.0)]


def test_header_mappings_are_remembered_on_a_lake_as_on_a_file(both) -> None:
    on_file, on_lake = both
    for con in both:
        mapping_sequence(con)
    for table in ("header_mapping", "batch", "fact"):
        pd.testing.assert_frame_equal(dump(on_lake, table), dump(on_file, table), obj=table)


# --- accounts, sessions and the audit log -----------------------------------------------------------------------------


def accounts_sequence(con: duckdb.DuckDBPyConnection) -> None:
    admin = auth.add_user(con, "王主任", "admin", PASSWORD, by="安装")
    clerk = auth.add_user(con, "李静", "statistician", PASSWORD, by="王主任")
    assert (admin.id, clerk.id) == (1, 2)
    with pytest.raises(auth.AccountError, match="已存在"):
        auth.add_user(con, "李静", "viewer", PASSWORD)
    stored = con.execute("SELECT password_hash FROM app_user WHERE name = '李静'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    # five wrong passwords lock the account for 15 minutes; a new password lifts the lock
    for n in range(auth.MAX_FAILURES):
        result = auth.login(con, "李静", "wrong password", now=NOW + timedelta(seconds=n))
        assert result.user is None
    assert "已锁定15分钟" in result.message
    assert auth.find(con, "李静").locked_until == NOW + timedelta(seconds=4, minutes=15)
    assert "暂时锁定" in auth.login(con, "李静", PASSWORD, now=NOW + timedelta(minutes=1)).message
    auth.set_password(con, "李静", "another horse 8", by="王主任")
    ok = auth.login(con, "李静", "another horse 8", now=NOW + timedelta(minutes=2))
    assert ok.user is not None and (ok.user.id, ok.user.role) == (2, "statistician")
    assert auth.find(con, "李静").locked_until is None
    assert auth.login(con, "无此人", PASSWORD).user is None

    # sessions: a token opens the account until it ends, the password changes or the account is disabled
    token = auth.start_session(con, ok.user, now=NOW)
    assert auth.session_user(con, token, now=NOW + timedelta(hours=1)).name == "李静"
    assert auth.session_user(con, token, now=NOW + timedelta(hours=auth.SESSION_HOURS + 1)) is None
    auth.end_session(con, token)
    assert auth.session_user(con, token, now=NOW) is None
    token = auth.start_session(con, ok.user, now=NOW)
    auth.set_role(con, "李静", "viewer", by="王主任")
    assert auth.session_user(con, token, now=NOW) is None  # a role change ends the account's sessions (issue 16)
    token = auth.start_session(con, auth.find(con, "李静"), now=NOW)
    assert auth.session_user(con, token, now=NOW).role == "viewer"
    auth.set_disabled(con, "李静", by="王主任")
    assert auth.session_user(con, token, now=NOW) is None
    assert con.execute("SELECT count(*) FROM login_session").fetchone()[0] == 0
    assert auth.login(con, "李静", "another horse 8", now=NOW).message == "此账户已停用，请联系管理员"
    auth.set_disabled(con, "李静", disabled=False, by="王主任")
    assert [(u.name, u.role, u.disabled) for u in auth.users(con)] == [("李静", "viewer", False),
                                                                     ("王主任", "admin", False)]

    audit.record(con, "王主任", "download", "2025年6月统计表.xlsx", {"page": "数据查询"})
    entries = log(con)
    assert [e[0] for e in entries] == list(range(1, len(entries) + 1))  # ids in order, none taken twice
    assert [(a, u, t) for _, a, u, t, _ in entries] == [
        ("user", "安装", "王主任"), ("user", "王主任", "李静"),
        *[("login_failed", None, "李静")] * 6,
        ("user", "王主任", "李静"), ("login", "李静", "李静"), ("login_failed", None, "无此人"),
        ("user", "王主任", "李静"), ("user", "王主任", "李静"), ("login_failed", None, "李静"),
        ("user", "王主任", "李静"), ("download", "王主任", "2025年6月统计表.xlsx")]
    assert entries[6][4] == {"locked": True, "reason": "password"} and entries[7][4] == {"reason": "locked"}
    assert audit.user_names(con) == ["安装", "李静", "王主任"]
    assert [e[1] for e in log(con)] == \
        audit.entries(con, actions=["user", "login", "login_failed", "download"])["action"].tolist()[::-1]
    assert audit.entries(con, user_name="李静")["action"].tolist() == ["login"]


def test_accounts_sessions_and_the_audit_log_on_a_lake_as_on_a_file(both) -> None:
    on_file, on_lake = both
    for con in both:
        try:
            accounts_sequence(con)
        except AssertionError as exc:
            raise AssertionError(f"{'lake' if ducklake.is_lake(con) else 'file'}: {exc}") from exc
    pd.testing.assert_frame_equal(dump(on_lake, "app_user").drop(columns="password_hash"),
                                  dump(on_file, "app_user").drop(columns="password_hash"))
    pd.testing.assert_frame_equal(dump(on_lake, "audit_log"), dump(on_file, "audit_log"))
    assert dump(on_lake, "login_session").empty and dump(on_file, "login_session").empty


@pytest.fixture
def two_processes(lake):
    """Two dashboard processes' connections to one new lake, with an administrator made beforehand (as the command
    line makes the first one)."""
    one, other = db.connect(lake), db.connect(lake)
    auth.add_user(one, "王主任", "admin", PASSWORD, by="安装")
    yield one, other
    one.close()
    other.close()


def test_two_processes_adding_accounts_at_the_same_moment_give_them_distinct_ids(two_processes, monkeypatch) -> None:
    """Two administrators, each on a process of the same lake, add an account at the same moment: the first pauses
    after its insert while the second adds its account from start to end; both accounts end with their own id."""
    one, other = two_processes
    results = overlapped(monkeypatch, "user_insert",
                         lambda: auth.add_user(one, "李静", "statistician", PASSWORD, by="王主任"),
                         lambda: auth.add_user(other, "张伟", "viewer", PASSWORD, by="王主任"))
    assert isinstance(results["second"], auth.User), results["second"]
    assert isinstance(results["first"], auth.User), f"the first account was not added: {results['first']!r}"
    assert results["first"].id != results["second"].id
    for con in (one, other):
        rows = con.execute("SELECT id, name FROM app_user ORDER BY id").fetchall()
        assert sorted(name for _, name in rows) == ["张伟", "李静", "王主任"]
        assert len({i for i, _ in rows}) == 3, f"two accounts share an id: {rows}"
        added = con.execute("SELECT target FROM audit_log WHERE action = 'user' ORDER BY target").fetchall()
        assert added == [("张伟",), ("李静",), ("王主任",)]  # each entry once: the refused try left none


def test_two_processes_adding_the_same_name_at_the_same_moment_add_it_once(two_processes, monkeypatch) -> None:
    one, other = two_processes
    results = overlapped(monkeypatch, "user_insert",
                         lambda: auth.add_user(one, "李静", "statistician", PASSWORD, by="王主任"),
                         lambda: auth.add_user(other, "李静", "viewer", PASSWORD, by="王主任"))
    assert isinstance(results["second"], auth.User)
    assert isinstance(results["first"], auth.AccountError) and "已存在" in str(results["first"])
    assert other.execute("SELECT name, role FROM app_user WHERE name = '李静'").fetchall() == [("李静", "viewer")]


def test_two_people_logging_in_at_the_same_moment_on_two_processes(two_processes, monkeypatch) -> None:
    """Each login writes to the accounts table (failures counted, last login); two at the same moment on two processes
    of one lake meet at commit, and the later is tried again instead of failing."""
    one, other = two_processes
    auth.add_user(one, "李静", "statistician", PASSWORD, by="王主任")
    results = overlapped(monkeypatch, "user_login_ok",
                         lambda: auth.login(one, "李静", PASSWORD),
                         lambda: auth.login(other, "王主任", PASSWORD))
    for key, name in (("first", "李静"), ("second", "王主任")):
        result = results[key]
        assert isinstance(result, auth.LoginResult), f"{name}: {result!r}"
        assert result.user is not None and result.user.name == name and result.message == ""
    logins = other.execute("SELECT target FROM audit_log WHERE action = 'login' ORDER BY target").fetchall()
    assert logins == [("李静",), ("王主任",)]


def test_a_wrong_password_counted_while_another_process_logs_in(two_processes, monkeypatch) -> None:
    one, other = two_processes
    auth.add_user(one, "李静", "statistician", PASSWORD, by="王主任")
    results = overlapped(monkeypatch, "user_login_failed",
                         lambda: auth.login(one, "李静", "wrong password"),
                         lambda: auth.login(other, "王主任", PASSWORD))
    assert isinstance(results["first"], auth.LoginResult) and results["first"].message == "用户名或密码不正确"
    assert isinstance(results["second"], auth.LoginResult) and results["second"].user is not None
    assert other.execute("SELECT failed_logins FROM app_user WHERE name = '李静'").fetchone() == (1,)


def test_two_logouts_at_the_same_moment_on_two_processes(two_processes, monkeypatch) -> None:
    one, other = two_processes
    clerk = auth.add_user(one, "李静", "statistician", PASSWORD, by="王主任")
    admin = auth.find(one, "王主任")
    tokens = [auth.start_session(one, clerk), auth.start_session(other, admin)]
    results = overlapped(monkeypatch, "session_delete",
                         lambda: auth.end_session(one, tokens[0]),
                         lambda: auth.end_session(other, tokens[1]))
    assert results == {"first": None, "second": None}
    assert auth.session_user(one, tokens[0]) is None and auth.session_user(other, tokens[1]) is None
    assert other.execute("SELECT count(*) FROM login_session").fetchone() == (0,)


def test_a_registry_edit_while_another_process_commits_an_upload(lake, monkeypatch) -> None:
    """A yearly target set on one process while an upload is committed on another: both bump the data version, so
    the later is refused at its commit; it is tried again instead of failing with DuckDB's words."""
    one, other = bureau(db.connect(lake)), db.connect(lake)
    try:
        db.bump_data_version(one)  # the lake's data version exists (a first change of a new lake inserts it)
        district = townships.district(one)
        rows = [["黔江区2025年4月民政统计表", None], ["乡镇", "城市低保人数"], ["城东", 281], ["城南", 200]]
        plan = prepare(other, [("2025年4月民政统计表.xlsx", xlsx_bytes([Sheet("主要指标", rows)]))])
        results = overlapped(monkeypatch, "target_upsert",
                             lambda: registry.set_target(one, "dibao_rural_funds", district.id, 2025, 500, user="王主任"),
                             lambda: commit(other, plan, user_name="李静"))
        assert results["second"].new == 2, results["second"]
        assert results["first"] == 5_000_000, results["first"]
        for con in (one, other):
            assert con.execute("SELECT indicator_code, value FROM target").fetchall() == [("dibao_rural_funds", 5e6)]
            assert con.execute("SELECT count(*) FROM v_fact").fetchone() == (2,)
            assert con.execute("SELECT count(*) FROM registry_change").fetchone() == (1,)
    finally:
        one.close()
        other.close()


def test_a_lake_and_a_file_seed_the_same_district(both) -> None:
    on_file, on_lake = both
    for table in ("township", "township_alias", "indicator", "indicator_alias"):
        pd.testing.assert_frame_equal(dump(on_lake, table), dump(on_file, table), obj=table)
    assert townships.district_name(on_lake) == "黔江区" and len(townships.townships(on_lake)) == 30
