"""Uploads end to end: fixture files → ``prepare`` → ``commit`` → SQL on ``v_fact`` equals the fixture's own grid.

Every expected figure is computed here from the grids in tests/ingest_fixtures.py (``report_sheet``,
``long_table_text_rows``, ``district_form_sheet``), township by township, in the units written there and
converted by the documented rules: 万元 × 10,000; a 1-N月 total minus the month before's is the month's
amount; blank cells store nothing; the 合计 row is a check, not a township; district figures sit on the
district row and never in township sums. Bad files are refused, naming the file, with the database exactly
as it was; a repeated file is recognised and changes nothing; rollback restores exactly; and whatever a
sheet holds (fuzzed), ``prepare`` does not raise and a commit stores all of a plan or nothing.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, event, given, settings

from civdash.domain import catalog, townships
from civdash.domain.names import normalize_name
from civdash.ingest.commit import CommitError, CommitResult, rollback
from civdash.ingest.context import Options
from civdash.ingest.upload import Plan, commit, prepare
from civdash.store import db
from tests import ingest_fixtures as fx

ROOT = fx.ROOT
DISTRICT = "黔江区"
REGISTRY = fx.townships()  # (full name, short name, type) in registry order = the report's row order
FULL_NAMES = [full for full, _, _ in REGISTRY]

# report_sheet: township rows 7-36 (0-based 6-35); columns as written there
FIRST_ROW, LAST_ROW = 6, 35
AS_WRITTEN = {"dibao_urban_households": 1, "dibao_urban_persons": 2, "dibao_rural_households": 3,
              "dibao_rural_persons": 4, "dibao_new_persons": 5, "dibao_exit_persons": 6}  # stocks; 当月 flows
YEAR_TO_DATE = {"dibao_urban_funds": 7, "dibao_rural_funds": 8}  # 1-N月累计, 万元
WAN = 10_000

TABLES = ("meta", "indicator", "indicator_alias", "township", "township_alias", "target", "batch", "batch_file",
          "fact", "header_mapping", "audit_rule", "batch_explanation")


# --- databases ----------------------------------------------------------------------------------------------------


def fresh(path: Path) -> duckdb.DuckDBPyConnection:
    """A new database with the default catalog and the demo district's registry."""
    con = db.connect(path)
    catalog.seed(con)
    townships.seed_from_csv(con, ROOT / "data" / "demo_townships.csv", DISTRICT, "500114")
    return con


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("upload-roundtrip") / "template.duckdb"
    fresh(path).close()
    return path


