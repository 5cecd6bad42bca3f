"""The 指标与乡镇 page's pieces: tables of what is registered, the forms to add and edit indicators, townships and
yearly targets, merging two spellings of a township, the record of changes.

A form's values are read from the session in the submit button's callback, which runs the change through
``civdash.admin.registry`` and leaves its outcome (a success, or the Chinese reason it was refused) for the next run to
show beside the form. A callback, not the button's return value: a click is kept even when the run it arrives in
is restarted (``frame.require_navigation``). Edit forms are keyed by the object they edit, so that choosing
another one fills the form with its values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from civdash.admin import registry
from civdash.admin.registry import KINDS, TOWNSHIP_TYPES, IndicatorInput, RegistryError, TownshipInput
from civdash.domain import rules, slides
from civdash.domain.catalog import Indicator
from civdash.domain.periods import add_months, last_complete_month, month_label
from civdash.domain.rules import AuditRule
from civdash.domain.times import beijing_column
from civdash.domain.townships import Township
from civdash.domain.units import BASE_UNITS, LEVEL_UNITS, display_unit, format_value
from civdash.ingest.template import template_name, upload_template
from ui import access, data, frame

NO_WEIGHT = ""
AUTO_TYPE = ""
INDICATOR_FIELDS = ("name", "category", "kind", "unit", "decimals", "aliases", "weight", "note", "good", "code")
TOWNSHIP_FIELDS = ("name", "code", "type", "position", "aliases", "former")


def user() -> str | None:
    """The logged-in administrator's name, recorded with every change."""
    u = access.user()
    return u.name if u else None


def act(area: str, change: Callable, *args, done: Callable[[object], str] | str, clear: Sequence[str] = (),
        **kwargs) -> None:
    """Run ``change(cursor, *args, user=…, **kwargs)`` and keep its outcome for ``outcome(area)``. On success the
    widgets named in ``clear`` start empty again. Nothing is done when the account acting is no longer an
    administrator (disabled or demoted since the page was shown)."""
    if not access.still_allowed("registry"):
        return
    try:
        with data.cursor() as cur:
            result = change(cur, *args, user=user(), **kwargs)
    except RegistryError as exc:
        st.session_state[f"registry_outcome::{area}"] = ("error", f"未保存：{exc}")
        return
    access.record("registry", getattr(change, "__name__", area), {"area": area})
    st.session_state[f"registry_outcome::{area}"] = ("ok", done(result) if callable(done) else done)
    for key in clear:
        st.session_state.pop(key, None)


def outcome(area: str) -> None:
    """The outcome of the last change made in ``area``, shown once."""
    found = st.session_state.pop(f"registry_outcome::{area}", None)
    if found:
        level, text = found  # names and formulas as people typed them: shown as written, never as Markdown
        (st.success if level == "ok" else st.error)(frame.plain(text), icon="✅" if level == "ok" else "⚠️")


def _lines(names: Sequence[str]) -> str:
    return "\n".join(names)


def _height(rows: int, most: int = 15) -> int:
    return 38 + 35 * min(max(rows, 1), most)


# --- indicators ------------------------------------------------------------------------------------------------


def indicator_table(inds: Sequence[Indicator], aliases: dict[str, list[str]]) -> None:
    names = {i.code: i.name for i in inds}
    table = pd.DataFrame({
        "指标": [i.name for i in inds], "类别": [i.category for i in inds], "单位": [i.unit for i in inds],
        "显示单位": [display_unit(i.unit) for i in inds], "类型": [KINDS[i.kind] for i in inds],
        "别名": ["、".join(aliases.get(i.code, [])) for i in inds],
        "加权": [names.get(i.weight, "") if i.weight else "" for i in inds],
        "增减含义": [registry.GOOD_DIRECTIONS[i.good] for i in inds],
        "口径说明": [i.note or "" for i in inds], "代码": [i.code for i in inds]})
    widths = {"指标": 190, "类别": 90, "单位": 70, "显示单位": 70, "类型": 80, "别名": 260, "加权": 120, "增减含义": 80,
              "口径说明": 170}
    st.dataframe(table, hide_index=True, width="stretch", height=_height(len(inds)),
                 column_config={c: st.column_config.TextColumn(width=w) for c, w in widths.items()})


