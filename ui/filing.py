"""The 填报 and 审核 pages' pieces: which township a township account fills for, the form as number inputs (with last
month's values), the findings with their explanation boxes, and the 报送进度 section of the month's returns."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pandas as pd
import streamlit as st

from civdash.access import auth
from civdash.domain import townships
from civdash.domain.periods import month_label
from civdash.domain.times import beijing
from civdash.filing import calendar, returns
from civdash.filing.form import Check, FormRow, check_form, check_upload
from civdash.ingest.review import findings_table, rule_groups
from civdash.store import scope
from ui import access, data
from ui.frame import plain

STATE_COLOURS = {"未填": "#f8d4d2", "已提交": "#fff1c9", "已退回": "#ffd8a8", "已通过": "#e3f4e6", "已撤销": "#ffd8a8"}


def own_townships(user: auth.User | None) -> list[townships.Township]:
    """The townships ``user`` fills for: a township account's own (in registry order)."""
    ids = set(getattr(user, "townships", ()) or ())
    return [t for t in data.township_list() if t.id in ids]


def pick_township(user: auth.User | None) -> townships.Township | None:
    """The township to fill for: the account's one, or the one chosen when it holds several."""
    own = own_townships(user)
    if len(own) <= 1:
        return own[0] if own else None
    names = {t.id: t.name for t in own}
    chosen = st.selectbox("乡镇（街道）", list(names), format_func=names.get, key="filing_township")
    return next(t for t in own if t.id == chosen)


def _key(township_id: int, month: date, code: str) -> str:
    return f"fill::{township_id}::{month:%Y-%m}::{code}"


