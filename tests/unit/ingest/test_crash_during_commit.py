"""The import killed while DuckDB writes its commit (issue 16): the database never serves a half-saved upload.

DuckDB 1.5 writes the rows of a large insert (a full row group, 122,880 rows, or more) into the database file while the
transaction runs and only a pointer to them into the WAL at commit. A process killed after that pointer reached the
WAL and before the commit's end marker did comes back with those rows and without the rest of the transaction (the
batch row, the new townships, the values they replace no longer current). ``civdash.store.integrity`` finds that state
when the database is opened and ``python -m civdash repair`` brings it back to what it was before the upload.

Two tests, on an upload of 125,280 values (30 registered townships whose values change, 330 new ones):
- the torn WAL, without timing: the child commits and exits without a checkpoint, and the WAL loses its last byte, as
  when the kill lands just before the commit's last write reached the file;
- SIGKILL of ``python -m civdash import`` at spread moments after the WAL starts to grow (a bounded loop, about a minute
  or two on two cores). Where each kill lands depends on the machine; every outcome must be the state before the upload,
  the state after it, or a state the integrity check refuses and ``repair`` brings back to the state before.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from civdash.cli.main import main
from civdash.store import db, integrity
from tests.benchmarks import ingest as bench

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[3]
MONTHS = 12
OLD_TOWNS = 30  # registered and holding values before the upload (the demo district's townships)
ALL_TOWNS = 360  # the upload: the 30 with changed values and 330 new townships → 360 × 12 × 29 = 125,280 values
KILL_AFTER_MS = (0, 4, 8, 11, 14, 18, 24, 35, 60, 250)  # after the WAL starts to grow; most fall in 5–30 ms

Totals = dict[str, float]


def _write(path: Path, towns: int, change: float) -> Totals:
    """A long-table CSV of ``towns`` townships × 12 months × every indicator (the ingestion benchmark's values, each
    plus ``change``); returns its totals per indicator."""
    totals: Totals = Counter()
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(bench.HEADER)
        for month, name, row, value in bench.long_values(towns, MONTHS):
            out.writerow([f"{month.year}-{month.month:02d}", name, row["short"], value + change, row["unit"]])
            totals[row["code"]] += value + change
    return dict(totals)


def _totals(path: Path) -> tuple[Totals, int, integrity.Report]:
    con = db.connect(path)  # read-write, as the dashboard opens it: the WAL is replayed here
    try:
        totals = dict(con.execute("SELECT indicator_code, sum(value) FROM v_fact GROUP BY 1").fetchall())
        batches = con.execute("SELECT count(*) FROM batch").fetchone()[0]
        return totals, batches, integrity.check(con)
    finally:
        con.close()


def _same(a: Totals, b: Totals) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= 1e-6 * max(1.0, abs(b[k])) for k in b)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The database before the upload (30 townships × 12 months, checkpointed), the upload's file, explanations for
    every soft finding, and the totals before and after."""
    base = tmp_path_factory.mktemp("crash-commit")
    database = base / "before.duckdb"
    con = bench.fresh_database(database, OLD_TOWNS)
    con.close()
    first = base / "上报.csv"
    before = _write(first, OLD_TOWNS, 0.0)
    rules = [r["code"] for r in csv.DictReader((ROOT / "data" / "audit_rules.csv").open(encoding="utf-8-sig"))]
    explain = base / "说明.json"
    explain.write_text(json.dumps({code: "测试数据" for code in rules}, ensure_ascii=False), encoding="utf-8")
    assert main(["import", str(first), "--db", str(database), "--explain", str(explain)]) == 0
    upload = base / "明细.csv"
    after = _write(upload, ALL_TOWNS, 1.0)
    totals, batches, report = _totals(database)
    assert report.ok and batches == 1 and _same(totals, before)
    assert not database.with_name(database.name + ".wal").exists()
    return {"database": database, "upload": upload, "explain": explain, "before": before, "after": after}


def _import_args(setup: dict[str, object], database: Path) -> list[str]:
    return ["import", str(setup["upload"]), "--db", str(database), "--allow-new-townships",
            "--explain", str(setup["explain"])]