def template_download() -> None:
    """The 上传模板 of a chosen month (the month after the latest data first), generated from the registry now."""
    months = data.months()
    choices = [add_months(months[0], 1) if months else last_complete_month(), *months[:11]]
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    chosen = left.selectbox("上传模板月份", choices, format_func=month_label, key="registry_template_month")
    with data.cursor() as cur:
        form = upload_template(cur, chosen.year, chosen.month)
    right.download_button(f"下载上传模板（{month_label(chosen)}）", form, file_name=template_name(chosen.year, chosen.month),
                          icon=":material/download:", key="registry_template",
                          on_click=access.downloaded(template_name(chosen.year, chosen.month), page="指标与乡镇"))
    st.caption("上传模板按当前的指标和乡镇（街道）生成：各乡镇一行、各指标一列，金额以万元填写，发生数标明“当月”；"
               "新增或修改指标、乡镇后重新下载即可。")


def _indicator_fields(prefix: str, inds: Sequence[Indicator], current: Indicator | None = None,
                      aliases: Sequence[str] = ()) -> None:
    """The inputs of an indicator inside a form, keyed ``prefix`` + field; filled with ``current`` when editing."""
    categories = list(dict.fromkeys(i.category for i in inds))
    units = list(dict.fromkeys([*BASE_UNITS, *LEVEL_UNITS, *([current.unit] if current else [])]))  # one kept from before
    weights = [NO_WEIGHT, *(i.code for i in inds if i.kind == "stock" and (current is None or i.code != current.code))]
    weight = current.weight if current and current.weight in weights else NO_WEIGHT
    names = {i.code: i.name for i in inds}
    st.text_input("指标名称", value=current.name if current else "", key=f"{prefix}name", max_chars=40,
                  placeholder="例如：养老机构护理型床位数")
    left, right = st.columns(2)
    left.selectbox("类别", categories, index=categories.index(current.category) if current else None,
                   key=f"{prefix}category", accept_new_options=True, placeholder="选择或输入新类别")
    right.selectbox("类型", list(KINDS), index=list(KINDS).index(current.kind) if current else 0,
                    format_func=KINDS.get, key=f"{prefix}kind",
                    help="期末数：月末在册数（人数、户数），按最后一个月汇总；发生数：当期发生额（资金、人次），按月累加；"
                         "比率/标准：不相加，取平均。")
    left.selectbox("单位（保存单位）", units, index=units.index(current.unit) if current else 0,
                   key=f"{prefix}unit", help="金额一律以元保存，看板和上传模板中按万元显示。")
    right.number_input("小数位数", min_value=0, max_value=registry.MAX_DECIMALS, step=1,
                       value=current.decimals if current else 0, key=f"{prefix}decimals")
    st.text_area("别名（每行一个）", value=_lines(aliases), key=f"{prefix}aliases", height=110,
                 placeholder="本单位报表中的其他写法，如：城镇低保在册人数")
    left, right = st.columns(2)
    left.selectbox("加权指标（比率/标准用）", weights, index=weights.index(weight),
                   format_func=lambda c: names.get(c, "（不加权）"), key=f"{prefix}weight")
    right.text_input("口径说明", value=(current.note or "") if current else "", key=f"{prefix}note")
    goods = list(registry.GOOD_DIRECTIONS)
    left.selectbox("增减含义", goods, index=goods.index(current.good) if current and current.good in goods else 0,
                   format_func=registry.GOOD_DIRECTIONS.get, key=f"{prefix}good",
                   help="总览卡片只在“上升为好”（如注册用户数）或“下降为好”（如信访件数）的指标上用红绿表示增减；"
                        "中性指标（如低保人数）的增减一律以蓝色箭头表示。")


