"""The shared store (DuckLake: catalog in PostgreSQL, Parquet data files) answers every page exactly as the local
DuckDB file does (issue 7: "every query in queries/ runs unchanged on both").

The session's demo district (ending 2025-06) is read from its file and, copied row for row into a lake
(``ducklake.copy_schema_and_rows``), from the lake. Each page-level function — the metrics the pages call through
``ui.data``, the 数据查询 table, the 汇报材料 report, the 报送进度 grids, the 导入记录 list — is called on both with the
same arguments and the results must be equal (DataFrames with ``pandas.testing``, NaN equal to NaN). The named
queries each run are recorded: the same ones run on both, and the big reads are among them. A new lake's schema
(tables, columns and types, views, schema version) equals a new file's.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from civdash.analysis import metrics, progress, report, table
from civdash.domain import catalog, townships
from civdash.ingest import commit as commit_module
from civdash.store import db, ducklake, queries
from civdash.store.paths import QUERIES_DIR

pytestmark = pytest.mark.timeout(300)

JUNE = date(2025, 6, 1)
MADE_ON = date(2025, 7, 5)


# --- the demo on both stores ------------------------------------------------------------------------------------------


def copy_into_lake(lake: ducklake.Lake, source: Path) -> duckdb.DuckDBPyConnection:
    """A connection to ``lake`` (empty) after the database file ``source`` was copied into it, row for row."""
    con = ducklake.attach(lake)
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    try:
        with db.transaction(con):
            ducklake.copy_schema_and_rows(con, "src")
    finally:
        con.execute("DETACH src")
    return con


@pytest.fixture(scope="module")
def demo_lake(postgres, demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The session's demo copied into a lake of this module's own (tests only read it)."""
    directory = tmp_path_factory.mktemp("demo-lake")
    source = directory / "demo.duckdb"
    shutil.copyfile(demo_path, source)
    con = copy_into_lake(postgres.new_lake(directory / "data"), source)
    yield con
    con.close()


def test_the_demo_lake_is_a_lake_holding_the_demo(demo_lake, demo_con) -> None:
    assert ducklake.is_lake(demo_lake) and not ducklake.is_lake(demo_con)
    for name in ducklake.tables(demo_con, "demo"):
        assert demo_lake.execute(f"SELECT count(*) FROM {name}").fetchone() == \
            demo_con.execute(f"SELECT count(*) FROM {name}").fetchone(), name
    assert demo_lake.execute("SELECT count(*), sum(value) FROM v_fact").fetchone() == pytest.approx(
        demo_con.execute("SELECT count(*), sum(value) FROM v_fact").fetchone())
    assert db.schema_version(demo_lake) == db.schema_version(demo_con) == db.migrations()[-1][0]
    assert db.is_demo(demo_lake) and db.data_version(demo_lake) == db.data_version(demo_con)


# --- the pages' calls -------------------------------------------------------------------------------------------------


