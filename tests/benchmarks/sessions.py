"""Concurrent sessions on 总览: N browser sessions opening the page at the same moment against one server.

The question: when a meeting starts and twenty people open 总览 of a province-scale database at once, does every one
of them see the same figures, and how long does each wait for a rendered page? Measured, never asserted: the script
prints figures, with a baseline from the same run (one session alone on a server of its own).

What it does, in one process:

1. **Database.** The province database of ``tests/benchmarks/province.py`` (built by ``build_province`` when the
   cached one does not match), copied into a temporary folder: the server opens its copy read-write (migrations).
2. **Baseline.** A fresh ``streamlit run dashboard.py`` on the copy (the e2e suite's ``run_server``); one session
   opens 总览 alone, first with every cache empty (*cold*), then ``--baseline-repeat`` more times one after the
   other (*warm*: ``st.cache_data`` holds the figures, as for every visitor after the first).
3. **Concurrent.** Another fresh server; ``--sessions`` browser contexts (each a new Streamlit session) open 总览 at
   the same moment: one round with the caches empty (everyone arrives at once after a restart), then ``--rounds``
   rounds with warm caches.
4. **Same figures.** Every session's metric cards (label → value, as shown) must equal the baseline's, and no
   session may show an error or raise a JavaScript error; the script exits with 1 otherwise. The server's log must
   hold no traceback (``run_server`` checks it).

Two times from ``page.goto``, polled every 100 ms in each page: *figures shown*, when the script has finished
(``notRunning``), nothing is loading and every metric card's value is on the page; *page drawn*, when also every
sparkline (a Vega chart per card) has drawn. Browser and server share the machine: on 2 cores, 20 Chromium renderers
drawing their charts in software compete with the server for the CPU, as they would not in an office where each
person has a computer of their own.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.sessions                         # 1,500 townships × 10 years, 20 sessions
    .venv/bin/python -m tests.benchmarks.sessions --townships 300 --years 3 --db /tmp/p300.duckdb --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/sessions.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))


from tests.benchmarks import province  # noqa: E402
from tests.e2e.conftest import BUSY, CHROMIUM, CHROMIUM_ARGS, ERRORS, run_server  # noqa: E402

TIMEOUT_MS = 600_000
POLL_MS = 100
# The page is rendered when the script has finished, nothing is loading, and at least ``cards`` metric values and
# ``sparks`` drawn sparklines are on it (the counts come from the first visit, which waits for the script alone).
RENDERED = """([busy, cards, sparks]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if ([...document.querySelectorAll(busy)].some(e => e.offsetParent)) return false;
    if (!document.body.innerText.includes('已报送乡镇')) return false;
    const drawn = [...document.querySelectorAll('[data-testid="stMetricChart"] svg, [data-testid="stMetricChart"] canvas')]
        .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0).length;
    return document.querySelectorAll('[data-testid="stMetricValue"]').length >= cards && drawn >= sparks;
}"""
# textContent, not innerText: 总览's closed categories hold their cards without drawing them (innerText is empty).
FIGURES = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => [
    (m.querySelector('[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"]') || {textContent: ''})
        .textContent.trim(),
    (m.querySelector('[data-testid="stMetricValue"]') || {textContent: ''}).textContent.trim()])"""
SPARKS = """() => [...document.querySelectorAll('[data-testid="stMetricChart"] svg, [data-testid="stMetricChart"] canvas')]
    .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0).length"""