def _indicator_input(prefix: str) -> IndicatorInput:
    s = st.session_state
    return IndicatorInput(name=s.get(f"{prefix}name") or "", category=s.get(f"{prefix}category") or "",
                          unit=s.get(f"{prefix}unit") or "", kind=s.get(f"{prefix}kind") or "",
                          aliases=registry.split_names(s.get(f"{prefix}aliases") or ""),
                          decimals=int(s.get(f"{prefix}decimals") or 0), weight=s.get(f"{prefix}weight") or None,
                          note=s.get(f"{prefix}note") or None, good=s.get(f"{prefix}good") or None)


def add_indicator_form(inds: Sequence[Indicator]) -> None:
    st.subheader("新增指标")
    with st.form("indicator_add"):
        _indicator_fields("ind_add_", inds)

        def add() -> None:  # the code is made up (custom_N): people name an indicator by its name
            spec = _indicator_input("ind_add_")
            act("indicator_add", registry.add_indicator, spec,
                done=f"已新增指标“{spec.name.strip()}”", clear=[f"ind_add_{f}" for f in INDICATOR_FIELDS])

        st.form_submit_button("新增指标", on_click=add, type="primary", key="ind_add_submit")
    outcome("indicator_add")


def edit_indicator_form(inds: Sequence[Indicator], aliases: dict[str, list[str]]) -> None:
    st.subheader("修改指标")
    names = {i.code: i.name for i in inds}
    code = st.selectbox("选择指标", list(names), format_func=names.get, key="ind_edit_code")
    prefix = f"ind_edit::{code}::"
    with st.form(f"indicator_edit::{code}"):
        _indicator_fields(prefix, inds, next(i for i in inds if i.code == code), aliases.get(code, []))

        def edit() -> None:
            act("indicator_edit", registry.edit_indicator, code, _indicator_input(prefix),
                done=f"已保存对“{names[code]}”的修改")

        st.form_submit_button("保存修改", on_click=edit, type="primary", key="ind_edit_submit")
    outcome("indicator_edit")
    st.caption("改名后，原名称保留为别名，以便识别以前的报表。已有数据的指标不能修改单位和类型。")


# --- townships -------------------------------------------------------------------------------------------------


def township_table(towns: Sequence[Township], names: dict[int, dict[str, list[str]]]) -> None:
    table = pd.DataFrame({
        "顺序": range(1, len(towns) + 1), "名称": [t.name for t in towns], "区划代码": [t.code or "" for t in towns],
        "类型": [t.type or "" for t in towns], "别名": ["、".join(names[t.id]["alias"]) for t in towns],
        "曾用名": ["、".join(names[t.id]["former"]) for t in towns],
        "简称（自动）": ["、".join(names[t.id]["short"]) for t in towns]})
    st.dataframe(table, hide_index=True, width="stretch", height=_height(len(towns)))


def _township_fields(prefix: str, count: int, position: int, current: Township | None = None,
                     names: dict[str, list[str]] | None = None) -> None:
    """The inputs of a township inside a form, keyed ``prefix`` + field; filled with ``current`` (at ``position``
    of ``count`` places in the display order) when editing."""
    names = names or {"alias": [], "former": []}
    types = [AUTO_TYPE, *TOWNSHIP_TYPES]
    left, right = st.columns(2)
    left.text_input("名称", value=current.name if current else "", key=f"{prefix}name", max_chars=20,
                    placeholder="例如：城东街道")
    right.text_input("区划代码（9位，可不填）", value=(current.code or "") if current else "", key=f"{prefix}code",
                     max_chars=9, placeholder="例如：500114121")
    left.selectbox("类型", types, index=types.index(current.type) if current and current.type in types else 0,
                   format_func=lambda t: t or "按名称判断", key=f"{prefix}type")
    right.number_input("显示顺序", min_value=1, max_value=count, step=1, value=position, key=f"{prefix}position")
    left, right = st.columns(2)
    left.text_area("别名（每行一个）", value=_lines(names["alias"]), key=f"{prefix}aliases", height=90,
                   placeholder="如：城东街办")
    right.text_area("曾用名（每行一个）", value=_lines(names["former"]), key=f"{prefix}former", height=90,
                    placeholder="如：中塘乡")


