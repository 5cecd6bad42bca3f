"""会议模式's slides chosen from the data present (civdash/analysis/meeting.py) on the demo district (2022-01 to
2025-06): every slide of the default sequence in June 2025; in the first months of 2022 the ones without enough data
skipped with the reason; titles saying 当月 or 1-N月累计."""

from __future__ import annotations

from datetime import date

import pytest

from civdash.analysis import meeting
from civdash.domain import catalog, slides
from civdash.domain.slides import SlideSpec


@pytest.fixture(scope="module")
def inds(demo_con):
    return catalog.indicator_map(demo_con)


def titles(plan: meeting.Plan) -> list[str]:
    return [s.title for s in plan.slides]


def test_june_2025_shows_the_whole_default_sequence(demo_con, inds):
    plan = meeting.plan(demo_con, date(2025, 6, 1), slides.DEFAULT, inds)
    assert titles(plan) == [
        "核心指标（2025年6月当月 · 1-6月累计）",
        "城市低保人数、农村低保人数走势（近24个月，各月当月数）",
        "农村低保资金支出1-6月累计：今年与去年",
        "农村低保人数乡镇排名前15名（2025年6月当月，共29个乡镇）",  # 新华乡 has not reported June
        "年度目标完成情况（截至2025年6月，1-6月累计）",
        "社区APP注册用户数走势（近24个月，各月当月数）",
        "重点关注（2025年6月当月）",
    ]
    assert plan.skipped == ()
    assert plan.slides[0].codes == slides.DEFAULT[0].codes


def test_first_month_of_data_skips_what_it_cannot_fill(demo_con, inds):
    """January 2022 is the demo's first month: a trend would be one dot, 今年与去年 too, and 2022 has no target."""
    plan = meeting.plan(demo_con, date(2022, 1, 1), slides.DEFAULT, inds)
    assert titles(plan) == ["核心指标（2022年1月当月 · 1月累计）",
                            "农村低保人数乡镇排名前15名（2022年1月当月，共30个乡镇）",
                            "重点关注（2022年1月当月）"]
    assert [(s.spec.kind, s.reason) for s in plan.skipped] == [
        ("trend", "走势（近24个月）：近24个月中数据齐全的月份不足3个"),
        ("year_over_year", "今年与去年对比：今年与去年的数据点不足两个"),
        ("targets", "年度目标完成情况：尚未设置2022年全区的年度目标"),
        ("trend", "走势（近24个月）：近24个月中数据齐全的月份不足3个"),
    ]


def test_trends_start_once_three_months_are_in(demo_con, inds):
    february = meeting.plan(demo_con, date(2022, 2, 1), slides.DEFAULT, inds)
    assert "农村低保资金支出1-2月累计：今年与去年" in titles(february)  # two points of this year: a line
    assert not any("走势" in t for t in titles(february))
    march = meeting.plan(demo_con, date(2022, 3, 1), slides.DEFAULT, inds)
    assert "城市低保人数、农村低保人数走势（近3个月，各月当月数）" in titles(march)


def test_titles_of_stock_only_headline_and_stock_comparison(demo_con, inds):
    specs = [SlideSpec("headline", ("dibao_urban_persons", "tekun_persons")),
             SlideSpec("year_over_year", ("app_registered_users",)),
             SlideSpec("ranking", ("tekun_funds",))]
    plan = meeting.plan(demo_con, date(2025, 3, 1), specs, inds)
    assert titles(plan) == ["核心指标（2025年3月当月）", "社区APP注册用户数（各月当月数）：今年与去年",
                            "特困人员救助供养资金乡镇排名前15名（2025年3月当月，共30个乡镇）"]


def test_headline_keeps_only_indicators_with_a_value(demo_con, inds):
    plan = meeting.plan(demo_con, date(2025, 6, 1), [SlideSpec("headline", ("tekun_persons", "dibao_urban_persons"))],
                        inds)
    assert plan.slides[0].codes == ("tekun_persons", "dibao_urban_persons")  # the administrator's order
    with_unknown = {**inds}
    with_unknown.pop("tekun_persons")
    plan = meeting.plan(demo_con, date(2025, 6, 1), [SlideSpec("headline", ("tekun_persons",))], with_unknown)
    assert plan.slides == () and plan.skipped[0].reason == "指标目录中已没有该指标"
