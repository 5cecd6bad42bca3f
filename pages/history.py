"""导入记录: every upload with its files, what it changed, and an exact rollback after a confirmation."""

import streamlit as st

from civdash.domain.periods import month_key, month_label, parse_month
from ui import access, data, frame, history

frame.page_header("导入记录")
demo = data.is_demo()
listing = history.batches()
if listing.empty:
    st.info("还没有导入记录。上传的报表确认保存后，会在这里列出。")
    st.stop()
if done := st.session_state.pop("history_done", None):
    st.success(done, icon="✅")
if failed := st.session_state.pop("history_failed", None):
    st.error(failed)

# Every batch, newest first
table = history.batch_table(listing)
st.dataframe(table, hide_index=True, width="stretch", column_config=history.BATCH_COLUMNS)

# One batch: its files, what it changed
labels = {str(b): f"第{b}批 · {t} · {f}" for b, t, f in zip(table["批次"], table["时间"], table["文件"], strict=True)}
chosen = int(st.selectbox("查看批次", list(labels), format_func=labels.get, key="history_batch"))
batch = listing[listing["id"] == chosen].iloc[0]
st.subheader(f"第{chosen}批：{history.STATUSES[batch.status]}")
if batch.status == "rolled_back" and batch.note:
    st.text(f"记录：{batch.note}")  # who rolled it back and when; st.text shows a name as written

files = history.files(chosen)
for f in files:
    if f.content is not None:
        st.download_button(f"下载原文件：{frame.plain(f.file_name)}", f.content, file_name=f.file_name,
                           key=f"file::{chosen}::{f.file_name}", icon=":material/download:",
                           on_click=access.downloaded(f.file_name, page="导入记录", batch=str(chosen)))
if not any(f.content is not None for f in files):
    st.caption("此批次没有保存原文件（示例数据由系统生成）。" if batch.source == "demo" else "此批次没有保存原文件。")

explained = history.explanations(chosen)
if len(explained):
    st.markdown(f"**核实说明**（保存时{len(explained)}个需核实的问题，已填写说明）")
    st.dataframe(explained, hide_index=True, width="stretch")

summary = history.summary(chosen)
months = sorted(set(summary["period"]))
st.markdown("**本批数据**")
st.caption(f"本批共{int(summary['facts'].sum()):,}条：{history.state_counts(summary)}。"
           "原值为本批导入前的数值（已撤销的批次不计），金额以万元显示。")
month = None
if len(months) > 1:
    options = ["all", *(month_key(m) for m in months)]
    picked = st.selectbox("月份", options, format_func=lambda k: "全部月份" if k == "all" else month_label(parse_month(k)),
                          key=f"history_month::{chosen}", width=260)
    month = None if picked == "all" else parse_month(picked)
changes = history.changes(chosen, month)
st.dataframe(history.changes_table(changes), hide_index=True, width="stretch")
shown = int(summary.loc[summary["period"] == month, "facts"].sum()) if month else int(summary["facts"].sum())
if shown > len(changes):
    st.caption(f"仅显示前{len(changes):,}条（共{shown:,}条），可选择月份查看。")

# Rollback: what it will restore and remove, a confirmation, then the rollback itself
if batch.status == "committed":
    st.subheader("撤销此批次")
    if demo:
        st.info("当前为示例数据，撤销功能仅在正式数据库中可用：示例数据不会被修改。导入本单位的报表后，每个批次都可以在这里撤销。")
    elif not history.may_roll_back(batch.user_name):
        st.info(f"此批次由{frame.plain(batch.user_name or '其他人员')}上传：统计员只能撤销本人上传的批次，"
                "其他批次请联系管理员撤销。")
    else:
        preview = history.preview(chosen)
        if preview.restored + preview.removed == 0:
            st.markdown("本批数据都已被后续批次修改或与原值相同，撤销不会改变当前数据，只将本批标记为已撤销。")
        else:
            st.markdown(f"撤销后：**{preview.restored:,}**条数据恢复为之前批次的数值，**{preview.removed:,}**条数据"
                        "将被删除（之前没有数据）；本批中已被后续批次修改的数据不受影响。原文件和本记录仍会保留。")
            st.dataframe(history.preview_table(preview.by_month), hide_index=True, width="stretch",
                         column_config={c: st.column_config.NumberColumn(format="%,d")
                                        for c in ("恢复为之前的数值（条）", "删除（条）")})
        sure = st.checkbox(f"我确认撤销第{chosen}批", key=f"history_sure::{chosen}")
        st.button("撤销此批次", type="primary", disabled=not sure, on_click=history.undo, args=(chosen,),
                  key=f"history_undo_button::{chosen}")
