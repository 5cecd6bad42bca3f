"""``python -m civdash users``: accounts on the command line, the password never on it."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

from civdash.access import auth
from civdash.cli.main import main
from civdash.domain import townships
from civdash.store import db

PASSWORD = "correct horse 7"


def users_cmd(monkeypatch, capsys, path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["users", *args, "--db", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_reads_the_password_from_standard_input_and_sets_up_the_database(monkeypatch, capsys, tmp_path) -> None:
    path = tmp_path / "civdash.duckdb"
    code, out, err = users_cmd(monkeypatch, capsys, path, "add", "王主任", "--role", "admin", stdin=PASSWORD + "\n")
    assert code == 0 and "已新增账户：王主任（管理员）" in out and "已新建" in err
    con = db.connect(path)
    try:
        assert not db.is_demo(con) and con.execute("SELECT count(*) FROM indicator").fetchone()[0] > 0
        assert auth.login(con, "王主任", PASSWORD).user.role == "admin"
    finally:
        con.close()
    code, out, _ = users_cmd(monkeypatch, capsys, path, "list")
    assert code == 0 and out.strip() == "王主任\t管理员（admin）\t正常"


def test_passwd_disable_enable_role(monkeypatch, capsys, tmp_path) -> None:
    path = tmp_path / "civdash.duckdb"
    users_cmd(monkeypatch, capsys, path, "add", "李静", "--role", "viewer", stdin=PASSWORD + "\n")
    assert users_cmd(monkeypatch, capsys, path, "passwd", "李静", stdin="new horse 88\n")[0] == 0
    assert users_cmd(monkeypatch, capsys, path, "role", "李静", "statistician")[0] == 0
    assert users_cmd(monkeypatch, capsys, path, "disable", "李静")[0] == 0
    assert "李静\t统计员（statistician）\t停用" in users_cmd(monkeypatch, capsys, path, "list")[1]
    con = db.connect(path)
    try:
        assert auth.login(con, "李静", "new horse 88").message == "此账户已停用，请联系管理员"
        actions = [a for (a,) in con.execute("SELECT detail FROM audit_log WHERE action = 'user' ORDER BY id").fetchall()]
        assert len(actions) == 4 and all("命令行" == u for (u,) in
                                         con.execute("SELECT user_name FROM audit_log WHERE action = 'user'").fetchall())
    finally:
        con.close()


def test_refusals(monkeypatch, capsys, tmp_path) -> None:
    path = tmp_path / "civdash.duckdb"
    users_cmd(monkeypatch, capsys, path, "add", "李静", "--role", "viewer", stdin=PASSWORD + "\n")
    code, _, err = users_cmd(monkeypatch, capsys, path, "add", "李静", "--role", "admin", stdin=PASSWORD + "\n")
    assert code == 1 and "已存在" in err
    code, _, err = users_cmd(monkeypatch, capsys, path, "passwd", "李静", stdin="short\n")
    assert code == 1 and "至少需要8个字符" in err
    code, _, err = users_cmd(monkeypatch, capsys, path, "disable", "张三")
    assert code == 1 and "没有名为“张三”的用户" in err
    assert users_cmd(monkeypatch, capsys, path, "add", "张三", "--role", "root", stdin=PASSWORD + "\n")[0] == 2
    assert users_cmd(monkeypatch, capsys, tmp_path / "none.duckdb", "list")[0] == 1


def test_at_a_terminal_the_password_is_asked_twice(monkeypatch, capsys, tmp_path) -> None:
    path = tmp_path / "civdash.duckdb"
    typed = iter([PASSWORD, PASSWORD + "x"])

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert main(["users", "add", "李静", "--role", "viewer", "--db", str(path)]) == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err
    con = db.connect(path)
    try:
        assert auth.users(con) == []
    finally:
        con.close()


def test_the_password_is_not_an_argument() -> None:
    out = subprocess.run([sys.executable, "-m", "civdash", "users", "add", "-h"], capture_output=True, text=True)
    assert out.returncode == 0 and "--password" not in out.stdout


def test_a_township_account_is_added_with_its_township_by_any_name_people_write(monkeypatch, capsys, demo_snapshot,
                                                                               tmp_path) -> None:
    path = tmp_path / "bureau.duckdb"
    shutil.copy(demo_snapshot, path)
    con = db.connect(path)
    first, second = [t.name for t in townships.townships(con)[:2]]
    con.close()
    short = first[:-2] if first.endswith("街道") else first[:-1]
    code, out, err = users_cmd(monkeypatch, capsys, path, "add", "赵敏", "--role", "township", "--township", short,
                               stdin=PASSWORD + "\n")
    assert code == 0, err
    assert f"已新增账户：赵敏（乡镇填报员，所属：{first}）" in out
    code, out, _ = users_cmd(monkeypatch, capsys, path, "list")
    assert f"赵敏\t乡镇填报员（township）\t正常\t{first}" in out
    code, _, err = users_cmd(monkeypatch, capsys, path, "add", "钱多", "--role", "township", stdin=PASSWORD + "\n")
    assert code == 1 and "乡镇填报员账户需要指定所属乡镇（街道）" in err
    code, _, err = users_cmd(monkeypatch, capsys, path, "add", "孙丽", "--role", "township", "--township", "福利彩票镇",
                             stdin=PASSWORD + "\n")
    assert code == 1 and "乡镇名录中没有“福利彩票镇”" in err
    code, _, err = users_cmd(monkeypatch, capsys, path, "add", "周正", "--role", "viewer", "--township", first,
                             stdin=PASSWORD + "\n")
    assert code == 1 and "只有乡镇填报员账户才能指定所属乡镇" in err
    assert users_cmd(monkeypatch, capsys, path, "role", "赵敏", "township", "--township", first, "--township",
                     second)[0] == 0
    con = db.connect(path)
    try:
        user = auth.login(con, "赵敏", PASSWORD).user
        assert user.role == "township" and len(user.townships) == 2 and not user.sees_district
        assert [n for n in ("钱多", "孙丽", "周正") if auth.find(con, n)] == []  # refused before anything was written
    finally:
        con.close()
