"""ui/charts.py: the Plotly figures the pages draw, read back as the JSON the browser receives."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.app.conftest import chart_notes
from ui import charts


def spec(fig) -> dict:
    return json.loads(fig.to_json())


notes = chart_notes


def test_trend_draws_each_series_with_its_values_and_labels_the_last_point() -> None:
    df = pd.DataFrame({"label": ["2025年4月", "2025年5月", "2025年6月"] * 2,
                       "series": ["城市低保人数"] * 3 + ["农村低保人数"] * 3,
                       "shown": [1650.0, 1652.0, 1655.0, 4210.0, 4198.0, None]})
    figure = spec(charts.trend(df, "人", 0))
    urban, rural = figure["data"]
    assert (urban["name"], urban["x"], urban["y"]) == ("城市低保人数", ["2025年4月", "2025年5月", "2025年6月"],
                                                       [1650.0, 1652.0, 1655.0])
    assert urban["text"] == ["", "", "1,655"]
    assert rural["y"] == [4210.0, 4198.0, None] and rural["text"] == ["", "4,198", ""]  # the last reported month
    assert "%{fullData.name}<br>%{x}：%{y:,.0f}人" in urban["hovertemplate"]  # the name is data, never template
    # The axis fits the data and says it does not start at 0.
    assert figure["layout"]["yaxis"]["rangemode"] == "normal"
    assert notes(figure) == ["单位：人（纵轴未从0开始）"]
    assert figure["layout"]["font"]["family"].startswith("Noto Sans CJK SC")
    assert figure["layout"]["font"]["size"] >= 16
    assert spec(charts.trend(df, "人", 0, big=True))["layout"]["font"]["size"] > figure["layout"]["font"]["size"]


def test_a_period_some_township_has_not_reported_is_drawn_open() -> None:
    df = pd.DataFrame({"label": ["2025年5月", "2025年6月（数据不全）"], "series": "城市低保人数", "shown": [1671.0, 1664.0]})
    (line,) = spec(charts.trend(df, "人", 0, incomplete={"2025年6月（数据不全）"}))["data"]
    assert line["marker"]["symbol"] == ["circle", "circle-open"]
    (line,) = spec(charts.trend(df, "人", 0))["data"]
    assert line["marker"]["symbol"] == ["circle", "circle"]


def test_a_long_trend_labels_at_most_seven_periods_and_always_the_latest() -> None:
    labels = [f"{2022 + (m - 1) // 12}年{(m - 1) % 12 + 1}月" for m in range(7, 42)] + ["2025年6月（数据不全）"]
    df = pd.DataFrame({"label": labels, "series": "城市低保人数", "shown": [float(k) for k in range(len(labels))]})
    axis = spec(charts.trend(df, "人", 0))["layout"]["xaxis"]
    assert len(axis["tickvals"]) <= 7 and axis["tickvals"][-1] == "2025年6月（数据不全）"
    assert axis["ticktext"][-1] == "2025年<br>6月<br>（数据不全）" and axis["tickangle"] == 0  # fits 1024 wide
    assert len(spec(charts.trend(df, "人", 0, big=True))["layout"]["xaxis"]["tickvals"]) <= 5


def test_amounts_are_in_wan_yuan_with_two_decimals() -> None:
    df = charts.shown(pd.DataFrame({"label": ["2025年5月", "2025年6月"], "series": ["资金"] * 2,
                                    "value": [5_321_800.0, 5_400_000.0]}), "元")
    figure = spec(charts.trend(df, "元", 0))
    assert figure["data"][0]["y"] == [532.18, 540.0]
    assert figure["data"][0]["text"] == ["", "540.00"]
    assert "%{y:,.2f}万元" in figure["data"][0]["hovertemplate"]
    assert notes(figure) == ["单位：万元（纵轴未从0开始）"]


def test_this_year_against_last_is_bars_by_month_and_lines_when_cumulative() -> None:
    df = pd.DataFrame({"year": [2024] * 12 + [2025] * 6, "month": list(range(1, 13)) + list(range(1, 7)),
                       "shown": [float(100 + m) for m in range(1, 13)] + [float(200 + m) for m in range(1, 7)]})
    monthly = spec(charts.year_over_year(df, "人", 0))
    last, this = monthly["data"]
    assert (last["type"], last["name"], this["type"], this["name"]) == ("bar", "2024年", "bar", "2025年")
    assert last["x"][0] == "1月" and last["x"][-1] == "12月"
    assert last["y"] == [float(100 + m) for m in range(1, 13)]
    assert this["y"] == [201.0, 202.0, 203.0, 204.0, 205.0, 206.0] + [None] * 6
    assert this["text"][:6] == ["201", "202", "203", "204", "205", "206"]
    assert monthly["layout"]["barmode"] == "group" and monthly["layout"]["yaxis"]["rangemode"] == "tozero"
    cumulative = spec(charts.year_over_year(df, "人", 0, cumulative=True))
    assert [t["type"] for t in cumulative["data"]] == ["scatter", "scatter"]
    assert cumulative["data"][1]["text"][5] == "206" and cumulative["data"][1]["text"][4] == ""


def test_ranking_sorts_largest_first_with_the_average_marked() -> None:
    df = pd.DataFrame({"township": ["城东街道", "中塘镇", "新华乡", "城南街道"], "shown": [510.0, 560.0, None, 530.0]})
    figure = spec(charts.ranking(df, "人", 0))
    bars = figure["data"][0]
    assert bars["y"] == ["中塘镇", "城南街道", "城东街道"] and bars["x"] == [560.0, 530.0, 510.0]
    assert bars["text"] == ["560", "530", "510"]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"  # the first on top
    (line,) = figure["layout"]["shapes"]
    assert line["x0"] == line["x1"] == pytest.approx(1600 / 3)
    assert "乡镇平均 533" in notes(figure)
    assert "单位：人" in notes(figure)
    # Forty townships: a row each, tall enough for 16 px names.
    forty = pd.DataFrame({"township": [f"第{i}街道" for i in range(40)], "shown": [float(i) for i in range(40)]})
    assert spec(charts.ranking(forty, "人", 0))["layout"]["height"] >= 40 * 28


def test_ranking_zooms_when_asked_and_takes_the_district_average() -> None:
    df = pd.DataFrame({"township": ["城东街道", "中塘镇"], "shown": [510.0, 560.0]})
    assert "range" not in spec(charts.ranking(df, "人", 0))["layout"]["xaxis"]
    zoomed = spec(charts.ranking(df, "元/人·月", 2, zero=False, average=541.25, average_label="全区平均"))
    low, high = zoomed["layout"]["xaxis"]["range"]
    assert 0 < low < 510 and high > 560
    assert zoomed["layout"]["shapes"][0]["x0"] == 541.25
    assert "全区平均 541.25" in notes(zoomed) and "单位：元/人·月（横轴未从0开始）" in notes(zoomed)


def test_heatmap_has_a_row_per_township_in_the_given_order() -> None:
    df = pd.DataFrame({"township": ["中塘镇", "中塘镇", "城东街道", "城东街道"],
                       "label": ["2025年5月", "2025年6月"] * 2, "shown": [1.0, 2.0, 3.0, None]})
    figure = spec(charts.heatmap(df, "人", 0, ["城东街道", "中塘镇", "无数据镇"]))
    cells = figure["data"][0]
    assert cells["y"] == ["城东街道", "中塘镇"] and cells["x"] == ["2025年5月", "2025年6月"]
    assert cells["z"] == [[3.0, None], [1.0, 2.0]]
    assert cells["text"] == [["3", ""], ["1", "2"]]
    assert cells["colorbar"]["title"]["text"] == "人"


def test_a_province_ranking_draws_the_first_and_last_thirty_against_the_mean_of_all() -> None:
    towns = pd.DataFrame({"township": [f"第{i:04d}乡" for i in range(1500)], "shown": [float(i) for i in range(1500)]})
    figure = spec(charts.ranking(towns, "人", 0))
    bars = figure["data"][0]
    assert bars["x"] == [float(v) for v in [*range(1499, 1469, -1), *range(29, -1, -1)]]
    assert bars["y"][0] == "第1499乡" and bars["y"][-1] == "第0000乡" and len(bars["y"]) == 60
    assert figure["layout"]["shapes"][0]["x0"] == pytest.approx(749.5)  # every township's mean, not the 60 drawn
    assert "单位：人；1,500个有数，图中为前30名和后30名" in notes(figure)
    one_missing = towns.assign(shown=[None, *towns["shown"][1:]])  # a township without a figure is not counted
    assert "单位：人；1,499个有数，图中为前30名和后30名" in notes(spec(charts.ranking(one_missing, "人", 0)))
    sixty = towns.head(60)
    assert len(spec(charts.ranking(sixty, "人", 0))["data"][0]["y"]) == 60  # a district's are all drawn
    assert "图中为" not in notes(spec(charts.ranking(sixty, "人", 0)))


def test_a_province_heatmap_draws_the_townships_highest_and_lowest_in_the_last_month() -> None:
    names = [f"第{i:04d}乡" for i in range(100)]
    df = pd.DataFrame({"township": [t for t in names for _ in range(2)], "label": ["2025年5月", "2025年6月"] * 100,
                       "shown": [v for i in range(100) for v in (float(100 - i), float(i) if i != 7 else None)]})
    rows = charts.heatmap_rows(df, names)
    # June's value decides (May's runs the other way); 第0007乡 without a June value counts as the lowest.
    assert rows == names[99:69:-1] + names[29:7:-1] + names[6::-1][:7] + ["第0007乡"]
    assert spec(charts.heatmap(df, "人", 0, names))["data"][0]["y"] == rows
    assert charts.heatmap_rows(df[df["township"].isin(names[:60])], names) == names[:60]  # up to 60: register order


def test_choropleth_draws_our_geojson_without_a_basemap(tmp_path) -> None:
    def square(x: float) -> dict:
        return {"type": "Polygon", "coordinates": [[[x, 30], [x + 0.1, 30], [x + 0.1, 30.1], [x, 30.1], [x, 30]]]}
    path = tmp_path / "townships.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n}, "geometry": square(x)}
        for n, x in (("城东街道", 120.0), ("中塘镇", 120.1), ("新华乡", 120.2))]}), encoding="utf-8")
    df = pd.DataFrame({"township": ["城东街道", "中塘镇", "新华乡"], "shown": [53.2, 40.0, None]})
    figure = spec(charts.choropleth(path, df, "元", 0))
    grey, coloured = figure["data"]
    assert grey["locations"] == ["新华乡"] and grey["showscale"] is False
    assert coloured["locations"] == ["城东街道", "中塘镇"] and coloured["z"] == [53.2, 40.0]
    assert coloured["featureidkey"] == "properties.township"
    assert "%{z:,.2f}万元" in coloured["hovertemplate"]
    geo = figure["layout"]["geo"]
    assert geo["visible"] is False and geo["fitbounds"] == "locations"
    assert charts.config(charts.choropleth(path, df, "元", 0), "a")["modeBarButtons"] == [["toImage", "resetGeo"]]


def test_config_saves_a_named_png_at_twice_the_size() -> None:
    fig = charts.trend(pd.DataFrame({"label": ["2025年6月"], "series": ["a"], "shown": [1.0]}), "人", 0)
    config = charts.config(fig, "城市低保人数", "趋势", "2025年6月")
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "城市低保人数_趋势_2025年6月", "scale": 2}
    assert config["modeBarButtons"] == [["toImage", "resetScale2d"]] and config["displaylogo"] is False


def test_values_in_yuan_are_shown_in_wan_yuan() -> None:
    df = charts.shown(pd.DataFrame({"value": [5_320_000.0, None]}), "元")
    assert df["shown"].tolist()[0] == 532.0 and df["shown"].isna().tolist()[1]


HOSTILE = ["<b>粗</b>镇", '<a href="http://evil.example/x">点我</a>镇', "%{x}乡", "A&B街道"]
AS_TYPED = ["&lt;b&gt;粗&lt;/b&gt;镇", '&lt;a href="http://evil.example/x"&gt;点我&lt;/a&gt;镇', "%{x}乡", "A&amp;B街道"]


def test_names_people_typed_reach_plotly_as_text_never_as_its_html_or_templates(tmp_path) -> None:
    """plotly.js reads <b>, <a href>, <br> … in labels: a township or indicator named so is shown as typed."""
    towns = pd.DataFrame({"township": HOSTILE, "shown": [4.0, 3.0, 2.0, 1.0]})
    bars = spec(charts.ranking(towns, "人", 0, highlight=HOSTILE[0]))["data"][0]
    assert bars["y"] == AS_TYPED and bars["marker"]["color"][0] != bars["marker"]["color"][1]
    assert not any(name in bars["hovertemplate"] for name in HOSTILE)
    lines = spec(charts.trend(pd.DataFrame({"label": ["2025年6月"] * 4, "series": HOSTILE, "shown": [1.0] * 4}),
                              "人", 0))["data"]
    assert [t["name"] for t in lines] == AS_TYPED
    assert all("%{fullData.name}" in t["hovertemplate"] and "%{x}乡" not in t["hovertemplate"] for t in lines)
    grid = spec(charts.heatmap(towns.assign(label="2025年6月"), "人", 0, HOSTILE))["data"][0]
    assert grid["y"] == AS_TYPED
    shapes = tmp_path / "t.geojson"
    shapes.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n},
         "geometry": {"type": "Polygon", "coordinates": [[[k, 0], [k + 1, 0], [k + 1, 1], [k, 1], [k, 0]]]}}
        for k, n in enumerate(HOSTILE)]}), encoding="utf-8")
    (valued,) = spec(charts.choropleth(shapes, towns, "人", 0))["data"]
    assert valued["text"] == AS_TYPED and valued["locations"] == HOSTILE  # matched to the map by the name itself
    assert "%{text}" in valued["hovertemplate"]
