"""The import process killed (SIGKILL) in the middle of a commit or a rollback: the database opens, holds no part of
the interrupted batch, and every value is as it was before.

A child process imports a file through civdash (``upload.prepare`` + ``upload.commit``, the ``import`` command,
or ``commit.rollback``). The pause is placed by this test, not by production code: the child wraps
``civdash.store.queries.execute`` so that, right after the named statement of the commit's transaction has run, it writes
a marker file and sleeps. The parent waits for the marker, kills the child with SIGKILL and opens the database.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from civdash.cli.main import main
from civdash.domain import rules
from civdash.ingest import upload
from civdash.ingest.commit import rollback
from civdash.store import db
from tests import ingest_fixtures as fx
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.upload_fixtures import JULY, JUNE, july_workbook, june

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[3]

# The child: pause (marker file, then sleep) right after the statement ``pause_after`` has run, then import or roll
# back. argv: database, what (upload | cli | rollback), file or batch id, statement name, marker file.
CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from civdash.store import db, queries

database, what, target, pause_after, marker = sys.argv[1:6]
original = queries.execute

def pausing(con, name, /, **params):
    result = original(con, name, **params)
    if name == pause_after:
        Path(marker).write_text(name)
        time.sleep(600)
    return result

queries.execute = pausing
if what == "cli":
    from civdash.cli.main import main
    main(["import", target, "--db", database, "--allow-new-townships"])
else:
    from civdash.ingest import upload
    from civdash.ingest.commit import rollback
    con = db.connect(database)
    if what == "rollback":
        rollback(con, int(target), user_name="崩溃测试")
    else:
        plan = upload.prepare(con, [(Path(target).name, Path(target).read_bytes())])
        assert plan.ok, plan.errors
        upload.commit(con, plan, user_name="崩溃测试")
print("not killed", flush=True)
"""


