"""会议模式 (pages/meeting.py): every slide renders, with the 数据截至 stamp and figures from SQL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(120)

TITLES = [
    "核心指标（2025年6月当月 · 1-6月累计）",
    "城市低保人数、农村低保人数走势（近24个月，各月当月数）",
    "农村低保资金支出1-6月累计：今年与去年",
    "农村低保人数乡镇排名前15名（2025年6月当月，共29个乡镇）",
    "年度目标完成情况（截至2025年6月，1-6月累计）",
    "社区APP注册用户数走势（近24个月，各月当月数）",
    "重点关注（2025年6月当月）",
]


def slide_title(at) -> str:
    found = [m.value for m in at.markdown if 'class="civdash-slide-title"' in m.value]
    assert len(found) == 1
    return found[0].split(">", 1)[1].rsplit("<", 1)[0]


def counter(at) -> str:
    found = [m.value for m in at.markdown if "<div class='civdash-meeting-pager'>" in m.value]
    assert len(found) == 1
    return found[0].split(">", 1)[1].split("\u3000", 1)[0]


def stamp(at) -> str:
    return next(m.value for m in at.markdown if 'class="civdash-meeting-stamp"' in m.value)


@pytest.mark.parametrize("slide", range(1, 8))
def test_each_slide_renders(app, clean, slide):
    at = app(meeting="1", slide=str(slide))
    clean(at)
    assert slide_title(at) == TITLES[slide - 1]
    assert counter(at) == f"{slide} / 7"
    assert "数据截至2025年6月" in stamp(at) and "黔江区" in stamp(at) and "示例数据" in stamp(at)
    back, forward = at.button(key="meeting_back"), at.button(key="meeting_forward")
    assert back.disabled == (slide == 1) and forward.disabled == (slide == 7)
    assert at.button(key="meeting_pageup").disabled == (slide == 1)
    assert at.button(key="meeting_pagedown").disabled == (slide == 7)
    if slide in (2, 3, 4, 6):
        assert at.get("plotly_chart"), "a chart slide without a chart"
    assert not at.sidebar.children or not list(at.sidebar.get("selectbox")), "meeting mode has no filters"


def test_headline_slide_figures_equal_sql(app, sql, cards, fmt_value, fmt_pct):
    at = app(meeting="1")
    shown = cards(at)
    assert len(shown) == 6
    # 新华乡 has not reported June: the slide says so once, in its large type, and the changes are like for like
    assert "#### :orange[以下各项数据不全（新华乡未报送），增减按同口径计算]" in [m.value for m in at.markdown]
    june, last_june = (sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons'"
                           " AND period = ?::DATE AND township <> '新华乡'", p) for p in ("2025-06-01", "2024-06-01"))
    assert shown["城市低保人数"].delta == fmt_pct((june - last_june) / last_june)
    persons = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = '2025-06-01'")
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_rural_funds'"
                " AND period BETWEEN '2025-01-01' AND '2025-06-01'")
    assert shown["城市低保人数"].value == fmt_value(persons, "人")
    assert shown["农村低保资金支出"].value == fmt_value(funds, "元")
    assert "1-6月累计" in shown["农村低保资金支出"].text


def test_targets_slide_equals_sql(app, sql):
    at = app(meeting="1", slide="5")
    done = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'aging_retrofit_households'"
               " AND period BETWEEN '2025-01-01' AND '2025-06-01'")
    target = sql("SELECT value FROM target g JOIN township t ON t.id = g.township_id"
                 " WHERE t.level = 'district' AND g.indicator_code = 'aging_retrofit_households' AND g.year = 2025")
    lines = [m.value for m in at.markdown if m.value.startswith("### ")]
    # 新华乡 has not reported June: the progress says it lacks it
    assert (f"### 黔江区 居家适老化改造户数：年度目标 {target:,.0f}户，截至2025年6月完成 {done:,.0f}户，"
            "数据不全（新华乡未报送）") in lines
    bars = [p.proto.text for p in at.progress]
    assert f"完成率 **{done / target * 100:.1f}%**" in bars
    # Only district targets in the meeting, not the six 街道's.
    assert len(bars) == 2


def test_alerts_slide_names_anomalies(app):
    at = app(meeting="1", slide="7")
    text = "\n".join(m.value for m in at.markdown if m.value.startswith("### "))
    assert "城南街道" in text and "中塘镇" in text


def test_next_button_moves_to_slide_two_and_keeps_period(app, clean):
    at = app(meeting="1")
    at.button(key="meeting_forward").click().run()
    clean(at)
    assert at.query_params["slide"] == "2"
    assert at.query_params["period"] == "2025年6月"  # the form the month filters of the other pages write
    assert at.query_params["meeting"] == "1"
    assert slide_title(at) == TITLES[1] and counter(at) == "2 / 7"
    at.button(key="meeting_back").click().run()
    assert at.query_params["slide"] == "1" and counter(at) == "1 / 7"


@pytest.mark.parametrize(("given", "shown"), [("0", 1), ("99", 7), ("abc", 1), ("-3", 1)])
def test_out_of_range_slide_is_clamped(app, clean, given, shown):
    at = app(meeting="1", slide=given)
    clean(at)
    assert counter(at) == f"{shown} / 7"


@pytest.mark.parametrize("period", ["2025-03", "2025年3月"])
def test_period_in_url(app, sql, cards, fmt_value, clean, period):
    at = app(meeting="1", period=period)
    clean(at)
    assert slide_title(at) == "核心指标（2025年3月当月 · 1-3月累计）"
    persons = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = '2025-03-01'")
    assert cards(at)["城市低保人数"].value == fmt_value(persons, "人")


def test_meeting_page_from_navigation_shows_hint(app, clean):
    at = app("pages/meeting.py")
    clean(at)
    assert counter(at) == "1 / 7"
    assert any("?meeting=1" in c.value for c in at.caption)


def test_attention_slide_lists_what_the_overview_lists(app, clean):
    """One 重点关注 for both pages: the same sentences in the same order (largest move first), and the township that
    has not reported June (新华乡) on the slide too, not only on 总览."""
    overview = app()
    clean(overview)
    listed = [m.value.removeprefix("- ") for m in overview.markdown if m.value.startswith("- ")]
    slide = app(meeting="1", slide="7")
    clean(slide)
    shown = [m.value.removeprefix("### ") for m in slide.markdown if m.value.startswith("### ")]
    assert shown == listed
    assert shown[-1] == "未报送2025年6月数据：**新华乡**"
    assert [line.split("** ", 1)[0] + "**" for line in shown[:-1]] == ["**城南街道**", "**中塘镇**", "**中塘镇**"]
    assert "临时救助资金" in shown[0] and "农村低保户数" in shown[1] and "农村低保人数" in shown[2]


def test_first_month_of_data_shows_only_the_slides_it_can_fill(app, clean):
    """January 2022, the demo's first month: no trend of one dot, no 今年与去年 without last year, no targets for 2022;
    three slides remain, each title saying 当月 or 1月累计."""
    titles = []
    for n in (1, 2, 3):
        at = app(meeting="1", period="2022年1月", slide=str(n))
        clean(at)
        assert counter(at) == f"{n} / 3"
        titles.append(slide_title(at))
    assert titles == ["核心指标（2022年1月当月 · 1月累计）", "农村低保人数乡镇排名前15名（2022年1月当月，共30个乡镇）",
                      "重点关注（2022年1月当月）"]
    assert at.button(key="meeting_forward").disabled and at.button(key="meeting_pagedown").disabled
