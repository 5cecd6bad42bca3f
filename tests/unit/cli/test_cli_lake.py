"""Every ``python -m civdash`` command on a fresh shared store (issue 16, item 8).

docs/deployment.md says the first process to open a new DuckLake sets it up (schema and catalog). A command that
opened the lake read-only (``import``'s demo check, ``info``, ``batches``, ``export``, ``report``, ``audit-rules``)
skipped that and crashed on the missing ``meta`` table; ``export`` and ``report`` called ``Path(...)`` on the lake;
``audit-rules`` read the local file instead of the lake. Each command runs as the very first command on a brand-new
lake (in this process: an uncaught exception fails the test), then all of them in sequence on one lake as people run
them, each in its own process with the lake's environment; exit codes are asserted and no traceback may reach stderr.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from civdash import appdb
from civdash.cli.main import main
from civdash.store import backup, db
from tests import ingest_fixtures as fx

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "lake-first-run-9"


def civdash(lake, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """``python -m civdash ARGS`` in a process of its own, with the lake's settings and no local database."""
    env = {**os.environ, "CIVDASH_STORE": "ducklake", "CIVDASH_CATALOG": lake.catalog,
           "CIVDASH_DATA_PATH": lake.data_path, "CIVDASH_DB": str(Path(lake.data_path).parent / "no-file.duckdb")}
    return subprocess.run([sys.executable, "-m", "civdash", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)


def ok(done: subprocess.CompletedProcess, code: int = 0) -> subprocess.CompletedProcess:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A long table of 2025-04 to 2025-06 (270 values, 30 townships), and a backup of a civdash database file."""
    directory = tmp_path_factory.mktemp("lake-cli")
    source = directory / "source.duckdb"
    appdb.blank_database(source).close()  # schema and catalog, as a bureau's first database
    made = backup.create_backup(source, directory / "backups").path
    return {"csv": fx.write_csv(directory, encoding="gbk"), "backup": made, "dir": directory}


def first_commands(files: dict[str, Path], out: Path) -> list[tuple[list[str], int, str]]:
    """(arguments, exit code, a line of stdout or stderr) of each command as the first one on a new lake."""
    return [
        (["info"], 0, f"结构版本：{db.migrations()[-1][0]}"),
        (["batches"], 0, "还没有导入记录"),
        (["import", str(files["csv"]), "--allow-new-townships"], 0, "已导入：批次1，270条数据"),
        (["rollback", "1"], 1, "未撤销：没有编号为1的导入批次"),
        (["export", "--from", "2025-04", "--to", "2025-06", "-o", str(out / "x.csv")], 0, "已导出"),
        (["report", "--period", "2025-06", "-o", str(out / "r.md")], 1, "没有"),
        (["users", "list"], 0, ""),
        (["users", "add", "王主任", "--role", "admin"], 0, "王主任"),
        (["audit-rules", "check", "--from", "2025-01"], 0, "复查2025年1月起的已保存数据：0处"),
        (["backup", str(out / "b")], 0, "取自共享存储的同一时刻"),
        (["restore", str(files["backup"])], 0, "各看板进程随即显示恢复后的数据"),
    ]


@pytest.mark.parametrize("n", range(11))
def test_each_command_as_the_first_on_a_new_lake(n, postgres, files, tmp_path, monkeypatch, capsys) -> None:
    args, code, says = first_commands(files, tmp_path)[n]
    lake = postgres.new_lake(tmp_path / "lake-data")
    for name, value in (("CIVDASH_STORE", "ducklake"), ("CIVDASH_CATALOG", lake.catalog),
                        ("CIVDASH_DATA_PATH", lake.data_path), ("CIVDASH_DB", str(tmp_path / "no-file.duckdb"))):
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(args) == code
    out, err = capsys.readouterr()
    assert says in out + err
    if code == 1:
        assert err.strip()  # refused in words
    assert not (tmp_path / "no-file.duckdb").exists()  # the lake was used, never the local file


def test_the_commands_in_sequence_on_one_lake(postgres, files, tmp_path) -> None:
    lake = postgres.new_lake(tmp_path / "lake-data")
    ok(civdash(lake, "import", str(files["csv"])), 1)  # unknown townships: refused in words, nothing stored
    assert "还没有导入记录" in ok(civdash(lake, "batches")).stdout
    assert "已导入：批次1，270条数据" in ok(civdash(lake, "import", str(files["csv"]), "--allow-new-townships")).stdout
    assert "批次1" in ok(civdash(lake, "batches")).stdout
    assert "当前数据：270条" in ok(civdash(lake, "info")).stdout
    ok(civdash(lake, "export", "--from", "2025-04", "--to", "2025-06", "-o", str(tmp_path / "x.csv")))
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert len((tmp_path / "x.csv").read_text(encoding="utf-8-sig").splitlines()) > 30  # 30 townships and more
    ok(civdash(lake, "report", "--period", "2025-06", "-o", str(tmp_path / "r.txt")))
    assert "2025年6月" in (tmp_path / "r.txt").read_text(encoding="utf-8")
    ok(civdash(lake, "audit-rules", "check", "--from", "2025-04"))
    ok(civdash(lake, "users", "add", "李静", "--role", "statistician", stdin=PASSWORD + "\n"))
    assert "李静" in ok(civdash(lake, "users", "list")).stdout
    ok(civdash(lake, "backup", str(tmp_path / "b"), "--keep", "2"))
    [made] = (tmp_path / "b").iterdir()
    assert "导入批次：1个" in ok(civdash(lake, "backup", "--verify", str(made))).stdout
    with duckdb.connect(str(made), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 270
        assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 1
    assert "已撤销批次1" in ok(civdash(lake, "rollback", "1")).stdout
    assert "当前数据：0条" in ok(civdash(lake, "info")).stdout
    ok(civdash(lake, "restore", str(made)))
    assert "当前数据：270条" in ok(civdash(lake, "info")).stdout
    ok(civdash(lake, "demo", "--db", str(tmp_path / "demo.duckdb"), "--until", "2025-06"))


def test_an_unexpected_error_is_a_sentence_not_a_traceback(tmp_path, monkeypatch, capsys) -> None:
    def broken(args) -> int:
        raise duckdb.IOException("IO Error: simulated, password=secret")

    monkeypatch.setattr("civdash.cli.uploads.run_batches", broken)
    assert main(["batches", "--db", str(tmp_path / "x.duckdb")]) == 1
    err = capsys.readouterr().err
    assert err == "命令未完成：数据库出错（IOException: IO Error: simulated, password=***）。\n"