def _township_input(prefix: str) -> TownshipInput:
    s = st.session_state
    position = s.get(f"{prefix}position")
    return TownshipInput(name=s.get(f"{prefix}name") or "", code=s.get(f"{prefix}code") or None,
                         type=s.get(f"{prefix}type") or None,
                         aliases=registry.split_names(s.get(f"{prefix}aliases") or ""),
                         former_names=registry.split_names(s.get(f"{prefix}former") or ""),
                         position=int(position) if position else None)


def add_township_form(towns: Sequence[Township]) -> None:
    st.subheader("新增乡镇（街道）")
    with st.form("township_add"):
        _township_fields("town_add_", len(towns) + 1, len(towns) + 1)

        def add() -> None:
            spec = _township_input("town_add_")
            act("township_add", registry.add_township, spec, done=f"已新增{spec.name.strip()}",
                clear=[f"town_add_{f}" for f in TOWNSHIP_FIELDS])

        st.form_submit_button("新增乡镇（街道）", on_click=add, type="primary", key="town_add_submit")
    outcome("township_add")


def edit_township_form(towns: Sequence[Township], names: dict[int, dict[str, list[str]]]) -> None:
    st.subheader("修改乡镇（街道）")
    if not towns:
        st.caption("尚未登记乡镇（街道）。")
        return
    by_id = {t.id: t for t in towns}
    tid = st.selectbox("选择乡镇（街道）", list(by_id), format_func=lambda i: by_id[i].name, key="town_edit_id")
    prefix = f"town_edit::{tid}::"
    with st.form(f"township_edit::{tid}"):
        _township_fields(prefix, len(towns), list(by_id).index(tid) + 1, by_id[tid], names[tid])

        def edit() -> None:
            act("township_edit", registry.edit_township, tid, _township_input(prefix),
                done=f"已保存对{by_id[tid].name}的修改")

        st.form_submit_button("保存修改", on_click=edit, type="primary", key="town_edit_submit")
    outcome("township_edit")
    st.caption("改名后，原名称（及简称）保留为曾用名，以便识别以前的报表。")


def merge_form(towns: Sequence[Township]) -> None:
    """Merge two spellings of a township: what would move, or the clashes that stop it; a confirmation."""
    st.subheader("合并两种写法")
    st.caption("同一个乡镇（街道）被登记成了两个（如上传时把“东城街道”登记成了新乡镇）时，把后者并入前者：后者的名称改为"
               "前者的曾用名，别名、全部数据和年度目标转到前者，后者删除。两者在同一指标、同一月份都有数值（或同一年度都有"
               "目标）时不能合并，请先在“导入记录”中撤销或更正其中一方。")
    names = {t.id: t.name for t in towns}
    if len(names) < 2:
        return
    left, right = st.columns(2)
    keep = left.selectbox("保留", list(names), format_func=names.get, key="merge_keep")
    merge = right.selectbox("并入并删除", [i for i in names if i != keep], format_func=names.get, key="merge_from",
                            index=None, placeholder="选择要并入的写法")
    if merge is not None:
        with data.cursor() as cur:
            counts, clashes = registry.merge_preview(cur, keep, merge)
        if clashes:
            shown = clashes[:registry.CONFLICTS_SHOWN]
            st.error(f"不能合并：{frame.plain(names[merge])}与{frame.plain(names[keep])}在同一指标、同一期间都有数值或目标"
                     f"（共{len(clashes)}处）：\n\n" + "\n".join(f"- {frame.plain(c)}" for c in shown)
                     + ("\n- ……" if len(clashes) > len(shown) else ""))
        else:
            st.markdown(f"将把**{frame.plain(names[merge])}**并入**{frame.plain(names[keep])}**：转移{counts['facts']:,}条数据（其中当前有效"
                        f"{counts['current_facts']:,}条）、{counts['targets']}个年度目标和全部别名，然后删除{frame.plain(names[merge])}。")
            sure = st.checkbox(f"我确认把{frame.plain(names[merge])}并入{frame.plain(names[keep])}",
                               key=f"merge_sure::{keep}::{merge}")

            def run() -> None:
                act("township_merge", registry.merge_townships, keep, merge, clear=["merge_from"],
                    done=lambda r: f"已把{r.merged}并入{r.kept}：转移{r.facts:,}条数据、{r.targets}个年度目标")

            st.button("合并", disabled=not sure, on_click=run, type="primary", key="merge_button")
    outcome("township_merge")


