"""Ingestion benchmark: civdash's upload engine end to end against pandas reading the same file.

Three cases, each run in a child process of its own so that its peak memory (``ru_maxrss``) is its own:

(a) ``workbook`` — a year's report workbook as a bureau keeps it: 12 sheets 1月 … 12月, each a title with the
    year and month, a 填报单位 line, a two-level merged header (城市低保 over 户数 | 人数 | 其中：老年人 | … |
    1-N月资金 | 平均保障标准), a units row, the demo district's 30 townships (most written short: 城东 for
    城东街道), a 合计 row and a 审核人 line; 40 columns, 29 of which map to the 29 catalog indicators through
    their names and aliases (11 breakdowns such as 其中：老年人 map to none, as on real forms); amounts are
    1-N月 totals in 万元, 临时救助人次 a 1-N月 total, the other flows marked 当月. ``prepare`` + ``commit`` into
    a fresh database seeded like the demo (catalog + 黔江区's 30 townships). Target: under 1 s.
(b) ``long-xlsx`` and ``long-csv`` — a long table 期间 | 乡镇 | 指标 | 数值 | 单位 of ``--rows`` rows (by default
    1,000,500 = 500 townships × 69 months × 29 indicators: the demo's 30 townships and 470 more registered for
    the benchmark), as .xlsx (期间 a date cell) and as UTF-8 .csv (期间 ``2020-01``). ``prepare`` + ``commit``
    into a fresh database. Targets: under 15 s and under 2 GB peak memory.

Baselines, in the same run and each in its own child process: ``pandas.read_excel(path, engine="openpyxl")``
reading the same .xlsx alone (every sheet of the workbook) — target: the engine end to end at least 5× faster
than that read alone; and, for the CSV, ``pandas.read_csv`` (for information).

Each engine run is checked: no errors, and the totals per indicator in ``v_fact`` equal the totals of the
generated values (flows given as 1-N月 totals add up to December's total). The script stops otherwise.
Speed is measured here, never asserted. Run from the project root::

    .venv/bin/python tests/benchmarks/ingest.py                  # full scale (writes the files once: ~1 min)
    .venv/bin/python tests/benchmarks/ingest.py --rows 20000     # quick

Files and databases are written under ``tests/benchmarks/output/`` (git-ignored); the files are reused while
their name (format version and row count) matches. ``tests/benchmarks/test_ingest_smoke.py`` runs the same
functions at a small scale in the test suite and checks the totals (no timing).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/benchmarks/ingest.py` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import xlsxwriter  # noqa: E402

from civdash.domain import catalog, townships  # noqa: E402
from civdash.domain.catalog import read_catalog_csv  # noqa: E402
from civdash.domain.periods import add_months  # noqa: E402
from civdash.ingest.context import Options  # noqa: E402
from civdash.ingest.upload import commit, prepare  # noqa: E402
from civdash.store import db  # noqa: E402
from civdash.store.paths import DATA_DIR  # noqa: E402

OUTPUT = ROOT / "tests" / "benchmarks" / "output"
VERSION = "v4"  # in the cached files' names: bump when the generated content changes
DISTRICT_NAME, DISTRICT_CODE = "黔江区", "500114"
YEAR = 2025
LONG_TOWNSHIPS = 500
FIRST_MONTH = date(2020, 1, 1)
WORKBOOK_TARGET_S = 1.0
LONG_TARGET_S = 15.0
LONG_TARGET_MB = 2e9 / 2**20  # 2 GB, in MiB (1,907)
RATIO_TARGET = 5.0

Totals = dict[str, float]  # indicator code → sum of every stored value (base unit)


def demo_townships() -> list[tuple[str, str]]:
    """(full name, type) of the demo district's 30 townships, in registry order."""
    with (DATA_DIR / "demo_townships.csv").open(encoding="utf-8") as f:
        return [(r["name"], r["type"]) for r in csv.DictReader(f)]


def catalog_rows() -> list[dict[str, str]]:
    return read_catalog_csv()


