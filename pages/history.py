"""导入记录: every upload with its files, what it changed, and an exact rollback after a confirmation."""

import pandas as pd
import streamlit as st

from civdash.ingest.commit import CommitError, batch_changes, batch_files, batches, rollback, rollback_preview
from civdash.periods import month_label
from civdash.units import format_value
from ui import data, frame

SOURCES = {"upload": "网页上传", "cli": "命令行", "demo": "示例数据"}
STATUSES = {"committed": "已生效", "rolled_back": "已撤销"}
STATES = {"current": "当前有效", "unchanged": "与原值相同", "superseded": "已被后续批次修改", "rolled_back": "已撤销"}

frame.page_header("导入记录")
demo = data.is_demo()
with data.cursor() as cur:
    listing = batches(cur)
if listing.empty:
    st.info("还没有导入记录。上传的报表确认保存后，会在这里列出。")
    st.stop()

done = st.session_state.pop("history_done", None)
if done:
    st.success(done, icon="✅")


def periods(row) -> str:
    if pd.isna(row.first_period):
        return "—"
    first, last = (month_label(pd.Timestamp(p).date()) for p in (row.first_period, row.last_period))
    return first if first == last else f"{first}—{last}"


table = pd.DataFrame({
    "批次": listing["id"], "时间": pd.to_datetime(listing["created_at"]).dt.strftime("%Y-%m-%d %H:%M"),
    "上传人": listing["user_name"].fillna("—"), "来源": listing["source"].map(SOURCES).fillna(listing["source"]),
    "文件": listing["files"].fillna("—"), "期间": [periods(r) for r in listing.itertuples()],
    "条数": listing["facts"], "当前有效": listing["current_facts"],
    "状态": listing["status"].map(STATUSES)})
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"条数": st.column_config.NumberColumn(format="%,d"),
                            "当前有效": st.column_config.NumberColumn(format="%,d")})

ids = listing["id"].tolist()
labels = {int(b): f"第{b}批 · {t} · {f}" for b, t, f in zip(table["批次"], table["时间"], table["文件"], strict=True)}
chosen = st.selectbox("查看批次", ids, format_func=lambda i: labels[int(i)], key="history_batch")
batch = listing[listing["id"] == chosen].iloc[0]
st.subheader(f"第{chosen}批：{STATUSES[batch.status]}")

with data.cursor() as cur:
    files = batch_files(cur, int(chosen))
    changes = batch_changes(cur, int(chosen))
for f in files:
    if f.content is not None:
        st.download_button(f"下载原文件：{f.file_name}", f.content, file_name=f.file_name,
                           key=f"file::{chosen}::{f.file_name}", icon=":material/download:")

if not changes.empty:
    counts = changes["state"].value_counts()
    st.caption(f"本批共{len(changes):,}条：" + "、".join(
        f"{STATES[k]}{int(counts[k]):,}条" for k in STATES if k in counts.index))
    shown = pd.DataFrame({
        "月份": [month_label(pd.Timestamp(p).date()) for p in changes["period"]],
        "乡镇（街道）": changes["township"], "指标": changes["indicator"],
        "原值": [format_value(v if pd.notna(v) else None, u, d) if pd.notna(v) else "（无）"
               for v, u, d in zip(changes["before_value"], changes["unit"], changes["decimals"], strict=True)],
        "本批数值": [format_value(v, u, d) for v, u, d in zip(changes["value"], changes["unit"], changes["decimals"],
                                                          strict=True)],
        "状态": [STATES[s] + (f"（第{int(b)}批）" if s == "superseded" and pd.notna(b) else "")
               for s, b in zip(changes["state"], changes["later_batch"], strict=True)]})
    st.dataframe(shown.head(5000), hide_index=True, width="stretch")
    if len(shown) > 5000:
        st.caption(f"仅显示前5,000条（共{len(shown):,}条）。")

if batch.status == "committed":
    st.subheader("撤销此批次")
    if demo:
        st.info("当前为示例数据，撤销功能仅在正式数据库中可用。")
    else:
        with data.cursor() as cur:
            preview = rollback_preview(cur, int(chosen))
        st.markdown(f"撤销后：**{preview.restored:,}**条数据恢复为之前批次的数值，**{preview.removed:,}**条数据"
                    "将被删除（之前没有数据）；本批中已被后续批次修改的数据不受影响。原文件和本记录仍会保留。")
        sure = st.checkbox(f"我确认撤销第{chosen}批", key=f"history_sure::{chosen}")

        def undo(batch_id: int) -> None:
            st.session_state["history_undo"] = batch_id

        st.button("撤销此批次", type="primary", disabled=not sure, on_click=undo, args=(int(chosen),),
                  key=f"history_undo_button::{chosen}")
        target = st.session_state.pop("history_undo", None)
        if target == int(chosen) and sure:
            try:
                with data.cursor() as cur:
                    result = rollback(cur, target, user_name="导入记录页面")
            except CommitError as exc:
                st.error(f"未撤销：{exc}")
            else:
                st.cache_data.clear()
                st.session_state["history_done"] = (f"已撤销第{target}批：{result.restored:,}条恢复为之前的数值，"
                                                    f"{result.removed:,}条已删除。")
                st.rerun()
