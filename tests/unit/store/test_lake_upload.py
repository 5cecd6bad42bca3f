"""Uploads on the shared store (DuckLake) as on the local file: upload → commit → a corrected upload supersedes and
keeps history → rollback restores exactly; and two dashboard processes (two ``db.connect(lake)``, separate DuckDB
instances) on one lake: what one commits the other sees, and two overlapping commits both end stored (the later
one tried again) or one is refused in words, with no value lost and distinct batch ids.

The bureau's data is the session's demo (ending 2025-06) marked as not a demo (a demo is never rolled back); the
uploads are July 2025 returns written as the office writes them (tests/upload_fixtures.py).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from civdash.ingest import commit as commit_module
from civdash.ingest import upload
from civdash.store import db, ducklake, queries
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.overlap import overlapped
from tests.unit.store.test_lake import copy_into_lake
from tests.upload_fixtures import JULY, july_workbook
from tests.upload_fixtures import read as read_file

pytestmark = pytest.mark.timeout(300)

URBAN = ("dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds")
CHANGED_TOWNS = 5  # the correction changes 户数 and 人数 of the first five townships


# --- the bureau's database on both stores -----------------------------------------------------------------------------


@pytest.fixture
def bureau_file(demo_path: Path, tmp_path: Path) -> Path:
    """A copy of the demo as a bureau's own database (not a demo: batches may be rolled back)."""
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_path, path)
    con = db.connect(path)
    try:
        db.set_meta(con, "is_demo", "0")
    finally:
        con.close()
    return path


@pytest.fixture
def bureau_lake(lake: ducklake.Lake, bureau_file: Path) -> ducklake.Lake:
    """The same database copied into a new lake."""
    copy_into_lake(lake, bureau_file).close()
    return lake


def towns_of(path: Path) -> list[str]:
    return [t for (t,) in read_file(path, "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order")]


def corrected_workbook(values: dict[str, tuple[int, int, float]]) -> bytes:
    """The July report again (the layout of ``july_workbook``, full names), with ``values`` (户数, 人数, 资金 in 元)."""
    rows: list[list[object]] = [["黔江区2025年7月城市低保统计表（更正）", None, None, None],
                                ["乡镇（街道）", "城市低保", None, None],
                                [None, "户数", "人数", "当月资金（万元）"]]
    for town, (h, p, f) in values.items():
        rows.append([town, h, p, round(f / 10_000, 2)])
    return xlsx_bytes([Sheet("7月", rows, [(0, 0, 0, 3), (1, 0, 2, 0), (1, 1, 1, 3)])])


def july(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], float]:
    """(township, indicator) → the current July value."""
    rows = con.execute("SELECT township, indicator_code, value FROM v_fact WHERE period = ?", [JULY]).fetchall()
    return {(t, c): v for t, c, v in rows}


