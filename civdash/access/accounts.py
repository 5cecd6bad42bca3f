"""What the 账户管理 page shows and guards: every account with its role and state, and the rule that an
administrator may neither disable nor demote their own account (so the one acting always stays an admin, and
the bureau is never left without one). The changes themselves are ``civdash.access.auth``'s, which audits them."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from civdash.access import auth
from civdash.domain.times import beijing, utc_now
from civdash.store import queries

STATES = {"active": "正常", "disabled": "停用", "locked": "锁定中"}
COLUMNS = ["用户名", "角色", "所属乡镇", "状态", "创建时间", "最近修改"]


def state(disabled: bool, locked_until: datetime | None, now: datetime) -> str:
    """'停用' before '锁定中' (a disabled account cannot log in either way), else '正常'."""
    if disabled:
        return STATES["disabled"]
    if locked_until is not None and locked_until > now:
        return STATES["locked"]
    return STATES["active"]


def _when(value: object) -> str:
    return beijing(value)


def account_table(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> pd.DataFrame:
    """Every account by name: ``COLUMNS`` as text (never the password hash)."""
    now = now or utc_now()
    names = {t.id: t.name for t in auth.registered_townships(con)}
    rows = []
    for r in queries.run(con, "user_list").itertuples():
        locked = None if r.locked_until is None or r.locked_until != r.locked_until else pd.Timestamp(r.locked_until)
        rows.append((r.name, auth.ROLES.get(r.role, r.role), scope_text(list(r.townships), bool(r.sees_district), names),
                     state(bool(r.disabled), locked, pd.Timestamp(now)), _when(r.created_at), _when(r.changed_at)))
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def scope_text(ids: list[int], sees_district: bool, names: dict[int, str]) -> str:
    """What a township account may see, in words ('城东街道（可查看全区合计）'); '' for every other account."""
    if not ids:
        return ""
    return "、".join(names.get(int(t), str(t)) for t in ids) + ("（可查看全区合计）" if sees_district else "")


def set_townships(con: duckdb.DuckDBPyConnection, name: str, townships: list[int], sees_district: bool,
                  by: str | None) -> None:
    """``auth.set_townships`` (an administrator's own account is never a township account)."""
    auth.set_townships(con, name, townships, sees_district, by=by)


def set_disabled(con: duckdb.DuckDBPyConnection, name: str, disabled: bool, by: str | None) -> None:
    """``auth.set_disabled``, refused for one's own account."""
    if disabled and by is not None and (name or "").strip() == by:
        raise auth.AccountError("不能停用自己的账户：如确需停用，请由另一位管理员操作")
    auth.set_disabled(con, name, disabled, by=by)


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str, by: str | None,
             townships: list[int] | None = None) -> None:
    """``auth.set_role`` (``townships``: a township account's), refused when an administrator would lower their own
    role."""
    if by is not None and (name or "").strip() == by and role != "admin":
        raise auth.AccountError("不能降低自己账户的角色：如确需更改，请由另一位管理员操作")
    auth.set_role(con, name, role, by=by, townships=townships if role == auth.TOWNSHIP else None)
