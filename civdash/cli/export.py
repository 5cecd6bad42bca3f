"""``python -m civdash export``: the 数据查询 table written as .xlsx or .csv, the same bytes the page downloads.

Exit codes: 0 written, 1 refused (an unknown indicator or township, no database), 2 usage errors (argparse).
Without ``--db`` it reads the database the dashboard serves: the bureau's once it exists, else the demo.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from civdash import appdb
from civdash.analysis import table
from civdash.cli.args import month_arg
from civdash.domain import catalog, times, townships
from civdash.domain.names import normalize_name
from civdash.domain.periods import GRAINS
from civdash.outputs import export
from civdash.store import db, integrity


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("--indicators", nargs="+", metavar="指标", help="指标代码或名称（默认全部指标）")
    p.add_argument("--townships", nargs="+", metavar="乡镇", help="乡镇（街道）名称，可写简称（默认全部，合计为全区）")
    p.add_argument("--from", dest="start", type=month_arg, required=True, metavar="YYYY-MM", help="起始月份")
    p.add_argument("--to", dest="end", type=month_arg, required=True, metavar="YYYY-MM", help="截止月份")
    p.add_argument("--grain", choices=list(GRAINS), default="month", help="按期间时的时间粒度（默认 month）")
    p.add_argument("--rows", choices=list(table.ROWS), default="township", help="表格行：township 乡镇（默认）或 period 期间")
    p.add_argument("--ytd", action="store_true", help="流量指标取当年累计数（默认为期间内合计）")
    p.add_argument("--encoding", choices=list(export.ENCODINGS), default="utf-8", help=".csv 的编码（默认 utf-8，带 BOM）")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="输出文件 .xlsx 或 .csv")
    p.add_argument("--db", type=Path, default=None, help="数据库文件（默认为看板正在使用的数据库）")


def run(args: argparse.Namespace) -> int:
    suffix = args.output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        print(f"输出文件须为 .xlsx 或 .csv：{args.output}", file=sys.stderr)
        return 2
    if args.start > args.end:
        print("起始月份晚于截止月份", file=sys.stderr)
        return 2
    path = args.db or appdb.app_database()[0]
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    try:
        integrity.require_intact(con)  # never a file of wrong numbers: main() prints the refusal
        request = _request(con, args)
        if request is None:
            return 1
        result = table.build(con, request)
    finally:
        con.close()
    data = export.to_xlsx(result, times.today_beijing()) if suffix == ".xlsx" else export.to_csv(result, args.encoding)
    args.output.write_bytes(data)
    print(f"已导出：{args.output}（{result.title}，{result.data_rows}行另加合计，{len(result.columns)}个指标）")
    return 0


def _request(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> table.TableRequest | None:
    """The request the arguments describe; None (after a message) when a name is not known."""
    inds = catalog.indicators(con)
    by_key = {i.code: i.code for i in inds} | {normalize_name(i.name): i.code for i in inds}
    codes, unknown = [], []
    for text in args.indicators or [i.code for i in inds]:
        code = by_key.get(text) or by_key.get(normalize_name(text))
        (codes.append(code) if code else unknown.append(text))
    if unknown:
        print("未知的指标：" + "、".join(unknown) + "（可用指标代码或名称，见“指标与乡镇”页面）", file=sys.stderr)
        return None
    ids, unknown = [], []
    registered = {t.id for t in townships.townships(con)}  # not the district's own row
    for text in args.townships or []:
        found = townships.match_township(con, text)
        (ids.append(found) if found in registered else unknown.append(text))
    if unknown:
        print("未登记的乡镇（街道）：" + "、".join(unknown), file=sys.stderr)
        return None
    return table.TableRequest(tuple(dict.fromkeys(codes)), args.start, args.end, args.grain, args.ytd,
                              tuple(dict.fromkeys(ids)), args.rows)
