"""A bureau whose first upload is November: no 累计 is labelled 1-11月 — on the report (text, Markdown, .docx, the
command line), the 数据查询 table or the labels themselves — since it holds November alone."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import docx
import pytest

from civdash import demo
from civdash.analysis import metrics, report, table
from civdash.analysis.report import ReportPeriod
from civdash.analysis.table import TableRequest
from civdash.cli.main import main
from civdash.domain.periods import ytd_label, ytd_missing
from civdash.outputs import report_docx
from civdash.store import db

NOV, DEC = date(2025, 11, 1), date(2025, 12, 1)


def says_from_january(text: str, month: int) -> bool:
    """Whether ``text`` calls a span 1-``month``月 (not 11-12月, which holds 1-12月 as letters)."""
    return re.search(rf"(?<![0-9])1-{month}月", text) is not None


@pytest.fixture(scope="module")
def november(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("november") / "november.duckdb"
    demo.build(path, until=DEC, first=NOV)  # the data start in November 2025
    con = db.connect(path, read_only=True)
    yield path, con
    con.close()


@pytest.mark.parametrize(("end", "first", "label", "missing"), [
    (date(2025, 6, 1), None, "1-6月", ""),
    (date(2025, 1, 1), None, "1月", ""),
    (date(2025, 6, 1), date(2025, 1, 1), "1-6月", ""),
    (date(2025, 6, 1), date(2024, 11, 1), "1-6月", ""),  # data since last year: the year's January is there
    (date(2025, 12, 1), date(2025, 11, 1), "11-12月", "（1-10月无数据）"),
    (date(2025, 11, 1), date(2025, 11, 1), "11月", "（1-10月无数据）"),
    (date(2025, 3, 1), date(2025, 2, 1), "2-3月", "（1月无数据）"),
])
def test_ytd_labels_start_where_the_data_start(end, first, label, missing) -> None:
    assert ytd_label(end, first) == label
    assert ytd_missing(end, first) == missing


def test_the_check_itself() -> None:
    assert says_from_january("1-11月，全区累计发放", 11) and says_from_january("（2025年1-12月）", 12)
    assert not says_from_january("2025年11-12月", 12) and not says_from_january("11月，全区", 11)


def test_first_month_of_the_year(november, demo_con) -> None:
    _, con = november
    assert metrics.first_month_of_year(con, NOV) == NOV
    assert metrics.first_month_of_year(con, date(2025, 10, 1)) is None
    assert metrics.first_month_of_year(demo_con, date(2025, 6, 1)) == date(2025, 1, 1)


def test_report_says_november_not_1_11(november, tmp_path) -> None:
    path, con = november
    made = report.build(con, ReportPeriod.of("ytd", NOV), made_on=date(2025, 12, 5))
    text = report.to_text(made)
    assert not says_from_january(text, 11) and not says_from_january(report.to_markdown(made), 11)
    assert made.title == "黔江区民政工作主要数据（2025年11月）"
    assert "11月，全区累计发放城市低保资金" in text
    assert "注：本年累计数自11月起（1-10月无数据）。" in text
    document = docx.Document(BytesIO(report_docx.to_docx(made)))
    words = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for row in t.rows for c in row.cells)
    assert not says_from_january(words, 11) and "11月，全区累计发放城市低保资金" in words
    december = report.build(con, ReportPeriod.of("ytd", DEC), made_on=date(2026, 1, 5))
    assert december.title == "黔江区民政工作主要数据（2025年11-12月）" and not says_from_january(report.to_text(december), 12)
    out = tmp_path / "汇报.md"
    assert main(["report", "--period", "2025-11", "--ytd", "--db", str(path), "-o", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert not says_from_january(written, 11) and "本年累计数自11月起" in written


def test_query_table_year_to_date_says_november(november) -> None:
    _, con = november
    t = table.build(con, TableRequest(("dibao_urban_funds",), date(2025, 1, 1), NOV, ytd=True))
    assert t.period_text == "2025年11月" and t.title == "黔江区2025年11月民政主要指标统计表"
    assert any("当年累计数（11月（1-10月无数据））" in note for note in t.notes)
    assert not any(says_from_january(note, 11) for note in t.notes)
