"""上传模板 (civdash/template.py): the form generated from the catalog and registry imports cleanly — no error, no
question (unmapped column, assumption, unknown township) — and stores exactly the figures written into it."""

from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from civdash import catalog, townships
from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from civdash.template import template_name, upload_template
from civdash.units import display_unit


@pytest.fixture()
def con(district):
    return district


def test_a_filled_template_imports_cleanly_and_stores_what_was_written(con) -> None:
    inds = catalog.indicators(con)
    towns = [t.name for t in townships.townships(con)]
    values = {}
    for t, town in enumerate(towns):
        for i, ind in enumerate(inds):
            if ind.kind == "level":
                values[(town, ind.code)] = 600.0 + t  # a standard in 元/人·月
            elif display_unit(ind.unit) == "万元":
                values[(town, ind.code)] = round(1.25 + t * 0.5 + i * 0.01, 2)
            else:
                values[(town, ind.code)] = float(10 + t + i)
    data = upload_template(con, 2025, 7, values)
    plan = prepare(con, [(template_name(2025, 7), data)], Options())
    assert plan.errors == [] and plan.warnings == [], [f.message for f in plan.findings if f.level != "note"]
    sheet = plan.sheets[0]
    assert sheet.layout == "report" and sheet.period_label() == "2025年7月"
    assert {c.indicator for c in sheet.columns} == {i.code for i in inds}  # every catalog indicator mapped
    assert not any(c.assumed for c in sheet.columns)
    assert plan.fact_count == len(towns) * len(inds)
    commit(con, plan)
    stored = {(t, c): v for t, c, v in con.execute(
        "SELECT township, indicator_code, value FROM v_fact WHERE period = '2025-07-01'").fetchall()}
    factor = {i.code: 10_000 if display_unit(i.unit) == "万元" else 1 for i in inds}
    assert stored == pytest.approx({k: v * factor[k[1]] for k, v in values.items()})


def test_the_form_reads_as_the_office_writes_it(con) -> None:
    book = CalamineWorkbook.from_filelike(__import__("io").BytesIO(upload_template(con, 2025, 7)))
    assert book.sheet_names == ["7月", "说明"]
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == "黔江区2025年7月民政主要指标统计表"
    assert rows[2][0] == "乡镇（街道）" and rows[5][0] == "城东街道"
    assert rows[5 + 30][0] == "合计"
    assert "城市低保资金支出（当月）" in rows[3] and "万元" in rows[4]
