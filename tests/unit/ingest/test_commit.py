"""ingest/commit.py: one transaction per upload, history kept, exact rollback."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.domain import catalog, townships
from civdash.ingest import commit
from civdash.ingest.commit import CommitError, NewFact, UploadFile
from civdash.store import db

D = date
JAN, FEB = D(2025, 1, 1), D(2025, 2, 1)


@pytest.fixture
def con(tmp_path):
    c = db.connect(tmp_path / "c.duckdb")
    with db.transaction(c):
        catalog.seed(c)
        townships.register(c, "黔江区", code="500114", level="district", sort_order=0)
        for name in ("城东街道", "中塘镇", "新华乡"):
            townships.register(c, name)
    yield c
    c.close()


def ids(con) -> dict[str, int]:
    return {t.name: t.id for t in townships.townships(con)}


def current(con) -> dict[tuple, float]:
    rows = con.execute("SELECT indicator_code, township, period, value FROM v_fact").fetchall()
    return {(i, t, p): v for i, t, p, v in rows}


def fact(con, town: str, value: float, period: date = JAN, code: str = "dibao_urban_persons") -> NewFact:
    return NewFact(code, ids(con)[town], period, value, sheet="主要指标", cell="C5")


def test_first_upload_then_a_change_keeps_history_and_rolls_back_exactly(con) -> None:
    first = commit.commit_upload(con, [fact(con, "城东街道", 292), fact(con, "中塘镇", 15)],
                                 [UploadFile("1月.xlsx", "aaa", 10, b"xlsx-bytes")], user_name="统计员")
    assert (first.new, first.changed, first.unchanged, first.periods) == (2, 0, 0, [JAN])
    before = current(con)
    assert before == {("dibao_urban_persons", "城东街道", JAN): 292, ("dibao_urban_persons", "中塘镇", JAN): 15}

    upload = [fact(con, "城东街道", 300), fact(con, "中塘镇", 15), fact(con, "新华乡", 7)]
    shown = commit.preview(con, upload).set_index("township_id")
    assert shown.loc[ids(con)["城东街道"], ["old_value", "new_value", "status"]].tolist() == [292, 300, "changed"]
    assert shown.loc[ids(con)["中塘镇"], "status"] == "unchanged"
    assert shown.loc[ids(con)["新华乡"], "status"] == "new"

    version = db.data_version(con)
    second = commit.commit_upload(con, upload, [UploadFile("1月更正.xlsx", "bbb", 12, b"x")])
    assert (second.new, second.changed, second.unchanged) == (1, 1, 1)
    assert db.data_version(con) == version + 1
    assert current(con)[("dibao_urban_persons", "城东街道", JAN)] == 300
    # history: the replaced 292 stays; the repeated 15 is recorded for batch 2 but batch 1's row stays current
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 5
    assert con.execute("SELECT batch_id FROM fact WHERE is_current AND value = 15").fetchone()[0] == first.batch_id
    assert con.execute("SELECT content FROM batch_file WHERE batch_id = ?", [first.batch_id]).fetchone()[0] == b"xlsx-bytes"

    result = commit.rollback(con, second.batch_id, user_name="管理员")
    assert (result.restored, result.removed) == (1, 1)
    assert current(con) == before
    assert db.data_version(con) == version + 2
    with pytest.raises(CommitError, match="已经撤销过了"):
        commit.rollback(con, second.batch_id)
    with pytest.raises(CommitError, match="没有编号为99的导入批次"):
        commit.rollback(con, 99)


def test_rollbacks_in_any_order_follow_the_newest_committed_batch(con) -> None:
    b1 = commit.commit_upload(con, [fact(con, "城东街道", 1), fact(con, "中塘镇", 1)], [UploadFile("a")]).batch_id
    b2 = commit.commit_upload(con, [fact(con, "城东街道", 2), fact(con, "中塘镇", 2)], [UploadFile("b")]).batch_id
    b3 = commit.commit_upload(con, [fact(con, "城东街道", 3)], [UploadFile("c")]).batch_id
    commit.rollback(con, b2)  # 城东 keeps batch 3's value, 中塘 goes back to batch 1's
    assert current(con) == {("dibao_urban_persons", "城东街道", JAN): 3, ("dibao_urban_persons", "中塘镇", JAN): 1}
    commit.rollback(con, b3)  # skips the rolled-back batch 2
    assert current(con) == {("dibao_urban_persons", "城东街道", JAN): 1, ("dibao_urban_persons", "中塘镇", JAN): 1}
    commit.rollback(con, b1)
    assert current(con) == {}
    listed = commit.batches(con)
    assert listed["status"].tolist() == ["rolled_back"] * 3 and listed["files"].tolist() == ["c", "b", "a"]


def test_same_file_duplicates_and_empty_uploads(con) -> None:
    b = commit.commit_upload(con, [fact(con, "城东街道", 1)], [UploadFile("a.xlsx", "sha-a")]).batch_id
    assert commit.find_same_file(con, "sha-a") == b and commit.find_same_file(con, "sha-x") is None
    commit.rollback(con, b)
    assert commit.find_same_file(con, "sha-a") is None
    with pytest.raises(CommitError, match="出现了两次"):
        commit.commit_upload(con, [fact(con, "城东街道", 1), fact(con, "城东街道", 2)], [UploadFile("a")])
    with pytest.raises(CommitError, match="没有可保存的数据"):
        commit.commit_upload(con, [], [UploadFile("a")])


def test_a_failure_inside_the_commit_changes_nothing(con, monkeypatch) -> None:
    commit.commit_upload(con, [fact(con, "城东街道", 1)], [UploadFile("a")])
    snapshot = [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("fact", "batch", "batch_file", "meta")]
    real_load = commit.queries.load

    def failing(name: str) -> str:
        if name == "upload_insert":
            raise RuntimeError("disk full")
        return real_load(name)

    monkeypatch.setattr(commit.queries, "load", failing)
    with pytest.raises(RuntimeError):
        commit.commit_upload(con, [fact(con, "城东街道", 5), fact(con, "中塘镇", 5)], [UploadFile("b")])
    after = [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("fact", "batch", "batch_file", "meta")]
    assert after == snapshot


actions = st.lists(st.one_of(
    st.tuples(st.just("upload"), st.dictionaries(st.tuples(st.sampled_from(["城东街道", "中塘镇"]),
                                                           st.sampled_from([JAN, FEB])),
                                                 st.integers(0, 3), min_size=1, max_size=4)),
    st.tuples(st.just("rollback"), st.integers(0, 5)),
), max_size=8)


@settings(max_examples=60, deadline=None)
@given(actions)
def test_v_fact_always_equals_the_newest_committed_batch(tmp_path_factory, steps) -> None:
    c = db.connect(tmp_path_factory.mktemp("model") / "m.duckdb")
    with db.transaction(c):
        catalog.seed(c)
        for name in ("城东街道", "中塘镇"):
            townships.register(c, name)
    model: list[tuple[int, dict]] = []  # committed batches, oldest first
    for kind, arg in steps:
        if kind == "upload":
            facts = [fact(c, town, float(v), period) for (town, period), v in arg.items()]
            model.append((commit.commit_upload(c, facts, [UploadFile("f")]).batch_id, arg))
        elif model:
            batch_id, _ = model.pop(arg % len(model))
            commit.rollback(c, batch_id)
        expected: dict = {}
        for _, values in model:
            for (town, period), v in values.items():
                expected[("dibao_urban_persons", town, period)] = float(v)
        assert current(c) == expected
        assert c.execute("SELECT count(*) FROM (SELECT indicator_code, township_id, period FROM fact WHERE is_current"
                         " GROUP BY ALL HAVING count(*) > 1)").fetchone()[0] == 0
    c.close()