def _shown(row: FormRow, value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(round(value)) if row.whole else float(value)


def fill_with_last_month(rows: list[FormRow], township_id: int, month: date) -> None:
    """The 按上月数填入 button's callback: every empty box gets last month's figure."""
    for row in rows:
        key = _key(township_id, month, row.code)
        if st.session_state.get(key) is None and row.last is not None:
            st.session_state[key] = _shown(row, row.last)


def fill_with_submitted(rows: list[FormRow], township_id: int, month: date, return_id: int) -> None:
    """The 按上次提交的数填入 button's callback: every box gets the figure of the township's last submission (a box that
    submission left empty is emptied)."""
    with data.cursor(scope.EVERYTHING) as cur:
        held = returns.submitted_figures(cur, return_id)
    for row in rows:
        st.session_state[_key(township_id, month, row.code)] = _shown(row, held.get(row.code))


def form_inputs(rows: list[FormRow], township_id: int, month: date) -> dict[str, float | None]:
    """One number box per indicator, by category, each with last month's figure under it; returns code → figure in
    the unit shown (None: left empty)."""
    values: dict[str, float | None] = {}
    for category in dict.fromkeys(r.category for r in rows):
        st.markdown(f"**{plain(category)}**")
        members = [r for r in rows if r.category == category]
        columns = st.columns(3)
        for n, row in enumerate(members):
            with columns[n % 3]:
                step = 1 if row.whole else 0.01
                values[row.code] = st.number_input(
                    plain(f"{row.name}（{row.unit}，{row.reading}）"), value=None, step=step,
                    format="%d" if row.whole else ("%.4f" if row.unit == "万元" else f"%.{max(row.decimals, 2)}f"),
                    key=_key(township_id, month, row.code), placeholder="未填",
                    help="流量指标填本月发生数，不填1-N月累计" if row.reading == "当月" else None)
                last = "—" if row.last is None else f"{row.last:,.{4 if row.unit == '万元' else row.decimals}f}{row.unit}"
                st.caption(f"上月：{plain(last)}")
    return values


def checked_form(township_id: int, month: date, values: dict[str, float | None]) -> Check:
    """The form's values checked as an upload, once per set of values (kept in the session)."""
    key = ("form", township_id, month, json.dumps(values, sort_keys=True), data.version())
    return _held(key, lambda cur: check_form(cur, township_id, month, values))


def checked_upload(township_id: int, month: date, name: str, content: bytes) -> Check:
    key = ("upload", township_id, month, name, hashlib.sha256(content).hexdigest(), data.version())
    return _held(key, lambda cur: check_upload(cur, township_id, month, name, content))


def _held(key: tuple, make) -> Check:
    """The check made once per key. It reads the whole district (the rules compare with stored values, and a row of
    another township must be recognised as one to be refused as such); it shows the township nothing but its own
    workbook's findings."""
    held = st.session_state.get("filing_check")
    if held is not None and held[0] == key:
        return held[1]
    with data.cursor(scope.EVERYTHING) as cur:
        check = make(cur)
    st.session_state["filing_check"] = (key, check)
    return check


def findings(check: Check) -> dict[str, str]:
    """The check's errors (to fix first), soft findings grouped by rule each with its 核实说明 box, and reading
    warnings; returns the explanations typed (rule code → text)."""
    plan = check.plan
    explanations: dict[str, str] = {}
    if not plan.errors and not plan.soft and not plan.warnings:
        st.success("未发现问题：所有审核规则均通过。", icon="✅")
    if plan.errors:
        st.error(f"有{len(plan.errors)}个必须修改的问题，改正后才能提交。", icon="🚫")
        for group in rule_groups(plan, "error"):
            st.markdown(f"**{plain(group.title)}**（{len(group.table)}处）")
            st.dataframe(group.table, hide_index=True, width="stretch")
    if plan.soft:
        st.warning(f"有{len(plan.soft)}个需要核实的问题。数据有误请改正；经核实无误的，请在每项下填写核实说明，"
                   "说明随本月数据一并提交，区民政局审核时可见。", icon="⚠️")
    for group in rule_groups(plan, "soft"):
        st.markdown(f"**{plain(group.title)}**（{len(group.table)}处）")
        st.dataframe(group.table, hide_index=True, width="stretch")
        explanations[group.key] = st.text_area(
            f"核实说明：{plain(group.title.removeprefix('核实性审核：'))}", key=f"filing_explain::{group.key}",
            height=68, placeholder="写明经核实的实际情况，如：本月集中新纳入城中村改造安置人员，人数属实")
    if plan.warnings:
        st.warning(f"有{len(plan.warnings)}条读取提示，请逐条核对。", icon="ℹ️")
        st.dataframe(findings_table(plan, ("warning",)), hide_index=True, width="stretch")
    return explanations


def status_section() -> None:
    """报送进度's section on the open month's returns: the deadline, each township's state, the reminder to copy or
    download, and (administrators) the deadline day."""
    month = calendar.open_month()
    with data.cursor() as cur:
        due = calendar.deadline(cur, month)
        table = returns.status(cur, month)
        text = returns.reminder(cur, month)
        day = calendar.deadline_day(cur)
        late = calendar.is_overdue(cur, month)
    st.subheader(f"乡镇填报（{month_label(month)}）")
    counts = table["状态"].value_counts()
    st.markdown(f"截止日期：**{calendar.deadline_label(due)}**{'（已过）' if late else ''}　" + "　".join(
        f"{state}{int(counts.get(state, 0))}个" for state in ("已通过", "已提交", "已退回", "已撤销", "未填")
        if state != "已撤销" or counts.get(state)))
    st.dataframe(table.style.map(lambda v: f"background-color: {STATE_COLOURS[v]}" if v in STATE_COLOURS else ""),
                 width="stretch", height=38 + 35 * min(len(table), 31))
    st.markdown("**复制提醒**（粘贴到工作群）")
    st.code(text, language=None, wrap_lines=True)
    name = returns.reminder_file_name(month)
    st.download_button("下载提醒（.txt）", text.encode("utf-8"), file_name=name, mime="text/plain",
                       icon=":material/download:", key="filing_reminder",
                       on_click=access.downloaded(name, page="报送进度"))
    if access.role() == "admin":
        narrow, _ = st.columns([1, 3])
        with narrow:
            st.number_input("每月填报截止日（次月几日，1-28）", min_value=1, max_value=28, value=day, step=1,
                            key="filing_deadline_day")
            st.button("保存截止日", key="filing_deadline_save", on_click=save_deadline)
        said = st.session_state.pop("filing_deadline_said", None)
        if said:
            (st.success if said[0] else st.error)(said[1])


def save_deadline() -> None:
    """The 保存截止日 button's callback (a callback keeps the click across a restarted run)."""
    if not access.still_allowed("registry"):
        st.session_state["filing_deadline_said"] = (False, "您已无权修改设置。")
        return
    day = int(st.session_state.get("filing_deadline_day") or calendar.DEFAULT_DAY)
    user = access.user()
    with data.cursor() as cur:
        try:
            calendar.set_deadline_day(cur, day, user.name if user else None)
        except calendar.FilingError as exc:
            st.session_state["filing_deadline_said"] = (False, plain(exc))
            return
    st.session_state["filing_deadline_said"] = (True, f"已保存：上月数据的填报截止日为每月{day}日。")


def request(action: str) -> None:
    """A button's callback: the click is kept even when the run it arrives in is restarted
    (``frame.require_navigation``), as the upload page's 确认保存 is."""
    st.session_state[f"filing_requested::{action}"] = True


def requested(action: str) -> bool:
    return bool(st.session_state.pop(f"filing_requested::{action}", False))


def waiting_table(waiting: pd.DataFrame) -> pd.DataFrame:
    """The submissions waiting for review as the 审核 page lists them."""
    return pd.DataFrame({"编号": waiting["id"].astype(int), "乡镇（街道）": waiting["township"],
                         "月份": [month_label(p) for p in waiting["period"]], "提交人": waiting["submitted_by"],
                         "提交时间": [beijing(t) for t in waiting["submitted_at"]], "文件": waiting["file_name"]})


def changes_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The change against last month with each figure written as the tables write it."""
    out = changes.copy()
    for column in ("本月", "上月", "增减"):
        out[column] = [number(v) for v in changes[column]]
    out["增减幅度"] = out["增减幅度"].fillna("—")
    return out


def number(value: float | None) -> str:
    """'1,652', '15.40', '—' (a whole number without decimals, else two)."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
