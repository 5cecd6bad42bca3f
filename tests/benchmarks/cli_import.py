"""Command line start-up benchmark (issue 24): ``python -m civdash import`` of a one-month workbook as a process
against the same import in-process.

The district is the demo's (黔江区, 30 townships, 29 indicators): the database holds its history up to the month
before (``demo.populate``, then marked as real data, since the command line refuses to import into a demo), and
the workbook is the office's upload form (``civdash.ingest.template``) filled with the demo's figures of the next
month, as stored in a demo database built one month further. In one run:

(a) ``python -m civdash import FILE --db COPY`` as a child process, a fresh copy of the database each time;
(b) ``civdash.cli.main.main(["import", FILE, "--db", COPY])`` in this process, its modules already imported (one
    untimed warm-up run), a fresh copy each time;

in ``--rounds`` rounds that time every case once each; wall and CPU time (user + system, every thread), medians, and
the median of each round's ratio. Every run is checked: exit code 0 and the month's facts in ``v_fact`` equal to
those written. Also printed, for where the time goes: ``python -c pass`` (the floor of any process), the libraries an
import runs on imported alone, ``python -m civdash --help``, the time to compile civdash's modules from source (what
a process without ``__pycache__`` pays), and ``python -X importtime`` of one import run: the modules with the largest
self time and civdash's own modules by cumulative time. Child processes use bytecode caches, as an installed civdash
does. Speed is measured and printed, never asserted.
Run from the project root::

    .venv/bin/python tests/benchmarks/cli_import.py              # 7 rounds
    .venv/bin/python tests/benchmarks/cli_import.py --rounds 3

Files are written under ``tests/benchmarks/output/`` (git-ignored) and reused while their name matches.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/cli_import.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

from civdash import demo  # noqa: E402
from civdash.cli.main import main  # noqa: E402
from civdash.domain.periods import add_months  # noqa: E402
from civdash.domain.units import display_unit  # noqa: E402
from civdash.ingest.template import template_name, upload_template  # noqa: E402
from civdash.store import db  # noqa: E402

OUTPUT = ROOT / "tests" / "benchmarks" / "output"
VERSION = "v1"  # in the cached files' names: bump when the generated content changes
MONTH = date(2025, 6, 1)  # the month imported; the database holds the demo district's history up to the month before
TARGET_RATIO = 2.0
LIBRARIES = ("duckdb", "pandas", "python_calamine")  # what an import runs on (pandas brings numpy and pyarrow)


def build_inputs(folder: Path, month: date = MONTH) -> tuple[Path, Path, int]:
    """(the database before the import, the one-month workbook, the facts it holds); cached under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / f"cli-import-{VERSION}-{month:%Y-%m}-base.duckdb"
    book = folder / f"cli-import-{VERSION}-{template_name(month.year, month.month)}"
    facts_file = folder / f"cli-import-{VERSION}-{month:%Y-%m}.facts"
    if base.exists() and book.exists() and facts_file.exists():
        return base, book, int(facts_file.read_text())
    source = folder / f"cli-import-{VERSION}-{month:%Y-%m}-source.duckdb"
    first = demo.first_month(month)
    demo.build(source, until=month, first=first)
    con = db.connect(source, read_only=True)
    try:
        rows = con.execute("SELECT township, indicator_code, value, unit FROM v_fact WHERE period = ?",
                           [month]).fetchall()
        values = {(t, c): v / 10_000 if display_unit(u) == "万元" else v for t, c, v, u in rows}
        book.write_bytes(upload_template(con, month.year, month.month, values))
    finally:
        con.close()
    source.unlink()
    demo.build(base, until=add_months(month, -1), first=first)
    con = db.connect(base)
    try:
        db.set_meta(con, "is_demo", "0")  # real data: the command line refuses to import into a demo
        con.execute("CHECKPOINT")
    finally:
        con.close()
    facts_file.write_text(str(len(rows)))
    return base, book, len(rows)