@pytest.fixture()
def con(template: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(template, path)
    c = db.connect(path)
    yield c
    c.close()


def test_the_fresh_database_holds_the_catalog_and_registry_only(con) -> None:
    assert con.execute("SELECT count(*) FROM township WHERE level = 'township'").fetchone()[0] == len(REGISTRY) == 30
    assert con.execute("SELECT name FROM township WHERE level = 'district'").fetchall() == [(DISTRICT,)]
    assert con.execute("SELECT count(*) FROM indicator").fetchone()[0] == len(catalog.read_catalog_csv())
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 0


def content(con) -> dict[str, object]:
    """Every row of every table, and the data version: equal before and after means nothing changed."""
    out: dict[str, object] = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    out["data_version"] = db.data_version(con)
    return out


def shown(con) -> list[tuple]:
    """What the dashboard sees: every current value with the batch it came from."""
    return con.execute("SELECT indicator_code, township, period, value, batch_id FROM v_fact ORDER BY ALL").fetchall()


# --- uploads ------------------------------------------------------------------------------------------------------


# The report form's J列 当月资金支出 is 城市 + 农村 together, an indicator of its own nowhere: as a statistician does once
# for this layout, it is ignored (otherwise it is a money column left out, which must be decided or explained).
CITY_AND_COUNTRY = {"当月资金支出": None}


def upload(con, *paths: Path, **options) -> Plan:
    options.setdefault("mappings", CITY_AND_COUNTRY)
    return prepare(con, [(p.name, p.read_bytes()) for p in paths], Options(**options))


def store(con, *paths: Path, **options) -> CommitResult:
    plan = upload(con, *paths, **options)
    assert plan.ok, [f"{f.where}: {f.message}" for f in plan.errors]
    result = commit(con, plan)
    assert con.execute("SELECT count(*) FROM fact WHERE batch_id = ?", [result.batch_id]).fetchone()[0] == len(plan.facts)
    return result


def township_values(con, month: date) -> dict[tuple[str, str], float]:
    """(indicator, township) → value of the township rows (never the district row) for one month."""
    rows = con.execute("SELECT f.indicator_code, f.township, f.value FROM v_fact f JOIN township t ON t.name = f.township "
                       "AND t.level = 'township' WHERE f.period = ?", [month]).fetchall()
    return {(code, name): value for code, name, value in rows}


def township_total(con, code: str, month: date) -> float:
    return con.execute("SELECT coalesce(sum(f.value), 0) FROM v_fact f JOIN township t ON t.name = f.township "
                       "AND t.level = 'township' WHERE f.indicator_code = ? AND f.period = ?", [code, month]).fetchone()[0]


def district_values(con) -> dict[tuple[str, date], float]:
    rows = con.execute("SELECT f.indicator_code, f.period, f.value FROM v_fact f JOIN township t ON t.name = f.township "
                       "AND t.level = 'district'").fetchall()
    return {(code, period): value for code, period, value in rows}


# --- expected figures, from the fixture grids ---------------------------------------------------------------------


def township_rows(sheet: fx.Sheet) -> list[tuple[str, list[object]]]:
    """(registered full name, row) of a report's township rows; the row's own label is checked against it."""
    rows = fx.values(sheet)[FIRST_ROW:LAST_ROW + 1]
    assert len(rows) == len(REGISTRY)
    out = []
    for (full, short, _), row in zip(REGISTRY, rows, strict=True):
        assert normalize_name(str(row[0])) in {short, full, "中塘乡"}, row[0]
        out.append((full, row))
    return out


def column_sum(sheet: fx.Sheet, col: int) -> float:
    return sum(v for _, row in township_rows(sheet) if isinstance(v := row[col], int | float))


def expected_report(year: int, month: int) -> dict[tuple[str, str], float]:
    """What one month's report stores, township by township: counts as written (blank → nothing), funds as
    the 1-N月 total minus the month before's, × 10,000."""
    this = township_rows(fx.report_sheet(year, month))
    before = township_rows(fx.report_sheet(year, month - 1)) if month > 1 else None
    out: dict[tuple[str, str], float] = {}
    for i, (name, row) in enumerate(this):
        for code, col in AS_WRITTEN.items():
            if row[col] is not None:
                out[(code, name)] = float(row[col])  # type: ignore[arg-type]
        for code, col in YEAR_TO_DATE.items():
            previous = before[i][1][col] if before else 0.0
            out[(code, name)] = (row[col] - previous) * WAN  # type: ignore[operator]
    return out


def assert_report_stored(con, year: int, month: int) -> None:
    expected = expected_report(year, month)
    stored = township_values(con, date(year, month, 1))
    assert stored.keys() == expected.keys()
    assert stored == pytest.approx(expected, rel=1e-9, abs=1e-6)
    sheet = fx.report_sheet(year, month)
    for code, col in AS_WRITTEN.items():  # the SQL sum over townships is the source column's sum
        assert township_total(con, code, date(year, month, 1)) == column_sum(sheet, col), (code, month)


# The district form: label → (indicator, factor to the base unit, how it is written)
DISTRICT_ROWS = {
    "城市低保人数": ("dibao_urban_persons", 1, "stock"),
    "城市低保金（1-6月累计）": ("dibao_urban_funds", WAN, "ytd"),
    "农村低保人数": ("dibao_rural_persons", 1, "stock"),
    "农村低保金（1-6月累计）": ("dibao_rural_funds", WAN, "ytd"),
    "特困人员供养金（1-6月累计）": ("tekun_funds", WAN, "ytd"),
    "临时救助（1-6月累计）": ("temp_relief_cases", 1, "ytd"),
    "临时救助金（1-6月累计）": ("temp_relief_funds", WAN, "ytd"),
    "孤儿和事实无人抚养儿童生活补贴": ("orphan_funds", WAN, "month"),  # unmarked flow: the month's own amount
    "居家适老化改造（年度目标950户）": ("aging_retrofit_households", 1, "month"),
    "“渝快社区”注册用户数": ("app_registered_users", 1, "stock"),
}


def district_form(month: int) -> fx.Sheet:
    """The June district form as it would have been filled in ``month`` of 2025: the same stocks and monthly
    figures, 1-N月 totals growing evenly to June's."""
    june = fx.district_form_sheet()
    rows: list[list[object]] = []
    for row in june.rows:
        row = list(row)
        label = row[0]
        if isinstance(label, str) and label in DISTRICT_ROWS and DISTRICT_ROWS[label][2] == "ytd":
            row[0] = label.replace("1-6月", f"1-{month}月")
            whole = row[1] == "人次"
            row[2] = round(row[2] * month / 6) if whole else round(row[2] * month / 6, 2)  # type: ignore[operator]
        elif isinstance(label, str):
            row[0] = label.replace("2025年6月", f"2025年{month}月")
        rows.append(row)
    return fx.Sheet(f"{month}月", rows, june.merged)


def write_district_months(directory: Path, months: range = range(1, 6)) -> Path:
    return fx.write_xlsx(directory / "2025年1-5月全区指标.xlsx", [district_form(m) for m in months])


def write_township_months(directory: Path, months: range, year: int = 2025) -> Path:
    sheets = fx.monthly_workbook_sheets(year)  # 说明, 1月 … 12月, Sheet1
    return fx.write_xlsx(directory / f"{year}年{months[0]}-{months[-1]}月城乡低保月报.xlsx",
                         [sheets[m] for m in months])


def assert_district_june_stored(con) -> None:
    """The June form's figures on the district row: stocks and monthly figures as written, and the months
    January-June of each 1-N月 figure adding up to June's total."""
    stored = district_values(con)
    june = date(2025, 6, 1)
    checked = 0
    for label, unit, value in fx.values(fx.district_form_sheet())[2:]:
        if label not in DISTRICT_ROWS:
            continue
        code, factor, how = DISTRICT_ROWS[label]
        assert unit is not None
        if how == "ytd":
            months = [stored[(code, date(2025, m, 1))] for m in range(1, 7)]
            assert sum(months) == pytest.approx(value * factor), label  # type: ignore[operator]
        else:
            assert stored[(code, june)] == value * factor, label  # type: ignore[operator]
        checked += 1
    assert checked == len(DISTRICT_ROWS)


# --- 1. round trips -----------------------------------------------------------------------------------------------


def test_a_years_monthly_workbook_stores_every_month(con, tmp_path) -> None:
    path = fx.write_monthly_workbook(tmp_path, 2024)
    result = store(con, path)
    assert result.periods == [date(2024, m, 1) for m in range(1, 13)]
    assert result.new == con.execute("SELECT count(*) FROM v_fact").fetchone()[0]
    assert result.new == sum(len(expected_report(2024, m)) for m in range(1, 13))  # nothing else (合计, 序号, J列)
    for month in range(1, 13):
        assert_report_stored(con, 2024, month)
    december = township_rows(fx.report_sheet(2024, 12))
    for code, col in YEAR_TO_DATE.items():  # the stored months of the year add up to December's 1-12月 column
        by_township = dict(con.execute("SELECT township, sum(value) FROM v_fact WHERE indicator_code = ? "
                                       "AND year(period) = 2024 GROUP BY township", [code]).fetchall())
        assert by_township == pytest.approx({name: row[col] * WAN for name, row in december})  # type: ignore[operator]
        year = con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND year(period) = 2024",
                           [code]).fetchone()[0]
        assert year == pytest.approx(column_sum(fx.report_sheet(2024, 12), col) * WAN)
    assert not district_values(con)  # the 合计 row is a check, never stored


