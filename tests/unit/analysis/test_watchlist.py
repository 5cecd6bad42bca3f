"""queries/watchlist.sql (metrics.watchlist) on a hand-made district with two townships.

    month              2024-01 … 2024-12   2025-01   2025-02
    城东街道 persons    400 each            200       200      (stock: a 50% drop that then persists)
    中塘镇   persons    5000 each           5000      5000
    城东街道 funds      100 each            300       100      (flow: three times the usual amount)
    中塘镇   funds      1500 each           1500      1500

2025-01, 城东街道 persons: median 400, MAD 0 → spread max(1.4826·0, 10%·400, 2·√400, 1) = 40 → score 200/40 = 5;
material: 200 ≥ 1% × (200 + 5000); new: |200 − 400| ≥ ½ · 200.
2025-01, 城东街道 funds: median 100 → spread max(0, 50%·100, √300 + √100, 1) = 50 → score 200/50 = 4;
material: 200 ≥ 10% × (300 + 1500) = 180.
Order by size: funds min(200/100, 10) × 200/1800 = 0.2222 before persons min(200/400, 10) × 200/5200 = 0.01923.
"""

from __future__ import annotations

from datetime import date

import pytest

from civdash.analysis import metrics
from civdash.domain import catalog, townships
from civdash.domain.periods import add_months
from civdash.store import db
from tests.unit.conftest import CATALOG_CSV

MONTHS = [add_months(date(2024, 1, 1), k) for k in range(14)]  # 2024-01 … 2025-02
JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


@pytest.fixture
def wl(tmp_path):
    con = db.connect(tmp_path / "wl.duckdb")
    cat = tmp_path / "catalog.csv"
    cat.write_text(CATALOG_CSV, encoding="utf-8")
    with db.transaction(con):
        catalog.seed(con, cat)
        district = townships.register(con, "黔江区", code="500114", level="district", sort_order=0)
        t1 = townships.register(con, "城东街道", sort_order=1)
        t2 = townships.register(con, "中塘镇", sort_order=2)
        rows = []
        for m in MONTHS:
            rows += [
                ("persons", t1, m, 200.0 if m >= JAN else 400.0),
                ("persons", t2, m, 5000.0),
                ("funds", t1, m, 300.0 if m == JAN else 100.0),
                ("funds", t2, m, 1500.0),
            ]
        con.executemany("INSERT INTO fact (indicator_code, township_id, period, value, batch_id) VALUES (?, ?, ?, ?, 1)",
                        rows)
    yield con, district
    con.close()


def test_lists_new_material_moves_largest_first(wl) -> None:
    con, _ = wl
    df = metrics.watchlist(con, JAN)
    got = [(r.township, r.indicator_code, r.value, r.prev_value, r.median) for r in df.itertuples()]
    assert got == [("城东街道", "funds", 300, 100, 100), ("城东街道", "persons", 200, 400, 400)]
    assert list(df["score"]) == pytest.approx([4.0, 5.0])
    assert list(df["size"]) == pytest.approx([2 * 200 / 1800, 0.5 * 200 / 5200])
    assert list(df["mom"]) == pytest.approx([2.0, -0.5])
    assert list(df["indicator_name"]) == ["低保资金", "低保人数"]
    assert list(metrics.watchlist(con, JAN, limit=1)["indicator_code"]) == ["funds"]


def test_a_few_events_where_there_are_usually_none_are_not_news(wl) -> None:
    # Every month's funds 0 in both townships, then 3 in 城东街道: material (3 ≥ 10% of 3) and new, but for a flow
    # the spread is max(0, 0, √3 + √0, 1) = 1.73, score 1.73 (< 3). Nine are news: spread √9 = 3, score 3.
    con, _ = wl
    con.execute("UPDATE fact SET value = 0 WHERE indicator_code = 'funds'")
    con.execute("UPDATE fact SET value = 3 WHERE indicator_code = 'funds' AND period = ?::DATE "
                "AND township_id = (SELECT id FROM township WHERE name = '城东街道')", [JAN])
    assert list(metrics.watchlist(con, JAN)["indicator_code"]) == ["persons"]
    con.execute("UPDATE fact SET value = 9 WHERE indicator_code = 'funds' AND value = 3")
    df = metrics.watchlist(con, JAN)
    assert list(df["indicator_code"]) == ["funds", "persons"]  # size: min(9/0 → 10, 10) × 9/9 = 10 first
    assert list(df["score"]) == pytest.approx([3.0, 5.0])
    assert list(df["size"]) == pytest.approx([10.0, 0.5 * 200 / 5200])


def test_a_change_that_persists_is_not_listed_again(wl) -> None:
    con, _ = wl
    assert metrics.watchlist(con, FEB).empty


def test_needs_six_months_of_history(wl) -> None:
    con, _ = wl

    def set_persons(month: str, value: float) -> None:
        con.execute("UPDATE fact SET value = ? WHERE indicator_code = 'persons' AND period = ?::DATE "
                    "AND township_id = (SELECT id FROM township WHERE name = '城东街道')", [value, month])

    set_persons("2024-06-01", 900)
    assert metrics.watchlist(con, date(2024, 6, 1)).empty  # five months before June: no normal yet
    set_persons("2024-06-01", 400)
    set_persons("2024-07-01", 900)
    df = metrics.watchlist(con, date(2024, 7, 1))  # six months before July
    assert [(r.indicator_code, r.value, r.median) for r in df.itertuples()] == [("persons", 900, 400)]
    assert list(df["score"]) == pytest.approx([500 / 40])


def test_district_row_values_do_not_count_in_the_materiality_total(wl) -> None:
    # A district-level form gives the whole district's funds for January (1800): the townships' total is still
    # 1800, so the 200 move of 城东街道 is still material (≥ 180), not measured against 3600.
    con, district = wl
    con.executemany("INSERT INTO fact (indicator_code, township_id, period, value, batch_id) VALUES (?, ?, ?, ?, 1)",
                    [("funds", district, m, 1600.0 if m != JAN else 1800.0) for m in MONTHS])
    df = metrics.watchlist(con, JAN)
    assert [(r.township, r.indicator_code) for r in df.itertuples()] == [("城东街道", "funds"), ("城东街道", "persons")]


def test_superseded_values_do_not_count(wl) -> None:
    con, _ = wl
    # an old, superseded January value for 城东街道 funds that would have been far larger
    con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                "SELECT 'funds', id, DATE '2025-01-01', 99999, 1, false FROM township WHERE name = '城东街道'")
    df = metrics.watchlist(con, JAN)
    assert list(df["value"]) == [300, 200]
