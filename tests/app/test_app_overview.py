"""总览 (pages/overview.py): the key figures, reporting status, targets and 重点关注 match the database."""

from __future__ import annotations

import re

import pytest

JUNE = "2025-06-01"


def card_values(cards, at) -> dict[str, str]:
    return {name: card.value for name, card in cards(at).items()}


def district_month(sql, code: str, period: str = JUNE, without: str = "") -> float:
    return sql("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND period = ?::DATE AND township <> ?",
               code, period, without)


def district_ytd(sql, code: str, period: str = JUNE, without: str = "") -> float:
    return sql("SELECT sum(value) FROM v_fact WHERE indicator_code = ?"
               " AND period BETWEEN date_trunc('year', ?::DATE) AND ?::DATE AND township <> ?",
               code, period, period, without)


@pytest.mark.timeout(120)
def test_overview_opens_clean_on_latest_month(app, sql, clean):
    at = app()
    clean(at)
    assert at.title[0].value == "民政工作总览"
    assert any("数据截至2025年6月" in m.value for m in at.markdown)
    assert any("示例数据" in w.value for w in at.warning), "the demo must be labelled as such"
    assert at.selectbox(key="period").value == "2025-06"
    assert at.selectbox(key="period").options[0] == "2025年6月"
    categories = [c for (c,) in sql.con.execute("SELECT DISTINCT category FROM indicator").fetchall()]
    assert set(categories) == {re.sub(r"（.*", "", e.label) for e in at.expander if "目标" not in e.label}


def main_sequence(at) -> list[str]:
    """What the page's main area shows, top to bottom, as 'kind:text' (expanders as 'expander:label:open|closed')."""
    out = []

    def walk(node) -> None:
        kind = node.type
        if kind == "expander":
            out.append(f"expander:{node.label}:{'open' if node.proto.expanded else 'closed'}")
        elif kind in ("title", "subheader", "metric", "caption"):
            out.append(f"{kind}:{getattr(node, 'label', None) or node.value}")
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return out


@pytest.mark.timeout(120)
def test_headline_figures_come_first_with_social_assistance_open_and_the_rest_collapsible(app, sql, cards, fmt_value,
                                                                                         clean):
    """Above the fold a leader sees the month, who has reported and 社会救助's cards (the catalog's first category,
    open); every other category is an expander, closed, titled with its count and 数据不全 (新华乡 has not reported
    June); 重点关注 and the targets come after the figures."""
    at = app()
    clean(at)
    seq = main_sequence(at)
    expanders = [x for x in seq if x.startswith("expander:") and "目标" not in x]
    rows = sql.con.execute("SELECT category, count(*) FROM indicator GROUP BY category ORDER BY min(sort_order)"
                           ).fetchall()
    assert expanders == [f"expander:{c}（{n}项，数据不全）:{'open' if k == 0 else 'closed'}"
                         for k, (c, n) in enumerate(rows)]
    assert rows[0][0] == "社会救助"
    first_card = seq.index("metric:城市低保户数")
    assert seq.index("title:民政工作总览") < seq.index(expanders[0]) < first_card
    assert first_card < seq.index("subheader:重点关注") and seq.index(expanders[-1]) < seq.index("subheader:重点关注")
    # the open category's cards come first and hold the district's values
    metrics = [x.removeprefix("metric:") for x in seq if x.startswith("metric:")]
    social = [n for (n,) in sql.con.execute("SELECT name FROM indicator WHERE category = '社会救助' ORDER BY sort_order"
                                            ).fetchall()]
    assert metrics[: len(social)] == social
    shown = cards(at)
    assert shown["城市低保户数"].value == fmt_value(district_month(sql, "dibao_urban_households"), "户")
    # a closed category's cards are there for whoever opens it, with their values
    assert shown["居家适老化改造户数"].value == fmt_value(district_ytd(sql, "aging_retrofit_households"), "户")
    inside = next(e for e in at.expander if e.label.startswith("养老服务"))
    assert "居家适老化改造户数" in [m.label for m in inside.metric]