def page_calls(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """What the pages ask for (ui.data.metric and the modules pages call), with the arguments they pass."""
    codes = [i.code for i in catalog.indicators(con)]
    kinds = {i.code: i.kind for i in catalog.indicators(con)}
    towns = [t.id for t in townships.townships(con)]
    chosen = tuple(towns[2:5])
    stocks = [c for c in codes if kinds[c] == "stock"]
    flows = [c for c in codes if kinds[c] == "flow"]
    levels = [c for c in codes if kinds[c] == "level"]
    out: dict[str, object] = {
        # ui.data
        "indicators": catalog.indicators(con),
        "townships": townships.townships(con, include_district=True),
        "district": (townships.district_name(con), townships.district_word(con)),
        "months": metrics.available_months(con),
        "first/latest": (metrics.first_period(con), metrics.latest_period(con)),
        # 总览
        "reporting_summary": metrics.reporting_summary(con, JUNE),
        "watchlist": metrics.watchlist(con, JUNE),
        "completeness": metrics.completeness(con, JUNE, JUNE),
        "target_progress": metrics.target_progress(con, JUNE),
        "key_figures": metrics.key_figures(con, JUNE),
        # 乡镇对比
        "township_values": metrics.township_values(con, "dibao_rural_persons", JUNE),
        "township_values_quarter_ytd": metrics.township_values(con, "dibao_rural_funds", JUNE, grain="quarter",
                                                               ytd=True),
        "township_values_year_level": metrics.township_values(con, levels[0], JUNE, grain="year"),
        "township_matrix": metrics.township_matrix(con, "temp_relief_cases", date(2024, 7, 1), JUNE),
        "township_matrix_ytd": metrics.township_matrix(con, "dibao_urban_funds", date(2024, 7, 1), JUNE, ytd=True),
        "derived_values": [metrics.derived_values(con, d, JUNE, grain="quarter") for d in catalog.derived_indicators()],
        "key_figures_township": metrics.key_figures(con, JUNE, townships=(towns[0],)),
        # 趋势分析 and 会议材料
        "series_month": metrics.series(con, ("dibao_urban_persons", "dibao_rural_persons"), date(2024, 7, 1), JUNE),
        "series_quarter_ytd": metrics.series(con, tuple(codes), date(2023, 1, 1), JUNE, grain="quarter", ytd=True,
                                             townships=chosen),
        "series_year_by_township": metrics.series(con, tuple(stocks[:2] + flows[:2] + levels[:2]), date(2022, 1, 1),
                                                  JUNE, grain="year", townships=chosen, by_township=True),
        "series_yoy": metrics.series(con, (flows[0],), date(2024, 1, 1), JUNE, ytd=True),
        "compare_quarter": metrics.compare(con, tuple(codes), JUNE, grain="quarter", by_township=True),
        "over_range": metrics.over_range(con, tuple(codes), date(2024, 11, 1), JUNE, by_township=True),
        # 报送进度
        "progress_months": progress.month_grid(con, date(2025, 1, 1), JUNE),
        "progress_indicators": progress.indicator_grid(con, JUNE),
        # 数据查询
        "table_townships_ytd": table.build(con, table.TableRequest(tuple(codes), date(2025, 1, 1), JUNE, ytd=True)),
        "table_townships_sorted": table.build(con, table.TableRequest(
            tuple(codes[:8]), date(2024, 7, 1), JUNE, townships=chosen, sort_by=codes[1])),
        "table_quarters": table.build(con, table.TableRequest(tuple(codes), date(2024, 1, 1), JUNE, grain="quarter",
                                                              rows="period")),
        "table_years_ytd": table.build(con, table.TableRequest(tuple(codes), date(2022, 1, 1), JUNE, grain="year",
                                                               ytd=True, rows="period")),
        # 汇报材料
        "report_ytd": report.build(con, report.ReportPeriod.of("ytd", JUNE), made_on=MADE_ON),
        "report_quarter": report.build(con, report.ReportPeriod.of("quarter", JUNE), made_on=MADE_ON),
        "report_month": report.build(con, report.ReportPeriod.of("month", date(2025, 3, 1)),
                                     sections=report.sections_available(con)[:2], made_on=MADE_ON),
        # 导入记录
        "batches": commit_module.batches(con),
        "batch_changes": commit_module.batch_changes(con, 1, JUNE, limit=50),
    }
    return out


def assert_same(a: object, b: object, where: str = "") -> None:
    """Equal, NaN equal to NaN; DataFrames and arrays as pandas and NumPy compare them."""
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), where
        pd.testing.assert_frame_equal(a, b, obj=where or "DataFrame")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), f"{where}: NaN != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def recorded(monkeypatch: pytest.MonkeyPatch, call: Callable[[], object]) -> tuple[object, set[str]]:
    """``call()``'s result and the names of the queries it ran through ``civdash.store.queries``."""
    names: set[str] = set()
    for function in ("run", "frame", "execute", "scalar"):
        original = getattr(queries, function)

        def wrapped(con, name, /, _original=original, **params):
            names.add(name)
            return _original(con, name, **params)

        monkeypatch.setattr(queries, function, wrapped)
    try:
        return call(), names
    finally:
        monkeypatch.undo()


