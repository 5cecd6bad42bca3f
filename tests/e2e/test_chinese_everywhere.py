"""No English of Streamlit's own on any page: an administrator walks every page of dashboard.py's navigation (and an
address naming no page) and reads what a person sees — the visible text, the titles and tooltips of what can be
hovered, the file uploader's button and the text it shows while a file is dragged over it — against Streamlit's
built-in English texts for the elements the dashboard uses. And 总览's headline figures are above the fold."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.timeout(900)

# Taken from the installed Streamlit's frontend bundle (streamlit/static/static/js: index, FileUploader, utils (file
# chips), DataFrame, Toolbar, Selectbox, Multiselect, NumberInput, TextInput, InputInstructions, useCopyToClipboard),
# for the elements the dashboard uses. Matched as whole words, case-sensitive.
STREAMLIT_TEXTS = [
    # page not found, main menu and toolbar, status, sidebar
    "Page not found", "You have requested page", "does not seem to exist", "Running the app's main page",
    "Main menu", "Deploy", "Rerun", "Settings", "Print", "Record a screencast", "Stop recording", "Clear cache",
    "About", "Get help", "Report a bug", "Developer options", "Made with Streamlit", "Running...", "Stop",
    "Connecting", "Skip to main content", "Collapse sidebar", "Expand sidebar", "View less", "more",
    # file uploader and its file chips
    "Drag and drop", "Browse files", "Upload", "Add files", "per file", "Limit", "Remove", "Click to retry upload",
    "Error", "files are not allowed", "File is too large",
    # element toolbar over tables, charts and code
    "Download as CSV", "Download as PNG", "Download as SVG", "Show data", "Search", "Show/hide columns",
    "Fullscreen", "Close fullscreen", "Copy to clipboard", "Copied",
    # widgets
    "Choose an option", "Choose options", "No results", "No options", "Clear all", "Clear value", "Select all",
    "Press Enter", "Increment", "Decrement", "Show password", "Hide password", "No data", "Add row", "Delete row",
]
WORDS = re.compile("|".join(rf"(?<![A-Za-z]){re.escape(t)}(?![A-Za-z])" for t in STREAMLIT_TEXTS))

PAGES = {"/": "民政工作总览", "/trend": "趋势", "/compare": "乡镇", "/meeting": "核心指标", "/upload": "选择要上传的报表",
         "/progress": "报送", "/history": "导入记录", "/registry": "指标", "/query": "数据查询", "/report": "汇报",
         "/users": "账户", "/audit": "审计日志", "/ask?q=城东街道2025年6月城市低保人数是多少": "按以下理解作答",
         "/login": "登录"}

# What a person sees: text nodes that are drawn (a box, visible, a font size), icon ligatures left out (the icon font
# draws "dashboard" as an icon); ::before/::after content added; and the title of anything that can be hovered.
SEEN = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const e = n.parentElement;
        if (!e || !n.textContent.trim() || e.closest('[data-testid="stIconMaterial"], style, script')) continue;
        const s = getComputedStyle(e);
        if (!e.getClientRects().length || s.visibility !== 'visible' || parseFloat(s.fontSize) === 0) continue;
        out.push(n.textContent.trim());
    }
    for (const e of document.querySelectorAll('body *')) {
        if (!e.getClientRects().length) continue;
        for (const p of ['::before', '::after']) {
            const c = getComputedStyle(e, p).content;
            if (c && c !== 'none' && c !== 'normal' && c.startsWith('"')) out.push(c.slice(1, -1));
        }
        if (e.title) out.push(e.title);
    }
    return out;
}"""
# The aria-label of buttons whose label Streamlit also shows as a hover tooltip (element toolbars, the header).
HOVERED = """() => [...document.querySelectorAll(
        '[data-testid="stElementToolbarButton"] button, [data-testid="stToolbar"] button, [data-testid="stHeader"] button')]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility === 'visible')
    .map(e => e.getAttribute('aria-label') || '')"""


def english(page) -> list[str]:
    texts = page.evaluate(SEEN) + page.evaluate(HOVERED)
    return sorted({t for t in texts if WORDS.search(t)})


