"""Round trips through the whole engine: fixture files → prepare → commit → ``v_fact`` equals the source.

Expected figures are computed from the fixture grids themselves (tests/ingest_fixtures.py), in the units
written there, and converted here: 万元 × 10,000; 1-N月 totals differenced into months. Bad files must be
refused with a message naming the file, and leave the database exactly as it was.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from civdash import catalog, db, townships
from civdash.ingest.commit import CommitError
from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from civdash.paths import DATA_DIR
from tests import ingest_fixtures as fx

FIRST_ROW, LAST_ROW = 6, 35  # township rows of fx.report_sheet
COLUMNS = {"dibao_urban_households": 1, "dibao_urban_persons": 2, "dibao_rural_households": 3,
           "dibao_rural_persons": 4, "dibao_new_persons": 5, "dibao_exit_persons": 6}
YTD_FUNDS = {"dibao_urban_funds": 7, "dibao_rural_funds": 8}  # 1-N月累计, 万元


def fresh(path: Path) -> duckdb.DuckDBPyConnection:
    con = db.connect(path)
    catalog.seed(con)
    townships.seed_from_csv(con, DATA_DIR / "demo_townships.csv", "黔江区", "500114")
    return con


@pytest.fixture()
def con(tmp_path: Path):
    c = fresh(tmp_path / "roundtrip.duckdb")
    yield c
    c.close()


def load(con, *paths: Path, **options):
    plan = prepare(con, [(p.name, p.read_bytes()) for p in paths], Options(**options))
    return plan


def total(con, code: str, month: date) -> float:
    return con.execute("SELECT coalesce(sum(value), 0) FROM v_fact f JOIN township t ON t.name = f.township "
                       "AND t.level = 'township' WHERE indicator_code = ? AND period = ?", [code, month]).fetchone()[0]


def column_sum(sheet: fx.Sheet, col: int) -> float:
    grid = fx.values(sheet)
    return sum(v for row in grid[FIRST_ROW:LAST_ROW + 1] if isinstance(v := row[col], int | float))


def snapshot(con) -> tuple:
    return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("fact", "batch", "batch_file", "township", "township_alias", "header_mapping")) + (
        db.data_version(con),)


def test_a_years_monthly_workbook(con, tmp_path) -> None:
    path = fx.write_monthly_workbook(tmp_path, 2024)
    plan = load(con, path)
    assert plan.ok, plan.errors
    commit(con, plan)
    sheets = {s.name: s for s in fx.monthly_workbook_sheets(2024)}
    for month in range(1, 13):
        sheet = sheets[f"{month}月"]
        for code, col in COLUMNS.items():
            assert total(con, code, date(2024, month, 1)) == column_sum(sheet, col), (code, month)
    december = sheets["12月"]
    for code, col in YTD_FUNDS.items():  # the stored months of the year add up to December's 1-12月 total
        year = con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND year(period) = 2024",
                           [code]).fetchone()[0]
        assert year == pytest.approx(column_sum(december, col) * 10_000)
    march, april = sheets["3月"], sheets["4月"]
    assert total(con, "dibao_urban_funds", date(2024, 4, 1)) == pytest.approx(
        (column_sum(april, 7) - column_sum(march, 7)) * 10_000)


def test_a_single_year_to_date_month_needs_the_months_before(con, tmp_path) -> None:
    april = fx.write_report_xlsx(tmp_path, 2025, 4)
    refused = load(con, april)
    assert refused.errors[0].where == f"{april.name} › 主要指标 › H7"
    assert "缺少2025年1月的数据" in refused.errors[0].message
    before = snapshot(con)
    with pytest.raises(CommitError):
        commit(con, refused)
    assert snapshot(con) == before

    jan_mar = fx.write_xlsx(tmp_path / "2025年1-3月.xlsx", fx.monthly_workbook_sheets(2025)[1:4])
    commit(con, load(con, jan_mar))
    plan = load(con, april)
    assert plan.ok, plan.errors
    commit(con, plan)
    sheet4, sheet3 = fx.report_sheet(2025, 4), fx.report_sheet(2025, 3)
    assert total(con, "dibao_rural_funds", date(2025, 4, 1)) == pytest.approx(
        (column_sum(sheet4, 8) - column_sum(sheet3, 8)) * 10_000)
    assert total(con, "dibao_urban_persons", date(2025, 4, 1)) == column_sum(sheet4, 2)


@pytest.mark.parametrize("write", [
    fx.write_long_table_xlsx,
    lambda d: fx.write_csv(d, "utf-8"),
    lambda d: fx.write_csv(d, "utf-8", bom=True),
    lambda d: fx.write_csv(d, "gbk"),
    lambda d: fx.write_csv(d, "utf-8", delimiter="\t", name="明细.txt"),
], ids=["xlsx", "utf8", "utf8-bom", "gbk", "tab-txt"])
def test_long_tables_store_exactly_their_rows(con, tmp_path, write) -> None:
    path = write(tmp_path)
    plan = load(con, path, ytd={f"{path.name} › {s}": False for s in ("明细", path.stem)})
    assert plan.ok, plan.errors
    commit(con, plan)
    rows = fx.long_table_text_rows()[1:]
    assert con.execute("SELECT count(*) FROM v_fact").fetchone()[0] == len(rows)
    codes = {"城市低保人数": "dibao_urban_persons", "城市低保金": "dibao_urban_funds", "临时救助人次": "temp_relief_cases"}
    for name, code in codes.items():
        for month in (4, 5, 6):
            expected = sum(float(r[3]) for r in rows if r[2] == name and r[0] == f"2025年{month}月")
            assert total(con, code, date(2025, month, 1)) == pytest.approx(expected), (name, month)


@pytest.mark.parametrize("write, month", [(fx.write_report_ods, 5), (fx.write_report_xls, 3)], ids=["ods", "xls"])
def test_ods_and_xls_reports(con, tmp_path, write, month) -> None:
    path = write(tmp_path)
    # the form's funds are 1-N月 totals and the district sheet's 1-6月: store the months before first
    earlier = fx.write_xlsx(tmp_path / "之前.xlsx", fx.monthly_workbook_sheets(2025)[1:6])
    commit(con, load(con, earlier))
    plan = load(con, path, ytd={f"{path.name} › 主要指标": False})
    report = next(s for s in plan.sheets if s.layout == "report")
    assert report.period.label() == f"2025年{month}月"
    assert not [f for f in plan.errors if f"› {month}月" in f.where]
    sheet = fx.report_sheet(2025, month)
    counted = {f.indicator: 0.0 for f in plan.facts}
    for f in plan.facts:
        if f.sheet is report:
            counted[f.indicator] = counted.get(f.indicator, 0.0) + f.value
    for code, col in COLUMNS.items():
        assert counted.get(code, 0.0) == column_sum(sheet, col), code


def test_a_district_form_is_stored_against_the_district(con, tmp_path) -> None:
    path = fx.write_district_form_xlsx(tmp_path)
    plan = load(con, path)
    stocks = {f.indicator: f.value for f in plan.facts if f.month == date(2025, 6, 1)}
    assert stocks["dibao_urban_persons"] == 1652 and stocks["app_registered_users"] == 45231
    assert {f.township for f in plan.facts} == {townships.district(con).id}
    # its 1-6月 totals cannot become June amounts without January to May: refused, cell by cell
    assert {f.where for f in plan.errors} >= {f"{path.name} › 主要指标 › C4", f"{path.name} › 主要指标 › C6"}
    township_sum = total(con, "dibao_urban_persons", date(2025, 6, 1))
    only_stocks = prepare(con, [(path.name, path.read_bytes())],
                          Options(mappings={k: None for k in ("城市低保金（1-6月累计）", "农村低保金（1-6月累计）",
                                                              "特困人员供养金（1-6月累计）", "临时救助（1-6月累计）",
                                                              "临时救助金（1-6月累计）", "孤儿和事实无人抚养儿童生活补贴",
                                                              "居家适老化改造（年度目标950户）")}))
    assert only_stocks.ok, only_stocks.errors
    commit(con, only_stocks)
    assert con.execute("SELECT value FROM v_fact WHERE township = '黔江区' AND indicator_code = 'dibao_urban_persons'"
                       ).fetchone()[0] == 1652
    assert total(con, "dibao_urban_persons", date(2025, 6, 1)) == township_sum  # never added to township sums


@pytest.mark.parametrize("write, says", [
    (fx.write_random_bytes_xlsx, "随机内容.xlsx"),
    (fx.write_text_named_xlsx, "其实是文本.xlsx"),
    (fx.write_empty_workbook, "空工作簿.xlsx"),
    (fx.write_empty_file, "空文件.xlsx"),
    (fx.write_truncated_xlsx, "传了一半.xlsx"),
    (fx.write_zip_bomb, None),
    (fx.write_sparse_xlsx, None),
], ids=["random", "text", "empty-workbook", "empty-file", "truncated", "zip-bomb", "sparse"])
def test_bad_files_are_refused_and_change_nothing(con, tmp_path, write, says) -> None:
    good = fx.write_long_table_xlsx(tmp_path)
    bad = write(tmp_path)
    before = snapshot(con)
    plan = load(con, good, bad)  # one bad file refuses the whole upload
    errors = [f for f in plan.errors if f.where.startswith(says or bad.name)]
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in f.message) for f in errors)
    with pytest.raises(CommitError):
        commit(con, plan)
    assert snapshot(con) == before


# --- fuzzing: whatever a sheet holds, prepare never raises and a commit is all or nothing ------------------------------

NAMES = [n for n, _, _ in fx.townships()[:5]] + ["城东", "中塘乡", "合计", "黔江区", "城北街道", "序号"]
HEADERS = ["乡镇", "城市低保人数", "城市低保资金（万元）", "1-4月资金", "当月", "人数", "单位：万元", "合计", "指标", "数值",
           "期间", "备注"]
CELLS = st.one_of(
    st.none(), st.integers(-5, 5000), st.floats(-10, 1e6),
    st.sampled_from(NAMES + HEADERS + ["—", "/", "无", "暂无", "#DIV/0!", "1,234", "１２", "3.5万元", "2025年4月",
                                       "202504", "12%"]),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.booleans(), st.text(max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=10),
       title=st.sampled_from(["黔江区2025年4月统计表", "2025年1-3月", "第二季度", "统计表", ""]),
       allow=st.booleans())
def test_any_grid_is_read_without_crashing_and_commits_all_or_nothing(con, grid, title, allow) -> None:
    rows = [[title], *grid]
    data = fx.xlsx_bytes([fx.Sheet("表1", rows)])
    plan = prepare(con, [("上传.xlsx", data)], Options(allow_new_townships=allow))
    before = snapshot(con)
    try:
        result = commit(con, plan)
    except CommitError:
        assert snapshot(con) == before
        return
    assert plan.ok
    stored = con.execute("SELECT count(*) FROM fact WHERE batch_id = ?", [result.batch_id]).fetchone()[0]
    assert stored == len(plan.facts)
