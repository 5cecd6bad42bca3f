"""Saving a chart for a report or a slide, in real headless Chromium: the file is named for what the chart shows
and drawn at twice its size on screen (sharp on a projector and in Word).

The toolbar's "Download as PNG" is Streamlit's; ui/charts.py names its file from the chart's ``alt``.
"""

from __future__ import annotations

import struct

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.timeout(240)

CHART_CONTAINER = '[data-testid="stElementContainer"]:has([data-testid="stVegaLiteChart"])'


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def save_chart(page, nth: int, name: str, screenshot: str | None = None) -> tuple[bytes, dict]:
    """Hover the nth chart, click its toolbar's PNG button (labelled with the chart's name), return the saved
    file's bytes and the chart's drawn box; the file must be called ``name``.png."""
    container = page.locator(CHART_CONTAINER).nth(nth)
    container.scroll_into_view_if_needed()
    chart = container.locator('[data-testid="stVegaLiteChart"]')
    drawn = chart.locator("svg.marks, canvas").first.bounding_box()
    chart.hover()
    button = container.locator(f'button[aria-label="Download as PNG: {name.replace("_", " ")}"]')
    button.wait_for(state="visible")
    if screenshot:
        button.hover()
        page.wait_for_timeout(1300)  # Streamlit shows a toolbar tooltip after a second
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / screenshot))
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"{name}.png"
    if screenshot:
        download.save_as(SCREENSHOTS / f"saved-{name}.png")  # to look at beside the screenshot
    return download.path().read_bytes(), drawn


def test_statistician_saves_trend_charts_for_a_report(page, server, app_helpers):
    h = app_helpers
    h.open(page, server, "/trend", text="范围：")
    assert h.charts(page, minimum=2) == 2
    data, drawn = save_chart(page, 0, "城市低保人数、农村低保人数_趋势_2022年7月-2025年6月",
                             screenshot="chart-image-toolbar-1920x1080.png")
    width, height = png_size(data)
    assert drawn["width"] > 1000  # a full-width chart at 1920×1080
    assert (width, height) == (round(2 * drawn["width"]), round(2 * drawn["height"]))
    # The second chart gets its own name, not the first one's.
    data, drawn = save_chart(page, 1, "城市低保人数_今年与去年逐月对比_2024年1月-2025年6月")
    assert png_size(data) == (round(2 * drawn["width"]), round(2 * drawn["height"]))
    h.no_errors(page)


def test_leader_saves_ranking_slide(page, server, app_helpers):
    h = app_helpers
    h.open(page, server, "/?meeting=1&slide=4", text="农村低保人数乡镇排名")
    assert h.charts(page, minimum=1) == 1
    data, drawn = save_chart(page, 0, "农村低保人数_乡镇排名_2025年6月")
    assert png_size(data) == (round(2 * drawn["width"]), round(2 * drawn["height"]))
    h.no_errors(page)
