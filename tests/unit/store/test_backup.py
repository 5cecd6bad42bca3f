"""``python -m civdash backup | restore``: a complete copy that opens, also while another process holds the
database and writes to it; restore refused while held, and a round trip that gives the same values back."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from civdash.access import auth
from civdash.cli.main import main
from civdash.ingest import commit as commit_module
from civdash.ingest import upload
from civdash.store import backup, db
from tests.unit.conftest import held_by_another_process
from tests.unit.store.test_lake_upload import corrected_workbook
from tests.upload_fixtures import july_workbook

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


# --- a bureau's database with real batches, original files and history (issue 16, item 2) ----------------------------
# COPY FROM DATABASE in DuckDB 1.5 inserts the tables' rows in whatever order its scheduler runs them, ignoring the
# foreign key batch_file → batch: a database with uploaded files failed with "Violates foreign key constraint" when
# nobody held it, and in the byte-copy path the same error was retried as if the copy were torn and reported as
# "数据库一直在写入或整理中". The small district above has no batch_file rows, so it never showed.

UPLOADS = ("2025年7月城市低保.xlsx", "2025年7月城市低保（更正）.xlsx", "2025年7月城市低保（再次更正）.xlsx")


@pytest.fixture(scope="module")
def history_template(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The demo's data as a bureau's own database, then July uploaded, corrected, the correction rolled back and
    corrected again; an account with a password hash. Returns the closed file and the uploaded files' bytes."""
    path = tmp_path_factory.mktemp("history") / "civdash.duckdb"
    shutil.copyfile(demo_path, path)
    con = db.connect(path)
    db.set_meta(con, "is_demo", "0")  # a rollback is refused on the demo
    con.close()
    first, values = july_workbook(path)
    corrected = corrected_workbook({t: (h + 1, p + 1, f) for t, (h, p, f) in values.items()})
    again = corrected_workbook({t: (h + 1, p + 2, f) for t, (h, p, f) in values.items()})
    files = dict(zip(UPLOADS, (first, corrected, again), strict=True))
    con = db.connect(path)
    try:
        batches = [upload.commit(con, upload.prepare(con, [(name, data)]), user_name="李静").batch_id
                   for name, data in files.items() if name != UPLOADS[2]]
        commit_module.rollback(con, batches[1], user_name="王主任")
        upload.commit(con, upload.prepare(con, [(UPLOADS[2], files[UPLOADS[2]])]), user_name="李静")
        auth.add_user(con, "王主任", "admin", "backup-test-password-1")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path, files


@pytest.fixture
def history(history_template, tmp_path) -> Path:
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(history_template[0], path)
    return path