def test_a_single_april_report_is_refused_until_january_to_march_are_stored(con, tmp_path) -> None:
    april = fx.write_report_xlsx(tmp_path, 2025, 4)
    refused = upload(con, april)
    first = refused.errors[0]
    assert first.where == f"{april.name} › 主要指标 › H7"
    assert "城市低保资金支出" in first.message and "缺少2025年1-3月的数据" in first.message  # every missing month
    # one error for each 1-N月 cell of each township, and for nothing else
    cells = {f.where.rsplit(" › ", 1)[1] for f in refused.errors}
    assert cells == {f"{c}{r}" for c in "HI" for r in range(FIRST_ROW + 1, LAST_ROW + 2)}
    before = content(con)
    with pytest.raises(CommitError):
        commit(con, refused)
    assert content(con) == before

    store(con, write_township_months(tmp_path, range(1, 4)))
    for month in (1, 2, 3):
        assert_report_stored(con, 2025, month)
    store(con, april)
    assert_report_stored(con, 2025, 4)  # funds: April's 1-4月 minus March's 1-3月, in 元


def test_an_april_report_uploaded_with_january_to_march_in_one_upload(con, tmp_path) -> None:
    april = fx.write_report_xlsx(tmp_path, 2025, 4)
    store(con, write_township_months(tmp_path, range(1, 4)), april)
    for month in (1, 2, 3, 4):
        assert_report_stored(con, 2025, month)


