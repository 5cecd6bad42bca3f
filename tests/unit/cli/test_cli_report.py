"""``python -m civdash report``: exit codes, messages and the files written (the same bytes as the renderings)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from civdash.analysis import report
from civdash.analysis.report import ReportPeriod
from civdash.cli.main import main
from civdash.domain import times
from civdash.store import db


@pytest.fixture
def demo_db(demo_path: Path) -> Path:
    return demo_path


def _report(path: Path, kind: str, sections: list[str] | None = None) -> report.Report:
    con = db.connect(path, read_only=True)
    try:
        return report.build(con, ReportPeriod.of(kind, date(2025, 6, 1)), sections, made_on=times.today_beijing())
    finally:
        con.close()


def test_markdown_of_the_half_year(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "汇报.md"
    assert main(["report", "--period", "2025-06", "--ytd", "--db", str(demo_db), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == report.to_markdown(_report(demo_db, "ytd"))
    assert out.read_text(encoding="utf-8").startswith("# 黔江区民政工作主要数据（2025年1-6月）\n")
    assert "已生成" in capsys.readouterr().out


def test_docx_of_a_quarter_with_chosen_sections(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.docx"
    code = main(["report", "--period", "2025-05", "--quarter", "--sections", "养老服务", "社会救助",
                     "--db", str(demo_db), "-o", str(out)])
    assert code == 0
    doc = Document(io.BytesIO(out.read_bytes()))
    expected = _report(demo_db, "quarter", ["社会救助", "养老服务"])
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "黔江区民政工作主要数据（2025年第二季度）"
    # each section's chart (a picture in a paragraph of its own) under its paragraph, as the page's download has it
    assert texts[2:8] == ["一、社会救助", expected.sections[0].paragraph, "", "二、养老服务",
                          expected.sections[1].paragraph, ""]
    assert len(doc.inline_shapes) == 2
    assert len(doc.tables[0].rows) == 1 + len(expected.figures)


def test_text_of_a_month(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    assert main(["report", "--period", "2025年6月", "--db", str(demo_db), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == report.to_text(_report(demo_db, "month"))


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2025-07"], "2025年7月没有数据（最新数据为2025年6月）"),
    (["--period", "2025-06", "--sections", "社会救助", "殡葬管理"], "未知的栏目：殡葬管理"),
])
def test_refused(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                 message: str) -> None:
    out = tmp_path / "r.docx"
    assert main(["report", *args, "--db", str(demo_db), "-o", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.md"
    assert main(["report", "--period", "2025-06", "--db", str(tmp_path / "none.duckdb"), "-o", str(out)]) == 1
    assert "数据库不存在" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("args", [
    ["--period", "2025-13", "-o", "r.md"],
    ["--period", "2025-06", "--ytd", "--quarter", "-o", "r.md"],
    ["--period", "2025-06"],
    ["--period", "2025-06", "-o", "r.pdf"],
])
def test_usage_errors(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", *args, "--db", str(demo_db)]) == 2
    assert list(tmp_path.iterdir()) == []
