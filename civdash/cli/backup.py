"""``python -m civdash backup DIR [--keep N] | backup --verify FILE | restore FILE``: backups on the command line.

``backup`` works while the dashboard runs (civdash/store/backup.py says how the copy stays consistent); ``restore``
refuses while the dashboard holds the database. Without ``--db`` the bureau's database is used.
Exit codes: 0 done, 1 refused or failed (Chinese message, nothing changed), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from civdash import appdb
from civdash.domain.periods import month_label
from civdash.store import backup, db


def _keep(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError("--keep 须为正整数")
    return n


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    if command == "restore":
        p.add_argument("file", type=Path, metavar="FILE", help="备份文件")
        p.add_argument("--db", type=Path, default=None, help="要恢复的数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")
        return
    p.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="备份目录，文件名为 civdash-年月日-时分秒.duckdb")
    p.add_argument("--keep", type=_keep, metavar="N", help="只保留最新的N个备份，删除更早的")
    p.add_argument("--verify", type=Path, metavar="FILE", help="打开备份文件并显示其中的内容，不做备份")
    p.add_argument("--db", type=Path, default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "restore":
            return _restore(args)
        if args.verify is not None:
            print("\n".join(["备份可以打开，内容如下：", *summary_lines(backup.summarize(args.verify))]))
            return 0
        if args.dir is None:
            print("请指定备份目录（python -m civdash backup 目录），或用 --verify 文件 检查一个备份", file=sys.stderr)
            return 2
        return _backup(args)
    except backup.BackupError as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _backup(args: argparse.Namespace) -> int:
    path = args.db or appdb.real_store()
    result = backup.create_backup(path, args.dir, keep=args.keep)
    how = {"snapshot": "看板正在使用数据库，已取得一致的副本", "direct": "数据库未被占用，直接复制",
           "lake": "取自共享存储的同一时刻"}[result.method]
    print(f"备份完成：{result.path}（{how}，已核对各表行数并重新打开检查）")
    print("\n".join(summary_lines(result.summary)[1:]))
    for old in result.pruned:
        print(f"已删除较早的备份：{old.name}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    path = args.db or appdb.real_store()
    try:
        result = backup.restore(args.file, path)
    except db.DatabaseBusy as exc:
        print(f"拒绝恢复：{exc}", file=sys.stderr)
        return 1
    print(f"已用备份恢复数据库：{path}")
    if result.kept is not None:
        print(f"原数据库已保留为：{result.kept}")
    print("\n".join(summary_lines(result.restored)[1:]))
    print("请重新启动看板服务。" if isinstance(path, Path) else "各看板进程随即显示恢复后的数据。")
    return 0


def summary_lines(summary: backup.Summary) -> list[str]:
    """What a database file holds, as people read it."""
    latest = month_label(summary.latest_month) if summary.latest_month else "无"
    return [f"文件：{summary.path}",
            f"大小：{summary.size / 1024 / 1024:.1f} MB",
            f"结构版本：{summary.schema_version}",
            f"示例数据：{'是' if summary.is_demo else '否'}",
            f"导入批次：{summary.batches}个",
            f"当前数据：{summary.current_facts}条",
            f"最新月份：{latest}",
            f"数据版本：{summary.data_version}",
            "各表行数：" + "，".join(f"{t} {n}" for t, n in summary.tables.items())]