# --- yearly targets --------------------------------------------------------------------------------------------


def target_table(goals: pd.DataFrame) -> None:
    if goals.empty:
        st.caption("尚未设置年度目标。")
        return
    st.dataframe(pd.DataFrame({
        "年份": goals["year"].astype(str) + "年", "区县或乡镇": goals["township"], "指标": goals["indicator"],
        "年度目标": [format_value(v, u, d) for v, u, d in zip(goals["value"], goals["unit"], goals["decimals"],
                                                         strict=True)],
        "说明": goals["note"].fillna("")}), hide_index=True, width="stretch", height=_height(len(goals), 12))


def set_target_form(inds: Sequence[Indicator], places: dict[int, str]) -> None:
    """Indicator first (outside the form), so that the value's label names the unit it is entered in."""
    st.subheader("设置年度目标")
    settable = {i.code: i for i in inds if i.kind != "level"}
    code = st.selectbox("指标", list(settable), format_func=lambda c: settable[c].name, key="goal_indicator")
    unit = display_unit(settable[code].unit)
    months = data.months()
    with st.form("target_set"):
        st.selectbox(f"{data.district_word()}或乡镇（街道）", list(places), format_func=places.get, key="goal_place")
        left, right = st.columns(2)
        left.number_input("年份", min_value=2000, max_value=2100, step=1, key="goal_year",
                          value=(months[0] if months else last_complete_month()).year)
        right.number_input(f"目标值（{unit}）", min_value=0.0, value=0.0, step=1.0, key="goal_value",
                           format="%.2f" if unit == "万元" else "%.0f")
        st.text_input("说明（可不填）", key="goal_note", placeholder="如：居家适老化改造年度任务")

        def save() -> None:
            s = st.session_state
            act("target_set", registry.set_target, code, s["goal_place"], int(s["goal_year"]), s["goal_value"],
                note=s.get("goal_note"),
                done=f"已设置{int(s['goal_year'])}年{places[s['goal_place']]}“{settable[code].name}”目标"
                     f"{s['goal_value']:,g}{unit}")

        st.form_submit_button("保存目标", on_click=save, type="primary", key="goal_submit")
    outcome("target_set")


def delete_target_form(goals: pd.DataFrame) -> None:
    st.subheader("删除年度目标")
    if goals.empty:
        st.caption("没有可删除的目标。")
    else:
        labels = {(r.indicator_code, int(r.township_id), int(r.year)): f"{r.year}年 {r.township} {r.indicator}"
                  for r in goals.itertuples()}
        with st.form("target_delete"):
            st.selectbox("目标", list(labels), format_func=labels.get, key="goal_delete")

            def delete() -> None:
                chosen = st.session_state["goal_delete"]
                act("target_delete", registry.delete_target, *chosen, done=f"已删除{labels[chosen]}的年度目标")

            st.form_submit_button("删除", on_click=delete, key="goal_delete_submit")
    outcome("target_delete")


# --- audit rules ---------------------------------------------------------------------------------------------------

NEW_RULE = ""


