"""Shared-store benchmark (issue 7): the page queries and an upload on the local DuckDB file and on a DuckLake.

In one run:

1. builds (or reuses) the province database of ``tests/benchmarks/province.py`` (1,500 townships × 10 years × every
   catalog indicator, about 5.2 million current facts) and works on a copy of it (the cached file is never changed);
2. starts a PostgreSQL server on loopback (``tests/postgres.py``) and copies the database into an empty lake with
   ``civdash.store.transfer.into_lake`` (timed: the copy, and its check of every table's rows and hashes);
3. opens both stores as the dashboard does (``db.connect``) and runs every query the leaders' pages run —
   the ones ``province.py`` times (总览, 趋势分析, 乡镇对比, with the same functions and parameters) and the
   数据查询 tables of ``query_table.py`` — on each: *cold* = the first call on the fresh connection, *warm* = the
   median of ``--repeat`` calls after it, file and lake alternating so that both see the same machine load.
   The two stores must give equal results for every query (the script stops with an AssertionError otherwise);
4. on both stores, times the upload of a month's file (a long table: one month × all townships × every
   indicator, as a .csv) through the upload engine (``prepare`` and ``commit``), then the rollback of that batch,
   and checks that both stores hold the same values after each step;
5. prints a table: query, file ms, lake ms, ratio lake/file; PostgreSQL is stopped at the end, also on error.

Speed is measured here, never asserted. Run from the project root::

    .venv/bin/python -m tests.benchmarks.lake              # full scale (builds the province database once: 12-55 s)
    .venv/bin/python -m tests.benchmarks.lake --small      # quick: 40 townships × 2 years, 3 repeats

``tests/benchmarks/test_lake_smoke.py`` runs ``main`` at the smallest scale in the test suite (equality only).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/lake.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from civdash.analysis import metrics, table  # noqa: E402
from civdash.domain import catalog  # noqa: E402
from civdash.domain.periods import add_months, month_key, parse_month  # noqa: E402
from civdash.ingest.commit import rollback  # noqa: E402
from civdash.ingest.context import Options  # noqa: E402
from civdash.ingest.upload import commit, prepare  # noqa: E402
from civdash.store import db, ducklake, transfer  # noqa: E402
from tests.benchmarks import ingest as ingest_bench  # noqa: E402
from tests.benchmarks import province  # noqa: E402
from tests.benchmarks.query_table import CODES as TABLE_CODES  # noqa: E402

RTOL, ATOL = 1e-9, 1e-6
SMALL = {"townships": 40, "years": 2, "repeat": 3}
Query = tuple[str, str, Callable[[], Any]]  # page, name, the call


# --------------------------------------------------------------------------------------------
# The queries
# --------------------------------------------------------------------------------------------

def page_queries(con: duckdb.DuckDBPyConnection) -> list[Query]:
    """Every query province.py times (same functions, same parameters), the 数据查询 tables of query_table.py, and
    the one-row read of the data version that each page run makes for its cache keys."""
    out: list[Query] = [("共用", "data_version (meta, 1 row)", lambda: db.data_version(con))]
    out += [(c.page, c.name, c.civdash) for c in province.page_cases(con, None)]  # type: ignore[arg-type]
    end = metrics.latest_period(con)
    first = metrics.first_period(con)
    half = date(end.year, 1, 1)
    towns = table.TableRequest(TABLE_CODES, half, end)
    periods = table.TableRequest(TABLE_CODES, first, end, rows="period")
    quarters = table.TableRequest(TABLE_CODES, first, end, grain="quarter", ytd=True, rows="period")
    out += [("数据查询", f"townships × 8 indicators, 1-{end.month}月", lambda: table.build(con, towns)),
            ("数据查询", "months × 8 indicators, all years", lambda: table.build(con, periods)),
            ("数据查询", "quarters × 8 indicators, all years, 累计", lambda: table.build(con, quarters))]
    return out


# --------------------------------------------------------------------------------------------
# Equality of the two stores' results
# --------------------------------------------------------------------------------------------

def _missing(x: Any) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def assert_equal(name: str, a: Any, b: Any) -> None:
    """``a`` (file) and ``b`` (lake) are the same result: same shape, order, keys and texts; numbers equal within
    1e-9 relative (a parallel sum may add in another order)."""
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), f"{name}: a DataFrame on the file, {type(b).__name__} on the lake"
        assert list(a.columns) == list(b.columns), f"{name}: columns {list(a.columns)} vs {list(b.columns)}"
        assert len(a) == len(b), f"{name}: {len(a)} rows on the file, {len(b)} on the lake"
        for col in a.columns:
            assert_equal(f"{name}.{col}", a[col].tolist(), b[col].tolist())
    elif isinstance(a, pd.Series):
        assert_equal(name, a.tolist(), b.tolist())
    elif isinstance(a, np.ndarray):
        assert_equal(name, a.tolist(), np.asarray(b).tolist())
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), f"{name}: {type(a).__name__} vs {type(b).__name__}"
        for f in dataclasses.fields(a):
            assert_equal(f"{name}.{f.name}", getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{name}: {a!r:.200} vs {b!r:.200}"
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_equal(f"{name}[{k}]", x, y)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{name}: keys differ"
        for k in a:
            assert_equal(f"{name}[{k!r}]", a[k], b[k])
    elif _missing(a) or _missing(b):
        assert _missing(a) and _missing(b), f"{name}: {a!r} vs {b!r}"
    elif isinstance(a, (float, np.floating)) or isinstance(b, (float, np.floating)):
        assert math.isclose(float(a), float(b), rel_tol=RTOL, abs_tol=ATOL), f"{name}: {a!r} vs {b!r}"
    elif isinstance(a, (pd.Timestamp, date)) or isinstance(b, (pd.Timestamp, date)):
        assert pd.Timestamp(a) == pd.Timestamp(b), f"{name}: {a!r} vs {b!r}"
    else:
        assert a == b, f"{name}: {a!r} vs {b!r}"


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------

def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


@dataclass
class Row:
    page: str
    name: str
    file_cold: float
    lake_cold: float
    file_ms: list[float] = field(default_factory=list)
    lake_ms: list[float] = field(default_factory=list)

    @property
    def file_warm(self) -> float:
        return statistics.median(self.file_ms) if self.file_ms else math.nan

    @property
    def lake_warm(self) -> float:
        return statistics.median(self.lake_ms) if self.lake_ms else math.nan


def run_queries(file_con: duckdb.DuckDBPyConnection, lake_con: duckdb.DuckDBPyConnection, repeat: int,
                log: Callable[[str], None] = print) -> list[Row]:
    """Per query: the first call on each store (cold; the results must be equal), then ``repeat`` rounds of file
    and lake one after the other (warm)."""
    on_file, on_lake = page_queries(file_con), page_queries(lake_con)
    assert [q[:2] for q in on_file] == [q[:2] for q in on_lake], "the two stores give different query lists"
    rows = []
    for (page, name, f), (_, _, g) in zip(on_file, on_lake, strict=True):
        fc, a = _timed(f)
        lc, b = _timed(g)
        assert_equal(f"{page} {name}", a, b)
        row = Row(page, name, fc, lc)
        for _ in range(repeat):
            row.file_ms.append(_timed(f)[0])
            row.lake_ms.append(_timed(g)[0])
        log(f"  {page:<4} {name:<44} file {row.file_cold:8.1f} / {row.file_warm:7.1f} ms   "
            f"lake {row.lake_cold:8.1f} / {row.lake_warm:7.1f} ms   equal")
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------------
# A month's upload and its rollback
# --------------------------------------------------------------------------------------------

def monthly_file(con: duckdb.DuckDBPyConnection, month: date) -> tuple[str, bytes, int]:
    """A long table 期间 | 乡镇 | 指标 | 数值 | 单位 for ``month``: every township × every catalog indicator, the
    values each township reported last (a township that missed the latest month gives its month before), as
    an export system writes it (indicator short names, base units). Returns (file name, bytes, rows)."""
    short = {r["code"]: (ingest_bench.short_name(r), r["unit"]) for r in ingest_bench.catalog_rows()}
    values = con.execute(
        "SELECT t.name, f.indicator_code, arg_max(f.value, f.period) AS value FROM fact f"
        " JOIN township t ON t.id = f.township_id"
        " WHERE f.is_current AND t.level = 'township' AND f.period >= $since"
        " GROUP BY ALL ORDER BY any_value(t.sort_order), f.indicator_code",
        {"since": add_months(month, -2)}).fetchall()
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(ingest_bench.HEADER)
    out.writerows([month_key(month), town, short[code][0], value, short[code][1]] for town, code, value in values)
    return f"{month.year}年{month.month}月民政主要业务指标.csv", buf.getvalue().encode("utf-8"), len(values)


def current_totals(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, float]]:
    """Indicator → (current values, their sum) as v_fact shows them."""
    rows = con.execute("SELECT indicator_code, count(*), sum(value) FROM v_fact GROUP BY 1 ORDER BY 1").fetchall()
    return {code: (int(n), float(total)) for code, n, total in rows}


def upload_and_rollback(con: duckdb.DuckDBPyConnection, name: str, data: bytes) -> dict[str, Any]:
    """``prepare`` + ``commit`` of the month's file, then ``rollback`` of its batch; timed, with v_fact after each."""
    t = time.perf_counter()
    plan = prepare(con, [(name, data)], Options())
    prepared = time.perf_counter()
    if plan.errors:
        shown = "; ".join(f"{e.where}: {e.message}" for e in plan.errors[:5])
        raise RuntimeError(f"{len(plan.errors)} errors in {name}: {shown}")
    result = commit(con, plan, user_name="基准测试", explanations={f.rule: "基准测试数据" for f in plan.soft})
    committed = time.perf_counter()
    after_commit = current_totals(con)
    t2 = time.perf_counter()
    undone = rollback(con, result.batch_id, user_name="基准测试")
    rolled = time.perf_counter()
    return {"prepare": (prepared - t) * 1000, "commit": (committed - prepared) * 1000,
            "rollback": (rolled - t2) * 1000, "new": result.new, "changed": result.changed,
            "removed": undone.removed, "restored": undone.restored, "after_commit": after_commit,
            "after_rollback": current_totals(con)}


