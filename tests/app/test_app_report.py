"""汇报材料 (pages/report.py): the text on screen is the report for the period and sections in the URL, switching the
period kind changes it, and the downloads are that report as .docx (A4, with a chart per section) and .md."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

from civdash.analysis import report
from civdash.analysis.report import ReportPeriod
from civdash.domain import times
from tests.app.conftest import shown as displayed

PAGE = "pages/report.py"
JUNE = date(2025, 6, 1)
ALL = ["社会救助", "儿童福利", "残疾人福利", "养老服务", "智慧民政", "基层治理", "婚姻登记"]


def expected(sql, kind: str, month: date = JUNE, sections: list[str] | None = None) -> report.Report:
    """The report built on the session's demo snapshot (a byte-identical copy of the file the app serves)."""
    return report.build(sql.con, ReportPeriod.of(kind, month), sections, made_on=times.today_beijing())


def shown_text(at) -> str:
    (code,) = at.code
    return code.value


def buttons(at, downloads) -> dict[str, bytes]:
    return {b.proto.label: downloads[b.proto.url] for b in at.get("download_button")}


def test_default_is_the_year_to_date_of_the_latest_month(app, clean, sql) -> None:
    at = app(PAGE)
    clean(at)
    want = expected(sql, "ytd")
    assert shown_text(at) == report.to_text(want)
    assert shown_text(at).startswith("黔江区民政工作主要数据（2025年1-6月）\n")
    assert [displayed(h.value) for h in at.subheader] == [want.title]
    assert at.multiselect(key="r_sections").value == ALL
    assert at.segmented_control(key="r_kind").value == "ytd"


def test_switching_the_period_kind_changes_the_text(app, clean, sql) -> None:
    at = app(PAGE, r_kind="月度", r_month="2025年5月")
    clean(at)
    assert shown_text(at) == report.to_text(expected(sql, "month", date(2025, 5, 1)))
    assert "5月，全区发放城市低保资金" in shown_text(at)
    at.segmented_control(key="r_kind").set_value("quarter").run()
    clean(at)
    assert at.selectbox(key="r_quarter").value == "2025-06"
    assert shown_text(at) == report.to_text(expected(sql, "quarter"))
    assert "二季度，全区发放城市低保资金" in shown_text(at)
    at.selectbox(key="r_quarter").set_value("2025-03").run()
    clean(at)
    assert shown_text(at).startswith("黔江区民政工作主要数据（2025年第一季度）")


def test_sections_from_the_url(app, clean, sql) -> None:
    at = app(PAGE, r_kind="1-N月累计", r_month="2025年3月", r_sections=["婚姻登记", "社会救助"])
    clean(at)
    want = expected(sql, "ytd", date(2025, 3, 1), ["社会救助", "婚姻登记"])
    assert shown_text(at) == report.to_text(want)
    assert [s.heading for s in want.sections] == ["一、社会救助", "二、婚姻登记"]
    at.multiselect(key="r_sections").set_value([]).run()
    clean(at)
    assert not at.code
    assert any("请选择至少一个栏目" in i.value for i in at.info)


@pytest.mark.timeout(120)
def test_downloads_are_the_report_as_docx_and_markdown(app, clean, sql, downloads) -> None:
    at = app(PAGE, r_kind="月度", r_month="2025年6月")
    clean(at)
    want = expected(sql, "month")
    got = buttons(at, downloads)
    assert set(got) == {"下载 Word 文档（.docx）", "下载 Markdown（.md）"}
    assert got["下载 Markdown（.md）"].decode("utf-8") == report.to_markdown(want)
    doc = Document(io.BytesIO(got["下载 Word 文档（.docx）"]))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "黔江区民政工作主要数据（2025年6月）"
    assert paragraphs[2:4] == ["一、社会救助", want.sections[0].paragraph]
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows][1:] == [list(r) for r in report.appendix_rows(want)]
    # on A4 with the 公文 margins, and each section's chart under its paragraph
    section = doc.sections[0]
    assert [round(x / 360000, 2) for x in (section.page_width, section.page_height, section.top_margin,
                                           section.bottom_margin, section.left_margin, section.right_margin)] == [
        21.0, 29.7, 3.7, 3.5, 2.8, 2.6]
    assert len(doc.inline_shapes) == len(want.sections)
    images = [rel.target_part.blob for rel in doc.part.rels.values() if rel.reltype.endswith("/image")]
    assert len(images) == len(want.sections) and all(b.startswith(b"\x89PNG") for b in images)
    names = {b.proto.label: b.proto.url for b in at.get("download_button")}
    assert all(url for url in names.values())


def test_download_file_names_carry_the_period(app, clean, file_names) -> None:
    at = app(PAGE, r_kind="1-N月累计", r_month="2025年6月")
    clean(at)
    assert sorted(file_names[b.proto.url] for b in at.get("download_button")) == [
        "黔江区民政工作主要数据_2025年1-6月.docx", "黔江区民政工作主要数据_2025年1-6月.md"]
    at.segmented_control(key="r_kind").set_value("quarter").run()
    assert "黔江区民政工作主要数据_2025年第二季度.docx" in {file_names[b.proto.url] for b in at.get("download_button")}