@pytest.mark.timeout(120)
def test_headline_figures_equal_sql(app, sql, cards, fmt_value, fmt_pct):
    """新华乡 has not reported June: every figure is the other townships' and says so, and every change compares the
    same townships in both periods (without 新华乡), in the same places on every card: 同比 in the badge, 环比 below."""
    shown = cards(app())
    late = "新华乡"
    persons = district_month(sql, "dibao_urban_persons")
    card = shown["城市低保人数"]
    assert card.value == fmt_value(persons, "人")
    # every figure lacks 新华乡: each category says so once, above its cards
    at = app()
    marks = [c.value for c in at.caption if "数据不全" in c.value]
    assert marks == [":orange[以下各项数据不全（新华乡未报送），增减按同口径计算]"] * len(
        sql.con.execute("SELECT DISTINCT category FROM indicator").fetchall())
    # 同比 of a stock: against June 2024's head-count of the same 29 townships.
    last_june = district_month(sql, "dibao_urban_persons", "2024-06-01", without=late)
    assert card.delta == fmt_pct((persons - last_june) / last_june)
    # 环比: against May's head-count of the same townships (with 新华乡's May it would read a larger fall).
    may = district_month(sql, "dibao_urban_persons", "2025-05-01", without=late)
    assert f"环比 {fmt_pct((persons - may) / may)}" in card.text
    everyone_may = district_month(sql, "dibao_urban_persons", "2025-05-01")
    assert fmt_pct((persons - everyone_may) / everyone_may) != fmt_pct((persons - may) / may)
    # A flow: the year-to-date amount in 万元, said to be 1-6月累计, with June's own amount and its 环比 as a note.
    funds = shown["城市低保资金支出"]
    ytd = district_ytd(sql, "dibao_urban_funds")
    assert funds.value == fmt_value(ytd, "元")
    assert "1-6月累计" in funds.text
    june = district_month(sql, "dibao_urban_funds")
    may_funds = district_month(sql, "dibao_urban_funds", "2025-05-01", without=late)
    assert f"当月 {fmt_value(june, '元')}，环比 {fmt_pct((june - may_funds) / may_funds)}" in funds.text
    # 同比 of a flow: 1-6月 against 1-6月 of last year, both without 新华乡 (whose 1-6月 lacks June; the figure
    # itself holds its 1-5月 and is marked above its category's cards).
    mine = district_ytd(sql, "dibao_urban_funds", without=late)
    last_year = district_ytd(sql, "dibao_urban_funds", "2024-06-01", without=late)
    assert funds.delta == fmt_pct((mine - last_year) / last_year)


@pytest.mark.timeout(120)
def test_colours_and_trend_lines_say_nothing_the_data_do_not(app, sql, clean):
    """A change is blue unless the catalog says a rise is good (注册用户, green when up) or bad; 持平 grey. The trend
    line is drawn from zero: 城市低保人数 moving about 3 % in a year stays a nearly level line at the top, and it stops at
    May (June lacks 新华乡)."""
    at = app()
    clean(at)
    colours = {m.label: m.proto.color for m in at.metric}
    from streamlit.proto.Metric_pb2 import Metric  # noqa: PLC0415

    assert colours["城市低保人数"] == Metric.MetricColor.Value("BLUE")
    assert colours["社区APP注册用户数"] == Metric.MetricColor.Value("GREEN")  # up, and more users are good
    card = next(b for b in at.container if len(b.metric) == 1 and b.metric[0].label == "城市低保人数")
    persons = next(m.value for m in card.markdown if m.value.startswith("<svg"))
    line = re.search(r'<polyline points="([^"]+)"', persons).group(1)
    ys = [float(p.split(",")[1]) for p in line.split()]
    assert len(ys) == 11
    assert max(ys) - min(ys) < 2  # of 26 units of height: a 3 % change is a 3 % move, not a cliff
    assert re.search(r'<polygon points="0,28.00 ', persons)  # the base of the shading is the zero line


