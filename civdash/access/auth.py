"""Accounts and roles: who may log in, with which role, and what each role may open.

Roles (``ROLES``): 查看 ``viewer`` (leaders and staff: the analysis pages and downloads), 乡镇填报员 ``township``
(the analysis pages of its own townships only — ``User.townships``, enforced by ``civdash.store.scope`` under every
query — and 填报 of their monthly figures), 统计员 ``statistician`` (also upload, mappings, rollback of their own
batches, review of the townships' returns), 管理员 ``admin`` (also users, catalog and townships, any rollback, the
audit log). What a page needs is a ``Permission``; ``allowed(role, permission)`` is the one rule.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended parameters) and never
stored or logged. There is no default account and no default password: the first administrator is created on
the command line (``python -m civdash users add NAME --role admin``). After ``MAX_FAILURES`` failed logins in a
row an account is locked for ``LOCK_MINUTES``; a failed login for any name (known or not) costs the same hash
check, so the answer does not reveal which names exist. Alongside, one address (the browser's, as the dashboard
sees it) may fail ``ADDRESS_MAX_FAILURES`` times in ``LOCK_MINUTES``, for any names; then it is refused without a
check, so a single machine can neither guess on nor keep locking accounts (an administrator's among them). A login
name goes into the audit log cut to ``NAME_SHOWN`` characters.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from civdash.access import audit
from civdash.domain import townships as townships_
from civdash.domain.times import utc_now
from civdash.store import db, queries

Role = Literal["viewer", "township", "statistician", "admin"]
ROLES: dict[str, str] = {"viewer": "查看", "township": "乡镇填报员", "statistician": "统计员", "admin": "管理员"}
TOWNSHIP = "township"  # the role scoped to its townships
Permission = Literal["analysis", "fill", "upload", "review", "registry", "users", "audit"]
_GRANTS: dict[str, set[str]] = {
    "viewer": {"analysis"},
    "township": {"analysis", "fill"},
    "statistician": {"analysis", "upload", "review"},
    "admin": {"analysis", "upload", "review", "registry", "users", "audit"},
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
SESSION_HOURS = 12  # how long a login lasts in a browser without a new login
ADDRESS_MAX_FAILURES = 20  # failed logins from one address (any names) within LOCK_MINUTES before it is refused
NAME_SHOWN = 64  # a login name longer than this is cut (with …) where it is logged; names are at most 40

_hasher = PasswordHasher()
# What the password is checked against when the name is unknown (or the account locked), so that every failed login
# costs one hash check: the argon2id hash, with the hasher's parameters, of "civdash: a hash to check against when
# the name is unknown". Written here, not hashed at import, which cost every process importing this module (the
# dashboard, the command line) one hash (0.1 s); tests/unit/access/test_auth.py checks its parameters are the hasher's.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$TCvCXwCaWS1eYxGueSJ9qw$yMT9e3xJIAcB1ZSvqU9SR0nQ9JhP4ywBuYwiLoCjQtk"


class AccountError(ValueError):
    """A refused account change, with a Chinese message."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    disabled: bool
    locked_until: datetime | None = None
    townships: tuple[int, ...] = ()  # a township account's townships (ids); empty for every other role
    sees_district: bool = False  # a township account may also see the district's totals

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    @property
    def scoped(self) -> bool:
        """True for an account that may see only its townships' rows."""
        return self.role == TOWNSHIP


@dataclass(frozen=True)
class LoginResult:
    user: User | None  # the account when the password was right and the account may log in
    message: str  # what to tell the person (Chinese); '' on success


def allowed(role: str | None, permission: Permission) -> bool:
    """True when ``role`` (None: not logged in) grants ``permission``."""
    return role is not None and permission in _GRANTS.get(role, set())


def role_from_claims(claims: dict, claim: str, roles: dict[str, str | list[str]]) -> str | None:
    """The role an OIDC login gets: ``claims[claim]`` (a value or a list of values, e.g. the groups the identity
    provider lists) matched against ``roles`` (civdash role → the claim value or values that grant it); the
    highest role matched wins; None when none matches (such a person may not use what needs a role)."""
    found = claims.get(claim)
    values = {str(v) for v in (found if isinstance(found, list | tuple | set) else [found]) if v is not None}
    for role in ("admin", "statistician", "viewer"):
        wanted = roles.get(role)
        wanted = {wanted} if isinstance(wanted, str) else set(wanted or ())
        if values & wanted:
            return role
    return None


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少需要{MIN_PASSWORD}个字符")
    if password.strip() != password or not password.strip():
        raise AccountError("密码首尾不能是空格")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AccountError("用户名不能为空")
    if len(name) > 40 or any(ch.isspace() for ch in name):
        raise AccountError("用户名不能含空格，且不超过40个字符")
    return name


