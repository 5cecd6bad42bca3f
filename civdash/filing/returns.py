"""A township's return through its steps: submitted (已提交) → returned with a reason (已退回) or approved (已通过).

- ``submit``: a checked workbook (``form.Check``) without errors, each soft finding explained, is kept with its bytes,
  its explanations, who and when. A township may submit again after a return, and may replace its own submission while
  it is still waiting (the newer one is the one reviewed; the earlier stays in the history as replaced). Never after
  its month was approved: then the district statistician corrects the figures (an upload).
- ``review``: a waiting submission read again on the current database: its findings and explanations, and the change
  of each figure against last month.
- ``approve``: the stored workbook is prepared again on the current database and, if it still passes (no error, every
  soft finding explained), committed as a batch (source 'township', the reviewer as its user, the note naming the
  return, the township's explanations kept with it) in the same transaction that marks the return approved; otherwise
  refused in words. ``send_back`` needs a reason.
- Every step is in the audit log, written in the step's own transaction. Each step updates meta 'filing_version'
  first, so two sessions acting on returns at once meet there and the later runs again, seeing the earlier's result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from civdash.access import audit
from civdash.domain import catalog, times
from civdash.domain.periods import add_months, month_key, month_label
from civdash.domain.units import display_decimals, display_unit, format_change, round_half_up, to_display
from civdash.filing.calendar import FilingError, deadline, deadline_label
from civdash.filing.form import Check, check_upload, figures
from civdash.ingest.commit import CommitError, CommitResult
from civdash.ingest.upload import commit as commit_plan
from civdash.ingest.upload import explanation_for, refusal
from civdash.store import db, queries

STATES = {None: "未填", "submitted": "已提交", "returned": "已退回", "approved": "已通过", "rolled_back": "已撤销"}
ROLLED_BACK = "通过后数据已在“导入记录”中撤销（第{batch}批），请重新提交"
_AGAIN = (None, "returned", "rolled_back")  # states in which the township has to (re)submit
SOURCE = "township"
BUSY = FilingError("其他人正在同时处理填报，本次没有保存任何改动，请稍后再试")


@dataclass(frozen=True)
class Submission:
    """A submission as it was handed in, and where it stands now."""

    id: int
    township_id: int
    township: str
    period: date
    file_name: str
    content: bytes
    explanations: dict[str, str]
    submitted_by: str | None
    submitted_at: datetime
    state: str  # 'submitted' | 'returned' | 'approved' | 'rolled_back' (approved, its batch rolled back since)
    reviewed_by: str | None
    reviewed_at: datetime | None
    reason: str | None
    batch_id: int | None
    replaced: bool  # a newer submission of the same township and month replaced it

    @property
    def state_name(self) -> str:
        return "已替换" if self.replaced and self.state == "submitted" else STATES[self.state]


@dataclass(frozen=True)
class Review:
    """A waiting submission read again now: its check (findings), the explanations and the change against last month."""

    submission: Submission
    check: Check
    changes: pd.DataFrame  # 指标 | 单位 | 本月 | 上月 | 增减 | 增减幅度, in catalog order, display units

    def explained(self) -> list[dict[str, str]]:
        """Each soft finding now with the township's explanation ('' when it has none)."""
        return [{"rule": f.rule_name or "", "where": f.where, "message": f.message,
                 "explanation": explanation_for(f, self.submission.explanations) or ""} for f in self.check.soft]


def _none(value: object) -> object:
    return None if value is None or pd.isna(value) else value


def _bump(con: duckdb.DuckDBPyConnection) -> None:
    db.set_meta(con, "filing_version", str(int(db.get_meta(con, "filing_version", "0") or 0) + 1))


