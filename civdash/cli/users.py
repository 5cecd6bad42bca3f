"""``python -m civdash users add | list | passwd | disable | enable``: accounts on the command line.

A password is asked twice at a terminal; when standard input is not a terminal it is read from its first line
(for scripts: ``printf '%s\\n' "$PW" | python -m civdash users add 李静 --role statistician``). It never appears
on the command line. Without ``--db`` the bureau's database is used; when it does not exist yet, an empty one is
set up (catalog, no townships, no data): creating the first account is how a bureau starts using civdash, and
the dashboard then serves it instead of the demo. Exit codes: 0 done, 1 refused (Chinese message), 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from civdash import appdb
from civdash.access import auth
from civdash.domain import townships
from civdash.store import db


def add_arguments(p: argparse.ArgumentParser, command: str) -> None:
    actions = p.add_subparsers(dest="users_command", required=True)
    a = actions.add_parser("add", help="新增账户（密码在终端输入两次，或从标准输入读取）")
    a.add_argument("name", metavar="NAME", help="用户名")
    a.add_argument("--role", required=True, choices=list(auth.ROLES),
                   help="viewer 查看、township 乡镇填报员、statistician 统计员、admin 管理员")
    _township_arguments(a)
    actions.add_parser("list", help="列出账户")
    a = actions.add_parser("passwd", help="设置新密码（同时解除锁定）")
    a.add_argument("name", metavar="NAME")
    a = actions.add_parser("disable", help="停用账户")
    a.add_argument("name", metavar="NAME")
    a = actions.add_parser("enable", help="重新启用账户")
    a.add_argument("name", metavar="NAME")
    a = actions.add_parser("role", help="更改角色")
    a.add_argument("name", metavar="NAME")
    a.add_argument("new_role", choices=list(auth.ROLES), metavar="ROLE")
    _township_arguments(a)
    for parser in actions.choices.values():
        parser.add_argument("--db", type=Path, default=None, help="数据库文件（默认 CIVDASH_DB 或 data/civdash.duckdb）")


def _township_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--township", action="append", default=[], metavar="乡镇",
                        help="乡镇填报员所属的乡镇（街道），名称、简称或曾用名均可；可重复以指定多个")
    parser.add_argument("--sees-district", action="store_true", help="乡镇填报员也可查看全区合计")


def township_ids(con, names: list[str]) -> list[int]:
    """The registered townships ``names`` name (full, short or former names: the registry's one matcher); refused in
    words for a name that is none, with the nearest names."""
    matcher = townships.TownshipMatcher(con)
    district = townships.district(con)
    ids = []
    for name in names:
        found = matcher.owner(name)
        if found is None or (district is not None and found == district.id):
            near = townships.suggest_townships(con, name)
            raise auth.AccountError(f"乡镇名录中没有“{name}”" + (f"，是否指：{'、'.join(near)}" if near else ""))
        ids.append(found)
    return ids


def read_password(confirm: bool = True) -> str | None:
    """The new password: typed twice at a terminal, or the first line of standard input. None when they differ."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码：")
    if confirm and getpass.getpass("再输入一次：") != first:
        return None
    return first


def run(args: argparse.Namespace) -> int:
    path = args.db or appdb.real_store()
    if args.users_command == "list" and not appdb.exists(path):
        print(f"数据库不存在：{path}", file=sys.stderr)
        return 1
    con = _open(path)
    try:
        return _run(con, args)
    except auth.AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        con.close()


def _open(path: appdb.Target):
    """The database at ``path``; an empty bureau database set up there first when there is none (a lake sets
    itself up when first opened)."""
    if appdb.exists(path):
        return db.connect(path)
    building = appdb.building_path(path)
    con = appdb.blank_database(building)
    appdb.move_into_place(con, building, path)
    print(f"尚无正式数据库，已新建：{path}（看板将显示正式数据库；上传本单位报表后即有数据）", file=sys.stderr)
    return db.connect(path)


def _run(con, args: argparse.Namespace) -> int:
    by = "命令行"
    if args.users_command == "list":
        accounts = auth.users(con)
        if not accounts:
            print("还没有账户。用 python -m civdash users add 用户名 --role admin 创建第一个管理员。")
        for u in accounts:
            state = "停用" if u.disabled else ("锁定中" if u.locked_until else "正常")
            scope = f"\t{'、'.join(_names(con, u.townships))}" if u.townships else ""
            print(f"{u.name}\t{u.role_name}（{u.role}）\t{state}{scope}")
        return 0
    if args.users_command in ("disable", "enable"):
        auth.set_disabled(con, args.name, args.users_command == "disable", by=by)
        print(f"已{'停用' if args.users_command == 'disable' else '启用'}账户：{args.name}")
        return 0
    if args.users_command == "role":
        auth.set_role(con, args.name, args.new_role, by=by,
                      townships=township_ids(con, args.township) if args.township else None)
        print(f"已将{args.name}的角色改为{auth.ROLES[args.new_role]}")
        return 0
    if args.users_command == "add" and auth.find(con, args.name) is not None:
        raise auth.AccountError(f"用户名“{args.name.strip()}”已存在")  # before asking for a password
    ids = township_ids(con, args.township) if args.users_command == "add" else []
    if args.users_command == "add":  # a township account without its township is refused before the password
        auth.check_townships(con, args.role, ids)
    if args.users_command == "passwd" and auth.find(con, args.name) is None:
        raise auth.AccountError(f"没有名为“{args.name.strip()}”的用户")
    password = read_password()
    if password is None:
        print("两次输入的密码不一致，未做任何改动", file=sys.stderr)
        return 1
    if args.users_command == "add":
        user = auth.add_user(con, args.name, args.role, password, by=by, townships=ids,
                             sees_district=args.sees_district)
        scope = f"，所属：{'、'.join(_names(con, user.townships))}" if user.townships else ""
        print(f"已新增账户：{user.name}（{user.role_name}{scope}）")
    else:
        auth.set_password(con, args.name, password, by=by)
        print(f"已为{args.name}设置新密码")
    return 0


def _names(con, ids: tuple[int, ...]) -> list[str]:
    names = {t.id: t.name for t in townships.townships(con)}
    return [names.get(t, str(t)) for t in ids]
