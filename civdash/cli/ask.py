"""``python -m civdash ask "问题"``: a question in Chinese answered from the database (``civdash.analysis.ask``).

Prints the reading (读作：…) and the answer's sentence, or with ``--json`` the issue's JSON (reading, answers,
sentence, question_back, refusal, link). ``--today`` fixes the date that 上个月, 今年, 近三个月 … resolve against.

Exit codes: 0 answered, 1 refused (a word not known, a period without data, no database), 2 usage errors,
3 asked back (a word that means several things: the choices are printed). The database is opened read-only, so the
command line does not write the audit log (questions asked in the dashboard are logged).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from civdash import appdb
from civdash.analysis import ask
from civdash.store import db, integrity


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期须写成 YYYY-MM-DD：{text}") from None


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("question", metavar="问题", help="要问的问题，用引号括起来")
    p.add_argument("--db", type=Path, default=None, help="数据库文件（默认为看板正在使用的数据库）")
    p.add_argument("--today", type=_day, default=None, metavar="YYYY-MM-DD",
                   help="“上个月”“今年”“近三个月”等按这一天理解（默认今天）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出读法、数值和回答")


def run(args: argparse.Namespace) -> int:
    path = args.db or appdb.app_database()[0]
    if not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    try:
        integrity.require_intact(con)  # never an answer from a damaged database: main() prints the refusal
        out = ask.ask(con, args.question, today=args.today, audit=False)
    finally:
        con.close()
    code = 1 if out.refusal else 3 if out.question_back else 0
    if args.json:
        print(json.dumps(out.as_json(), ensure_ascii=False, indent=2, default=str))
        return code
    if out.reading is not None and out.reading.indicators:
        print("读作：" + " · ".join(c.text for c in out.reading.chips()))
    if out.refusal:
        print(out.refusal)
    elif out.question_back:
        print(out.question_back["text"])
        for k, choice in enumerate(out.question_back["choices"], start=1):
            again = f"（可问：{choice['question']}）" if choice.get("question") else ""
            print(f"  {k}. {choice['text']}{again}")
    else:
        print(out.sentence)
    return code