# --------------------------------------------------------------------------------------------
# The copy into the lake
# --------------------------------------------------------------------------------------------

def copy_into_lake(source: Path, lake: ducklake.Lake) -> tuple[transfer.Transfer, float]:
    """``transfer.into_lake`` (timed, seconds)."""
    t = time.perf_counter()
    return transfer.into_lake(source, lake), time.perf_counter() - t


# --------------------------------------------------------------------------------------------
# The lake's layout
# --------------------------------------------------------------------------------------------

def data_files(data_path: Path) -> tuple[int, float]:
    """(Parquet files, MiB) under the lake's data path."""
    files = [p for p in data_path.rglob("*.parquet") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 2**20


def inlined_rows(con: duckdb.DuckDBPyConnection) -> int | None:
    """Rows the lake holds inlined in its PostgreSQL catalog instead of Parquet files (None: not found out)."""
    meta = f"__ducklake_metadata_{ducklake.LAKE_NAME}"
    try:
        names = [r[0] for r in con.execute(f"SELECT table_name FROM {meta}.ducklake_inlined_data_tables").fetchall()]
        return sum(con.execute(f'SELECT count(*) FROM {meta}."{n}"').fetchone()[0] for n in names)
    except duckdb.Error:
        return None


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def _ratio(lake: float, file: float) -> str:
    return f"{lake / file:.1f}" if file > 0 and not math.isnan(lake) else "–"


def query_table(rows: Sequence[Row]) -> str:
    lines = ["| Page | Query | file cold ms | lake cold ms | ratio cold | file warm ms | lake warm ms "
             "| ratio warm (lake/file) |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.page} | {r.name} | {r.file_cold:.1f} | {r.lake_cold:.1f} | {_ratio(r.lake_cold, r.file_cold)} "
                     f"| {r.file_warm:.1f} | {r.lake_warm:.1f} | {_ratio(r.lake_warm, r.file_warm)} |")
    pages: dict[str, list[Row]] = {}
    for r in rows:
        pages.setdefault(r.page, []).append(r)
    for page, rs in pages.items():
        fc, lc = sum(r.file_cold for r in rs), sum(r.lake_cold for r in rs)
        fw, lw = sum(r.file_warm for r in rs), sum(r.lake_warm for r in rs)
        lines.append(f"| {page} | *sum of the page's queries* | {fc:.1f} | {lc:.1f} | {_ratio(lc, fc)} "
                     f"| {fw:.1f} | {lw:.1f} | {_ratio(lw, fw)} |")
    return "\n".join(lines)


def step_table(steps: Sequence[tuple[str, float, float]]) -> str:
    lines = ["| Step | file ms | lake ms | ratio lake/file |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {f:,.1f} | {g:,.1f} | {_ratio(g, f)} |" for name, f, g in steps]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None, server: Any = None) -> int:
    """Run the benchmark; ``server``: an already running ``tests.postgres.Postgres`` (left running), else one is
    started here and stopped at the end."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.lake", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--small", action="store_true",
                        help=f"quick run: {SMALL['townships']} townships × {SMALL['years']} years, "
                             f"{SMALL['repeat']} repeats (unless given)")
    parser.add_argument("--db", type=Path, default=None,
                        help="province database (default: tests/benchmarks/output/province-<N>t-<Y>y.duckdb)")
    parser.add_argument("--townships", type=int, default=None, help="synthetic townships (1500; --small 40)")
    parser.add_argument("--years", type=int, default=None, help="years of monthly data (10; --small 2)")
    parser.add_argument("--repeat", type=int, default=None, help="warm runs per query on each store (7; --small 3)")
    parser.add_argument("--until", default=None, help="last month YYYY-MM (default: the last complete month)")
    parser.add_argument("--rebuild", action="store_true", help="build the database even if a matching one exists")
    parser.add_argument("--report", type=Path, default=None, help="also write the tables as Markdown to this file")
    args = parser.parse_args(argv)
    n_towns = args.townships or (SMALL["townships"] if args.small else 1500)
    years = args.years or (SMALL["years"] if args.small else 10)
    repeat = args.repeat or (SMALL["repeat"] if args.small else 7)
    until = parse_month(args.until) if args.until else province.last_complete_month()
    path = args.db or province.default_db_path(n_towns, years)

    wall = time.perf_counter()
    info = province.machine()
    print(f"civdash shared-store benchmark — {info['cpus']} CPUs, {info['ram']} RAM, Python {info['python']}, "
          f"DuckDB {info['duckdb']}")
    print(f"  at start: {province.load_average()} (other processes' load slows every figure below)")

    print(f"\n[1/5] Database: {path}")
    if not args.rebuild and province.cached_db_ok(path, n_towns, years, until):
        print("  reusing the cached database (same townships, months and last month; --rebuild to rebuild)")
    else:
        print(f"  building {n_towns} townships × {years} years up to {month_key(until)} …")
        built = province.build_province(path, n_towns, years, until)
        print(f"  built in {built['total_s']:.1f} s")

    own_server = server is None
    with tempfile.TemporaryDirectory(prefix="civdash-lake-bench-") as work_dir:
        work = Path(work_dir)
        local = work / "file.duckdb"
        shutil.copyfile(path, local)  # the cached file stays as built: the upload and rollback change the copy
        file_con = lake_con = None
        try:
            print(f"\n[2/5] PostgreSQL and the lake; {province.load_average()}")
            if own_server:
                from tests import postgres as pg

                t = time.perf_counter()
                server = pg.start()
                print(f"  PostgreSQL started on 127.0.0.1:{server.port} in {time.perf_counter() - t:.1f} s")
            lake = server.new_lake(work / "lake-data")
            moved, transfer_s = copy_into_lake(local, lake)
            n_files, mib = data_files(work / "lake-data")
            print(f"  transfer.into_lake: {moved.facts:,} current values, {sum(moved.tables.values()):,} rows in "
                  f"{len(moved.tables)} tables, copied and checked in {transfer_s:.1f} s")
            print(f"  lake data: {n_files} Parquet files, {mib:.1f} MiB (the file: "
                  f"{local.stat().st_size / 2**20:.1f} MiB)")

            t = time.perf_counter()
            file_con = db.connect(local)
            file_open = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            lake_con = db.connect(lake)
            lake_open = (time.perf_counter() - t) * 1000
            inlined = inlined_rows(lake_con)
            print(f"  db.connect: file {file_open:.0f} ms, lake {lake_open:.0f} ms (extensions, ATTACH, schema check); "
                  f"rows inlined in the catalog: {'unknown' if inlined is None else f'{inlined:,}'}")
            n_facts = file_con.execute("SELECT count(*) FROM fact WHERE is_current").fetchone()[0]
            first, latest = metrics.first_period(file_con), metrics.latest_period(file_con)
            n_ind = len(catalog.indicators(file_con))
            db_line = (f"{n_facts:,} current facts: {n_ind} indicators × {n_towns} townships × "
                       f"{month_key(first)}…{month_key(latest)}")
            print(f"  {db_line}")

            print(f"\n[3/5] Page queries, file vs lake: cold = first call, warm = median of {repeat}; results "
                  f"compared; {province.load_average()}")
            rows = run_queries(file_con, lake_con, repeat)
            print("  results equal on both stores for every query")

            month = add_months(latest, 1)
            name, data, n_rows = monthly_file(file_con, month)
            print(f"\n[4/5] Upload of {name} ({n_rows:,} rows, {len(data) / 2**10:.0f} KiB) and its rollback, "
                  f"file then lake; {province.load_average()}")
            before = current_totals(file_con)
            assert_equal("v_fact before the upload", before, current_totals(lake_con))
            up_file = upload_and_rollback(file_con, name, data)
            up_lake = upload_and_rollback(lake_con, name, data)
            for key in ("new", "changed", "removed", "restored", "after_commit", "after_rollback"):
                assert_equal(f"upload {key}", up_file[key], up_lake[key])
            assert up_file["new"] == n_rows, f"{up_file['new']} new values stored, {n_rows} in the file"
            assert_equal("v_fact after the rollback", before, up_file["after_rollback"])
            print(f"  {up_file['new']:,} new values committed and rolled back on each store; v_fact equal on both "
                  "after each step, and after the rollback as before the upload")
            steps = [("db.connect (open, schema check)", file_open, lake_open),
                     (f"upload: prepare ({n_rows:,} rows .csv)", up_file["prepare"], up_lake["prepare"]),
                     ("upload: commit (one transaction)", up_file["commit"], up_lake["commit"]),
                     ("rollback of that batch", up_file["rollback"], up_lake["rollback"])]
            for s_name, f_ms, l_ms in steps:
                print(f"  {s_name:<40} file {f_ms:9.1f} ms   lake {l_ms:9.1f} ms")
            n_files2, mib2 = data_files(work / "lake-data")
            print(f"  lake data after the upload and rollback: {n_files2} Parquet files, {mib2:.1f} MiB")
        finally:
            for con in (file_con, lake_con):
                if con is not None:
                    con.close()
            if own_server and server is not None:
                server.stop()
                print("  PostgreSQL stopped")

    print("\n[5/5] Results")
    qtable = query_table(rows)
    stable = step_table(steps)
    print(f"\nQueries (ms; cold = first call on a fresh connection, warm = median of {repeat}; "
          "ratio > 1: the lake is slower):\n")
    print(qtable)
    print(f"\nOther steps (ms); transfer.into_lake of the whole database: {transfer_s:.1f} s\n")
    print(stable)
    end_line = f"Whole run {time.perf_counter() - wall:.0f} s; at the end: {province.load_average()}"
    print(f"\n{end_line}")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text("\n".join([f"Machine: {info}", "", f"Database: {db_line}", "",
                                          f"transfer.into_lake: {transfer_s:.1f} s; lake data {n_files} Parquet files,"
                                          f" {mib:.1f} MiB; inlined rows {inlined}", "", qtable, "", stable, "",
                                          end_line]) + "\n", encoding="utf-8")
        print(f"Markdown written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
