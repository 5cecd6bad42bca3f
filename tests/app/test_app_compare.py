"""乡镇对比 (pages/compare.py): ranking, heatmap, per-person figures and township profile against SQL."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.app.conftest import assert_clean, run_app

PAGE = "pages/compare.py"
pytestmark = pytest.mark.timeout(120)


def ranking_tables(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if "rank" in d.value.columns]


def ranking_table(at) -> pd.DataFrame:
    (found,) = ranking_tables(at)
    return found


def township_values(sql, code: str, start: str, end: str) -> pd.Series:
    """Per township: the sum of a flow over [start, end], or a stock's value at ``end``."""
    kind = sql("SELECT kind FROM indicator WHERE code = ?", code)
    if kind == "flow":
        query = ("SELECT township, sum(value) FROM v_fact WHERE indicator_code = ?"
                 " AND period BETWEEN ?::DATE AND ?::DATE GROUP BY township")
        rows = sql.con.execute(query, [code, start, end]).fetchall()
    else:
        rows = sql.con.execute("SELECT township, value FROM v_fact WHERE indicator_code = ? AND period = ?::DATE",
                               [code, end]).fetchall()
    return pd.Series(dict(rows), dtype=float).sort_values(ascending=False)


def test_ranking_first_row_is_largest_township(app, sql, clean, fmt_pct, figures):
    at = app(PAGE)
    clean(at)
    assert at.title[0].value == "乡镇对比"
    assert [t.label for t in at.tabs] == ["排名", "逐月热力图", "人均指标", "乡镇画像"]
    assert at.selectbox(key="ind").value == "dibao_rural_persons"
    assert "农村低保人数 乡镇排名（2025年6月）" in [s.value for s in at.subheader]
    expected = township_values(sql, "dibao_rural_persons", "2025-06-01", "2025-06-01")
    df = ranking_table(at)
    first = df.iloc[0]
    assert (first["rank"], first["township"], first["shown"]) == (1, expected.index[0], expected.iloc[0])
    code = sql("SELECT township_code FROM v_fact WHERE township = ? LIMIT 1", expected.index[0])
    assert first["township_code"] == code
    # The whole order (ties in register order), and the township that has not reported last without a value.
    order = sql.con.execute("SELECT name, sort_order FROM township").fetchall()
    ranked = sorted(expected.items(), key=lambda kv: (-kv[1], dict(order)[kv[0]]))
    assert list(zip(df["township"][:29], df["shown"][:29], strict=True)) == ranked
    assert df.iloc[-1]["township"] == "新华乡" and pd.isna(df.iloc[-1]["shown"])
    may = sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND township = ?"
              " AND period = '2025-05-01'", expected.index[0])
    assert first["mom"] == fmt_pct((expected.iloc[0] - may) / may)
    # The ranking chart: the same townships in the same order with the same values, the average as a line. Only
    # the open tab runs (no map: the demo has no township boundaries): its chart is the page's only one.
    (ranking,) = figures(at)
    assert "农村低保人数 乡镇逐月（2024年7月—2025年6月）" not in [s.value for s in at.subheader]
    bars = ranking.traces[0]
    assert list(zip(bars["y"], bars["x"], strict=True)) == ranked  # 新华乡, without a value, is left off
    assert bars["text"][0] == f"{ranked[0][1]:,.0f}"
    mean = sum(v for _, v in ranked) / len(ranked)
    assert ranking.layout["shapes"][0]["x0"] == pytest.approx(mean)
    assert f"乡镇平均 {mean:,.0f}" in ranking.notes() and "单位：人" in ranking.notes()
    assert ranking.file_name == "农村低保人数_乡镇排名_2025年6月"
    # The heatmap (its tab opened by its address, as a link or a click opens it): a row per township in the
    # register's order, June's column equal to the ranking's values.
    at = app(PAGE, view="逐月热力图")
    clean(at)
    (heat,) = figures(at)
    assert not ranking_tables(at)
    registered = [n for n, _ in sorted(order, key=lambda kv: kv[1])]
    cells = heat.traces[0]
    assert cells["y"] == [n for n in registered if n in cells["y"]] and len(cells["y"]) == 30
    assert cells["x"][-1] == "2025年6月"
    june = dict(zip(cells["y"], [row[-1] for row in cells["z"]], strict=True))
    assert {t: june[t] for t, _ in ranked} == dict(ranked) and june["新华乡"] is None


