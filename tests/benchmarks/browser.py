"""Page speed in a real browser, as ratios to what Streamlit itself costs (the floor), measured in one run.

Three (or four) apps are served by ``streamlit run`` on this machine, one after another in each round, and opened in
headless Chromium at 1920×1080:

- **floor**: ``tests/benchmarks/floor/app.py``: navigation and a title; its chart page is one Plotly chart drawn from
  constants;
- **cards**: the same app with ``FLOOR_CARDS=1``: 总览 also draws 29 key-figure cards from constants, as civdash
  draws them (what the cards cost, without civdash's data work);
- **civdash**: ``serve.py`` (as ``scripts/run.sh`` serves it) on a copy of the province database (1,500 townships ×
  10 years, ``tests/benchmarks/province.py``; cached);
- with ``--before REV``, **civdash REV**: the same database served by the code of an earlier commit (exported with
  ``git archive`` into a temporary folder, the same virtual environment), so today's and the new figures come
  from one run on one machine.

Each round, for each app: the server is started (time zero: the process is launched) and a first visitor opens the
address as soon as the server answers (*start → 总览 rendered*); a second visitor, in a new browser context (a new
Streamlit session, nothing in the browser's cache), opens 总览 (*second visitor's 总览*); in that tab it clicks
趋势分析 (*first click*: the browser session's first Plotly chart), goes back to 总览, clicks 趋势分析 again (*the same
click again*); civdash's other pages are then opened once and again (*warm switch*: the second time).

A page is rendered when its script has finished, its title is shown, nothing is loading or greyed out as stale,
every visible Plotly chart has drawn, and every metric card's value is there. Medians over ``--rounds`` rounds;
the ratios are civdash ÷ floor of the same round's medians. Nothing is asserted about time: the script prints the
figures (and a JSON file with ``--json``). It exits 1 when a page shows an error or a JavaScript error.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.browser                         # province database, 3 rounds (~6 min)
    .venv/bin/python -m tests.benchmarks.browser --before dd179be        # today's code beside the new
    .venv/bin/python -m tests.benchmarks.browser --townships 100 --years 3 --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/browser.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

from tests.benchmarks import province  # noqa: E402
from tests.e2e.conftest import BUSY, CHROMIUM, CHROMIUM_ARGS, ERRORS, _free_port, _healthy  # noqa: E402

FLOOR = ROOT / "tests" / "benchmarks" / "floor" / "app.py"
TIMEOUT_MS = 180_000
VIEWPORT = {"width": 1920, "height": 1080}

# Rendered: the script has finished; the page's title (an h1 containing ``title``) or its ``marker`` is there; no
# spinner, skeleton or running icon; no element greyed out as stale from the previous run; every visible Plotly
# chart has drawn its plot; at least ``metrics`` metric values and ``lines`` of the cards' trend lines (inline SVG)
# are on the page.
RENDERED = """([title, marker, busy, metrics, lines]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (title && ![...document.querySelectorAll('h1')].some(h => h.innerText.includes(title))) return false;
    if (marker && !document.querySelector(marker)) return false;
    if ([...document.querySelectorAll(busy)].some(e => e.offsetParent)) return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(e => e.offsetParent);
    if (!plots.every(p => p.querySelector('.main-svg'))) return false;
    if (document.querySelectorAll('[data-testid="stMain"] svg[role="img"]').length < lines) return false;
    return document.querySelectorAll('[data-testid="stMetricValue"]').length >= metrics;
}"""
FIGURES = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => [
    (m.querySelector('[data-testid="stMetricLabel"]') || {textContent: ''}).textContent.trim(),
    (m.querySelector('[data-testid="stMetricValue"]') || {textContent: ''}).textContent.trim()])"""


@dataclass(frozen=True)
class Page:
    label: str  # the sidebar link's text
    title: str = ""  # the page's h1
    marker: str = ""  # or a selector only this page has
    charts: bool = False


