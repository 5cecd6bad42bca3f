"""ingest/read.py: files as statisticians have them, and files that must be refused."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from civdash.ingest import read
from civdash.ingest.errors import IngestError
from civdash.ingest.read import Limits, read_workbook

ROWS = [["乡镇（街道）", "城市低保人数", "资金（万元）"], ["城东街道", 292, 15.36], ["中塘镇", 15, 0.8], ["合计", 307, 16.16]]


def xlsx(sheets: dict[str, list[list[object]]], merged: dict[str, list[tuple]] | None = None) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        for r0, c0, r1, c1, text in (merged or {}).get(name, []):
            ws.merge_range(r0, c0, r1, c1, text)
    book.close()
    return buf.getvalue()


def csv_bytes(encoding: str, bom: bool = False) -> bytes:
    text = "\n".join(",".join(str(v) for v in row) for row in ROWS) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def test_an_xlsx_reads_back_values_merged_ranges_and_skips_empty_and_note_sheets() -> None:
    data = xlsx({"主要指标": [["黔江区2025年4月统计表"], [], *ROWS], "说明": [["填表说明"]], "空表": []},
                {"主要指标": [(0, 0, 0, 2, "黔江区2025年4月统计表")]})
    book = read_workbook(data, "2025年4月.xlsx")
    assert book.format == "xlsx" and book.size == len(data) and len(book.sha256) == 64
    (sheet,) = book.sheets
    assert sheet.name == "主要指标"
    assert sheet.cells[0] == ["黔江区2025年4月统计表", None, None]
    assert sheet.cells[1] == [None, None, None]
    assert sheet.cells[2:] == [[v if not isinstance(v, int) else float(v) for v in row] for row in ROWS]
    assert sheet.merged == [(0, 0, 0, 2)]
    assert book.skipped == ["工作表“说明”是说明页，已跳过", "工作表“空表”是空的，已跳过"]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gbk", False), ("gb18030", False)])
def test_csv_in_any_common_encoding_gives_the_same_cells(encoding, bom) -> None:
    book = read_workbook(csv_bytes(encoding, bom), "2025年4月.csv")
    assert book.format == "csv"
    assert book.sheets[0].name == "2025年4月"
    assert book.sheets[0].cells == [[str(v) for v in row] for row in ROWS]


def test_tab_separated_text() -> None:
    data = "\n".join("\t".join(str(v) for v in row) for row in ROWS).encode("utf-8")
    assert read_workbook(data, "表.txt").sheets[0].cells[1] == ["城东街道", "292", "15.36"]


def _bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory(monkeypatch) -> None:
    data = _bomb(20 * 1024 * 1024)
    assert len(data) < 100_000
    monkeypatch.setattr(read.python_calamine.CalamineWorkbook, "from_filelike",
                        lambda *a, **k: pytest.fail("the bomb must not be opened"))
    with pytest.raises(IngestError, match="解压后过大"):
        read_workbook(data, "炸弹.xlsx")
    with pytest.raises(IngestError, match="解压后过大"):
        read_workbook(data, "炸弹.xlsx", Limits(max_unzipped_bytes=1024 * 1024, max_ratio=10**9))


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "空.xlsx", "文件是空的"),
    (bytes(range(256)) * 8, "随机.xlsx", "文件内容与扩展名不符：名为 .xlsx，实际不是Excel 工作簿"),
    ("乡镇,人数\n城东,1\n".encode(), "文本.xlsx", "文件内容与扩展名不符"),
    (b"PK\x03\x04 truncated", "坏.xlsx", "文件已损坏"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "坏.xls", "文件已损坏"),
    (b"data", "表.pdf", "不支持的文件类型"),
])
def test_bad_files_get_a_chinese_message_naming_the_file(data, name, message) -> None:
    with pytest.raises(IngestError) as caught:
        read_workbook(data, name)
    assert message in caught.value.message
    assert caught.value.where == name


def test_an_xlsx_named_xls_and_an_empty_workbook_are_refused() -> None:
    with pytest.raises(IngestError, match="实际不是Excel 97-2003 工作簿"):
        read_workbook(xlsx({"a": ROWS}), "表.xls")
    with pytest.raises(IngestError, match="没有含数据的工作表"):
        read_workbook(xlsx({"Sheet1": []}), "空工作簿.xlsx")


def test_limits_on_size_and_cells() -> None:
    data = xlsx({"a": ROWS})
    with pytest.raises(IngestError, match="文件过大"):
        read_workbook(data, "a.xlsx", Limits(max_bytes=100))
    with pytest.raises(IngestError, match="表格过大") as caught:
        read_workbook(data, "a.xlsx", Limits(max_cells=5))
    assert caught.value.where == "a.xlsx › a"
    with pytest.raises(IngestError, match="表格过大"):
        read_workbook(csv_bytes("utf-8"), "a.csv", Limits(max_cells=5))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["a.xlsx", "a.xls", "a.ods", "a.csv", "a.xlsm"]))
def test_arbitrary_bytes_give_a_workbook_or_an_ingest_error(data, name) -> None:
    for payload in (data, b"PK\x03\x04" + data, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + data):
        try:
            read_workbook(payload, name)
        except IngestError:
            pass