def _next_ids(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    seq, next_id = queries.execute(con, "filing_next_ids").fetchone()
    return int(seq), int(next_id)


def _state(con: duckdb.DuckDBPyConnection, township_id: int, month: date) -> pd.Series | None:
    rows = queries.run(con, "filing_month_states", period=month)
    row = rows[rows["township_id"] == township_id]
    return None if row.empty or pd.isna(row["id"].iloc[0]) else row.iloc[0]


def submission(con: duckdb.DuckDBPyConnection, return_id: int) -> Submission:
    """Submission ``return_id`` with its state now; ``FilingError`` when there is none."""
    rows = queries.run(con, "filing_submission", id=return_id)
    if rows.empty:
        raise FilingError(f"没有第{return_id}号填报")
    r = rows.iloc[0]
    return Submission(int(r["id"]), int(r["township_id"]), str(r["township"]), pd.Timestamp(r["period"]).date(),
                      str(r["file_name"]), bytes(r["content"]), json.loads(r["explanations"] or "{}"),
                      _none(r["submitted_by"]), pd.Timestamp(r["submitted_at"]).to_pydatetime(), str(r["state"]),
                      _none(r["reviewed_by"]), _none(r["reviewed_at"]), _none(r["reason"]),
                      int(r["batch_id"]) if _none(r["batch_id"]) is not None else None, bool(r["replaced"]))


def _explained(check: Check, explanations: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"rule": f.rule_name or "", "where": f.where, "explanation": explanation_for(f, explanations) or ""}
            for f in check.soft]


def submit(con: duckdb.DuckDBPyConnection, check: Check, user_name: str | None,
           explanations: Mapping[str, str] | None = None, warnings_checked: bool = False,
           now: datetime | None = None) -> int:
    """Keep ``check`` as the township's submission of its month; returns its number. Refused (``FilingError``) with an
    error, an unexplained soft finding, unchecked warnings, nothing to store, or when the month was approved already.
    A submission still waiting is replaced by this one."""
    given = {k: v.strip() for k, v in (explanations or {}).items() if v and v.strip()}
    refused = refusal(check.plan, explanations=given)
    if refused:
        raise FilingError(refused.replace("未保存任何数据", "不能提交"))
    if check.warnings and not warnings_checked:
        raise FilingError(f"有{len(check.warnings)}条读取提示，请逐条核对后再提交")
    kept = {k: v for k, v in given.items() if any(explanation_for(f, {k: v}) for f in check.soft)}
    when = now or times.utc_now()
    label = month_label(check.period)

    def write() -> int:
        with db.transaction(con):
            _bump(con)
            state = _state(con, check.township_id, check.period)
            if state is not None and state["status"] == "approved":
                raise FilingError(f"{check.township}{label}的填报已通过审核，不能再提交；"
                                  "如需更正，请联系区民政局统计员")
            replaced = int(state["id"]) if state is not None and state["status"] == "submitted" else None
            seq, new_id = _next_ids(con)
            queries.execute(con, "filing_submit", seq=seq, id=new_id, township_id=check.township_id,
                            period=check.period, file_name=check.file_name, content=check.content,
                            sha256=check.sha256, explanations=json.dumps(kept, ensure_ascii=False, sort_keys=True),
                            submitted_by=user_name, submitted_at=when)
            audit.record(con, user_name, "filing_submit", f"{check.township} {label}",
                         {"return": new_id, "file": check.file_name, "replaced": replaced,
                          "explanations": _explained(check, kept)})
        return new_id

    return db.retried_on_conflict(write, BUSY)