OVERVIEW = Page("总览", "民政工作总览")
TREND = Page("趋势分析", "趋势分析", charts=True)
# civdash's other pages a visitor without an account opens, in sidebar order; 会议模式 hides the sidebar, so it is
# left with the browser's back button.
OTHERS = [Page("乡镇对比", "乡镇对比", charts=True), Page("数据查询", "数据查询"), Page("问数", "问数"),
          Page("汇报材料", "汇报材料", charts=True), Page("会议模式", marker=".st-key-meeting_slide", charts=True)]


@dataclass
class App:
    name: str
    script: str
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    db: Path | None = None  # copied afresh for every server, so each start finds every cache empty
    metrics: int = 0  # metric cards 总览 shows (learned from the first visit)
    lines: int = 0  # and their trend lines
    others: list[Page] = field(default_factory=list)


@contextmanager
def served(app: App, work: Path) -> Iterator[tuple[str, float]]:
    """Start ``app``'s server; yield its address and the moment its process was launched."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **app.env}
    if app.db is not None:
        served_db = work / f"{app.name.replace(' ', '-')}.duckdb"
        shutil.copyfile(app.db, served_db)
        env |= {"CIVDASH_DB": str(served_db), "CIVDASH_DEMO_DB": str(work / "no-demo.duckdb"),
                "CIVDASH_GEOJSON": str(work / "no-townships.geojson")}
    log_path = work / f"{app.name.replace(' ', '-')}-{port}.log"
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "streamlit"), "run", app.script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=app.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while not _healthy(url):
                if proc.poll() is not None or time.perf_counter() - started > 120:
                    raise RuntimeError(f"{app.name} did not start:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.05)
            yield url, started
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    text = log_path.read_text(errors="replace")
    if "Traceback" in text:
        raise RuntimeError(f"{app.name}: a traceback in the server's log:\n{text[-3000:]}")


def rendered(page, target: Page, cards: tuple[int, int] = (0, 0)) -> None:
    """Wait until ``target`` is rendered with at least ``cards`` (metric values, trend lines) on it."""
    page.wait_for_function(RENDERED, arg=[target.title, target.marker, BUSY, *cards], polling=50,
                           timeout=TIMEOUT_MS)


def problems(page) -> list[str]:
    shown = page.locator(ERRORS)
    return [*(shown.all_inner_texts() if shown.count() else []), *page.js_errors]


def open_page(browser, url: str, cards: tuple[int, int] = (0, 0)):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))
    t = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    rendered(page, OVERVIEW, cards)
    return context, page, time.perf_counter() - t


def click(page, target: Page, cards: tuple[int, int] = (0, 0)) -> float:
    link = page.locator('[data-testid="stSidebar"] a').filter(has_text=target.label).first
    t = time.perf_counter()
    link.click()
    rendered(page, target, cards)
    return time.perf_counter() - t


def back(page, target: Page, cards: tuple[int, int] = (0, 0)) -> float:
    t = time.perf_counter()
    page.go_back(wait_until="commit")
    rendered(page, target, cards)
    return time.perf_counter() - t


def one_round(browser, app: App, work: Path) -> dict[str, float | list]:
    """Start ``app``'s server and take every time of the table once."""
    out: dict[str, float | list] = {}
    with served(app, work) as (url, started):
        first, page, _ = open_page(browser, url, (app.metrics, app.lines))
        out["start"] = time.perf_counter() - started
        if not app.metrics:
            page.wait_for_timeout(1500)  # the first visit of the run: count the cards once everything has settled
            app.metrics = page.locator('[data-testid="stMetricValue"]').count()
            app.lines = page.locator('[data-testid="stMain"] svg[role="img"]').count()
        out["figures"] = page.evaluate(FIGURES)
        out["problems"] = problems(page)
        first.close()
        second, page, out["second"] = open_page(browser, url, (app.metrics, app.lines))
        out["first_click"] = click(page, TREND)
        out["back"] = click(page, OVERVIEW, (app.metrics, app.lines))
        out["again"] = click(page, TREND)
        before = TREND
        for warm in (False, True):
            for other in app.others:
                out[f"{other.label}|{warm}"] = click(page, other)
                if other.marker:  # 会议模式: no sidebar; back to the page before it
                    back(page, before)
                else:
                    before = other
        out["problems"] += problems(page)
        second.close()
    return out


