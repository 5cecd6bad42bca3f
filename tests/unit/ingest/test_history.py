"""What the history page reads (civdash/ingest/commit.py): the batch list, a batch's original files byte for byte,
its changes with the value before it and what became of each, and a rollback preview (by month and indicator) that
says exactly what ``rollback`` then does; the demo database is never rolled back."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.cli.main import main
from civdash.domain import catalog, townships
from civdash.ingest import commit as store
from civdash.ingest.commit import (
    CommitError,
    NewFact,
    UploadFile,
    batch_change_summary,
    batch_changes,
    batch_files,
    batches,
    rollback,
    rollback_preview,
)
from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from civdash.store import db
from tests.ingest_fixtures import Sheet, xlsx_bytes

APR, MAY = date(2025, 4, 1), date(2025, 5, 1)


@pytest.fixture()
def con(district):
    return district


def form(month: int, rows: list[list[object]]) -> bytes:
    """A 城市低保 report for ``month`` of 2025: township, 人数, 资金（万元）."""
    return xlsx_bytes([Sheet(f"{month}月", [[f"黔江区2025年{month}月城市低保统计表", None, None],
                                           ["乡镇（街道）", "城市低保人数", "城市低保资金（万元）"], *rows])])


def upload(con, files: list[tuple[str, bytes]], user: str | None = "李静") -> int:
    plan = prepare(con, files, Options())
    return commit(con, plan, user_name=user).batch_id


def store_persons(con, east: int, south: int | None = None, name: str = "a.xlsx") -> int:
    rows = [["黔江区2025年4月城市低保统计表", None], ["乡镇（街道）", "城市低保人数"], ["城东", east]]
    if south is not None:
        rows.append(["城南", south])
    return upload(con, [(name, xlsx_bytes([Sheet("4月", rows)]))])


def states(con, batch: int) -> dict[str, tuple]:
    df = batch_changes(con, batch)
    return {t: (None if pd.isna(b) else b, v, s, None if pd.isna(lb) else int(lb))
            for t, b, v, s, lb in df[["township", "before_value", "value", "state", "later_batch"]].itertuples(index=False)}


def test_changes_say_what_was_before_and_what_became_of_each_value(con) -> None:
    first = store_persons(con, 100, 50, "a.xlsx")
    second = store_persons(con, 101, 50, "b.xlsx")  # 城东 changed, 城南 the same
    third = store_persons(con, 102, None, "c.xlsx")  # 城东 changed again
    assert states(con, first) == {"城东街道": (None, 100.0, "superseded", second), "城南街道": (None, 50.0, "current", None)}
    assert states(con, second) == {"城东街道": (100.0, 101.0, "superseded", third),
                                   "城南街道": (50.0, 50.0, "unchanged", None)}
    assert states(con, third) == {"城东街道": (101.0, 102.0, "current", None)}
    assert batch_change_summary(con, second).to_dict("records") == [
        {"period": APR, "state": "superseded", "facts": 1}, {"period": APR, "state": "unchanged", "facts": 1}]
    rollback(con, third)
    assert states(con, third)["城东街道"][2] == "rolled_back"
    assert states(con, second)["城东街道"] == (100.0, 101.0, "current", None)  # shown again after the rollback
    assert batch_change_summary(con, third).to_dict("records") == [{"period": APR, "state": "rolled_back", "facts": 1}]


def test_changes_carry_units_and_can_be_read_a_month_at_a_time(con) -> None:
    upload(con, [("4月.xlsx", form(4, [["城东", 70, 3.5]]))])
    batch = upload(con, [("4-5月.xlsx", form(4, [["城东", 73, 3.6], ["城南", 180, 9.0]])),
                         ("5月.xlsx", form(5, [["城东", 74, 3.7]]))])
    df = batch_changes(con, batch)
    rows = [(r.period, r.township, r.indicator, r.unit, None if pd.isna(r.before_value) else r.before_value, r.value)
            for r in df.itertuples()]
    assert rows == [
        (APR, "城东街道", "城市低保人数", "人", 70.0, 73.0),
        (APR, "城南街道", "城市低保人数", "人", None, 180.0),
        (APR, "城东街道", "城市低保资金支出", "元", 35_000.0, 36_000.0),
        (APR, "城南街道", "城市低保资金支出", "元", None, 90_000.0),
        (MAY, "城东街道", "城市低保人数", "人", None, 74.0),
        (MAY, "城东街道", "城市低保资金支出", "元", None, 37_000.0),
    ]
    assert batch_changes(con, batch, MAY)["value"].tolist() == [74.0, 37_000.0]
    assert batch_changes(con, batch, limit=2)["value"].tolist() == [73.0, 180.0]
    summary = batch_change_summary(con, batch)
    assert summary.to_dict("records") == [{"period": APR, "state": "current", "facts": 4},
                                          {"period": MAY, "state": "current", "facts": 2}]


def test_the_original_files_are_kept_byte_for_byte(con) -> None:
    april, may = form(4, [["城东", 73, 3.6]]), form(5, [["城东", 74, 3.7]])
    batch = upload(con, [("2025年4月低保.xlsx", april), ("2025年5月低保.xlsx", may)])
    kept = batch_files(con, batch)
    assert [(f.file_name, f.size, f.content) for f in kept] == [
        ("2025年4月低保.xlsx", len(april), april), ("2025年5月低保.xlsx", len(may), may)]


def test_the_batch_list_has_what_the_page_shows(con) -> None:
    first = upload(con, [("4月.xlsx", form(4, [["城东", 70, 3.5], ["城南", 180, 9.0]]))])
    second = upload(con, [("4月更正.xlsx", form(4, [["城东", 71, 3.5]])), ("6月.xlsx", form(6, [["城东", 72, 3.6]]))],
                    user=None)
    listing = batches(con)
    assert listing["id"].tolist() == [second, first]
    latest = listing.iloc[0]
    assert (latest.user_name, latest.source, latest.status, latest.files) == (None, "upload", "committed",
                                                                               "4月更正.xlsx、6月.xlsx")
    assert (pd.Timestamp(latest.first_period).date(), pd.Timestamp(latest.last_period).date(), latest.months) == (
        APR, date(2025, 6, 1), 2)
    assert (latest.facts, latest.current_facts) == (4, 3)  # 城东's 3.5万元 for April equals the stored value
    assert (listing.iloc[1].facts, listing.iloc[1].current_facts) == (4, 3)
    rollback(con, second, user_name="王芳")
    again = batches(con).iloc[0]
    assert again.status == "rolled_back" and again.current_facts == 0
    assert again.note.startswith("王芳于") and again.note.endswith("撤销")


def test_the_preview_by_month_and_indicator_is_what_the_rollback_does(con) -> None:
    upload(con, [("4月.xlsx", form(4, [["城东", 70, 3.5], ["城南", 180, 9.0]]))])
    batch = upload(con, [("4月更正.xlsx", form(4, [["城东", 73, 3.5], ["城南", 181, 9.1], ["城西", 60, 3.0]])),
                         ("5月.xlsx", form(5, [["城东", 74, 3.7]]))])
    preview = rollback_preview(con, batch)
    rows = [(r.period, r.indicator, r.restored, r.removed) for r in preview.by_month.itertuples()]
    assert rows == [(APR, "城市低保人数", 2, 1),  # 城东 and 城南 go back to 70 and 180; 城西 had nothing before
                    (APR, "城市低保资金支出", 1, 1),  # 城东's 3.5万元 was unchanged: batch 1's row is shown already
                    (MAY, "城市低保人数", 0, 1), (MAY, "城市低保资金支出", 0, 1)]
    assert (preview.restored, preview.removed) == (3, 4)
    before = con.execute("SELECT count(*) FROM fact").fetchone()[0]
    done = rollback(con, batch)
    assert (done.restored, done.removed) == (preview.restored, preview.removed)
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == before  # history kept
    shown = dict(con.execute("SELECT township || ' ' || indicator_code || ' ' || strftime(period, '%m'), value "
                             "FROM v_fact").fetchall())
    assert shown == {"城东街道 dibao_urban_persons 04": 70.0, "城南街道 dibao_urban_persons 04": 180.0,
                     "城东街道 dibao_urban_funds 04": 35_000.0, "城南街道 dibao_urban_funds 04": 90_000.0}


@pytest.mark.parametrize("uploads", [[(100, 50)], [(100, 50), (101, 50)], [(100, None), (101, 50)]])
def test_the_preview_is_what_the_rollback_does(con, uploads) -> None:
    made = [store_persons(con, east, south, f"{i}.xlsx") for i, (east, south) in enumerate(uploads)]
    preview = rollback_preview(con, made[-1])
    done = rollback(con, made[-1])
    assert (preview.restored, preview.removed) == (done.restored, done.removed)
    assert preview.restored + preview.removed >= 1


def test_the_demo_database_is_never_rolled_back(demo_path, tmp_path, capsys) -> None:
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_path, path)
    c = db.connect(path)
    try:
        (batch,) = batches(c)["id"].tolist()
        assert batch_files(c, batch) == [UploadFile("示例数据（自动生成）", None, None, None)]  # generated: no file
        before = c.execute("SELECT count(*), sum(value) FROM v_fact").fetchone()
        with pytest.raises(CommitError, match="示例数据库中的批次不能撤销"):
            rollback(c, batch)
        assert c.execute("SELECT count(*), sum(value) FROM v_fact").fetchone() == before
        assert batches(c)["status"].tolist() == ["committed"]
    finally:
        c.close()
    assert main(["rollback", str(batch), "--db", str(path)]) == 1  # nor from the command line
    assert "未撤销：示例数据库中的批次不能撤销" in capsys.readouterr().err
    c = db.connect(path, read_only=True)
    try:
        assert c.execute("SELECT count(*), sum(value) FROM v_fact").fetchone() == before
    finally:
        c.close()


# --- against a model: random uploads and rollbacks ----------------------------------------------------------------

KEYS = [(town, month) for town in ("城东街道", "中塘镇") for month in (APR, MAY)]
steps = st.lists(st.one_of(
    st.tuples(st.just("upload"), st.dictionaries(st.sampled_from(KEYS), st.integers(0, 2), min_size=1, max_size=4)),
    st.tuples(st.just("rollback"), st.integers(0, 5)),
), min_size=1, max_size=7)


@settings(max_examples=40, deadline=None)
@given(steps)
def test_changes_and_previews_follow_a_model_of_the_history(tmp_path_factory, plan) -> None:
    c = db.connect(tmp_path_factory.mktemp("history") / "h.duckdb")
    with db.transaction(c):
        catalog.seed(c)
        ids = {name: townships.register(c, name) for name in ("城东街道", "中塘镇")}
    values: dict[int, dict] = {}  # batch → key → value
    committed: list[int] = []
    shown: dict[tuple, int] = {}  # key → the batch whose row is current
    for kind, arg in plan:
        if kind == "upload":
            facts = [NewFact("dibao_urban_persons", ids[t], m, float(v)) for (t, m), v in arg.items()]
            b = store.commit_upload(c, facts, [UploadFile("f.xlsx")]).batch_id
            values[b] = {k: float(v) for k, v in arg.items()}
            committed.append(b)
            for k, v in values[b].items():
                if k not in shown or values[shown[k]][k] != v:
                    shown[k] = b
        elif committed:
            b = committed.pop(arg % len(committed))
            mine = [k for k in values[b] if shown.get(k) == b]
            held = {k for k in mine if any(k in values[o] for o in committed)}
            preview = rollback_preview(c, b)
            done = rollback(c, b)
            assert (preview.restored, preview.removed) == (done.restored, done.removed) == (len(held), len(mine) - len(held))
            for k in values[b]:
                holders = [o for o in committed if k in values[o]]
                if holders:
                    shown[k] = max(holders)
                else:
                    shown.pop(k, None)
        for b, kv in values.items():
            expected = {}
            for (t, m), v in kv.items():
                earlier = [o for o in committed if o < b and (t, m) in values[o]]
                later = [o for o in committed if o > b and (t, m) in values[o] and values[o][(t, m)] != v]
                state = ("rolled_back" if b not in committed else "current" if shown.get((t, m)) == b
                         else "superseded" if later else "unchanged")
                expected[(t, m)] = (values[max(earlier)][(t, m)] if earlier else None, v, state,
                                    min(later) if later else None)
            got = {(r.township, r.period): (None if pd.isna(r.before_value) else r.before_value, r.value, r.state,
                                            None if pd.isna(r.later_batch) else int(r.later_batch))
                   for r in batch_changes(c, b).itertuples()}
            assert got == expected
            counted = batch_change_summary(c, b).groupby(["period", "state"])["facts"].sum().to_dict()
            assert counted == pd.Series([(m, s) for (_, m), (_, _, s, _) in expected.items()]).value_counts().to_dict()
    c.close()