def test_spike_tops_the_relief_ranking_in_wan_yuan(app, sql, clean):
    at = app(PAGE)
    at.selectbox(key="ind").set_value("temp_relief_funds").run()
    clean(at)
    expected = township_values(sql, "temp_relief_funds", "2025-06-01", "2025-06-01")
    first = ranking_table(at).iloc[0]
    assert expected.index[0] == first["township"] == "城南街道"
    assert first["shown"] == pytest.approx(expected.iloc[0] / 1e4)


@pytest.mark.parametrize(("grain", "ytd", "start"), [
    ("quarter", False, "2025-04-01"),
    ("month", True, "2025-01-01"),
    ("year", False, "2025-01-01"),
])
def test_ranking_by_grain_and_ytd(app, sql, clean, grain, ytd, start):
    at = app(PAGE)
    at.selectbox(key="ind").set_value("marriage_registrations")
    at.segmented_control(key="grain").set_value(grain)
    at.segmented_control(key="mode").set_value("ytd" if ytd else "month").run()
    clean(at)
    expected = township_values(sql, "marriage_registrations", start, "2025-06-01")
    if ytd:  # 1-6月累计 needs June's report: 新华乡 (Jan-May only) has no year-to-date figure.
        expected = expected.drop("新华乡")
    df = ranking_table(at).set_index("township")
    assert df["shown"].dropna().sort_index().tolist() == expected.sort_index().tolist()
    label = {"quarter": "2025年第2季度", "month": "2025年6月", "year": "2025年"}[grain]
    assert any(s.value.startswith(f"结婚登记对数 乡镇排名（{label}") for s in at.subheader)


def test_heatmap_covers_last_twelve_months(app, clean):
    at = app(PAGE, view="逐月热力图")
    clean(at)
    assert "农村低保人数 乡镇逐月（2024年7月—2025年6月）" in [s.value for s in at.subheader]


def test_heatmap_months_stay_in_order_when_the_first_township_missed_one(real_app, real_env, figures, clean):
    """The heatmap's rows come township by township: a month the first township (城东街道) did not report must still
    be drawn in its place, not after June; and June stays the last column."""
    import duckdb  # noqa: PLC0415

    from tests.upload_fixtures import never_uploaded  # noqa: PLC0415

    con = duckdb.connect(str(real_env))
    first = con.execute("SELECT name FROM township WHERE level = 'township' ORDER BY sort_order LIMIT 1").fetchone()[0]
    never_uploaded(con, "indicator_code = 'dibao_rural_persons' AND period = '2025-03-01'"
                        f" AND township_id = (SELECT id FROM township WHERE name = '{first}')")
    con.close()
    at = real_app(PAGE, view="逐月热力图")
    clean(at)
    (heat,) = figures(at)
    cells = heat.traces[0]
    assert cells["x"] == [f"2024年{m}月" for m in range(7, 13)] + [f"2025年{m}月" for m in range(1, 7)]
    assert cells["y"][0] == first and cells["z"][0][cells["x"].index("2025年3月")] is None


