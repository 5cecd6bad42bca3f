"""上传模板 (civdash/ingest/template.py): the form is laid out as the office writes it, and filled in — by the optional values
or in a spreadsheet program — it imports cleanly: no error, no question (unmapped column, assumption, unknown
township), every catalog indicator mapped, every township matched, and it stores exactly the figures written
(万元 × 10,000). Indicators and townships added on the 指标与乡镇 page are in the next form and import too."""

from __future__ import annotations

import io

import openpyxl
import pytest

from civdash.admin import registry
from civdash.admin.registry import IndicatorInput, TownshipInput
from civdash.domain import catalog, townships
from civdash.domain.units import display_unit
from civdash.ingest.context import Options
from civdash.ingest.template import template_name, upload_template
from civdash.ingest.upload import commit, prepare
from tests.template_fixtures import fill_template


def figures(con) -> dict[tuple[str, str], float]:
    """A figure for every township and indicator, in the unit the form shows, of a plausible size."""
    out = {}
    for t, town in enumerate(townships.townships(con)):
        for i, ind in enumerate(catalog.indicators(con)):
            if ind.kind == "level":
                out[(town.name, ind.code)] = 600.0 + t  # a standard in 元/人·月
            elif display_unit(ind.unit) == "万元":  # about 600 元 a person a month: what the standard is
                out[(town.name, ind.code)] = round((10 + t + i) * 0.06, 2)
            else:
                out[(town.name, ind.code)] = float(10 + t + i)
    return out


def assert_imports_cleanly(con, data: bytes, written: dict[tuple[str, str], float]) -> None:
    """Read with no error, warning or assumption, every indicator and township taken; stored as written."""
    plan = prepare(con, [(template_name(2025, 7), data)], Options())
    assert plan.errors == [] and plan.warnings == [] and plan.soft == [], [
        (f.rule, f.message) for f in plan.findings if f.level != "note"]
    [sheet] = [s for s in plan.sheets if s.layout]
    assert sheet.layout == "report" and sheet.period_label() == "2025年7月"
    inds = catalog.indicators(con)
    assert {c.indicator for c in sheet.columns} == {i.code for i in inds}  # every catalog indicator mapped
    assert not any(c.assumed for c in sheet.columns)
    assert all(c.ytd is False for c in sheet.columns if c.ytd is not None)  # flows read as the month's own
    assert sheet.townships == {t.id for t in townships.townships(con)}
    assert plan.fact_count == len(written)
    commit(con, plan)
    stored = {(t, c): v for t, c, v in con.execute(
        "SELECT township, indicator_code, value FROM v_fact WHERE period = '2025-07-01'").fetchall()}
    factor = {i.code: 10_000 if display_unit(i.unit) == "万元" else 1 for i in inds}
    assert stored == pytest.approx({k: v * factor[k[1]] for k, v in written.items()})


def test_a_form_filled_through_its_values_imports_cleanly_and_stores_what_was_written(district) -> None:
    values = figures(district)
    assert_imports_cleanly(district, upload_template(district, 2025, 7, values), values)


def test_a_form_filled_in_a_spreadsheet_program_imports_cleanly(district) -> None:
    values = figures(district)
    names = {i.code: i.name for i in catalog.indicators(district)}
    typed = fill_template(upload_template(district, 2025, 7), {(t, names[c]): v for (t, c), v in values.items()})
    assert_imports_cleanly(district, typed, values)


def test_the_form_reads_as_the_office_writes_it(district) -> None:
    book = openpyxl.load_workbook(io.BytesIO(upload_template(district, 2025, 7)))
    assert book.sheetnames == ["7月", "说明"]
    sheet = book["7月"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    inds = catalog.indicators(district)
    last = len(inds)  # column index of the last indicator (0-based; column 0 holds the townships)
    assert rows[0][0] == "黔江区2025年7月民政主要指标统计表"
    assert (rows[1][0], rows[1][last // 2], rows[1][last]) == ("填报单位：黔江区民政局（盖章）", "金额单位：万元",
                                                              "统计期：2025年7月")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:AD1", "A3:A5", "B3:O3", "P3:Q3", "R3:U3", "V3:Z3", "AC3:AD3"} <= merged  # title, 乡镇（街道）, categories
    assert (rows[2][1], rows[2][15], rows[2][26]) == ("社会救助", "儿童福利", "智慧民政")
    assert rows[3][1:5] == ["城市低保户数", "城市低保人数", "城市低保资金支出（当月）", "城市低保平均保障标准"]
    assert rows[4][1:5] == ["户", "人", "万元", "元/人·月"]
    assert [r[0] for r in rows[5:35]] == [t.name for t in townships.townships(district)]
    assert rows[35][0] == "合计"
    assert rows[35][1] == "=SUM(B6:B35)" and rows[35][4] is None  # a standard is not added up
    assert rows[37][0].startswith("审核人：") and "填表人：" in rows[37][0]
    assert len(sheet.data_validations.dataValidation) == len(inds)
    notes = [[c.value for c in row] for row in book["说明"].iter_rows()]
    assert notes[0][0] == "填表说明"
    assert any("不填1-N月累计数" in (r[0] or "") for r in notes)
    listing = {r[0]: r[1:3] for r in notes[7:]}
    assert listing["城市低保资金支出"] == ["万元", "当月发生数（不填1-N月累计）"]
    assert listing["城市低保人数"] == ["人", "月末数"]
    assert listing["城市低保平均保障标准"] == ["元/人·月", "当月标准或比率（不相加）"]


def test_indicators_and_townships_added_on_the_registry_page_are_in_the_next_form(district) -> None:
    registry.add_indicator(district, IndicatorInput("养老机构护理型床位数", "养老服务", "张", "stock"))
    registry.add_indicator(district, IndicatorInput("殡葬服务量", "殡葬管理", "件", "flow"))
    registry.add_indicator(district, IndicatorInput("公益性公墓建设资金", "殡葬管理", "元", "flow", decimals=2))
    registry.add_township(district, TownshipInput("新城街道", code="500114007", position=7))
    registry.edit_township(district, townships.match_township(district, "中塘镇"),
                           TownshipInput("中塘街道", code="500114121", former_names=["中塘乡"]))
    book = openpyxl.load_workbook(io.BytesIO(upload_template(district, 2025, 7)))
    sheet = book["7月"]
    header = [c.value for c in sheet[4]]
    assert header[header.index("养老机构床位数") + 1] == "养老机构护理型床位数"
    assert header[-2:] == ["殡葬服务量（当月）", "公益性公墓建设资金（当月）"]
    assert [c.value for c in sheet[3]][-2] == "殡葬管理"
    assert [sheet.cell(r, 1).value for r in (12, 26)] == ["新城街道", "中塘街道"]
    values = figures(district)
    assert_imports_cleanly(district, upload_template(district, 2025, 7, values), values)
