"""A ``report.Report`` as a Word document (.docx, python-docx), on the office's paper (党政机关公文格式, GB/T 9704).

A4 portrait, margins 上3.7 下3.5 左2.8 右2.6 cm (a text block of 15.6 × 22.5 cm: 28 characters × 22 lines of 三号).
Title (宋体 bold 二号, centred), 生成日期 (仿宋_GB2312 四号, centred), section headings (黑体 三号), paragraphs
(仿宋_GB2312 三号, first line indented two characters, fixed 28.95 pt lines), under each section its chart
(``report_charts``: a PNG at the text width) when one is given, notes, the appendix table of the figures used
(指标, 单位, 本期, 上期, 上年同期, 变化; 宋体 小五), and the page number (— 1 —) in the footer.

Fonts: every run names its font for all scripts (``w:ascii``, ``w:hAnsi``, ``w:eastAsia``, ``w:cs``, hint eastAsia,
so that digits and shared punctuation such as “” take the Chinese font too), and the document's defaults drop the
theme fonts, which would otherwise win over the style's. 仿宋_GB2312 ships with Windows XP and the office's font
packs, not with Windows 7 and later, which have 仿宋 (FangSong): the font table gives each font its ``w:altName`` (the
font Word uses in its place when it is missing: 仿宋_GB2312 → 仿宋, 黑体 → SimHei, 宋体 → SimSun), its GB2312 charset
(86) and PANOSE class, from which Word, WPS and LibreOffice choose the nearest font when neither is installed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from civdash.analysis.report import APPENDIX_HEADER, APPENDIX_TITLE, Report, appendix_rows

SONG, FANGSONG, HEI = "宋体", "仿宋_GB2312", "黑体"

# 公文 paper: A4 portrait and its margins (GB/T 9704-2012: 天头 37 mm, 订口 28 mm; the text block 156 × 225 mm).
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}
TEXT_WIDTH = Cm(21 - 2.8 - 2.6)
LINE = Pt(28.95)  # 22 lines of 三号 in the 225 mm text block

# The font table's fallbacks: (the font used when it is missing, PANOSE-1, pitch, family).
FALLBACKS: dict[str, tuple[str, str, str, str]] = {
    FANGSONG: ("仿宋", "02010609030101010101", "fixed", "modern"),
    HEI: ("SimHei", "02010609060101010101", "fixed", "modern"),
    SONG: ("SimSun", "02010600030101010101", "variable", "auto"),
}
GB2312_CHARSET = "86"

# The appendix's columns (指标, 单位, 本期, 上期, 上年同期, 变化) across the text width; 变化 holds the longest text.
APPENDIX_WIDTHS_CM = (3.0, 1.3, 1.9, 2.5, 1.9, 5.0)


def _fonts(r_pr, name: str) -> None:
    r_fonts = r_pr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        r_fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        r_fonts.set(qn(f"w:{attr}"), name)
    r_fonts.set(qn("w:hint"), "eastAsia")


def _font(run: Run, name: str, size: float, bold: bool = False) -> Run:
    run.font.size = Pt(size)
    run.font.bold = bold
    _fonts(run._element.get_or_add_rPr(), name)
    return run


def _paragraph(doc, text: str, font: str, size: float, bold: bool = False,
               align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False, heading: bool = False) -> Paragraph:
    p = doc.add_paragraph()
    if heading:
        p.paragraph_format.keep_with_next = True  # a heading never ends a page on its own
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = LINE
    _font(p.add_run(text), font, size, bold)
    return p


def _paper(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side, length in MARGINS.items():
        setattr(section, f"{side}_margin", length)
    section.footer_distance = Cm(2.5)


def _defaults(doc) -> None:
    """The body font as the document's default, without the theme fonts that would win over it."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
    if r_pr is not None and (r_fonts := r_pr.find(qn("w:rFonts"))) is not None:
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            r_fonts.attrib.pop(qn(f"w:{attr}"), None)
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            r_fonts.set(qn(f"w:{attr}"), FANGSONG)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    _fonts(normal.element.get_or_add_rPr(), FANGSONG)
    lang = normal.element.get_or_add_rPr().find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        normal.element.get_or_add_rPr().append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_table(doc) -> None:
    """Each Chinese font in the font table with its fallback (``w:altName``), charset and PANOSE class."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, (alt, panose, pitch, family) in FALLBACKS.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("altName", alt), ("panose1", panose), ("charset", GB2312_CHARSET), ("family", family),
                           ("pitch", pitch)):
            etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _field(run: Run, code: str) -> None:
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text == code else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)


def _page_number(doc) -> None:
    """'— 1 —' centred in the footer (宋体 四号)."""
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), SONG, 14)
    _field(_font(p.add_run(), SONG, 14), " PAGE ")
    _font(p.add_run(" —"), SONG, 14)


def _picture(doc, png: bytes) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(6)
    p.add_run().add_picture(io.BytesIO(png), width=TEXT_WIDTH)


def to_docx(report: Report, pictures: Mapping[str, bytes] | None = None) -> bytes:
    """The report as .docx bytes; ``pictures``: a PNG per section heading (``report_charts.pictures``), put under
    the section's paragraph."""
    pictures = pictures or {}
    doc = Document()
    _paper(doc)
    _defaults(doc)
    _font_table(doc)
    _page_number(doc)
    doc.core_properties.title = report.title
    doc.core_properties.author = report.district + "民政局"

    _paragraph(doc, report.title, SONG, 22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, report.date_line, FANGSONG, 14, align=WD_ALIGN_PARAGRAPH.CENTER)
    for section in report.sections:
        _paragraph(doc, section.heading, HEI, 16, heading=True)
        _paragraph(doc, section.paragraph, FANGSONG, 16, indent=True)
        if section.heading in pictures:
            _picture(doc, pictures[section.heading])
    for note in report.notes:
        _paragraph(doc, note, FANGSONG, 14, indent=True)

    _paragraph(doc, APPENDIX_TITLE, HEI, 16, heading=True)
    rows = appendix_rows(report)
    table = doc.add_table(rows=1 + len(rows), cols=len(APPENDIX_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, APPENDIX_WIDTHS_CM, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))  # the header row again on every page the table spans
    for r, (row, values) in enumerate(zip(table.rows, [APPENDIX_HEADER, *rows], strict=True)):
        for c, (cell, text) in enumerate(zip(row.cells, values, strict=True)):  # table.cell(r, c) walks the table
            p = cell.paragraphs[0]
            if 2 <= c <= 4 and r > 0:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif r == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(text), SONG, 9, bold=r == 0)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