@pytest.fixture(scope="module")
def on_both(demo_con, demo_lake) -> dict[str, tuple[object, set[str]]]:
    """Every page call's result and the queries it ran: on the file, then on the lake."""
    patcher = pytest.MonkeyPatch()
    return {"file": recorded(patcher, lambda: page_calls(demo_con)),
            "lake": recorded(patcher, lambda: page_calls(demo_lake))}


BIG_READS = {"series", "completeness", "watchlist", "available_months", "latest_period", "first_period",
             "targets_for_year", "progress_indicators", "catalog_indicators", "township_list", "batch_list",
             "batch_changes"}


def test_the_same_queries_run_on_both_stores(on_both) -> None:
    (_, on_file), (_, on_lake) = on_both["file"], on_both["lake"]
    assert on_file == on_lake
    assert BIG_READS <= on_lake
    for name in on_lake:
        assert (QUERIES_DIR / f"{name}.sql").is_file()


CALLS = ["indicators", "townships", "district", "months", "first/latest", "reporting_summary", "watchlist",
         "completeness", "target_progress", "key_figures", "township_values", "township_values_quarter_ytd",
         "township_values_year_level", "township_matrix", "township_matrix_ytd", "derived_values",
         "key_figures_township", "series_month", "series_quarter_ytd", "series_year_by_township", "series_yoy",
         "compare_quarter", "over_range", "progress_months", "progress_indicators", "table_townships_ytd",
         "table_townships_sorted", "table_quarters", "table_years_ytd", "report_ytd", "report_quarter", "report_month",
         "batches", "batch_changes"]


@pytest.mark.parametrize("call", CALLS)
def test_a_page_call_gives_the_same_result_on_both_stores(on_both, call) -> None:
    (file_results, _), (lake_results, _) = on_both["file"], on_both["lake"]
    assert set(file_results) == set(lake_results)
    assert_same(file_results[call], lake_results[call], call)


def test_every_page_call_is_compared_and_holds_figures(on_both) -> None:
    results, _ = on_both["lake"]
    assert list(results) == CALLS
    for name, result in results.items():
        if isinstance(result, progress.MonthGrid):
            result = result.statuses
        frames = result if isinstance(result, list) else [result]
        for frame in (f for f in frames if isinstance(f, pd.DataFrame)):
            assert len(frame) > 0, name
    assert results["watchlist"]["township"].notna().all()
    assert all(s.sentences for s in results["report_ytd"].sections)


def test_the_lake_s_figures_are_the_stored_values(on_both, demo_con) -> None:
    """Spot checks of the lake's answers against plain SQL on the file's v_fact (base units)."""
    results, _ = on_both["lake"]

    def fact(query: str, *params: object) -> float:
        return demo_con.execute(query, list(params)).fetchone()[0]

    persons = fact("SELECT sum(value) FROM v_fact v JOIN township t ON t.name = v.township AND t.level = 'township' "
                   "WHERE indicator_code = 'dibao_rural_persons' AND period = ?", JUNE)
    figures = results["key_figures"].set_index("indicator_code")
    assert figures.loc["dibao_rural_persons", "value"] == pytest.approx(persons) and persons > 0
    funds_ytd = fact("SELECT sum(value) FROM v_fact v JOIN township t ON t.name = v.township AND t.level = 'township' "
                     "WHERE indicator_code = 'dibao_rural_funds' AND period BETWEEN '2025-01-01' AND ?", JUNE)
    assert figures.loc["dibao_rural_funds", "value"] == pytest.approx(funds_ytd)

    towns = results["township_values"]
    first = towns.iloc[0]
    assert first["rank"] == 1 and first["value"] == fact(
        "SELECT max(value) FROM v_fact v JOIN township t ON t.name = v.township AND t.level = 'township' "
        "WHERE indicator_code = 'dibao_rural_persons' AND period = ?", JUNE)

    grid = results["table_townships_ytd"]
    column = [c.code for c in grid.columns].index("dibao_rural_funds")
    assert grid.labels[-1] == table.TOTAL
    assert grid.values[-1, column] == pytest.approx(round(funds_ytd / 10_000, 2))  # 万元, two decimals

    reported, registered = results["reporting_summary"]
    assert registered == 30 and reported == fact(
        "SELECT count(DISTINCT township) FROM v_fact v JOIN township t ON t.name = v.township "
        "AND t.level = 'township' WHERE period = ?", JUNE)

    stated = {f.code: f for f in results["report_ytd"].figures}
    assert stated["dibao_rural_funds"].value == pytest.approx(funds_ytd)
    assert stated["dibao_rural_funds"].period == "2025年1-6月"


