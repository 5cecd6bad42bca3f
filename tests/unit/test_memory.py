"""civdash.memory: freed blocks kept for reuse during an upload, and given back after it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from civdash import memory
from tests.benchmarks import ingest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(memory._LIBC is None, reason="the C library is not glibc")


def _run(code: str) -> list[int]:
    """Run ``code`` in a fresh interpreter (the settings are per process) and read the integers it prints."""
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return [int(x) for x in run.stdout.split()]


def test_the_guard_scanning_a_long_sheet_stops_faulting_pages_in(tmp_path: Path) -> None:
    """The cell-count guard over a long table makes and frees megabyte-sized arrays for every piece of the
    sheet. By default glibc gives them back and each scan faults them in afresh; once freed memory is kept, a
    scan after the first faults almost none."""
    path = tmp_path / "long.xlsx"
    ingest.write_long_xlsx(path, 50_000)
    towns, months = ingest.long_shape(50_000)
    cells = (towns * months * len(ingest.catalog_rows()) + 1) * 5  # a header and five columns
    default, kept = _run(f"""
        import resource, zipfile
        from civdash import memory
        from civdash.ingest import guards

        book = zipfile.ZipFile({str(path)!r})
        info = book.getinfo("xl/worksheets/sheet1.xml")

        def faults():
            guards._scan_xlsx_part(book, info, "f.xlsx", guards.Limits())  # the first may fault: heaps grow
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for _ in range(3):
                assert guards._scan_xlsx_part(book, info, "f.xlsx", guards.Limits()) == {cells}
            return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

        print(faults())
        memory.keep_freed_memory()
        print(faults())
        """)
    assert default > 3 * 1000  # thousands of 4 KiB pages faulted in every scan
    assert kept < default / 20


def test_memory_kept_during_an_upload_is_given_back_after_it() -> None:
    grown, trimmed = _run("""
        import numpy as np
        from civdash import memory

        def resident_mb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096 // 2**20

        memory.keep_freed_memory()
        memory.keep_freed_memory()  # once per process: a second call changes nothing
        start = resident_mb()
        blocks = [np.ones(8 * 2**20, dtype=np.uint8) for _ in range(6)]  # 48 MiB: blocks under 32 MiB, under 64 in all
        del blocks
        print(resident_mb() - start)
        memory.return_freed_memory()
        print(resident_mb() - start)
        """)
    assert grown >= 40  # freed, but kept in the process
    assert trimmed < 8