def killed_in_the_middle(tmp_path: Path, database: Path, what: str, target: str, pause_after: str) -> None:
    """Run the child until it pauses after ``pause_after`` inside the transaction, then SIGKILL it."""
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)), encoding="utf-8")
    marker = tmp_path / f"paused-{pause_after}"
    marker.unlink(missing_ok=True)
    child = subprocess.Popen([sys.executable, str(script), str(database), what, target, pause_after, str(marker)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the child ended before pausing ({child.returncode}):\n{child.stdout.read()}")
            assert time.monotonic() < deadline, "the child never reached the pause"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        child.stdout.close()


def snapshot(path: Path) -> dict[str, object]:
    """Everything that must survive: every table read in full (counts and contents), v_fact, a few values."""
    con = duckdb.connect(str(path))  # read-write, as the dashboard opens it: the log is replayed here
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name").fetchall()]
        out: dict[str, object] = {}
        for table in tables:  # every table and view read through, every column
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            out[f"count {table}"] = len(rows)
            if table not in ("audit_log",):
                out[table] = sorted(rows, key=repr)
        out["v_fact"] = con.execute("SELECT * FROM v_fact ORDER BY ALL").fetchall()
        out["values"] = con.execute(
            "SELECT township, indicator_code, period, value FROM v_fact WHERE township IN ('城东街道', '中塘镇') "
            "AND indicator_code IN ('dibao_urban_persons', 'dibao_urban_funds') AND period >= ? ORDER BY ALL",
            [JUNE]).fetchall()
        out["batches"] = con.execute("SELECT id, status FROM batch ORDER BY id").fetchall()
        out["data_version"] = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        return out
    finally:
        con.close()


def bureau_copy(demo_path: Path, tmp_path: Path) -> Path:
    """A writable bureau database: the demo's data, not marked as the demo (so rollbacks are allowed)."""
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_path, path)
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def june_correction(path: Path) -> bytes:
    """June again with 城市低保户数 and 人数 corrected upwards and the funds as stored: changed and unchanged values."""
    stored = june(path)
    rows: list[list[object]] = [["黔江区2025年6月城市低保统计表", None, None, None],
                                ["乡镇（街道）", "城市低保户数", "城市低保人数", "城市低保资金（元）"]]
    for town, (households, persons, funds) in stored.items():
        rows.append([town, int(households) + 1, int(persons) + 3, funds])
    return xlsx_bytes([Sheet("6月", rows)])


def import_in_process(path: Path, name: str, data: bytes) -> int:
    con = db.connect(path)
    try:
        plan = upload.prepare(con, [(name, data)])
        assert plan.ok, plan.errors
        return upload.commit(con, plan, user_name="统计员").batch_id
    finally:
        con.close()


def assert_untouched(path: Path, before: dict[str, object], batch_id: int | None = None) -> None:
    after = snapshot(path)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key
    if batch_id is not None:
        con = duckdb.connect(str(path))
        try:
            assert con.execute("SELECT count(*) FROM batch WHERE id >= ?", [batch_id]).fetchone()[0] == 0
            assert con.execute("SELECT count(*) FROM fact WHERE batch_id >= ?", [batch_id]).fetchone()[0] == 0
            assert con.execute("SELECT count(*) FROM batch_file WHERE batch_id >= ?", [batch_id]).fetchone()[0] == 0
        finally:
            con.close()


def next_batch_id(path: Path) -> int:
    con = duckdb.connect(str(path))
    try:
        return con.execute("SELECT coalesce(max(id), 0) + 1 FROM batch").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("pause_after", ["upload_insert", "meta_set"])
def test_killed_while_superseding_a_month(demo_path, tmp_path, pause_after) -> None:
    path = bureau_copy(demo_path, tmp_path)
    upload_file = tmp_path / "2025年6月城市低保（更正）.xlsx"
    upload_file.write_bytes(june_correction(path))
    before, batch_id = snapshot(path), next_batch_id(path)

    killed_in_the_middle(tmp_path, path, "upload", str(upload_file), pause_after)

    assert_untouched(path, before, batch_id)
    # and the database takes the same upload afterwards: the correction is stored whole
    stored = import_in_process(path, upload_file.name, upload_file.read_bytes())
    corrected = june(path)
    for town, (households, persons, funds) in before_june(before).items():
        assert corrected[town] == (households + 1, persons + 3, funds)
    assert stored >= batch_id


def before_june(before: dict[str, object]) -> dict[str, tuple[float, float, float]]:
    out: dict[str, dict[str, float]] = {}
    for code, _, _, _, township, _, period, value, _ in before["v_fact"]:
        if period == JUNE and code in ("dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds"):
            out.setdefault(township, {})[code] = value
    return {t: (v["dibao_urban_households"], v["dibao_urban_persons"], v["dibao_urban_funds"]) for t, v in out.items()}


@pytest.mark.parametrize("pause_after", ["upload_insert", "meta_set"])
def test_killed_while_storing_a_new_month(demo_path, tmp_path, pause_after) -> None:
    path = bureau_copy(demo_path, tmp_path)
    data, expected = july_workbook(path)
    upload_file = tmp_path / "2025年7月城市低保.xlsx"
    upload_file.write_bytes(data)
    before, batch_id = snapshot(path), next_batch_id(path)
    assert not [r for r in before["v_fact"] if r[6] == JULY]

    killed_in_the_middle(tmp_path, path, "upload", str(upload_file), pause_after)

    assert_untouched(path, before, batch_id)
    import_in_process(path, upload_file.name, data)
    con = duckdb.connect(str(path))
    try:
        persons = con.execute("SELECT sum(value) FROM v_fact WHERE period = ? AND indicator_code = "
                              "'dibao_urban_persons'", [JULY]).fetchone()[0]
    finally:
        con.close()
    assert persons == sum(p for _, p, _ in expected.values())


def long_table(path: Path, months: int = 150) -> bytes:
    """A long table (期间 | 乡镇 | 指标 | 数值 | 单位) of every indicator and township from 2013-01 on: with 150 months
    130,500 values, more than one of DuckDB's row groups (122,880 rows), so rows reach the file before the commit."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        indicators = con.execute("SELECT name, unit FROM indicator ORDER BY code").fetchall()
        towns = [t for (t,) in con.execute(
            "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order").fetchall()]
    finally:
        con.close()
    lines = ["期间,乡镇,指标,数值,单位"]
    for m in range(months):
        period = f"{2013 + m // 12}-{m % 12 + 1:02d}"
        lines += [f"{period},{town},{name},{10 + (i * 7 + j * 3 + m) % 50},{unit}"
                  for i, (name, unit) in enumerate(indicators) for j, town in enumerate(towns)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def rules_switched_off(path: Path) -> None:
    """The audit rules disabled, as an admin may: the long table below is made-up numbers (10 to 59 of everything,
    more 户 than 人), and what is tested here is how it is stored."""
    con = db.connect(path)
    try:
        for rule in rules.rules(con):
            rules.save(con, replace(rule, enabled=False), "管理员")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def test_killed_while_storing_a_large_upload(demo_path, tmp_path) -> None:
    path = bureau_copy(demo_path, tmp_path)
    rules_switched_off(path)
    upload_file = tmp_path / "明细-2013年起.csv"
    upload_file.write_bytes(long_table(path))
    before, batch_id = snapshot(path), next_batch_id(path)
    size = path.stat().st_size

    killed_in_the_middle(tmp_path, path, "upload", str(upload_file), "upload_insert")
    assert path.stat().st_size > size  # the uncommitted rows were written to the file itself

    assert_untouched(path, before, batch_id)
    import_in_process(path, upload_file.name, upload_file.read_bytes())
    con = duckdb.connect(str(path))
    try:
        assert con.execute("SELECT count(*) FROM fact WHERE batch_id = ?", [batch_id]).fetchone()[0] == 130_500
    finally:
        con.close()


def test_killed_while_rolling_back(demo_path, tmp_path) -> None:
    path = bureau_copy(demo_path, tmp_path)
    as_the_demo_had_it = june(path)
    correction = june_correction(path)
    batch_id = import_in_process(path, "2025年6月城市低保（更正）.xlsx", correction)
    before = snapshot(path)
    assert before["batches"][-1] == (batch_id, "committed")

    killed_in_the_middle(tmp_path, path, "rollback", str(batch_id), "rollback_restore")

    assert_untouched(path, before)
    # the rollback, done again, restores June as the demo had it
    con = db.connect(path)
    try:
        result = rollback(con, batch_id, user_name="统计员")
    finally:
        con.close()
    assert result.restored > 0
    assert june(path) == as_the_demo_had_it


def test_killed_during_the_first_import_into_a_new_database(tmp_path) -> None:
    """The command line's first import builds the database beside its name: killed, it leaves no database, and
    the next import sets it up as if nothing had happened."""
    long_csv = fx.write_csv(tmp_path, encoding="gbk")
    path = tmp_path / "real.duckdb"

    killed_in_the_middle(tmp_path, path, "cli", str(long_csv), "upload_insert")

    assert not path.exists()
    assert main(["import", str(long_csv), "--db", str(path), "--allow-new-townships"]) == 0
    con = duckdb.connect(str(path))
    try:
        assert con.execute("SELECT id, status FROM batch").fetchall() == [(1, "committed")]
        assert con.execute("SELECT count(*) FROM v_fact").fetchone()[0] == len(fx.long_table_text_rows()) - 1
        assert con.execute("SELECT min(period), max(period) FROM v_fact").fetchone() == (date(2025, 4, 1),
                                                                                          date(2025, 6, 1))
    finally:
        con.close()
