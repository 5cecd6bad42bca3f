"""Shortcuts taken for large uploads give what the general rules give.

- ``read_number`` reads text that is a plain decimal number ("1234", "-5", "537.25": a CSV cell) with
  ``float`` instead of ``parse_cell``;
- the xlsx guard reads columns with a shorter pattern, and skips looking for empty cells, when every cell
  start in a piece is a plain value cell.
"""

from __future__ import annotations

import io
import math
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.domain.catalog import Indicator
from civdash.ingest import guards
from civdash.ingest.cells import parse_cell
from civdash.ingest.extract import _PLAIN_NUMBER, SheetResult, read_number

AMOUNT = Indicator("funds", "低保资金", "社会救助", "元", "flow", 2, None, "")
COUNT = Indicator("persons", "低保人数", "社会救助", "人", "stock", 0, None, "")


def _general(raw: str, ind: Indicator, factor: float) -> tuple[float | None, list[tuple[str, str]]]:
    """read_number through the general rule (the text wrapped so that the shortcut does not apply)."""
    class Text(str):
        pass

    result = SheetResult("f.csv", "s")
    value = read_number(Text(raw), ind, factor, result, "D2")
    return value, [(f.level, f.message) for f in result.findings]


def _fast(raw: str, ind: Indicator, factor: float) -> tuple[float | None, list[tuple[str, str]]]:
    result = SheetResult("f.csv", "s")
    value = read_number(raw, ind, factor, result, "D2")
    return value, [(f.level, f.message) for f in result.findings]


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(r"\A-?[0-9]{1,15}(\.[0-9]{1,15})?\Z"), factor=st.sampled_from([1.0, 10000.0]),
       ind=st.sampled_from([AMOUNT, COUNT]))
def test_plain_decimal_text_reads_as_the_general_rule_reads_it(text: str, factor: float, ind: Indicator) -> None:
    assert _PLAIN_NUMBER.fullmatch(text)
    cell = parse_cell(text)
    assert cell.status == "number" and cell.unit is None and not cell.percent
    assert cell.value == float(text) and math.copysign(1, cell.value) == math.copysign(1, float(text))
    fast, general = _fast(text, ind, factor), _general(text, ind, factor)
    assert fast[1] == general[1]
    assert fast[0] == general[0] or (fast[0] is None and general[0] is None)


@pytest.mark.parametrize("text", ["1e5", " 12", "12 ", "１２", "1_000", "+5", "12.", ".5", "nan", "inf", "1,234", "-",
                                  "1" * 16, "0x10", "12\n", "12%", "12万元", "(12)", "—", ""])
def test_other_text_takes_the_general_rule(text: str) -> None:
    assert not _PLAIN_NUMBER.fullmatch(text)
    assert _fast(text, AMOUNT, 1.0) == _general(text, AMOUNT, 1.0)


def _part(cells: str) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           f"{cells}</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    book = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    return book, book.getinfo("xl/worksheets/sheet1.xml")


def _value(address: str) -> str:
    return f'<c r="{address}" s="1"><v>1</v></c>'


@pytest.mark.parametrize(("cells", "expected"), [
    # values only: rows × columns from A1
    ("".join(f'<row r="{r}">' + "".join(_value(f"{c}{r}") for c in "ABCDE") + "</row>" for r in (1, 2, 3)), 15),
    ('<row r="1">' + _value("AB1") + "</row>" + '<row r="40">' + _value("C40") + "</row>", 40 * 28),
    # formatted empty cells to the right and below do not widen the grid (calamine skips them)
    ('<row r="1">' + _value("A1") + _value("C1") + '<c r="Z1" s="2"/></row><row r="9"><c r="A9" s="2"/></row>', 3),
    # a cell not written plainly (single quotes), or with a namespace prefix: the part is walked instead
    ('<row r="1">' + _value("A1") + "<c r='B1'><v>1</v></c></row>", None),
    ('<row r="1">' + _value("A1") + '<x:c r="B1"><v>1</v></x:c></row>', None),
])
def test_the_guard_counts_plainly_written_cells_from_their_addresses(cells: str, expected: int | None) -> None:
    book, info = _part(cells)
    assert guards._scan_xlsx_part(book, info, "f.xlsx", guards.Limits()) == expected


def _walked(cells: str) -> int:
    book, info = _part(cells)
    with book.open(info) as stream:
        return guards._XlsxWalk(info.file_size, guards.Limits(max_cells=10**13), "f.xlsx").run(stream)


def _letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_cell = st.tuples(st.integers(min_value=1, max_value=16_384).map(_letters),
                  st.integers(min_value=1, max_value=1_048_576), st.booleans(),
                  st.sampled_from(["", ' s="3"', ' t="s"', ' s="1" t="n"', ' t="str" s="12"']))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_cell, min_size=0, max_size=40), chunk=st.sampled_from([None, 7, 64, 200]))
def test_the_fast_count_equals_calamines_rules_walked_cell_by_cell(cells, chunk) -> None:
    """Random plainly written parts (cells in any order, valued or empty, other attributes after r), read in
    pieces of any size: the count from the addresses equals the expat walk's."""
    xml = "".join(f'<row><c r="{col}{row}"{attrs}><v>1</v></c></row>' if valued
                  else f'<row><c r="{col}{row}"{attrs}/></row>' for col, row, valued, attrs in cells)
    book, info = _part(xml)
    old = guards._CHUNK
    try:
        if chunk:
            guards._CHUNK = chunk
        fast = guards._scan_xlsx_part(book, info, "f.xlsx", guards.Limits(max_cells=10**13))
    finally:
        guards._CHUNK = old
    if chunk is None:
        assert fast == _walked(xml)  # whole pieces: every cell is plain
    else:
        assert fast in (_walked(xml), None)  # pieces of a few bytes may cut a tag: then the part is walked instead


@pytest.mark.parametrize(("cells", "expected"), [
    # the last valued cell is in the middle of the part, not at its end
    (_value("C900") + _value("A2") + '<c r="ZZ5" s="1"/>', 900 * 3),
    (_value("XFD3") + _value("A1"), 3 * 16_384),
    ('<c r="A1" s="1" t="s"><v>0</v></c><c r="B2" foo="a>b"><v>1</v></c>', None),  # '>' in a value: walked
    ('<c r="A1"><v>1</v></c><c r="B12345678"><v>1</v></c>', None),  # an address out of any sheet's range
    ('<c r="a1"><v>1</v></c>', None),
    ('<c r="A1"><v>1</v></c><c r="B0009"><v>1</v></c>', None),  # a leading zero: not compared as written, walked
    (_value("Z99") + _value("AA7") + _value("B100"), 100 * 27),  # the longest run is the largest, not the last
    ('<c r="A1"></c><c r="D4"/>', 1),
])
def test_addresses_read_column_wise(cells: str, expected: int | None) -> None:
    book, info = _part(f'<row r="1">{cells}</row>')
    assert guards._scan_xlsx_part(book, info, "f.xlsx", guards.Limits(max_cells=10**13)) == expected


def test_a_valued_cell_at_the_last_address_is_refused_before_parsing() -> None:
    book, info = _part('<row r="1">' + _value("A1") + "</row>" + '<row r="1048576">' + _value("XFD1048576") + "</row>")
    with pytest.raises(guards.IngestError, match="单元格超过"):
        guards._scan_xlsx_part(book, info, "f.xlsx", guards.Limits())
