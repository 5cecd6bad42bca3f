"""指标与乡镇: the townships' names and order, indicator names, yearly targets, and the record of every change."""

import pandas as pd
import streamlit as st

from civdash import registry, townships
from civdash.registry import RegistryError
from civdash.template import template_name, upload_template
from civdash.units import display_unit, format_value
from ui import data, frame

frame.page_header("指标与乡镇")
if data.is_demo():
    st.info("当前为示例数据：这里的修改只作用于示例数据库，不会带入正式数据库。", icon="ℹ️")

for level, text in st.session_state.pop("registry_messages", []):
    (st.success if level == "ok" else st.error)(text)


def act(change, *args, done: str, **kwargs) -> None:
    """Run a registry change from a form's callback; its outcome is shown at the top of the next run."""
    user = st.session_state.get("registry_user") or None
    try:
        with data.cursor() as cur:
            change(cur, *args, user=user, **kwargs)
    except RegistryError as exc:
        st.session_state["registry_messages"] = [("error", f"未修改：{exc}")]
    else:
        st.cache_data.clear()
        st.session_state["registry_messages"] = [("ok", done)]


st.text_input("修改人", key="registry_user", placeholder="请填写姓名，记入修改记录")
towns_tab, inds_tab, targets_tab, log_tab = st.tabs(["乡镇（街道）", "指标", "年度目标", "修改记录"])

with towns_tab:
    towns = data.township_list()
    names = {t.id: t.name for t in towns}
    with data.cursor() as cur:
        known = {t.id: "、".join(registry.township_aliases(cur, t.id)["alias"]) for t in towns}
    st.dataframe(pd.DataFrame({"顺序": range(1, len(towns) + 1), "名称": [t.name for t in towns],
                               "区划代码": [t.code or "" for t in towns], "类型": [t.type or "" for t in towns],
                               "可识别的写法": [known[t.id] for t in towns]}), hide_index=True, width="stretch")
    with st.form("township_name"):
        st.markdown("**添加别名或曾用名**（上传时按这些写法识别该乡镇）")
        st.selectbox("乡镇（街道）", list(names), format_func=names.get, key="town_target")
        st.text_input("名称", key="town_alias", placeholder="例如：城东街办")
        st.radio("类型", ["alias", "former"], format_func={"alias": "别名", "former": "曾用名"}.get, horizontal=True,
                 key="town_kind")

        def add_town_name() -> None:
            s = st.session_state
            act(registry.add_township_name, s["town_target"], s["town_alias"], s["town_kind"],
                done=f"已为{names[s['town_target']]}添加“{s['town_alias'].strip()}”")

        st.form_submit_button("添加", on_click=add_town_name)
    with st.form("township_order"):
        st.markdown("**调整显示顺序**：按新的顺序依次选择全部乡镇（街道）")
        st.multiselect("顺序", list(names), default=list(names), format_func=names.get, key="town_order")

        def reorder() -> None:
            act(registry.set_township_order, st.session_state["town_order"], done="已调整显示顺序")

        st.form_submit_button("保存顺序", on_click=reorder)

with inds_tab:
    inds = data.indicators()
    st.dataframe(pd.DataFrame({"指标": [i.name for i in inds], "类别": [i.category for i in inds],
                               "单位": [i.unit for i in inds],
                               "类型": [{"stock": "期末数", "flow": "发生数", "level": "比率/标准"}[i.kind] for i in inds],
                               "代码": [i.code for i in inds]}), hide_index=True, width="stretch")
    by_code = {i.code: i.name for i in inds}
    with st.form("indicator_name"):
        st.markdown("**添加指标别名**（本单位报表中的写法，上传时自动对应）")
        st.selectbox("指标", list(by_code), format_func=by_code.get, key="ind_target")
        st.text_input("别名", key="ind_alias", placeholder="例如：城镇低保在册人数")

        def add_ind_name() -> None:
            s = st.session_state
            act(registry.add_indicator_name, s["ind_target"], s["ind_alias"],
                done=f"已为“{by_code[s['ind_target']]}”添加别名“{s['ind_alias'].strip()}”")

        st.form_submit_button("添加", on_click=add_ind_name)
    if not data.is_demo():
        months = data.months()
        if months:
            with data.cursor() as cur:
                form = upload_template(cur, months[0].year, months[0].month)
            st.download_button("下载上传模板（按当前指标和乡镇生成）", form,
                               file_name=template_name(months[0].year, months[0].month), icon=":material/download:")

with targets_tab:
    with data.cursor() as cur:
        current = registry.targets(cur)
    if current.empty:
        st.caption("尚未设置年度目标。")
    else:
        st.dataframe(pd.DataFrame({
            "年份": current["year"], "单位": current["township"], "指标": current["indicator"],
            "目标": [format_value(v, u, d) for v, u, d in zip(current["value"], current["unit"], current["decimals"],
                                                           strict=True)]}), hide_index=True, width="stretch")
    goals = {i.code: f"{i.name}（{display_unit(i.unit)}）" for i in data.indicators() if i.kind != "level"}
    with data.cursor() as cur:
        whole = townships.district(cur)
    places = {**({whole.id: f"{whole.name}（全区）"} if whole else {}), **names}
    with st.form("target"):
        st.markdown("**设置年度目标**（金额以万元填写）")
        st.selectbox("指标", list(goals), format_func=goals.get, key="goal_indicator")
        st.selectbox("区县或乡镇", list(places), format_func=places.get, key="goal_place")
        latest = data.months()[0].year if data.months() else pd.Timestamp.today().year
        st.number_input("年份", min_value=2000, max_value=2100, value=latest, step=1, key="goal_year")
        st.number_input("目标值", min_value=0.0, value=0.0, step=1.0, key="goal_value")

        def set_goal() -> None:
            s = st.session_state
            act(registry.set_target, s["goal_indicator"], s["goal_place"], int(s["goal_year"]), s["goal_value"],
                done=f"已设置{int(s['goal_year'])}年{places[s['goal_place']]}“{goals[s['goal_indicator']]}”目标")

        st.form_submit_button("保存目标", on_click=set_goal)

with log_tab:
    with data.cursor() as cur:
        log = registry.changes(cur)
    if log.empty:
        st.caption("还没有修改记录。")
    else:
        st.dataframe(pd.DataFrame({
            "时间": pd.to_datetime(log["changed_at"]).dt.strftime("%Y-%m-%d %H:%M"), "修改人": log["user_name"].fillna("—"),
            "对象": log["object_key"], "操作": log["action"], "内容": log["detail"].fillna("")}),
            hide_index=True, width="stretch")
