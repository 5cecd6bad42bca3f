"""``python -m civdash import | batches | rollback``: the upload engine on the command line.

Exit codes: 0 committed (or a dry run without errors), 1 refused (errors or hard findings, soft findings without an
explanation from ``--explain``, ``--strict`` with any warning or soft finding, the database busy or a demo), 2 usage
errors (argparse; a file that does not exist; an explanations file that cannot be read). A database that does not exist yet
is built beside its final name and only moved into place once the import is committed, so a refused first
import leaves no empty database behind (the dashboard would otherwise switch from the demo to it).
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from civdash import appdb
from civdash.domain import times
from civdash.domain.periods import month_label
from civdash.ingest.commit import CommitError, batches, rollback
from civdash.ingest.context import Options
from civdash.ingest.extract import LAYOUT_NAMES
from civdash.ingest.review import LEVEL_NAMES
from civdash.ingest.upload import Plan, commit, prepare, refusal
from civdash.store import db, integrity


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "命令行"


@contextmanager
def _database(path: appdb.Target, dry_run: bool) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path | None]]:
    """The database to import into; for a missing file a fresh one (in memory for a dry run, else built beside
    its final name, which the caller moves into place on success: ``appdb.move_into_place``)."""
    if appdb.exists(path):
        con = db.connect(path)
        try:
            yield con, None
        finally:
            con.close()
        return
    fresh = None if dry_run else appdb.building_path(path)
    con = appdb.blank_database(fresh or ":memory:")
    try:
        yield con, fresh
    finally:
        con.close()
        if fresh is not None and fresh.exists() and not path.exists():
            fresh.unlink()  # not moved into place: the import did not commit


def run_import(args) -> int:
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print("文件不存在：" + "、".join(str(m) for m in missing), file=sys.stderr)
        return 2
    path = args.db
    if appdb.exists(path):
        probe = db.connect(path, read_only=True)
        try:
            demo = db.is_demo(probe)
            report = integrity.check(probe)
            damaged = None if report.ok else report
        finally:
            probe.close()
        if demo:
            print(f"{path} 是示例数据库，正式数据不能导入示例数据库；请导入正式数据库（默认 data/civdash.duckdb）。",
                  file=sys.stderr)
            return 1
        if damaged is not None:  # refused before the file is read; the commit would refuse it too
            print(f"未导入：{damaged.message()}", file=sys.stderr)
            return 1
    try:
        explanations = read_explanations(args.explain) if args.explain else {}
    except (OSError, ValueError) as exc:
        print(f"核实说明文件无法读取：{args.explain}：{exc}", file=sys.stderr)
        return 2
    files = [(Path(f).name, Path(f).read_bytes()) for f in args.files]
    options = Options(period=args.period, allow_new_townships=args.allow_new_townships,
                      include_hidden=args.include_hidden)
    with _database(path, args.dry_run) as (con, fresh):
        plan = prepare(con, files, options)
        refused = refusal(plan, args.strict, explanations)
        batch_id = None
        if refused is None and not args.dry_run:
            try:
                result = commit(con, plan, user_name=_user(), source="cli", strict=args.strict,
                                explanations=explanations)
            except CommitError as exc:
                refused = str(exc)
            else:
                batch_id = result.batch_id
                if fresh is not None:
                    appdb.move_into_place(con, fresh, path)
        if args.json:
            print(json.dumps(plan.as_json(batch_id is not None, batch_id), ensure_ascii=False, indent=2))
        else:
            _print_plan(plan)
            if refused:
                print(f"未导入：{refused}", file=sys.stderr)
            elif args.dry_run:
                print(f"试运行：可以导入{plan.fact_count}条数据（未保存）")
            else:
                print(f"已导入：批次{batch_id}，{plan.fact_count}条数据（新增{result.new}、修改{result.changed}、"
                      f"未变{result.unchanged}），月份：{'、'.join(month_label(p) for p in result.periods)}")
    return 1 if refused else 0


def _print_plan(plan: Plan) -> None:
    counts = plan.facts_per_sheet()
    for no, s in enumerate(plan.sheets):
        if s.layout:
            print(f"{s.where}：{s.period_label() or '期间不明'}，{LAYOUT_NAMES[s.layout]}，"
                  f"{counts.get(no, 0)}条数据，{len(s.townships)}个乡镇（街道）")
        for f in s.findings:
            rule = f" ［{f.rule_name}］" if f.rule_name else ""
            print(f"  {LEVEL_NAMES[f.level]}{rule} {f.where}：{f.message}")


def read_explanations(path: Path) -> dict[str, str]:
    """Explanations for soft findings: a JSON object, or a CSV of two columns (a rule's code or name, or a cell's place
    'file › sheet › C12'; the explanation), with or without a header row."""
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("{"):
        found = json.loads(text)
        if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
            raise ValueError("JSON 应为 {\"规则代码或位置\": \"说明\"}")
        return {str(k): v for k, v in found.items()}
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0].strip() and row[0].strip() not in ("规则", "位置", "规则或位置"):
            out[row[0].strip()] = row[1].strip()
    return out


def run_batches(args) -> int:
    path = args.db
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    try:
        df = batches(con)
    finally:
        con.close()
    if df.empty:
        print("还没有导入记录")
        return 0
    status = {"committed": "有效", "rolled_back": "已撤销"}
    for b in df.itertuples():
        months = "" if b.first_period is None or str(b.first_period) == "NaT" else (
            f"，{month_label(b.first_period)}" + ("" if b.first_period == b.last_period
                                                  else f"至{month_label(b.last_period)}"))
        print(f"批次{b.id}  {times.beijing(b.created_at)}  {status.get(b.status, b.status)}  {b.user_name or ''}  "
              f"{b.files or '（无文件）'}{months}，{b.facts}条（当前有效{b.current_facts}条）")
    return 0


def run_rollback(args) -> int:
    path = args.db
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    con = db.connect(path)
    try:
        result = rollback(con, args.batch_id, user_name=_user())
    except CommitError as exc:
        print(f"未撤销：{exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"已撤销批次{result.batch_id}：恢复{result.restored}条原有数据，移除{result.removed}条此前没有的数据")
    return 0
