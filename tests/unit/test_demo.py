"""demo.py: the deterministic demo district (黔江区, 30 townships) built up to June 2025."""

from __future__ import annotations

from datetime import date

import pytest

from civdash import demo
from civdash.analysis import metrics
from civdash.domain import catalog, townships
from civdash.domain.periods import add_months
from civdash.store import db
from tests.unit.conftest import DEMO_UNTIL

D = date
FIRST = demo.first_month(DEMO_UNTIL)  # 2022-01


def district_month(con, code: str, month: date) -> float:
    df = metrics.series(con, [code], month, month)
    assert len(df) == 1
    return float(df["value"].iloc[0])


def district_monthly(con, code: str, start: date, end: date) -> dict[date, float]:
    df = metrics.series(con, [code], start, end)
    return dict(zip(df["period"], df["value"], strict=True))


def _dump(con) -> tuple[list, ...]:
    return (
        con.execute("SELECT * FROM v_fact ORDER BY indicator_code, township_code, period").fetchall(),
        con.execute("SELECT * FROM target ORDER BY ALL").fetchall(),
        con.execute("SELECT id, name, code, type, level, sort_order FROM township ORDER BY id").fetchall(),
        con.execute("SELECT * FROM township_alias ORDER BY ALL").fetchall(),
        metrics.watchlist(con, DEMO_UNTIL).values.tolist(),
        # stocks and flows are sums of whole numbers, exact in any order (weighted levels may differ in the last bit)
        metrics.series(con, [i.code for i in catalog.indicators(con) if i.kind != "level"], FIRST, DEMO_UNTIL, "quarter",
                       ytd=True, by_township=True).values.tolist(),
        metrics.target_progress(con, DEMO_UNTIL).values.tolist(),
    )


def test_build_is_deterministic(demo_con, tmp_path) -> None:
    other = tmp_path / "again.duckdb"
    s = demo.build(other, until=DEMO_UNTIL)
    assert s.path == other
    con = db.connect(other, read_only=True)
    try:
        assert _dump(con) == _dump(demo_con)
    finally:
        con.close()


def test_build_replaces_an_existing_file(tmp_path) -> None:
    path = tmp_path / "demo.duckdb"
    demo.build(path, until=D(2023, 6, 1))
    s = demo.build(path, until=D(2023, 4, 1))
    assert (s.first, s.last, s.months, s.townships) == (D(2020, 1, 1), D(2023, 4, 1), 40, 30)
    assert s.facts == 29 * 30 * 40 - 29
    con = db.connect(path, read_only=True)
    assert metrics.latest_period(con) == D(2023, 4, 1)
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == s.facts
    assert con.execute("SELECT count(*) FROM batch").fetchone()[0] == 1
    con.close()


def test_summary_and_shape(demo_path, demo_con) -> None:
    towns = townships.townships(demo_con)
    assert len(towns) == 30
    assert townships.district_name(demo_con) == "黔江区"
    assert metrics.first_period(demo_con) == FIRST
    assert metrics.latest_period(demo_con) == DEMO_UNTIL
    months = metrics.available_months(demo_con)
    # January 2022 to June 2025: 42 months (the demo starts in January three years before its last month)
    assert FIRST == D(2022, 1, 1)
    assert len(months) == 42
    assert months[0] == DEMO_UNTIL and months[-1] == FIRST
    assert months == [add_months(DEMO_UNTIL, -k) for k in range(42)]
    assert db.is_demo(demo_con)
    assert db.get_meta(demo_con, "demo_until") == "2025-06"
    assert db.get_meta(demo_con, "district_name") == "黔江区"
    assert db.data_version(demo_con) == 1


@pytest.mark.parametrize(("last", "months"), [(D(2025, 1, 1), 37), (D(2025, 6, 1), 42), (D(2026, 12, 1), 48)])
def test_demo_always_spans_at_least_36_months(last: date, months: int) -> None:
    # build() is tested above; here only the span of months it would fill.
    first = demo.first_month(last)
    assert first == D(last.year - 3, 1, 1)
    assert len(demo._months(first, last)) == months >= 37
    assert demo._months(D(2023, 1, 1), D(2023, 3, 1)) == [D(2023, 1, 1), D(2023, 2, 1), D(2023, 3, 1)]


