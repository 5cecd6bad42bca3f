"""A ``report.Report`` as a Word document (.docx, python-docx), in the layout of a bureau's written material.

Title (宋体 bold 二号, centred), 生成日期 (仿宋, centred), section headings (黑体 三号), paragraphs (仿宋 三号, first line
indented two characters, 1.5 line spacing), notes, then the appendix table of the figures used (指标, 单位, 本期, 上期,
上年同期, 变化; 宋体 小五). Chinese text needs the East Asian font set on every run (``w:eastAsia``): Word and WPS
otherwise fall back to a Latin font's substitute.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from civdash.analysis.report import APPENDIX_HEADER, APPENDIX_TITLE, Report, appendix_rows

SONG, FANGSONG, HEI = "宋体", "仿宋", "黑体"


def _font(run: Run, name: str, size: float, bold: bool = False) -> Run:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), name)
    return run


def _paragraph(doc, text: str, font: str, size: float, bold: bool = False,
               align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False) -> Paragraph:
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = 1.5
    _font(p.add_run(text), font, size, bold)
    return p


def to_docx(report: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FANGSONG
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    doc.core_properties.title = report.title
    doc.core_properties.author = report.district + "民政局"

    _paragraph(doc, report.title, SONG, 22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, report.date_line, FANGSONG, 14, align=WD_ALIGN_PARAGRAPH.CENTER)
    for section in report.sections:
        _paragraph(doc, section.heading, HEI, 16)
        _paragraph(doc, section.paragraph, FANGSONG, 16, indent=True)
    for note in report.notes:
        _paragraph(doc, note, FANGSONG, 14, indent=True)

    _paragraph(doc, APPENDIX_TITLE, HEI, 16)
    rows = appendix_rows(report)
    table = doc.add_table(rows=1 + len(rows), cols=len(APPENDIX_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate([APPENDIX_HEADER, *rows]):
        for c, text in enumerate(values):
            cell = table.cell(r, c)
            p = cell.paragraphs[0]
            if 2 <= c <= 4 and r > 0:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif r == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(text), SONG, 9, bold=r == 0)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
