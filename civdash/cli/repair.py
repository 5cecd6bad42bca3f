"""``python -m civdash repair [--check]``: the integrity check of the stored values, and the repair of what a crash
during a save leaves behind (``civdash.store.integrity``).

Exit codes: 0 nothing wrong, or repaired; 1 problems left (``--check``: any problem; else ones that need a backup), the
database missing, busy or unreadable; 2 usage. Every message is in Chinese; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from civdash import appdb
from civdash.store import db, integrity, queries


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("--check", action="store_true", help="只检查，不修改")
    p.add_argument("--db", type=Path, default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")


def run(args: argparse.Namespace) -> int:
    path = args.db or appdb.real_store()
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    try:
        con = db.connect(path)
    except db.DatabaseBusy:
        raise
    except duckdb.Error as exc:
        print(f"数据库无法打开，未做任何改动：{path}：{exc}。请用最近的备份恢复（python -m civdash restore 备份文件）。",
              file=sys.stderr)
        return 1
    try:
        return _check_or_repair(con, path, args.check)
    except duckdb.Error as exc:
        print(f"修复未完成，数据未做任何改动：{exc}", file=sys.stderr)
        return 1
    finally:
        con.close()


def _check_or_repair(con: duckdb.DuckDBPyConnection, path: object, check_only: bool) -> int:
    report = integrity.check(con)
    if report.ok:
        print(f"数据库完整性检查通过：{path}，当前数据{queries.scalar(con, 'fact_count_current')}条，没有需要修复的问题。")
        return 0
    print(f"数据库完整性检查发现问题：{path}")
    for line in report.lines():
        print(f"  - {line}")
    if check_only:
        print(f"未做任何改动。运行 {integrity.REPAIR_COMMAND}（不带 --check）进行修复。")
        return 1
    result = integrity.repair(con)
    done = []
    if result.removed_rows:
        done.append(f"删除了{result.removed_rows}条不属于任何导入批次的数据（保存中断留下的，批次编号"
                    f"{'、'.join(str(i) for i in result.before.orphan_batches)}从未保存成功）")
    if result.before.duplicate_keys or result.before.not_committed_keys or result.before.missing_keys:
        done.append("每个“指标-乡镇-月份”恢复为唯一的当前值：取仍然有效的最新批次中的数值（与撤销批次的规则相同）")
    print("已修复：")
    for line in done:
        print(f"  - {line}")
    if result.after.ok:
        print(f"修复后检查通过，当前数据{queries.scalar(con, 'fact_count_current')}条。中断的那次导入没有保存，"
              "请重新导入该报表；然后可以启动看板。")
        return 0
    print("修复后仍有无法自动修复的问题：", file=sys.stderr)
    for line in result.after.lines():
        print(f"  - {line}", file=sys.stderr)
    print("这些批次的数据已丢失，请用最近的备份恢复（python -m civdash restore 备份文件），再重新导入之后的报表。",
          file=sys.stderr)
    return 1
