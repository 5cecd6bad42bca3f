"""What a bureau leader does with the dashboard, in real headless Chromium against a running server."""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.timeout(240)

JUNE = "2025-06-01"


def district_month(sql, code: str, period: str = JUNE) -> float:
    return sql("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND period = ?::DATE", code, period)


def metric_card(scope, name: str):
    """The metric in ``scope`` (a page or a locator) labelled ``name`` (or ``name（…累计）``)."""
    root = getattr(scope, "page", scope)  # ``has`` needs a locator relative to the page
    label = root.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(rf"^\s*{name}(（.*累计）)?\s*$"))
    return scope.locator('[data-testid="stMetric"]').filter(has=label).first


def number(cell: str) -> float:
    """A grid cell as a number (the grid's accessible table may omit the thousands separators it draws)."""
    return float(cell.replace(",", ""))


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_leader_sees_overview_figures(page, server, sql, app_helpers):
    h = app_helpers
    h.open(page, server, "/", text="城市低保人数")
    persons = district_month(sql, "dibao_urban_persons")
    card = metric_card(page, "城市低保人数")
    assert card.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{persons:,.0f}人"
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                " AND period BETWEEN '2025-01-01' AND ?::DATE", JUNE)
    card = metric_card(page, "城市低保资金支出")
    assert card.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{funds / 1e4:,.2f}万元"
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "数据截至2025年6月" in body
    assert "29/30" in body
    assert "城南街道" in body and "中塘镇" in body and "新华乡" in body
    assert "年度目标完成情况" in body and page.locator('[data-testid="stProgress"]').count() >= 2
    sparklines = page.locator('[data-testid="stMain"] svg[role="img"]')
    assert sparklines.count() == 29 and sparklines.first.bounding_box()["height"] > 20  # one per card
    h.no_errors(page)
    h.shot(page, "overview")


