import json

from tests.e2e.test_chart_images import squares


def test_look(page, start_server, e2e_files, tmp_path, app_helpers):
    geojson = tmp_path / "townships.geojson"
    geojson.write_text(json.dumps(squares(e2e_files["demo"])), encoding="utf-8")
    h = app_helpers
    with start_server(e2e_files["demo"], e2e_files["base"], env={"CIVDASH_GEOJSON": str(geojson)}) as url:
        for w, hh in ((1920, 1080), (1366, 768)):
            page.set_viewport_size({"width": w, "height": hh})
            h.open(page, url, "/trend", text="范围：")
            h.charts(page, minimum=2)
            page.wait_for_timeout(800)
            page.screenshot(path=f"/tmp/look-trend-{w}.png")
            page.locator(".js-plotly-plot").nth(1).scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=f"/tmp/look-trend-yoy-{w}.png")
            h.open(page, url, "/compare", text="乡镇排名")
            h.charts(page, minimum=2)
            page.wait_for_timeout(800)
            page.screenshot(path=f"/tmp/look-compare-{w}.png")
            page.locator(".js-plotly-plot").nth(1).scroll_into_view_if_needed()
            page.wait_for_timeout(800)
            page.screenshot(path=f"/tmp/look-compare-map-{w}.png")
        page.set_viewport_size({"width": 1920, "height": 1080})
        for s in (2, 3, 4):
            h.open(page, url, f"/?meeting=1&slide={s}", text="/ 7")
            h.charts(page, minimum=1)
            page.wait_for_timeout(800)
            page.screenshot(path=f"/tmp/look-meeting-{s}.png")
