"""数据上传: drop the office's spreadsheets, see what was understood, fix what is unclear, confirm; nothing is
stored until the person confirms, and only when no error (or hard audit rule) remains, every soft finding is explained
and every warning on how the file was read was checked."""

import streamlit as st

from civdash import appdb
from civdash.access import audit
from civdash.domain.periods import add_months, last_complete_month, month_key, month_label
from civdash.ingest.commit import CommitError
from civdash.ingest.extract import LAYOUT_NAMES
from civdash.ingest.read import DEFAULT_LIMITS
from civdash.ingest.review import (
    assumed_sheets,
    columns_table,
    findings_table,
    month_choices,
    sheet_grid,
    sheet_summary,
    stored_view,
    unmapped_headers,
)
from civdash.ingest.template import template_name, upload_template
from civdash.ingest.upload import commit, prepare
from civdash.store.paths import real_db_path
from ui import access, data, frame
from ui import upload as up
from ui.frame import plain

frame.page_header("数据上传")
first = up.first_upload()
chosen = up.choices()

done = st.session_state.pop("upload_done", None)
if done:
    st.success(done["message"], icon="✅")
    st.page_link("pages/overview.py", label=f"查看{done['label']}总览", icon=":material/dashboard:",
                 query_params={"period": done["period"]})

if first and data.is_demo():
    st.info("当前看板显示的是**示例数据**。首次上传本单位的真实报表并确认后，系统将建立正式数据库："
            "报表中的乡镇（街道）和区县将自动登记，此后看板只显示真实数据。", icon="ℹ️")
elif first:
    st.info("正式数据库中还没有登记乡镇（街道）。首次上传本单位的报表并确认后，报表中的乡镇（街道）和区县将自动登记。",
            icon="ℹ️")

if not first:
    months_held = data.months()
    form_month = add_months(months_held[0], 1) if months_held else last_complete_month()
    with data.cursor() as cur:
        form = upload_template(cur, form_month.year, form_month.month)
    st.download_button(f"下载上传模板（{month_label(form_month)}，按当前指标和乡镇生成）", form,
                       file_name=template_name(form_month.year, form_month.month), icon=":material/download:",
                       key="upload_template",
                       on_click=access.downloaded(template_name(form_month.year, form_month.month), page="数据上传"))

limit_mb = DEFAULT_LIMITS.max_bytes // (1024 * 1024)
files = st.file_uploader(f"选择要上传的报表（可多选，也可直接拖入此处；每个文件不超过{limit_mb}MB）",
                         type=["xlsx", "xlsm", "xls", "ods", "csv", "txt"],
                         accept_multiple_files=True, key=up.uploader_key(),
                         max_upload_size=limit_mb,
                         help="支持 Excel（.xlsx/.xlsm/.xls）、WPS/LibreOffice（.ods）和 CSV；无需模板，原表直接上传。")
if not files:
    st.caption("可直接上传各乡镇报表、明细表（期间 | 乡镇 | 指标 | 数值）或全区指标表；合并表头、单位行、合计行、"
               "“单位：万元”等都能识别。上传后会先列出识别结果和问题，确认后才保存。")
    st.stop()

uploads = up.file_list(files)
plan = up.prepared(uploads, chosen, first)
ctx = plan.context

# --- what was understood ---------------------------------------------------------------------------------------
st.subheader("识别结果")
for index, sheet in enumerate(plan.sheets):
    with st.expander(plain(f"{sheet.where}：{sheet_summary(plan, index)}"), expanded=len(plan.sheets) <= 3):
        if sheet.columns:
            st.dataframe(columns_table(plan, sheet), hide_index=True, width="stretch")
        for f in sheet.findings:
            if f.level == "note":
                st.caption(plain(f"{f.where}：{f.message}"))
        if sheet.where in assumed_sheets(plan) or sheet.where in chosen.ytd:
            current = chosen.ytd.get(sheet.where, any(c.ytd for c in sheet.columns if c.assumed))
            pick = st.radio("未注明当月或累计的流量列按", ["当月数", "1-N月累计数"], index=int(current), horizontal=True,
                            key=f"ytd::{sheet.where}")
            if (pick == "1-N月累计数") != current:
                chosen.ytd[sheet.where] = pick == "1-N月累计数"
                st.rerun()

