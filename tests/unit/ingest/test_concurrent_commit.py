"""Two sessions of the dashboard (two cursors of its one connection) committing at the same moment: DuckDB aborts the
later transaction on the data version both update; the commit is tried again, so both batches end stored whole; a
conflict that does not go away is refused in Chinese with nothing stored.

The overlap is arranged by the test: the first commit pauses right after its facts are inserted (the test wraps
``civdash.store.queries.execute`` on that thread) while the second commits from start to end."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from civdash.ingest import commit as commit_module
from civdash.ingest import upload
from civdash.store import db, queries
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.overlap import overlapped
from tests.upload_fixtures import JULY, july_workbook
from tests.upload_fixtures import read as read_file

pytestmark = pytest.mark.timeout(120)


def bureau_copy(demo_path, tmp_path):
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_path, path)
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
    finally:
        con.close()
    return path


def plans(con, path):
    """The July workbook (城市低保) and a July return of 临时救助人次 for the same townships: two uploads, other keys."""
    urban, _ = july_workbook(path)
    towns = [t for (t,) in read_file(path, "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order")]
    cases = xlsx_bytes([Sheet("7月", [["黔江区2025年7月临时救助统计表", None], ["乡镇（街道）", "临时救助人次"],
                                      *[[t, 3] for t in towns]])])
    first = upload.prepare(con, [("2025年7月城市低保.xlsx", urban)])
    second = upload.prepare(con, [("2025年7月临时救助.xlsx", cases)])
    return first, second


def test_two_commits_at_the_same_moment_both_end_stored(demo_path, tmp_path, monkeypatch) -> None:
    path = bureau_copy(demo_path, tmp_path)
    con = db.connect(path)
    first, second = plans(con, path)
    assert first.fact_count == 90 and second.fact_count == 30

    def commit_on_a_cursor(plan, user):
        with con.cursor() as cur:
            return upload.commit(cur, plan, user_name=user)

    # the second commits while the first is open
    results = overlapped(monkeypatch, "upload_insert", lambda: commit_on_a_cursor(first, "李静"),
                         lambda: commit_on_a_cursor(second, "王主任"))

    assert results["first"].new == 90 and results["second"].new == 30
    rows = con.execute("SELECT b.user_name, b.status, count(f.batch_id) FILTER (WHERE f.is_current) FROM batch b "
                       "LEFT JOIN fact f ON f.batch_id = b.id WHERE b.id > 1 GROUP BY ALL ORDER BY ALL").fetchall()
    assert rows == [("李静", "committed", 90), ("王主任", "committed", 30)]  # the aborted first try left nothing
    assert con.execute("SELECT count(*) FROM v_fact WHERE period = ?", [JULY]).fetchone()[0] == 120
    con.close()


def test_a_conflict_that_does_not_go_away_is_refused_in_chinese(demo_path, tmp_path, monkeypatch) -> None:
    path = bureau_copy(demo_path, tmp_path)
    con = db.connect(path)
    first, _ = plans(con, path)
    before = con.execute("SELECT count(*), max(id) FROM batch").fetchone(), con.execute(
        "SELECT count(*) FROM fact").fetchone()

    def conflicting(c):
        raise duckdb.TransactionException("TransactionContext Error: Conflict on update!")

    monkeypatch.setattr(db, "bump_data_version", conflicting)
    monkeypatch.setattr(db.time, "sleep", lambda s: None)
    with pytest.raises(commit_module.CommitError, match="其他人正在同时保存或撤销数据，本次没有保存任何改动"):
        upload.commit(con, first, user_name="李静")
    assert (con.execute("SELECT count(*), max(id) FROM batch").fetchone(),
            con.execute("SELECT count(*) FROM fact").fetchone()) == before
    con.close()


def test_the_same_next_id_taken_by_two_commits_is_run_again(demo_path, tmp_path, monkeypatch) -> None:
    """Two uploads that both read batch_next_id before either committed: DuckDB refuses the later at its commit
    for the batch's duplicate primary key (a TransactionException without the word 'conflict'); it runs again
    with the next id instead of reaching the person as an error (a flaky browser test showed the catch-all)."""
    path = bureau_copy(demo_path, tmp_path)
    con = db.connect(path)
    _, second = plans(con, path)
    one, other = con.cursor(), con.cursor()
    next_id = one.execute("SELECT coalesce(max(id), 0) + 1 FROM batch").fetchone()[0]
    one.execute("BEGIN TRANSACTION")
    queries.execute(one, "batch_insert", id=next_id, user_name="李静", source="upload", note=None,
                    fact_count=None)
    original = queries.execute
    taken = []

    def committing_the_other(c, name, /, **params):  # the first holder commits after the second took the same id
        result = original(c, name, **params)
        if name == "batch_insert" and c is other:
            taken.append(params["id"])
            if len(taken) == 1:
                one.execute("COMMIT")
        return result

    monkeypatch.setattr(queries, "execute", committing_the_other)
    result = upload.commit(other, second, user_name="王主任")
    assert taken == [next_id, next_id + 1]  # the first try took the same id and was run again
    assert result.batch_id == next_id + 1
    assert con.execute("SELECT user_name FROM batch WHERE id >= ? ORDER BY id", [next_id]).fetchall() == [
        ("李静",), ("王主任",)]
    assert con.execute("SELECT count(*) FROM v_fact WHERE batch_id = ?", [result.batch_id]).fetchone()[0] == 30
    con.close()


def test_a_next_id_committed_by_another_before_the_insert_is_run_again(demo_path, tmp_path, monkeypatch) -> None:
    """The other order: the second upload read batch_next_id, then the first committed that id, then the second
    inserts it — DuckDB refuses the insert at once (a ConstraintException 'Duplicate key "id: …"'). Seen in the
    two-browsers test as a traceback in the server log and a page that never said 已保存 or 未保存; it runs again with
    the next id."""
    path = bureau_copy(demo_path, tmp_path)
    con = db.connect(path)
    _, second = plans(con, path)
    one, other = con.cursor(), con.cursor()
    next_id = one.execute("SELECT coalesce(max(id), 0) + 1 FROM batch").fetchone()[0]
    original = queries.scalar
    read = []

    def the_other_commits_after_the_read(c, name, /, **params):
        result = original(c, name, **params)
        if name == "batch_next_id" and c is other:
            read.append(result)
            if len(read) == 1:  # the first upload commits the id just read
                with db.transaction(one):
                    queries.execute(one, "batch_insert", id=next_id, user_name="李静", source="upload", note=None,
                                    fact_count=None)
        return result

    monkeypatch.setattr(queries, "scalar", the_other_commits_after_the_read)
    result = upload.commit(other, second, user_name="王主任")
    assert read == [next_id, next_id + 1]
    assert result.batch_id == next_id + 1
    assert con.execute("SELECT user_name FROM batch WHERE id >= ? ORDER BY id", [next_id]).fetchall() == [
        ("李静",), ("王主任",)]
    con.close()


def test_a_duplicate_in_the_data_is_not_taken_for_a_lost_race() -> None:
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise duckdb.ConstraintException('Constraint Error: Duplicate key "indicator_code: x, township_id: 1" '
                                         "violates primary key constraint.")

    with pytest.raises(duckdb.ConstraintException):
        db.retried_on_conflict(attempt, RuntimeError("busy"))
    assert calls == [1]
