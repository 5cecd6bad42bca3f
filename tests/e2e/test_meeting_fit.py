"""会议模式 on the projectors of real meeting rooms: every slide fits 1920×1080, 1366×768 and 1024×768 without scrolling
and without anything cut off; ←/→ and a clicker's PageUp/PageDown page; the dark theme for dim rooms keeps paging dark.

The slides of the demo (ending 2025-06) are the default sequence's seven; their titles say 当月 or 1-N月累计."""

from __future__ import annotations

import pytest

from tests.app.test_app_meeting import TITLES  # the demo's seven slides, as AppTest reads them
from tests.e2e.conftest import SCREENSHOTS, TRUNCATED_VALUES

pytestmark = pytest.mark.timeout(600)

CHART_SLIDES = {2, 3, 4, 6}
CHARTS = '[data-testid="stPlotlyChart"]'
ROOMS = {"1920x1080": (1920, 1080), "1366x768": (1366, 768), "1024x768": (1024, 768)}

# Everything a slide shows, as boxes: the title, the stamp, each chart, card, progress bar, text block and the
# paging buttons; with the page's scroll height and the window's size.
MEASURE = """(charts) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const parts = [...main.querySelectorAll(
      '.civdash-slide-title, .civdash-meeting-stamp, .civdash-meeting-pager, ' + charts + ', ' +
      '[data-testid="stMetric"], [data-testid="stProgress"], [data-testid="stMarkdownContainer"] h3, ' +
      '[data-testid="stMarkdownContainer"] h4, .st-key-meeting_back button, .st-key-meeting_forward button')]
    .filter(e => e.offsetParent !== null)
    .map(e => { const r = e.getBoundingClientRect();
                return {what: (e.className || e.tagName).toString().slice(0, 60) + ' ' + e.innerText.slice(0, 30),
                        top: r.top, bottom: r.bottom, left: r.left, right: r.right}; });
  return {scroll: document.scrollingElement.scrollHeight, main: main.scrollHeight, mainView: main.clientHeight,
          width: innerWidth, height: innerHeight, parts};
}"""


def open_slide(page, server, h, n: int, extra: str = "") -> None:
    h.open(page, server, f"/?meeting=1&slide={n}{extra}", text=f"{n} / {len(TITLES)}")
    if n in CHART_SLIDES:
        page.wait_for_function("(sel) => [...document.querySelectorAll(sel)].some(e => e.offsetHeight > 100)",
                               arg=CHARTS)
    page.wait_for_timeout(400)  # charts settle on their size
    h.wait(page)


def cut_off(found: dict) -> list[str]:
    """What lies outside the window: a part whose box ends below or right of it, or starts above or left of it."""
    return [f"{p['what']!r} {p['top']:.0f}-{p['bottom']:.0f} × {p['left']:.0f}-{p['right']:.0f}"
            for p in found["parts"]
            if p["bottom"] > found["height"] + 1 or p["right"] > found["width"] + 1 or p["top"] < -1 or p["left"] < -1]


@pytest.mark.parametrize("room", list(ROOMS))
def test_every_slide_fits_the_projector(new_page, server, app_helpers, room):
    h = app_helpers
    width, height = ROOMS[room]
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    for n, title in enumerate(TITLES, start=1):
        open_slide(page, server, h, n)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"meeting-fit-{n}-{room}.png"))
        assert page.locator(".civdash-slide-title").inner_text() == title
        assert "数据截至2025年6月" in page.locator(".civdash-meeting-stamp").inner_text()
        found = page.evaluate(MEASURE, CHARTS)
        assert found["width"] == width and found["height"] == height
        assert found["scroll"] <= height, (n, found["scroll"])
        assert found["main"] <= found["mainView"] + 1, (n, found["main"], found["mainView"])
        assert cut_off(found) == [], n
        kinds = {p["what"].split(" ")[0] for p in found["parts"]}
        assert any("civdash-slide-title" in k for k in kinds) and any("civdash-meeting-stamp" in k for k in kinds)
        if n in CHART_SLIDES:
            charts = [p for p in found["parts"] if "Chart" in p["what"] or "chart" in p["what"]]
            assert charts and all(p["bottom"] - p["top"] > 200 for p in charts), (n, charts)
        assert page.evaluate(TRUNCATED_VALUES) == [], n
        h.no_errors(page)


def title(page) -> str:
    return page.locator(".civdash-slide-title").inner_text()


def press(page, h, key: str, n: int) -> None:
    page.keyboard.press(key)
    page.get_by_text(f"{n} / {len(TITLES)}").wait_for()
    page.wait_for_function("(n) => new URLSearchParams(location.search).get('slide') === String(n)", arg=n)
    h.wait(page)


def test_clicker_and_arrow_keys_page(page, server, app_helpers):
    """A presentation clicker sends PageDown/PageUp; a keyboard ←/→. Both page, and the title follows."""
    h = app_helpers
    open_slide(page, server, h, 1)
    assert title(page) == TITLES[0]
    press(page, h, "PageDown", 2)
    assert title(page) == TITLES[1]
    press(page, h, "ArrowRight", 3)
    assert title(page) == TITLES[2]
    press(page, h, "PageUp", 2)
    assert title(page) == TITLES[1]
    press(page, h, "ArrowLeft", 1)
    assert title(page) == TITLES[0]
    h.no_errors(page)


def background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor")


def luminance(rgb: str) -> float:
    r, g, b = (int(v) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_theme_for_dim_rooms(page, server, app_helpers):
    """The slide's link opens it in Streamlit's dark theme; paging keeps it dark; the stamp reads bright on it."""
    h = app_helpers
    open_slide(page, server, h, 2)
    assert luminance(background(page)) > 200
    page.get_by_role("link", name="深色显示（暗室）").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('embed_options') === 'dark_theme'")
    h.wait(page, "2 / 7")
    assert luminance(background(page)) < 60
    assert title(page) == TITLES[1]
    stamp = page.locator(".civdash-meeting-stamp")
    assert "数据截至2025年6月" in stamp.inner_text()
    assert luminance(stamp.evaluate("e => getComputedStyle(e).color")) > 200
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "meeting-dark-2-1920x1080.png"))
    press(page, h, "ArrowRight", 3)
    assert title(page) == TITLES[2] and luminance(background(page)) < 60
    assert "embed_options=dark_theme" in page.url
    page.screenshot(path=str(SCREENSHOTS / "meeting-dark-3-1920x1080.png"))
    assert page.get_by_role("link", name="浅色显示").count() == 1
    h.no_errors(page)
