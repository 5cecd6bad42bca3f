"""metrics.py and queries/series.sql on the tiny hand-made district of conftest.py.

Every expected number below is computed by hand from the VALUES table in conftest.py. Month sums:

    persons (stock)  2024-01 170 | 2024-10 200 | 11 204 | 12 210 | 2025-01 217 | 02 218 | 03 188 (新华乡 missing)
    funds (flow)     2024-01 1700 | 2024-10 2000 | 11 2150 | 12 2350 | 2025-01 2500 | 02 2670 | 03 2400
    rate (plain avg) 2024-01 50 | 2024-10 55 | 11 56 | 12 58 | 2025-01 60 | 02 62 | 03 (84+64)/2 = 74
    standard (weighted by persons), e.g. 2025-01 = (720·120 + 620·65 + 520·32) / 217 = 143340 / 217
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from civdash.analysis import metrics
from civdash.domain import catalog

D = date
ALL = ["persons", "funds", "standard", "rate", "cases"]


def values(df: pd.DataFrame, code: str, column: str = "value") -> dict[date, float]:
    """{period: value} of one indicator in a district-level (not by township) series."""
    part = df[df["indicator_code"] == code]
    assert part["period"].is_unique
    return dict(zip(part["period"], part[column], strict=True))


def by_town(df: pd.DataFrame, code: str, column: str = "value") -> dict[str, float]:
    """{township name: value} of one indicator in a by-township frame with one period."""
    part = df[df["indicator_code"] == code]
    assert part["township"].is_unique
    return dict(zip(part["township"], part[column], strict=True))


def row(df: pd.DataFrame, code: str) -> pd.Series:
    part = df[df["indicator_code"] == code]
    assert len(part) == 1
    return part.iloc[0]


def approx(d: dict) -> dict:
    return {k: pytest.approx(v) for k, v in d.items()}


# --- periods with data -------------------------------------------------------------------------------------------


def test_latest_first_and_available_months(small) -> None:
    assert metrics.latest_period(small.con) == D(2025, 3, 1)
    assert metrics.first_period(small.con) == D(2024, 1, 1)
    assert metrics.available_months(small.con) == [
        D(2025, 3, 1), D(2025, 2, 1), D(2025, 1, 1), D(2024, 12, 1), D(2024, 11, 1), D(2024, 10, 1), D(2024, 1, 1)]


def test_latest_period_of_an_empty_database(tmp_path) -> None:
    from civdash.store import db

    con = db.connect(tmp_path / "empty.duckdb")
    assert metrics.latest_period(con) is None
    assert metrics.first_period(con) is None
    assert metrics.available_months(con) == []
    con.close()


# --- monthly series: aggregation across townships ----------------------------------------------------------------


def test_monthly_series_sums_stocks_and_flows_across_townships(small) -> None:
    df = metrics.series(small.con, ALL, D(2024, 11, 1), D(2025, 3, 1))
    months = [D(2024, 11, 1), D(2024, 12, 1), D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    # The district row's persons = 10000 for 2025-01 is never added: 217, not 10217.
    # The superseded persons 999 (中塘镇 2025-01) and funds 9999 (城东街道 2025-02) are ignored.
    assert values(df, "persons") == dict(zip(months, [204, 210, 217, 218, 188], strict=True))
    assert values(df, "funds") == dict(zip(months, [2150, 2350, 2500, 2670, 2400], strict=True))
    assert values(df, "cases") == {D(2025, 1, 1): 15, D(2025, 2, 1): 18}
    assert values(df, "persons", "n_townships") == dict(zip(months, [3, 3, 3, 3, 2], strict=True))
    assert set(df["months"]) == {1}
    assert (df["period"] == df["last_month"]).all()
    # only the months asked for, even though January 2024 and October 2024 hold data too
    assert sorted(set(df["period"])) == months


def test_series_rows_follow_the_indicators_asked_for(small) -> None:
    df = metrics.series(small.con, ["persons", "funds"], D(2025, 1, 1), D(2025, 2, 1))
    assert list(zip(df["indicator_code"], df["period"], strict=True)) == [
        ("persons", D(2025, 1, 1)), ("persons", D(2025, 2, 1)), ("funds", D(2025, 1, 1)), ("funds", D(2025, 2, 1))]
    towns = metrics.series(small.con, ["funds", "persons"], D(2025, 1, 1), D(2025, 1, 1), by_township=True)
    assert list(towns["indicator_code"]) == ["funds"] * 3 + ["persons"] * 3
    assert list(towns["township"][:3]) == ["城东街道", "中塘镇", "新华乡"]  # display order


def test_level_is_weighted_by_the_catalog_weight_across_townships(small) -> None:
    df = metrics.series(small.con, ["standard"], D(2024, 1, 1), D(2025, 3, 1))
    assert values(df, "standard") == approx({
        D(2024, 1, 1): (650 * 100 + 550 * 50 + 450 * 20) / 170,   # 597.06
        D(2024, 10, 1): (690 * 110 + 590 * 60 + 490 * 30) / 200,  # 630
        D(2024, 11, 1): (690 * 112 + 590 * 62 + 490 * 30) / 204,  # 630.20
        D(2024, 12, 1): (690 * 115 + 590 * 64 + 490 * 31) / 210,  # 630
        D(2025, 1, 1): (720 * 120 + 620 * 65 + 520 * 32) / 217,   # 660.55 (weight 65, not the superseded 999)
        D(2025, 2, 1): (720 * 119 + 620 * 66 + 520 * 33) / 218,   # 659.45
        D(2025, 3, 1): (730 * 121 + 630 * 67) / 188,              # 694.36
    })
    # A plain average would differ: (720 + 620 + 520) / 3 = 620 for 2025-01.
    assert values(df, "standard")[D(2025, 1, 1)] != pytest.approx(620)


def test_level_without_weight_is_a_plain_average(small) -> None:
    df = metrics.series(small.con, ["rate"], D(2024, 1, 1), D(2025, 3, 1))
    assert values(df, "rate") == approx({
        D(2024, 1, 1): 50, D(2024, 10, 1): 55, D(2024, 11, 1): 56, D(2024, 12, 1): 58,
        D(2025, 1, 1): 60, D(2025, 2, 1): 62, D(2025, 3, 1): 74,
    })


def test_weighted_level_skips_townships_without_a_weight_and_falls_back_to_plain_average(small) -> None:
    # 新华乡 loses its persons for 2025-02: the weighted mean uses the two others only.
    small.con.execute("DELETE FROM fact WHERE indicator_code = 'persons' AND township_id = ? AND period = '2025-02-01'",
                      [small.t3])
    # A month with standards but no persons at all: plain average.
    small.con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id) VALUES "
                      "('standard', ?, '2024-09-01', 600, 1), ('standard', ?, '2024-09-01', 500, 1)", [small.t1, small.t2])
    df = metrics.series(small.con, ["standard"], D(2024, 9, 1), D(2025, 2, 1))
    got = values(df, "standard")
    assert got[D(2025, 2, 1)] == pytest.approx((720 * 119 + 620 * 66) / 185)
    assert got[D(2024, 9, 1)] == pytest.approx(550)


def test_weighted_level_with_weights_of_zero_is_a_plain_average(small) -> None:
    # 新华乡 has no 低保人数 in February 2025 (the county's standard applies all the same): its own standard, not a blank
    small.con.execute("UPDATE fact SET value = 0 WHERE indicator_code = 'persons' AND township_id = ?"
                      " AND period = '2025-02-01' AND is_current", [small.t3])
    by_town = metrics.series(small.con, ["standard"], D(2025, 2, 1), D(2025, 2, 1), by_township=True)
    assert dict(zip(by_town["township_id"], by_town["value"], strict=True))[small.t3] == 520
    district = values(metrics.series(small.con, ["standard"], D(2025, 2, 1), D(2025, 2, 1)), "standard")
    assert district[D(2025, 2, 1)] == pytest.approx((720 * 119 + 620 * 66) / 185)  # a zero weight adds nothing
    # every weight zero: the plain average of the townships
    small.con.execute("UPDATE fact SET value = 0 WHERE indicator_code = 'persons' AND period = '2025-02-01'")
    district = values(metrics.series(small.con, ["standard"], D(2025, 2, 1), D(2025, 2, 1)), "standard")
    assert district[D(2025, 2, 1)] == pytest.approx((720 + 620 + 520) / 3)


# --- over time: quarter and year ---------------------------------------------------------------------------------


def test_quarterly_series(small) -> None:
    df = metrics.series(small.con, ALL, D(2024, 1, 1), D(2025, 3, 1), "quarter")
    q1_24, q4_24, q1_25 = D(2024, 1, 1), D(2024, 10, 1), D(2025, 1, 1)
    # stock: last month of the quarter; Q1 2024 holds only January, so January is its last month with data
    assert values(df, "persons") == {q1_24: 170, q4_24: 210, q1_25: 188}
    # flow: sum of the months
    assert values(df, "funds") == {q1_24: 1700, q4_24: 2000 + 2150 + 2350, q1_25: 2500 + 2670 + 2400}
    # level: the last month's value
    assert values(df, "standard") == approx({q1_24: 101500 / 170, q4_24: 132300 / 210, q1_25: 130540 / 188})
    assert values(df, "rate") == approx({q1_24: 50, q4_24: 58, q1_25: 74})
    assert values(df, "cases") == {q1_25: 33}
    assert values(df, "persons", "last_month") == {q1_24: D(2024, 1, 1), q4_24: D(2024, 12, 1), q1_25: D(2025, 3, 1)}
    assert values(df, "persons", "months") == {q1_24: 1, q4_24: 3, q1_25: 3}
    assert values(df, "cases", "months") == {q1_25: 2}


def test_quarter_of_any_month_covers_the_whole_quarter(small) -> None:
    df = metrics.series(small.con, ["funds", "persons"], D(2025, 2, 1), D(2025, 2, 1), "quarter")
    assert values(df, "funds") == {D(2025, 1, 1): 7570}
    assert values(df, "persons") == {D(2025, 1, 1): 188}


def test_yearly_series(small) -> None:
    df = metrics.series(small.con, ALL, D(2024, 1, 1), D(2025, 3, 1), "year")
    y24, y25 = D(2024, 1, 1), D(2025, 1, 1)
    assert values(df, "persons") == {y24: 210, y25: 188}  # 2025 is incomplete: its last month with data (March)
    assert values(df, "funds") == {y24: 1700 + 2000 + 2150 + 2350, y25: 7570}
    assert values(df, "standard") == approx({y24: 630, y25: 130540 / 188})
    assert values(df, "rate") == approx({y24: 58, y25: 74})
    assert values(df, "funds", "months") == {y24: 4, y25: 3}


# --- year-to-date ------------------------------------------------------------------------------------------------


def test_year_to_date_restarts_in_january(small) -> None:
    df = metrics.series(small.con, ["funds", "persons", "rate"], D(2024, 10, 1), D(2025, 3, 1), ytd=True)
    # 2024: January 1700 + October 2000 = 3700; the year restarts with January 2025.
    assert values(df, "funds") == {
        D(2024, 10, 1): 3700, D(2024, 11, 1): 5850, D(2024, 12, 1): 8200,
        D(2025, 1, 1): 2500, D(2025, 2, 1): 5170, D(2025, 3, 1): 7570,
    }
    # stocks and levels are unchanged by ytd
    assert values(df, "persons")[D(2025, 1, 1)] == 217
    assert values(df, "rate")[D(2025, 3, 1)] == pytest.approx(74)


def test_year_to_date_by_quarter_and_year(small) -> None:
    q = metrics.series(small.con, ["funds"], D(2024, 1, 1), D(2025, 3, 1), "quarter", ytd=True)
    assert values(q, "funds") == {D(2024, 1, 1): 1700, D(2024, 10, 1): 8200, D(2025, 1, 1): 7570}
    y = metrics.series(small.con, ["funds"], D(2024, 1, 1), D(2025, 3, 1), "year", ytd=True)
    assert values(y, "funds") == {D(2024, 1, 1): 8200, D(2025, 1, 1): 7570}


# --- township filter and by_township -----------------------------------------------------------------------------


def test_township_filter(small) -> None:
    two = metrics.series(small.con, ALL, D(2025, 1, 1), D(2025, 1, 1), townships=[small.t1, small.t2])
    assert values(two, "persons") == {D(2025, 1, 1): 185}
    assert values(two, "funds") == {D(2025, 1, 1): 2100}
    assert values(two, "standard") == approx({D(2025, 1, 1): (720 * 120 + 620 * 65) / 185})
    assert values(two, "rate") == approx({D(2025, 1, 1): 70})
    assert values(two, "persons", "n_townships") == {D(2025, 1, 1): 2}

    q = metrics.series(small.con, ["persons", "funds"], D(2025, 1, 1), D(2025, 3, 1), "quarter",
                       townships=[small.t1, small.t2])
    assert values(q, "funds") == {D(2025, 1, 1): 4500 + 2250}


def test_township_that_missed_the_last_month_takes_its_last_month_with_data(small) -> None:
    q = metrics.series(small.con, ["persons", "funds", "standard"], D(2025, 1, 1), D(2025, 3, 1), "quarter",
                       townships=[small.t3])
    assert values(q, "persons") == {D(2025, 1, 1): 33}
    assert values(q, "persons", "last_month") == {D(2025, 1, 1): D(2025, 2, 1)}
    assert values(q, "persons", "months") == {D(2025, 1, 1): 2}
    assert values(q, "funds") == {D(2025, 1, 1): 400 + 420}
    assert values(q, "standard") == approx({D(2025, 1, 1): 520})
    m = metrics.series(small.con, ["persons"], D(2025, 3, 1), D(2025, 3, 1), townships=[small.t3])
    assert m.empty


def test_by_township(small) -> None:
    df = metrics.series(small.con, ["persons", "funds", "standard"], D(2025, 1, 1), D(2025, 3, 1), "quarter",
                        by_township=True)
    assert {"township", "township_code", "sort_order"} <= set(df.columns)
    assert by_town(df, "persons") == {"城东街道": 121, "中塘镇": 67, "新华乡": 33}
    assert by_town(df, "funds") == {"城东街道": 1400 + 1500 + 1600, "中塘镇": 700 + 750 + 800, "新华乡": 820}
    assert by_town(df, "standard") == {"城东街道": 730, "中塘镇": 630, "新华乡": 520}
    assert by_town(df, "persons", "township_code") == {"城东街道": "500114001", "中塘镇": "500114121",
                                                      "新华乡": "500114256"}
    assert small.district not in set(df["township_id"])
    assert set(df["n_townships"]) == {1}


def test_by_township_year_to_date(small) -> None:
    df = metrics.series(small.con, ["funds"], D(2025, 2, 1), D(2025, 2, 1), ytd=True, by_township=True)
    assert by_town(df, "funds") == {"城东街道": 2900, "中塘镇": 1450, "新华乡": 820}


def test_township_matrix(small) -> None:
    df = metrics.township_matrix(small.con, "persons", D(2025, 1, 1), D(2025, 3, 1))
    got = {(r.township, r.period): r.value for r in df.itertuples()}
    assert got == {
        ("城东街道", D(2025, 1, 1)): 120, ("城东街道", D(2025, 2, 1)): 119, ("城东街道", D(2025, 3, 1)): 121,
        ("中塘镇", D(2025, 1, 1)): 65, ("中塘镇", D(2025, 2, 1)): 66, ("中塘镇", D(2025, 3, 1)): 67,
        ("新华乡", D(2025, 1, 1)): 32, ("新华乡", D(2025, 2, 1)): 33,
    }


# --- history: superseded values ----------------------------------------------------------------------------------


def test_only_current_facts_count(small) -> None:
    df = metrics.series(small.con, ["funds"], D(2025, 2, 1), D(2025, 2, 1), by_township=True)
    assert by_town(df, "funds")["城东街道"] == 1500
    # Rolling the correction back (old row current again) brings back the old value, and only it.
    small.con.execute("UPDATE fact SET is_current = NOT is_current "
                      "WHERE indicator_code = 'funds' AND township_id = ? AND period = '2025-02-01'", [small.t1])
    df = metrics.series(small.con, ["funds"], D(2025, 2, 1), D(2025, 2, 1))
    assert values(df, "funds") == {D(2025, 2, 1): 9999 + 750 + 420}


# --- 环比 / 同比 --------------------------------------------------------------------------------------------------


def test_compare_month_across_the_year_boundary(small) -> None:
    c = metrics.compare(small.con, ALL, D(2025, 1, 1))
    assert list(c["indicator_code"]) == ALL
    p = row(c, "persons")
    assert (p["value"], p["prev_value"], p["yoy_value"]) == (217, 210, 170)  # 环比 base is December 2024
    assert p["mom"] == pytest.approx(7 / 210)
    assert p["yoy"] == pytest.approx(47 / 170)
    f = row(c, "funds")
    assert (f["value"], f["prev_value"], f["yoy_value"]) == (2500, 2350, 1700)
    assert f["mom"] == pytest.approx(150 / 2350)
    assert f["yoy"] == pytest.approx(800 / 1700)
    s = row(c, "standard")
    assert s["value"] == pytest.approx(143340 / 217)
    assert s["prev_value"] == pytest.approx(630)
    assert s["yoy_value"] == pytest.approx(101500 / 170)
    assert s["mom"] == pytest.approx((143340 / 217 - 630) / 630)
    r = row(c, "rate")
    assert (r["value"], r["prev_value"], r["yoy_value"]) == (60, 58, 50)
    cs = row(c, "cases")  # no December, no January 2024: no bases, no ratios
    assert cs["value"] == 15
    assert math.isnan(cs["prev_value"]) and math.isnan(cs["mom"]) and math.isnan(cs["yoy"])
    assert row(c, "persons")["n_townships"] == 3


def test_compare_month_without_last_year(small) -> None:
    c = metrics.compare(small.con, ["persons", "funds"], D(2025, 3, 1))
    p = row(c, "persons")
    # 新华乡 has not reported March: the figure is the other two's (188) and marked; 环比 compares them with their own
    # February (119 + 66 = 185), not with the district's 218, which would read as a fall of 30.
    assert p["value"] == 188 and p["missing"] == ("新华乡",)
    assert (p["prev_now"], p["prev_value"], p["mom_basis"], p["mom_without"]) == (188, 185, 2, ("新华乡",))
    assert p["mom"] == pytest.approx(3 / 185)
    assert math.isnan(p["yoy_value"]) and math.isnan(p["yoy"])


def test_compare_of_complete_months_is_plain(small) -> None:
    p = row(metrics.compare(small.con, ["persons"], D(2025, 2, 1)), "persons")
    assert (p["value"], p["prev_now"], p["prev_value"]) == (218, 218, 217)
    assert p["missing"] == () and p["mom_without"] == () and math.isnan(p["mom_basis"])


def test_compare_year_to_date(small) -> None:
    jan = metrics.compare(small.con, ["funds"], D(2025, 1, 1), ytd=True)
    f = row(jan, "funds")
    # January's 1-1月 is the month itself; its 环比 base is December's 1-12月 累计.
    assert (f["value"], f["prev_value"], f["yoy_value"]) == (2500, 8200, 1700)
    assert f["mom"] == pytest.approx((2500 - 8200) / 8200)
    assert f["yoy"] == pytest.approx((2500 - 1700) / 1700)
    mar = row(metrics.compare(small.con, ["funds"], D(2025, 3, 1), ytd=True), "funds")
    # 1-3月 without 新华乡's March is incomplete; 环比 with 1-2月 is taken on the two townships that reported
    # throughout: (1400 + 700) + (1500 + 750) + (1600 + 800) = 6750 against 2100 + 2250 = 4350.
    assert (mar["value"], mar["missing"]) == (7570, ("新华乡",))
    assert (mar["prev_now"], mar["prev_value"]) == (6750, 4350)


def test_compare_quarter_and_year(small) -> None:
    q = metrics.compare(small.con, ["persons", "funds", "rate"], D(2025, 2, 1), "quarter")
    # 新华乡 reported January and February of 2025Q1 but not March: the quarter's changes leave it out.
    # persons: March 121 + 67 against December 115 + 64 and January 2024 100 + 50.
    assert tuple(row(q, "persons")[["value", "prev_value", "yoy_value"]]) == (188, 179, 150)
    # funds: 6750 (above) against 2024Q4 1700 + 1850 + 2000 = 5550. 2024Q1 holds January only: three months of
    # funds against one is no change, so there is no 同比.
    f = row(q, "funds")
    assert tuple(f[["value", "prev_now", "prev_value"]]) == (7570, 6750, 5550)
    assert f["mom"] == pytest.approx(1200 / 5550)
    assert math.isnan(f["yoy_value"]) and math.isnan(f["yoy"]) and not f["partial"]
    assert row(q, "rate")["prev_value"] == pytest.approx((78 + 58) / 2)
    y = metrics.compare(small.con, ["persons", "funds"], D(2025, 3, 1), "year")
    # 2025 holds January to March: its flows are not compared with 2024; a stock is, at the last month with data
    # (March 188 against December 2024 without 新华乡, 179).
    fy = row(y, "funds")
    assert fy["value"] == 7570 and fy["partial"] and math.isnan(fy["mom"]) and math.isnan(fy["yoy"])
    assert (row(y, "persons")["value"], row(y, "persons")["prev_value"]) == (188, 179)


def test_compare_by_township_lists_every_township(small) -> None:
    c = metrics.compare(small.con, ["persons", "funds"], D(2025, 3, 1), by_township=True)
    assert len(c) == 6
    persons = c[c["indicator_code"] == "persons"].set_index("township")
    assert persons.loc["城东街道", "value"] == 121 and persons.loc["城东街道", "prev_value"] == 119
    assert persons.loc["城东街道", "mom"] == pytest.approx(2 / 119)
    assert persons.loc["中塘镇", "value"] == 67 and persons.loc["中塘镇", "prev_value"] == 66
    # 新华乡 has not reported March: it is listed, without a value
    assert math.isnan(persons.loc["新华乡", "value"])
    assert persons.loc["新华乡", "prev_value"] == 33
    assert math.isnan(persons.loc["新华乡", "mom"])
    only = metrics.compare(small.con, ["funds"], D(2025, 1, 1), by_township=True, townships=[small.t2])
    assert list(only["township"]) == ["中塘镇"]
    assert (only["value"].iloc[0], only["prev_value"].iloc[0], only["yoy_value"].iloc[0]) == (700, 700, 500)
    assert only["mom"].iloc[0] == 0


def test_ratio_has_no_figure_for_a_zero_base() -> None:
    r = metrics._ratio(pd.Series([5.0, 5.0, 5.0, np.nan]), pd.Series([0.0, -5.0, 4.0, 1.0]))
    assert math.isnan(r[0])
    assert r[1] == pytest.approx(2.0)  # from -5 to 5 is an increase
    assert r[2] == pytest.approx(0.25)
    assert math.isnan(r[3])


def test_township_values_ranks_largest_first(small) -> None:
    df = metrics.township_values(small.con, "funds", D(2025, 3, 1))
    assert list(df["township"]) == ["城东街道", "中塘镇", "新华乡"]
    assert list(df["rank"][:2]) == [1, 2]
    assert math.isnan(df["rank"].iloc[2])
    q = metrics.township_values(small.con, "persons", D(2025, 1, 1), "quarter")
    assert list(zip(q["township"], q["value"], q["rank"], strict=True)) == [
        ("城东街道", 121, 1), ("中塘镇", 67, 2), ("新华乡", 33, 3)]


# --- completeness ------------------------------------------------------------------------------------------------


def test_completeness_counts_indicators_per_township_and_month(small) -> None:
    df = metrics.completeness(small.con, D(2025, 1, 1), D(2025, 3, 1))
    assert len(df) == 9  # 3 townships × 3 months; the district row is not a township
    got = {(r.township, r.period): r.indicators for r in df.itertuples()}
    assert got == {
        ("城东街道", D(2025, 1, 1)): 5, ("城东街道", D(2025, 2, 1)): 5, ("城东街道", D(2025, 3, 1)): 4,
        ("中塘镇", D(2025, 1, 1)): 5, ("中塘镇", D(2025, 2, 1)): 5, ("中塘镇", D(2025, 3, 1)): 4,
        ("新华乡", D(2025, 1, 1)): 4, ("新华乡", D(2025, 2, 1)): 4, ("新华乡", D(2025, 3, 1)): 0,
    }
    assert list(df["township"]) == ["城东街道"] * 3 + ["中塘镇"] * 3 + ["新华乡"] * 3


def test_completeness_of_months_without_data_is_zero(small) -> None:
    df = metrics.completeness(small.con, D(2024, 2, 1), D(2024, 3, 1))
    assert len(df) == 6
    assert set(df["indicators"]) == {0}


def test_completeness_accepts_any_day_of_the_month(small) -> None:
    mid = metrics.completeness(small.con, D(2025, 3, 15), D(2025, 3, 31))
    first = metrics.completeness(small.con, D(2025, 3, 1), D(2025, 3, 1))
    assert mid.equals(first)


def test_not_reported_names_the_townships_without_any_value_in_registry_order(small) -> None:
    assert metrics.not_reported(small.con, D(2025, 3, 1)) == ["新华乡"]  # 4 of 5 indicators count as reported
    assert metrics.not_reported(small.con, D(2025, 2, 1)) == []
    assert metrics.not_reported(small.con, D(2024, 3, 1)) == ["城东街道", "中塘镇", "新华乡"]  # before any data


def test_compare_with_no_indicators_is_empty(small) -> None:
    assert metrics.compare(small.con, [], D(2025, 3, 1)).empty


def test_reporting_summary(small) -> None:
    assert metrics.reporting_summary(small.con, D(2025, 3, 1)) == (2, 3)
    assert metrics.reporting_summary(small.con, D(2025, 2, 1)) == (3, 3)
    assert metrics.reporting_summary(small.con, D(2024, 5, 1)) == (0, 3)


# --- per-person figures ------------------------------------------------------------------------------------------

PER_PERSON = catalog.DerivedIndicator("per_person", "月人均补助", "funds", "persons", "元/人·月", 2)
PER_CASE = catalog.DerivedIndicator("per_case", "次均金额", "funds", "cases", "元/人次", 2)


def _derived(df: pd.DataFrame) -> tuple[pd.Series, dict[str, float]]:
    district = df[df["township_id"].isna()]
    assert len(district) == 1
    towns = df[df["township_id"].notna()]
    return district.iloc[0], dict(zip(towns["township"], towns["value"], strict=True))


def test_derived_per_person_per_month_over_a_quarter(small) -> None:
    district, towns = _derived(metrics.derived_values(small.con, PER_PERSON, D(2024, 12, 1), "quarter"))
    # Q4 2024: total funds ÷ 3 months ÷ head-count at the end of December
    assert (district["numerator"], district["denominator"], district["months"]) == (6500, 210, 3)
    assert district["value"] == pytest.approx(6500 / 3 / 210)
    assert towns == approx({"城东街道": 3600 / 3 / 115, "中塘镇": 1950 / 3 / 64, "新华乡": 950 / 3 / 31})


def test_derived_per_person_for_a_month(small) -> None:
    district, towns = _derived(metrics.derived_values(small.con, PER_PERSON, D(2025, 1, 1)))
    assert district["value"] == pytest.approx(2500 / 217)
    assert towns == approx({"城东街道": 1400 / 120, "中塘镇": 700 / 65, "新华乡": 400 / 32})


def test_derived_with_a_flow_denominator_is_a_ratio_of_totals(small) -> None:
    district, towns = _derived(metrics.derived_values(small.con, PER_CASE, D(2025, 1, 1), "quarter"))
    assert towns["城东街道"] == pytest.approx(4500 / 22)
    assert towns["中塘镇"] == pytest.approx(2250 / 11)
    assert math.isnan(towns["新华乡"])  # no 人次 reported: no figure
    assert district["value"] == pytest.approx(7570 / 33)  # not divided by months


# --- targets and key figures -------------------------------------------------------------------------------------


def _targets(small) -> None:
    small.con.executemany("INSERT INTO target VALUES (?, ?, ?, ?, ?)", [
        ("funds", small.district, 2025, 10000, "全年资金"),
        ("persons", small.district, 2025, 250, "年末人数"),
        ("persons", small.t1, 2025, 150, None),
        ("funds", small.t2, 2025, 2000, None),
        ("funds", small.district, 2024, 9000, "去年"),
    ])


def test_target_progress(small) -> None:
    _targets(small)
    df = metrics.target_progress(small.con, D(2025, 2, 1))
    got = {(r.indicator_code, r.township): (r.value, r.actual, r.rate) for r in df.itertuples()}
    assert got == {
        ("persons", "黔江区"): (250, 218, pytest.approx(218 / 250)),       # stock: the value at the month
        ("funds", "黔江区"): (10000, 5170, pytest.approx(0.517)),          # flow: year-to-date 2500 + 2670
        ("persons", "城东街道"): (150, 119, pytest.approx(119 / 150)),
        ("funds", "中塘镇"): (2000, 1450, pytest.approx(1450 / 2000)),
    }
    # district targets first, then townships in display order
    assert list(df["level"]) == ["district", "district", "township", "township"]
    assert list(df["township"][2:]) == ["城东街道", "中塘镇"]
    last_year = metrics.target_progress(small.con, D(2024, 12, 1))
    assert list(zip(last_year["value"], last_year["actual"], strict=True)) == [(9000, 8200)]


def test_target_progress_without_targets(small) -> None:
    df = metrics.target_progress(small.con, D(2023, 6, 1))
    assert df.empty
    assert {"actual", "rate"} <= set(df.columns)


def test_key_figures_for_the_district(small) -> None:
    kf = metrics.key_figures(small.con, D(2025, 1, 1))
    assert list(kf["indicator_code"]) == ALL  # catalog order
    p = row(kf, "persons")
    assert (p["name"], p["unit"], p["kind"], p["category"]) == ("低保人数", "人", "stock", "社会救助")
    assert (p["value"], p["month_value"], p["prev_value"], p["yoy_value"], p["n_townships"]) == (217, 217, 210, 170, 3)
    assert p["mom"] == pytest.approx(7 / 210) and p["yoy"] == pytest.approx(47 / 170)
    assert p["spark"] == [200, 204, 210, 217]  # Feb 2024 – Jan 2025, months with data
    f = row(kf, "funds")
    assert (f["value"], f["month_value"], f["prev_value"], f["yoy_value"]) == (2500, 2500, 2350, 1700)
    assert f["spark"] == [2000, 2150, 2350, 2500]
    assert row(kf, "standard")["value"] == pytest.approx(143340 / 217)
    assert row(kf, "cases")["value"] == 15 and math.isnan(row(kf, "cases")["mom"])


def test_key_figures_flows_show_year_to_date_stocks_the_month(small) -> None:
    kf = metrics.key_figures(small.con, D(2025, 2, 1))
    f = row(kf, "funds")
    assert f["value"] == 5170              # 1-2月累计
    assert f["month_value"] == 2670       # February's own amount
    assert f["mom"] == pytest.approx(170 / 2500)  # 环比 of the month's amount
    assert f["prev_value"] == 2500
    assert row(kf, "persons")["value"] == 218
    assert row(kf, "cases")["value"] == 33 and row(kf, "cases")["month_value"] == 18


def test_key_figures_for_one_township(small) -> None:
    kf = metrics.key_figures(small.con, D(2025, 3, 1), townships=[small.t1])
    assert row(kf, "persons")["value"] == 121
    assert row(kf, "funds")["value"] == 1400 + 1500 + 1600
    assert row(kf, "funds")["month_value"] == 1600
    assert row(kf, "funds")["mom"] == pytest.approx(100 / 1500)
    assert row(kf, "standard")["value"] == 730
    assert row(kf, "rate")["value"] == 84
    assert row(kf, "persons")["n_townships"] == 1
    assert math.isnan(row(kf, "cases")["value"])  # nothing in March
