"""The public data contract: the view v_fact (docs/architecture.md)."""

from __future__ import annotations

from datetime import date

CONTRACT = [
    ("indicator_code", "VARCHAR"),
    ("indicator_name", "VARCHAR"),
    ("unit", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("township", "VARCHAR"),
    ("township_code", "VARCHAR"),
    ("period", "DATE"),
    ("value", "DOUBLE"),
    ("batch_id", "INTEGER"),
]


def test_columns_names_types_and_order(small) -> None:
    described = small.con.execute("DESCRIBE v_fact").fetchall()
    assert [(r[0], r[1]) for r in described] == CONTRACT


def test_holds_exactly_the_current_values(small) -> None:
    con = small.con
    # persons, funds, standard, rate: 6 months × 3 townships + March × 2 = 20 each; cases 4; district row 1.
    assert con.execute("SELECT count(*) FROM v_fact").fetchone()[0] == 4 * 20 + 4 + 1
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 4 * 20 + 4 + 1 + 2  # + 2 superseded rows
    dup = con.execute(
        "SELECT count(*) FROM (SELECT indicator_code, township, period FROM v_fact GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    assert dup == 0
    # the corrected value, from the correcting batch; the superseded 9999 is not visible
    rows = con.execute(
        "SELECT value, batch_id FROM v_fact WHERE indicator_code = 'funds' AND township = '城东街道' "
        "AND period = DATE '2025-02-01'"
    ).fetchall()
    assert rows == [(1500.0, 2)]
    assert con.execute("SELECT count(*) FROM v_fact WHERE value IN (9999, 999)").fetchone()[0] == 0


def test_row_content(small) -> None:
    row = small.con.execute(
        "SELECT * FROM v_fact WHERE indicator_code = 'standard' AND township_code = '500114121' "
        "AND period = DATE '2025-01-01'"
    ).fetchall()
    assert row == [("standard", "平均保障标准", "元/人·月", "level", "中塘镇", "500114121", date(2025, 1, 1), 620.0, 1)]


def test_period_is_the_first_day_of_a_month(small, demo_con) -> None:
    for con in (small.con, demo_con):
        assert con.execute("SELECT count(*) FROM v_fact WHERE day(period) <> 1").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM v_fact").fetchone()[0] > 0


def test_demo_v_fact_has_one_current_row_per_key(demo_con) -> None:
    n, keys = demo_con.execute(
        "SELECT count(*), count(DISTINCT (indicator_code, township, period)) FROM v_fact"
    ).fetchone()
    # 29 indicators × 30 townships × 30 months, less 新华乡's 29 values of the last month
    assert n == keys == 29 * 30 * 42 - 29
    assert [(r[0], r[1]) for r in demo_con.execute("DESCRIBE v_fact").fetchall()] == CONTRACT


def test_a_superseding_upload_replaces_the_value_in_the_view(small) -> None:
    con = small.con
    con.execute("UPDATE fact SET is_current = false WHERE indicator_code = 'persons' AND township_id = ? "
                "AND period = '2025-03-01'", [small.t1])
    con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id) "
                "VALUES ('persons', ?, '2025-03-01', 125, 2)", [small.t1])
    rows = con.execute("SELECT value, batch_id FROM v_fact WHERE indicator_code = 'persons' AND township = '城东街道' "
                       "AND period = '2025-03-01'").fetchall()
    assert rows == [(125.0, 2)]
    assert con.execute("SELECT count(*) FROM v_fact").fetchone()[0] == 85