def _judge(setup: dict[str, object], database: Path) -> str:
    """'before', 'after', or 'repaired' (found by the check, repaired to the state before); fails otherwise."""
    totals, batches, report = _totals(database)
    if report.ok:
        if batches == 1 and _same(totals, setup["before"]):
            return "before"
        assert batches == 2 and _same(totals, setup["after"]), "wrong numbers passed the integrity check"
        return "after"
    assert report.orphan_rows > 0, report
    assert "python -m civdash repair" in report.message()
    assert main(["repair", "--db", str(database)]) == 0
    totals, batches, report = _totals(database)
    assert report.ok and batches == 1 and _same(totals, setup["before"])
    return "repaired"


CHILD_WITHOUT_CHECKPOINT = """
import os, sys
sys.path.insert(0, {root!r})
from civdash.cli import uploads
from civdash.store import db

connect = db.connect

def without_automatic_checkpoint(*args, **kwargs):
    con = connect(*args, **kwargs)
    con.execute("SET wal_autocheckpoint = '1TB'")
    return con

def then_exit(*args, **kwargs):  # the commit reached the WAL; leave before any checkpoint, as a kill would
    commit(*args, **kwargs)
    os._exit(0)

commit = uploads.commit
db.connect = without_automatic_checkpoint
uploads.commit = then_exit
from civdash.cli.main import main
main(sys.argv[1:])
os._exit(3)
"""


def test_a_commit_whose_last_byte_never_reached_the_wal_is_found_and_repaired(setup, tmp_path) -> None:
    database = tmp_path / "civdash.duckdb"
    shutil.copyfile(setup["database"], database)
    script = tmp_path / "child.py"
    script.write_text(CHILD_WITHOUT_CHECKPOINT.format(root=str(ROOT)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), *_import_args(setup, database)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    wal = database.with_name(database.name + ".wal")
    data = wal.read_bytes()
    assert len(data) > 100_000
    wal.write_bytes(data[:-1])  # the commit's end marker is cut: DuckDB must treat the transaction as never committed

    totals, batches, report = _totals(database)
    # What DuckDB 1.5.5 gives back: the upload's first row group without its batch, served by v_fact as current
    # values next to the ones they were to replace.
    assert batches == 1
    assert report.orphan_batches == (2,) and report.orphan_rows >= 122_880 and report.orphan_current == report.orphan_rows
    assert report.duplicate_keys > 0  # the 30 registered townships' values, twice
    assert not _same(totals, setup["before"])
    message = report.message()
    assert f"有{report.orphan_rows}条数据不属于任何导入批次" in message and "python -m civdash repair" in message

    # Nothing is saved on top of it: the next import is refused in words, before reading the file.
    assert main(_import_args(setup, database)) == 1
    assert main(["repair", "--db", str(database), "--check"]) == 1
    assert main(["repair", "--db", str(database)]) == 0
    totals, batches, report = _totals(database)
    assert report.ok and batches == 1 and _same(totals, setup["before"])
    assert main(_import_args(setup, database)) == 0  # the upload again, now whole
    totals, batches, report = _totals(database)
    assert report.ok and batches == 2 and _same(totals, setup["after"])


def test_import_killed_at_spread_moments_of_its_commit_never_serves_wrong_numbers(setup, tmp_path) -> None:
    outcomes = []
    for n, delay_ms in enumerate(KILL_AFTER_MS):
        database = tmp_path / f"kill{n}.duckdb"
        wal = database.with_name(database.name + ".wal")
        shutil.copyfile(setup["database"], database)
        child = subprocess.Popen([sys.executable, "-m", "civdash", *_import_args(setup, database)], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while child.poll() is None and not (wal.exists() and wal.stat().st_size > 0):
                time.sleep(0.0005)
            time.sleep(delay_ms / 1000)
            if child.poll() is None:
                os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=30)
        outcome = _judge(setup, database)
        outcomes.append((delay_ms, child.returncode, outcome))
        if outcome != "after":
            assert child.returncode == -signal.SIGKILL  # an import that ended by itself saved the whole upload
    print("kills (ms after the WAL appeared, exit code, outcome):", outcomes)
    assert len(outcomes) == len(KILL_AFTER_MS)
