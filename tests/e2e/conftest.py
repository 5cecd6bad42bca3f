"""One Streamlit server for the session, real headless Chromium, and helpers a journey needs.

The server runs ``streamlit run serve.py`` (dashboard.py with the app's own routes) on a free port against a demo
database built here (ending 2025-06, so figures are deterministic); expected values come from SQL on a copy of that
file, since the server holds the original open.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
APP_TIMEOUT_MS = 60_000

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
BUSY = '[data-testid="stSpinner"], [data-testid="stSkeleton"], [data-testid="stStatusWidgetRunningIcon"]'
PLOTLY = ".js-plotly-plot"  # a chart plotly.js has drawn
CHART = (f'{PLOTLY} .svg-container, [data-testid="stMetricChart"] svg, [data-testid="stMetricChart"] canvas')
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# Metric values cut off with an ellipsis (a figure a leader cannot read), as their texts.
TRUNCATED_VALUES = """() => [...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricValue"] *')]
    .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def e2e_files(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> dict[str, Path]:
    """The server's own copy of the demo database (expected values come from ``sql`` on the snapshot)."""
    base = tmp_path_factory.mktemp("civdash-e2e")
    path = base / "demo.duckdb"
    shutil.copyfile(demo_snapshot, path)
    return {"base": base, "demo": path}


@contextmanager
def run_server(demo_path: Path, base: Path, real: Path | None = None, env: dict | None = None) -> Iterator[str]:
    """Run ``streamlit run serve.py`` (the dashboard as scripts/run.sh serves it) on a free port serving
    ``demo_path`` (or the bureau's database ``real`` once it exists); yield its base URL. ``env`` adds to or
    overrides the server's environment (the shared store's settings, for instance).

    The process is killed at the end, and its log must hold no traceback: a page that failed shows
    the user only a polite message, so the log is where a failure shows.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CIVDASH_DB": str(real or base / "no-real-db.duckdb"),
        "CIVDASH_DEMO_DB": str(demo_path),
        "CIVDASH_DEMO_UNTIL": "2025-06",
        "CIVDASH_GEOJSON": str(base / "no-townships.geojson"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **(env or {}),
    }
    log_path = base / f"streamlit-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after 60 s:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text
    assert "warm-up at start stopped" not in text, text  # ui/warm.py read 总览's figures while the server started


@pytest.fixture
def start_server() -> Callable[..., object]:
    """``with start_server(demo_path, base[, real]) as url:`` a fresh server of one's own."""
    return run_server


def mark_real(path: Path) -> None:
    """Mark a demo-built database as a bureau's own (the dashboard serves it, accounts and downloads apply)."""
    import duckdb  # noqa: PLC0415

    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
    finally:
        con.close()


def bureau_database(demo_snapshot: Path, tmp_path: Path) -> Path:
    """A writable bureau database in ``tmp_path``: the demo snapshot's data, marked real, with ``ACCOUNTS``."""

    from civdash.access import auth
    from civdash.store import db  # noqa: PLC0415

    real = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_snapshot, real)
    mark_real(real)
    con = db.connect(real)
    try:
        for name, (role, password) in ACCOUNTS.items():
            auth.add_user(con, name, role, password)
    finally:
        con.close()
    return real


@pytest.fixture
def bureau_server(e2e_files: dict[str, Path], demo_snapshot: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A server of this test's own on a writable bureau database (the demo snapshot's data, marked real):
    (base URL, database path). The server holds the file, so its contents are checked through the pages."""
    real = bureau_database(demo_snapshot, tmp_path)
    with run_server(e2e_files["demo"], tmp_path, real=real) as url:
        yield url, real


@pytest.fixture(scope="session")
def server(e2e_files: dict[str, Path]) -> Iterator[str]:
    """Base URL of the session's server."""
    with run_server(e2e_files["demo"], e2e_files["base"]) as url:
        yield url


@pytest.fixture(scope="session")
def browser(server: str) -> Iterator[object]:
    """Chromium; depends on ``server`` so that it closes before the server stops."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, server) -> Iterator[Callable[[], object]]:
    """``new_page()``: a fresh page (own context, zh-CN, 1920×1080) that records uncaught JS errors."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(APP_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda e: page.js_errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def wait_for_app(page, text: str | None = None) -> None:
    """Wait until the script has finished, nothing is loading, and ``text`` (if given) is visible."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=APP_TIMEOUT_MS)
    if text is not None:
        page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    page.wait_for_selector(READY, timeout=APP_TIMEOUT_MS)
    page.wait_for_function(
        """(busy) => [...document.querySelectorAll(busy)].every(e => !e.offsetParent)""",
        arg=BUSY, timeout=APP_TIMEOUT_MS)
    page.wait_for_selector(READY, timeout=APP_TIMEOUT_MS)


def open_app(page, server: str, path: str, text: str | None = None) -> None:
    page.goto(f"{server}{path}", wait_until="domcontentloaded")
    wait_for_app(page, text)


# The accounts of ``bureau_server``'s database: name → (role, password).
ACCOUNTS = {"李静": ("statistician", "correct horse 7"), "王主任": ("admin", "correct horse 8"),
            "张科长": ("viewer", "correct horse 9")}


def log_in(page, server: str, path: str, text: str | None = None, name: str = "李静") -> None:
    """Open ``path``; unless the browser is logged in already (its login cookie), follow the page's refusal to the
    login page, log in as ``name`` and wait for the page asked for (showing ``text``)."""
    open_app(page, server, path)
    # On a fresh server the first run of a page address restarts through dashboard.py (frame.require_navigation)
    # and the app is briefly idle in between: wait until the page says which it is (its refusal with the link to
    # log in, the sidebar's logged-in name, or the text asked for) before deciding whether to log in.
    page.wait_for_function("""(text) => {
        const main = document.querySelector('[data-testid="stMain"]')?.innerText || '';
        const side = document.querySelector('[data-testid="stSidebar"]')?.innerText || '';
        return main.includes('前往登录') || side.includes('当前用户') || (text !== null && main.includes(text));
    }""", arg=text, timeout=APP_TIMEOUT_MS)
    wait_for_app(page)
    if not page.get_by_role("link", name="前往登录").count():
        wait_for_app(page, text)
        return
    page.get_by_role("link", name="前往登录").click()
    wait_for_app(page, "密码")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(ACCOUNTS[name][1])
    page.get_by_role("button", name="登录").click()
    wait_for_app(page, text)


def wait_for_charts(page, minimum: int = 1) -> int:
    """Wait until at least ``minimum`` charts have drawn (plotly.js's plot area with a size); return how many."""
    page.wait_for_function(
        """([sel, n]) => [...document.querySelectorAll(sel)]
                .filter(e => e.getBoundingClientRect().width > 50 && e.getBoundingClientRect().height > 20).length >= n""",
        arg=[CHART, minimum], timeout=APP_TIMEOUT_MS)
    return page.locator(CHART).count()


def axis_labels(page) -> list[str]:
    """Axis labels plotly.js actually draws (it leaves out category labels that would not fit) in the visible
    charts."""
    return page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(c => c.getBoundingClientRect().width > 50)
        .flatMap(c => [...c.querySelectorAll('.xtick text, .ytick text')])
        .filter(t => getComputedStyle(t).opacity !== '0' && t.getBoundingClientRect().width > 0)
        .map(t => t.textContent)""")


def assert_no_errors(page) -> None:
    shown = page.locator(ERRORS)
    assert shown.count() == 0, shown.all_inner_texts()
    assert not page.js_errors, page.js_errors


def screenshot(page, name: str) -> list[Path]:
    """Save ``name`` at 1920×1080 and 1366×768 (the page is left at 1920×1080).

    At each size, no key figure may be cut off: a truncated '2,146.9…' is unreadable on a projector.
    """
    SCREENSHOTS.mkdir(exist_ok=True)
    saved, truncated = [], {}
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)  # let charts re-measure their container
        wait_for_app(page)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path))
        saved.append(path)
        if cut := page.evaluate(TRUNCATED_VALUES):
            truncated[label] = cut
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(300)
    assert not truncated, f"metric values cut off in {name}: {truncated}"
    return saved


def table_rows(page, nth: int = 0) -> list[list[str]]:
    """Visible body rows of the nth st.dataframe, read from the grid's accessible table."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(nth)
    grid.locator("table").first.wait_for(state="attached")
    rows = grid.locator("table tr").filter(has=page.locator("td"))
    return [[t.strip() for t in row.locator("td").all_inner_texts()] for row in rows.all()]


def wait_for_cell(page, text: str, nth: int = 0) -> None:
    """Wait until the nth st.dataframe shows a cell reading ``text`` (grids redraw after the script ends)."""
    page.wait_for_function(
        """([text, nth]) => {
            const grid = document.querySelectorAll('[data-testid="stDataFrame"]')[nth];
            return !!grid && [...grid.querySelectorAll('table td')].some(td => td.innerText.trim() === text);
        }""", arg=[text, nth], timeout=APP_TIMEOUT_MS)


def table_headers(page, nth: int = 0) -> list[str]:
    grid = page.locator('[data-testid="stDataFrame"]').nth(nth)
    grid.locator("table th").first.wait_for(state="attached")
    return [t.strip() for t in grid.locator("table th").all_inner_texts()]


def confirm_upload(page) -> None:
    """Click 确认保存 once it can be clicked (the page enables it after the last explanation or tick arrives), and
    wait for 已保存."""
    page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                           "b => b.innerText.trim() === '确认保存' && !b.disabled)", timeout=APP_TIMEOUT_MS)
    page.get_by_role("button", name="确认保存").click()
    wait_for_app(page, "已保存：第")  # the result (the caption under the page always says 已保存的批次)
    assert_no_errors(page)


def kept_explanation(page, server: str, where: str) -> list[str]:
    """The row of 导入记录's 核实说明 table (the newest batch) for the finding at ``where`` ('file › sheet › C3')."""
    log_in(page, server, "/history", text="导入记录")
    wait_for_app(page, "核实说明")
    grids = page.locator('[data-testid="stDataFrame"]')
    rows = [r for n in range(grids.count()) for r in table_rows(page, n) if where in r]
    assert rows, f"no explanation kept for {where}"
    return rows[0]


@pytest.fixture
def app_helpers():
    """The helpers as one object, so journeys need not import from conftest."""

    class Helpers:
        open = staticmethod(open_app)
        log_in = staticmethod(log_in)
        wait = staticmethod(wait_for_app)
        charts = staticmethod(wait_for_charts)
        no_errors = staticmethod(assert_no_errors)
        shot = staticmethod(screenshot)
        rows = staticmethod(table_rows)
        cell = staticmethod(wait_for_cell)
        axis_labels = staticmethod(axis_labels)
        headers = staticmethod(table_headers)
        confirm = staticmethod(confirm_upload)
        explanation = staticmethod(kept_explanation)

    return Helpers
