"""乡镇对比: ranking, township × month heatmap, per-person figures, a township profile, a map."""

import streamlit as st

from civdash.analysis import metrics
from civdash.domain import catalog
from civdash.domain.periods import GRAINS, add_months, bucket_label, bucket_start, month_label
from civdash.domain.units import display_decimals, display_unit, format_change, to_display
from civdash.store.paths import geojson_path
from ui import cards, charts, data, filters, frame
from ui.frame import plain

frame.page_header("乡镇对比")
if not data.months():
    frame.no_data()
    st.stop()

with st.sidebar:
    code = filters.indicator(default="dibao_rural_persons")
    period = filters.month()
    grain = filters.grain()
    ytd = filters.ytd()
ind = data.indicator(code)
# a quarter or year the data do not fill says which months it holds ('2026年第4季度（10-11月）')
label = (metrics.bucket_labels(data.metric("series", (code,), period, period, grain=grain), grain)
         .get(bucket_start(period, grain)) or bucket_label(period, grain))

# Only the open tab runs (Streamlit's lazy tabs: a province's 1,500 townships are not drawn four times over);
# the open tab stays in the address, so a link or a refresh opens it again.
ranking, heat, per_person, profile = st.tabs(list(filters.COMPARE_VIEWS.values()), key="view", bind="query-params")

with ranking:
    if ranking.open:
        df = charts.shown(data.metric("township_values", code, period, grain=grain, ytd=ytd), ind.unit)
        st.subheader(f"{plain(ind.name)} 乡镇排名（{label}{'，累计' if ytd and ind.kind == 'flow' else ''}）")
        shown_as = f"{label}{'累计' if ytd and ind.kind == 'flow' else ''}"
        charts.show(charts.ranking(df, ind.unit, ind.decimals), ind.name, "乡镇排名", shown_as)
        if geojson_path().exists():
            charts.show(charts.choropleth(geojson_path(), df, ind.unit, ind.decimals,
                                          townships=[t.name for t in data.township_list()]), ind.name, "乡镇分布图", shown_as)
        table = df[["rank", "township", "township_code", "shown"]].assign(
            mom=[format_change(v) for v in df["mom"]], yoy=[format_change(v) for v in df["yoy"]])
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "rank": st.column_config.NumberColumn("排名", format="%d"),
            "township": "乡镇（街道）", "township_code": "区划代码",
            "shown": st.column_config.NumberColumn(f"{ind.name}（{display_unit(ind.unit)}）",
                                                   format=f"%,.{display_decimals(ind.unit, ind.decimals)}f"),
            "mom": f"环比（较上{GRAINS[grain]}）", "yoy": "同比"})

with heat:
    if heat.open:
        start = add_months(period, -11)
        matrix = charts.shown(data.metric("township_matrix", code, start, period, ytd=ytd), ind.unit)
        # The months in order (a column per label as given): rows come township by township, and a month the first
        # township did not report would otherwise come after the others.
        matrix = matrix.sort_values("period", kind="stable")
        matrix["label"] = [month_label(p) for p in matrix["period"]]
        st.subheader(f"{plain(ind.name)} 乡镇逐月（{month_label(start)}—{month_label(period)}）")
        order = [t.name for t in data.township_list()]
        charts.show(charts.heatmap(matrix, ind.unit, ind.decimals, order), ind.name,
                    f"乡镇逐月{'累计' if ytd and ind.kind == 'flow' else ''}热力图", charts.month_span(start, period))
        if (count := matrix["township"].nunique()) > charts.MOST_ROWS:
            month, latest = charts.last_month_values(matrix)  # what the rows were chosen by
            late = f"（{month}未报送的{count - len(latest):,}个算作最低，排在最后）" if count > len(latest) else ""
            st.caption(f"共{count:,}个乡镇（街道），图中为{month}数值最高的{charts.MOST_ROWS // 2}个和最低的"
                       f"{charts.MOST_ROWS // 2}个{late}；每个乡镇逐月的数见“数据查询”。")

with per_person:
    if per_person.open:
        derived = catalog.derived_indicators()
        names = {d.code: d.name for d in derived}
        chosen = st.selectbox("人均指标", list(names), format_func=names.get, key="derived", bind="query-params")
        spec = next(d for d in derived if d.code == chosen)
        values = data.metric("derived_values", spec, period, grain=grain)
        district = values[values["township"].isna()]["value"]
        towns = charts.shown(values.dropna(subset=["township"]), spec.unit)
        total = float(district.iloc[0]) if len(district) and district.notna().iloc[0] else None
        st.subheader(plain(f"{spec.name}（{label}，{spec.unit}）"))
        if total is not None:
            st.metric(f"{data.district_word()}平均", f"{total:,.2f}{spec.unit}")
        st.caption(f"计算方法：{plain(data.indicator(spec.numerator).name)} ÷ {plain(data.indicator(spec.denominator).name)}"
                   + ("，按月平均" if data.indicator(spec.denominator).kind == "stock" else "")
                   + "。横轴从最小值附近开始，便于看清乡镇间的差异。")
        charts.show(charts.ranking(towns, spec.unit, spec.decimals, zero=False, average=to_display(total, spec.unit),
                                   average_label=f"{data.district_word()}平均"), spec.name, "乡镇排名", label)

with profile:
    if profile.open:
        town = filters.township()
        name = next(t.name for t in data.township_list() if t.id == town)
        st.subheader(f"{plain(name)} 全部指标（{month_label(period)}）")
        figures = data.metric("key_figures", period, townships=(town,))
        figures = figures[figures["value"].notna()]
        if figures.empty:
            st.info(f"{plain(name)}在{month_label(period)}没有报送数据。")
        else:
            cards.key_figure_grid(figures, period, columns=3)
