"""趋势分析 (pages/trend.py): the tables under the charts equal SQL by month, quarter, year and 累计."""

from __future__ import annotations

import pandas as pd
import pytest

PAGE = "pages/trend.py"
pytestmark = pytest.mark.timeout(120)


def table(at, index_name: str = "时期", nth: int = 0) -> pd.DataFrame:
    """The nth wide table whose index is ``index_name`` (时期: the trend table, 月份: this year vs last)."""
    found = [d.value for d in at.dataframe if d.value.index.name == index_name]
    assert len(found) > nth, [d.value.index.name for d in at.dataframe]
    return found[nth]


def charts(at) -> list:
    return at.get("plotly_chart")


def monthly(sql, code: str, township: str | None = None) -> pd.Series:
    """District (or one township's) sum per month, indexed by '2025年6月'-style labels."""
    rows = sql.con.execute(
        "SELECT period, sum(value) FROM v_fact WHERE indicator_code = ? AND (? IS NULL OR township = ?)"
        " GROUP BY period ORDER BY period", [code, township, township]).fetchall()
    return pd.Series({f"{p.year}年{p.month}月": v for p, v in rows}, dtype=float)


def shown_months(sql) -> list:
    """The months the page shows by default: the latest 36 with data."""
    months = [p for (p,) in sql.con.execute("SELECT DISTINCT period FROM v_fact ORDER BY period").fetchall()]
    return months[-36:]


def month_label(p) -> str:
    return f"{p.year}年{p.month}月"


def bare(label: str) -> str:
    """A period label without the 数据不全 mark."""
    return label.removesuffix("（数据不全）")


def quarter_label(year: int, month: int) -> str:
    return f"{year}年第{(month - 1) // 3 + 1}季度"


def test_default_table_equals_sql_per_month(app, sql, clean, figures):
    at = app(PAGE)
    clean(at)
    assert at.title[0].value == "趋势分析"
    assert at.multiselect(key="inds").value == ["dibao_urban_persons", "dibao_rural_persons"]
    months = shown_months(sql)
    assert at.select_slider(key="range").value == (f"{months[0]:%Y-%m}", "2025-06")
    assert len(charts(at)) == 2  # the trend and this year against last year
    df = table(at)
    # 新华乡 has not reported June: the month is marked where it is shown, and a note says what that means
    assert df.index.tolist() == [month_label(p) for p in months[:-1]] + ["2025年6月（数据不全）"]
    for code, name in (("dibao_urban_persons", "城市低保人数"), ("dibao_rural_persons", "农村低保人数")):
        expected = monthly(sql, code)
        assert df[name].tolist() == pytest.approx(expected.loc[[bare(i) for i in df.index]].tolist()), name
    assert df.loc["2025年6月（数据不全）", "城市低保人数"] == sql(
        "SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = '2025-06-01'")
    # The chart draws the table's numbers: a line per indicator over the same months, the last value written.
    trend, yoy = figures(at)
    assert [t["name"] for t in trend.traces] == ["城市低保人数", "农村低保人数"]
    for line in trend.traces:
        assert line["x"] == df.index.tolist()
        assert line["y"] == pytest.approx(df[line["name"]].tolist())
        assert line["text"][-1] == f"{df[line['name']].iloc[-1]:,.0f}" and not any(line["text"][:-1])
        # June lacks 新华乡: its point is drawn open, every other one filled
        assert line["marker"]["symbol"] == ["circle"] * (len(df) - 1) + ["circle-open"]
    assert trend.notes() == ["单位：人（纵轴未从0开始）"]
    # This year against last: bars by month, last year's twelve and this year's six.
    month = monthly(sql, "dibao_urban_persons")
    last, this = yoy.traces
    assert (last["type"], last["name"], this["name"]) == ("bar", "2024年", "2025年")
    assert last["y"] == pytest.approx([month[f"2024年{m}月"] for m in range(1, 13)])
    assert this["y"][:6] == pytest.approx([month[f"2025年{m}月"] for m in range(1, 7)])
    assert this["y"][6:] == [None] * 6
    assert at.caption[0].value == "范围：全区；流量指标为本期发生额"
    assert at.caption[1].value == ":orange[2025年6月数据不全（新华乡未报送），该期数字不含其数据，与其他时期不可直接比较。]"


def test_quarter_grain_takes_last_month_of_quarter_for_stocks(app, sql, clean):
    at = app(PAGE)
    at.segmented_control(key="grain").set_value("quarter").run()
    clean(at)
    df = table(at)
    quarters = list(dict.fromkeys(quarter_label(p.year, p.month) for p in shown_months(sql)))
    assert df.index.tolist() == quarters[:-1] + ["2025年第2季度（数据不全）"]
    assert quarters[-3:] == ["2024年第4季度", "2025年第1季度", "2025年第2季度"]
    month = monthly(sql, "dibao_urban_persons")
    for label, value in df["城市低保人数"].items():
        year, q = int(label[:4]), int(label[6])
        assert value == month[f"{year}年{q * 3}月"], label


def test_quarter_grain_sums_flows(app, sql, clean):
    at = app(PAGE)
    at.multiselect(key="inds").set_value(["dibao_urban_funds"])
    at.segmented_control(key="grain").set_value("quarter").run()
    clean(at)
    df = table(at)
    month = monthly(sql, "dibao_urban_funds")
    expected: dict[str, float] = {}
    for label, value in month.items():
        year, m = int(label[:4]), int(label[5:-1])
        expected[quarter_label(year, m)] = expected.get(quarter_label(year, m), 0.0) + value
    assert df["城市低保资金支出"].tolist() == pytest.approx([expected[bare(q)] / 1e4 for q in df.index])  # 万元


