"""A long table is read column-wise (extract._long_table): numbers and plain decimal text are converted in bulk
and checked with NumPy, every other cell goes through ``read_number``. Whatever the cells, the values kept and
the findings (with their cells, in row order) must be exactly those of ``read_number`` cell by cell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civdash.domain import catalog, townships
from civdash.domain.periods import add_months, month_number
from civdash.ingest.context import Context, Options
from civdash.ingest.extract import SheetResult, extract_sheet, read_number
from civdash.ingest.read import SheetData
from civdash.store import db
from civdash.store.paths import DATA_DIR

FILE = "明细.xlsx"
# (indicator name as written, unit as written, code, factor to the base unit): a count and an amount in 万元
INDICATORS = [("城市低保人数", "人", "dibao_urban_persons", 1.0), ("城市低保金", "万元", "dibao_urban_funds", 10_000.0)]

cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False), st.floats(min_value=-1e6, max_value=1e9),
    st.integers(min_value=-10**6, max_value=10**12), st.booleans(), st.none(),
    st.from_regex(r"\A-?[0-9]{1,15}(\.[0-9]{1,15})?\Z"),
    st.sampled_from(["—", "/", "无", "1,234", "１２", "暂无", "#DIV/0!", "12万元", "12人", "5%", "-3", "2.5", " 7 ",
                     "1e5", "", "  ", "0.000001", "-0", "3.0000001", "2.0001"]),
    st.sampled_from([2.0001, 7.0000005, 1e300, -0.0, 2**53 + 1.0]), st.just(datetime(2025, 4, 1)),
)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Context:
    con: duckdb.DuckDBPyConnection = db.connect(Path(tmp_path_factory.mktemp("long")) / "d.duckdb")
    catalog.seed(con)
    townships.seed_from_csv(con, DATA_DIR / "demo_townships.csv", "黔江区", "500114")
    return Context(con, Options(ytd={f"{FILE} › 明细": False}))


def _rows(raws: list[object], towns: list[str]) -> list[list[object]]:
    """One row a value, each with its own (indicator, township, month) so that no key repeats."""
    rows: list[list[object]] = [["期间", "乡镇", "指标", "数值", "单位"]]
    for i, raw in enumerate(raws):
        name, unit, _, _ = INDICATORS[i % 2]
        month = add_months(date(2020, 1, 1), i // (2 * len(towns)))
        rows.append([f"{month.year}-{month.month:02d}", towns[(i // 2) % len(towns)], name, raw, unit])
    return rows


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raws=st.lists(cells, min_size=1, max_size=120))
def test_bulk_conversion_gives_what_read_number_gives_cell_by_cell(ctx: Context, raws: list[object]) -> None:
    towns = ctx.townships.names[:7]
    rows = _rows(raws, towns)
    result = extract_sheet(SheetData("明细", rows), FILE, ctx)
    assert result.layout == "long"

    expected_values, expected_findings = [], []
    for i, raw in enumerate(raws):
        _, _, code, factor = INDICATORS[i % 2]
        one = SheetResult(FILE, "明细", rules=ctx.builtin_rules)
        value = read_number(raw, ctx.indicators[code], factor, one, f"D{i + 2}")
        expected_findings += [(f.level, f.where, f.message) for f in one.findings]
        if value is not None:
            month = month_number(add_months(date(2020, 1, 1), i // (2 * len(towns))))
            expected_values.append((code, ctx.township_id(towns[(i // 2) % len(towns)]), month, value, f"D{i + 2}"))

    block = result.block
    got = list(zip(block["indicator"], block["township"], block["month"], block["value"], block["cell"], strict=True))
    assert got == expected_values
    cell_findings = [(f.level, f.where, f.message) for f in result.findings if " › D" in f.where]
    assert cell_findings == expected_findings


def test_rows_that_cannot_be_stored_are_reported_in_row_order(ctx: Context) -> None:
    rows = [["期间", "乡镇", "指标", "数值", "单位"],
            ["2025-04", "城东街道", "城市低保人数", -1, "人"],  # D2: a negative count
            ["2025-04", "", "城市低保人数", 5, "人"],  # B3: no township
            ["2025年13月", "城东街道", "城市低保金", 5, "万元"],  # A4: no such month
            ["2025-04", "城东街道", "城市低保金", 5, "人"],  # E5: a unit that does not fit
            ["2025-04", "城东街道", "城市低保金", "暂无", "万元"],  # D6: not a number
            ["2025-04", "中塘乡", "城市低保人数", 2.5, "人"],  # D7: a fractional count
            ["2025-04", "中塘乡", "城市低保人数", 3, "人"],  # D8: the key of D7 again, but D7 was not kept
            ["2025-04", "中塘", "城市低保人数", 4, "人"]]  # D9: the same key as D8
    result = extract_sheet(SheetData("明细", rows), FILE, ctx)
    where = [f.where.rsplit(" › ", 1)[1] for f in result.findings if f.level == "error"]
    assert where == ["D2", "B3", "A4", "E5", "D6", "D7", "D9"]
    assert result.findings[-1].message == "中塘的“城市低保人数”（2025年4月）与D8重复"
    # a negative count is kept in the block: the audit rule's finding (hard by default) is what stops the upload
    assert list(result.block["cell"]) == ["D2", "D8"]
    assert list(result.block["value"]) == [-1.0, 3.0]