@pytest.mark.timeout(120)
def test_one_township_missing_one_indicator_marks_that_card_alone(real_app, real_env, cards, fmt_pct, clean):
    """城东街道 left out of May's 城市低保人数 only: that card says so and compares April and May without it; the
    cards beside it are complete and unmarked."""
    import duckdb  # noqa: PLC0415

    from tests.upload_fixtures import never_uploaded  # noqa: PLC0415

    con = duckdb.connect(str(real_env))
    never_uploaded(con, "indicator_code = 'dibao_urban_persons' AND period = '2025-05-01'"
                        " AND township_id = (SELECT id FROM township WHERE name = '城东街道')")
    may, april = (con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons'"
                              " AND period = ?::DATE AND township <> '城东街道'", [p]).fetchone()[0]
                  for p in ("2025-05-01", "2025-04-01"))
    con.close()
    at = real_app(period="2025年5月")
    clean(at)
    shown = cards(at)
    persons = shown["城市低保人数"]
    assert "数据不全（城东街道未报送），增减按同口径计算" in persons.text
    assert f"环比 {fmt_pct((may - april) / april)}" in persons.text
    assert "数据不全" not in shown["城市低保户数"].text and "同口径" not in shown["城市低保资金支出"].text
    assert not [c.value for c in at.caption if c.value.startswith(":orange[以下各项")]


@pytest.mark.timeout(120)
def test_every_stock_and_flow_card_equals_sql(app, sql, cards, fmt_value):
    """Stocks: the month's district sum; flows: 1-6月累计. Levels are checked separately."""
    shown = cards(app())
    rows = sql.con.execute("SELECT code, name, unit, kind, decimals FROM indicator WHERE kind <> 'level'"
                           " ORDER BY sort_order").fetchall()
    assert len(rows) > 20
    for code, name, unit, kind, decimals in rows:
        value = district_ytd(sql, code) if kind == "flow" else district_month(sql, code)
        assert shown[name].value == fmt_value(value, unit, decimals), name
        assert ("1-6月累计" in shown[name].text) == (kind == "flow"), name


@pytest.mark.timeout(120)
def test_level_card_is_weighted_average(app, sql, cards, fmt_value):
    """城市低保平均保障标准 is the head-count-weighted mean of the townships' standards."""
    value = sql(
        """SELECT sum(s.value * p.value) / sum(p.value)
           FROM v_fact s JOIN v_fact p ON p.township = s.township AND p.period = s.period
           WHERE s.indicator_code = 'dibao_urban_standard' AND p.indicator_code = 'dibao_urban_persons'
             AND s.period = ?::DATE""", JUNE)
    assert cards(app())["城市低保平均保障标准"].value == fmt_value(value, "元/人·月", 2)


@pytest.mark.timeout(120)
def test_reporting_status_shows_late_township(app, sql):
    at = app()
    registered = sql("SELECT count(*) FROM township WHERE level = 'township'")
    reported = sql("SELECT count(DISTINCT township) FROM v_fact WHERE period = ?::DATE", JUNE)
    assert (reported, registered) == (29, 30)
    status = next(m.value for m in at.markdown if "已报送" in m.value)
    assert f"**{reported}/{registered}**" in status
    assert "新华乡未报送，卡片上的合计不含其数据（标“数据不全”），增减按同口径计算" in status
    assert any("未报送2025年6月数据" in m.value and "新华乡" in m.value for m in at.markdown)


@pytest.mark.timeout(120)
def test_watchlist_names_planted_anomalies(app, sql):
    at = app()
    subheaders = [s.value for s in at.subheader]
    assert "重点关注" in subheaders
    alerts = [m.value for m in at.markdown if m.value.startswith("- **")]
    text = "\n".join(alerts)
    assert "城南街道" in text and "临时救助资金" in text
    june, may = (sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND township = '中塘镇'"
                     " AND period = ?::DATE", p) for p in (JUNE, "2025-05-01"))
    assert f"**中塘镇** 农村低保人数 {june:,.0f}人，较上月下降{(may - june) / may * 100:.1f}%" in text


@pytest.mark.timeout(120)
def test_target_progress_equals_sql(app, sql):
    at = app()
    assert "年度目标完成情况" in [s.value for s in at.subheader]
    target = sql("SELECT value FROM target g JOIN township t ON t.id = g.township_id"
                 " WHERE t.level = 'district' AND g.indicator_code = 'aging_retrofit_households' AND g.year = 2025")
    done = district_ytd(sql, "aging_retrofit_households")
    bar = next(p for p in at.progress if "居家适老化改造户数" in p.proto.text and p.proto.text.startswith("黔江区"))
    assert f"年度目标 {target:,.0f}户" in bar.proto.text
    assert f"截至2025年6月完成 {done:,.0f}户" in bar.proto.text
    assert f"完成率 **{done / target * 100:.1f}%**" in bar.proto.text
    assert bar.value == int(done / target * 100)
    # Township targets of the six 街道 are listed too (in an expander under the district targets).
    assert sum("街道" in p.proto.text for p in at.progress) == 6