def test_real_layouts_round_3_store_exactly_their_townships_figures(con, tmp_path) -> None:
    sheets, expected = fx.round3_workbook(2025, 4)
    path = fx.write_xlsx(tmp_path / "2025年4月民政统计表.xlsx", sheets)
    plan = upload(con, path, ytd={"2025年4月民政统计表.xlsx › 特困": False})
    assert {s.sheet for s in plan.sheets if s.hidden_left_out} == {"特困", "3月"}
    notes = [f.message for f in plan.findings if f.level == "note"]
    assert "以下是分组标题行，不是乡镇：第4行“一、街道”、第11行“二、镇”、第30行“三、乡”" in notes  # in the 序号 column
    store(con, path, ytd={"2025年4月民政统计表.xlsx › 特困": False})
    assert township_values(con, date(2025, 4, 1)) == expected  # 合计 groups, not 上月 or 集中; codes and prefixes
    assert not con.execute("SELECT count(*) FROM v_fact WHERE period = DATE '2025-03-01'").fetchone()[0]  # hidden


LONG_TABLES: dict[str, Callable[[Path], Path]] = {
    "xlsx": fx.write_long_table_xlsx,
    "csv-utf8": lambda d: fx.write_csv(d, "utf-8"),
    "csv-utf8-bom": lambda d: fx.write_csv(d, "utf-8", bom=True),
    "csv-gbk": lambda d: fx.write_csv(d, "gbk"),
    "txt-tab": lambda d: fx.write_csv(d, "utf-8", delimiter="\t", name="低保明细.txt"),
}
LONG_CODES = {"城市低保人数": "dibao_urban_persons", "城市低保金": "dibao_urban_funds", "临时救助人次": "temp_relief_cases"}


@pytest.mark.parametrize("write", LONG_TABLES.values(), ids=LONG_TABLES.keys())
def test_a_long_table_stores_exactly_its_rows(con, tmp_path, write) -> None:
    path = write(tmp_path)
    if path.suffix != ".xlsx":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") == ("bom" in path.name)
    store(con, path)
    rows = fx.long_table_text_rows()[1:]
    expected = sorted((LONG_CODES[ind], town, date(2025, int(period[5:-1]), 1), float(value))
                      for period, town, ind, value, _ in rows)
    stored = con.execute("SELECT indicator_code, township, period, value FROM v_fact ORDER BY ALL").fetchall()
    assert stored == expected  # every row once, exactly its value (元 and 人 are base units), nothing else
    assert len(stored) == len(rows) == 270


