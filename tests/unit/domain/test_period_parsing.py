"""periods.find_period: periods written in titles, sheet names and file names."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.domain.periods import PeriodSpec, find_period, parse_month


def spec(year: int | None, first: int, last: int, ytd: bool, kind: str) -> PeriodSpec:
    return PeriodSpec(year, first, last, ytd, kind)  # type: ignore[arg-type]


def month(year: int | None, m: int) -> PeriodSpec:
    return spec(year, m, m, False, "month")


def quarter(year: int | None, q: int) -> PeriodSpec:
    return spec(year, 3 * q - 2, 3 * q, False, "quarter")


def ytd(year: int | None, last: int) -> PeriodSpec:
    return spec(year, 1, last, True, "range")


# --- months ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("黔江区2025年4月城乡低保统计表.xlsx", month(2025, 4)),
    ("2025年3月", month(2025, 3)), ("2025年03月", month(2025, 3)), ("2025年3月份", month(2025, 3)),
    ("2025 年 3 月", month(2025, 3)), ("2025年度3月", month(2025, 3)), ("2025年3月15日", month(2025, 3)),
    ("2025年6月末低保人数", month(2025, 6)), ("2025年6月底", month(2025, 6)),
    ("202503", month(2025, 3)), ("低保202512.csv", month(2025, 12)),
    ("2025.03", month(2025, 3)), ("2025.3", month(2025, 3)), ("2025-03", month(2025, 3)), ("2025/3", month(2025, 3)),
    ("2025_03_低保", month(2025, 3)), ("2025-03-15", month(2025, 3)), ("2025.3.15", month(2025, 3)),
    ("２０２５年３月", month(2025, 3)), ("２０２５．０３", month(2025, 3)),  # full-width digits
    ("2025年十二月", month(2025, 12)), ("2025年十月", month(2025, 10)), ("2025年十一月", month(2025, 11)),
    ("2025年三月份", month(2025, 3)), ("二〇二五年十二月", month(2025, 12)), ("二○二五年一月", month(2025, 1)),
    ("2000年1月", month(2000, 1)), ("2100年12月", month(2100, 12)),
])
def test_months(text: str, expected: PeriodSpec) -> None:
    assert find_period(text) == expected


# --- quarters --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2025年第一季度", quarter(2025, 1)), ("2025年二季度", quarter(2025, 2)), ("2025年第3季度", quarter(2025, 3)),
    ("2025年第四季度民政统计季报", quarter(2025, 4)), ("2025年一季报", quarter(2025, 1)), ("2025年三季度末", quarter(2025, 3)),
    ("Q2 2025", quarter(2025, 2)), ("2025Q3", quarter(2025, 3)), ("2025 Q1", quarter(2025, 1)), ("2025-Q4", quarter(2025, 4)),
    ("2025年Q2", quarter(2025, 2)), ("q2 2025", quarter(2025, 2)), ("２０２５年第二季度", quarter(2025, 2)),
])
def test_quarters(text: str, expected: PeriodSpec) -> None:
    assert find_period(text) == expected


# --- ranges and year-to-date ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2025年1-6月民政事业统计月报", ytd(2025, 6)), ("2025年1—6月", ytd(2025, 6)), ("2025年1–6月", ytd(2025, 6)),
    ("2025年1－6月", ytd(2025, 6)), ("2025年1~6月", ytd(2025, 6)), ("2025年1～6月", ytd(2025, 6)),
    ("2025年1至6月", ytd(2025, 6)), ("2025年1到6月", ytd(2025, 6)), ("2025年1月-6月", ytd(2025, 6)),
    ("2025年1月至6月", ytd(2025, 6)), ("2025年1-6月份", ytd(2025, 6)), ("2025年1月-2025年6月", ytd(2025, 6)),
    ("2025年1月1日至6月30日", ytd(2025, 6)), ("2025.01-2025.06", ytd(2025, 6)), ("2025年一至六月", ytd(2025, 6)),
    ("2025年1-12月", ytd(2025, 12)), ("2025年1-1月", ytd(2025, 1)),
    ("2025年4-6月", spec(2025, 4, 6, False, "range")), ("2025年7至9月", spec(2025, 7, 9, False, "range")),
    ("2025年上半年", ytd(2025, 6)), ("2025年上半年度", ytd(2025, 6)), ("2025年下半年", spec(2025, 7, 12, False, "range")),
    ("2025年前三季度", ytd(2025, 9)), ("2025年前两季度", ytd(2025, 6)), ("2025年前3个月", ytd(2025, 3)),
    ("2025年1-2季度", ytd(2025, 6)), ("2025年2-3季度", spec(2025, 4, 9, False, "range")),
    ("截至2025年6月底", ytd(2025, 6)), ("截止2025年6月", ytd(2025, 6)), ("截至2025.06", ytd(2025, 6)),
    ("截至 2025年10月10日", ytd(2025, 10)), ("截至2025年三季度末", ytd(2025, 9)), ("截至2025年底", ytd(2025, 12)),
    ("2025年6月累计", ytd(2025, 6)), ("黔江区2025年低保对象1-6月汇总", ytd(2025, 6)),  # the year stands apart
])
def test_ranges_and_year_to_date(text: str, expected: PeriodSpec) -> None:
    assert find_period(text) == expected


# --- years -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2025年", "2025年度", "2025年民政事业统计年报", "２０２５年", "二〇二五年"])
def test_years(text: str) -> None:
    assert find_period(text) == spec(2025, 1, 12, False, "year")


# --- the year from elsewhere -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("3月", month(2024, 3)), ("3月份", month(2024, 3)), ("十月", month(2024, 10)), ("十二月", month(2024, 12)),
    ("一月", month(2024, 1)), ("4月低保统计表", month(2024, 4)),
    ("截至6月底", ytd(2024, 6)), ("截至10月10日", ytd(2024, 10)), ("截止6月", ytd(2024, 6)), ("截至1月", ytd(2024, 1)),
    ("截至三季度末", ytd(2024, 9)), ("1—6月累计", ytd(2024, 6)), ("1-6月", ytd(2024, 6)), ("一至六月", ytd(2024, 6)),
    ("一月至六月", ytd(2024, 6)), ("1月1日至6月30日", ytd(2024, 6)), ("6月累计", ytd(2024, 6)), ("前两个月", ytd(2024, 2)),
    ("4-6月", spec(2024, 4, 6, False, "range")),
    ("一季度", quarter(2024, 1)), ("第四季度", quarter(2024, 4)), ("第3季", quarter(2024, 3)), ("二季度末", quarter(2024, 2)),
    ("2季度", quarter(2024, 2)), ("Q3", quarter(2024, 3)),
    ("上半年", ytd(2024, 6)), ("下半年", spec(2024, 7, 12, False, "range")), ("前三季度", ytd(2024, 9)),
])
def test_periods_taking_the_year_from_elsewhere(text: str, expected: PeriodSpec) -> None:
    assert find_period(text, default_year=2024) == expected
    found = find_period(text)
    assert found is not None and found.year is None


def test_a_year_written_elsewhere_in_the_text_beats_the_default() -> None:
    assert find_period("2025年民政统计月报（截至6月底）", default_year=2024) == ytd(2025, 6)
    assert find_period("2025年低保统计 3月", default_year=2024) == month(2025, 3)
    assert find_period("第二季度 2025年", default_year=2024) == quarter(2025, 2)


def test_a_filling_in_date_neither_is_the_period_nor_lends_its_year() -> None:
    assert find_period("6月低保统计表 填表日期：2025年7月3日", default_year=2024) == month(2024, 6)
    assert find_period("2025年6月低保统计表 填报日期2025年7月3日") == month(2025, 6)
    assert find_period("2025年二季度 制表时间：2025年7月3日") == quarter(2025, 2)
    assert find_period("填表日期：2025年7月3日") == month(2025, 7)  # nothing else: better than no period


# --- several periods in one text -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2025年6月民政统计月报（1-6月累计）", ytd(2025, 6)),  # a month and the year-to-date through it
    ("2025年6月民政统计月报（截至6月底）", ytd(2025, 6)),
    ("2025年6月民政统计月报（4-6月）", month(2025, 6)),  # not year-to-date: the month stands
    ("2025年第二季度（4-6月）", quarter(2025, 2)),  # equal months: the one with its year
    ("第二季度（2025年4-6月）", spec(2025, 4, 6, False, "range")),
    ("第一季度（1-3月）", quarter(None, 1)),  # equal months, neither with a year: the first
    ("2025年低保统计/2025年3月.xlsx", month(2025, 3)),  # a month beats a year
    ("2025年第一季度 3月", month(2025, 3)),  # a month beats a quarter
    ("2024年3月 2025年4月", month(2024, 3)),  # the first of equals
    ("3月 2025年4月", month(2025, 4)),  # one with its year beats one without
    ("2025年3月低保_20250410.xlsx", month(2025, 3)),  # a date stamp is not a period
])
def test_the_most_specific_period_wins(text: str, expected: PeriodSpec) -> None:
    assert find_period(text) == expected


# --- not periods -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", " ", "低保统计表", "民政统计月报", "城乡低保.xlsx", "12个月", "三个月", "近两月", "两季度", "四季青街道",
    "2025年13月", "第13月", "13月", "0月", "2025年0月", "2025-13", "202513", "202500", "2025.00", "20250310",
    "1999年3月", "1999年", "2101年3月", "1900年", "12-3月", "2025年6-4月", "2025年1月-2024年6月", "2025.01-2024.06",
    "Q5", "SQ2", "Q2 1999", "二十月", "第十季度", "资金2048.5万元", "合计1652人", "500114121", "v1.2.3", "1.2025.3",
])
def test_no_period(text: str) -> None:
    assert find_period(text) is None
    assert find_period(text, default_year=2024) is None


@pytest.mark.parametrize("raw", [None, 202503, 2025.03, b"2025-03", ["2025年3月"]])
def test_non_text_is_read_as_its_text_or_gives_none(raw: object) -> None:
    found = find_period(raw)  # type: ignore[arg-type]
    assert found is None or found == month(2025, 3)


# --- PeriodSpec helpers --------------------------------------------------------------------------------------------

def test_months_and_end() -> None:
    s = find_period("2025年1-3月")
    assert s is not None
    assert s.months() == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert s.end() == date(2025, 3, 1)
    assert month(2025, 12).months() == [date(2025, 12, 1)] and month(2025, 12).end() == date(2025, 12, 1)
    assert quarter(2025, 4).months() == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]
    assert spec(2025, 1, 12, False, "year").end() == date(2025, 12, 1)
    assert len(spec(2025, 1, 12, False, "year").months()) == 12


def test_months_and_end_need_a_year() -> None:
    found = find_period("3月")
    assert found is not None
    with pytest.raises(ValueError, match="期间没有年份：3月"):
        found.months()
    with pytest.raises(ValueError, match="期间没有年份"):
        found.end()


@pytest.mark.parametrize(("first", "last"), [(0, 3), (3, 13), (6, 4), (13, 13)])
def test_an_impossible_spec_cannot_be_made(first: int, last: int) -> None:
    with pytest.raises(ValueError, match="期间的月份不成立"):
        spec(2025, first, last, False, "range")


@pytest.mark.parametrize(("s", "label"), [
    (month(2025, 3), "2025年3月"), (quarter(2025, 2), "2025年第2季度"), (ytd(2025, 6), "2025年1-6月"),
    (ytd(2025, 1), "2025年1月"), (spec(2025, 4, 6, False, "range"), "2025年4-6月"),
    (spec(2025, 1, 12, False, "year"), "2025年"), (month(None, 3), "3月"), (quarter(None, 1), "第1季度"),
    (spec(None, 1, 12, False, "year"), "全年"),
])
def test_labels(s: PeriodSpec, label: str) -> None:
    assert s.label() == label


def test_spec_is_frozen_and_hashable() -> None:
    s = month(2025, 3)
    with pytest.raises(AttributeError):
        s.year = 2024  # type: ignore[misc]
    assert {s, month(2025, 3)} == {s}


def test_parse_month_is_unchanged() -> None:
    assert parse_month("2025年3月") == date(2025, 3, 1)
    with pytest.raises(ValueError, match="无法识别的月份"):
        parse_month("截至3月")


# --- properties ------------------------------------------------------------------------------------------------------

PERIOD_TEXT = st.text(alphabet="0123456789年月季度第前上下半至到-—~./Qq 截至止底末累计日一二三四五六七八九十两〇１２３",
                      max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), PERIOD_TEXT), st.one_of(st.none(), st.integers(1990, 2110)))
def test_never_raises_and_months_are_ordered(text: str, year: int | None) -> None:
    found = find_period(text, default_year=year)
    if found is not None:
        assert 1 <= found.first_month <= found.last_month <= 12
        assert found.kind in ("month", "quarter", "range", "year")
        assert found.year is None or 1990 <= found.year <= 2110
        if found.kind == "month":
            assert found.first_month == found.last_month and not found.ytd
        if found.kind == "quarter":
            assert found.first_month % 3 == 1 and found.last_month == found.first_month + 2 and not found.ytd
        if found.kind == "range" and found.ytd:
            assert found.first_month == 1


@settings(max_examples=200, deadline=None)
@given(st.integers(2000, 2100), st.integers(1, 12), st.sampled_from(["{y}年{m}月", "{y}{m:02d}", "{y}.{m:02d}", "{y}-{m}",
                                                                     "{y}/{m}", "表{y}年{m}月份统计"]))
def test_every_month_of_every_year_is_found(y: int, m: int, form: str) -> None:
    assert find_period(form.format(y=y, m=m)) == month(y, m)


@settings(max_examples=200, deadline=None)
@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(1, 12))
def test_every_range_is_found(y: int, a: int, b: int) -> None:
    found = find_period(f"{y}年{a}-{b}月")
    if a <= b:
        assert found == spec(y, a, b, a == 1, "range")
    else:
        assert found is None
