"""The pre-parse cell-count guard (civdash/ingest/guards.py) on the ingestion benchmark's long .xlsx table: the
fast path (addresses read column-wise with NumPy, pieces inflated while two threads scan) against the general
path every part can take (expat, cell by cell, calamine's rules), in one run. Both must count the same cells;
the fast path's page faults are printed.

    .venv/bin/python tests/benchmarks/guard.py            # the 1,000,500-row file of tests/benchmarks/ingest.py
    .venv/bin/python tests/benchmarks/guard.py --rows 200000

The file is written by tests/benchmarks/ingest.py (and reused from tests/benchmarks/output/).
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from civdash.ingest import guards  # noqa: E402
from tests.benchmarks import ingest  # noqa: E402


def walked(book: zipfile.ZipFile, limits: guards.Limits) -> int:
    """Every sheet part through the general path."""
    cells = 0
    for info in book.infolist():
        if info.filename.startswith("xl/worksheets/"):
            with book.open(info) as stream:
                cells += guards._XlsxWalk(info.file_size, limits, info.filename).run(stream)
    return cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    towns, months = ingest.long_shape(args.rows)
    path = ingest.OUTPUT / f"明细-{ingest.VERSION}-{towns * months * 29}.xlsx"
    if not path.exists():
        ingest.OUTPUT.mkdir(parents=True, exist_ok=True)
        ingest.write_long_xlsx(path, args.rows)
    data = path.read_bytes()
    limits = guards.Limits()

    def scan() -> tuple[int, float]:
        start = time.perf_counter()
        cells = guards.scan_zip(zipfile.ZipFile(io.BytesIO(data)), path.name, limits, ods=False).cells
        return cells, time.perf_counter() - start

    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    fast, fast_s = scan()
    fast_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    start = time.perf_counter()
    slow = walked(zipfile.ZipFile(io.BytesIO(data)), limits)
    slow_s = time.perf_counter() - start
    print(f"{path.name}: {len(data) / 2**20:.1f} MB")
    print(f"  fast path (NumPy, 2 threads): {fast_s:.2f} s, {fast_faults:,} page faults, {fast:,} cells")
    print(f"  general path (expat walk):    {slow_s:.2f} s, {slow:,} cells  → fast path {slow_s / fast_s:.1f}× faster")
    if fast != slow:
        print("  COUNTS DIFFER", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
