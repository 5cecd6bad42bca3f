"""数据查询: choose indicators, townships, months, grain and 当月/累计; a table with a 合计 row, downloaded as the
office's .xlsx or as .csv exactly as shown. Every choice is in the URL, so the view is a link."""

import streamlit as st

from civdash.analysis import table
from civdash.domain.periods import GRAINS
from civdash.outputs import export
from ui import access, data, filters, frame, query

frame.page_header("数据查询")
if not data.months():
    frame.no_data()
    st.stop()

DEFAULT = ["dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds", "dibao_rural_households",
           "dibao_rural_persons", "dibao_rural_funds", "tekun_persons", "tekun_funds"]
known = {i.code for i in data.indicators()}
with st.sidebar:
    codes = filters.indicators(key="q_inds", default=[c for c in DEFAULT if c in known])
    towns = filters.townships(key="q_towns")
    start, end = filters.month_range(key="q_range", default_months=max(data.months()).month)
    rows = st.segmented_control("表格行", list(table.ROWS), default="township", format_func=table.ROWS.get,
                                key="q_rows", bind="query-params", required=True)
    grain = filters.grain(key="q_grain", label="时间粒度（按期间时）") if rows == "period" else "month"
    ytd = filters.ytd(key="q_mode")
    names = {i.code: i.name for i in data.indicators()}
    sort_by = st.selectbox("排序", ["", *codes], format_func=lambda c: f"按{names[c]}" if c else "默认顺序",
                           key="q_sort", bind="query-params", help="合计行始终在最后")
    descending = st.segmented_control("顺序", list(query.SORTS), default="desc", format_func=query.SORTS.get,
                                      key="q_order", bind="query-params", required=True, disabled=not sort_by,
                                      label_visibility="collapsed")

if not codes:
    st.info("请在左侧选择至少一个指标。")
    st.stop()

request = table.TableRequest(tuple(codes), start, end, grain, ytd, tuple(towns), rows, sort_by or None,
                             descending == "desc")
result = query.build(request)

st.subheader(frame.plain(result.title))
st.caption(frame.plain(result.unit_line + "。" + "".join(result.notes)))
st.dataframe(result.frame(), hide_index=True, width="stretch", height=query.height(result),
             column_config=query.column_config(result))

if access.may_download():
    excel, utf8, gbk = st.columns(3)
    excel.download_button("下载 Excel（统计表格式）", query.xlsx(request), file_name=export.file_name(result, "xlsx"),
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/table_view:", key="q_xlsx", width="stretch",
                          on_click=access.downloaded(export.file_name(result, "xlsx"), page="数据查询"))
    utf8.download_button("下载 CSV（UTF-8）", query.csv(request, "utf-8"), file_name=export.file_name(result, "csv"),
                         mime="text/csv", icon=":material/download:", key="q_csv", width="stretch",
                         help=export.ENCODINGS["utf-8"],
                         on_click=access.downloaded(export.file_name(result, "csv"), page="数据查询"))
    gbk_name = export.file_name(result, "csv").replace(".csv", "_GBK.csv")
    gbk.download_button("下载 CSV（GBK）", query.csv(request, "gbk"), file_name=gbk_name, mime="text/csv",
                        icon=":material/download:", key="q_csv_gbk", width="stretch", help=export.ENCODINGS["gbk"],
                        on_click=access.downloaded(gbk_name, page="数据查询"))
else:
    st.caption(access.DOWNLOAD_NEEDS_LOGIN)
if rows == "period":
    st.caption(f"按{GRAINS[grain]}汇总：季度、年度的流量指标为期内各月之和（累计口径为期末累计数），存量指标取期末数。")