def _role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"未知的角色：{role}（可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}）")
    return role


def users(con: duckdb.DuckDBPyConnection) -> list[User]:
    """Every account, by name."""
    return [User(int(r.id), r.name, r.role, bool(r.disabled), _ts(r.locked_until), _ids(r.townships),
                 bool(r.sees_district)) for r in queries.run(con, "user_list").itertuples()]


def _ids(value: object) -> tuple[int, ...]:
    return tuple(int(t) for t in (value if value is not None and not isinstance(value, float) else []))


def check_townships(con: duckdb.DuckDBPyConnection, role: str, townships: Sequence[int]) -> None:
    """Refuse (``AccountError``) townships a ``role`` account may not hold: none for a township account, any for
    another role, or one not in the registry."""
    _townships(con, _role(role), townships)


def _townships(con: duckdb.DuckDBPyConnection, role: str, townships: Sequence[int]) -> tuple[int, ...]:
    """The townships a ``role`` account holds: one or more registered townships for a township account (refused
    without any), none for every other role."""
    ids = tuple(dict.fromkeys(int(t) for t in townships))
    if role != TOWNSHIP:
        if ids:
            raise AccountError(f"只有{ROLES[TOWNSHIP]}账户才能指定所属乡镇（街道）")
        return ()
    if not ids:
        raise AccountError(f"{ROLES[TOWNSHIP]}账户需要指定所属乡镇（街道）")
    order = {t.id: n for n, t in enumerate(registered_townships(con))}
    unknown = [t for t in ids if t not in order]
    if unknown:
        raise AccountError(f"所属乡镇（街道）不在乡镇名录中（编号{'、'.join(map(str, unknown))}）")
    return tuple(sorted(ids, key=order.__getitem__))  # in registry order, as the account's reading lists them


def registered_townships(con: duckdb.DuckDBPyConnection) -> list[townships_.Township]:
    """The townships an account may hold (the registry's, without the district row)."""
    return townships_.townships(con)


def _write_townships(con: duckdb.DuckDBPyConnection, user_id: int, ids: Sequence[int]) -> None:
    queries.execute(con, "user_townships_clear", user_id=user_id)
    for t in ids:
        queries.execute(con, "user_township_add", user_id=user_id, township_id=t)