async def visit(browser, url: str, cards: int, sparks: int, start: asyncio.Event | None = None,
                settle_ms: int = 0) -> dict[str, Any]:
    """Open 总览 in a new context (a new Streamlit session); the time to a rendered page and what it shows
    (read ``settle_ms`` later: the first visit, which does not know yet how many sparklines there are)."""
    context = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                        timezone_id="Asia/Shanghai")
    try:
        page = await context.new_page()
        js_errors: list[str] = []
        page.on("pageerror", lambda e: js_errors.append(str(e)))
        if start is not None:
            await start.wait()
        t0 = time.perf_counter()
        await page.goto(f"{url}/", wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        await page.wait_for_function(RENDERED, arg=[BUSY, cards, 0], polling=POLL_MS, timeout=TIMEOUT_MS)
        shown = time.perf_counter() - t0
        await page.wait_for_function(RENDERED, arg=[BUSY, cards, sparks], polling=POLL_MS, timeout=TIMEOUT_MS)
        seconds = time.perf_counter() - t0
        await page.wait_for_timeout(settle_ms)
        return {"seconds": seconds, "shown": shown, "figures": await page.evaluate(FIGURES),
                "sparks": await page.evaluate(SPARKS), "errors": await page.locator(ERRORS).all_inner_texts(),
                "js_errors": js_errors}
    finally:
        await context.close()


async def at_once(browser, url: str, n: int, cards: int, sparks: int) -> list[dict[str, Any]]:
    """``n`` sessions, contexts made first, then released together."""
    start = asyncio.Event()
    tasks = [asyncio.create_task(visit(browser, url, cards, sparks, start)) for _ in range(n)]
    await asyncio.sleep(1.0)  # every context and page made before anyone navigates
    start.set()
    return await asyncio.gather(*tasks)


def server_pid(url: str) -> int | None:
    """The ``streamlit run`` process serving ``url`` (found by its port in /proc)."""
    port = url.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"streamlit") for a in args) and b"--server.port" in args and port in args:
            return int(entry.name)
    return None


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system, every thread) the process has used so far."""
    if pid is None:
        return math.nan
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - values[3] - values[4]) / tick, sum(values) / tick


class Usage:
    """Wall time, the server's CPU seconds and the machine's busy share over a phase."""

    def __init__(self, pid: int | None) -> None:
        self.pid, self.t0, self.server0, self.machine0 = pid, time.perf_counter(), process_cpu(pid), machine_cpu()

    def done(self) -> dict[str, float]:
        busy, total = machine_cpu()
        return {"wall": time.perf_counter() - self.t0, "server_cpu": process_cpu(self.pid) - self.server0,
                "machine_busy": (busy - self.machine0[0]) / max(total - self.machine0[1], 1e-9)}


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(runs: list[dict[str, Any]], key: str = "seconds") -> dict[str, float]:
    times = [r[key] for r in runs]
    return {"n": len(times), "p50": statistics.median(times), "p95": nearest_rank(times, 0.95), "max": max(times),
            "min": min(times)}


async def measure(path: Path, sessions: int, rounds: int, baseline_repeat: int, log) -> dict[str, Any]:
    from playwright.async_api import async_playwright  # noqa: PLC0415

    out: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="civdash-sessions-") as tmp:
        base = Path(tmp)
        served = base / "civdash.duckdb"
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                shutil.copyfile(path, served)
                with run_server(base / "no-demo.duckdb", base, real=served) as url:
                    pid = server_pid(url)
                    usage = Usage(pid)
                    first = await visit(browser, url, 1, 0, settle_ms=3000)  # alone, every cache empty
                    out["usage_baseline_cold"] = usage.done()
                    cards, sparks = len(first["figures"]), first["sparks"]
                    log(f"  baseline cold: {first['seconds']:.2f} s ({cards} metric cards, {sparks} sparklines)")
                    usage = Usage(pid)
                    warm = [await visit(browser, url, cards, sparks) for _ in range(baseline_repeat)]
                    out["usage_baseline_warm"] = usage.done()
                    log(f"  baseline warm: median {statistics.median(r['seconds'] for r in warm):.2f} s")
                out["baseline"] = {"cold": first, "warm": warm}
                shutil.copyfile(path, served)  # a fresh server on a fresh copy: the caches empty again
                with run_server(base / "no-demo.duckdb", base, real=served) as url:
                    out["load_during"], pid = [], server_pid(url)
                    usage = Usage(pid)
                    cold = await at_once(browser, url, sessions, cards, sparks)
                    out["usage_concurrent_cold"] = usage.done()
                    out["load_during"].append(os.getloadavg())
                    log(f"  {sessions} at once, cold: p95 {summary(cold)['p95']:.2f} s")
                    warm_rounds, out["usage_concurrent_warm"] = [], []
                    for r in range(rounds):
                        usage = Usage(pid)
                        runs = await at_once(browser, url, sessions, cards, sparks)
                        out["usage_concurrent_warm"].append(usage.done())
                        out["load_during"].append(os.getloadavg())
                        warm_rounds.append(runs)
                        log(f"  {sessions} at once, warm round {r + 1}: p95 {summary(runs)['p95']:.2f} s")
                out["concurrent"] = {"cold": cold, "warm": warm_rounds}
            finally:
                await browser.close()
    out["load_after"] = os.getloadavg()
    return out


def check(result: dict[str, Any]) -> list[str]:
    """What differs from the baseline's figures, and any error shown; empty when every session agrees."""
    expected = result["baseline"]["cold"]["figures"]
    everyone = [("baseline", r) for r in [result["baseline"]["cold"], *result["baseline"]["warm"]]]
    everyone += [("concurrent cold", r) for r in result["concurrent"]["cold"]]
    everyone += [(f"concurrent warm {i + 1}", r) for i, rs in enumerate(result["concurrent"]["warm"]) for r in rs]
    problems = []
    if not expected:
        problems.append("the baseline shows no metric card")
    for name, r in everyone:
        if r["figures"] != expected:
            problems.append(f"{name}: figures differ: {r['figures']}")
        if r["errors"] or r["js_errors"]:
            problems.append(f"{name}: errors {r['errors']} {r['js_errors']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    province.add_database_options(parser)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds of concurrent sessions")
    parser.add_argument("--baseline-repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="write every session's time and figures here")
    args = parser.parse_args(argv)
    log = print
    if (path := province.served_database(args, log)) is None:
        return 2
    log(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f}")
    result = asyncio.run(measure(path, args.sessions, args.rounds, args.baseline_repeat, log))
    problems = check(result)
    base = result["baseline"]
    warm_all = [r for rs in result["concurrent"]["warm"] for r in rs]
    rows = [("one session alone, cold", [base["cold"]]), ("one session alone, warm", base["warm"]),
            (f"{args.sessions} at once, cold", result["concurrent"]["cold"]),
            (f"{args.sessions} at once, warm ({args.rounds} rounds)", warm_all)]
    print()
    print("| 总览, seconds from opening | sessions | figures shown p50 | p95 | max | page drawn p50 | p95 | max |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, runs in rows:
        s, d = summary(runs, "shown"), summary(runs)
        print(f"| {name} | {s['n']} | {s['p50']:.2f} | {s['p95']:.2f} | {s['max']:.2f} | {d['p50']:.2f} | {d['p95']:.2f} "
              f"| {d['max']:.2f} |")
    print("\n| phase | wall s | server CPU s | server CPU s per session | machine busy |")
    print("|---|---:|---:|---:|---:|")
    phases = [("one session alone, cold", result["usage_baseline_cold"], 1),
              ("one session alone, warm", result["usage_baseline_warm"], args.baseline_repeat),
              (f"{args.sessions} at once, cold", result["usage_concurrent_cold"], args.sessions),
              *[(f"{args.sessions} at once, warm round {i + 1}", u, args.sessions)
                for i, u in enumerate(result["usage_concurrent_warm"])]]
    for name, u, n in phases:
        print(f"| {name} | {u['wall']:.1f} | {u['server_cpu']:.1f} | {u['server_cpu'] / n:.2f} | {u['machine_busy']:.0%} |")
    loads = [result["load_before"], *result["load_during"], result["load_after"]]
    print(f"\nload average (1 min) before / after each concurrent round / after: "
          f"{' / '.join(f'{lo[0]:.2f}' for lo in loads)}")
    print(f"key figures: {len(base['cold']['figures'])} metric cards; "
          + ("every session showed the same values, no error" if not problems else f"{len(problems)} PROBLEMS"))
    for problem in problems[:20]:
        print("  " + problem)
    if args.json:
        args.json.write_text(json.dumps({"result": result, "problems": problems,
                                                    "summary": {n: [summary(r, "shown"), summary(r)] for n, r in rows}},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
