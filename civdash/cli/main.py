"""Command line: ``python -m civdash COMMAND [--db PATH] ...``."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from datetime import date
from pathlib import Path

import duckdb

from civdash import appdb, demo
from civdash.analysis import metrics
from civdash.cli import ask, audit_rules, backup, export, repair, report, uploads, users
from civdash.domain.periods import month_label, parse_month
from civdash.store import db, ducklake, integrity, queries, transfer
from civdash.store.paths import demo_db_path, real_db_path


def _month_arg(text: str) -> date:
    """``--until``: a month people write (2025-06, 2025年6月 …); anything else is a usage error (exit 2)."""
    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m civdash", description="民政数据看板 命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="生成示例区县数据库（黔江区，30个乡镇街道）")
    p.add_argument("--db", type=Path, default=None, help="示例数据库文件（默认 CIVDASH_DEMO_DB 或 data/demo.duckdb）")
    p.add_argument("--until", type=_month_arg, help="最后一个月份 YYYY-MM（默认上一个完整月份）")
    p = sub.add_parser("info", help="显示数据库概况")
    _db_arg(p)
    p = sub.add_parser("migrate", help="升级数据库结构到最新版本；--to ducklake 把本机数据库迁入共享存储")
    _db_arg(p)
    p.add_argument("--to", choices=["ducklake"], help="把 --db（默认 CIVDASH_DB 或 data/civdash.duckdb）迁入 "
                   "CIVDASH_STORE=ducklake 设置的共享存储，核对后才提交")
    p = sub.add_parser("import", help="导入统计报表（.xlsx/.xlsm/.xls/.ods/.csv），全部无误才保存")
    p.add_argument("files", nargs="+", metavar="FILE", help="要导入的文件，可多个（一次导入为一个批次）")
    _db_arg(p)
    p.add_argument("--period", type=_month_arg, help="文件中写不出期间时使用的月份 YYYY-MM")
    p.add_argument("--allow-new-townships", action="store_true", help="登记表中未登记的乡镇（街道），而不是报错")
    p.add_argument("--include-hidden", action="store_true", help="也读取隐藏的工作表、行和列（默认不读取，并说明哪些被隐藏）")
    p.add_argument("--dry-run", action="store_true", help="只检查，不保存")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--strict", action="store_true", help="有任何警告或需核实的问题都不保存（即使有说明）")
    p.add_argument("--explain", type=Path, metavar="FILE",
                   help="核实说明文件：CSV（两列：规则代码、规则名称或单元格位置，说明）或 JSON 对象，用于需核实的问题")
    p = sub.add_parser("batches", help="列出导入批次")
    _db_arg(p)
    p = sub.add_parser("rollback", help="撤销一个导入批次，恢复它替换的数据")
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    _db_arg(p)
    export.add_parser(sub, _month_arg)
    report.add_parser(sub, _month_arg)
    users.add_parser(sub)
    backup.add_parser(sub)
    audit_rules.add_parser(sub, _month_arg)
    repair.add_parser(sub)
    ask.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return _run(args)
    except (db.DatabaseBusy, ducklake.StoreError, transfer.TransferError, integrity.DatabaseDamaged) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # the last resort: a person reads a sentence, never a traceback
        return _failed(exc)


def _failed(exc: Exception) -> int:
    """Say in Chinese that the command did not finish and why; the traceback only with ``CIVDASH_DEBUG=1``."""
    detail = ducklake.without_password(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, duckdb.Error):
        print(f"命令未完成：数据库出错（{detail}）。", file=sys.stderr)
    elif isinstance(exc, OSError):
        print(f"命令未完成：读写文件出错（{detail}）。", file=sys.stderr)
    else:
        print(f"命令未完成：程序出错（{detail}）。请把这条信息告诉系统管理员。", file=sys.stderr)
    if os.environ.get("CIVDASH_DEBUG") == "1":
        traceback.print_exc()
    return 1


def _is_real_database(path: Path) -> bool:
    """True when ``path`` holds a database that is not a demo (so must never be overwritten)."""
    if not path.exists():
        return False
    con = db.connect(path, read_only=True)
    try:
        return not db.is_demo(con)
    except Exception:
        return True
    finally:
        con.close()


def _move_into_lake(source: Path) -> int:
    lake = ducklake.configured()
    if lake is None:
        print("请先设置 CIVDASH_STORE=ducklake、CIVDASH_CATALOG 和 CIVDASH_DATA_PATH（见 docs/deployment.md）。",
              file=sys.stderr)
        return 2
    moved = transfer.into_lake(source, lake)
    print(f"已迁入 {lake}：")
    for table, n in moved.tables.items():
        print(f"  {table}：{n}行")
    print(f"当前数据{moved.facts}条，{len(moved.totals)}个指标的条数和合计与 {source} 逐一核对一致。")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        path = args.db or demo_db_path()
        if _is_real_database(path):
            print(f"拒绝覆盖：{path} 不是示例数据库（可能是正式数据）。请用 --db 指定另一个文件。", file=sys.stderr)
            return 1
        s = demo.build(path, until=args.until)
        print(f"示例数据库已生成：{path}（{s.townships}个乡镇街道，{month_label(s.first)}至{month_label(s.last)}，"
              f"共{s.months}个月，{s.facts}条数据）")
        return 0
    if args.command == "export":
        return export.run(args)
    if args.command in ("backup", "restore"):
        return backup.run(args)
    if args.command == "users":
        return users.run(args)
    if args.command == "report":
        return report.run(args)
    if args.command == "ask":
        return ask.run(args)
    if args.command == "repair":
        return repair.run(args)
    if args.command == "audit-rules":
        return audit_rules.run(args, Path(args.db) if args.db else appdb.real_store())
    if args.command == "migrate" and args.to:
        return _move_into_lake(args.db or real_db_path())
    path = args.db or appdb.real_store()
    if args.command in ("import", "batches", "rollback"):
        args.db = path
        return {"import": uploads.run_import, "batches": uploads.run_batches,
                "rollback": uploads.run_rollback}[args.command](args)
    if args.command == "migrate":
        con = db.connect(path)
        print(f"数据库结构版本：{db.schema_version(con)}")
        con.close()
        return 0
    if args.command == "info":
        if not appdb.exists(path):
            print(f"数据库不存在：{path}", file=sys.stderr)
            return 1
        con = db.connect(path, read_only=True)
        latest = metrics.latest_period(con)
        n = queries.scalar(con, "fact_count_current")
        print(f"数据库：{path}\n结构版本：{db.schema_version(con)}\n示例数据：{'是' if db.is_demo(con) else '否'}\n"
              f"当前数据：{n}条\n最新月份：{month_label(latest) if latest else '无'}")
        con.close()
        return 0
    return 2
