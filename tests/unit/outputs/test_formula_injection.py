"""Formula injection (issue 16, item 5): names that start like a spreadsheet formula are refused where they are
registered, and names already stored (old data, written straight into the database) stay text in every file the
dashboard writes: the upload template, the 报送进度 workbook, and the 数据查询 .xlsx/.csv (the 审计日志 exports:
tests/unit/access/test_audit_admin.py)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from civdash.admin import registry
from civdash.admin.registry import IndicatorInput, RegistryError, TownshipInput
from civdash.analysis import progress, table
from civdash.analysis.table import TableRequest
from civdash.domain import spreadsheet, townships
from civdash.ingest.context import Options
from civdash.ingest.template import template_name, upload_template
from civdash.ingest.upload import prepare
from civdash.outputs import export

MAR = date(2025, 3, 1)
TOWN = '=HYPERLINK("http://x","y")镇'
INDICATOR = "@SUM(A1)人数"
CATEGORY = "+救助类"
STARTS = ["=1+2镇", "+86街道", "-5乡", "@A1镇", " =x镇"]


@pytest.mark.parametrize("name", STARTS)
def test_register_refuses_a_formula_like_township_name(district, name) -> None:
    before = len(townships.townships(district))
    with pytest.raises(ValueError, match="不能以 = \\+ - @ 开头"):
        townships.register(district, name)
    with pytest.raises(RegistryError, match="乡镇（街道）名称“.*”不能以 = \\+ - @ 开头"):
        registry.add_township(district, TownshipInput(name=name))
    assert len(townships.townships(district)) == before


def test_renaming_a_township_to_a_formula_is_refused(district) -> None:
    first = townships.townships(district)[0]
    with pytest.raises(RegistryError, match="不能以 = \\+ - @ 开头"):
        registry.edit_township(district, first.id, TownshipInput(name=TOWN))
    assert townships.townships(district)[0].name == first.name


def test_indicator_names_and_categories_like_formulas_are_refused(district) -> None:
    with pytest.raises(RegistryError, match="指标名称“@SUM\\(A1\\)人数”不能以"):
        registry.add_indicator(district, IndicatorInput(name=INDICATOR, category="社会救助", unit="人", kind="stock"))
    with pytest.raises(RegistryError, match="类别“\\+救助类”不能以"):
        registry.add_indicator(district, IndicatorInput(name="新指标", category=CATEGORY, unit="人", kind="stock"))


def test_names_with_such_characters_inside_are_fine(district) -> None:
    tid = registry.add_township(district, TownshipInput(name="新城=1镇"))
    assert townships.townships(district)[-1].id == tid


def test_an_upload_never_registers_a_formula_like_township(small) -> None:
    rows = [["乡镇（街道）", "低保人数（人）"], ["城东街道", "121"], [TOWN, "5"]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    plan = prepare(small.con, [("2025年3月.csv", out.getvalue().encode("utf-8"))], Options(allow_new_townships=True))
    assert plan.context.new_townships == {}
    assert any("不能以 = + - @ 开头" in e.message for e in plan.errors), [e.message for e in plan.errors]


@pytest.fixture
def old(small):
    """The tiny district with names written straight into the database before they were refused: a township, an
    indicator's name and its category starting like formulas; the township has a 低保人数 for March."""
    con = small.con
    tid = con.execute("SELECT max(id) + 1 FROM township").fetchone()[0]
    con.execute("INSERT INTO township (id, name, code, type, level, sort_order) VALUES (?, ?, NULL, '镇', 'township', 9)",
                [tid, TOWN])
    townships.add_alias(con, tid, TOWN)
    con.execute("UPDATE indicator SET name = ?, category = ? WHERE code = 'cases'", [INDICATOR, CATEGORY])
    con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current)"
                " VALUES ('persons', ?, ?, 7, 1, true)", [tid, MAR])
    return small


def text_cells(data: bytes) -> dict[str, list[openpyxl.cell.cell.Cell]]:
    """Every non-empty cell of every sheet, by the text it holds."""
    found: dict[str, list] = {}
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    found.setdefault(str(cell.value), []).append(cell)
    return found


def assert_text(data: bytes, *names: str, formulas: tuple[str, ...] = ()) -> None:
    """Each name is in the workbook as a text cell; the only formulas are the ones expected (prefixes)."""
    cells = text_cells(data)
    for name in names:
        assert name in cells, name
        assert all(c.data_type == "s" for c in cells[name]), name
    live = [v for v, cs in cells.items() for c in cs if c.data_type == "f"]
    assert all(v.startswith(formulas) for v in live) if formulas else live == [], live
    assert not any(c.hyperlink for cs in cells.values() for c in cs)


def test_the_upload_template_holds_the_names_as_text(old) -> None:
    data = upload_template(old.con, 2025, 4)
    assert_text(data, TOWN, "@SUM(A1)人数（当月）", CATEGORY, INDICATOR, formulas=("=SUM(",))
    town = text_cells(data)[TOWN][0]
    assert town.column == 1 and town.quotePrefix  # the township column, text even when edited


def test_the_template_filled_in_reads_back_to_the_township(old) -> None:
    tid = next(t.id for t in townships.townships(old.con) if t.name == TOWN)
    values = {(t.name, "persons"): 10.0 + t.sort_order for t in townships.townships(old.con)}
    plan = prepare(old.con, [(template_name(2025, 4), upload_template(old.con, 2025, 4, values))], Options())
    assert plan.errors == [], [e.message for e in plan.errors]
    assert [(f.township, f.value) for f in plan.facts if f.indicator == "persons" and f.township == tid] \
        == [(tid, 19.0)]


def test_the_progress_workbook_holds_the_names_as_text(old) -> None:
    first = date(2025, 1, 1)
    grid = progress.month_grid(old.con, first, MAR)
    indicators = progress.indicator_grid(old.con, date(2025, 2, 1))  # 临时救助 was reported in February
    assert TOWN in grid.statuses.index and INDICATOR in indicators.columns
    data = progress.progress_xlsx(old.con, grid, first, MAR, date(2025, 2, 1), indicators)
    assert_text(data, TOWN, INDICATOR)
    assert len(text_cells(data)[TOWN]) == 2  # in both sheets


def test_the_query_exports_hold_the_names_as_text(old) -> None:
    t = table.build(old.con, TableRequest(("persons", "cases"), MAR, MAR))
    assert_text(export.to_xlsx(t, date(2026, 1, 5)), TOWN, CATEGORY)
    rows = list(csv.reader(io.StringIO(export.to_csv(t).decode("utf-8-sig"))))
    assert ["'" + TOWN] == [r[0] for r in rows if TOWN in r[0]]
    assert all(not r[0].startswith(spreadsheet.FORMULA_STARTS) for r in rows)


@pytest.mark.parametrize(("text", "expected"), [("=1+2", "'=1+2"), ("+86", "'+86"), ("-5", "'-5"), ("@A1", "'@A1"),
                                                ("\tx", "'\tx"), ("\rx", "'\rx"), ("城东=1", "城东=1"), ("", "")])
def test_neutralise(text, expected) -> None:
    assert spreadsheet.neutralise(text) == expected
