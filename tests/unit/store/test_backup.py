"""``python -m civdash backup | restore``: a complete copy that opens, also while another process holds the
database and writes to it; restore refused while held, and a round trip that gives the same values back."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from civdash.cli.main import main
from civdash.store import backup, db
from tests.unit.conftest import held_by_another_process

# Another process holding the database read-write, as the dashboard does, and writing while it holds it: each
# transaction adds a batch with 50 facts and sets data_version to the number of batches, so any state the database
# really had satisfies facts == 50 × batches == 50 × data_version. A checkpoint every third transaction (and a
# small automatic threshold) makes checkpoints run while backups copy.
WRITER = """
import os, sys, duckdb
c = duckdb.connect(sys.argv[1])
c.execute("SET wal_autocheckpoint = '256KB'")
i = 0
while i == 0 or not os.path.exists(sys.argv[2]):
    i += 1
    c.execute("BEGIN TRANSACTION")
    b = c.execute("INSERT INTO batch (source, note) VALUES ('cli', 'writer') RETURNING id").fetchone()[0]
    c.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id) "
              "SELECT 'persons', r % 3 + 1, DATE '2025-01-01', r, $b FROM range(50) t(r)", {"b": b})
    c.execute("INSERT INTO meta VALUES ('data_version', (SELECT count(*) FROM batch)::VARCHAR) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    c.execute("COMMIT")
    if i == 1:
        print("ok", flush=True)  # holding the file, with a first commit in it
    if i % 3 == 0:
        c.execute("CHECKPOINT")
print(i, flush=True)
"""


def state(path: Path) -> tuple[int, int, int]:
    """(batches, facts, data_version) of a database file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (con.execute("SELECT count(*) FROM batch").fetchone()[0], con.execute("SELECT count(*) FROM fact").fetchone()[0],
                db.data_version(con))
    finally:
        con.close()


def values(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT * FROM v_fact ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.fixture
def bureau(small) -> Path:
    """The tiny district as the bureau's database file, closed."""
    small.con.execute("CHECKPOINT")
    small.con.close()
    return small.path


def test_backup_of_a_file_nobody_holds(bureau, tmp_path) -> None:
    result = backup.create_backup(bureau, tmp_path / "backups", now=datetime(2025, 7, 1, 2, 0, 0))
    assert result.path == tmp_path / "backups" / "civdash-20250701-020000.duckdb" and result.method == "direct"
    assert values(result.path) == values(bureau)
    assert sorted(p.name for p in result.path.parent.iterdir()) == [result.path.name]  # nothing else left behind
    s = result.summary
    assert (s.batches, s.current_facts, s.latest_month.isoformat()) == (2, len(values(bureau)), "2025-03-01")
    assert s.schema_version == db.migrations()[-1][0]


def test_backup_while_another_process_holds_and_writes(tmp_path) -> None:
    path = tmp_path / "civdash.duckdb"
    db.connect(path).close()
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(stop)], stdout=subprocess.PIPE, text=True)
    seen: list[tuple[int, int, int]] = []
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ok"
        with pytest.raises(db.DatabaseBusy):  # the lock is real: SQL cannot reach the file
            db.connect(path, read_only=True)
        time.sleep(0.5)  # let it write a while first
        for k in range(8):
            result = backup.create_backup(path, tmp_path / "b", now=datetime(2025, 7, 1, 2, 0, k))
            assert result.method == "snapshot"
            batches, facts, version = state(result.path)  # the copy opens …
            assert facts == 50 * batches and version == batches  # … and holds a state the database really had
            seen.append((batches, facts, version))
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0].strip())
    assert seen == sorted(seen) and seen[-1][0] > seen[0][0] > 0  # the writer kept writing during the backups
    assert written >= seen[-1][0]


def test_restore_is_refused_while_the_dashboard_holds_the_database(bureau, tmp_path, capsys) -> None:
    copy = backup.create_backup(bureau, tmp_path / "b").path
    before = sorted(p.name for p in bureau.parent.iterdir())
    with held_by_another_process(bureau):
        assert main(["restore", str(copy), "--db", str(bureau)]) == 1
    err = capsys.readouterr().err
    assert "拒绝恢复" in err and "请先停止看板服务" in err and "未做任何改动" in err
    assert sorted(p.name for p in bureau.parent.iterdir()) == before


def test_restore_round_trip(bureau, tmp_path, capsys) -> None:
    original = values(bureau)
    assert main(["backup", str(tmp_path / "b"), "--db", str(bureau)]) == 0
    [copy] = (tmp_path / "b").iterdir()
    con = db.connect(bureau)  # a change after the backup …
    con.execute("UPDATE fact SET value = value + 1")
    con.close()
    assert values(bureau) != original
    assert main(["restore", str(copy), "--db", str(bureau)]) == 0
    out = capsys.readouterr().out
    assert values(bureau) == original  # … is undone
    [kept] = bureau.parent.glob("small.duckdb.before-restore-*")
    assert f"原数据库已保留为：{kept}" in out and values(kept) != original
    con = db.connect(bureau)  # the sequences came back too: a new batch does not reuse an id
    try:
        new = con.execute("INSERT INTO batch (source) VALUES ('cli') RETURNING id").fetchone()[0]
        assert new > con.execute("SELECT max(id) FROM batch WHERE id <> ?", [new]).fetchone()[0]
    finally:
        con.close()


def test_restore_refuses_what_is_not_a_civdash_backup(bureau, tmp_path, capsys) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    for bad in (other, junk, tmp_path / "missing.duckdb"):
        assert main(["restore", str(bad), "--db", str(bureau)]) == 1
    assert capsys.readouterr().err.count("\n") == 3
    assert not list(bureau.parent.glob("*.before-restore-*"))
    newer = tmp_path / "newer.duckdb"
    backup.create_backup(bureau, tmp_path / "n")
    [made] = (tmp_path / "n").iterdir()
    con = duckdb.connect(str(made))
    con.execute("INSERT INTO schema_version (version) VALUES (999)")
    con.close()
    made.rename(newer)
    with pytest.raises(backup.BackupError, match="比本程序支持的"):
        backup.restore(newer, bureau)


def test_keep_prunes_older_backups(bureau, tmp_path) -> None:
    directory = tmp_path / "b"
    for day in range(1, 5):
        backup.create_backup(bureau, directory, now=datetime(2025, 7, day, 2, 0, 0))
    (directory / "notes.txt").write_text("kept")
    result = backup.create_backup(bureau, directory, keep=2, now=datetime(2025, 7, 5, 2, 0, 0))
    assert [p.name for p in result.pruned] == [f"civdash-2025070{d}-020000.duckdb" for d in (1, 2, 3)]
    assert sorted(p.name for p in directory.iterdir()) == [
        "civdash-20250704-020000.duckdb", "civdash-20250705-020000.duckdb", "notes.txt"]


def test_verify_prints_what_a_backup_holds(bureau, tmp_path, capsys) -> None:
    made = backup.create_backup(bureau, tmp_path / "b").path
    assert main(["backup", "--verify", str(made)]) == 0
    out = capsys.readouterr().out
    n = len(values(bureau))
    for line in ("备份可以打开", f"结构版本：{db.migrations()[-1][0]}", "导入批次：2个", f"当前数据：{n}条",
                 "最新月份：2025年3月", "示例数据：否"):
        assert line in out
    assert main(["backup", "--verify", str(tmp_path / "nothing.duckdb")]) == 1
    assert main(["backup", "--db", str(bureau)]) == 2
