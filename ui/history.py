"""The 导入记录 page's pieces: batch reads cached by the data version, and the tables as people read them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from civdash.access import audit
from civdash.domain import times
from civdash.domain.periods import month_label
from civdash.domain.units import format_value
from civdash.ingest import commit
from ui import access, data

SOURCES = {"upload": "网页上传", "cli": "命令行", "demo": "示例数据", "township": "乡镇填报"}
STATUSES = {"committed": "已生效", "rolled_back": "已撤销"}
STATES = {"current": "当前有效", "unchanged": "与原值相同", "superseded": "已被后续批次修改", "rolled_back": "已撤销"}
SHOWN_CHANGES = 5000  # rows of a batch's changes shown at once; a month narrows a larger batch down


@st.cache_data(show_spinner=False)
def _batches(key: tuple[str, int]) -> pd.DataFrame:
    with data.cursor() as cur:
        return commit.batches(cur)


def batches() -> pd.DataFrame:
    return _batches(data.version())


@st.cache_data(show_spinner=False, max_entries=64)
def _summary(key: tuple[str, int], batch_id: int) -> pd.DataFrame:
    with data.cursor() as cur:
        return commit.batch_change_summary(cur, batch_id)


def summary(batch_id: int) -> pd.DataFrame:
    """How many of the batch's values are in each state, by month."""
    return _summary(data.version(), batch_id)


@st.cache_data(show_spinner="正在读取本批数据……", max_entries=64)
def _changes(key: tuple[str, int], batch_id: int, period: date | None) -> pd.DataFrame:
    with data.cursor() as cur:
        return commit.batch_changes(cur, batch_id, period, limit=SHOWN_CHANGES)


def changes(batch_id: int, period: date | None) -> pd.DataFrame:
    return _changes(data.version(), batch_id, period)


@st.cache_data(show_spinner=False, max_entries=64)
def _preview(key: tuple[str, int], batch_id: int) -> commit.RollbackPreview:
    with data.cursor() as cur:
        return commit.rollback_preview(cur, batch_id)


def preview(batch_id: int) -> commit.RollbackPreview:
    return _preview(data.version(), batch_id)


def files(batch_id: int) -> list[commit.UploadFile]:
    """The batch's files with their original bytes (not cached: read when a batch is shown)."""
    with data.cursor() as cur:
        return commit.batch_files(cur, batch_id)


def explanations(batch_id: int) -> pd.DataFrame:
    """The batch's explained soft findings as the page shows them: 审核规则 | 位置 | 核实说明 | 问题 | 说明人 | 时间."""
    with data.cursor() as cur:
        kept = commit.batch_explanations(cur, batch_id)
    return pd.DataFrame({"审核规则": kept["rule_name"], "位置": kept["location"], "核实说明": kept["explanation"],
                         "问题": kept["message"], "说明人": kept["explained_by"].fillna(""),
                         "时间": times.beijing_column(kept["explained_at"])})


def undo(batch_id: int) -> None:
    """The rollback button's action, run on the click before the page reruns (see ``frame.require_navigation``);
    the outcome waits in the session for the page to show. The rollback bumps the data version, so every cached
    read above is fresh on that rerun."""
    if not st.session_state.get(f"history_sure::{batch_id}") or not access.still_allowed("upload"):
        return  # not confirmed, or the account may no longer (disabled or demoted since the page was shown)
    user = access.user().name if access.user() else None
    try:
        with data.cursor() as cur:
            result = commit.rollback(cur, batch_id, user_name=user)
            audit.record(cur, user, "rollback", str(batch_id), {"restored": result.restored, "removed": result.removed})
    except commit.CommitError as exc:
        st.session_state["history_failed"] = f"未撤销：{exc}"
    else:
        st.session_state["history_done"] = (f"已撤销第{batch_id}批：{result.restored:,}条恢复为之前的数值，"
                                            f"{result.removed:,}条已删除。")


def may_roll_back(batch_user: str | None) -> bool:
    """An administrator may roll back any batch; a statistician only the batches they uploaded."""
    u = access.user()
    return u is not None and (u.role == "admin" or (u.role == "statistician" and batch_user == u.name))


def period_span(first, last, months: int) -> str:
    """'2025年6月', '2025年1月—2025年12月', '2025年3月—2025年6月（2个月）' when months are missing between."""
    if pd.isna(first):
        return "—"
    first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    if first == last:
        return month_label(first)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    return f"{month_label(first)}—{month_label(last)}" + ("" if months == span else f"（{months}个月）")


def batch_table(listing: pd.DataFrame) -> pd.DataFrame:
    """The batch list as the page shows it, newest first; the file names last, where a long one may be cut short
    (the batch's own section lists them in full)."""
    return pd.DataFrame({
        "批次": listing["id"],
        "状态": listing["status"].map(STATUSES),
        "时间": times.beijing_column(listing["created_at"]),
        "上传人": listing["user_name"].fillna("—"),
        "来源": listing["source"].map(SOURCES).fillna(listing["source"]),
        "期间": [period_span(r.first_period, r.last_period, r.months) for r in listing.itertuples()],
        "条数": listing["facts"],
        "当前有效": listing["current_facts"],
        "文件": listing["files"].fillna("—"),
    })


BATCH_COLUMNS = {
    "批次": st.column_config.NumberColumn(width="small"),
    "状态": st.column_config.TextColumn(width="small"),
    "条数": st.column_config.NumberColumn(format="%,d", width="small"),
    "当前有效": st.column_config.NumberColumn(format="%,d", width="small", help="本批数值中目前仍在使用的条数"),
    "文件": st.column_config.TextColumn(width="large"),
}


def changes_table(df: pd.DataFrame) -> pd.DataFrame:
    """Each value of a batch: month, township, indicator, the value before (or （无）), the batch's value, its state;
    values with their display units (万元 for money)."""
    def shown(values: pd.Series) -> list[str]:
        return [format_value(float(v), u, int(d)) if pd.notna(v) else "（无）"
                for v, u, d in zip(values, df["unit"], df["decimals"], strict=True)]

    return pd.DataFrame({
        "月份": [month_label(pd.Timestamp(p).date()) for p in df["period"]],
        "乡镇（街道）": df["township"],
        "指标": df["indicator"],
        "原值": shown(df["before_value"]),
        "本批数值": shown(df["value"]),
        "状态": [STATES[s] + (f"（第{int(b)}批）" if s == "superseded" and pd.notna(b) else "")
               for s, b in zip(df["state"], df["later_batch"], strict=True)],
    })


def state_counts(summary: pd.DataFrame) -> str:
    """'当前有效3条、与原值相同1条' from summary rows (state, facts)."""
    counts = summary.groupby("state")["facts"].sum()
    return "、".join(f"{STATES[k]}{int(counts[k]):,}条" for k in STATES if k in counts.index)


def preview_table(by_month: pd.DataFrame) -> pd.DataFrame:
    """A rollback preview by month and indicator as the page shows it."""
    return pd.DataFrame({
        "月份": [month_label(p) for p in by_month["period"]],
        "指标": by_month["indicator"],
        "恢复为之前的数值（条）": by_month["restored"].astype(int),
        "删除（条）": by_month["removed"].astype(int),
    })