def test_yearly_figures_extend_beyond_the_plan() -> None:
    plan = {2023: 100, 2025: 400}  # doubles every year
    assert demo.yearly_value(plan, 2023) == 100
    assert demo.yearly_value(plan, 2026) == 800
    assert demo.yearly_value(plan, 2022) == 50


def test_every_catalog_indicator_is_present_every_month(demo_con) -> None:
    codes = {i.code for i in catalog.indicators(demo_con)}
    assert len(codes) == 29
    per_month = demo_con.execute(
        "SELECT period, count(DISTINCT indicator_code), count(DISTINCT township) FROM v_fact GROUP BY period"
    ).fetchall()
    assert len(per_month) == 42
    for period, n_ind, n_town in per_month:
        assert n_ind == 29
        assert n_town == (29 if period == DEMO_UNTIL else 30)
    assert {r[0] for r in demo_con.execute("SELECT DISTINCT indicator_code FROM v_fact").fetchall()} == codes
    assert demo_con.execute("SELECT count(*) FROM v_fact WHERE value < 0").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [
        ("dibao_urban_persons", 1400, 1900),        # NOTES: 城市低保 1652人
        ("dibao_rural_persons", 8000, 10500),       # 农村低保 9089人
        ("tekun_persons", 450, 620),                # 特困 530人
        ("elderly_subsidy_persons", 1000, 1300),    # 高龄失能老人补贴 1158名
        ("app_registered_users", 40000, 50000),     # 注册用户 45231 by autumn 2026
    ],
)
def test_district_magnitudes_in_the_last_month(demo_con, code: str, low: float, high: float) -> None:
    assert low <= district_month(demo_con, code, DEMO_UNTIL) <= high


def test_year_to_date_funds_near_the_work_report(demo_con) -> None:
    # "截至6月底，全县共累计发放城市低保金1652人532万元，农村低保金9089人2182万元"
    df = metrics.series(demo_con, ["dibao_urban_funds", "dibao_rural_funds"], DEMO_UNTIL, DEMO_UNTIL, ytd=True)
    ytd = dict(zip(df["indicator_code"], df["value"], strict=True))
    assert 4_500_000 <= ytd["dibao_urban_funds"] <= 6_000_000
    assert 18_000_000 <= ytd["dibao_rural_funds"] <= 25_000_000


def test_standards_are_yearly_and_weighted(demo_con) -> None:
    v = district_monthly(demo_con, "dibao_urban_standard", D(2024, 6, 1), D(2025, 6, 1))
    assert 680 <= v[D(2024, 6, 1)] <= 700      # 2024: about 690 元/人·月
    assert 710 <= v[D(2025, 6, 1)] <= 730      # 2025: about 720
    r = district_month(demo_con, "dibao_rural_standard", D(2025, 6, 1))
    assert 565 <= r <= 585


def test_temporary_relief_peaks_in_january_and_february(demo_con) -> None:
    v = district_monthly(demo_con, "temp_relief_cases", D(2024, 1, 1), D(2025, 2, 1))
    summer = [v[D(2024, m, 1)] for m in (6, 7, 8)]
    for winter in (v[D(2024, 1, 1)], v[D(2024, 2, 1)], v[D(2025, 1, 1)], v[D(2025, 2, 1)]):
        assert winter > 1.5 * max(summer)


def test_app_users_grow(demo_con) -> None:
    v = district_monthly(demo_con, "app_registered_users", FIRST, D(2025, 5, 1))
    seq = [v[k] for k in sorted(v)]
    assert all(b >= a for a, b in zip(seq, seq[1:], strict=False))  # every township's count only grows
    assert seq[0] < 0.5 * seq[-1]
    # June: 新华乡 has not reported, yet the total is still above a year earlier
    assert district_month(demo_con, "app_registered_users", DEMO_UNTIL) > v[D(2024, 6, 1)]


