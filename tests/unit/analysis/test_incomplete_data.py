"""The incomplete-data rule (docs/architecture.md, "Incomplete data"): who is missing, like-for-like changes, partial
quarters — on the small district of tests/unit/conftest.py (新华乡 has not reported March 2025; only 城东街道 and 中塘镇
ever report ``cases``) and on a demo that ends in May 2025 (新华乡 has not reported May; 2025Q2 holds April and May)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from civdash import demo
from civdash.analysis import marks, metrics, report
from civdash.analysis.report import ReportPeriod
from civdash.domain.periods import bucket_label
from civdash.store import db

D = date
MAY = D(2025, 5, 1)


def test_missing_lists_only_townships_expected_to_report(small) -> None:
    df = metrics.missing(small.con, ["persons", "funds", "cases"], D(2024, 1, 1), D(2025, 3, 1))
    # 新华乡 reports persons and funds every month up to February: March is missing. It never reports cases, so it is
    # never missing there; nor is anybody in the months without any data (2024-02 … 2024-09).
    assert sorted(zip(df["indicator_code"], df["township"], df["period"], strict=True)) == [
        ("funds", "新华乡", D(2025, 3, 1)), ("persons", "新华乡", D(2025, 3, 1))]


def test_missing_stops_expecting_a_township_after_twelve_months(small) -> None:
    # 新华乡 last reported in February 2025, 中塘镇 in March 2025: in January 2026 (the twelve months from February
    # 2025) both are expected, in February 2026 中塘镇 alone, in April 2026 neither. Data from 城东街道 make those months
    # due.
    con = small.con
    east = con.execute("SELECT id FROM township WHERE name = '城东街道'").fetchone()[0]
    batch = con.execute("SELECT max(id) FROM batch").fetchone()[0]
    for month in (D(2026, 1, 1), D(2026, 2, 1), D(2026, 4, 1)):
        con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                    "VALUES ('persons', ?, ?, 1, ?, true)", [east, month, batch])
    try:
        df = metrics.missing(con, ["persons"], D(2026, 1, 1), D(2026, 4, 1))
        by_month = df.groupby("period")["township"].agg(sorted).to_dict()
        assert by_month == {D(2026, 1, 1): ["中塘镇", "新华乡"], D(2026, 2, 1): ["中塘镇"]}
    finally:
        con.execute("DELETE FROM fact WHERE period >= '2026-01-01'")


def test_a_figure_names_who_is_missing_and_complete_figures_are_plain(small) -> None:
    c = metrics.compare(small.con, ["persons", "cases"], D(2025, 3, 1)).set_index("indicator_code")
    assert c.at["persons", "missing"] == ("新华乡",)
    # cases has no March at all: nobody is due, nothing is missing, and there is no value
    assert c.at["cases", "missing"] == () and math.isnan(c.at["cases", "value"])
    feb = metrics.compare(small.con, ["persons", "cases"], D(2025, 2, 1)).set_index("indicator_code")
    assert feb.at["persons", "missing"] == () and feb.at["cases", "missing"] == ()
    assert feb.at["cases", "mom_without"] == ()  # cases: 15 → 18 on the same two townships


def test_year_to_date_figure_is_incomplete_when_any_month_since_january_is(small) -> None:
    ytd = metrics.compare(small.con, ["funds", "persons"], D(2025, 3, 1), ytd=True).set_index("indicator_code")
    assert ytd.at["funds", "missing"] == ("新华乡",)  # 1-3月 lacks 新华乡's March
    assert ytd.at["persons", "missing"] == ("新华乡",)  # a stock: March itself


@pytest.mark.parametrize(("d", "grain", "first", "last", "label"), [
    (D(2026, 10, 1), "quarter", D(2026, 10, 1), D(2026, 11, 1), "2026年第4季度（10-11月）"),
    (D(2026, 10, 1), "quarter", D(2026, 10, 1), D(2026, 12, 1), "2026年第4季度"),
    (D(2025, 10, 1), "quarter", D(2025, 11, 1), D(2025, 12, 1), "2025年第4季度（11-12月）"),
    (D(2025, 10, 1), "quarter", D(2025, 11, 1), D(2025, 11, 1), "2025年第4季度（11月）"),
    (D(2026, 1, 1), "year", D(2026, 1, 1), D(2026, 11, 1), "2026年（1-11月）"),
    (D(2026, 1, 1), "year", None, None, "2026年"),
    (D(2026, 3, 1), "month", D(2026, 3, 1), D(2026, 3, 1), "2026年3月"),
])
def test_partial_buckets_say_which_months_they_hold(d, grain, first, last, label) -> None:
    assert bucket_label(d, grain, first, last) == label


@pytest.mark.parametrize(("names", "text"), [
    (("新华乡",), "数据不全（新华乡未报送）"),
    (("新华乡", "城南街道"), "数据不全（新华乡、城南街道未报送）"),
    (("甲镇", "乙镇", "丙镇", "丁镇"), "数据不全（甲镇等4个乡镇（街道）未报送）"),
    ((), ""),
])
def test_incomplete_mark(names, text) -> None:
    assert marks.incomplete(names) == text


def test_a_cards_marks_name_who_is_left_out_only_when_it_is_not_who_is_missing() -> None:
    assert marks.figure_marks(("新华乡",), ("新华乡",), ("新华乡",)) == "数据不全（新华乡未报送），增减按同口径计算"
    assert marks.figure_marks(("新华乡",), ("新华乡",), ("新华乡", "城南街道")) == (
        "数据不全（新华乡未报送），环比按同口径计算（不含新华乡），同比按同口径计算（不含新华乡、城南街道）")
    assert marks.figure_marks((), (), ("城南街道",)) == "同比按同口径计算（不含城南街道）"
    assert marks.figure_marks((), (), ()) == ""


def test_like_for_like_mark_names_each_change_when_they_differ() -> None:
    assert marks.like_for_like(("新华乡",), ("新华乡",)) == "增减按同口径计算（不含新华乡）"
    assert marks.like_for_like((), ("城南街道",)) == "同比按同口径计算（不含城南街道）"
    assert marks.like_for_like((), ()) == ""
    assert marks.sentence_mark(("新华乡",), ("新华乡",), ()) == "数据不全：不含未报送的新华乡；增减按同口径计算"
    assert marks.sentence_mark((), (), ("城南街道",)) == "同比按同口径计算（不含城南街道）"


# --- a demo that ends in May 2025: 2025Q2 is half over and 新华乡 has not reported May --------------------------------

@pytest.fixture(scope="module")
def may(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("may") / "may.duckdb"
    demo.build(path, until=MAY)
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def test_a_half_quarter_is_labelled_and_its_flows_are_not_compared(may) -> None:
    q = metrics.compare(may, ["dibao_urban_funds", "dibao_urban_persons"], MAY, "quarter").set_index("indicator_code")
    funds, persons = q.loc["dibao_urban_funds"], q.loc["dibao_urban_persons"]
    assert funds["partial"] and funds["months"] == 2
    # two months of funds against three would read as a third less: no 环比, no 同比
    assert math.isnan(funds["mom"]) and math.isnan(funds["yoy"]) and math.isnan(funds["prev_value"])
    # a stock at its last month keeps its comparisons (like for like: 新华乡 is missing from May)
    assert not math.isnan(persons["mom"]) and persons["mom_without"] == (demo.LATE_TOWNSHIP,)
    series = metrics.series(may, ["dibao_urban_funds"], D(2025, 1, 1), MAY, "quarter")
    labels = [bucket_label(p, "quarter", f, last) for p, f, last in
              zip(series["period"], series["first_month"], series["last_month"], strict=True)]
    assert labels == ["2025年第1季度", "2025年第2季度（4-5月）"]


def test_the_report_of_a_half_quarter_states_no_change_of_its_flows(may) -> None:
    r = report.build(may, ReportPeriod.of("quarter", MAY), ["社会救助"], made_on=D(2025, 6, 3))
    assert r.title == "黔江区民政工作主要数据（2025年第二季度（4-5月））"
    stock, _level, flow = r.sections[0].sentences
    assert flow.text.startswith("二季度（4-5月），全区发放城市低保资金")
    assert "环比" not in flow.text and "同比" not in flow.text
    assert "较上季度末" in stock.text and stock.text.endswith("（以上数据不全：不含未报送的新华乡；增减按同口径计算）。")
    funds = next(f for f in r.figures if f.code == "dibao_urban_funds")
    assert funds.change is None and funds.yoy is None