def test_ytd_mode_accumulates_flows_from_january(app, sql, clean, figures):
    at = app(PAGE)
    at.multiselect(key="inds").set_value(["dibao_urban_funds", "temp_relief_cases"])
    at.segmented_control(key="mode").set_value("ytd").run()
    clean(at)
    assert at.caption[0].value == "范围：全区；流量指标为当年1月起累计数"
    # One chart and one table per unit (元 and 人次), plus this year against last year.
    assert len(charts(at)) == 3
    funds, cases = table(at, nth=0), table(at, nth=1)
    if "城市低保资金支出" not in funds:
        funds, cases = cases, funds
    for code, df, column, scale in (("dibao_urban_funds", funds, "城市低保资金支出", 1e4),
                                    ("temp_relief_cases", cases, "临时救助人次", 1.0)):
        month = monthly(sql, code)
        ytd = month.groupby([label[:4] for label in month.index]).cumsum()
        assert df[column].tolist() == pytest.approx((ytd.loc[[bare(i) for i in df.index]] / scale).tolist()), column
    june = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
               " AND period BETWEEN '2025-01-01' AND '2025-06-01'")
    assert funds.loc["2025年6月（数据不全）", "城市低保资金支出"] == pytest.approx(june / 1e4)
    # The amounts' chart in 万元 with the table's numbers; this year against last as two year-to-date lines.
    chart = next(c for c in figures(at) if c.traces[0]["name"] == "城市低保资金支出")
    assert chart.traces[0]["y"] == pytest.approx(funds["城市低保资金支出"].tolist())
    assert chart.traces[0]["text"][-1] == f"{june / 1e4:,.2f}"
    assert chart.notes() == ["单位：万元（纵轴未从0开始）"]
    yoy = figures(at)[-1]
    assert [(t["type"], t["name"]) for t in yoy.traces] == [("scatter", "2024年"), ("scatter", "2025年")]
    assert yoy.traces[1]["y"][5] == pytest.approx(june / 1e4)
    assert yoy.file_name == "城市低保资金支出_今年与去年累计对比_2024年1月-2025年6月"


def test_year_grain_with_ytd(app, sql, clean):
    at = app(PAGE)
    at.multiselect(key="inds").set_value(["marriage_registrations"])
    at.segmented_control(key="grain").set_value("year")
    at.segmented_control(key="mode").set_value("ytd").run()
    clean(at)
    df = table(at)
    years = sorted({p.year for p in shown_months(sql)})
    # 2025 holds January to June (and lacks 新华乡's June): its label says both
    assert df.index.tolist() == [f"{y}年" for y in years[:-1]] + ["2025年（1-6月，数据不全）"]
    for year, label in zip(years, df.index, strict=True):  # whole years, even where the range starts mid-year
        total = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'marriage_registrations'"
                    " AND year(period) = ?", year)
        assert df.loc[label, "结婚登记对数"] == total


def test_this_year_against_last_year_table(app, sql, clean):
    at = app(PAGE)
    clean(at)
    assert "城市低保人数：今年与去年逐月对比" in [s.value for s in at.subheader]
    df = table(at, "月份")
    assert df.columns.tolist() == ["2024年", "2025年"]
    assert df.index.tolist() == [f"{m}月" for m in range(1, 13)]
    month = monthly(sql, "dibao_urban_persons")
    assert df["2024年"].tolist() == pytest.approx([month[f"2024年{m}月"] for m in range(1, 13)])
    assert df["2025年"].iloc[:6].tolist() == pytest.approx([month[f"2025年{m}月"] for m in range(1, 7)])
    assert df["2025年"].iloc[6:].isna().all()


def test_township_selection_and_split(app, sql, clean):
    at = app(PAGE)
    assert at.toggle(key="split").disabled
    at.multiselect(key="towns").set_value(["城南街道"]).run()
    clean(at)
    assert at.caption[0].value.startswith("范围：城南街道；")
    df = table(at)
    expected = monthly(sql, "dibao_urban_persons", "城南街道")
    assert df["城市低保人数"].tolist() == pytest.approx(expected.loc[df.index].tolist())

    at.multiselect(key="towns").set_value(["城南街道", "城东街道"])
    at.multiselect(key="inds").set_value(["dibao_urban_persons"])
    at.toggle(key="split").set_value(True).run()
    clean(at)
    df = table(at)
    assert set(df.columns) == {"城南街道 城市低保人数", "城东街道 城市低保人数"}
    for town in ("城南街道", "城东街道"):
        expected = monthly(sql, "dibao_urban_persons", town)
        assert df[f"{town} 城市低保人数"].tolist() == pytest.approx(expected.loc[df.index].tolist())


def test_time_range_limits_rows(app, clean):
    at = app(PAGE)
    at.select_slider(key="range").set_range("2024-01", "2024-12").run()
    clean(at)
    df = table(at)
    assert df.index.tolist() == [f"2024年{m}月" for m in range(1, 13)]


def test_no_indicator_asks_for_one(app, clean):
    at = app(PAGE)
    at.multiselect(key="inds").set_value([]).run()
    clean(at)
    assert [i.value for i in at.info] == ["请在左侧选择至少一个指标。"]
    assert not at.dataframe


def test_view_from_url(app, sql, clean):
    """A shared link (labels as Streamlit writes them) reopens 季 / 累计 / 城南街道."""
    at = app(PAGE, grain="季", mode="累计", towns="城南街道")
    clean(at)
    assert at.segmented_control(key="grain").value == "quarter"
    assert at.segmented_control(key="mode").value == "ytd"
    assert at.multiselect(key="towns").value == ["城南街道"]
    df = table(at)
    assert df.index[-1] == "2025年第2季度"
    june = sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND township = '城南街道'"
               " AND period = '2025-06-01'")
    assert df.loc["2025年第2季度", "农村低保人数"] == june