def export(rev: str, into: Path) -> Path:
    """The project as it was at ``rev``, in a folder of its own (the same virtual environment serves it)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / ".venv").symlink_to(ROOT / ".venv")
    return into


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(apps: list[App], results: dict[str, list[dict]]) -> str:
    floor, cards = apps[0].name, apps[1].name
    med = {a.name: {k: median([r[k] for r in results[a.name] if k in r])
                    for k in ("start", "second", "first_click", "again")} for a in apps}
    lines = ["| | start → 总览 rendered | second visitor's 总览 | first click to a chart page | the same click again |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for a in apps:
        m = med[a.name]
        chart = "—" if a.name == cards else f"{m['first_click']:.2f} s"
        again = "—" if a.name == cards else f"{m['again']:.2f} s"
        lines.append(f"| {a.name} | {m['start']:.2f} s | {m['second']:.2f} s | {chart} | {again} |")
    for a in apps[2:]:
        m, f = med[a.name], med[floor]
        lines.append(f"| {a.name} ÷ floor | {m['start'] / f['start']:.2f}× | {m['second'] / f['second']:.2f}× "
                     f"| {m['first_click'] / f['first_click']:.2f}× | {m['again'] / f['again']:.2f}× |")
    lines += ["", "| warm switch (the second time), s | " + " | ".join(a.name for a in apps[2:])
              + " | ÷ floor's warm switch to its chart page |", "| --- |" + " ---: |" * (len(apps) - 1)]
    floor_warm = med[floor]["again"]
    pages = [OVERVIEW, TREND, *OTHERS]
    for p in pages:
        cells = []
        for a in apps[2:]:
            key = {"总览": "back", "趋势分析": "again"}.get(p.label, f"{p.label}|True")
            cells.append(median([r[key] for r in results[a.name] if key in r]))
        lines.append(f"| {p.label} | " + " | ".join(f"{c:.2f}" for c in cells)
                     + f" | {' / '.join(f'{c / floor_warm:.2f}×' for c in cells)} |")
    lines.append(f"| floor: 总览 / 趋势分析 | {med[floor]['again']:.2f} | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    province.add_database_options(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=None, help="also serve the code of this commit (today's figures)")
    parser.add_argument("--json", type=Path, default=None, help="write every time measured here")
    args = parser.parse_args(argv)
    if (db := province.served_database(args)) is None:
        return 2
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}; database {db.name}")

    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="civdash-browser-") as tmp:
        work = Path(tmp)
        apps = [App("floor", str(FLOOR), ROOT), App("cards from constants", str(FLOOR), ROOT, {"FLOOR_CARDS": "1"}),
                App("civdash", "serve.py", ROOT, db=db, others=OTHERS)]
        if args.before:
            old = export(args.before, work / "before")
            apps.insert(2, App(f"civdash {args.before}", "serve.py", old, db=db, others=OTHERS))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for r in range(args.rounds):
                    for app in apps:
                        results.setdefault(app.name, []).append(one_round(browser, app, work))
                        got = results[app.name][-1]
                        print(f"  round {r + 1} {app.name}: start {got['start']:.2f} s, second {got['second']:.2f} s, "
                              f"first click {got['first_click']:.2f} s, again {got['again']:.2f} s")
            finally:
                browser.close()
    print(f"\nMedians of {args.rounds} rounds; load average after: {os.getloadavg()[0]:.2f}\n")
    print(table(apps, results))
    civdash = [a for a in apps if a.db is not None]
    trouble = [f"{a.name}: {p}" for a in civdash for r in results[a.name] for p in r["problems"]]
    figures = {json.dumps(r["figures"], ensure_ascii=False) for a in civdash for r in results[a.name]}
    if len(figures) != 1:
        trouble.append(f"the apps' 总览 showed different figures in different rounds: {len(figures)} versions")
    print(f"\n总览's figures: {civdash[0].metrics} metric cards with {civdash[0].lines} trend lines, "
          + ("the same in every round of every civdash app" if len(figures) == 1 else "DIFFERENT"))
    for t in trouble:
        print("PROBLEM: " + t)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if trouble else 0


if __name__ == "__main__":
    raise SystemExit(main())
