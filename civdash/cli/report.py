"""``python -m civdash report``: the 汇报材料 of a period written to .docx, .md or .txt, as the page downloads them.

Exit codes: 0 written, 1 refused (no data for the period, an unknown section, no database), 2 usage errors.
Without ``--db`` it reads the database the dashboard serves: the bureau's once it exists, else the demo.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from civdash import appdb
from civdash.analysis import report
from civdash.cli.args import month_arg
from civdash.outputs import report_charts, report_docx
from civdash.store import db, integrity

FORMATS = (".docx", ".md", ".txt")


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("--period", type=month_arg, required=True, metavar="YYYY-MM",
                   help="月份；与 --quarter 同用为该月所在季度，与 --ytd 同用为1月至该月累计")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--ytd", action="store_true", help="1-N月累计（流量指标为当年累计数）")
    kind.add_argument("--quarter", action="store_true", help="季度（该月所在季度）")
    p.add_argument("--sections", nargs="+", metavar="栏目", help="栏目（指标类别，如 社会救助 养老服务；默认全部）")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="输出文件 .docx、.md 或 .txt")
    p.add_argument("--db", type=Path, default=None, help="数据库文件（默认为看板正在使用的数据库）")


def render(r: report.Report, suffix: str, con: duckdb.DuckDBPyConnection | None = None) -> bytes:
    """The report's bytes for a file ending in ``suffix`` (.docx, .md, .txt); the .docx with each section's chart
    when ``con`` (the database the report was built from) is given."""
    if suffix == ".docx":
        return report_docx.to_docx(r, report_charts.pictures(con, r) if con is not None else None)
    return (report.to_markdown(r) if suffix == ".md" else report.to_text(r)).encode("utf-8")


def run(args: argparse.Namespace) -> int:
    suffix = args.output.suffix.lower()
    if suffix not in FORMATS:
        print(f"输出文件须为 .docx、.md 或 .txt：{args.output}", file=sys.stderr)
        return 2
    path = args.db or appdb.app_database()[0]
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    kind = "quarter" if args.quarter else "ytd" if args.ytd else "month"
    con = db.connect(path, read_only=True)
    try:
        integrity.require_intact(con)  # never a report of wrong numbers: main() prints the refusal
        r = report.build(con, report.ReportPeriod.of(kind, args.period), args.sections)
        written = render(r, suffix, con)
    except report.ReportRefused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        con.close()
    args.output.write_bytes(written)
    print(f"已生成：{args.output}（{r.title}，{len(r.sections)}个栏目，{len(r.figures)}项数据）")
    return 0