def rule_table(found: Sequence[AuditRule]) -> None:
    st.caption("每次上传都按这些规则审核：强制性规则不通过时不能保存；核实性规则不通过时，须填写核实说明才能保存，说明随批次保存。"
               "公式写法见部署目录下 docs/ingestion.md（如：城市低保户数 <= 城市低保人数；x 代表“适用指标”中的每一个指标）。")
    st.dataframe(pd.DataFrame({
        "代码": [r.code for r in found], "名称": [r.name for r in found], "类别": [r.tier_label for r in found],
        "启用": ["是" if r.enabled else "否" for r in found], "适用指标": [r.applies_to for r in found],
        "公式": [r.expression for r in found], "说明": [r.note for r in found]}),
        hide_index=True, width="stretch", height=_height(len(found), 20))


def rule_form(found: Sequence[AuditRule]) -> None:
    st.subheader("新增或修改审核规则")
    by_code = {r.code: r for r in found}
    labels = {NEW_RULE: "（新增规则）"} | {r.code: f"{r.name}（{r.code}）" for r in found}
    code = st.selectbox("规则", list(labels), format_func=labels.get, key="rule_pick")
    current = by_code.get(code)
    prefix = f"rule::{code or 'new'}"
    with st.form(f"rule_form::{code or 'new'}"):
        if current is None:
            st.text_input("规则代码（英文字母、数字、下划线）", key=f"{prefix}::code", placeholder="例如 tekun_le_dibao")
        st.text_input("名称", value=current.name if current else "", key=f"{prefix}::name")
        st.radio("类别", list(rules.TIERS), index=list(rules.TIERS).index(current.tier) if current else 1,
                 format_func=lambda t: f"{rules.TIERS[t]}（{'不通过则不能保存' if t == 'hard' else '须填写核实说明'}）",
                 horizontal=True, key=f"{prefix}::tier")
        builtin = bool(current and current.builtin)
        st.text_input("适用指标（公式中的 x；可空）", value=current.applies_to if current else "", key=f"{prefix}::applies",
                      disabled=builtin, placeholder="例如 kind:stock,flow 或 unit:人,户 或 城市低保人数、农村低保人数")
        st.text_area("公式", value=current.expression if current else "", key=f"{prefix}::expression", disabled=builtin,
                     height=80, placeholder="例如 城市低保户数 <= 城市低保人数")
        st.checkbox("启用", value=current.enabled if current else True, key=f"{prefix}::enabled")
        st.text_input("说明", value=current.note if current else "", key=f"{prefix}::note")

        def save() -> None:
            get = st.session_state.get
            rule = AuditRule(code=current.code if current else str(get(f"{prefix}::code", "")),
                             name=str(get(f"{prefix}::name", "")), tier=str(get(f"{prefix}::tier", "soft")),
                             applies_to=current.applies_to if builtin else str(get(f"{prefix}::applies", "")),
                             expression=current.expression if builtin else str(get(f"{prefix}::expression", "")),
                             enabled=bool(get(f"{prefix}::enabled", True)), note=str(get(f"{prefix}::note", "")))
            act("rule", registry.save_rule, rule, done=f"已保存审核规则“{rule.name}”，下次上传起生效")

        st.form_submit_button("保存规则", on_click=save, key=f"{prefix}::submit")
    outcome("rule")


# --- the record ------------------------------------------------------------------------------------------------


CHANGES_SHOWN = 200
# The record as a plain table whose names and descriptions wrap, the other columns on one line.
_LOG_CSS = """<style>
  .st-key-registry_log th p, .st-key-registry_log td p { white-space: nowrap !important; }
  .st-key-registry_log td:nth-child(4) p, .st-key-registry_log td:last-child p { white-space: normal !important; }
  .st-key-registry_log td:last-child { min-width: 22rem; }
</style>"""