def test_a_long_table_in_wan_yuan_arrives_times_ten_thousand(con, tmp_path) -> None:
    rows = fx.long_table_text_rows()
    converted = [rows[0]] + [[p, t, i, str(float(v) / WAN) if u == "元" else v, "万元" if u == "元" else u]
                             for p, t, i, v, u in rows[1:]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(converted)
    path = tmp_path / "低保明细（万元）.csv"
    path.write_bytes(buf.getvalue().encode("gbk"))
    store(con, path)
    for month in (4, 5, 6):
        expected = {(LONG_CODES[i], t): float(v) for p, t, i, v, _ in rows[1:] if p == f"2025年{month}月"}
        assert township_values(con, date(2025, month, 1)) == pytest.approx(expected, rel=1e-12)
        funds = sum(v for (code, _), v in expected.items() if code == "dibao_urban_funds")
        assert township_total(con, "dibao_urban_funds", date(2025, month, 1)) == pytest.approx(funds, rel=1e-12)


@pytest.mark.parametrize("write, month", [(fx.write_report_ods, 5), (fx.write_report_xls, 3)], ids=["ods", "xls"])
def test_ods_and_xls_workbooks_store_their_report_and_district_sheets(con, tmp_path, write, month) -> None:
    path = write(tmp_path)
    # their report's funds are 1-N月 totals and their district sheet's 1-6月: the months before are stored first
    store(con, write_township_months(tmp_path, range(1, month)), write_district_months(tmp_path))
    plan = upload(con, path)
    assert [(s.sheet, s.layout) for s in plan.sheets if s.layout] == [(f"{month}月", "report"), ("主要指标", "district")]
    assert plan.ok, [f"{f.where}: {f.message}" for f in plan.errors]
    commit(con, plan)
    assert_report_stored(con, 2025, month)
    assert_district_june_stored(con)


def test_a_district_form_is_stored_on_the_district_row_and_never_in_township_sums(con, tmp_path) -> None:
    store(con, write_township_months(tmp_path, range(1, 7)))
    townships_before = con.execute("SELECT * FROM v_fact f JOIN township t ON t.name = f.township "
                                   "AND t.level = 'township' ORDER BY ALL").fetchall()
    june = fx.write_district_form_xlsx(tmp_path)

    refused = upload(con, june)  # June's 1-6月 totals cannot become June amounts without January-May
    assert {f.where for f in refused.errors} == {f"{june.name} › 主要指标 › C{r}" for r in (4, 6, 7, 8, 9)}

    store(con, write_district_months(tmp_path))
    plan = upload(con, june)
    district = townships.district(con)
    assert district is not None and district.name == DISTRICT and district.level == "district"
    assert {f.township for f in plan.facts} == {district.id}
    store(con, june)
    assert_district_june_stored(con)
    assert district_values(con)[("dibao_urban_persons", date(2025, 6, 1))] == 1652
    assert district_values(con)[("app_registered_users", date(2025, 6, 1))] == 45231
    assert sum(v for (code, _), v in district_values(con).items() if code == "dibao_urban_funds") == pytest.approx(532 * WAN)

    townships_after = con.execute("SELECT * FROM v_fact f JOIN township t ON t.name = f.township "
                                  "AND t.level = 'township' ORDER BY ALL").fetchall()
    assert townships_after == townships_before
    assert township_total(con, "dibao_urban_persons", date(2025, 6, 1)) == column_sum(fx.report_sheet(2025, 6), 2)
    assert_report_stored(con, 2025, 6)


# --- 2. bad files -------------------------------------------------------------------------------------------------

BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "random-bytes": fx.write_random_bytes_xlsx,
    "text-named-xlsx": fx.write_text_named_xlsx,
    "empty-workbook": fx.write_empty_workbook,
    "empty-file": fx.write_empty_file,
    "truncated": fx.write_truncated_xlsx,
    "zip-bomb": fx.write_zip_bomb,
    "sparse": fx.write_sparse_xlsx,
    "repeated-ods": fx.write_repeated_ods,
    "dimensions-xls": fx.write_dimensions_xls,
    "encrypted": fx.write_encrypted_xlsx,
    "shared-strings-bomb": fx.write_shared_strings_bomb,
    "lying-zip": fx.write_lying_xlsx,
    "html-xls": fx.write_html_named_xls,
    "unaddressed-sparse": fx.write_unaddressed_sparse_xlsx,
}


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("write", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_naming_it_and_changes_nothing(con, tmp_path, write) -> None:
    store(con, write_township_months(tmp_path, range(1, 4)))  # something to keep
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = write(bad_dir)
    good = fx.write_long_table_xlsx(tmp_path)
    before = content(con)
    for files in ([bad], [good, bad]):  # alone, and next to a good file: one bad file refuses the upload
        plan = upload(con, *files)
        assert plan.errors, bad.name
        for f in plan.errors:
            assert f.where.split(" › ")[0] == bad.name, f  # every error names the bad file, not the good one
            assert chinese(f.message), f
        with pytest.raises(CommitError) as refused:
            commit(con, plan)
        assert chinese(str(refused.value))
        assert content(con) == before


# --- 3. the same file again, and rollback -------------------------------------------------------------------------


def test_the_same_file_again_is_recognised_changes_nothing_and_rolls_back_exactly(con, tmp_path) -> None:
    path = write_township_months(tmp_path, range(1, 4))
    first = store(con, path)
    after_first = shown(con)

    again = upload(con, path)
    said = [f for f in again.warnings if "文件内容完全相同" in f.message]
    assert [(f.where, f.message) for f in said] == [
        (f"{path.name} › 1月", f"此文件与第{first.batch_id}批导入的文件内容完全相同")]
    assert again.ok
    second = commit(con, again)
    assert (second.new, second.changed, second.unchanged) == (0, 0, len(again.facts))
    assert shown(con) == after_first  # values and their provenance (batch 1) unchanged
    assert con.execute("SELECT count(*) FROM fact WHERE batch_id = ? AND NOT is_current",
                       [second.batch_id]).fetchone()[0] == len(again.facts)  # recorded, not made current

    version = db.data_version(con)
    undone = rollback(con, second.batch_id)
    assert (undone.restored, undone.removed) == (0, 0)
    assert shown(con) == after_first
    assert db.data_version(con) == version + 1
    with pytest.raises(CommitError):
        rollback(con, second.batch_id)  # already rolled back

    # a third copy; rolling back the first then leaves the third's identical values shown
    third = commit(con, upload(con, path))
    assert third.unchanged == len(again.facts)
    rollback(con, first.batch_id)
    assert [row[:4] for row in shown(con)] == [row[:4] for row in after_first]
    assert {row[4] for row in shown(con)} == {third.batch_id}
    rollback(con, third.batch_id)
    assert shown(con) == []
    for month in (1, 2, 3):
        assert township_values(con, date(2025, month, 1)) == {}


def test_a_corrected_file_changes_only_what_differs_and_rolls_back_exactly(con, tmp_path) -> None:
    store(con, write_township_months(tmp_path, range(1, 4)))
    after_first = shown(con)
    everything_before = content(con)

    march = fx.report_sheet(2025, 3)
    rows = [list(r) for r in march.rows]
    rows[FIRST_ROW][2] += 7  # 城东: 城市低保人数 corrected
    rows[FIRST_ROW][7] = round(rows[FIRST_ROW][7] + 0.5, 2)  # and its 1-3月 城市低保金, +0.5万元
    total = next(r for r in rows if r and r[0] == "合计")  # and the 合计 row with them, as a statistician corrects it
    for column, change in ((2, 7), (7, 0.5)):
        total[column] = fx.Formula(total[column].text, round(total[column].value + change, 2))
    corrected = fx.write_xlsx(tmp_path / "2025年3月城乡低保统计表（更正）.xlsx", [fx.Sheet("3月", rows, march.merged)])
    plan = upload(con, corrected)
    assert not [f for f in plan.warnings if "文件内容完全相同" in f.message]
    result = commit(con, plan)
    assert (result.changed, result.new) == (2, 0)
    assert result.unchanged == len(plan.facts) - 2
    march_1 = date(2025, 3, 1)
    name = FULL_NAMES[0]
    expected = expected_report(2025, 3)
    stored = township_values(con, march_1)
    assert stored[("dibao_urban_persons", name)] == expected[("dibao_urban_persons", name)] + 7
    assert stored[("dibao_urban_funds", name)] == pytest.approx(expected[("dibao_urban_funds", name)] + 0.5 * WAN)
    assert {k: v for k, v in stored.items() if k[1] != name} == pytest.approx(
        {k: v for k, v in expected.items() if k[1] != name})

    undone = rollback(con, result.batch_id)
    assert (undone.restored, undone.removed) == (2, 0)
    assert shown(con) == after_first
    restored = content(con)
    assert restored["data_version"] == everything_before["data_version"] + 2  # commit, rollback
    live = "SELECT * FROM fact WHERE batch_id <> ? ORDER BY ALL"
    assert con.execute(live, [result.batch_id]).fetchall() == everything_before["fact"]


# --- 4. fuzzing ---------------------------------------------------------------------------------------------------

TOWN_TEXTS = ([full for full, _, _ in REGISTRY[:6]] + [short for _, short, _ in REGISTRY[6:12]]
              + ["中塘乡", " 黎水 ", "新城街道", "城东", "合计", "总计", DISTRICT, "黔江区合计", "序号", "乡镇（街道）"])
HEADERS = ["乡镇（街道）", "乡镇", "城市低保人数", "城市低保户数", "农村低保人数", "人数", "户数", "合计", "单位：万元",
           "城市低保金", "1-4月城市低保金", "城市低保金（万元）", "当月新增", "临时救助人次", "指标", "数值", "期间", "单位",
           "备注", "万元", "人", "“渝快社区”注册用户数"]
JUNK = ["—", "-", "/", "无", "暂无", "#DIV/0!", "#N/A", "1,234", "１２", "3.5万元", "12%", "(12)", "0", " ", "2025年4月",
        "202504", "1-3月", "当月", "累计", "元", "人次"]
CELL = st.one_of(
    st.none(), st.integers(-3, 5000), st.floats(-1e6, 1e7, allow_nan=False), st.sampled_from(JUNK + HEADERS + TOWN_TEXTS),
    st.dates(date(1990, 1, 1), date(2035, 12, 31)), st.datetimes(datetime(1990, 1, 1), datetime(2035, 12, 31)),
    st.booleans(), st.text(max_size=6),
)
TITLES = st.sampled_from([None, "黔江区2025年4月城乡低保统计表", "2025年4月", "2025年1-3月", "2025年第二季度", "统计表",
                          "单位：万元", "2024年12月", "截至2025年5月"])
PERIOD_CELL = st.one_of(st.sampled_from(["2025年4月", "2025年5月", "2024年12月", "2025年1-3月", "一季度", "", "下月"]),
                        st.dates(date(2024, 1, 1), date(2025, 12, 31)), CELL)


MAPPED = ["城市低保人数", "城市低保户数", "农村低保人数", "当月新增", "临时救助人次", "“渝快社区”注册用户数",
          "城市低保金（万元）", "1-4月城市低保金", "城市低保金"]
LONG_INDICATORS = ["城市低保人数", "城市低保金", "临时救助人次", "1-3月临时救助金", "未知指标", ""]
LONG_UNITS = ["人", "元", "万元", "人次", "户", "", "%"]


@st.composite
def grids(draw) -> list[list[object]]:
    """A well-formed report or long table with a few cells replaced by anything, or a grid of anything; a title
    line now and then. Most plans are refused, a fair share can be committed."""
    shape = draw(st.sampled_from(["report", "report", "long", "free"]))
    title = draw(TITLES)
    rows: list[list[object]] = [[title]] if title else []
    picked = draw(st.lists(st.integers(0, len(REGISTRY) - 1), min_size=1, max_size=8, unique=True))
    names = [REGISTRY[i][draw(st.integers(0, 1))] for i in picked]  # full or short name
    if shape == "report":
        header = draw(st.lists(st.sampled_from(MAPPED), min_size=1, max_size=4, unique=True))
        rows.append([draw(st.sampled_from(["乡镇（街道）", "乡镇", "单位"])), *header])
        rows += [[n, *draw(st.lists(st.integers(0, 5000), min_size=len(header), max_size=len(header)))] for n in names]
    elif shape == "long":
        rows.append(draw(st.sampled_from([["期间", "乡镇", "指标", "数值", "单位"],
                                          ["期间", "乡镇（街道）", "指标名称", "数值", "计量单位"]])))
        period = draw(PERIOD_CELL)
        rows += [[period, n, draw(st.sampled_from(LONG_INDICATORS)), draw(st.integers(0, 5000)),
                  draw(st.sampled_from(LONG_UNITS))] for n in names]
    else:
        rows += draw(st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=8))
    for _ in range(draw(st.integers(0, 3))):  # anything, anywhere (also past the table's edge)
        r = draw(st.integers(0, len(rows)))
        if r == len(rows):
            rows.append([])
        c = draw(st.integers(0, len(rows[r]) + 1))
        rows[r] = rows[r] + [None] * (c + 1 - len(rows[r]))
        rows[r][c] = draw(st.one_of(CELL, st.sampled_from(TOWN_TEXTS)))
    return rows


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def check_all_or_nothing(con, plan: Plan, file_name: str) -> None:
    """No file is saved with a hard finding, or with a soft one unexplained; a refused upload changes no table; an
    explained one keeps every explanation with its batch."""
    for f in plan.findings:
        assert f.level in {"error", "soft", "warning", "note"}
        assert f.where.startswith(file_name), f
        assert (f.rule is not None) == (f.level == "soft") or f.level == "error", f  # a soft finding is a rule's
    before = content(con)
    if not plan.ok or plan.soft:
        event("refused: " + (plan.errors[0].message[:12] if plan.errors else
                             f"{len(plan.soft)} unexplained" if plan.ok else "nothing to store"))
        with pytest.raises(CommitError):
            commit(con, plan)
        assert content(con) == before  # zero new rows
        if not plan.ok:
            return
        with pytest.raises(CommitError):  # an explanation of blanks is no explanation
            commit(con, plan, explanations={f.rule: "  " for f in plan.soft})
        assert content(con) == before
    explanations = {f.rule: f"经核实属实（{f.rule}）" for f in plan.soft}
    try:
        result = commit(con, plan, explanations=explanations)
    except CommitError:
        event("commit refused")
        assert content(con) == before
        return
    event("committed" + (" with explanations" if plan.soft else ""))
    kept = con.execute("SELECT location, explanation FROM batch_explanation WHERE batch_id = ? ORDER BY ALL",
                       [result.batch_id]).fetchall()
    assert kept == sorted((f.where, explanations[f.rule]) for f in plan.soft)
    stored = con.execute("SELECT indicator_code, period, value FROM fact WHERE batch_id = ? ORDER BY ALL",
                         [result.batch_id]).fetchall()
    assert stored == sorted((f.indicator, f.month, f.value) for f in plan.facts)  # the whole plan, nothing else
    assert db.data_version(con) == before["data_version"] + 1  # type: ignore[operator]
    # every fact of the plan is what v_fact shows now (new, changed, or equal to the value already shown)
    shown_now = {(code, tid, period): value for code, tid, period, value in con.execute(
        "SELECT indicator_code, township_id, period, value FROM fact WHERE is_current").fetchall()}
    ids = dict(con.execute("SELECT name, id FROM township").fetchall())
    for f in plan.facts:
        tid = f.township if f.township > 0 else ids[plan.context.township_name(f.township)]
        assert shown_now[(f.indicator, tid, f.month)] == pytest.approx(f.value, rel=1e-9, abs=1e-9)


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@FUZZ
@given(grid=grids(), sheet=st.sampled_from(["表1", "2025年4月", "4月", "Sheet1"]),
       name=st.sampled_from(["上传.xlsx", "2025年4月城乡低保统计表.xlsx", "2025年1-3月.xlsx"]),
       allow=st.booleans(), period=st.sampled_from([None, date(2025, 4, 1)]))
def test_fuzzed_xlsx_never_crashes_prepare_and_commits_all_or_nothing(con, grid, sheet, name, allow, period) -> None:
    data = fx.xlsx_bytes([fx.Sheet(sheet, grid)])
    plan = prepare(con, [(name, data)], Options(period=period, allow_new_townships=allow))
    check_all_or_nothing(con, plan, name)


@FUZZ
@given(grid=grids(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]), delimiter=st.sampled_from([",", "\t"]),
       name=st.sampled_from(["上传.csv", "2025年4月明细.csv", "明细.txt"]), allow=st.booleans(),
       period=st.sampled_from([None, date(2025, 5, 1)]))
def test_fuzzed_csv_never_crashes_prepare_and_commits_all_or_nothing(con, grid, encoding, delimiter, name, allow,
                                                                     period) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([[as_text(v) for v in row] for row in grid])
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buf.getvalue().encode("utf-8")
    plan = prepare(con, [(name, data)], Options(period=period, allow_new_townships=allow))
    check_all_or_nothing(con, plan, name)
