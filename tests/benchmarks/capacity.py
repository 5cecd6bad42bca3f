"""Capacity: N Streamlit sessions running 总览 at once, spoken in Streamlit's own protocol (no browser).

sessions.py opens 总览 in N Chromium pages, and on the server's 2 cores the browsers drawing their charts compete
with the server. Here a small client holds each session the way Streamlit's frontend does, and nothing else: a
websocket at ``/_stcore/stream`` (subprotocol ``streamlit``), a ``BackMsg.rerun_script`` carrying a ``ClientState``
(the main page, 总览: no page hash or name, as a browser opening ``/`` sends), then ``ForwardMsg``s read until
``script_finished`` says the script finished successfully. What the server costs per session is then what the
figures say, not what twenty renderers cost.

What it does, in one process:

1. **Database.** The province database of ``tests/benchmarks/province.py`` (1,500 townships × 10 years by default;
   built when the cached one does not match), copied into a temporary folder: the server opens its copy.
2. **Server.** ``streamlit run serve.py`` on the copy (the e2e suite's ``run_server``), as the bureau runs it.
3. **Cold.** One session alone with every cache empty (the first visitor after a restart); the same session then
   reruns with the hashes of the messages it keeps (``ClientState.cached_message_hashes``, as the frontend sends
   them), so the server answers with ``ForwardMsg.ref_hash`` references the client resolves from its own cache.
4. **Rounds.** ``--rounds`` times, for each N of ``--sessions`` in turn (interleaved, so a change in the machine's
   load touches every N alike): N new sessions connect, and once all are connected all send their rerun at the
   same moment; each is timed from its send to its ``script_finished``. N = 1 (one session alone) is run
   ``--baseline-repeat`` times in all, spread over the rounds: its median is the lone session's time.
5. **Same figures.** Every ``st.metric`` a session receives (label, value, delta) must equal the cold session's, in
   the same order; no session may receive an exception element or an error box (the app turns a failure into
   ``st.error``). The script exits with 1 otherwise; the server's log must hold no traceback (``run_server``).

Times are measured and printed, never asserted. The client runs on the same machine: its own CPU seconds are
printed beside the server's.

Run from the project root::

    .venv/bin/python -m tests.benchmarks.capacity                    # 1,500 townships × 10 years, N = 1, 5, 20, 50
    .venv/bin/python -m tests.benchmarks.capacity --townships 300 --years 2 --db /tmp/p300.duckdb --sessions 1,5
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/capacity.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from tests.benchmarks import province  # noqa: E402
from tests.benchmarks.sessions import Usage, nearest_rank, server_pid  # noqa: E402
from tests.e2e.conftest import run_server  # noqa: E402

TIMEOUT_S = 600.0
SETTLE_S = 1.0  # after every session of a round has connected, before they all send
FINISHED = ForwardMsg.ScriptFinishedStatus
Figure = tuple[str, str, str]  # a metric card's label, value and delta, as the server sent them


@dataclass
class Run:
    """One script run of a session: its time from sending the rerun to ``script_finished``, and what it received."""

    seconds: float
    figures: list[Figure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    received_bytes: int = 0
    references: int = 0  # ForwardMsg.ref_hash messages, resolved from the session's own cache
    kept: int = 0  # messages the session keeps after the run (those the server marked cacheable, by hash)
    elements: dict[str, int] = field(default_factory=dict)  # elements and blocks received, by kind


class Session:
    """One Streamlit session over its websocket, held as the frontend holds it: the messages the server marks
    ``metadata.cacheable`` are kept by hash, their hashes sent with every rerun, and a ``ref_hash`` message stands
    for the kept message of that hash."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cache: dict[str, ForwardMsg] = {}
        self.ws: ClientConnection | None = None

    async def open(self) -> None:
        # The first subprotocol is the one the server selects; the second would be an XSRF token, needed only to
        # read Streamlit's own auth cookie (civdash's login cookie is its own; no account is needed here).
        self.ws = await connect(self.url.replace("http", "ws", 1) + "/_stcore/stream",
                                subprotocols=[Subprotocol("streamlit")], max_size=None, proxy=None,
                                open_timeout=TIMEOUT_S, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def rerun_message(self) -> bytes:
        """The rerun the frontend sends for a browser at ``/`` (总览 is the default page): no page hash or name,
        the browser's context, and the hashes of the messages this session keeps."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.cached_message_hashes.extend(self.cache)
        context = state.context_info
        context.timezone, context.timezone_offset, context.locale = "Asia/Shanghai", -480, "zh-CN"
        context.url, context.is_embedded, context.color_scheme = f"{self.url}/", False, "light"
        return msg.SerializeToString()

    async def run(self, start: asyncio.Event | None = None) -> Run:
        """Send a rerun (once ``start`` is set) and read until the script has finished."""
        assert self.ws is not None
        payload = self.rerun_message()
        if start is not None:
            await start.wait()
        t0 = time.perf_counter()
        await self.ws.send(payload)
        run = Run(seconds=math.nan)
        while True:
            data = await asyncio.wait_for(self.ws.recv(), TIMEOUT_S)
            run.messages += 1
            run.received_bytes += len(data)
            msg = self.resolve(ForwardMsg.FromString(data), run)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # a run starts (again, after an st.rerun): what an earlier one sent is gone
                run.figures.clear()
                run.elements.clear()
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                read_element(msg.delta.new_element, run)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
                block = f"block {msg.delta.add_block.WhichOneof('type')}"
                run.elements[block] = run.elements.get(block, 0) + 1
            elif kind == "script_finished":
                if msg.script_finished in (FINISHED.FINISHED_SUCCESSFULLY, FINISHED.FINISHED_WITH_COMPILE_ERROR):
                    run.seconds = time.perf_counter() - t0
                    run.kept = len(self.cache)
                    if msg.script_finished == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                        run.errors.append("script finished with a compile error")
                    return run
                # FINISHED_EARLY_FOR_RERUN (st.rerun), a fragment's run: the page's own run is still to finish

    def resolve(self, msg: ForwardMsg, run: Run) -> ForwardMsg:
        """The message itself, or the kept one a ``ref_hash`` stands for (with the reference's metadata, as the
        frontend does); a cacheable message is kept."""
        if msg.WhichOneof("type") == "ref_hash":
            kept = self.cache.get(msg.ref_hash)
            if kept is None:
                run.errors.append(f"reference to a message never received: {msg.ref_hash}")
                return msg
            run.references += 1
            full = ForwardMsg()
            full.CopyFrom(kept)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = msg
        return msg


def read_element(element, run: Run) -> None:
    kind = element.WhichOneof("type")
    run.elements[kind] = run.elements.get(kind, 0) + 1
    if kind == "metric":
        run.figures.append((element.metric.label, element.metric.body, element.metric.delta))
    elif kind == "exception":
        run.errors.append(f"exception {element.exception.type}: {element.exception.message}")
    elif kind == "alert" and element.alert.format == Alert.ERROR:
        run.errors.append(f"error box: {element.alert.body}")


async def alone(url: str) -> tuple[Run, Run]:
    """One session alone: its first run, then a rerun with its kept messages (answered with references)."""
    session = Session(url)
    await session.open()
    try:
        return await session.run(), await session.run()
    finally:
        await session.close()


async def at_once(url: str, n: int, pid: int | None) -> dict[str, Any]:
    """``n`` new sessions: all connect, then all send their rerun at the same moment."""
    sessions = [Session(url) for _ in range(n)]
    await asyncio.gather(*(s.open() for s in sessions))
    try:
        await asyncio.sleep(SETTLE_S)
        start = asyncio.Event()
        tasks = [asyncio.create_task(s.run(start)) for s in sessions]
        await asyncio.sleep(0)  # every task waiting at the start line
        usage, client0 = Usage(pid), time.process_time()
        start.set()
        runs = await asyncio.gather(*tasks)
        used = usage.done()
        used["client_cpu"] = time.process_time() - client0
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return {"n": n, "runs": runs, "usage": used, "load": os.getloadavg()[0]}


async def measure(path: Path, sizes: list[int], rounds: int, baseline_repeat: int, log: Callable[[str], None],
                  server_env: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"load_before": os.getloadavg(), "rounds": []}
    lone_per_round = max(1, math.ceil(baseline_repeat / rounds))
    with tempfile.TemporaryDirectory(prefix="civdash-capacity-") as tmp:
        base = Path(tmp)
        served = base / "civdash.duckdb"
        shutil.copyfile(path, served)
        with run_server(base / "no-demo.duckdb", base, real=served, env=server_env) as url:
            pid = server_pid(url)
            usage = Usage(pid)
            cold, cached = await alone(url)
            out["usage_cold"] = usage.done()
            out["cold"], out["cached"] = cold, cached
            log(f"  alone, cold: {cold.seconds:.2f} s ({len(cold.figures)} metric cards, {cold.messages} messages, "
                f"{cold.received_bytes / 1e3:.0f} kB); its rerun with kept messages: {cached.seconds:.2f} s "
                f"({cold.kept} messages kept, {cached.references} references, {cached.received_bytes / 1e3:.0f} kB)")
            for r in range(rounds):
                for n in sizes:
                    for _ in range(lone_per_round if n == 1 else 1):
                        result = await at_once(url, n, pid)
                        out["rounds"].append(result)
                    times = [run.seconds for run in result["runs"]]
                    log(f"  round {r + 1}, N = {n}: p95 {nearest_rank(times, 0.95):.2f} s, "
                        f"wall {result['usage']['wall']:.2f} s")
    out["load_after"] = os.getloadavg()
    return out


def check(result: dict[str, Any]) -> list[str]:
    """What differs from the cold session's figures, and any error received; empty when every session agrees."""
    expected = result["cold"].figures
    everyone = [("alone, cold", result["cold"]), ("alone, rerun with kept messages", result["cached"])]
    everyone += [(f"N = {r['n']}, session {i + 1}", run) for r in result["rounds"] for i, run in enumerate(r["runs"])]
    problems = [] if expected else ["the cold session received no metric card"]
    if result["cold"].kept and not result["cached"].references:
        problems.append("the rerun with kept messages received no reference (ForwardMsg.ref_hash)")
    for name, run in everyone:
        if run.figures != expected:
            differ = [f"{a} ≠ {b}" for a, b in zip(run.figures, expected, strict=False) if a != b][:3]
            problems.append(f"{name}: figures differ ({len(run.figures)} cards against {len(expected)}): {differ}")
        if run.errors:
            problems.append(f"{name}: {run.errors[:3]}")
    return problems


def table(result: dict[str, Any], sizes: list[int]) -> list[str]:
    """The Markdown table: per N, session times pooled over its rounds and sessions/s per round (median)."""
    lone = statistics.median(run.seconds for r in result["rounds"] if r["n"] == 1 for run in r["runs"])
    lines = ["| N at once | rounds | sessions/s | p50 s | p95 s | max s | p95 ÷ lone median | server CPU s per session "
             "| client CPU s per session | machine busy |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        mine = [r for r in result["rounds"] if r["n"] == n]
        times = [run.seconds for r in mine for run in r["runs"]]
        rate = statistics.median(n / r["usage"]["wall"] for r in mine)
        server = sum(r["usage"]["server_cpu"] for r in mine) / len(times)
        client = sum(r["usage"]["client_cpu"] for r in mine) / len(times)
        machine = statistics.median(r["usage"]["machine_busy"] for r in mine)
        lines.append(f"| {n} | {len(mine)} | {rate:.2f} | {statistics.median(times):.2f} | "
                     f"{nearest_rank(times, 0.95):.2f} | {max(times):.2f} | {nearest_rank(times, 0.95) / lone:.1f}× | "
                     f"{server:.2f} | {client:.2f} | {machine:.0%} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    province.add_database_options(parser)
    parser.add_argument("--sessions", default="1,5,20,50", help="the N to run, comma-separated (1 is always run)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=9, help="runs of one session alone, in all")
    parser.add_argument("--min-cached-message-size", type=int, default=None,
                        help="the server's global.minCachedMessageSize in bytes (default: Streamlit's, 10 kB; 0 makes "
                             "every element a reference on a rerun, as the smoke test has it)")
    parser.add_argument("--json", type=Path, default=None, help="write every session's time and figures here")
    args = parser.parse_args(argv)
    sizes = sorted({1, *(int(n) for n in args.sessions.split(","))})
    log = print
    if (path := province.served_database(args, log)) is None:
        return 2
    log(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f}")
    server_env = (None if args.min_cached_message_size is None
                  else {"STREAMLIT_GLOBAL_MIN_CACHED_MESSAGE_SIZE": str(args.min_cached_message_size)})
    result = asyncio.run(measure(path, sizes, args.rounds, args.baseline_repeat, log, server_env))
    problems = check(result)
    cold, cached = result["cold"], result["cached"]
    print()
    print(f"one session alone, cold (every cache empty): {cold.seconds:.2f} s, server CPU "
          f"{result['usage_cold']['server_cpu']:.2f} s for it and its rerun with kept messages "
          f"({cached.seconds:.2f} s, {cached.references} of its {cached.messages} messages references)")
    tally = ", ".join(f"{n} {kind}" for kind, n in sorted(cold.elements.items(), key=lambda kv: -kv[1])[:8])
    print(f"each session receives {cold.messages} messages, {cold.received_bytes / 1e3:.0f} kB: {tally}")
    print()
    print("\n".join(table(result, sizes)))
    loads = [result["load_before"][0], *(r["load"] for r in result["rounds"]), result["load_after"][0]]
    print(f"\nload average (1 min) before / after each round / after: {' / '.join(f'{lo:.2f}' for lo in loads)}")
    print(f"figures: {len(cold.figures)} metric cards; "
          + ("every session received the same, no error" if not problems else f"{len(problems)} PROBLEMS"))
    for problem in problems[:20]:
        print("  " + problem)
    if args.json:
        args.json.write_text(json.dumps(
            {"problems": problems, "cold": asdict(cold), "cached": asdict(cached), "usage_cold": result["usage_cold"],
             "rounds": [{**r, "runs": [asdict(run) for run in r["runs"]]} for r in result["rounds"]],
             "load_before": result["load_before"], "load_after": result["load_after"]},
            ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