def fresh_copy(base: Path, folder: Path) -> Path:
    copy = folder / "cli-import-run.duckdb"
    for stale in (copy, copy.with_name(copy.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(base, copy)
    return copy


def month_facts(path: Path, month: date = MONTH) -> int:
    con = db.connect(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM v_fact WHERE period = ?", [month]).fetchone()[0]
    finally:
        con.close()


def _env() -> dict[str, str]:
    """The child's environment: no store or debug settings from the caller's shell; Python writes and reads its
    compiled modules (``__pycache__``) as an installed civdash does, even where ``PYTHONDONTWRITEBYTECODE`` is set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CIVDASH_") and k != "PYTHONDONTWRITEBYTECODE"}


def compile_seconds(modules: list[str]) -> float:
    """Seconds to compile the source of civdash's ``modules``: what every process pays when there is no
    ``__pycache__`` to read (as in a checkout run under ``PYTHONDONTWRITEBYTECODE=1``)."""
    total = 0.0
    for name in modules:
        path = ROOT.joinpath(*name.split("."))
        source = (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text(encoding="utf-8")
        start = time.perf_counter()
        compile(source, name, "exec")
        total += time.perf_counter() - start
    return total


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of CPU (user + system, every thread): less sensitive than wall time to a shared machine


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def as_process(book: Path, database: Path, *python_flags: str) -> tuple[Timing, subprocess.CompletedProcess]:
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, *python_flags, "-m", "civdash", "import", str(book), "--db", str(database)],
                          cwd=ROOT, env=_env(), capture_output=True, text=True)
    return Timing(time.perf_counter() - start, _children_cpu() - cpu), done


def in_process(book: Path, database: Path) -> tuple[Timing, int]:
    out = io.StringIO()
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["import", str(book), "--db", str(database)])
    return Timing(time.perf_counter() - start, time.process_time() - cpu), code


def timed_command(*args: str) -> Timing:
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(), check=True, capture_output=True)
    return Timing(time.perf_counter() - start, _children_cpu() - cpu)


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


def import_times(stderr: str) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) from ``python -X importtime``'s report."""
    out = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line.removeprefix("import time:").split("|")
        out.append((name.strip(), int(self_us), int(cumulative)))
    return out


def check(code: int, database: Path, expected: int, what: str, detail: str = "") -> None:
    if code != 0 or month_facts(database) != expected:
        raise SystemExit(f"{what}: exit code {code}, {month_facts(database)} facts of {MONTH:%Y-%m} stored, "
                         f"{expected} expected\n{detail}")


def run(rounds: int, folder: Path = OUTPUT) -> dict:
    """Build (or reuse) the inputs; then ``rounds`` rounds, each timing every case once, one after the other (so that
    a burst of load on a shared machine falls on one round); return the medians and the ratio of each round."""
    base, book, expected = build_inputs(folder)
    warm = fresh_copy(base, folder)
    _, code = in_process(book, warm)  # the warm-up: every module the import needs is imported now
    check(code, warm, expected, "in-process warm-up")
    _, done = as_process(book, fresh_copy(base, folder))  # untimed: writes the compiled modules
    cases: dict[str, list[Timing]] = {k: [] for k in ("process", "in_process", "floor", "libraries", "help")}
    for _ in range(rounds):
        copy = fresh_copy(base, folder)
        timing, done = as_process(book, copy)
        check(done.returncode, copy, expected, "process", done.stdout + done.stderr)
        cases["process"].append(timing)
        copy = fresh_copy(base, folder)
        timing, code = in_process(book, copy)
        check(code, copy, expected, "in-process")
        cases["in_process"].append(timing)
        cases["floor"].append(timed_command("-c", "pass"))
        cases["libraries"].append(timed_command("-c", f"import {', '.join(LIBRARIES)}"))
        cases["help"].append(timed_command("-m", "civdash", "--help"))
    _, traced = as_process(book, fresh_copy(base, folder), "-X", "importtime")
    imports = import_times(traced.stderr)
    own = [name for name, _, _ in imports if name.startswith("civdash")]
    compiling = statistics.median(compile_seconds(own) for _ in range(3))
    ratios = [Timing(p.wall / i.wall, p.cpu / i.cpu) for p, i in zip(cases["process"], cases["in_process"], strict=True)]
    return {"facts": expected, "book": book, **{k: median(v) for k, v in cases.items()}, "ratio": median(ratios),
            "imports": imports, "compile": (len(own), compiling), "process_all": cases["process"],
            "in_process_all": cases["in_process"], "ratio_all": ratios}


def report(r: dict, top: int = 15) -> None:
    print(f"load average {os.getloadavg()[0]:.2f} at the end; {r['book'].name}: {r['facts']} facts (30 townships × "
          "29 indicators), into the demo district's history up to the month before")
    print(f"{'median of the runs':<48}{'wall':>8}{'CPU':>8}   wall of each run")
    libraries = "import " + ", ".join(LIBRARIES)
    rows = [("python -m civdash import (process)", r["process"], r["process_all"]),
            ("the same import in-process (modules imported)", r["in_process"], r["in_process_all"]),
            ("python -c pass (floor of any process)", r["floor"], None),
            (f"python -c '{libraries}'", r["libraries"], None),
            ("python -m civdash --help", r["help"], None)]
    for label, t, each in rows:
        runs = ", ".join(f"{x.wall:.2f}" for x in each) if each else ""
        print(f"{label:<48}{t.wall:>7.3f}s{t.cpu:>7.3f}s   {runs}")
    ratio, each = r["ratio"], ", ".join(f"{x.wall:.2f}" for x in r["ratio_all"])
    print(f"{'ratio process ÷ in-process (median of rounds)':<48}{ratio.wall:>7.2f}×{ratio.cpu:>7.2f}×   {each}"
          f"   (target ≤ {TARGET_RATIO:.0f}×)")
    bound = [(r["libraries"][k] + r["in_process"][k]) / r["in_process"][k] for k in (0, 1)]
    print(f"{'ratio if civdash itself cost nothing to start':<48}{bound[0]:>7.2f}×{bound[1]:>7.2f}×   "
          "(libraries + in-process) ÷ in-process")
    print(f"compiling the {r['compile'][0]} civdash modules an import loads from source: {r['compile'][1]:.3f}s "
          "(paid by every process that finds no __pycache__, e.g. a checkout under PYTHONDONTWRITEBYTECODE=1)")
    imports = r["imports"]
    total = sum(s for _, s, _ in imports)
    print(f"\npython -X importtime of the import run: {len(imports)} modules, {total / 1e6:.3f}s in all (self times)")
    print("largest self times:")
    for name, self_us, _ in sorted(imports, key=lambda m: -m[1])[:top]:
        print(f"  {self_us / 1000:>7.1f} ms  {name}")
    print("civdash modules by cumulative time (what each pulls in):")
    for name, _, cum in sorted((m for m in imports if m[0].startswith("civdash")), key=lambda m: -m[2])[:top]:
        print(f"  {cum / 1000:>7.1f} ms  {name}")
    heavy = ["pandas", "numpy", "pyarrow", "pyarrow.compute", "docx", "xlsxwriter", "plotly", "argon2", "openpyxl",
             "python_calamine", "duckdb"]
    names = {m[0]: m[2] for m in imports}
    print("heavy libraries (cumulative, when imported): " + ", ".join(
        f"{h} {names[h] / 1000:.0f} ms" if h in names else f"{h} —" for h in heavy))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="runs of each way (median; default 7)")
    args = parser.parse_args()
    report(run(args.rounds))


if __name__ == "__main__":
    cli()