def test_no_decline_is_read_aloud_because_a_township_has_not_reported(page, server, sql, app_helpers):
    """新华乡 has not reported June. On 总览 every card says its figure lacks 新华乡, and its changes compare the same
    townships (社区APP注册用户数 rises against May without 新华乡, where against the district's May it would fall by
    hundreds); in the month's 汇报材料 no change is stated without saying so, and the same rise is written."""
    h = app_helpers
    h.open(page, server, "/", text="城市低保人数")
    closed = page.locator('[data-testid="stExpander"] details:not([open]) summary').filter(has_text="项，数据不全")
    assert closed.count() == 6  # 社会救助 is open; the leader opens the other categories
    while closed.count():
        closed.first.click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length === 29")
    texts = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-testid="stMetric"]')].map(
        m => [m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(), m.parentElement.parentElement.innerText]))""")
    assert len(texts) == 29
    # every figure lacks 新华乡, so every category says it once above its cards
    categories = page.locator('[data-testid="stExpander"] summary').filter(has_text="项，数据不全").count()
    marks = page.locator('[data-testid="stCaptionContainer"]').filter(
        has_text=re.compile(r"^以下各项数据不全（新华乡未报送），增减按同口径计算$"))
    assert categories == 7 and marks.count() == categories
    june = district_month(sql, "app_registered_users")
    may = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'app_registered_users' AND period = '2025-05-01'"
              " AND township <> '新华乡'")
    everyone_may = district_month(sql, "app_registered_users", "2025-05-01")
    assert june > may and june < everyone_may  # like for like a rise; against everyone's May a fall
    assert f"环比 +{(june - may) / may * 100:.1f}%" in texts["社区APP注册用户数"]
    h.shot(page, "overview-incomplete")

    h.open(page, server, "/report?r_kind=月度", text="民政工作主要数据")
    report = page.locator('[data-testid="stCode"]').inner_text()
    assert "黔江区民政工作主要数据（2025年6月）" in report
    sentences = [s for s in report.split("。") if re.search(r"较上月|环比|同比", s)]
    assert len(sentences) >= 10
    assert [s for s in sentences if "增减按同口径计算" not in s] == []
    assert f"社区APP注册用户数达到{june:.0f}人，较上月增加{june - may:.0f}人" in report
    assert "注：2025年6月新华乡未报送数据" in report
    h.no_errors(page)
    h.shot(page, "report-incomplete")


def test_leader_explores_trend(page, server, sql, app_helpers):
    h = app_helpers
    months = [p for (p,) in sql.con.execute("SELECT DISTINCT period FROM v_fact ORDER BY period").fetchall()][-36:]
    start = months[0]  # the page opens on the latest 36 months
    h.open(page, server, "/trend", text="范围：")
    h.charts(page, minimum=2)
    h.cell(page, f"{start.year}年{start.month}月")
    assert h.headers(page)[:3] == ["时期", "城市低保人数（人）", "农村低保人数（人）"]  # in the order chosen
    first = h.rows(page)[0]
    rural = district_month(sql, "dibao_rural_persons", str(start))
    urban = district_month(sql, "dibao_urban_persons", str(start))
    assert first[0] == f"{start.year}年{start.month}月"
    assert (number(first[1]), number(first[2])) == (urban, rural)
    h.no_errors(page)
    h.shot(page, "trend-month")

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("radio", name="季", exact=True).click()
    page.get_by_text("2025年第2季度").first.wait_for()
    h.wait(page)
    quarter = (start.month - 1) // 3 + 1
    h.cell(page, f"{start.year}年第{quarter}季度")
    assert query(page)["grain"] == ["季"]
    assert sidebar.get_by_role("radio", name="季", exact=True).get_attribute("aria-checked") == "true"
    rows = h.rows(page)
    assert rows[0][0] == f"{start.year}年第{quarter}季度"
    last = f"{start.year}-{quarter * 3:02d}-01"  # a stock: the quarter's last month
    assert number(rows[0][1]) == district_month(sql, "dibao_urban_persons", last)
    h.charts(page, minimum=2)
    h.no_errors(page)
    h.shot(page, "trend-quarter")


def test_leader_compares_townships(page, server, sql, app_helpers):
    h = app_helpers
    h.open(page, server, "/compare", text="乡镇排名")
    h.charts(page, minimum=1)
    top, value = sql.con.execute(
        "SELECT township, value FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND period = ?::DATE"
        " ORDER BY value DESC LIMIT 1", [JUNE]).fetchone()
    h.cell(page, top)
    assert h.headers(page)[:4] == ["排名", "乡镇（街道）", "区划代码", "农村低保人数（人）"]
    first = h.rows(page)[0]
    assert first[:2] == ["1", top] and number(first[3]) == value
    # The ranking chart names the top township on its axis.
    names = page.locator(".js-plotly-plot").first.locator(".ytick text").evaluate_all(
        "ts => ts.map(t => [t.getBoundingClientRect().top, t.textContent]).sort((a, b) => a[0] - b[0])")
    assert names[0][1] == top  # the first bar, at the top
    h.no_errors(page)
    h.shot(page, "compare-ranking")

    page.get_by_role("tab", name="逐月热力图").click()
    page.get_by_text("乡镇逐月（2024年7月—2025年6月）").wait_for()
    h.charts(page, minimum=1)
    h.no_errors(page)
    towns = [t for (t,) in sql.con.execute("SELECT name FROM township WHERE level = 'township'").fetchall()]
    shown = h.axis_labels(page)
    assert [t for t in towns if t not in shown] == [], "every township row of the heatmap is named"
    h.shot(page, "compare-heatmap")

    page.get_by_role("tab", name="人均指标").click()
    page.get_by_text("全区平均").first.wait_for()
    h.charts(page, minimum=1)
    h.shot(page, "compare-per-person")

    page.get_by_role("tab", name="乡镇画像").click()
    panel = page.get_by_role("tabpanel", name="乡镇画像")
    panel.locator('[data-testid="stSelectbox"]').click()
    page.get_by_role("option", name="城南街道", exact=True).click()
    page.get_by_text("城南街道 全部指标（2025年6月）").wait_for()
    h.wait(page)
    persons = sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND township = '城南街道'"
                  " AND period = ?::DATE", JUNE)
    card = metric_card(panel, "城市低保人数")
    assert card.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{persons:,.0f}人"
    h.no_errors(page)
    h.shot(page, "compare-profile")


def test_leader_opens_meeting_mode(page, server, sql, app_helpers):
    h = app_helpers
    h.open(page, server, "/?meeting=1", text="1 / 7")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.count() == 0 or not sidebar.is_visible()
    title = page.locator(".civdash-slide-title")
    assert title.inner_text() == "核心指标（2025年6月当月 · 1-6月累计）"
    size = float(title.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size >= 40, size  # 2.6vw at 1920 wide
    assert "数据截至2025年6月" in page.locator(".civdash-meeting-stamp").inner_text()
    assert page.locator('[data-testid="stMain"] svg[role="img"]:visible').count() == 6  # the six cards' lines
    h.no_errors(page)
    h.shot(page, "meeting-1")

    page.keyboard.press("ArrowRight")  # no click first: a click leaves a focus frame in the screenshots
    page.get_by_text("2 / 7").wait_for()
    page.wait_for_function("() => new URLSearchParams(location.search).get('slide') === '2'")
    h.wait(page)
    assert query(page)["slide"] == ["2"] and query(page)["meeting"] == ["1"]
    assert title.inner_text() == "城市低保人数、农村低保人数走势（近24个月，各月当月数）"
    h.charts(page, minimum=1)
    h.no_errors(page)
    h.shot(page, "meeting-2")

    for n in range(3, 8):
        page.keyboard.press("ArrowRight")
        page.get_by_text(f"{n} / 7").wait_for()
        h.wait(page)
        if n in (3, 4, 6):
            h.charts(page, minimum=1)
        if n == 4:  # the ranking names the first 15 of the townships that reported (新华乡 has not), largest first
            first = [t for (t,) in sql.con.execute(
                "SELECT township FROM v_fact WHERE period = '2025-06-01' AND indicator_code = 'dibao_rural_persons'"
                " ORDER BY value DESC, township LIMIT 15").fetchall()]
            shown = h.axis_labels(page)
            assert [t for t in first if t not in shown] == []
            assert title.inner_text() == "农村低保人数乡镇排名前15名（2025年6月当月，共29个乡镇）"
        h.no_errors(page)
        h.shot(page, f"meeting-{n}")
    assert title.inner_text() == "重点关注（2025年6月当月）"
    page.keyboard.press("ArrowLeft")
    page.get_by_text("6 / 7").wait_for()
    assert query(page)["slide"] == ["6"]


def test_link_reopens_same_view(new_page, server, sql, app_helpers):
    h = app_helpers
    start = [p for (p,) in sql.con.execute("SELECT DISTINCT period FROM v_fact ORDER BY period").fetchall()][-36]
    first_quarter = f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    page = new_page()
    h.open(page, server, "/trend", text="范围：")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("radio", name="季", exact=True).click()
    page.wait_for_function("() => location.search.includes('grain')")
    h.wait(page)
    sidebar.get_by_role("radio", name="累计", exact=True).click()
    page.wait_for_function("() => location.search.includes('mode')")
    h.wait(page)
    sidebar.locator('[data-testid="stMultiSelect"]').nth(1).click()
    page.get_by_role("option", name="城南街道", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('towns')")
    page.get_by_text("范围：城南街道；流量指标为当年1月起累计数").wait_for()
    h.wait(page)
    h.cell(page, first_quarter)
    page.wait_for_timeout(1000)  # let the grid settle on the township's figures
    link = page.url
    before = h.rows(page)

    again = new_page()  # a colleague opening the shared link
    h.open(again, server, link.replace(server, ""), text="范围：城南街道；流量指标为当年1月起累计数")
    h.cell(again, first_quarter)
    again.wait_for_timeout(1000)
    side = again.locator('[data-testid="stSidebar"]')
    assert side.get_by_role("radio", name="季", exact=True).get_attribute("aria-checked") == "true"
    assert side.get_by_role("radio", name="累计", exact=True).get_attribute("aria-checked") == "true"
    assert "城南街道" in side.locator('[data-testid="stMultiSelect"]').nth(1).inner_text()
    assert h.rows(again) == before and before[0][0] == first_quarter
    h.charts(again, minimum=2)
    h.no_errors(again)
    h.shot(again, "trend-shared-link")


@pytest.mark.parametrize(("path", "text", "charts", "sparklines"), [
    pytest.param("/", "民政工作总览", 0, 14, id="overview"),  # 社会救助's cards: the other categories are closed
    pytest.param("/trend", "趋势分析", 2, 0, id="trend"),
    pytest.param("/compare", "乡镇对比", 1, 0, id="compare"),
    pytest.param("/meeting", "核心指标", 0, 6, id="meeting-page"),
    pytest.param("/?meeting=1&slide=4", "农村低保人数乡镇排名", 1, 0, id="meeting-link-slide4"),
])
def test_every_page_renders_without_errors(page, server, app_helpers, path, text, charts, sparklines):
    h = app_helpers
    h.open(page, server, path, text=text)
    if charts:
        assert h.charts(page, minimum=charts) >= charts
    lines = page.locator('[data-testid="stMain"] svg[role="img"]:visible')  # the cards' trend lines
    assert lines.count() == sparklines and all(lines.nth(k).bounding_box()["width"] > 100 for k in range(sparklines))
    h.no_errors(page)
    # Every Chinese heading has real glyphs: the CJK font is installed, so text is wider than tofu-free boxes.
    heading = page.locator("h1, .civdash-slide-title").first
    assert heading.bounding_box()["width"] > 60
    name = {"/": "page-overview", "/trend": "page-trend", "/compare": "page-compare", "/meeting": "page-meeting"}
    h.shot(page, name.get(path, "page-meeting-slide4"))


def test_shared_link_is_the_first_visit_after_a_server_start(browser, demo_snapshot, start_server, app_helpers,
                                                             tmp_path):
    """A link to a page opened before anyone visited the start page still gets the navigation and layout.

    (Streamlit's legacy ``pages/`` mode would run the page file alone: file names in the sidebar,
    narrow layout; ui.frame.require_navigation() prevents that.)
    """
    shutil.copyfile(demo_snapshot, tmp_path / "demo.duckdb")
    with start_server(tmp_path / "demo.duckdb", tmp_path) as url:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page = context.new_page()
        try:
            app_helpers.open(page, url, "/compare", text="乡镇排名")
            assert page.locator("h1").first.inner_text().strip() == "乡镇对比"
            page.locator('[data-testid="stSidebar"] a', has_text="登录").wait_for()
            links = page.locator('[data-testid="stSidebar"] a').all_inner_texts()
            # each link reads '<icon ligature>\n<title>'; the legacy mode would list dashboard and the file names.
            # Nobody is logged in: the analysis pages, then the link to log in.
            assert [text.strip().split("\n")[-1].strip() for text in links] == [
                "总览", "趋势分析", "乡镇对比", "会议模式", "数据查询", "问数", "汇报材料", "登录"]
            # wide layout: the main block uses most of the 1920 px window
            assert page.locator('[data-testid="stMainBlockContainer"]').bounding_box()["width"] > 1200
        finally:
            context.close()