def test_an_administrator_sees_no_english_of_streamlit_on_any_page(bureau_server, page, app_helpers):
    h = app_helpers
    url, _ = bureau_server
    h.log_in(page, url, "/users", text="账户", name="王主任")
    found = {}
    for path, text in PAGES.items():
        page.goto(f"{url}{path}", wait_until="domcontentloaded")
        h.wait(page, text)
        page.evaluate("document.fonts.ready")
        for element in page.locator('[data-testid="stDataFrame"], [data-testid="stPlotlyChart"], '
                                    '[data-testid="stVegaLiteChart"], [data-testid="stCode"]').all()[:4]:
            if element.is_visible() and element.bounding_box()["height"] > 0:
                element.hover()  # a table's or chart's toolbar shows on hover
            found.setdefault(path, []).extend(english(page))
        found.setdefault(path, []).extend(english(page))
        if path == "/upload":
            # The uploader: its button, and the text it shows while a file is dragged over it.
            drop = page.locator('[data-testid="stFileUploaderDropzone"]')
            assert "选择文件" in page.evaluate(SEEN)
            transfer = page.evaluate_handle(
                "() => { const t = new DataTransfer(); t.items.add(new File(['a'], 'a.csv')); return t; }")
            drop.dispatch_event("dragenter", {"dataTransfer": transfer})
            drop.locator("> div:not([data-testid])").wait_for()  # the drag-over message
            assert "松开鼠标即可上传" in page.evaluate(SEEN)
            SCREENSHOTS.mkdir(exist_ok=True)
            drop.screenshot(path=str(SCREENSHOTS / "upload-dragging.png"))
            found[path].extend(english(page))
            drop.dispatch_event("dragleave", {"dataTransfer": transfer})
            assert "每个文件不超过50MB" in page.inner_text('[data-testid="stFileUploader"]')
            h.shot(page, "upload")
    found = {p: sorted(set(t)) for p, t in found.items() if t}
    assert not found, found
    assert not page.js_errors, page.js_errors


def test_an_address_naming_no_page_says_so_in_chinese(bureau_server, page, app_helpers):
    h = app_helpers
    url, _ = bureau_server
    h.open(page, url, "/nonexistent", text="页面不存在")
    main = page.inner_text('[data-testid="stMain"]')
    assert "您打开的地址“/nonexistent”不是看板中的页面" in main
    assert not english(page)
    assert page.locator('[role="dialog"]').count() == 0  # Streamlit's own notice is a dialog
    h.shot(page, "not-found")
    page.get_by_role("link", name="返回总览").click()
    h.wait(page, "民政工作总览")
    assert "民政工作总览" in page.inner_text('[data-testid="stMain"]')


def test_meeting_mode_at_its_own_address_with_meeting_1_opens_without_a_notice(bureau_server, page, app_helpers):
    """会议模式's hint says to add ?meeting=1 to the address: at /meeting that is /meeting?meeting=1, which opens the
    slides full-screen (no sidebar) with no English notice, as /?meeting=1 does."""
    h = app_helpers
    url, _ = bureau_server
    for address in ("/meeting?meeting=1", "/?meeting=1"):
        h.open(page, url, address, text="核心指标")
        page.get_by_text(re.compile(r"^1 / \d+")).first.wait_for()
        assert page.locator('[role="dialog"]').count() == 0  # Streamlit's "Page not found" is a dialog
        assert not english(page)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert "会议模式" not in page.inner_text('[data-testid="stMain"]')  # no hint: this is meeting mode already
    h.shot(page, "meeting-own-address")


def test_overview_headline_figures_are_above_the_fold(bureau_server, page, app_helpers):
    """At 1920×1080 and 1366×768 the first category's first row of cards (城市低保户数 …) is wholly on the first
    screen; every other category is one closed line; no figure is cut off."""
    h = app_helpers
    url, _ = bureau_server
    h.open(page, url, "/", text="民政工作总览")
    page.get_by_text("城市低保户数").first.wait_for()
    assert page.locator('[data-testid="stMetric"]').count() > 20
    closed = page.locator('[data-testid="stExpander"] details:not([open]) summary').all_inner_texts()
    assert [re.search(r"([\u4e00-\u9fff]+)（", t).group(1) for t in closed][:6] == [
        "儿童福利", "残疾人福利", "养老服务", "智慧民政", "基层治理", "婚姻登记"]
    for width, height in ((1920, 1080), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)
        first_row = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetric"]')].slice(0, 4)
            .map(e => [e.innerText.split('\\n')[0], e.getBoundingClientRect().bottom])""")
        assert [name for name, _ in first_row] == ["城市低保户数", "城市低保人数", "城市低保资金支出", "城市低保平均保障标准"]
        assert max(bottom for _, bottom in first_row) <= height, (width, first_row)
    h.shot(page, "overview")  # also fails if a figure is cut off at either size