if chosen.hidden or any(sheet.hidden_left_out for sheet in plan.sheets):
    hidden = st.checkbox("也读取隐藏的工作表、行和列", value=chosen.hidden, key="upload_hidden",
                         help="隐藏的内容常是上月或草稿数据，默认不读取；上面已列出哪些被隐藏")
    if hidden != chosen.hidden:
        chosen.hidden = hidden
        st.rerun()

if first and ctx.new_townships:
    district = ctx.new_district or "（未识别）"
    st.markdown(f"**将登记区县：** {plain(district)}　**将登记{len(ctx.new_townships)}个乡镇（街道）：** "
                + "、".join(plain(t) for t in ctx.new_townships))
    if ctx.new_district is None:
        name = st.text_input("报表中没有写明区县名称（如“黔江区合计”），请填写本区县名称", value=chosen.district,
                             key="upload_district", placeholder="例如：黔江区")
        if name.strip() != chosen.district:
            chosen.district = name.strip()
            st.rerun()

# --- decisions: columns without indicator, unknown townships ----------------------------------------------------
open_headers = unmapped_headers(plan)
decided_headers = [(h, "") for h in chosen.mappings if h not in dict(open_headers)]
unknown = dict(ctx.unknown)
decided_towns = {n: [] for n in chosen.townships if n not in unknown}
if open_headers or decided_headers or unknown or decided_towns:
    st.subheader("需要您确认")
if open_headers or decided_headers:
    st.markdown("**以下列没有对应的指标**：请选择对应的指标，或选择忽略（您的选择会记住，下次同样格式的报表自动应用）。")
    codes = [c for c in ctx.indicators]
    options = [up.UNDECIDED, up.IGNORE, *codes]
    labels = {up.UNDECIDED: "（请选择）", up.IGNORE: "忽略此列，不保存"} | {
        c: f"{ctx.indicators[c].name}（{ctx.indicators[c].category}，{ctx.indicators[c].unit}）" for c in codes}
    for header, where in open_headers + decided_headers:
        current = chosen.mappings.get(header, up.UNDECIDED) if header in chosen.mappings else up.UNDECIDED
        current = up.IGNORE if header in chosen.mappings and current is None else current
        pick = st.selectbox(plain(f"“{header}”" + (f"（{where}）" if where else "")), options, index=options.index(current),
                            format_func=labels.get, key=f"map::{header}")
        if pick != current:
            if pick == up.UNDECIDED:
                chosen.mappings.pop(header, None)
            else:
                chosen.mappings[header] = None if pick == up.IGNORE else pick
            st.rerun()
if unknown or decided_towns:
    st.markdown("**以下乡镇（街道）名称未登记**：请选择它对应的已登记乡镇（将记为该乡镇的别名），或登记为新乡镇。")
    for name, near in (unknown | decided_towns).items():
        current = chosen.townships.get(name, up.UNDECIDED)
        near_ids = [ctx.townships.match(n) for n in near]
        options = [up.UNDECIDED, *[i for i in near_ids if i is not None], up.NEW_TOWNSHIP]
        if isinstance(current, int) and current not in options:
            options.insert(1, current)
        labels = {up.UNDECIDED: "（请选择）", up.NEW_TOWNSHIP: f"登记为新乡镇“{plain(name)}”"} | {
            i: f"就是“{plain(ctx.townships.name_of(i))}”" for i in options if isinstance(i, int)}  # radio options are Markdown
        pick = st.radio(f"“{plain(name)}”", options, index=options.index(current), format_func=labels.get,
                        horizontal=True, key=f"town::{name}")
        if pick != current:
            if pick == up.UNDECIDED:
                chosen.townships.pop(name, None)
            else:
                chosen.townships[name] = pick
            st.rerun()

# --- findings ----------------------------------------------------------------------------------------------------
errors, soft, warnings = plan.errors, plan.soft, plan.warnings
st.subheader("检查结果")
explanations = up.findings_by_rule(plan)
if warnings:
    st.warning(f"有{len(warnings)}条读取提示，请逐条核对。", icon="ℹ️")
    st.dataframe(findings_table(plan, ("warning",)), hide_index=True, width="stretch")
if not errors and not soft and not warnings:
    st.success("未发现问题：所有审核规则均通过。", icon="✅")

