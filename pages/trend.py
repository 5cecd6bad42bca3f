"""趋势分析: indicators over time by month/quarter/year, 当月 or 累计, district or chosen townships."""

import pandas as pd
import streamlit as st

from civdash.analysis import marks, metrics
from civdash.domain.periods import GRAINS
from ui import charts, data, filters, frame, tables, watch
from ui.frame import plain

frame.page_header("趋势分析")
if not data.months():
    frame.no_data()
    st.stop()

with st.sidebar:
    codes = filters.indicators(default=["dibao_urban_persons", "dibao_rural_persons"])
    grain = filters.grain()
    ytd = filters.ytd()
    towns = filters.townships()
    split = st.toggle("按乡镇分别显示", key="split", bind="query-params", disabled=not towns)
    start, end = filters.month_range()

if not codes:
    st.info("请在左侧选择至少一个指标。")
    st.stop()

df = data.metric("series", tuple(codes), start, end, grain=grain, ytd=ytd, townships=tuple(towns),
                 by_township=bool(split and towns))
if df.empty:
    frame.no_data()
    st.stop()
inds = {i.code: i for i in data.indicators()}
# a quarter or year the data do not fill says which months it holds; a period lacking a township says so
labels = metrics.bucket_labels(df, grain)
incomplete = data.metric("incomplete_buckets", tuple(codes), start, end, grain=grain, ytd=ytd, townships=tuple(towns))
df["label"] = [marks.period_label(labels[p], p in incomplete) for p in df["period"]]
open_points = {marks.period_label(labels[p], True) for p in incomplete}  # drawn open: 数据不全
df["indicator"] = df["indicator_code"].map(lambda c: inds[c].name)
df["series"] = df["township"] + " " + df["indicator"] if "township" in df else df["indicator"]
chosen_towns = [t.name for t in data.township_list() if t.id in towns]
scope = "、".join(chosen_towns) or data.district_word()
st.caption(f"范围：{plain(scope)}；{'流量指标为当年1月起累计数' if ytd else '流量指标为本期发生额'}")
watch.incomplete_notes(incomplete, labels)

# One chart per unit: amounts and head-counts never share an axis.
for unit, part in df.groupby(df["indicator_code"].map(lambda c: inds[c].unit), sort=False):
    decimals = max(inds[c].decimals for c in part["indicator_code"].unique())
    part = charts.shown(part, unit)
    cumulative = ytd and any(inds[c].kind == "flow" for c in part["indicator_code"])
    view = ("" if grain == "month" else f"按{GRAINS[grain]}") + ("累计" if cumulative else "") + "趋势"
    charts.show(charts.trend(part, unit, decimals, incomplete=open_points), charts.listing(chosen_towns, counted="个乡镇"),
                charts.listing(part["indicator"]), view, charts.month_span(start, end))
    tables.wide_table(part, "label", "series", unit, decimals, "时期")

first = inds[codes[0]]
st.subheader(f"{plain(first.name)}：今年与去年逐月对比")
this_year = end.year
yoy = data.metric("series", (first.code,), pd.Timestamp(this_year - 1, 1, 1).date(), end, grain="month", ytd=ytd,
                  townships=tuple(towns))
yoy["year"] = [p.year for p in yoy["period"]]
yoy["month"] = [p.month for p in yoy["period"]]
yoy = charts.shown(yoy, first.unit)
cumulative = ytd and first.kind == "flow"
charts.show(charts.year_over_year(yoy, first.unit, first.decimals, cumulative=cumulative),
            charts.listing(chosen_towns, counted="个乡镇"), first.name, f"今年与去年{'累计' if cumulative else '逐月'}对比",
            charts.month_span(pd.Timestamp(this_year - 1, 1, 1).date(), end))
yoy["label"] = yoy["month"].map(lambda m: f"{m}月")
yoy["series"] = yoy["year"].map(lambda y: f"{y}年")
tables.wide_table(yoy, "label", "series", first.unit, first.decimals, "月份")
