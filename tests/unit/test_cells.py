"""ingest/cells.py: the documented rule for what counts as a number."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.ingest.cells import parse_cell

FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


@pytest.mark.parametrize(("raw", "value"), [
    (1234, 1234.0), (12.5, 12.5), ("1,234", 1234.0), ("1，234", 1234.0), ("12,345.6", 12345.6),
    ("１２３４", 1234.0), ("１，２３４．５", 1234.5), (" 88 ", 88.0), ("+5", 5.0), ("-3", -3.0), ("(123)", -123.0),
    ("0", 0.0), ("007", 7.0), ("3\u00a0000", 3000.0),
])
def test_numbers(raw, value) -> None:
    cell = parse_cell(raw)
    assert (cell.status, cell.value) == ("number", value)


def test_percent_and_unit_suffixes() -> None:
    assert parse_cell("12.5%").value == pytest.approx(0.125) and parse_cell("12.5%").percent
    cell = parse_cell("532万元")
    assert (cell.value, cell.unit) == (532.0, "万元")
    assert parse_cell("1652人").unit == "人" and parse_cell("13人次").unit == "人次"


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_empty(raw) -> None:
    assert parse_cell(raw).status == "empty"


@pytest.mark.parametrize("raw", ["—", "——", "-", "－", "/", "／", "无", " — "])
def test_none_reported(raw) -> None:
    assert parse_cell(raw).status == "none"


@pytest.mark.parametrize(("raw", "message"), [
    ("暂无", "不是数字：暂无"), ("#DIV/0!", "公式错误：#DIV/0!"), ("#name?", "公式错误：#NAME?"), (True, "不是数字：True"),
    ("1,23,4", "不是数字：1,23,4"), ("12人左右", "不是数字：12人左右"), (float("nan"), "不是数字：nan"),
    (date(2025, 3, 1), "是日期或时间，不是数字：2025-03-01"), ("人", "不是数字：人"),
])
def test_errors_name_the_value(raw, message) -> None:
    cell = parse_cell(raw)
    assert (cell.status, cell.message) == ("error", message)
    assert parse_cell(datetime(2025, 3, 1)).status == "error"


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.dates()))
def test_never_raises(raw) -> None:
    cell = parse_cell(raw)
    assert cell.status in ("number", "empty", "none", "error")
    assert (cell.value is not None) == (cell.status == "number")


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.booleans())
def test_formatted_numbers_read_back(value, full_width) -> None:
    text = f"{value:,.2f}"
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_cell(text).value == pytest.approx(round(value, 2), abs=1e-9)