def everything(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """v_fact whole, in a defined order."""
    return con.execute("SELECT * FROM v_fact ORDER BY indicator_code, township, period").df()


def history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every stored fact with its batch and whether it is current (the history an exact rollback needs)."""
    return con.execute("SELECT indicator_code, township_id, period, value, batch_id, is_current FROM fact "
                       "WHERE period = ? ORDER BY ALL", [JULY]).df()


def upload_sequence(con: duckdb.DuckDBPyConnection, source: Path) -> dict[str, object]:
    """Upload, correct, roll back the correction, roll back the upload; assert each step against the source
    workbooks; return what each step left, for comparing the stores."""
    before = everything(con)
    version = db.data_version(con)
    first_bytes, first_values = july_workbook(source)
    towns = towns_of(source)
    assert len(first_values) == len(towns) == 30

    plan = upload.prepare(con, [("2025年7月城市低保.xlsx", first_bytes)])
    assert plan.ok and plan.fact_count == 90, [f.message for f in plan.errors]
    first = upload.commit(con, plan, user_name="李静")
    assert (first.new, first.changed, first.unchanged, first.periods) == (90, 0, 0, [JULY])
    expected = {(t, code): float(v) for t, values in first_values.items() for code, v in zip(URBAN, values, strict=True)}
    stored = july(con)
    assert stored.keys() == expected.keys()
    for key, value in expected.items():
        assert stored[key] == pytest.approx(value), key
    assert db.data_version(con) == version + 1
    after_first, history_first = everything(con), history(con)

    corrected = {t: (first_values[t][0] + 5 * (k < CHANGED_TOWNS), first_values[t][1] + 7 * (k < CHANGED_TOWNS),
                     first_values[t][2]) for k, t in enumerate(towns)}
    plan = upload.prepare(con, [("2025年7月城市低保（更正）.xlsx", corrected_workbook(corrected))])
    assert plan.ok, [f.message for f in plan.errors]
    second = upload.commit(con, plan, user_name="王主任")
    assert second.batch_id == first.batch_id + 1
    assert (second.new, second.changed, second.unchanged) == (0, 2 * CHANGED_TOWNS, 90 - 2 * CHANGED_TOWNS)
    stored = july(con)
    for k, town in enumerate(towns):
        h, p, f = corrected[town]
        assert (stored[(town, URBAN[0])], stored[(town, URBAN[1])]) == (h, p)
        assert stored[(town, URBAN[2])] == pytest.approx(f)
        if k < CHANGED_TOWNS:
            assert stored[(town, URBAN[0])] == expected[(town, URBAN[0])] + 5
    # The replaced values are kept as history and the batches say what became of them.
    facts = history(con)
    assert len(facts) == 90 + 90 and facts["is_current"].sum() == 90
    assert (facts[facts["batch_id"] == second.batch_id]["is_current"].sum()) == 2 * CHANGED_TOWNS
    changes_first = commit_module.batch_changes(con, first.batch_id)
    assert changes_first["state"].value_counts().to_dict() == {"current": 80, "superseded": 10}
    assert set(changes_first.loc[changes_first["state"] == "superseded", "later_batch"]) == {second.batch_id}
    changes_second = commit_module.batch_changes(con, second.batch_id)
    assert changes_second["state"].value_counts().to_dict() == {"unchanged": 80, "current": 10}
    changed = changes_second[changes_second["state"] == "current"]
    for row in changed.itertuples():
        assert row.before_value == expected[(row.township, row.indicator_code)]
    summary = commit_module.batch_change_summary(con, first.batch_id)
    assert sorted(zip(summary["period"], summary["state"], summary["facts"], strict=True)) == [
        (JULY, "current", 80), (JULY, "superseded", 10)]
    listed = commit_module.batches(con)
    assert listed["id"].tolist()[:2] == [second.batch_id, first.batch_id]
    assert listed["current_facts"].tolist()[:2] == [10, 80] and listed["facts"].tolist()[:2] == [90, 90]
    preview = commit_module.rollback_preview(con, second.batch_id)
    assert (preview.restored, preview.removed) == (10, 0)
    after_second = everything(con)

    undone = commit_module.rollback(con, second.batch_id, user_name="王主任")
    assert (undone.restored, undone.removed) == (10, 0)
    assert july(con) == pytest.approx(expected)
    pd.testing.assert_frame_equal(everything(con), after_first)
    restored = history(con)
    pd.testing.assert_frame_equal(restored[restored["batch_id"] == first.batch_id].reset_index(drop=True),
                                  history_first.reset_index(drop=True))
    with pytest.raises(commit_module.CommitError, match="已经撤销过了"):
        commit_module.rollback(con, second.batch_id)

    undone = commit_module.rollback(con, first.batch_id, user_name="李静")
    assert (undone.restored, undone.removed) == (0, 90)
    assert july(con) == {}
    pd.testing.assert_frame_equal(everything(con), before)
    assert db.data_version(con) == version + 4
    return {"after_first": after_first, "after_second": after_second, "history": history(con), "summary": summary,
            # the rollback's note says when (to the minute): the two runs may straddle a minute
            "batches": commit_module.batches(con).drop(columns="created_at").assign(
                note=lambda b: b["note"].str.replace(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "<时间>", regex=True)),
            "changes": changes_second.drop(columns=[c for c in changes_second.columns if c.endswith("_at")])}


def test_upload_supersede_and_rollback_on_a_lake_as_on_a_file(bureau_file: Path, bureau_lake: ducklake.Lake) -> None:
    on_lake = db.connect(bureau_lake)
    try:
        assert ducklake.is_lake(on_lake)
        lake_steps = upload_sequence(on_lake, bureau_file)
    finally:
        on_lake.close()
    on_file = db.connect(bureau_file)
    try:
        file_steps = upload_sequence(on_file, bureau_file)
    finally:
        on_file.close()
    for step, frame in file_steps.items():
        pd.testing.assert_frame_equal(lake_steps[step], frame, obj=step)


def test_the_same_file_again_is_recognised_on_a_lake(bureau_file: Path, bureau_lake: ducklake.Lake) -> None:
    con = db.connect(bureau_lake)
    try:
        data, _ = july_workbook(bureau_file)
        first = upload.commit(con, upload.prepare(con, [("7月.xlsx", data)]))
        again = upload.prepare(con, [("7月（再次）.xlsx", data)])
        assert any(f"与第{first.batch_id}批导入的文件内容完全相同" in w.message for w in again.warnings)
        assert commit_module.preview(con, again.frame())["status"].value_counts().to_dict() == {"unchanged": 90}
        files = commit_module.batch_files(con, first.batch_id)
        assert [(f.file_name, f.content) for f in files] == [("7月.xlsx", data)]
    finally:
        con.close()


# --- two processes on one lake ----------------------------------------------------------------------------------------


def cases_workbook(towns: list[str], per_town: int = 3) -> bytes:
    return xlsx_bytes([Sheet("7月", [["黔江区2025年7月临时救助统计表", None], ["乡镇（街道）", "临时救助人次"],
                                     *[[t, per_town] for t in towns]])])


def test_what_one_process_commits_the_other_sees(bureau_file: Path, bureau_lake: ducklake.Lake) -> None:
    one, other = db.connect(bureau_lake), db.connect(bureau_lake)
    try:
        version = db.data_version(other)
        assert july(other) == {}
        data, expected = july_workbook(bureau_file)
        result = upload.commit(one, upload.prepare(one, [("2025年7月城市低保.xlsx", data)]), user_name="李静")
        seen = july(other)
        assert len(seen) == 90
        assert seen[("城东街道", "dibao_urban_persons")] == expected["城东街道"][1]
        assert db.data_version(other) == db.data_version(one) == version + 1
        assert commit_module.batches(other)["id"].iloc[0] == result.batch_id
        # and back: a rollback in the other process is seen by the first
        commit_module.rollback(other, result.batch_id, user_name="王主任")
        assert july(one) == {} and db.data_version(one) == version + 2
        assert commit_module.batches(one)["status"].iloc[0] == "rolled_back"
    finally:
        one.close()
        other.close()


def test_two_processes_committing_at_the_same_moment_lose_nothing(bureau_file: Path, bureau_lake: ducklake.Lake,
                                                                   monkeypatch) -> None:
    """The first commit pauses right after its facts are inserted while the second commits from start to end in the
    other process; DuckLake refuses the first at its commit (both bump the data version) and it runs again."""
    one, other = db.connect(bureau_lake), db.connect(bureau_lake)
    towns = towns_of(bureau_file)
    urban, expected = july_workbook(bureau_file)
    first = upload.prepare(one, [("2025年7月城市低保.xlsx", urban)])
    second = upload.prepare(other, [("2025年7月临时救助.xlsx", cases_workbook(towns))])
    assert first.fact_count == 90 and second.fact_count == 30
    original = queries.execute
    tries = []

    def recording(c, name, /, **params):
        if name == "upload_insert" and threading.current_thread().name == "first":
            tries.append(params["batch_id"])
        return original(c, name, **params)

    monkeypatch.setattr(queries, "execute", recording)
    try:
        # the second commits while the first is open
        results = overlapped(monkeypatch, "upload_insert", lambda: upload.commit(one, first, user_name="李静"),
                             lambda: upload.commit(other, second, user_name="王主任"))
        done = results["second"]
        assert isinstance(done, commit_module.CommitResult) and done.new == 30
        outcome = results["first"]
        if isinstance(outcome, commit_module.CommitError):  # refused in words, nothing of it stored
            assert str(outcome) == commit_module.BUSY
            assert len(july(one)) == len(july(other)) == 30
            return
        assert isinstance(outcome, commit_module.CommitResult) and outcome.new == 90
        assert len(tries) >= 2, "the first commit was not tried again"  # its first try met the second's commit
        assert outcome.batch_id != done.batch_id and {outcome.batch_id, done.batch_id} == {2, 3}
        for con in (one, other):
            rows = con.execute("SELECT b.id, b.user_name, b.status, count(f.batch_id) FILTER (WHERE f.is_current) "
                               "FROM batch b LEFT JOIN fact f ON f.batch_id = b.id WHERE b.id > 1 "
                               "GROUP BY ALL ORDER BY ALL").fetchall()
            assert rows == sorted([(outcome.batch_id, "李静", "committed", 90), (done.batch_id, "王主任", "committed", 30)])
            stored = july(con)
            assert len(stored) == 120
            for town, values in expected.items():
                for code, value in zip(URBAN, values, strict=True):
                    assert stored[(town, code)] == pytest.approx(value)
                assert stored[(town, "temp_relief_cases")] == 3
            assert con.execute("SELECT count(*) FROM fact WHERE period = ?", [JULY]).fetchone()[0] == 120
        assert db.data_version(one) == db.data_version(other)
    finally:
        one.close()
        other.close()


def test_an_upload_and_a_rollback_in_two_processes(bureau_file: Path, bureau_lake: ducklake.Lake, monkeypatch) -> None:
    """A rollback in one process overlapping a correction of the same keys in the other: whichever order they end
    in, each is whole — no key is left without a current value, and no key has two."""
    one, other = db.connect(bureau_lake), db.connect(bureau_lake)
    try:
        data, expected = july_workbook(bureau_file)
        base = upload.commit(one, upload.prepare(one, [("7月.xlsx", data)]), user_name="李静")
        towns = towns_of(bureau_file)
        corrected = {t: (expected[t][0] + 1, expected[t][1], expected[t][2]) for t in towns}
        plan = upload.prepare(other, [("7月更正.xlsx", corrected_workbook(corrected))])
        results = overlapped(monkeypatch, "rollback_restore",
                             lambda: commit_module.rollback(one, base.batch_id, user_name="李静"),
                             lambda: upload.commit(other, plan, user_name="王主任"))
        rolled, correction = results["first"], results["second"]
        assert isinstance(correction, commit_module.CommitResult) and correction.changed == 30
        assert isinstance(rolled, commit_module.RollbackResult | commit_module.CommitError), rolled
        keys = one.execute("SELECT indicator_code, township_id, period, count(*) FILTER (WHERE is_current) "
                           "FROM fact WHERE period = ? GROUP BY ALL", [JULY]).fetchall()
        assert keys and all(n <= 1 for *_, n in keys)
        stored = july(other)
        # Either way the correction's values are shown: it recorded all 90 (60 equal to the rolled-back batch's), and
        # a rollback after it shows the newest committed batch's value for every key.
        assert len(stored) == 90
        for town, values in corrected.items():
            for code, value in zip(URBAN, values, strict=True):
                assert stored[(town, code)] == pytest.approx(value)
        status = commit_module.batches(one).set_index("id")["status"]
        if isinstance(rolled, commit_module.RollbackResult):
            assert (rolled.restored, rolled.removed) == (60, 0) and status[base.batch_id] == "rolled_back"
        else:
            assert str(rolled) == commit_module.BUSY and status[base.batch_id] == "committed"
        assert july(one) == july(other)
    finally:
        one.close()
        other.close()


def test_the_conflict_retry_covers_ducklake_s_words() -> None:
    """DuckLake's refusal reads 'Transaction conflict'; retried_on_conflict tries such an attempt again."""
    calls = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.TransactionException("TransactionContext Error: Failed to commit: Transaction conflict - "
                                              "attempting to update a table that has been altered")
        return "stored"

    assert db.retried_on_conflict(attempt, commit_module.CommitError(commit_module.BUSY)) == "stored"
    assert len(calls) == 3


def test_the_first_two_uploads_of_a_new_lake_at_the_same_moment(lake, monkeypatch) -> None:
    one, other = db.connect(lake), db.connect(lake)
    try:
        from civdash import demo
        from civdash.domain import townships

        with db.transaction(one):
            townships.seed_from_csv(one, demo.DEMO_TOWNSHIPS, demo.DISTRICT_NAME, demo.DISTRICT_CODE)
        assert db.get_meta(one, "data_version") == "0"  # there from the start (migration 0008): the commits meet on it
        towns = [t.name for t in townships.townships(one)]
        first = upload.prepare(one, [("2025年7月临时救助.xlsx", cases_workbook(towns, 3))])
        second = upload.prepare(other, [("2025年7月临时救助（乡镇）.xlsx", xlsx_bytes([Sheet("7月", [
            ["黔江区2025年7月特困统计表", None], ["乡镇（街道）", "特困人员人数"], *[[t, 9] for t in towns]])]))])
        assert first.ok and second.ok
        results = overlapped(monkeypatch, "upload_insert", lambda: upload.commit(one, first),
                             lambda: upload.commit(other, second))
        assert {results["first"].batch_id, results["second"].batch_id} == {1, 2}
        assert one.execute("SELECT count(*) FROM meta WHERE key = 'data_version'").fetchone() == (1,)
        assert db.data_version(one) == db.data_version(other) == 2
    finally:
        one.close()
        other.close()