# --- (a) the report workbook ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """One column of the report form: its group and leaf header, the unit written in the units row, the catalog
    indicator it should map to (None: a breakdown that maps to none) and how a flow is given."""

    group: str
    leaf: str  # 'N' in 1-N月 is replaced by the sheet's month
    unit: str
    code: str | None
    ytd: bool = False  # a 1-N月 total


def _group(name: str, *leaves: tuple) -> list[Col]:
    return [Col(name, *leaf) for leaf in leaves]


COLUMNS: list[Col] = [
    *_group("城市低保", ("户数", "户", "dibao_urban_households"), ("人数", "人", "dibao_urban_persons"),
            ("其中：老年人", "人", None), ("其中：残疾人", "人", None),
            ("1-N月资金", "万元", "dibao_urban_funds", True), ("平均保障标准", "元/人·月", "dibao_urban_standard")),
    *_group("农村低保", ("户数", "户", "dibao_rural_households"), ("人数", "人", "dibao_rural_persons"),
            ("其中：老年人", "人", None), ("其中：残疾人", "人", None),
            ("1-N月资金", "万元", "dibao_rural_funds", True), ("平均保障标准", "元/人·月", "dibao_rural_standard")),
    *_group("低保边缘家庭", ("户数", "户", None), ("人数", "人", None)),
    *_group("动态管理", ("当月新增", "人", "dibao_new_persons"), ("当月退出", "人", "dibao_exit_persons")),
    *_group("特困人员", ("人数", "人", "tekun_persons"), ("其中：集中供养", "人", None), ("其中：分散供养", "人", None),
            ("1-N月供养资金", "万元", "tekun_funds", True)),
    *_group("临时救助", ("1-N月人次", "人次", "temp_relief_cases", True), ("其中：急难型救助", "人次", None),
            ("1-N月资金", "万元", "temp_relief_funds", True)),
    *_group("孤儿和事实无人抚养儿童", ("人数", "人", "orphan_persons"),
            ("1-N月基本生活费", "万元", "orphan_funds", True)),
    *_group("困难残疾人生活补贴", ("人数", "人", "disability_living_persons"),
            ("1-N月资金", "万元", "disability_living_funds", True)),
    *_group("重度残疾人护理补贴", ("人数", "人", "disability_care_persons"), ("其中：一级", "人", None),
            ("1-N月资金", "万元", "disability_care_funds", True)),
    *_group("高龄失能老人养老服务补贴", ("人数", "人", "elderly_subsidy_persons"), ("其中：80周岁以上", "人", None),
            ("1-N月资金", "万元", "elderly_subsidy_funds", True)),
    *_group("养老服务", ("养老机构数", "个", "elderly_institutions"), ("养老机构床位数", "张", "elderly_beds"),
            ("当月居家适老化改造户数", "户", "aging_retrofit_households")),
    *_group("婚姻登记", ("当月结婚登记", "对", "marriage_registrations"), ("当月离婚登记", "对", "divorce_registrations")),
    *_group("其他", ("社区APP注册用户数", "人", "app_registered_users"), ("当月信访件数", "件", "petitions_received")),
]
WORKBOOK_FACTS = 30 * 29 * 12


def _monthly(c: int, col: Col, kind: str, town: int, month: int) -> float:
    """The value of column ``c`` for township ``town`` (both 0-based) in ``month``: a stock or level as it stands,
    a flow's own amount for the month (元 for amounts). Deterministic, magnitudes like the demo district's."""
    seed = (town * 37 + c * 11) % 97
    if kind == "level":
        return 620.0 + 10 * (town % 4) if "城市" in col.group else 480.0 + 10 * (town % 5)
    if kind == "stock":
        return float(40 + seed * 3 + (month * (town % 3)) // 2)
    if col.unit == "万元":  # an amount in 元, to two decimals, about 540 元 a person a month
        return round((40 + seed * 3) * 537.5 * (1 + ((town + month) % 5) / 50), 2)
    return float((town + month + seed) % 7)  # a count: a few a month


def workbook_sheets(year: int = YEAR) -> tuple[list[tuple[str, list[list[object]]]], Totals]:
    """The 12 sheets' grids (name, rows from A1; None for an empty cell) and the totals civdash should store."""
    kinds = {r["code"]: r["kind"] for r in catalog_rows()}
    towns = demo_townships()
    totals: Totals = {c.code: 0.0 for c in COLUMNS if c.code}
    width = len(COLUMNS) + 1
    ytd_so_far = [[0.0] * len(COLUMNS) for _ in towns]  # 1-N月 totals as written (万元 or 人次)
    sheets = []
    for month in range(1, 13):
        rows: list[list[object]] = [[None] * width for _ in range(5)]
        rows[0][0] = f"{DISTRICT_NAME}{year}年{month}月民政主要业务指标统计表"
        rows[1][0] = "填报单位：黔江区民政局（盖章）"
        rows[1][width - 4] = f"填报日期：{year}年{month}月28日"
        rows[2][0] = "乡镇（街道）"
        for c, col in enumerate(COLUMNS, start=1):
            rows[2][c] = col.group
            rows[3][c] = col.leaf.replace("N", str(month))
            rows[4][c] = col.unit
        column_sums = [0.0] * len(COLUMNS)
        for t, (full, kind_of_town) in enumerate(towns):
            row: list[object] = [full if t % 4 == 0 else full.removesuffix(kind_of_town)]
            whole = 0.0
            for c, col in enumerate(COLUMNS):
                amount = _monthly(c, col, kinds[col.code] if col.code else "stock", t, month)
                if col.leaf.startswith("其中"):  # a part of the column before: at most its whole, as on real forms
                    amount = float(int(whole) // 3)
                elif col.leaf == "户数" and c + 1 < len(COLUMNS) and COLUMNS[c + 1].leaf == "人数":  # 户 ≤ 人
                    nxt = COLUMNS[c + 1]
                    amount = float(int(_monthly(c + 1, nxt, kinds[nxt.code] if nxt.code else "stock", t, month)) // 2)
                    whole = amount
                else:
                    whole = amount
                written = amount / 10000 if col.unit == "万元" else amount
                if col.ytd:
                    written = ytd_so_far[t][c] = round(ytd_so_far[t][c] + written, 2)
                row.append(written)
                column_sums[c] += written
                if col.code and not col.ytd:
                    totals[col.code] += written
                elif col.code and month == 12:  # 1-N月 totals: the months stored add up to December's total
                    totals[col.code] += written * (10000 if col.unit == "万元" else 1)
            rows.append(row)
        rows.append(["合计"] + [None if col.code and kinds[col.code] == "level" else round(column_sums[c], 2)
                               for c, col in enumerate(COLUMNS)])
        rows.append([None] * width)
        note = f"注：资金为1-{month}月累计数（万元），人数为月末在册数，新增、退出、登记为当月数。"
        rows.append([note] + [None] * (width - 1))
        rows.append(["审核人：张敏    填表人：李静    联系电话：023-79223456"] + [None] * (width - 1))
        sheets.append((f"{month}月", rows))
    return sheets, totals


def write_workbook(path: Path, year: int = YEAR) -> Totals:
    """Write the 12-sheet report workbook as a bureau formats it (merged title and group headers, borders, 0.00
    amounts); returns the totals civdash should store for it."""
    sheets, totals = workbook_sheets(year)
    book = xlsxwriter.Workbook(str(path))
    head = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    money = book.add_format({"num_format": "0.00", "border": 1})
    plain = book.add_format({"border": 1})
    last_col = len(COLUMNS)
    for name, rows in sheets:
        ws = book.add_worksheet(name)
        ws.set_column(0, 0, 14)
        ws.merge_range(0, 0, 0, last_col, rows[0][0], title)
        ws.merge_range(2, 0, 3, 0, rows[2][0], head)
        c = 1
        while c <= last_col:  # one merged group header over each run of columns of the same group
            end = c
            while end < last_col and COLUMNS[end].group == COLUMNS[c - 1].group:
                end += 1
            if end > c:
                ws.merge_range(2, c, 2, end, rows[2][c], head)
            else:
                ws.write_string(2, c, rows[2][c], head)
            c = end + 1
        for r, row in enumerate(rows):
            if r in (0, 2):
                continue  # the title and the group headers: merged ranges, written above
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value, head if r in (3, 4) else plain if r > 4 and c == 0 else None)
                else:
                    ws.write_number(r, c, value, money if COLUMNS[c - 1].unit in ("万元", "元/人·月") else plain)
    book.close()
    return totals


# --- (b) the long table ---------------------------------------------------------------------------------------------


def long_shape(rows: int) -> tuple[int, int]:
    """(townships, months) for about ``rows`` rows of every catalog indicator: 500 townships (fewer for a small
    table, at least 12 months), the months as many as it takes."""
    n_ind = len(catalog_rows())
    towns = min(LONG_TOWNSHIPS, max(1, rows // (n_ind * 12)))
    months = max(1, round(rows / (towns * n_ind)))
    return towns, months


def long_townships(towns: int) -> list[str]:
    """The demo district's townships first, then 测试001镇 … (registered for the benchmark)."""
    demo = [name for name, _ in demo_townships()]
    return demo[:towns] + [f"测试{k + 1:03d}镇" for k in range(max(0, towns - len(demo)))]


def short_name(row: dict[str, str]) -> str:
    """The shortest of an indicator's name and aliases (城市低保金, 特困供养人数 …), as an export system writes
    them: it keeps the million-row CSV under the 50 MB upload limit (with full names it is 59 MB)."""
    return min([row["name"], *(a for a in row["aliases"].split("|") if a)], key=len)


def long_values(towns: int, months: int) -> Iterator[tuple[date, str, dict[str, str], float]]:
    """(month, township, catalog row, value) in file order: month by month, township by township; values in the
    indicator's base unit, flows as the month's own amount."""
    cat = [{**row, "short": short_name(row)} for row in catalog_rows()]
    index = {row["code"]: i for i, row in enumerate(cat)}
    names = long_townships(towns)

    def value_of(t: int, i: int, m: int) -> float:
        row = cat[i]
        persons = row["code"].replace("_households", "_persons")
        if persons != row["code"] and persons in index:  # 户 ≤ 人, as every real table has it
            return float(int(value_of(t, index[persons], m)) // 2)
        base = 20 + (t * 7 + i * 13) % 90
        if row["kind"] == "level":
            return 600.0 + t % 50 + 20 * (m // 12)
        if row["unit"] == "元":
            return round(base * 10 * 537.25 * (1 + (m % 12) / 100), 2)
        if row["kind"] == "stock":
            return base * 10 + m % 5
        return (t + i + m) % 9

    for m in range(months):
        month = add_months(FIRST_MONTH, m)
        for t, name in enumerate(names):
            for i, row in enumerate(cat):
                yield month, name, row, value_of(t, i, m)


def long_totals(towns: int, months: int) -> Totals:
    totals: Totals = {r["code"]: 0.0 for r in catalog_rows()}
    for _, _, row, value in long_values(towns, months):
        totals[row["code"]] += value
    return totals


HEADER = ["期间", "乡镇", "指标", "数值", "单位"]


def write_long_xlsx(path: Path, rows: int) -> Totals:
    towns, months = long_shape(rows)
    # Not in constant_memory mode, which writes every text inline: Excel, WPS and export tools write each distinct
    # text once in the shared-strings part, as here (the writer holds the sheet in memory: about 0.8 GB).
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("明细")
    month_format = book.add_format({"num_format": 'yyyy"年"m"月"'})
    ws.write_row(0, 0, HEADER)
    for r, (month, name, row, value) in enumerate(long_values(towns, months), start=1):
        ws.write_datetime(r, 0, datetime(month.year, month.month, 1), month_format)
        ws.write_string(r, 1, name)
        ws.write_string(r, 2, row["short"])
        ws.write_number(r, 3, value)
        ws.write_string(r, 4, row["unit"])
    book.close()
    return long_totals(towns, months)


def write_long_csv(path: Path, rows: int) -> Totals:
    towns, months = long_shape(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(HEADER)
        out.writerows([f"{month.year}-{month.month:02d}", name, row["short"], value, row["unit"]]
                      for month, name, row, value in long_values(towns, months))
    return long_totals(towns, months)


# --- the measured functions -----------------------------------------------------------------------------------------


def fresh_database(path: Path, townships_wanted: int = 0):
    """A new database seeded like the demo (catalog, the district and its 30 townships), plus the benchmark's
    townships for a long table of ``townships_wanted`` townships. Not timed."""
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = db.connect(path)
    with db.transaction(con):
        catalog.seed(con)
        demo = townships.seed_from_csv(con, DATA_DIR / "demo_townships.csv", DISTRICT_NAME, DISTRICT_CODE)
        for name in long_townships(townships_wanted)[demo:]:
            townships.register(con, name, type_="镇")
    return con


def ingest(file: Path, database: Path, townships_wanted: int = 0) -> dict:
    """``prepare`` + ``commit`` of ``file`` into a fresh database, timed from reading the file's bytes to the end of
    the commit; then (untimed) what ``v_fact`` holds: facts and totals per indicator."""
    con = fresh_database(database, townships_wanted)
    try:
        start = time.perf_counter()
        data = file.read_bytes()
        plan = prepare(con, [(file.name, data)], Options())
        prepared = time.perf_counter()
        if plan.errors:
            shown = "; ".join(f"{e.where}: {e.message}" for e in plan.errors[:5])
            raise RuntimeError(f"{len(plan.errors)} errors in {file.name}: {shown}")
        result = commit(con, plan, user_name="基准测试", explanations={f.rule: "基准测试数据" for f in plan.soft})
        done = time.perf_counter()
        facts = con.execute("SELECT count(*) FROM v_fact").fetchone()[0]
        totals = dict(con.execute("SELECT indicator_code, sum(value) FROM v_fact GROUP BY 1").fetchall())
    finally:
        con.close()
    return {"seconds": done - start, "prepare": prepared - start, "commit": done - prepared, "facts": facts,
            "new": result.new, "warnings": len(plan.warnings), "soft": len(plan.soft), "totals": totals}


def pandas_read(file: Path, how: str) -> dict:
    """The baseline: pandas reading the file alone (``read_excel`` with openpyxl: every sheet; or ``read_csv``)."""
    import pandas as pd

    start = time.perf_counter()
    if how == "read_csv":
        rows = len(pd.read_csv(file))
    else:
        rows = sum(len(f) for f in pd.read_excel(file, sheet_name=None, engine="openpyxl").values())
    return {"seconds": time.perf_counter() - start, "rows": rows}


def totals_agree(found: Totals, expected: Totals, rel: float = 1e-9) -> list[str]:
    """What differs between stored and generated totals (empty when they agree)."""
    wrong = []
    for code in sorted(set(found) | set(expected)):
        a, b = found.get(code), expected.get(code)
        if a is None or b is None or not math.isclose(a, b, rel_tol=rel, abs_tol=1e-6):
            wrong.append(f"{code}: stored {a}, generated {b}")
    return wrong


# --- child processes ------------------------------------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory in MB (2**20 bytes).

    Linux's VmHWM counts from this program's start; ``ru_maxrss`` would also keep the parent's resident size at
    the fork (several hundred MB after writing the files), so it is only the fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child(args: argparse.Namespace) -> None:
    file = Path(args.file)
    if args.child == "engine":
        out = ingest(file, Path(args.database), args.townships)
    else:
        out = pandas_read(file, args.child)
    out["peak_mb"] = peak_mb()
    print(json.dumps(out, ensure_ascii=False))


def measure(what: str, file: Path, database: Path | None = None, townships_wanted: int = 0) -> dict:
    """One run of ``what`` ('engine', 'read_excel', 'read_csv') in a fresh child process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", what, "--file", str(file),
           "--townships", str(townships_wanted)]
    if database is not None:
        cmd += ["--database", str(database)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} on {file.name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the run --------------------------------------------------------------------------------------------------------


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
        return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"
    except OSError:
        return "load average unknown"


def _ensure(path: Path, write, totals) -> Totals:
    """Write ``path`` with ``write(path)`` unless a file of that name is there; the generated totals either way."""
    if path.exists():
        return totals()
    t = time.perf_counter()
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    found = write(tmp)
    os.replace(tmp, path)
    print(f"  wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    return found


def _median_run(runs: list[dict]) -> dict:
    """The run with the median time (the middle one; of two, the slower), with the highest peak of all runs."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return {**ordered[len(ordered) // 2], "peak_mb": max(r["peak_mb"] for r in runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the long table (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each civdash case (median reported; default 3)")
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the pandas baselines")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder for the files and databases")
    parser.add_argument("--report", type=Path, default=None, help="also write the table as Markdown to this file")
    parser.add_argument("--child", choices=["engine", "read_excel", "read_csv"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--townships", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return 0

    out_dir: Path = args.output
    out_dir.mkdir(parents=True, exist_ok=True)
    towns, months = long_shape(args.rows)
    n_ind = len(catalog_rows())
    n_rows = towns * months * n_ind
    repeat = max(1, args.repeat)
    print(f"civdash ingestion benchmark — {os.cpu_count()} CPUs, Python {platform.python_version()}; {_load()}")
    print(f"\nFiles in {out_dir}:")
    workbook = out_dir / f"{YEAR}年民政主要业务指标月报-{VERSION}.xlsx"
    long_xlsx = out_dir / f"明细-{VERSION}-{n_rows}.xlsx"
    long_csv = out_dir / f"明细-{VERSION}-{n_rows}.csv"
    wb_totals = _ensure(workbook, write_workbook, lambda: workbook_sheets()[1])
    long_expected = _ensure(long_xlsx, lambda p: write_long_xlsx(p, args.rows), lambda: long_totals(towns, months))
    _ensure(long_csv, lambda p: write_long_csv(p, args.rows), lambda: long_expected)
    print(f"  workbook {workbook.stat().st_size / 1e6:.2f} MB; long table {n_rows:,} rows = {towns} townships × "
          f"{months} months ({FIRST_MONTH:%Y-%m} …) × {n_ind} indicators: .xlsx {long_xlsx.stat().st_size / 1e6:.1f} MB, "
          f".csv {long_csv.stat().st_size / 1e6:.1f} MB")

    def engine(file: Path, wanted: int, expected: Totals, facts: int) -> list[dict]:
        runs = []
        for _ in range(repeat):
            run = measure("engine", file, out_dir / f"bench-{file.stem}.duckdb", wanted)
            print(f"  civdash {file.name}: {run['seconds']:.2f} s (prepare {run['prepare']:.2f} s, commit "
                  f"{run['commit']:.2f} s), peak {run['peak_mb']:,.0f} MiB")
            wrong = totals_agree(run["totals"], expected)
            if wrong or run["facts"] != facts:
                raise AssertionError(f"{file.name}: {run['facts']:,} facts stored ({facts:,} expected); "
                                     + "; ".join(wrong[:5]))
            runs.append(run)
        return runs

    base_runs: dict[str, list[float]] = {}

    def baseline(how: str, file: Path, times: int = 1) -> dict | None:
        """The median of ``times`` runs (the peak: the highest), each in a process of its own."""
        if args.skip_pandas:
            return None
        found = []
        for _ in range(times):
            run = measure(how, file)
            print(f"  pandas {how} {file.name}: {run['seconds']:.2f} s ({run['rows']:,} rows), "
                  f"peak {run['peak_mb']:,.0f} MiB")
            found.append(run)
        base_runs[file.suffix + how] = [r["seconds"] for r in found]
        return _median_run(found)

    print(f"\nRunning, each run in a process of its own; {_load()}")
    runs = {"wb": engine(workbook, 0, wb_totals, WORKBOOK_FACTS),
            "xl": engine(long_xlsx, towns, long_expected, n_rows),
            "cs": engine(long_csv, towns, long_expected, n_rows)}
    print("  totals agree: in every run, each indicator's total in v_fact equals the generated total")
    base_wb, base_xl, base_csv = (baseline("read_excel", workbook), baseline("read_excel", long_xlsx, args.repeat),
                                  baseline("read_csv", long_csv))
    end_load = _load()
    print(f"  done; {end_load}")
    wb, xl, cs = (_median_run(runs[k]) for k in ("wb", "xl", "cs"))

    def cell_base(b: dict | None) -> str:
        return f"{b['seconds']:.2f} s, {b['peak_mb']:,.0f} MiB" if b else "—"

    def ratio(b: dict | None, ours: dict) -> str:
        return f"{b['seconds'] / ours['seconds']:.1f}×" if b else "—"

    def met(ours: dict, seconds: float, mb: float | None, b: dict | None) -> str:
        ok = ours["seconds"] < seconds and (mb is None or ours["peak_mb"] < mb)
        if mb is not None and b:
            ok = ok and b["seconds"] / ours["seconds"] >= RATIO_TARGET
        return "yes" if ok else "**no**"

    long_target = f"< {LONG_TARGET_S:.0f} s, < 2 GB, ≥ {RATIO_TARGET:.0f}×"
    lines = [
        f"| case | facts stored | civdash prepare + commit (median of {repeat}) | prepare / commit | peak memory | "
        f"pandas read_excel (openpyxl) of the .xlsx alone (long table: median of {repeat}) | ratio | pandas read_csv | "
        "target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|:---:|",
        f"| (a) workbook 30 townships × 40 columns × 12 sheets, .xlsx | {wb['facts']:,} | {wb['seconds']:.2f} s | "
        f"{wb['prepare']:.2f} / {wb['commit']:.2f} s | {wb['peak_mb']:,.0f} MiB | {cell_base(base_wb)} | "
        f"{ratio(base_wb, wb)} | — | < {WORKBOOK_TARGET_S:.0f} s | {met(wb, WORKBOOK_TARGET_S, None, None)} |",
    ]
    for label, ours, csv_base in ((f"(b) long table {n_rows:,} rows, .xlsx", xl, None),
                                  (f"(b) long table {n_rows:,} rows, .csv (UTF-8)", cs, base_csv)):
        lines.append(
            f"| {label} | {ours['facts']:,} | {ours['seconds']:.2f} s | {ours['prepare']:.2f} / {ours['commit']:.2f} s "
            f"| {ours['peak_mb']:,.0f} MiB | {cell_base(base_xl)} | {ratio(base_xl, ours)} | {cell_base(csv_base)} | "
            f"{long_target} | {met(ours, LONG_TARGET_S, LONG_TARGET_MB, base_xl)} |")
    table = "\n".join(lines)
    print("\nIngestion (ratio = pandas read_excel of the same .xlsx ÷ civdash end to end; > 1: civdash faster):\n")
    print(table)
    every = "; ".join(f"{name} " + ", ".join(f"{r['seconds']:.2f}" for r in runs[k])
                      for name, k in (("workbook", "wb"), ("long .xlsx", "xl"), ("long .csv", "cs")))
    if ".xlsxread_excel" in base_runs and len(base_runs[".xlsxread_excel"]) > 1:
        every += "; pandas read_excel of the long .xlsx " + ", ".join(f"{x:.2f}" for x in base_runs[".xlsxread_excel"])
    notes = (f"Every run (s): {every}. Peak memory: the highest of the runs (VmHWM of the run's process). "
             f"Warnings: workbook {wb['warnings']}, long .xlsx {xl['warnings']}, long .csv {cs['warnings']}.")
    print(f"\n{notes}")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(f"{table}\n\n{notes}\n\nAt the end: {end_load}\n", encoding="utf-8")
        print(f"Markdown written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