def find(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    return next((u for u in users(con) if u.name == (name or "").strip()), None)


BUSY = "其他管理员或会话正在同时修改账户，本次没有任何改动，请稍后再试"


def _written(con: duckdb.DuckDBPyConnection, write: Callable[[], None], account_change: bool = True) -> None:
    """``write()`` in one transaction, run again when another session's or process's commit conflicted with it.

    An account change also sets the meta key ``accounts_changed``, so two at the same moment always conflict and
    the later one runs again, checking afresh (no name is added twice: DuckLake has no unique keys). A login's
    writes (failure count, audit entry) need no such mark. Refused in words after a few tries."""
    def attempt() -> None:
        with db.transaction(con):
            write()
            if account_change:
                db.set_meta(con, "accounts_changed", utc_now().isoformat())

    db.retried_on_conflict(attempt, AccountError(BUSY))


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str, by: str | None = None,
             townships: Sequence[int] = (), sees_district: bool = False) -> User:
    """A new account; refused (``AccountError``) for a name in use, an unknown role, a short password, or a township
    account without a registered township (``townships``: the ids it holds; ``sees_district``: it may also see the
    district's totals)."""
    name, role = _clean_name(name), _role(role)
    ids = _townships(con, role, townships)
    check_password_rules(password)
    password_hash = _hasher.hash(password)

    def write() -> None:
        if find(con, name) is not None:  # in the transaction: checked afresh when it runs again
            raise AccountError(f"用户名“{name}”已存在")
        queries.execute(con, "user_insert", name=name, role=role, password_hash=password_hash)
        created = find(con, name)
        _write_townships(con, created.id, ids)  # type: ignore[union-attr]
        if ids and sees_district:
            queries.execute(con, "user_set_sees_district", id=created.id, sees_district=True)  # type: ignore[union-attr]
        audit.record(con, by, "user", name, {"change": "add", "role": role, **_scope_detail(con, ids, sees_district)})

    _written(con, write)
    return find(con, name)  # type: ignore[return-value]


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str, by: str | None = None) -> None:
    """A new password (and the lock lifted)."""
    user = _existing(con, name)
    check_password_rules(password)
    password_hash = _hasher.hash(password)

    def write() -> None:
        queries.execute(con, "user_set_password", id=user.id, password_hash=password_hash)
        queries.execute(con, "session_delete_user", user_id=user.id)  # a stolen cookie dies with the old password
        audit.record(con, by, "user", user.name, {"change": "password"})

    _written(con, write)


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str, by: str | None = None,
             townships: Sequence[int] | None = None) -> None:
    """A new role; a township account needs its townships (``townships``, or those it holds already), and an account
    that stops being one no longer holds any."""
    user = _existing(con, name)
    role = _role(role)
    ids = _townships(con, role, user.townships if townships is None and role == TOWNSHIP else townships or ())

    def write() -> None:
        queries.execute(con, "user_set_role", id=user.id, role=role)
        _write_townships(con, user.id, ids)
        if not ids:
            queries.execute(con, "user_set_sees_district", id=user.id, sees_district=False)
        if role != user.role or ids != user.townships:  # the open sessions were granted the old role and scope
            queries.execute(con, "session_delete_user", user_id=user.id)
        audit.record(con, by, "user", user.name, {"change": "role", "before": user.role, "after": role,
                                                  **_scope_detail(con, ids, user.sees_district and bool(ids))})

    _written(con, write)


def set_townships(con: duckdb.DuckDBPyConnection, name: str, townships: Sequence[int], sees_district: bool,
                  by: str | None = None) -> None:
    """The townships a township account holds and whether it may see the district's totals; its open sessions end
    (a new login gets the new scope)."""
    user = _existing(con, name)
    ids = _townships(con, user.role, townships)
    if user.role != TOWNSHIP:
        raise AccountError(f"只有{ROLES[TOWNSHIP]}账户才能指定所属乡镇（街道）")

    def write() -> None:
        _write_townships(con, user.id, ids)
        queries.execute(con, "user_set_sees_district", id=user.id, sees_district=bool(sees_district))
        queries.execute(con, "session_delete_user", user_id=user.id)
        audit.record(con, by, "user", user.name, {"change": "townships", **_scope_detail(con, ids, sees_district)})

    _written(con, write)


def _scope_detail(con: duckdb.DuckDBPyConnection, ids: Sequence[int], sees_district: bool) -> dict[str, object]:
    """What the audit log keeps of a township account's scope: its townships by name."""
    if not ids:
        return {}
    names = {t.id: t.name for t in registered_townships(con)}
    return {"townships": [names.get(t, str(t)) for t in ids], "sees_district": bool(sees_district)}


def set_disabled(con: duckdb.DuckDBPyConnection, name: str, disabled: bool = True, by: str | None = None) -> None:
    user = _existing(con, name)

    def write() -> None:
        queries.execute(con, "user_set_disabled", id=user.id, disabled=disabled)
        queries.execute(con, "session_delete_user", user_id=user.id)
        audit.record(con, by, "user", user.name, {"change": "disable" if disabled else "enable"})

    _written(con, write)


def _existing(con: duckdb.DuckDBPyConnection, name: str) -> User:
    user = find(con, name)
    if user is None:
        raise AccountError(f"没有名为“{(name or '').strip()}”的用户")
    return user


def login(con: duckdb.DuckDBPyConnection, name: str, password: str, now: datetime | None = None,
          address: str | None = None) -> LoginResult:
    """Check a name and password; count failures, lock after ``MAX_FAILURES``; every attempt goes to the audit
    log (with ``address``, the browser's address, when known). An address with ``ADDRESS_MAX_FAILURES`` failed
    logins in the last ``LOCK_MINUTES`` is refused before any check. The message never says whether the name
    exists. A login whose writes meet another session's or process's commit (on the shared store any two logins'
    writes do) is checked again from the start, with the failure count read afresh."""
    try:
        return db.retried_on_conflict(lambda: _login(con, name, password, now or utc_now(), address),
                                      AccountError(BUSY))
    except AccountError as exc:
        return LoginResult(None, str(exc))