def test_planted_anomalies_appear_in_the_watchlist(demo_con) -> None:
    wl = metrics.watchlist(demo_con, DEMO_UNTIL)
    found = {(r.township, r.indicator_code): r for r in wl.itertuples()}
    drop = found[("中塘镇", "dibao_rural_persons")]
    assert drop.value == pytest.approx(0.6 * drop.prev_value, rel=0.05)  # a 40% drop
    assert drop.mom == pytest.approx(-0.4, abs=0.03)
    spike = found[("城南街道", "temp_relief_funds")]
    assert spike.value >= 5 * spike.median  # six times its usual amount
    assert list(wl["size"]) == sorted(wl["size"], reverse=True)
    assert (wl["score"] >= 3).all()


def test_watchlist_of_the_month_before_does_not_list_them(demo_con) -> None:
    wl = metrics.watchlist(demo_con, add_months(DEMO_UNTIL, -1))
    pairs = set(zip(wl["township"], wl["indicator_code"], strict=True))
    assert ("中塘镇", "dibao_rural_persons") not in pairs
    assert ("城南街道", "temp_relief_funds") not in pairs


def test_late_township_did_not_report_the_last_month(demo_con) -> None:
    assert metrics.reporting_summary(demo_con, DEMO_UNTIL) == (29, 30)
    assert metrics.reporting_summary(demo_con, add_months(DEMO_UNTIL, -1)) == (30, 30)
    df = metrics.completeness(demo_con, DEMO_UNTIL, DEMO_UNTIL)
    missing = df[df["indicators"] == 0]
    assert list(missing["township"]) == ["新华乡"]
    assert set(df[df["indicators"] > 0]["indicators"]) == {29}


def test_targets_and_progress(demo_con) -> None:
    tp = metrics.target_progress(demo_con, DEMO_UNTIL)
    district = tp[tp["level"] == "district"].set_index("indicator_code")
    assert district.loc["aging_retrofit_households", "value"] == 800  # the plan for 2025 (950 in 2026)
    assert district.loc["app_registered_users", "value"] == 50000
    # six 街道 each carry a share of this year's 适老化改造 task, in multiples of 5
    streets = tp[tp["level"] == "township"]
    assert len(streets) == 6
    assert set(streets["indicator_code"]) == {"aging_retrofit_households"}
    assert (streets["value"] % 5 == 0).all()
    assert tp["rate"].notna().all()
    assert ((tp["rate"] > 0) & (tp["rate"] < 2)).all()
    # flow target: progress is the year-to-date total
    ytd = metrics.series(demo_con, ["aging_retrofit_households"], DEMO_UNTIL, DEMO_UNTIL, ytd=True)["value"].iloc[0]
    assert district.loc["aging_retrofit_households", "actual"] == ytd
    jan_to_jun = demo_con.execute(
        "SELECT sum(value) FROM v_fact WHERE indicator_code = 'aging_retrofit_households' "
        "AND period BETWEEN '2025-01-01' AND '2025-06-01' AND township <> '黔江区'").fetchone()[0]
    assert ytd == jan_to_jun
    # earlier years have their own targets
    assert set(metrics.target_progress(demo_con, D(2024, 12, 1))["value"]) == {600}
    assert set(metrics.target_progress(demo_con, D(2023, 12, 1))["value"]) == {450}


def test_key_figures_cover_the_whole_catalog(demo_con) -> None:
    kf = metrics.key_figures(demo_con, DEMO_UNTIL)
    assert len(kf) == 29
    assert kf["value"].notna().all()
    assert (kf["n_townships"] == 29).all()
    # 新华乡 has not reported the last month: every figure says so, and the sparklines stop at the month before
    # (the twelve months less the incomplete one) instead of falling.
    assert all(m == (demo.LATE_TOWNSHIP,) for m in kf["missing"])
    assert all(len(s) == 11 for s in kf["spark"])
    flows = kf[kf["kind"] == "flow"]
    assert (flows["value"] >= flows["month_value"]).all()  # 1-6月累计 ≥ June
    stocks = kf[kf["kind"] != "flow"]
    # the same figure from two queries; a weighted mean may differ in the last bit (parallel summation)
    assert list(stocks["value"]) == pytest.approx(list(stocks["month_value"]), rel=1e-12)
