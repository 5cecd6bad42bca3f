"""ingest/cells.py: the documented rule for what counts as a number."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.domain.units import KNOWN_UNITS, to_base_unit
from civdash.ingest.cells import Cell, parse_cell

FULL_WIDTH = str.maketrans("0123456789,.-+%()", "０１２３４５６７８９，．－＋％（）")


# --- numbers -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "value"), [
    (1234, 1234.0), (0, 0.0), (-7, -7.0), (12.5, 12.5), (-0.25, -0.25), (1e15, 1e15),
    ("0", 0.0), ("007", 7.0), ("88", 88.0), (" 88 ", 88.0), ("\t88\n", 88.0), ("\u300088\u3000", 88.0),
    ("12.5", 12.5), (".5", 0.5), ("12.", 12.0), ("-.5", -0.5),
    ("+5", 5.0), ("-3", -3.0), ("- 3", -3.0), ("+ 5", 5.0), ("−12", -12.0),  # U+2212 minus sign
    ("1.5E+05", 150000.0), ("2e3", 2000.0), ("-1.2e-2", -0.012),
])
def test_plain_numbers(raw: object, value: float) -> None:
    assert parse_cell(raw) == Cell(value, "number")


@pytest.mark.parametrize(("raw", "value"), [
    ("1,234", 1234.0), ("1，234", 1234.0), ("12,345.6", 12345.6), ("1,234,567", 1234567.0),
    ("1,234,567.89", 1234567.89), ("-1,234", -1234.0), ("+1,000", 1000.0), ("999", 999.0), ("1, 234", 1234.0),
    ("3 000", 3000.0), ("3\u00a0000", 3000.0), ("1 234 567.5", 1234567.5), ("12\u3000345", 12345.0),
])
def test_thousands_separators(raw: str, value: float) -> None:
    assert parse_cell(raw) == Cell(value, "number")


@pytest.mark.parametrize("raw", [
    "1,23,4", "12,34", "1234,567", "1,5", ",123", "123,", "1,,234", "1,2345", "12,34,567", "1,234.5,6", "1.234.567",
    "12 34", "1 2", "1,234 56",
])
def test_malformed_grouping_is_an_error(raw: str) -> None:
    cell = parse_cell(raw)
    assert (cell.status, cell.value) == ("error", None)
    assert cell.message == f"不是数字：{raw}"


@pytest.mark.parametrize(("raw", "value"), [
    ("１２３４", 1234.0), ("１，２３４．５", 1234.5), ("－５", -5.0), ("＋５", 5.0), ("（１２３）", -123.0),
    ("１２．５％", 0.125), ("５３２万元", 532.0), ("\u3000１６５２\u3000", 1652.0),
])
def test_full_width_is_folded(raw: str, value: float) -> None:
    cell = parse_cell(raw)
    assert cell.status == "number"
    assert cell.value == pytest.approx(value)


@pytest.mark.parametrize(("raw", "value"), [
    ("(123)", -123.0), ("( 123 )", -123.0), ("(1,234.5)", -1234.5), ("(0)", 0.0), ("(123)万元", -123.0),
    ("(123万元)", -123.0),
])
def test_accounting_brackets_are_negative(raw: str, value: float) -> None:
    cell = parse_cell(raw)
    assert (cell.status, cell.value) == ("number", value)


@pytest.mark.parametrize("raw", ["(-5)", "(+5)", "-(5)", "+(5)", "()", "((5))", "(5", "5)"])
def test_brackets_with_a_sign_or_unbalanced_are_errors(raw: str) -> None:
    assert parse_cell(raw).status == "error"


@pytest.mark.parametrize(("raw", "value"), [
    ("12.5%", 0.125), ("100%", 1.0), ("0%", 0.0), ("-3%", -0.03), ("12.5 %", 0.125), ("12.5％", 0.125),
    ("(12.5%)", -0.125), ("1,000%", 10.0),
])
def test_percent(raw: str, value: float) -> None:
    cell = parse_cell(raw)
    assert cell.status == "number" and cell.percent and cell.unit is None
    assert cell.value == pytest.approx(value)


def test_plain_numbers_are_not_percent_and_have_no_unit() -> None:
    cell = parse_cell("12.5")
    assert not cell.percent and cell.unit is None and cell.message is None


@pytest.mark.parametrize(("raw", "value", "unit"), [
    ("532万元", 532.0, "万元"), ("1652人", 1652.0, "人"), ("13人次", 13.0, "人次"), ("1.2万人次", 1.2, "万人次"),
    ("2.5亿元", 2.5, "亿元"), ("3千元", 3.0, "千元"), ("231,600元", 231600.0, "元"), ("950户", 950.0, "户"),
    ("0.9089万人", 0.9089, "万人"), ("3万户", 3.0, "万户"), ("12个", 12.0, "个"), ("5张", 5.0, "张"),
    ("8对", 8.0, "对"), ("2件", 2.0, "件"), ("532 万元", 532.0, "万元"), ("-5元", -5.0, "元"),
    ("¥1,234.00", 1234.0, "元"), ("￥1,234.00", 1234.0, "元"), ("-¥5", -5.0, "元"), ("¥-5", -5.0, "元"),
])
def test_unit_suffix_is_returned_not_converted(raw: str, value: float, unit: str) -> None:
    cell = parse_cell(raw)
    assert (cell.status, cell.value, cell.unit, cell.percent) == ("number", value, unit, False)


def test_every_known_unit_is_accepted_and_the_caller_converts() -> None:
    for unit in KNOWN_UNITS:
        cell = parse_cell(f"12{unit}")
        assert (cell.status, cell.value, cell.unit) == ("number", 12.0, unit)
    cell = parse_cell("532万元")
    assert to_base_unit(cell.value, cell.unit) == (5_320_000.0, "元")


@pytest.mark.parametrize("raw", ["12%元", "12元%", "人", "万元", "%", "¥", "¥5元", "12公斤", "12 人 人", "1.2万", "12 岁"])
def test_unit_words_alone_or_combined_are_errors(raw: str) -> None:
    assert parse_cell(raw).status == "error"


# --- nothing and 'none reported' -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [None, "", " ", "   ", "\t", "\n", "\u3000", "\u00a0", " \u3000 \u00a0", "\ufeff", "\u200b"])
def test_empty(raw: object) -> None:
    assert parse_cell(raw) == Cell(None, "empty")


@pytest.mark.parametrize("raw", [
    "—", "——", "-", "--", "－", "－－", "–", "―", "/", "／", "\\", "＼", "无",
    " — ", "\u3000无\u3000", "— —", " / ", "- -",
])
def test_none_reported(raw: str) -> None:
    assert parse_cell(raw) == Cell(None, "none")


@pytest.mark.parametrize("raw", ["无无", "//", "/-", "-无", "没有", "空", "一"])
def test_near_none_marks_are_errors(raw: str) -> None:
    assert parse_cell(raw).status == "error"


# --- errors ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["#DIV/0!", "#NAME?", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"])
def test_excel_errors(code: str) -> None:
    for raw in (code, code.lower(), f" {code} ", code.translate(str.maketrans("#/!?", "＃／！？"))):
        assert parse_cell(raw) == Cell(None, "error", f"公式错误：{code}")


@pytest.mark.parametrize(("raw", "message"), [
    ("暂无", "不是数字：暂无"), ("不详", "不是数字：不详"), ("待报", "不是数字：待报"), ("12人左右", "不是数字：12人左右"),
    ("约12", "不是数字：约12"), ("12以上", "不是数字：12以上"), ("1.2万", "不是数字：1.2万"), ("nan", "不是数字：nan"),
    ("NaN", "不是数字：NaN"), ("inf", "不是数字：inf"), ("Infinity", "不是数字：Infinity"), ("1e999", "不是数字：1e999"),
    ("0x1F", "不是数字：0x1F"), ("1_000", "不是数字：1_000"), ("12-3", "不是数字：12-3"), ("1/2", "不是数字：1/2"),
    ("+", "不是数字：+"), ("-.", "不是数字：-."), (".", "不是数字：."), ("人", "不是数字：人"), ("#", "不是数字：#"),
    (" 暂无 ", "不是数字：暂无"), ("12\n人左右", "不是数字：12 人左右"),
])
def test_other_text_is_an_error_naming_the_value(raw: str, message: str) -> None:
    assert parse_cell(raw) == Cell(None, "error", message)


def test_long_values_are_shortened_in_the_message() -> None:
    cell = parse_cell("这一格写了很长的一段说明文字而不是数字，需要统计员去核对")
    assert cell.status == "error"
    assert cell.message == "不是数字：这一格写了很长的一段说明文字而不是数字，…"  # 20 characters and an ellipsis


@pytest.mark.parametrize(("raw", "message"), [
    (True, "不是数字：TRUE"), (False, "不是数字：FALSE"),
    (float("nan"), "不是数字：nan"), (float("inf"), "不是数字：inf"), (float("-inf"), "不是数字：-inf"),
])
def test_booleans_and_non_finite_floats_are_errors(raw: object, message: str) -> None:
    assert parse_cell(raw) == Cell(None, "error", message)


def test_an_int_too_large_for_a_float_is_an_error() -> None:
    cell = parse_cell(10**400)
    assert cell.status == "error" and cell.message.startswith("不是数字：1000")


@pytest.mark.parametrize(("raw", "shown"), [
    (date(2025, 3, 1), "2025-03-01"), (date(1900, 1, 5), "1900-01-05"), (datetime(2025, 3, 1, 10, 30), "2025-03-01 10:30:00"),
    (time(10, 5), "10:05:00"), (timedelta(hours=3), "3:00:00"),
])
def test_dates_and_times_are_errors(raw: object, shown: str) -> None:
    assert parse_cell(raw) == Cell(None, "error", f"是日期或时间，不是数字：{shown}（请检查单元格格式）")


def test_other_objects_are_read_as_their_text() -> None:
    assert parse_cell(Decimal("12.50")) == Cell(12.5, "number")
    assert parse_cell(b"12").status == "error"

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    assert parse_cell(Unprintable()) == Cell(None, "error", "不是数字：Unprintable")


def test_cell_is_frozen() -> None:
    cell = parse_cell("1")
    with pytest.raises(AttributeError):
        cell.value = 2.0  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------------------------------------

raw_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400), st.floats(),
    st.text(), st.text(alphabet="0123456789,.，．+-－()（）%％ 　万元人次户 —/无#E"), st.dates(), st.datetimes(),
    st.times(), st.timedeltas(), st.decimals(),
)


@settings(max_examples=300, deadline=None)
@given(raw_values)
def test_never_raises_and_the_status_is_consistent(raw: object) -> None:
    cell = parse_cell(raw)
    assert cell.status in ("number", "empty", "none", "error")
    assert (cell.value is not None) == (cell.status == "number")
    assert (cell.message is not None) == (cell.status == "error")
    if cell.status == "number":
        assert math.isfinite(cell.value)
        assert not (cell.percent and cell.unit)
    if cell.status == "error":
        assert cell.message.split("：", 1)[0] in ("不是数字", "公式错误", "是日期或时间，不是数字")


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.booleans())
def test_formatted_numbers_read_back(value: float, full_width: bool) -> None:
    text = f"{value:,.2f}"
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_cell(text) == Cell(round(value, 2), "number")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-10**15, max_value=10**15), st.sampled_from(("", *KNOWN_UNITS)))
def test_grouped_integers_with_a_unit_read_back(value: int, unit: str) -> None:
    cell = parse_cell(f"{value:,}{unit}")
    assert (cell.status, cell.value, cell.unit) == ("number", float(value), unit or None)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_percent_reads_back_divided_by_100(value: float) -> None:
    cell = parse_cell(f"{value}%")
    assert cell.percent and cell.value == pytest.approx(value / 100)