# --- the table as it will be stored ------------------------------------------------------------------------------
months = month_choices(plan)
if months:
    st.subheader("将保存的数据")
    label = st.selectbox("月份", list(months), key="upload_month") if len(months) > 1 else next(iter(months))
    if first:  # nothing is stored yet: every value is new
        blank = appdb.blank_database()
        try:
            view = stored_view(blank, plan, months[label])
        finally:
            blank.close()
    else:
        with data.cursor() as cur:
            view = stored_view(cur, plan, months[label])
    counts = view.counts
    st.caption(f"{label}：新增{counts.get('new', 0):,}条（绿色）、修改{counts.get('changed', 0):,}条"
               f"（黄色，显示 原值 → 新值）、不变{counts.get('unchanged', 0):,}条；橙色字为需核实或有读取提示的数值。")
    st.dataframe(up.styled_status(view.values, view.status), width="stretch",
                 height=38 + 35 * min(len(view.values), 31))  # a district's townships without scrolling

for sheet in plan.sheets:
    shown = sheet_grid(sheet)
    if shown is None or not any(f.level in ("error", "soft", "warning") for f in sheet.findings):
        continue
    with st.expander(f"原表：{plain(sheet.where)}（红色为必须修改，橙色为需核实，黄色为读取提示）",
                     expanded=bool(errors or soft)):
        st.dataframe(up.styled_levels(*shown), width="stretch")

# --- confirm -----------------------------------------------------------------------------------------------------
st.subheader("确认保存")
checked = True
if warnings:
    checked = st.checkbox(f"我已逐条核对以上{len(warnings)}条读取提示", key="upload_warnings_checked")
unexplained = plan.unexplained(explanations)
if first:
    checked = st.checkbox("我确认以本次上传建立本单位的正式数据库（此后看板不再显示示例数据）" if data.is_demo()
                          else "我确认登记本次报表中的乡镇（街道）和区县", key="upload_first_confirmed") and checked
user = access.user().name if access.user() else ""
st.caption(f"上传人：{plain(user) or '未登录'}（记入导入记录）")
ready = plan.ok and checked and not errors and not unexplained
if errors:
    st.caption(f"还有{len(errors)}个必须修改的问题：请修改报表后重新上传（或按“需要您确认”处理），之后才能保存。")
elif unexplained:
    st.caption(f"还有{len(unexplained)}个需要核实的问题没有填写核实说明，填写后才能保存。")
elif not plan.ok:
    st.caption("没有可保存的数据。")
st.button("确认保存", type="primary", disabled=not ready, key="upload_confirm", on_click=up.request_commit)
if up.commit_requested() and ready:
    try:
        if first and data.is_demo():
            real = real_db_path()
            building = appdb.building_path(real)
            con = appdb.blank_database(building)
            try:
                final = prepare(con, uploads, chosen.options(first))
                result = commit(con, final, user_name=user.strip() or None, source="upload", explanations=explanations)
                audit.record(con, user or None, "upload", str(result.batch_id),
                             {"files": [name for name, _ in uploads], "first": True,
                              "explanations": up.explained(final, explanations)})
                appdb.move_into_place(con, building, real)
            finally:
                con.close()
                building.unlink(missing_ok=True)
            st.cache_resource.clear()
        else:
            with data.cursor() as cur:
                result = commit(cur, plan, user_name=user.strip() or None, source="upload", explanations=explanations)
                audit.record(cur, user or None, "upload", str(result.batch_id),
                             {"files": [name for name, _ in uploads], "periods": [month_key(p) for p in result.periods],
                              "new": result.new, "changed": result.changed, "unchanged": result.unchanged,
                              "explanations": up.explained(plan, explanations)})
    except CommitError as exc:
        st.error(f"未保存：{plain(exc)}")
    else:
        st.cache_data.clear()
        latest = max(result.periods)
        months_text = "、".join(month_label(p) for p in result.periods[:6]) + ("等" if len(result.periods) > 6 else "")
        st.session_state["upload_done"] = {
            "message": f"已保存：第{result.batch_id}批，共{result.new + result.changed + result.unchanged:,}条数据"
                       f"（新增{result.new:,}、修改{result.changed:,}、不变{result.unchanged:,}），月份：{months_text}。"
                       + ("正式数据库已建立。" if first else ""),
            "label": month_label(latest), "period": month_key(latest)}
        up.reset()
        st.rerun()
st.caption("版面说明：" + "、".join(LAYOUT_NAMES.values()) + "均可识别；已保存的批次可在“导入记录”中查看、下载原文件或撤销。")
