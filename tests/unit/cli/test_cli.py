"""cli.py: ``python -m civdash demo|info|migrate``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from civdash.cli.main import main
from civdash.store import db
from civdash.store.paths import ROOT
from tests.unit.conftest import held_by_another_process


def test_demo_creates_the_database_and_prints_a_summary(tmp_path, capsys) -> None:
    path = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(path), "--until", "2025-06"]) == 0
    assert path.exists()
    out = capsys.readouterr().out
    assert out.strip() == (
        f"示例数据库已生成：{path}（30个乡镇街道，2022年1月至2025年6月，共42个月，{29 * 30 * 42 - 29}条数据）"
    )

    assert main(["info", "--db", str(path)]) == 0
    info = capsys.readouterr().out.splitlines()
    assert info == [
        f"数据库：{path}",
        f"结构版本：{len(db.migrations())}",
        "示例数据：是",
        f"当前数据：{29 * 30 * 42 - 29}条",
        "最新月份：2025年6月",
    ]


def test_demo_accepts_other_month_forms(tmp_path, capsys) -> None:
    path = tmp_path / "d.duckdb"
    assert main(["demo", "--db", str(path), "--until", "2023年3月"]) == 0
    assert "2020年1月至2023年3月，共39个月" in capsys.readouterr().out


def test_demo_defaults_to_the_demo_file_and_never_overwrites_real_data(tmp_path, monkeypatch, capsys) -> None:
    demo_path, real_path = tmp_path / "demo.duckdb", tmp_path / "real.duckdb"
    monkeypatch.setenv("CIVDASH_DEMO_DB", str(demo_path))
    monkeypatch.setenv("CIVDASH_DB", str(real_path))
    assert main(["demo", "--until", "2025-06"]) == 0
    assert demo_path.exists() and not real_path.exists()
    capsys.readouterr()
    con = db.connect(real_path)  # a real (non-demo) database
    con.execute("INSERT INTO meta VALUES ('marker', 'real')")
    con.close()
    assert main(["demo", "--db", str(real_path), "--until", "2025-06"]) == 1
    assert "拒绝覆盖" in capsys.readouterr().err
    con = db.connect(real_path, read_only=True)
    assert db.get_meta(con, "marker") == "real"
    con.close()


def test_a_database_held_by_another_process_is_reported_plainly(tmp_path, capsys) -> None:
    path = tmp_path / "held.duckdb"
    db.connect(path).close()
    with held_by_another_process(path):
        assert main(["info", "--db", str(path)]) == 1
        err = capsys.readouterr().err
        assert "数据库正被看板或其他程序使用" in err and "Traceback" not in err
        assert main(["migrate", "--db", str(path)]) == 1


def test_info_on_a_missing_file(tmp_path, capsys) -> None:
    path = tmp_path / "nothing.duckdb"
    assert main(["info", "--db", str(path)]) == 1
    assert f"数据库不存在：{path}" in capsys.readouterr().err
    assert not path.exists()


def test_info_on_an_empty_database(tmp_path, capsys) -> None:
    path = tmp_path / "empty.duckdb"
    db.connect(path).close()
    assert main(["info", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "示例数据：否" in out
    assert "当前数据：0条" in out
    assert "最新月份：无" in out


def test_migrate(tmp_path, capsys) -> None:
    path = tmp_path / "new" / "m.duckdb"
    assert main(["migrate", "--db", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"数据库结构版本：{len(db.migrations())}"
    assert main(["migrate", "--db", str(path)]) == 0  # idempotent
    assert capsys.readouterr().out.strip() == f"数据库结构版本：{len(db.migrations())}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required"),
        (["bogus"], "invalid choice"),
        (["demo", "--db", "{db}", "--bogus"], "unrecognized arguments"),
        (["info", "--db"], "expected one argument"),
        (["demo", "--db", "{db}", "--until", "2025-13"], "月份超出范围：2025-13"),
        (["demo", "--db", "{db}", "--until", "暂无"], "无法识别的月份：暂无"),
    ],
)
def test_bad_arguments_return_2(argv: list[str], message: str, tmp_path, capsys) -> None:
    path = tmp_path / "x.duckdb"
    assert main([a.format(db=path) for a in argv]) == 2
    assert message in capsys.readouterr().err  # argparse explains the problem on stderr
    assert not path.exists()


def test_help_returns_0(capsys) -> None:
    assert main(["--help"]) == 0
    assert "民政数据看板" in capsys.readouterr().out


def test_python_dash_m_runs_the_cli(tmp_path) -> None:
    path = tmp_path / "nothing.duckdb"
    proc = subprocess.run([sys.executable, "-m", "civdash", "info", "--db", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "数据库不存在" in proc.stderr
