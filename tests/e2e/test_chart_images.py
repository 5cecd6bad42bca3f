"""Saving a chart for a report or a slide, in real headless Chromium: every chart is drawn by plotly.js, its
toolbar's 下载图片 saves a PNG named for what the chart shows, drawn at twice its size on screen (sharp on a
projector and in Word), and no chart asks the internet for anything (an intranet server has none).

The file name, scale and Chinese tooltips come from the Plotly config ui/charts.py gives every chart.
"""

from __future__ import annotations

import json
import shutil
import struct

import pytest

from tests.e2e.conftest import SCREENSHOTS
from ui.charts import ZH_CN

pytestmark = pytest.mark.timeout(300)

CHART = '[data-testid="stPlotlyChart"]'
DOWNLOAD = f'.modebar-btn[data-title="{ZH_CN["dictionary"]["Download plot as a PNG"]}"]'
RESET = {"还原"}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def offline(page) -> list[str]:
    """Record every request leaving the dashboard's own server; the list fills as the page runs."""
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    return outside


def every_chart_is_plotly(page) -> int:
    """The page's charts are all plotly.js plots; no Vega chart is left. Returns how many."""
    charts = page.locator(CHART)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0
    for i in range(charts.count()):
        assert charts.nth(i).locator(".js-plotly-plot").count() == 1
    return charts.count()


def save_chart(page, nth: int, name: str, screenshot: str | None = None) -> tuple[bytes, dict]:
    """Hover the nth chart, click its toolbar's 下载图片, return the saved file's bytes and the plot's drawn box;
    the file must be called ``name``.png. The toolbar holds 下载图片 and 还原 only: no logo, no other tools."""
    chart = page.locator(CHART).nth(nth)
    chart.scroll_into_view_if_needed()
    plot = chart.locator(".js-plotly-plot")
    drawn = plot.locator(".main-svg").first.bounding_box()
    plot.hover()
    button = plot.locator(DOWNLOAD)
    button.wait_for(state="visible")
    titles = plot.locator(".modebar-btn").evaluate_all("bs => bs.map(b => b.getAttribute('data-title'))")
    assert len(titles) == 2 and set(titles) - RESET == {ZH_CN["dictionary"]["Download plot as a PNG"]}, titles
    assert plot.locator(".modebar-btn--logo, a[href*='plotly.com']").count() == 0
    if screenshot:
        button.hover()
        page.wait_for_timeout(600)  # plotly.js shows the button's title as a tooltip on hover
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / screenshot))
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"{name}.png"
    if screenshot:
        download.save_as(SCREENSHOTS / f"saved-{name}.png")  # to look at beside the screenshot
    return download.path().read_bytes(), drawn


def at_twice_the_size(data: bytes, drawn: dict) -> None:
    assert png_size(data) == (round(2 * drawn["width"]), round(2 * drawn["height"]))


def test_statistician_saves_trend_charts_for_a_report(page, server, app_helpers):
    outside = offline(page)
    h = app_helpers
    h.open(page, server, "/trend", text="范围：")
    assert h.charts(page, minimum=2) == 2
    assert every_chart_is_plotly(page) == 2
    # Axis and legend text as drawn at 1920×1080: the CJK font at 16 px or more.
    fonts = page.evaluate("""() => [...document.querySelectorAll(
            '.js-plotly-plot .xtick text, .js-plotly-plot .ytick text, .js-plotly-plot .legendtext')]
        .map(t => [getComputedStyle(t).fontFamily, parseFloat(getComputedStyle(t).fontSize)])""")
    assert fonts and all("Noto Sans CJK SC" in family and size >= 16 for family, size in fonts), fonts
    data, drawn = save_chart(page, 0, "城市低保人数、农村低保人数_趋势_2022年7月-2025年6月",
                             screenshot="chart-image-toolbar-1920x1080.png")
    assert drawn["width"] > 1000  # a full-width chart at 1920×1080
    at_twice_the_size(data, drawn)
    # The second chart gets its own name, not the first one's.
    data, drawn = save_chart(page, 1, "城市低保人数_今年与去年逐月对比_2024年1月-2025年6月")
    at_twice_the_size(data, drawn)
    h.no_errors(page)
    assert outside == []


def test_leader_saves_every_comparison_chart(page, start_server, demo_snapshot, sql, tmp_path, app_helpers):
    """乡镇对比 with township boundaries: ranking, map, heatmap and per-person ranking, each saved under its name;
    the map drawn from the bureau's GeoJSON alone, with no basemap fetched from anywhere."""
    geojson = tmp_path / "townships.geojson"
    geojson.write_text(json.dumps(squares(sql)), encoding="utf-8")
    demo = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_snapshot, demo)
    outside = offline(page)
    maps: list[tuple[str, int]] = []  # plotly.js asks for a world map with every choropleth: ours, empty
    page.on("response", lambda r: maps.append((r.url, r.status)) if "world_" in r.url else None)
    h = app_helpers
    with start_server(demo, tmp_path, env={"CIVDASH_GEOJSON": str(geojson)}) as url:
        h.open(page, url, "/compare", text="乡镇排名")
        # ranking and map on the first tab; the heatmap and the per-person ranking on theirs, sent and drawn only
        # when their tab opens (only the open tab runs)
        h.charts(page, minimum=2)
        assert every_chart_is_plotly(page) == 2
        page.locator(".js-plotly-plot .choroplethlayer path").first.wait_for()
        assert page.locator(".js-plotly-plot .choroplethlayer path").count() == 30  # every township drawn
        for nth, name in ((0, "农村低保人数_乡镇排名_2025年6月"), (1, "农村低保人数_乡镇分布图_2025年6月")):
            data, drawn = save_chart(page, nth, name)
            at_twice_the_size(data, drawn)
        for tab, name in (("逐月热力图", "农村低保人数_乡镇逐月热力图_2024年7月-2025年6月"),
                          ("人均指标", "城市低保月人均补助_乡镇排名_2025年6月")):
            page.get_by_role("tab", name=tab).click()
            panel = page.locator('[role="tabpanel"]:visible')
            panel.locator(".js-plotly-plot .svg-container").first.wait_for()
            nth = [page.locator(CHART).nth(i).is_visible() for i in range(page.locator(CHART).count())].index(True)
            data, drawn = save_chart(page, nth, name)
            at_twice_the_size(data, drawn)
        h.no_errors(page)
        assert maps and all(u.startswith(f"{url}/civdash/geo/") and status == 200 for u, status in maps), maps
    assert outside == []


def test_leader_saves_ranking_slide(page, server, app_helpers):
    h = app_helpers
    h.open(page, server, "/?meeting=1&slide=4", text="农村低保人数乡镇排名")
    assert h.charts(page, minimum=1) == 1
    data, drawn = save_chart(page, 0, "农村低保人数_乡镇排名_2025年6月")
    at_twice_the_size(data, drawn)
    h.no_errors(page)


def squares(sql) -> dict:
    """A square of boundary for each township of the demo, in a 6 × 5 grid (RFC 7946 winding, as GIS tools write)."""
    names = [n for (n,) in sql.con.execute(
        "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order").fetchall()]
    features = []
    for k, name in enumerate(names):
        x, y = 108.7 + 0.05 * (k % 6), 29.5 - 0.05 * (k // 6)
        ring = [[x, y], [x + 0.05, y], [x + 0.05, y + 0.05], [x, y + 0.05], [x, y]]
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}