def change_table(log: pd.DataFrame) -> None:
    """The newest changes as a plain table, so that what changed wraps instead of being cut off."""
    if log.empty:
        st.caption("还没有修改记录。在本页新增或修改指标、乡镇（街道）和年度目标后，会在这里列出。")
        return
    shown = log.head(CHANGES_SHOWN)
    st.markdown(_LOG_CSS, unsafe_allow_html=True)
    st.container(key="registry_log").table(pd.DataFrame({
        "时间": beijing_column(shown["changed_at"]),
        "修改人": shown["user_name"].fillna("—"), "对象": shown["object_kind"].map(registry.OBJECTS),
        "名称": shown["title"], "操作": shown["action"].map(registry.ACTIONS), "修改内容": shown["summary"]}),
        hide_index=True)
    if len(log) > CHANGES_SHOWN:
        st.caption(f"仅显示最近{CHANGES_SHOWN}条（共{len(log):,}条）。")


# --- 会议模式 --------------------------------------------------------------------------------------------------------


def meeting_slides(specs: Sequence[slides.SlideSpec], is_default: bool, inds: Sequence[Indicator],
                   skipped: Sequence[str], month: str) -> None:
    """The 会议模式 sequence: each slide with 上移 / 下移 / 删除, a form adding one, 恢复默认; every change saved at once
    (validated, recorded, in the audit log)."""
    names = {i.code: i.name for i in inds}
    st.caption("会议模式按下列顺序放映；某页在所选月份数据不足时（如走势不足3个月、排名不足两个乡镇、未设年度目标），"
               "该页自动跳过。" + ("当前为系统默认顺序。" if is_default else "当前为管理员设置的顺序。"))
    outcome("meeting")
    current = list(specs)

    def save(new: Sequence[slides.SlideSpec] | None, done: str) -> None:
        act("meeting", registry.save_meeting_slides, new, done=done)

    def moved(n: int, step: int) -> list[slides.SlideSpec]:
        out = current.copy()
        out[n], out[n + step] = out[n + step], out[n]
        return out

    for n, spec in enumerate(current):
        text, up, down, drop = st.columns([8, 1, 1, 1], vertical_alignment="center")
        text.markdown(f"{n + 1}\\. {frame.plain(spec.describe(names))}")
        up.button("上移", key=f"slide_up::{n}", disabled=n == 0, width="stretch",
                  on_click=save, args=(moved(n, -1) if n else current, f"已将第{n + 1}页上移"))
        down.button("下移", key=f"slide_down::{n}", disabled=n == len(current) - 1, width="stretch",
                    on_click=save, args=(moved(n, 1) if n < len(current) - 1 else current, f"已将第{n + 1}页下移"))
        drop.button("删除", key=f"slide_drop::{n}", disabled=len(current) == 1, width="stretch",
                    on_click=save, args=(current[:n] + current[n + 1:], f"已删除第{n + 1}页"))
    if skipped:
        st.caption(f"{month}不显示：" + "；".join(frame.plain(s) for s in skipped))

    with st.form("slide_add"):
        st.markdown("**增加一页**")
        kind_col, codes_col, where_col = st.columns([2, 4, 1])
        kind_col.selectbox("类型", list(slides.KINDS), format_func=lambda k: slides.KINDS[k][0], key="slide_kind")
        codes_col.multiselect("指标（核心指标卡片最多9个，走势最多4个且单位相同，其余1个；目标与重点关注不选）",
                              list(names), format_func=names.get, key="slide_codes", placeholder="选择指标")
        where_col.number_input("放在第几页", min_value=1, max_value=len(current) + 1, value=len(current) + 1,
                               key="slide_position")

        def add() -> None:
            get = st.session_state.get
            spec = slides.SlideSpec(str(get("slide_kind")), tuple(get("slide_codes") or ()))
            at = int(get("slide_position") or len(current) + 1) - 1
            act("meeting", registry.save_meeting_slides, [*current[:at], spec, *current[at:]],
                done=f"已在第{at + 1}页增加“{spec.describe(names)}”", clear=("slide_codes", "slide_position"))

        st.form_submit_button("增加", on_click=add, key="slide_add_submit")
    st.button("恢复默认顺序", key="slide_default", disabled=is_default, on_click=save,
              args=(None, "已恢复会议模式的默认顺序"))
