"""指标与乡镇: the indicator catalog, the township registry, the yearly targets and the audit rules — what is
registered, forms to add and edit them (validated; the reason in Chinese when a change does not fit), merging two
spellings of a township, the upload template, and the record of every change."""

import streamlit as st

from civdash.admin import registry
from civdash.domain import rules, slides, townships
from civdash.domain.periods import month_label
from ui import data, frame, meeting
from ui import registry as reg

frame.page_header("指标与乡镇")
if data.is_demo():
    st.info("当前为**示例数据**：这里的修改只作用于示例数据（示例数据重建时不保留），不会带入正式数据库。", icon="ℹ️")
inds_tab, towns_tab, targets_tab, rules_tab, meeting_tab, log_tab = st.tabs(
    ["指标", "乡镇（街道）", "年度目标", "审核规则", "会议模式", "修改记录"], key="registry_tab", bind="query-params")
inds, towns = data.indicators(), data.township_list()
with data.cursor() as cur:
    aliases, names = registry.indicator_aliases(cur), registry.township_names(cur)
    goals, district, log = registry.targets(cur), townships.district(cur), registry.changes(cur)
    audit_rules = rules.rules(cur)
    sequence, default_sequence = slides.sequence(cur, {i.code: i for i in inds}), slides.stored(cur) is None

with inds_tab:
    reg.indicator_table(inds, aliases)
    reg.template_download()
    add_col, edit_col = st.columns(2, gap="large")
    with add_col:
        reg.add_indicator_form(inds)
    with edit_col:
        reg.edit_indicator_form(inds, aliases)

with towns_tab:
    reg.township_table(towns, names)
    add_col, edit_col = st.columns(2, gap="large")
    with add_col:
        reg.add_township_form(towns)
    with edit_col:
        reg.edit_township_form(towns, names)
    reg.merge_form(towns)

with targets_tab:
    reg.target_table(goals)
    places = {**({district.id: f"{district.name}（{data.district_word()}）"} if district else {}),
              **{t.id: t.name for t in towns}}
    set_col, delete_col = st.columns(2, gap="large")
    with set_col:
        reg.set_target_form(inds, places)
    with delete_col:
        reg.delete_target_form(goals)

with rules_tab:
    reg.rule_table(audit_rules)
    reg.rule_form(audit_rules)

with meeting_tab:
    latest = data.months()[0] if data.months() else None
    skipped = [s.reason for s in meeting.plan(latest).skipped] if latest else []
    reg.meeting_slides(sequence, default_sequence, inds, skipped, month_label(latest) if latest else "")

with log_tab:
    reg.change_table(log)
