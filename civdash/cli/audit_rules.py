"""``python -m civdash audit-rules list | check``: the audit rules in force, and what they find in stored data."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from civdash import appdb
from civdash.cli.args import month_arg
from civdash.domain import rules
from civdash.ingest.checks import recheck
from civdash.ingest.context import Context
from civdash.ingest.review import LEVEL_NAMES
from civdash.store import db


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    rsub = p.add_subparsers(dest="rules_command", required=True)
    q = rsub.add_parser("list", help="列出现行的审核规则")
    q.add_argument("--db", default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q = rsub.add_parser("check", help="按现行规则复查已保存的数据，列出不通过的数值（只读，不修改数据）")
    q.add_argument("--from", dest="first", type=month_arg, required=True, metavar="YYYY-MM", help="从哪个月起复查")
    q.add_argument("--db", default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")


def run(args: argparse.Namespace) -> int:
    path = Path(args.db) if args.db else appdb.real_store()
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    try:
        if args.rules_command == "list":
            return _list(rules.rules(con), args.json)
        return _check(Context(con), con, args.first, args.json)
    finally:
        con.close()


def _list(found: list[rules.AuditRule], as_json: bool) -> int:
    if as_json:
        print(json.dumps(rules.as_rows(found), ensure_ascii=False, indent=2))
        return 0
    for r in found:
        state = "" if r.enabled else "（未启用）"
        scope = f"［x：{r.applies_to}］" if r.applies_to else ""
        print(f"{r.code}  {r.tier_label}  {r.name}{state}\n    {scope}{r.expression}")
    return 0


def _check(ctx: Context, con, first: date, as_json: bool) -> int:
    found = recheck(con, first, ctx)
    if as_json:
        print(json.dumps([{"level": f.level, **f.as_dict()} for f in found], ensure_ascii=False, indent=2))
    else:
        for f in found:
            print(f"{LEVEL_NAMES[f.level]} ［{f.rule_name}］ {f.where}：{f.message}")
        hard = sum(f.level == "error" for f in found)
        print(f"复查{first.year}年{first.month}月起的已保存数据：{hard}处不符合强制性规则，{len(found) - hard}处需核实"
              "（合计行、未报送和单位的检查需要原表，复查时不做）")
    return 0
