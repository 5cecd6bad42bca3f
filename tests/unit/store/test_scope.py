"""A township account's reading (civdash/store/scope.py): every query, every view and every analysis function read
through a restricted connection sees only the account's townships, and its totals are the township's own."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from civdash.analysis import metrics, report, table
from civdash.domain import catalog, townships
from civdash.store import db, ducklake, scope

JUNE = date(2025, 6, 1)


@pytest.fixture
def con(demo_snapshot, tmp_path):
    path = tmp_path / "scope.duckdb"
    shutil.copy(demo_snapshot, path)
    c = db.connect(path)
    yield c
    c.close()


def _ids(con, *names: str) -> tuple[int, ...]:
    found = {t.name: t.id for t in townships.townships(con)}
    return tuple(found[n] for n in names)


def _first_two(con) -> list[townships.Township]:
    return townships.townships(con)[:2]


def test_a_restricted_cursor_reads_only_its_townships_rows_in_every_table_and_view(con) -> None:
    own, other = _first_two(con)
    cur = scope.restrict(con.cursor(), scope.of_townships([own.id]))
    assert {r[0] for r in cur.execute("SELECT DISTINCT township_id FROM fact").fetchall()} == {own.id}
    assert {r[0] for r in cur.execute("SELECT DISTINCT township FROM v_fact").fetchall()} == {own.name}
    assert cur.execute("SELECT count(*) FROM fact WHERE township_id = ?", [other.id]).fetchone()[0] == 0
    assert [t.name for t in townships.townships(cur)] == [own.name]
    assert cur.execute("SELECT count(*) FROM township_alias WHERE township_id <> ?", [own.id]).fetchone()[0] == 0
    assert cur.execute("SELECT count(*) FROM target WHERE township_id <> ?", [own.id]).fetchone()[0] == 0
    # the whole district stays as it was for every other connection
    assert con.cursor().execute("SELECT count(DISTINCT township_id) FROM fact").fetchone()[0] > 2


def test_a_township_accounts_total_is_its_townships_own_and_says_so(con, sql) -> None:
    own = _first_two(con)[0]
    cur = scope.restrict(con.cursor(), scope.of_townships([own.id]))
    expected = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ? "
                   "AND township = ?", JUNE, own.name)
    district = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ?", JUNE)
    got = metrics.series(cur, ["dibao_urban_persons"], JUNE, JUNE)["value"].tolist()
    assert got == [expected] and expected < district
    figures = metrics.key_figures(cur, JUNE).set_index("indicator_code")
    assert figures.loc["dibao_urban_persons", "value"] == expected
    assert townships.district_name(cur) == townships.district_word(cur) == own.name
    assert metrics.reporting_summary(cur, JUNE) == (1, 1)


def test_a_report_and_a_query_table_of_a_township_account_name_no_other_township(con) -> None:
    own, *others = townships.townships(con)
    cur = scope.restrict(con.cursor(), scope.of_townships([own.id]))
    made = report.build(cur, report.ReportPeriod("month", JUNE), report.sections_available(cur))
    text = report.to_text(made)
    assert own.name in made.title and "全区" not in text and "全县" not in text
    assert not [t.name for t in others if t.name in text]
    request = table.TableRequest(indicators=tuple(i.code for i in catalog.indicators(cur))[:5], start=JUNE, end=JUNE)
    built = table.build(cur, request)
    shown = " ".join([built.title, *built.labels, *built.notes])
    assert own.name in shown and not [t.name for t in others if t.name in shown]


def test_two_townships_read_together_and_none_reads_nothing(con, sql) -> None:
    a, b = _first_two(con)
    cur = scope.restrict(con.cursor(), scope.of_townships([a.id, b.id]))
    assert townships.district_word(cur) == f"{a.name}、{b.name}"
    both = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ? "
               "AND township IN (?, ?)", JUNE, a.name, b.name)
    assert metrics.series(cur, ["dibao_urban_persons"], JUNE, JUNE)["value"].tolist() == [both]
    none = scope.restrict(con.cursor(), scope.of_townships([]))
    assert none.execute("SELECT count(*) FROM fact").fetchone()[0] == 0
    assert townships.townships(none) == []


def test_nothing_can_be_written_through_a_restricted_cursor(con) -> None:
    own = _first_two(con)[0]
    cur = scope.restrict(con.cursor(), scope.of_townships([own.id]))
    with pytest.raises(duckdb.Error):
        cur.execute("UPDATE fact SET value = 0")
    with pytest.raises(duckdb.Error):
        cur.execute("DELETE FROM township")
    assert con.cursor().execute("SELECT count(*) FROM fact WHERE value <> 0").fetchone()[0] > 0


def test_a_township_accounts_reading_is_restricted_on_the_shared_lake_too(con, demo_snapshot, lake, sql) -> None:
    """On DuckLake a cursor works in the attached lake (``USE civdash``): the views read the lake's tables."""
    from civdash.store import transfer

    con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
    source = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    con.close()
    transfer.into_lake(source, lake)
    shared = db.connect(lake)
    try:
        own = townships.townships(shared)[0]
        cur = shared.cursor()
        cur.execute(f"USE {ducklake.LAKE_NAME}")
        scope.restrict(cur, scope.of_townships([own.id]))
        assert {r[0] for r in cur.execute("SELECT DISTINCT township FROM v_fact").fetchall()} == {own.name}
        expected = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ? "
                       "AND township = ?", JUNE, own.name)
        assert metrics.series(cur, ["dibao_urban_persons"], JUNE, JUNE)["value"].tolist() == [expected]
        assert townships.district_word(cur) == own.name
    finally:
        shared.close()
