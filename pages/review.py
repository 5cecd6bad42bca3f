"""审核: the townships' submissions waiting for review; one opened with its findings, explanations and the change
against last month; 通过 stores it as a batch, 退回 sends it back with a reason."""

import streamlit as st

from civdash.domain.periods import month_key, month_label
from civdash.domain.times import beijing
from civdash.filing import returns
from civdash.filing.calendar import FilingError
from civdash.ingest.review import findings_table
from ui import access, data, frame
from ui import filing as fill
from ui.frame import plain

frame.page_header("审核")
done = st.session_state.pop("review_done", None)
if done:
    st.success(done["message"], icon="✅")
    if done.get("period"):
        st.page_link("pages/overview.py", label=f"查看{done['label']}总览", icon=":material/dashboard:",
                     query_params={"period": done["period"]})
with data.cursor() as cur:
    waiting = returns.pending(cur)
if waiting.empty:
    st.info("没有等待审核的填报。各乡镇的填报情况见“报送进度”。")
    st.stop()

st.markdown(f"**等待审核的填报：{len(waiting)}份**（按提交先后）")
st.dataframe(fill.waiting_table(waiting), hide_index=True, width="stretch")
labels = {int(r.id): f"{r.township} {month_label(r.period)}（第{int(r.id)}号）" for r in waiting.itertuples()}
chosen = st.selectbox("打开一份填报", list(labels), format_func=lambda i: plain(labels[i]), key="review_pick")
with data.cursor() as cur:
    opened = returns.review(cur, chosen)
sub, check = opened.submission, opened.check
st.subheader(plain(f"{sub.township} {month_label(sub.period)}"))
st.caption(plain(f"第{sub.id}号填报 · {sub.submitted_by or '未知用户'}提交于{beijing(sub.submitted_at)}"
                 f" · 文件：{sub.file_name}"))
st.download_button("下载所填报表", sub.content, file_name=sub.file_name, icon=":material/download:",
                   key=f"review_file::{sub.id}", on_click=access.downloaded(sub.file_name, page="审核"))

st.markdown("**审核结果**（按现在的数据重新检查）")
if check.errors:
    st.error(f"有{len(check.errors)}个必须修改的问题，不能通过，请退回。", icon="🚫")
    st.dataframe(findings_table(check.plan, ("error",)), hide_index=True, width="stretch")
explained = opened.explained()
if explained:
    st.markdown(f"**需核实的问题及乡镇的核实说明**（{len(explained)}处）")
    st.dataframe([{"规则": e["rule"], "位置": e["where"], "说明": e["message"], "核实说明": e["explanation"] or "（未说明）"}
                  for e in explained], hide_index=True, width="stretch")
if check.warnings:
    st.dataframe(findings_table(check.plan, ("warning",)), hide_index=True, width="stretch")
if not check.errors and not explained and not check.warnings:
    st.success("未发现问题：所有审核规则均通过。", icon="✅")

st.markdown("**与上月比较**")
st.dataframe(fill.changes_table(opened.changes), hide_index=True, width="stretch")

unexplained = check.plan.unexplained(sub.explanations)
if unexplained and not check.errors:
    st.warning(f"有{len(unexplained)}个需核实的问题乡镇没有说明（按现在的数据重新检查时新出现的），不能通过，请退回。",
               icon=":material/help:")
user = access.user()
reviewer = user.name if user else None
left, right = st.columns(2)
with left:
    st.button("通过", type="primary", key="review_approve", disabled=bool(check.errors or unexplained),
              on_click=fill.request,
              args=(f"approve::{sub.id}",))
    if fill.requested(f"approve::{sub.id}") and not (check.errors or unexplained) and access.still_allowed("review"):
        try:
            with data.cursor() as cur:
                result = returns.approve(cur, sub.id, reviewer)
        except FilingError as exc:
            st.error(f"未通过：{plain(exc)}")
        else:
            st.cache_data.clear()
            st.session_state["review_done"] = {
                "message": f"已通过{plain(sub.township)}{month_label(sub.period)}的填报：数据已保存为第{result.batch_id}批"
                           f"（新增{result.new}、修改{result.changed}、不变{result.unchanged}条）。",
                "label": month_label(sub.period), "period": month_key(sub.period)}
            st.rerun()
with right:
    reason = st.text_area("退回原因（乡镇将看到这段说明）", key=f"review_reason::{sub.id}", height=80,
                          placeholder="如：城市低保资金与财政拨付数不一致，请核对后重新提交")
    st.button("退回", key="review_return", disabled=not reason.strip(), on_click=fill.request,
              args=(f"return::{sub.id}",))
    if fill.requested(f"return::{sub.id}") and reason.strip() and access.still_allowed("review"):
        try:
            with data.cursor() as cur:
                returns.send_back(cur, sub.id, reviewer, reason)
        except FilingError as exc:
            st.error(f"未退回：{plain(exc)}")
        else:
            st.session_state["review_done"] = {"message": f"已退回{plain(sub.township)}{month_label(sub.period)}的填报。"}
            st.rerun()
