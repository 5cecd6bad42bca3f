"""The 汇报材料 as .docx (civdash/outputs/report_docx.py) on the demo district, parsed back with python-docx: A4 portrait
with the 公文 margins, 仿宋_GB2312 body and 黑体 headings named for every script with their font-table fallbacks, every
amount in 万元 with two decimals, and one chart picture (a real PNG at the text width) under each section."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm
from lxml import etree
from PIL import Image

from civdash.analysis import report
from civdash.analysis.report import ReportPeriod
from civdash.outputs import report_charts, report_docx

JUNE = date(2025, 6, 1)
PNG = "image/png"


@pytest.fixture(scope="module")
def made(demo_con):
    r = report.build(demo_con, ReportPeriod.of("month", JUNE), made_on=date(2025, 7, 3))
    pictures = report_charts.pictures(demo_con, r)
    data = report_docx.to_docx(r, pictures)
    return r, pictures, data, Document(io.BytesIO(data))


def test_a4_portrait_with_official_margins(made) -> None:
    *_, doc = made
    [section] = doc.sections
    # Word keeps page sizes in twips (1/1440 inch): A4 is 11906 × 16838, i.e. 21.00 × 29.70 cm
    size = section._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838") and size.get(qn("w:orient")) is None
    assert abs(section.page_width - Cm(21)) < 635 and abs(section.page_height - Cm(29.7)) < 635  # under a twip
    assert section.orientation == WD_ORIENT.PORTRAIT and section.page_width < section.page_height
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m / 360000, 2) for m in margins] == [3.7, 3.5, 2.8, 2.6]  # cm
    margin = section._sectPr.find(qn("w:pgMar"))
    assert [margin.get(qn(f"w:{side}")) for side in ("top", "bottom", "left", "right")] == [
        "2098", "1984", "1587", "1474"]


def _fonts(run) -> dict[str, str | None]:
    r_fonts = run._element.rPr.rFonts
    return {a: r_fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs", "hint")}


def test_body_in_fangsong_gb2312_headings_in_heiti(made) -> None:
    r, _, _, doc = made
    by_text = {p.text: p for p in doc.paragraphs if p.text}
    for section in r.sections:
        [heading] = by_text[section.heading].runs
        assert _fonts(heading) == dict.fromkeys(("ascii", "hAnsi", "eastAsia", "cs"), "黑体") | {"hint": "eastAsia"}
        assert heading.font.size.pt == 16
        [body] = by_text[section.paragraph].runs
        assert _fonts(body) == dict.fromkeys(("ascii", "hAnsi", "eastAsia", "cs"), "仿宋_GB2312") | {"hint": "eastAsia"}
        assert body.font.size.pt == 16
        assert by_text[section.paragraph].paragraph_format.first_line_indent.pt == 32  # two characters
    [title] = by_text[r.title].runs
    assert _fonts(title)["eastAsia"] == "宋体" and title.font.bold and title.font.size.pt == 22
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert defaults.get(qn("w:eastAsia")) == "仿宋_GB2312" and defaults.get(qn("w:eastAsiaTheme")) is None


def test_font_table_names_the_fallbacks(made) -> None:
    *_, doc = made
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    fonts = {f.get(qn("w:name")): f for f in etree.fromstring(part.blob).findall(qn("w:font"))}
    def val(font: str, tag: str) -> str:
        return fonts[font].find(qn(f"w:{tag}")).get(qn("w:val"))
    assert val("仿宋_GB2312", "altName") == "仿宋"  # Windows 7 and later have 仿宋 (FangSong), not 仿宋_GB2312
    assert val("黑体", "altName") == "SimHei" and val("宋体", "altName") == "SimSun"
    assert {val(f, "charset") for f in ("仿宋_GB2312", "黑体", "宋体")} == {"86"}  # GB2312
    assert val("仿宋_GB2312", "panose1") == "02010609030101010101"


MONEY = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)万元")


def test_every_amount_in_wanyuan_has_two_decimals(made) -> None:
    r, _, _, doc = made
    text = "\n".join(p.text for p in doc.paragraphs)
    amounts = MONEY.findall(text)
    assert len(amounts) >= 6
    assert all(re.fullmatch(r"-?\d+\.\d\d", a) for a in amounts), amounts
    [table] = doc.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    money_rows = [row for row in cells[1:] if row[1] == "万元"]
    assert len(money_rows) >= 8
    for row in money_rows:
        for cell in row[2:5]:
            number = cell.split("（")[0]
            assert number == "—" or re.fullmatch(r"-?\d+\.\d\d", number), row
    funds = next(f for f in r.figures if f.code == "dibao_urban_funds")
    assert f"{funds.value / 1e4:.2f}万元" in text


def test_one_picture_per_chart_section(made) -> None:
    r, pictures, data, doc = made
    assert list(pictures) == [s.heading for s in r.sections]  # every section of the demo has a chart
    assert len(doc.inline_shapes) == len(r.sections) == 7
    images = [rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/image")]
    assert len(images) == 7 and {p.content_type for p in images} == {PNG}
    assert sorted(p.blob for p in images) == sorted(pictures.values())
    for shape in doc.inline_shapes:
        assert shape.width == report_docx.TEXT_WIDTH
    # each picture right under its section's paragraph
    paragraphs = doc.paragraphs
    for section in r.sections:
        k = next(i for i, p in enumerate(paragraphs) if p.text == section.paragraph)
        after = paragraphs[k + 1]
        assert after.text == "" and after._element.findall(f".//{qn('w:drawing')}")
    for png in pictures.values():
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and 1200 <= image.width <= 1260 and 490 <= image.height <= 1020


def test_without_pictures_the_text_is_the_same(made) -> None:
    r, _, _, doc = made
    bare = Document(io.BytesIO(report_docx.to_docx(r)))
    assert len(bare.inline_shapes) == 0
    assert [p.text for p in bare.paragraphs if p.text] == [p.text for p in doc.paragraphs if p.text]


def test_page_number_in_the_footer(made) -> None:
    *_, doc = made
    footer = doc.sections[0].footer.paragraphs[0]
    instr = [t.text for t in footer._element.iter(qn("w:instrText"))]
    assert instr == [" PAGE "] and footer.text.startswith("— ") and footer.text.endswith(" —")


def test_appendix_fits_the_text_width_and_repeats_its_header(made) -> None:
    r, _, _, doc = made
    [table] = doc.tables
    widths = [c.width for c in table.columns]
    assert abs(sum(widths) - report_docx.TEXT_WIDTH) < 635 * len(widths)  # within a twip a column
    assert max(widths) == widths[-1]  # 变化, the longest text, the widest
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    headings = [p for p in doc.paragraphs if p.text in {s.heading for s in r.sections}]
    assert len(headings) == len(r.sections) and all(p.paragraph_format.keep_with_next for p in headings)


def test_without_a_cjk_font_the_document_is_written_without_pictures(made, demo_con, tmp_path, monkeypatch,
                                                                      caplog) -> None:
    r, _, _, doc = made
    monkeypatch.setattr(report_charts, "FONT_DIRS", (tmp_path,))
    with caplog.at_level("WARNING", logger="civdash.outputs.report_charts"):
        bare = Document(io.BytesIO(report_docx.to_docx(r, report_charts.pictures(demo_con, r))))
    assert len(bare.inline_shapes) == 0
    assert not [rel for rel in bare.part.rels.values() if rel.reltype.endswith("/image")]
    assert [p.text for p in bare.paragraphs if p.text] == [p.text for p in doc.paragraphs if p.text]  # no notice
    assert "fonts-noto-cjk" in caplog.text
