"""填报: a township fills its open month — the form (or its own sheet), the audit rules as it types, explanations for
the soft findings — and submits it to the district; a returned one shows why and is submitted again."""

import streamlit as st

from civdash.domain.periods import month_label
from civdash.domain.times import beijing
from civdash.filing import calendar, form, returns
from civdash.filing.calendar import FilingError
from civdash.ingest.read import DEFAULT_LIMITS
from ui import access, data, frame
from ui import filing as fill
from ui.frame import plain

frame.page_header("填报")
done = st.session_state.pop("filing_done", None)
if done:
    st.success(done, icon="✅")
user = access.user()
town = fill.pick_township(user)
if town is None:
    st.info("本账户没有负责填报的乡镇（街道）。请联系管理员在“账户管理”中为本账户指定乡镇（街道）。")
    st.stop()
month = calendar.open_month()
with data.cursor() as cur:
    due = calendar.deadline(cur, month)
    late = calendar.is_overdue(cur, month)
    mine = returns.township_state(cur, town.id, month)
    rows = form.form(cur, town.id, month)
st.markdown(f"**{plain(town.name)}** · 填报月份：**{month_label(month)}** · 截止日期：{calendar.deadline_label(due)}"
            + ("（已过截止日期，请尽快填报）" if late and (mine is None or mine.state in ("returned", "rolled_back")) else ""))

if mine is None:
    st.info(f"{month_label(month)}尚未填报。", icon=":material/edit_note:")
elif mine.state == "approved":
    st.success(f"{month_label(month)}的填报已通过审核（{plain(mine.reviewed_by or '')}，{beijing(mine.reviewed_at)}），"
               "数据已入库。如需更正，请联系区民政局统计员。", icon="✅")
    st.stop()
elif mine.state == "returned":
    st.warning(f"{month_label(month)}的填报已被退回（{plain(mine.reviewed_by or '')}，{beijing(mine.reviewed_at)}）。"
             f"退回原因：{plain(mine.reason or '')}。请修改后重新提交。", icon=":material/undo:")
elif mine.state == "rolled_back":
    st.warning(f"{month_label(month)}的填报曾通过审核（{plain(mine.reviewed_by or '')}，{beijing(mine.reviewed_at)}），"
               f"其数据已被区民政局在“导入记录”中撤销（第{mine.batch_id}批），请重新填报提交。", icon=":material/undo:")
else:
    st.warning(f"{month_label(month)}已提交（{plain(mine.submitted_by or '')}，{beijing(mine.submitted_at)}），"
               "等待区民政局审核。审核前可以修改后重新提交，新提交的一份替换之前的一份。", icon=":material/hourglass_top:")

how = st.radio("填报方式", ["在线填写", "上传本乡镇报表"], horizontal=True, key="filing_how")
if how == "在线填写":
    st.caption("金额以万元填写（精确到元可填4位小数），人数、户数等填整数；标“当月”的填本月发生数，不填1-N月累计。"
               "没有发生的填0，未统计的留空。")
    buttons = st.columns([1, 1, 2])
    buttons[0].button("按上月数填入空白项", key="filing_last_month", on_click=fill.fill_with_last_month,
                      args=(rows, town.id, month))
    if mine is not None:
        buttons[1].button("按上次提交的数填入", key="filing_last_submitted", on_click=fill.fill_with_submitted,
                          args=(rows, town.id, month, mine.id))
    values = fill.form_inputs(rows, town.id, month)
    if all(v is None for v in values.values()):
        st.caption("填写数值后，这里列出审核结果。")
        st.stop()
    check = fill.checked_form(town.id, month, values)
else:
    limit_mb = DEFAULT_LIMITS.max_bytes // (1024 * 1024)
    upload = st.file_uploader(f"上传本乡镇（街道）{month_label(month)}的报表（每个文件不超过{limit_mb}MB）",
                              type=["xlsx", "xlsm", "xls", "ods", "csv"], key="filing_file", max_upload_size=limit_mb,
                              help="表中只能有本乡镇（街道）本月的数据；可先在“在线填写”中填好再提交，两种方式效果相同。")
    if upload is None:
        st.stop()
    check = fill.checked_upload(town.id, month, upload.name, upload.getvalue())

st.subheader("审核结果")
explanations = fill.findings(check)
checked = True
if check.warnings:
    checked = st.checkbox(f"我已逐条核对以上{len(check.warnings)}条读取提示", key="filing_warnings_checked")
unexplained = check.plan.unexplained(explanations)
if check.errors:
    st.caption(f"还有{len(check.errors)}个必须修改的问题，改正后才能提交。")
elif unexplained:
    st.caption(f"还有{len(unexplained)}个需要核实的问题没有填写核实说明，填写后才能提交。")
elif not check.plan.fact_count:
    st.caption("没有可提交的数据。")
ready = check.plan.ok and not unexplained and checked
st.button("提交", type="primary", disabled=not ready, key="filing_submit", on_click=fill.request, args=("submit",))
if fill.requested("submit") and ready and access.still_allowed("fill"):
    try:
        with data.cursor() as cur:
            number = returns.submit(cur, check, user.name if user else None, explanations,
                                    warnings_checked=checked)
    except FilingError as exc:
        st.error(f"未提交：{plain(exc)}")
    else:
        st.session_state["filing_done"] = (f"已提交{plain(town.name)}{month_label(month)}的数据（第{number}号填报），"
                                           "等待区民政局审核。")
        st.session_state.pop("filing_check", None)
        st.rerun()
