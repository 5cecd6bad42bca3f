"""The audit log: who did what, and when — logins and failures, uploads, rollbacks, catalog and township edits,
user changes, downloads. Entries are only ever added; admins read, filter and export them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

from civdash.store import queries

ACTIONS: dict[str, str] = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "upload": "上传数据", "rollback": "撤销批次",
    "registry": "修改指标与乡镇", "user": "账户管理", "download": "下载",
    "filing_submit": "提交填报", "filing_return": "退回填报", "filing_approve": "通过填报",
    "filing_deadline": "设置填报截止日", "ask": "问数",
}


def record(con: duckdb.DuckDBPyConnection, user_name: str | None, action: str, target: str | None = None,
           detail: dict | None = None) -> None:
    """Add one entry (inside the caller's transaction when there is one)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    queries.execute(con, "audit_insert", user_name=user_name, action=action, target=target,
                    detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True))


def entries(con: duckdb.DuckDBPyConnection, start: datetime | None = None, end: datetime | None = None,
            user_name: str | None = None, actions: Sequence[str] = (), limit: int = 10_000) -> pd.DataFrame:
    """The log, newest first: id, logged_at, user_name, action, target, detail (JSON text); a missing user or target
    is None."""
    out = queries.run(con, "audit_list", start=start, end=end, user_name=user_name, actions=list(actions), limit=limit)
    for column in ("user_name", "target"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def user_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Everyone named in the log as the person who acted, by name (the audit page's user filter)."""
    return [str(n) for n in queries.run(con, "audit_user_names")["user_name"]]
