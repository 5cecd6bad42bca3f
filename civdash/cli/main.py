"""Command line: ``python -m civdash COMMAND [--db PATH] ...``.

A command starts without importing what the others need. The parser is built from light declarations: the commands
declared here import their libraries when they run; a command with a module of its own (``civdash/cli/<module>.py``:
``add_arguments`` and ``run``) has that module imported, and its arguments declared, only when it is the command
given; the others are listed with their help line, so ``--help`` reads the same.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Collection
from pathlib import Path
from types import ModuleType

from civdash.cli.args import month_arg

# The commands a module of their own declares and runs: command → (module under civdash.cli, help line), in the
# order ``--help`` lists them, after the commands declared here.
MODULES: dict[str, tuple[str, str]] = {
    "export": ("export", "导出数据查询表（.xlsx 统计表格式或 .csv）"),
    "report": ("report", "生成汇报材料（主要数据文字稿 .docx / .md / .txt）"),
    "users": ("users", "账户管理：add 新增、list 列出、passwd 改密码、disable 停用、enable 启用"),
    "backup": ("backup", "备份数据库到目录（看板运行时也可执行）；--verify 检查一个备份文件"),
    "restore": ("backup", "用备份文件恢复数据库（须先停止看板服务）"),
    "audit-rules": ("audit_rules", "审核规则：列出规则（list），或按现行规则复查已保存的数据（check --from 月份）"),
    "repair": ("repair", "检查数据库完整性，修复保存中断（断电、进程被强制结束）留下的问题（须先停止看板服务）"),
    "ask": ("ask", "问数：用中文提问，从数据库中回答（如“城东街道今年1-6月城市低保金发了多少”）"),
}
UPLOADS = {"import": "run_import", "batches": "run_batches", "rollback": "run_rollback"}  # civdash.cli.uploads


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")


def _module(command: str) -> ModuleType:
    return importlib.import_module(f"civdash.cli.{MODULES[command][0]}")


def build_parser(full: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The parser. A command with a module of its own has its arguments declared (and its module imported) when it
    is in ``full`` (None: every command); otherwise it is listed with its help line only."""
    parser = argparse.ArgumentParser(prog="python -m civdash", description="民政数据看板 命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="生成示例区县数据库（黔江区，30个乡镇街道）")
    p.add_argument("--db", type=Path, default=None, help="示例数据库文件（默认 CIVDASH_DEMO_DB 或 data/demo.duckdb）")
    p.add_argument("--until", type=month_arg, help="最后一个月份 YYYY-MM（默认上一个完整月份）")
    p = sub.add_parser("info", help="显示数据库概况")
    _db_arg(p)
    p = sub.add_parser("migrate", help="升级数据库结构到最新版本；--to ducklake 把本机数据库迁入共享存储")
    _db_arg(p)
    p.add_argument("--to", choices=["ducklake"], help="把 --db（默认 CIVDASH_DB 或 data/civdash.duckdb）迁入 "
                   "CIVDASH_STORE=ducklake 设置的共享存储，核对后才提交")
    p = sub.add_parser("import", help="导入统计报表（.xlsx/.xlsm/.xls/.ods/.csv），全部无误才保存")
    p.add_argument("files", nargs="+", metavar="FILE", help="要导入的文件，可多个（一次导入为一个批次）")
    _db_arg(p)
    p.add_argument("--period", type=month_arg, help="文件中写不出期间时使用的月份 YYYY-MM")
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
    for command, (_, help_line) in MODULES.items():
        p = sub.add_parser(command, help=help_line)
        if full is None or command in full:
            _module(command).add_arguments(p, command)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option (the parser has no option of its own that
    takes a value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(full={_command(argv)} & MODULES.keys())
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return _run(args)
    except Exception as exc:  # a refusal in Chinese; the last resort: a person reads a sentence, never a traceback
        return _refused_or_failed(exc)


def _refused_or_failed(exc: Exception) -> int:
    """A refusal the store or a transfer raises is printed as it is; anything else says that the command did not
    finish and why, in Chinese (the traceback only with ``CIVDASH_DEBUG=1``)."""
    import duckdb

    from civdash.store import db, ducklake, integrity, transfer

    if isinstance(exc, db.DatabaseBusy | ducklake.StoreError | transfer.TransferError | integrity.DatabaseDamaged):
        print(str(exc), file=sys.stderr)
        return 1
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
    from civdash.store import db

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
    from civdash.store import ducklake, transfer

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
    if args.command in MODULES:
        return _module(args.command).run(args)
    if args.command == "demo":
        return _demo(args)
    if args.command == "migrate" and args.to:
        from civdash.store.paths import real_db_path

        return _move_into_lake(args.db or real_db_path())
    from civdash import appdb

    path = args.db or appdb.real_store()
    if args.command in UPLOADS:
        from civdash.cli import uploads

        args.db = path
        return getattr(uploads, UPLOADS[args.command])(args)
    if args.command == "migrate":
        from civdash.store import db

        con = db.connect(path)
        print(f"数据库结构版本：{db.schema_version(con)}")
        con.close()
        return 0
    if args.command == "info":
        return _info(path)
    return 2


def _demo(args: argparse.Namespace) -> int:
    from civdash import demo
    from civdash.domain.periods import month_label
    from civdash.store.paths import demo_db_path

    path = args.db or demo_db_path()
    if _is_real_database(path):
        print(f"拒绝覆盖：{path} 不是示例数据库（可能是正式数据）。请用 --db 指定另一个文件。", file=sys.stderr)
        return 1
    s = demo.build(path, until=args.until)
    print(f"示例数据库已生成：{path}（{s.townships}个乡镇街道，{month_label(s.first)}至{month_label(s.last)}，"
          f"共{s.months}个月，{s.facts}条数据）")
    return 0


def _info(path) -> int:
    from civdash import appdb
    from civdash.analysis import metrics
    from civdash.domain.periods import month_label
    from civdash.store import db, queries

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
