"""The upload page's state and pieces: the choices a person made (kept across reruns), the plan prepared once per
files and choices, and how findings and statuses are coloured."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from civdash import appdb
from civdash.ingest.context import Options
from civdash.ingest.review import rule_groups
from civdash.ingest.upload import Plan, explanation_for, prepare
from ui import data, frame

IGNORE = "__ignore__"
NEW_TOWNSHIP = "__new__"
UNDECIDED = ""
STATUS_COLOURS = {"new": "#e3f4e6", "changed": "#fff1c9", "unchanged": ""}
LEVEL_COLOURS = {"error": "#f8d4d2", "soft": "#ffd8a8", "warning": "#fff1c9", "note": "#e6eef8"}
# st.dataframe draws its cells itself and takes a Styler's background and text colours only (an outline or border is
# dropped): a flagged value is written in dark orange on its status colour.
FLAGGED = "color: #b45309"


@dataclass
class Choices:
    """What the person decided on this page; kept in the session until the upload is committed."""

    mappings: dict[str, str | None] = field(default_factory=dict)  # header → indicator code, None = ignore
    ytd: dict[str, bool] = field(default_factory=dict)  # 'file › sheet' → year-to-date
    townships: dict[str, str | int] = field(default_factory=dict)  # unknown name → township id or NEW_TOWNSHIP
    district: str = ""
    hidden: bool = False  # read hidden sheets, rows and columns too

    def options(self, first: bool) -> Options:
        accepted = {n: v for n, v in self.townships.items() if isinstance(v, int)}
        new = frozenset(n for n, v in self.townships.items() if v == NEW_TOWNSHIP)
        return Options(allow_new_townships=first, mappings=dict(self.mappings), ytd=dict(self.ytd),
                       accepted_matches=accepted, register_townships=new, district_name=self.district or None,
                       include_hidden=self.hidden)

    def key(self) -> tuple:
        return (tuple(sorted(self.mappings.items(), key=str)), tuple(sorted(self.ytd.items())),
                tuple(sorted(self.townships.items(), key=str)), self.district, self.hidden)


def choices() -> Choices:
    if "upload_choices" not in st.session_state:
        st.session_state["upload_choices"] = Choices()
    return st.session_state["upload_choices"]


def reset() -> None:
    """After a commit: a fresh uploader and no choices left over."""
    st.session_state["upload_choices"] = Choices()
    st.session_state.pop("upload_plan", None)
    st.session_state["upload_nonce"] = st.session_state.get("upload_nonce", 0) + 1
    for key in [k for k in st.session_state if str(k).startswith(("explain::", "explain_each::"))]:
        del st.session_state[key]


def findings_by_rule(plan: Plan) -> dict[str, str]:
    """The hard and soft findings, grouped by audit rule, each soft group with its 核实说明 box (and, for a group of
    several cells, one box a cell on demand); returns the explanations typed: rule code or cell → text."""
    explanations: dict[str, str] = {}
    if plan.errors:
        st.error(f"发现{len(plan.errors)}个必须修改的问题，需修改报表后重新上传（或按上面的提示处理），修改前不会保存任何数据。",
                 icon="🚫")
        for group in rule_groups(plan, "error"):
            st.markdown(f"**{frame.plain(group.title)}**（{len(group.table)}处）")
            st.dataframe(group.table, hide_index=True, width="stretch")
    if plan.soft:
        st.warning(f"有{len(plan.soft)}个需要核实的问题（核实性审核）。如数据有误，请修改报表后重新上传；如经核实无误，"
                   "请在每项下填写核实说明（一段说明可涵盖该项的全部单元格），说明随本批数据保存，在“导入记录”和审计日志中可查。",
                   icon="⚠️")
    for group in rule_groups(plan, "soft"):
        several = len(group.table) > 1
        st.markdown(f"**{frame.plain(group.title)}**（{len(group.table)}处）")
        st.dataframe(group.table, hide_index=True, width="stretch")
        explanations[group.key] = st.text_area(
            f"核实说明：{frame.plain(group.title.removeprefix('核实性审核：'))}", key=f"explain::{group.key}", height=68,
            placeholder="写明经核实的实际情况，如：本月集中新纳入城中村改造安置人员，人数属实"
                        + ("（适用于本项全部单元格）" if several else ""))
        if several and st.toggle("逐个单元格分别说明（填写的以此为准）", key=f"explain_each::{group.key}"):
            for where in group.table["位置"]:
                explanations[where] = st.text_input(f"核实说明：{frame.plain(where)}", key=f"explain::{where}")
    return explanations


def explained(plan: Plan, explanations: dict[str, str]) -> list[dict[str, str]]:
    """What the audit log keeps of the explanations: each soft finding's rule, cell and explanation."""
    return [{"rule": f.rule_name or "", "where": f.where, "explanation": explanation_for(f, explanations) or ""}
            for f in plan.soft]


def request_commit() -> None:
    """The confirm button's callback. A callback, not the button's return value: a click is kept even when the
    run it arrives in is restarted (``frame.require_navigation``)."""
    st.session_state["upload_commit_requested"] = True


def commit_requested() -> bool:
    return bool(st.session_state.pop("upload_commit_requested", False))


def uploader_key() -> str:
    return f"upload_files_{st.session_state.get('upload_nonce', 0)}"


def file_list(files: Sequence) -> list[tuple[str, bytes]]:
    return [(f.name, f.getvalue()) for f in files]


def first_upload() -> bool:
    """The bureau's first upload: the dashboard still shows the demo (this upload sets up the bureau's own
    database), or the bureau's database has no townships yet (set up empty with the first account); the
    townships and the district in the file are registered."""
    return data.is_demo() or not data.township_list()


def prepared(files: list[tuple[str, bytes]], chosen: Choices, first: bool) -> Plan:
    """The plan for these files and choices, prepared once (with a progress bar) and kept in the session."""
    key = (tuple((n, hashlib.sha256(b).hexdigest()) for n, b in files), chosen.key(), first, data.version())
    held = st.session_state.get("upload_plan")
    if held is not None and held[0] == key:
        return held[1]
    bar = st.progress(0.0, text="正在读取文件……")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    if first:  # checked against a blank database: the bureau's townships are registered from its own forms
        con = appdb.blank_database()
        try:
            plan = prepare(con, files, chosen.options(first), progress=progress)
        finally:
            con.close()
    else:
        with data.cursor() as cur:
            plan = prepare(cur, files, chosen.options(first), progress=progress)
    bar.empty()
    st.session_state["upload_plan"] = (key, plan)
    return plan


def styled_status(values: pd.DataFrame, status: pd.DataFrame):
    """The stored table coloured by status (new green, changed amber), flagged values in orange text."""

    def css(mark: str) -> str:
        state, _, warn = mark.partition(" ")
        return ";".join(p for p in (f"background-color: {STATUS_COLOURS[state]}" if STATUS_COLOURS.get(state) else "",
                                    FLAGGED if warn else "") if p)

    return values.style.apply(lambda _: status.map(css), axis=None)


def styled_levels(grid: pd.DataFrame, levels: pd.DataFrame):
    """The sheet as uploaded, cells with an error red, with a warning amber, with a note blue."""
    return grid.style.apply(lambda _: levels.map(lambda lv: f"background-color: {LEVEL_COLOURS[lv]}" if lv else ""),
                            axis=None)