def counts(path: Path) -> dict[str, int]:
    """Table → rows of a database file (opened read-only, so only when nobody holds it)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(names)}
    finally:
        con.close()


def stored_files(path: Path) -> dict[str, bytes]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: bytes(content) for name, content in con.execute(
            "SELECT file_name, content FROM batch_file WHERE content IS NOT NULL").fetchall()}
    finally:
        con.close()


def test_the_realistic_database_has_batches_files_history_and_an_account(history, history_template) -> None:
    n = counts(history)
    assert n["batch"] >= 4 and n["batch_file"] >= 3 and n["app_user"] == 1
    files = stored_files(history)
    assert {name: files[name] for name in UPLOADS} == history_template[1]  # the original files, byte for byte
    con = duckdb.connect(str(history), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM fact WHERE NOT is_current").fetchone()[0] > 0  # history is kept
        assert con.execute("SELECT count(*) FROM batch WHERE status = 'rolled_back'").fetchone()[0] == 1
    finally:
        con.close()


def test_backup_of_a_database_with_uploaded_files_nobody_holds(history, history_template, tmp_path, capsys) -> None:
    expected = counts(history)
    assert main(["backup", str(tmp_path / "b"), "--db", str(history)]) == 0
    captured = capsys.readouterr()
    assert "数据库未被占用，直接复制" in captured.out and captured.err == ""
    [made] = (tmp_path / "b").iterdir()
    assert counts(made) == expected  # every table, batch_file and its children's parents included
    assert values(made) == values(history)
    for name, data in history_template[1].items():
        assert stored_files(made)[name] == data  # the original files, byte for byte
    assert sequences(made) == sequences(history)


def sequences(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT sequence_name, start_value, last_value FROM duckdb_sequences() ORDER BY ALL").fetchall()
    finally:
        con.close()


def dashboard_holding(path: Path):
    """Another process holds ``path`` read-write as the running dashboard does, after writing to it as the
    dashboard does (a login: the account's session row, so the log holds commits), then idles."""
    return held_by_another_process(path, "from civdash.access import auth\nfrom civdash.store import db\n"
                                         f"c = db.connect({str(path)!r})\n"
                                         "user = auth.login(c.cursor(), '王主任', 'backup-test-password-1').user\n"
                                         "auth.start_session(c.cursor(), user)\n")


def test_backup_while_the_dashboard_holds_the_database_idle(history, history_template, tmp_path) -> None:
    made = []
    with dashboard_holding(history):
        assert Path(f"{history}.wal").exists()  # the login's commits are in the log, not yet in the file
        with pytest.raises(db.DatabaseBusy):
            db.connect(history, read_only=True)
        for k in range(3):
            result = backup.create_backup(history, tmp_path / "b", now=datetime(2025, 7, 1, 2, 0, k),
                                          pause=lambda _: None)
            assert (result.method, result.attempts) == ("snapshot", 1)  # idle: the first copy is consistent
            made.append(result.path)
    expected = counts(history)
    assert expected["login_session"] == 1 and expected["batch_file"] == 4
    for path in made:
        assert counts(path) == expected
        assert values(path) == values(history)
        for name, data in history_template[1].items():
            assert stored_files(path)[name] == data


def test_the_copy_inserts_parents_before_children(history) -> None:
    con = duckdb.connect(str(history), read_only=True)
    try:
        order = backup.dependency_order(con, "civdash")
    finally:
        con.close()
    assert order.index("batch") < order.index("batch_file")
    assert sorted(order) == sorted(counts(history))


def test_copy_database_keeps_foreign_keys_whatever_the_table_names(tmp_path) -> None:
    """A child whose name sorts first, three levels deep: DuckDB's own COPY FROM DATABASE fails on this."""
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE z_parent (id INTEGER PRIMARY KEY); CREATE TABLE m_middle (id INTEGER PRIMARY KEY, "
                "p INTEGER REFERENCES z_parent (id)); CREATE TABLE a_child (m INTEGER REFERENCES m_middle (id))")
    con.execute("INSERT INTO z_parent SELECT range FROM range(100); INSERT INTO m_middle SELECT range, range % 100 "
                "FROM range(1000); INSERT INTO a_child SELECT range % 1000 FROM range(5000)")
    assert backup.dependency_order(con, "memory") == ["z_parent", "m_middle", "a_child"]
    con.execute(f"ATTACH '{tmp_path / 'copy.duckdb'}' AS dst")
    with db.transaction(con):
        backup.copy_database(con, "memory", "dst")
    assert [con.execute(f"SELECT count(*) FROM dst.{t}").fetchone()[0] for t in ("z_parent", "m_middle", "a_child")] == \
        [100, 1000, 5000]


def test_every_duckdb_error_becomes_a_chinese_message(history, tmp_path, monkeypatch, capsys) -> None:
    def failing(con, source, target):
        raise duckdb.ConstraintException("Constraint Error: simulated")

    monkeypatch.setattr(backup, "copy_database", failing)
    assert main(["backup", str(tmp_path / "b"), "--db", str(history)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"无法备份 {history}：") and "simulated" in err and "Traceback" not in err
    assert list((tmp_path / "b").iterdir()) == []  # nothing left behind
    with held_by_another_process(history):  # the byte-copy path says what failed, not that the database was busy
        with pytest.raises(backup.BackupError) as raised:
            backup.create_backup(history, tmp_path / "c", attempts=2, pause=lambda _: None)
    assert "一直在写入或整理中" not in str(raised.value)
    assert "尝试复制2次均未得到可用的副本（其中0次遇到数据库正在整理）" in str(raised.value)
    assert "simulated" in str(raised.value)