# --- every parameterless query of queries/ ----------------------------------------------------------------------------

NEEDS_REGISTERED = {"rollback_restored_count", "upload_preview", "upload_status_counts", "upload_supersede"}
PER_STORE = {"store_current_type": ("duckdb", "ducklake"), "backup_current_database": ("demo", ducklake.LAKE_NAME)}
_WRITES = re.compile(r"^\s*(UPDATE|DELETE|INSERT)\b", re.IGNORECASE | re.MULTILINE)  # repair's steps: not on read-only
PARAMETERLESS = sorted(p.stem for p in QUERIES_DIR.glob("*.sql")
                       if "$" not in p.read_text(encoding="utf-8") and p.stem not in NEEDS_REGISTERED
                       and not _WRITES.search(p.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", PARAMETERLESS)
def test_a_query_without_parameters_answers_the_same_on_both_stores(demo_con, demo_lake, name) -> None:
    on_file, on_lake = queries.run(demo_con, name), queries.run(demo_lake, name)
    if name in PER_STORE:
        assert (on_file.iloc[0, 0], on_lake.iloc[0, 0]) == PER_STORE[name]
        return
    text = (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8").upper()
    if "ORDER BY" not in text:  # no order defined: compare as sets of rows
        on_file = on_file.sort_values(list(on_file.columns)).reset_index(drop=True)
        on_lake = on_lake.sort_values(list(on_lake.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(on_file, on_lake)


# --- the schema -------------------------------------------------------------------------------------------------------


def schema(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Tables with their columns (name, type, nullable) in order, views with their SQL, and the schema version."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    columns = {t: con.execute("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                              "WHERE table_catalog = ? AND table_schema = 'main' AND table_name = ? "
                              "ORDER BY ordinal_position", [database, t]).fetchall()
               for t in ducklake.tables(con, database)}
    views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal "
                             "ORDER BY view_name", [database]).fetchall())
    return {"tables": columns, "views": views, "version": db.schema_version(con)}


def test_a_new_lake_has_the_schema_of_a_new_file(lake, tmp_path) -> None:
    on_file = db.connect(tmp_path / "new.duckdb")
    on_lake = db.connect(lake)
    try:
        file_schema, lake_schema = schema(on_file), schema(on_lake)
        assert file_schema["version"] == lake_schema["version"] == db.migrations()[-1][0]
        assert list(lake_schema["tables"]) == list(file_schema["tables"])
        assert {"fact", "batch", "indicator", "township", "meta", "app_user", "audit_log"} <= set(lake_schema["tables"])
        for name, columns in file_schema["tables"].items():
            assert lake_schema["tables"][name] == columns, name
        assert list(lake_schema["views"]) == list(file_schema["views"]) and "v_fact" in lake_schema["views"]
        for name, sql in file_schema["views"].items():
            assert lake_schema["views"][name] == sql, name
        # A new lake starts as a new bureau database does: the shipped catalog, no townships, no figures.
        catalog.seed(on_file)
        for query in ("SELECT code, name, category, unit, kind, decimals, weight, note, sort_order FROM indicator "
                      "ORDER BY code", "SELECT alias, indicator_code FROM indicator_alias ORDER BY alias",
                      "SELECT count(*) FROM township", "SELECT count(*) FROM fact", "SELECT key, value FROM meta "
                      "ORDER BY key"):
            assert on_lake.execute(query).fetchall() == on_file.execute(query).fetchall(), query
        assert len(catalog.indicators(on_lake)) == len(catalog.read_catalog_csv())
        # Connecting again migrates nothing and copies nothing twice.
        again = db.connect(lake)
        assert db.schema_version(again) == lake_schema["version"]
        assert again.execute("SELECT count(*) FROM indicator").fetchone()[0] == len(catalog.read_catalog_csv())
        again.close()
    finally:
        on_file.close()
        on_lake.close()
