"""Ingestion benchmark: civdash's upload engine end to end against pandas reading the same file.

Cases (issue 3, §8), each run in its own child process so its peak memory (ru_maxrss) is its own:

(a) ``workbook`` — a 30-township × 40-column report workbook with two-level merged headers, a units row and a
    合计 row, 12 monthly sheets 1月 … 12月 (the year in the title; funds as 1-N月 totals in 万元): ``prepare``
    + ``commit`` into a fresh database. Target: under 1 s.
(b) ``long-xlsx`` and ``long-csv`` — a long table 期间 | 乡镇 | 指标 | 数值 | 单位 of ``--rows`` rows (1,000,000
    by default: 500 townships × 29 indicators × 69 months), as .xlsx and as UTF-8 .csv. Target: under 15 s and
    under 2 GB peak memory.
Baselines, in the same run: ``pandas.read_excel(engine="openpyxl")`` reading the same .xlsx alone (target: the
engine end to end at least 5× faster than that read alone), and ``pandas.read_csv`` for the CSV (information).

Speed is measured here, never asserted. Run from the project root::

    .venv/bin/python tests/benchmarks/ingest.py                  # full scale (writes files once, ~minutes)
    .venv/bin/python tests/benchmarks/ingest.py --rows 20000     # quick

Files are written under ``tests/benchmarks/output/`` (git-ignored) and reused while their size matches.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
import zlib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import xlsxwriter  # noqa: E402

from civdash import catalog, db, townships  # noqa: E402
from civdash.catalog import read_catalog_csv  # noqa: E402
from civdash.ingest.context import Options  # noqa: E402
from civdash.ingest.upload import commit, prepare  # noqa: E402
from civdash.paths import DATA_DIR  # noqa: E402
from civdash.periods import add_months  # noqa: E402

OUTPUT = ROOT / "tests" / "benchmarks" / "output"
YEAR = 2025
LONG_TOWNSHIPS = 500
FIRST_MONTH = date(2020, 1, 1)


# --- the files ----------------------------------------------------------------------------------------------------


def catalog_rows() -> list[dict[str, str]]:
    return read_catalog_csv()


def demo_townships() -> list[str]:
    with (DATA_DIR / "demo_townships.csv").open(encoding="utf-8") as f:
        return [r["name"] for r in csv.DictReader(f)]


def workbook_columns() -> list[tuple[str, str, str, str]]:
    """40 columns: (group, leaf, unit, code) — every catalog indicator under its category, funds as 1-N月 万元,
    then 11 breakdown columns that map to no indicator (as real forms have: 女性, 老年人 …)."""
    cols = []
    for row in catalog_rows():
        unit = "万元" if row["unit"] == "元" else row["unit"]
        leaf = f"1-N月{row['name']}" if row["kind"] == "flow" and row["unit"] == "元" else row["name"]
        cols.append((row["category"], leaf, unit, row["code"]))
    extra = ["女性", "老年人", "未成年人", "残疾人", "重度残疾", "一级", "二级", "三级", "四级", "集中供养", "分散供养"]
    cols += [("低保人员分类", e, "人", "") for e in extra]
    return cols[:40]


def workbook_value(code: str, town: int, month: int, kinds: dict[str, tuple[str, str]]) -> float:
    kind, unit = kinds[code]
    base = 50 + 7 * town + zlib.crc32(code.encode()) % 97
    if kind == "flow" and unit == "元":
        return round(base * 0.06 * month, 2)  # 1-N月 total in 万元, growing through the year
    if kind == "level":
        return 600.0 + town
    return float(base + month)


def write_workbook(path: Path) -> None:
    cols = workbook_columns()
    kinds = {r["code"]: (r["kind"], r["unit"]) for r in catalog_rows()}
    names = demo_townships()
    book = xlsxwriter.Workbook(str(path))
    for month in range(1, 13):
        ws = book.add_worksheet(f"{month}月")
        ws.write(0, 0, f"黔江区{YEAR}年{month}月民政主要指标统计表")
        ws.write(1, 0, "填报单位：黔江区民政局")
        ws.write(2, 0, "乡镇（街道）")
        ws.merge_range(2, 0, 4, 0, "乡镇（街道）")
        groups: dict[str, list[int]] = {}
        for c, (group, leaf, unit, _) in enumerate(cols, start=1):
            groups.setdefault(group, []).append(c)
            ws.write(3, c, leaf.replace("1-N月", f"1-{month}月"))
            ws.write(4, c, unit)
        for group, cs in groups.items():
            if len(cs) > 1:
                ws.merge_range(2, cs[0], 2, cs[-1], group)
            else:
                ws.write(2, cs[0], group)
        totals = [0.0] * len(cols)
        for t, name in enumerate(names):
            ws.write(5 + t, 0, name.removesuffix("街道") if t % 3 == 0 else name)
            for c, (_, _, _, code) in enumerate(cols, start=1):
                v = workbook_value(code, t, month, kinds) if code else float(t % 7)
                ws.write_number(5 + t, c, v)
                totals[c - 1] += v
        row = 5 + len(names)
        ws.write(row, 0, "合计")
        for c, (_, _, _, code) in enumerate(cols, start=1):
            if not code or kinds[code][0] != "level":
                ws.write_number(row, c, round(totals[c - 1], 2))
        ws.write(row + 2, 0, "审核人：张敏    填表人：李静")
    book.close()


def long_shape(rows: int) -> tuple[int, int]:
    """(townships, months) for about ``rows`` rows of every catalog indicator."""
    n_ind = len(catalog_rows())
    towns = min(LONG_TOWNSHIPS, max(1, rows // (n_ind * 12)))
    months = max(1, round(rows / (towns * n_ind)))
    return towns, months


def long_rows(rows: int):
    cat = catalog_rows()
    towns, months = long_shape(rows)
    yield ["期间", "乡镇", "指标", "数值", "单位"]
    for m in range(months):
        period = add_months(FIRST_MONTH, m)
        label = f"{period.year}-{period.month:02d}"
        for t in range(towns):
            name = f"测试{t + 1:03d}镇"
            for i, row in enumerate(cat):
                value = (100 + t + i) * (1.0 if row["kind"] != "flow" else 1.0 + (m % 12) / 100)
                if row["unit"] == "元":
                    value = round(value * 537.25, 2)
                elif row["kind"] == "level":
                    value = 600.0 + t % 50
                else:
                    value = float(round(value))
                yield [label, name, row["name"], value, row["unit"]]


def write_long_xlsx(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("明细")
    for r, row in enumerate(long_rows(rows)):
        ws.write_row(r, 0, row)
    book.close()


def write_long_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(long_rows(rows))


# --- one case in a child process ------------------------------------------------------------------------------------


def fresh_database(path: Path, long_townships: int = 0):
    path.unlink(missing_ok=True)
    con = db.connect(path)
    catalog.seed(con)
    townships.seed_from_csv(con, DATA_DIR / "demo_townships.csv", "黔江区", "500114")
    with db.transaction(con):
        for t in range(long_townships):
            townships.register(con, f"测试{t + 1:03d}镇", type_="镇")
    return con


def run_engine(file: Path, database: Path, long_townships: int) -> dict:
    """prepare + commit of ``file`` into a fresh database; the database set-up is not timed."""
    con = fresh_database(database, long_townships)
    start = time.perf_counter()
    data = file.read_bytes()
    plan = prepare(con, [(file.name, data)], Options())
    prepared = time.perf_counter()
    result = commit(con, plan)
    done = time.perf_counter()
    stored = con.execute("SELECT count(*) FROM fact WHERE batch_id = ?", [result.batch_id]).fetchone()[0]
    con.close()
    return {"seconds": done - start, "prepare": prepared - start, "commit": done - prepared, "facts": stored,
            "errors": len(plan.errors), "warnings": len(plan.warnings)}


def run_pandas(file: Path) -> dict:
    import pandas as pd

    start = time.perf_counter()
    if file.suffix == ".csv":
        frames = {"csv": pd.read_csv(file)}
    else:
        frames = pd.read_excel(file, sheet_name=None, engine="openpyxl")
    return {"seconds": time.perf_counter() - start, "rows": sum(len(f) for f in frames.values())}


def child(args: argparse.Namespace) -> None:
    file = Path(args.file)
    if args.child == "engine":
        out = run_engine(file, OUTPUT / f"bench-{file.stem}.duckdb", args.long_townships)
    else:
        out = run_pandas(file)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def measure(kind: str, file: Path, long_townships: int = 0) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--file", str(file), "--long-townships", str(long_townships)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the run --------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the long table (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the workbook case (median reported)")
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the pandas baselines")
    parser.add_argument("--child", choices=["engine", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--long-townships", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    OUTPUT.mkdir(parents=True, exist_ok=True)
    workbook = OUTPUT / f"{YEAR}年民政主要指标月报.xlsx"
    towns, months = long_shape(args.rows)
    n_rows = towns * months * len(catalog_rows())
    long_xlsx, long_csv = OUTPUT / f"明细-{n_rows}.xlsx", OUTPUT / f"明细-{n_rows}.csv"
    for path, write in ((workbook, write_workbook), (long_xlsx, lambda p: write_long_xlsx(p, args.rows)),
                        (long_csv, lambda p: write_long_csv(p, args.rows))):
        if not path.exists():
            t = time.perf_counter()
            write(path)
            print(f"wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")

    print(f"\ncivdash ingestion benchmark — long table {n_rows:,} rows ({towns} townships × {months} months × "
          f"{len(catalog_rows())} indicators)\n")
    runs = sorted((measure("engine", workbook) for _ in range(args.repeat)), key=lambda r: r["seconds"])
    wb = runs[len(runs) // 2]
    rows = [("(a) workbook 30×40 ×12 sheets, .xlsx", wb, None if args.skip_pandas else measure("pandas", workbook),
             "< 1 s")]
    for label, path in (("(b) long table, .xlsx", long_xlsx), ("(b) long table, .csv", long_csv)):
        ours = measure("engine", path, towns)
        rows.append((label, ours, None if args.skip_pandas else measure("pandas", path), "< 15 s, < 2 GB"))
    print("| case | facts | civdash prepare+commit | prepare / commit | peak memory | pandas read alone | ratio "
          "| target |\n|---|---|---|---|---|---|---|---|")
    for label, ours, base, target in rows:
        base_s = f"{base['seconds']:.2f} s ({base['peak_mb']:,.0f} MB)" if base else "—"
        ratio = f"{base['seconds'] / ours['seconds']:.1f}×" if base else "—"
        print(f"| {label} | {ours['facts']:,} | {ours['seconds']:.2f} s | {ours['prepare']:.2f} / {ours['commit']:.2f} s "
              f"| {ours['peak_mb']:,.0f} MB | {base_s} | {ratio} | {target} |")
        if ours["errors"]:
            print(f"  !! {ours['errors']} errors in {label}")
    times = ", ".join(f"{r['seconds']:.3f}" for r in runs)
    print(f"\n(workbook runs: {times} s; warnings in the workbook: {wb['warnings']})")


if __name__ == "__main__":
    main()