def pending(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Submissions waiting for review, oldest first: id, township_id, township, period, file_name, submitted_by,
    submitted_at."""
    out = queries.run(con, "filing_pending")
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out


def _waiting(sub: Submission) -> None:
    if sub.replaced:
        raise FilingError(f"第{sub.id}号填报已被{sub.township}重新提交的填报替换，请审核最新的一份")
    if sub.state != "submitted":
        raise FilingError(f"第{sub.id}号填报{STATES[sub.state]}，不能再次审核")


def changes(con: duckdb.DuckDBPyConnection, check: Check) -> pd.DataFrame:
    """Each figure of ``check`` against the township's current value of the month before: 指标, 单位, 本月, 上月, 增减,
    增减幅度 (display units; flows compare the months' own amounts)."""
    inds = catalog.indicator_map(con)
    order = {c: n for n, c in enumerate(inds)}
    before = dict(queries.run(con, "filing_month_values", township_id=check.township_id,
                              period=add_months(check.period, -1)).itertuples(index=False))
    rows = []
    facts = check.plan.table
    for code, value in sorted(zip(facts["indicator"], facts["value"], strict=True), key=lambda cv: order.get(cv[0], 0)):
        ind = inds[code]
        places = display_decimals(ind.unit, ind.decimals)
        now, last = to_display(float(value), ind.unit), to_display(before.get(code), ind.unit)
        diff = now - last if last is not None else None
        rows.append((ind.name, display_unit(ind.unit), round_half_up(now, places),
                     None if last is None else round_half_up(last, places),
                     None if diff is None else round_half_up(diff, places),
                     format_change(diff / last) if last else None))
    return pd.DataFrame(rows, columns=["指标", "单位", "本月", "上月", "增减", "增减幅度"])


def review(con: duckdb.DuckDBPyConnection, return_id: int) -> Review:
    """Submission ``return_id`` read and checked again on the current database, with the change against last month."""
    sub = submission(con, return_id)
    check = check_upload(con, sub.township_id, sub.period, sub.file_name, sub.content)
    return Review(sub, check, changes(con, check))


def send_back(con: duckdb.DuckDBPyConnection, return_id: int, reviewer: str | None, reason: str,
              now: datetime | None = None) -> None:
    """Return a waiting submission to its township with ``reason`` (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise FilingError("请填写退回原因，乡镇将看到这段说明")
    when = now or times.utc_now()

    def write() -> None:
        with db.transaction(con):
            _bump(con)
            sub = submission(con, return_id)
            _waiting(sub)
            seq, _ = _next_ids(con)
            queries.execute(con, "filing_review", seq=seq, id=return_id, status="returned", reviewed_by=reviewer,
                            reviewed_at=when, reason=reason, batch_id=None)
            audit.record(con, reviewer, "filing_return", f"{sub.township} {month_label(sub.period)}",
                         {"return": return_id, "reason": reason})

    db.retried_on_conflict(write, BUSY)


def approve(con: duckdb.DuckDBPyConnection, return_id: int, reviewer: str | None,
            now: datetime | None = None) -> CommitResult:
    """Store a waiting submission's figures as a batch and mark it approved, all in one transaction; refused
    (``FilingError``) when it no longer passes the checks on the current database, or was dealt with already."""
    sub = submission(con, return_id)
    _waiting(sub)
    check = check_upload(con, sub.township_id, sub.period, sub.file_name, sub.content)
    refused = refusal(check.plan, explanations=sub.explanations)
    if refused:
        raise FilingError(f"第{return_id}号填报按现在的数据重新检查未能通过（{refused.replace('，未保存任何数据', '')}），"
                          "未保存任何数据；请退回乡镇修改")
    when = now or times.utc_now()
    label = month_label(sub.period)

    def mark(cur: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        _bump(cur)
        again = submission(cur, return_id)
        if again.replaced or again.state != "submitted":
            raise CommitError(f"第{return_id}号填报刚刚已被其他人处理或被乡镇重新提交，未保存任何数据")
        seq, _ = _next_ids(cur)
        queries.execute(cur, "filing_review", seq=seq, id=return_id, status="approved", reviewed_by=reviewer,
                        reviewed_at=when, reason=None, batch_id=batch_id)
        audit.record(cur, reviewer, "filing_approve", f"{sub.township} {label}",
                     {"return": return_id, "batch": batch_id, "file": sub.file_name,
                      "explanations": _explained(check, sub.explanations)})

    note = f"乡镇填报：{sub.township}{label}，第{return_id}号填报（{sub.submitted_by or '未知用户'}提交）"
    try:
        return commit_plan(con, check.plan, user_name=reviewer, source=SOURCE, explanations=sub.explanations,
                           note=note, explained_by=sub.submitted_by, within=mark)
    except CommitError as exc:
        raise FilingError(str(exc)) from exc


def status(con: duckdb.DuckDBPyConnection, month: date, today: date | None = None) -> pd.DataFrame:
    """Every township's return of ``month``, indexed by township in registry order: 状态 (未填/已提交/已退回/已通过, or
    已撤销 when an approval's batch was rolled back since), 提交人, 提交时间, 审核人, 审核时间, 退回原因 (Beijing times),
    逾期 ('逾期' after the deadline for one that has to be submitted (again), '逾期提交' for one submitted after it)."""
    rows = queries.run(con, "filing_month_states", period=month)
    due = deadline(con, month)
    late = (today or times.today_beijing()) > due
    out = []
    for r in rows.itertuples(index=False):
        state = None if pd.isna(r.id) else r.status
        submitted = times.beijing(r.submitted_at) if state else ""
        overdue = ""
        if state and times.beijing(r.submitted_at, "%Y-%m-%d") > due.isoformat():
            overdue = "逾期提交"
        if late and state in _AGAIN:
            overdue = "逾期"
        reviewed = state in ("returned", "approved", "rolled_back")
        reason = (_none(r.reason) or "") if state == "returned" else ""
        if state == "rolled_back":
            reason = ROLLED_BACK.format(batch=int(r.batch_id))
        out.append((r.township, STATES[state], _none(r.submitted_by) or "", submitted,
                    (_none(r.reviewed_by) or "") if reviewed else "", times.beijing(r.reviewed_at) if reviewed else "",
                    reason, overdue))
    table = pd.DataFrame(out, columns=["乡镇（街道）", "状态", "提交人", "提交时间", "审核人", "审核时间", "退回原因", "逾期"])
    return table.set_index("乡镇（街道）")


def reminder(con: duckdb.DuckDBPyConnection, month: date, today: date | None = None) -> str:
    """A text to paste into the office's messaging group: the month, the deadline, who has not filled, who was returned
    (with the reason), who waits for review."""
    table = status(con, month, today)
    today = today or times.today_beijing()
    due = deadline(con, month)
    label = month_label(month)
    unfilled = list(table.index[table["状态"] == "未填"])
    returned = table[table["状态"].isin(["已退回", "已撤销"])]
    lines = [f"【{label}民政数据填报提醒】",
             f"{label}数据请于{deadline_label(due)}前在民政数据看板“填报”页面填报"
             + ("，现已逾期，请尽快填报。" if today > due else "。")]
    if unfilled:
        lines.append(f"截至{today.month}月{today.day}日，尚未填报的乡镇（街道）{len(unfilled)}个：{'、'.join(unfilled)}。")
    if not returned.empty:
        lines.append(f"已退回、请修改后重新提交的{len(returned)}个：" + "；".join(
            f"{t}（{'退回原因：' if s == '已退回' else ''}{r}）"
            for t, s, r in zip(returned.index, returned["状态"], returned["退回原因"], strict=True)) + "。")
    if not unfilled and returned.empty:
        lines.append(f"各乡镇（街道）均已提交{label}数据，谢谢！")
    waiting = int((table["状态"] == "已提交").sum())
    done = int((table["状态"] == "已通过").sum())
    lines.append(f"（共{len(table)}个乡镇（街道）：已通过{done}个，待审核{waiting}个，已退回{len(returned)}个，"
                 f"未填{len(unfilled)}个。）")
    return "\n".join(lines)


def reminder_file_name(month: date) -> str:
    """'填报提醒_2026-11.txt'."""
    return f"填报提醒_{month_key(month)}.txt"


def submitted_figures(con: duckdb.DuckDBPyConnection, return_id: int) -> dict[str, float]:
    """What submission ``return_id`` held, in the units the form shows (indicator code → figure)."""
    sub = submission(con, return_id)
    return figures(con, check_upload(con, sub.township_id, sub.period, sub.file_name, sub.content))


def township_state(con: duckdb.DuckDBPyConnection, township_id: int, month: date) -> Submission | None:
    """The township's newest submission of ``month`` with its state, or None when it has not submitted."""
    state = _state(con, township_id, month)
    return None if state is None else submission(con, int(state["id"]))