@pytest.mark.timeout(120)
def test_choosing_an_earlier_month_recomputes(app, sql, cards, fmt_value, clean):
    at = app()
    at.selectbox(key="period").set_value("2025-05").run()
    clean(at)
    shown = cards(at)
    assert shown["城市低保人数"].value == fmt_value(district_month(sql, "dibao_urban_persons", "2025-05-01"), "人")
    funds = shown["城市低保资金支出"]
    assert funds.value == fmt_value(district_ytd(sql, "dibao_urban_funds", "2025-05-01"), "元")
    assert "1-5月累计" in funds.text
    status = next(m.value for m in at.markdown if "已报送" in m.value)
    assert "**2025年5月**" in status and "**30/30**" in status and "未报送" not in status


@pytest.mark.timeout(120)
def test_month_in_url_opens_that_month(app, sql, cards, fmt_value, clean):
    # Streamlit binds a selectbox to the URL by its shown label, so the link reads ?period=2025年1月.
    at = app(period="2025年1月")
    clean(at)
    assert at.selectbox(key="period").value == "2025-01"
    funds = cards(at)["城市低保资金支出"]
    # January: the year-to-date figure is the month's own and the note says 1月累计.
    assert funds.value == fmt_value(district_month(sql, "dibao_urban_funds", "2025-01-01"), "元")
    assert "1月累计" in funds.text and "1-1月" not in funds.text


def test_past_twelve_township_targets_the_furthest_behind_are_drawn_and_the_rest_summed_up(real_app, real_env, clean):
    """A province sets hundreds of township targets: 总览 draws the 12 with the lowest 完成率 (one with no figure yet
    first) and says where the others stand, rather than hundreds of bars."""
    import duckdb  # noqa: PLC0415

    con = duckdb.connect(str(real_env))
    stock = con.execute("SELECT t.name, t.id, f.value FROM v_fact f JOIN township t ON t.name = f.township"
                        " WHERE f.indicator_code = 'dibao_urban_persons' AND f.period = '2025-06-01'"
                        " ORDER BY t.sort_order").fetchall()
    con.execute("DELETE FROM target WHERE year = 2025 AND township_id <> (SELECT id FROM township WHERE level = 'district')")
    # Each township's target is its June value × (1 + k/10): 完成率 1/(1 + k/10), the k-th lowest k-th from last.
    for k, (_, town_id, value) in enumerate(stock):
        con.execute("INSERT INTO target VALUES ('dibao_urban_persons', ?, 2025, ?, NULL)", [town_id, value * (1 + k / 10)])
    lagging = con.execute("SELECT id FROM township WHERE name = '新华乡'").fetchone()[0]  # not reported in June
    con.execute("INSERT INTO target VALUES ('dibao_rural_persons', ?, 2025, 100, NULL)", [lagging])
    con.close()
    at = real_app()
    clean(at)
    (expander,) = [e for e in at.expander if e.label.startswith("乡镇（街道）目标")]
    assert expander.label == f"乡镇（街道）目标（{len(stock) + 1}项）"
    bars = [p.proto.text for p in expander.get("progress")]
    assert len(bars) == 12
    assert bars[0].startswith("新华乡 农村低保人数") and "尚无完成数" in bars[0]
    expected = [name for name, _, _ in stock][::-1][:11]  # the largest k: the lowest rate
    assert [b.split(" ")[0] for b in bars[1:]] == expected
    rest = len(stock) - 11
    lowest_rest = 1 / (1 + (len(stock) - 12) / 10) * 100
    assert [c.value for c in expander.caption] == [f"共{len(stock) + 1}项，以上为完成率最低的12项；其余{rest}项完成率均不低于"
                                                   f"{lowest_rest:.1f}%。"]