def test_per_person_district_average_equals_sql(app, sql, clean, figures):
    at = app(PAGE, view="人均指标")
    clean(at)
    assert at.selectbox(key="derived").value == "dibao_urban_per_person"
    avg = sql("SELECT sum(value) FILTER (WHERE indicator_code = 'dibao_urban_funds')"
              " / sum(value) FILTER (WHERE indicator_code = 'dibao_urban_persons')"
              " FROM v_fact WHERE period = '2025-06-01'")
    assert {m.label: m.value for m in at.metric}["全区平均"] == f"{avg:,.2f}元/人·月"
    chart = figures(at)[-1]  # the district's own average (funds ÷ persons) marks the ranking, not a mean of towns
    assert chart.layout["shapes"][0]["x0"] == pytest.approx(avg)
    assert f"全区平均 {avg:,.2f}" in chart.notes()
    assert chart.traces[0]["x"] == sorted(chart.traces[0]["x"], reverse=True)
    assert any(c.value.startswith("计算方法：城市低保资金支出 ÷ 城市低保人数，按月平均。") for c in at.caption)

    at.selectbox(key="derived").set_value("temp_relief_per_case").run()
    clean(at)
    per_case = sql("SELECT sum(value) FILTER (WHERE indicator_code = 'temp_relief_funds')"
                   " / sum(value) FILTER (WHERE indicator_code = 'temp_relief_cases')"
                   " FROM v_fact WHERE period = '2025-06-01'")
    assert {m.label: m.value for m in at.metric}["全区平均"] == f"{per_case:,.2f}元/人次"
    assert any(c.value.startswith("计算方法：临时救助资金 ÷ 临时救助人次。") for c in at.caption)


def test_per_person_over_a_quarter_is_monthly(app, sql, clean):
    at = app(PAGE, view="人均指标")
    at.segmented_control(key="grain").set_value("quarter").run()
    clean(at)
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                " AND period BETWEEN '2025-04-01' AND '2025-06-01'")
    persons = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = '2025-06-01'")
    assert {m.label: m.value for m in at.metric}["全区平均"] == f"{funds / 3 / persons:,.2f}元/人·月"


def test_township_profile_equals_sql(app, sql, cards, fmt_value, clean):
    at = app(PAGE, view="乡镇画像")
    at.selectbox(key="town").set_value("城南街道").run()
    clean(at)
    assert "城南街道 全部指标（2025年6月）" in [s.value for s in at.subheader]
    shown = cards(at)
    persons = sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND township = '城南街道'"
                  " AND period = '2025-06-01'")
    relief = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'temp_relief_funds' AND township = '城南街道'"
                 " AND period BETWEEN '2025-01-01' AND '2025-06-01'")
    assert shown["城市低保人数"].value == fmt_value(persons, "人")
    assert shown["临时救助资金"].value == fmt_value(relief, "元")
    assert "1-6月累计" in shown["临时救助资金"].text


def test_profile_of_late_township_says_not_reported(app, clean):
    at = app(PAGE, view="乡镇画像")
    at.selectbox(key="town").set_value("新华乡").run()
    clean(at)
    assert "新华乡在2025年6月没有报送数据。" in [i.value for i in at.info]


def test_a_province_heatmap_says_which_townships_it_draws_and_that_the_unreported_count_as_lowest(tmp_path, monkeypatch,
                                                                                                 demo_files):
    """Past 60 townships the heatmap draws the 30 highest and 30 lowest of the month; a township that has not
    reported it is not "lowest" by its figure, and the caption says it is put last."""
    from datetime import date  # noqa: PLC0415

    from tests.app.conftest import point_app  # noqa: PLC0415
    from tests.benchmarks import province  # noqa: PLC0415

    path = tmp_path / "p70.duckdb"
    province.build_province(path, 70, 1, date(2025, 6, 1), log=lambda _: None)  # the 70th misses June
    point_app(monkeypatch, path, demo_files["demo"])
    at = run_app(PAGE, view="逐月热力图")
    assert_clean(at)
    (heat,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    rows = heat["data"][0]["y"]
    assert len(rows) == 60 and rows[-1] == province.town_name(69)  # without a June value: last
    assert any(c.value == "共70个乡镇（街道），图中为2025年6月数值最高的30个和最低的30个（2025年6月未报送的1个算作最低，"
                          "排在最后）；每个乡镇逐月的数见“数据查询”。" for c in at.caption), [c.value for c in at.caption]