def shown_name(name: str) -> str:
    """A login name as the audit log keeps it: at most ``NAME_SHOWN`` characters (a longer one cut, with …)."""
    return name if len(name) <= NAME_SHOWN else name[:NAME_SHOWN] + "…"


def _login(con: duckdb.DuckDBPyConnection, name: str, password: str, now: datetime, address: str | None) -> LoginResult:
    name = (name or "").strip()
    where = {"address": address} if address else {}

    def failed(reason: str, **detail: object) -> None:
        audit.record(con, None, "login_failed", shown_name(name), {"reason": reason, **detail, **where})

    if address and int(queries.scalar(con, "audit_login_failures_from", address=address,
                                      minutes=LOCK_MINUTES)) >= ADDRESS_MAX_FAILURES:
        failed("address")
        return LoginResult(None, f"此地址登录失败次数过多，请{LOCK_MINUTES}分钟后再试或联系管理员")
    row = queries.run(con, "user_for_login", name=name)
    refused = "用户名或密码不正确"
    if row.empty:
        _verify(_DUMMY_HASH, password)  # the same work as for a known name
        failed("unknown")
        return LoginResult(None, refused)
    r = row.iloc[0]
    user = User(int(r.id), r["name"], r.role, bool(r.disabled), _ts(r.locked_until), _ids(r.townships),
                bool(r.sees_district))
    if user.locked_until is not None and user.locked_until > now:
        _verify(_DUMMY_HASH, password)
        failed("locked")
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginResult(None, f"登录失败次数过多，账户已暂时锁定，请{minutes}分钟后再试或联系管理员")
    if not isinstance(r.password_hash, str) or not _verify(r.password_hash, password):
        failures = int(r.failed_logins) + 1
        locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        with db.transaction(con):
            queries.execute(con, "user_login_failed", id=user.id, failed_logins=0 if locked else failures,
                            locked_until=locked)
            failed("password", locked=locked is not None)
        if locked:
            return LoginResult(None, f"连续{MAX_FAILURES}次密码错误，账户已锁定{LOCK_MINUTES}分钟")
        return LoginResult(None, refused)
    if user.disabled:
        failed("disabled")
        return LoginResult(None, "此账户已停用，请联系管理员")
    with db.transaction(con):
        queries.execute(con, "user_login_ok", id=user.id)
        audit.record(con, user.name, "login", user.name, {"role": user.role})
    return LoginResult(User(user.id, user.name, user.role, False, None, user.townships, user.sees_district), "")


def start_session(con: duckdb.DuckDBPyConnection, user: User, now: datetime | None = None) -> str:
    """A new login session for ``user``: the random token the browser keeps (its cookie); the database keeps only
    the token's SHA-256, so a copy of the database opens no session."""
    token = secrets.token_urlsafe(32)
    expires = (now or utc_now()) + timedelta(hours=SESSION_HOURS)
    _written(con, lambda: queries.execute(con, "session_insert", token_hash=_digest(token), user_id=user.id,
                                          expires_at=expires), account_change=False)
    return token


def session_user(con: duckdb.DuckDBPyConnection, token: str | None, now: datetime | None = None) -> User | None:
    """The account of a live session (None: no such token, expired, or the account disabled)."""
    if not token:
        return None
    row = queries.run(con, "session_user", token_hash=_digest(token), now=now or utc_now())
    if row.empty:
        return None
    r = row.iloc[0]
    return User(int(r.id), r["name"], r.role, False, None, _ids(r.townships), bool(r.sees_district))


def end_session(con: duckdb.DuckDBPyConnection, token: str | None) -> None:
    if token:  # on the shared store a deletion conflicts with another process's login: run again
        _written(con, lambda: queries.execute(con, "session_delete", token_hash=_digest(token)), account_change=False)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _ts(value: object) -> datetime | None:
    if value is None or value != value:  # None or NaT
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value  # type: ignore[return-value]
