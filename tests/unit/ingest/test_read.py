"""ingest/read.py: files as statisticians have them come back cell for cell; files that must be refused are
refused with a Chinese message naming the file, before calamine can be made to allocate what they announce."""

from __future__ import annotations

import pickle
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civdash.ingest import read
from civdash.ingest.errors import IngestError
from civdash.ingest.read import Limits, decode_text, read_workbook
from tests import ingest_fixtures as fx


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


def load(path: Path, limits: Limits = read.DEFAULT_LIMITS) -> read.Workbook:
    return read_workbook(path.read_bytes(), path.name, limits)


def as_read(sheet: fx.Sheet) -> list[list[object]]:
    """What calamine gives for what was written: numbers as float, a date-time at midnight as a date."""
    def one(value: object) -> object:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            return value.date()
        return value
    return [[one(v) for v in row] for row in fx.values(sheet)]


def forbid_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        pytest.fail("calamine must not open this file")
    monkeypatch.setattr(read.python_calamine.CalamineWorkbook, "from_filelike", refuse)


# ------------------------------------------------------------------------------------- files that read


def test_a_report_form_xlsx_comes_back_cell_for_cell_with_its_merged_header(files: Path) -> None:
    path = fx.write_report_xlsx(files)
    book = load(path)
    expected = fx.report_sheet(2025, 4, "主要指标")
    assert (book.file_name, book.format, book.size, book.skipped) == (path.name, "xlsx", path.stat().st_size, [])
    assert len(book.sha256) == 64
    (sheet,) = book.sheets
    assert sheet.name == "主要指标"
    assert sheet.cells == as_read(expected)
    assert sheet.merged == sorted(expected.merged)
    assert sheet.cells[6][0] == "城东" and sheet.cells[-4][0] == "合计"  # short names; the total row's cached SUMs
    assert sheet.cells[4][1:4] == ["户", "人", "户"] and sheet.cells[5][:3] == ["甲", 1.0, 2.0]  # units and 序号 rows


def test_a_years_workbook_gives_its_twelve_months_and_says_what_it_skipped(files: Path) -> None:
    path = fx.write_monthly_workbook(files)
    book = load(path)
    assert [s.name for s in book.sheets] == [f"{m}月" for m in range(1, 13)]
    for month, sheet in enumerate(book.sheets, start=1):
        assert sheet.cells == as_read(fx.report_sheet(2024, month))
        assert sheet.cells[2][7] == f"1-{month}月资金支出"
    assert book.skipped == [f"{path.name} › 说明：说明页，已跳过", f"{path.name} › Sheet1：空表，已跳过"]


def test_a_long_table_and_a_district_form_keep_dates_numbers_and_booleans(files: Path) -> None:
    (long_sheet,) = load(fx.write_long_table_xlsx(files)).sheets
    assert long_sheet.cells == as_read(fx.long_table_sheet())
    assert long_sheet.cells[1][:3] == [date(2025, 4, 1), "城东街道", "城市低保人数"]
    (form,) = load(fx.write_district_form_xlsx(files)).sheets
    assert form.cells == as_read(fx.district_form_sheet())
    assert form.cells[-2:] == [["是否完成季度核查", None, True], ["填报日期", None, date(2025, 7, 5)]]
    assert form.merged == [(0, 0, 0, 2)]


def test_an_ods_reads_back_with_merged_cells_taken_from_its_spans(files: Path) -> None:
    path = fx.write_report_ods(files)  # the first sheet ends with LibreOffice's 1,048,000 repeated empty rows
    book = load(path)
    assert book.format == "ods"
    report, form = book.sheets
    assert (report.name, form.name) == ("5月", "主要指标")
    assert report.cells == as_read(fx.report_sheet(2025, 5))
    assert report.merged == sorted(fx.report_sheet(2025, 5).merged)  # calamine gives none for .ods
    assert form.cells == as_read(fx.district_form_sheet()) and form.merged == [(0, 0, 0, 2)]
    assert book.skipped == [f"{path.name} › 说明：说明页，已跳过", f"{path.name} › 空表：空表，已跳过"]


def test_an_xls_reads_back_with_its_merged_cells(files: Path) -> None:
    path = fx.write_report_xls(files)
    book = load(path)
    assert book.format == "xls"
    report, form = book.sheets
    assert report.name == "3月" and report.cells == as_read(fx.report_sheet(2025, 3))
    assert report.merged == sorted(fx.report_sheet(2025, 3).merged)
    assert form.cells == as_read(fx.district_form_sheet())
    assert book.skipped == [f"{path.name} › 说明：说明页，已跳过", f"{path.name} › Sheet3：空表，已跳过"]


@pytest.mark.parametrize(("encoding", "bom", "delimiter", "name"), [
    ("utf-8", False, ",", "明细.csv"), ("utf-8", True, ",", "明细.csv"), ("gbk", False, ",", "明细.csv"),
    ("utf-8", False, "\t", "明细.txt"), ("gbk", False, ";", "明细.csv"), ("utf-8", True, "|", "明细.csv"),
    ("utf-16", False, "\t", "明细.txt"),  # Excel's “Unicode 文本”: UTF-16 with its BOM, tab-separated
])
def test_csv_in_every_encoding_and_delimiter_gives_the_same_string_cells(files: Path, encoding: str, bom: bool,
                                                                        delimiter: str, name: str) -> None:
    path = fx.write_csv(files, encoding, bom, delimiter, name)
    book = load(path)
    assert book.format == "csv" and book.skipped == []
    (sheet,) = book.sheets
    assert sheet.name == "明细" and sheet.merged == []
    assert sheet.cells == fx.long_table_text_rows()
    assert sheet.cells[1] == ["2025年4月", "城东街道", "城市低保人数", sheet.cells[1][3], "人"]


def test_csv_cells_stay_strings_empty_ones_none_and_ragged_rows_padded() -> None:
    data = "单位：万元\n乡镇,人数,资金\n城东,292,\n合计, 292 ,15.36,\n,,\n\n".encode("gbk")
    (sheet,) = read_workbook(data, "4月.csv").sheets
    assert sheet.cells == [["单位：万元", None, None], ["乡镇", "人数", "资金"], ["城东", "292", None],
                           ["合计", " 292 ", "15.36"]]


def test_short_gbk_text_is_read_as_chinese_not_korean() -> None:
    assert decode_text("城东街道\n".encode("gbk")) == ("城东街道\n", "gb18030")  # charset-normalizer's best: cp949
    assert decode_text("城东,292\n".encode("gb18030"))[0] == "城东,292\n"
    assert decode_text(b"\xef\xbb\xbf" + "乡镇".encode()) == ("乡镇", "utf-8-sig")


def test_grids_start_at_a1_and_trailing_empty_rows_and_columns_are_trimmed(files: Path) -> None:
    path = files / "偏移.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表")
    ws.write(2, 2, "城东")
    ws.write(3, 3, 292)
    ws.write_blank(40, 20, None, book.add_format({"border": 1}))  # a formatted empty cell far out
    ws.write_string(30, 10, "")
    book.close()
    (sheet,) = load(path).sheets
    assert sheet.cells == [[None] * 4, [None] * 4, [None, None, "城东", None], [None, None, None, 292.0]]


def test_note_and_chart_sheets_are_skipped_with_a_message(files: Path) -> None:
    path = files / "多表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name in ("填表说明", "注", "备注", "目录", "指标解释", "说明(2)", "1月", "低保"):
        book.add_worksheet(name).write(0, 0, name)
    chart_sheet = book.add_chartsheet("图表")
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "='1月'!$A$1:$A$1"})
    chart_sheet.set_chart(chart)
    book.close()
    result = load(path)
    assert [s.name for s in result.sheets] == ["1月", "低保"]
    assert len(result.skipped) == 7
    assert result.skipped[0] == f"{path.name} › 填表说明：说明页，已跳过"
    assert result.skipped[-1] == f"{path.name} › 图表：图表或宏表，已跳过"


def test_cells_placed_by_order_rather_than_address_read_the_same(files: Path) -> None:
    """Some writers leave out r="B7" where it follows from the cell before; the guard then walks the XML."""
    original = load(fx.write_report_xlsx(files)).sheets[0]
    assert load(fx.write_unaddressed_xlsx(files)).sheets[0] == original


# --------------------------------------------------------------------------------- files that are refused


def refusal(path: Path, limits: Limits = read.DEFAULT_LIMITS) -> IngestError:
    with pytest.raises(IngestError) as caught:
        load(path, limits)
    error = caught.value
    assert error.where.split(" › ")[0] == path.name
    assert str(error) == f"{error.where}：{error.message}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)
    return error


@pytest.mark.parametrize(("write", "message"), [
    (fx.write_random_bytes_xlsx, "文件内容与扩展名不符：名为 .xlsx，实际不是 Excel 工作簿"),
    (fx.write_text_named_xlsx, "文件内容与扩展名不符：名为 .xlsx，实际不是 Excel 工作簿，而是文本文件"),
    (fx.write_empty_workbook, "文件中没有含数据的工作表（Sheet1：空表，已跳过）"),
    (fx.write_empty_file, "文件是空的（0 字节）"),
    (fx.write_truncated_xlsx, "文件不完整或已损坏"),
    (fx.write_encrypted_xlsx, "工作簿设有打开密码"),
    (fx.write_html_named_xls, "名为 .xls，实际不是 Excel 97-2003 工作簿，而是网页（HTML）格式的表格；请用 Excel 或 WPS"),
    (fx.write_lying_xlsx, "工作表无法读取：文件可能已损坏"),  # calamine stops at the declared size, as zipfile does
])
def test_bad_files_are_refused_with_a_chinese_message_naming_the_file(files: Path, write, message: str) -> None:
    assert message in refusal(write(files)).message


@pytest.mark.parametrize(("write", "name", "message"), [
    (fx.write_report_xlsx, "报表.xls", "名为 .xls，实际不是 Excel 97-2003 工作簿，而是 Excel 工作簿（.xlsx）"),
    (fx.write_report_xls, "报表.xlsx", "名为 .xlsx，实际不是 Excel 工作簿，而是 Excel 97-2003 工作簿（.xls）"),
    (fx.write_report_ods, "报表.xlsx", "而是 ODS 表格（.ods）"),
    (fx.write_report_xlsx, "报表.ods", "名为 .ods，实际不是 ODS 表格"),
    (fx.write_report_xlsx, "报表.csv", "名为 .csv，实际不是 CSV 文本"),
    (fx.write_csv, "明细.ods", "而是文本文件"),
    (fx.write_report_xlsx, "报表.pdf", "不支持的文件类型“.pdf”"),
    (fx.write_report_xlsx, "报表", "不支持的文件类型（文件名没有扩展名）"),
])
def test_content_decides_the_format_and_a_wrong_name_is_refused(files: Path, write, name: str, message: str) -> None:
    renamed = files / name
    renamed.write_bytes(write(files).read_bytes())
    assert message in refusal(renamed).message


def test_an_encrypted_ods_is_refused_as_password_protected(files: Path) -> None:
    data = fx.ods_bytes("")
    data = fx.rewrite_zip(data, {"META-INF/manifest.xml": b"<manifest:encryption-data/>", "content.xml": b"\x8f\x00\x17"})
    path = files / "加密.ods"
    path.write_bytes(data)
    assert "工作簿设有打开密码" in refusal(path).message


def test_a_zip_bomb_is_refused_from_its_directory_in_no_time_without_inflating(files: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    started = time.perf_counter()
    path = fx.write_zip_bomb(files)  # 520 MiB of zeros inside
    assert path.stat().st_size < 600_000 and time.perf_counter() - started < 2
    forbid_calamine(monkeypatch)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("nothing may be inflated"))
    started = time.perf_counter()
    error = refusal(path)
    assert time.perf_counter() - started < 0.5
    assert error.message.startswith("文件解压后过大（声明 520 MB，压缩比 ")
    assert "上限为 500 MB、200 倍" in error.message and "压缩炸弹" in error.message


@pytest.mark.parametrize(("write", "sheet"), [
    (fx.write_sparse_xlsx, "表1"),              # A1 and XFD1048576 in a 5 KB file
    (fx.write_unaddressed_sparse_xlsx, "主要指标"),  # the same, reached by cells placed by order
    (fx.write_repeated_ods, "表1"),             # one cell repeated into 10⁸
    (fx.write_dimensions_xls, "表1"),           # a DIMENSIONS record of four billion rows
])
def test_files_announcing_billions_of_cells_are_refused_before_calamine_allocates_them(
        files: Path, monkeypatch: pytest.MonkeyPatch, write, sheet: str) -> None:
    """Each of these would make calamine ask for gigabytes and abort the whole process."""
    path = write(files)
    forbid_calamine(monkeypatch)
    error = refusal(path)
    assert error.where == f"{path.name} › {sheet}"
    assert error.message.startswith("表格过大：单元格超过 20,000,000 个")


def test_a_shared_string_count_of_a_billion_is_refused_before_calamine_reserves_it(files: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = fx.write_shared_strings_bomb(files)
    forbid_calamine(monkeypatch)
    assert "共享字符串数 1,000,000,000 与文件大小不符" in refusal(path).message


def test_limits_are_configurable(files: Path) -> None:
    report = fx.write_report_xlsx(files)
    assert "文件过大（" in refusal(report, Limits(max_bytes=1000)).message
    assert "上限为 1000 字节" in refusal(report, Limits(max_bytes=1000)).message
    error = refusal(report, Limits(max_cells=400))  # the report holds 40 rows × 11 columns
    assert error.where == f"{report.name} › 主要指标" and "单元格超过 400 个" in error.message
    assert load(report, Limits(max_cells=440)).sheets
    monthly = fx.write_monthly_workbook(files)  # 说明 (4 cells), then 40 × 11 cells a month
    assert refusal(monthly, Limits(max_cells=4 + 3 * 440)).where == f"{monthly.name} › 4月"  # over all sheets
    assert "解压后过大" in refusal(report, Limits(max_unzipped_bytes=10_000)).message
    assert "单元格超过 100 个" in refusal(fx.write_csv(files), Limits(max_cells=100)).message
    small_bomb = files / "小炸弹.xlsx"
    small_bomb.write_bytes(fx.zip_bomb_bytes(20 * 1024 * 1024))
    assert "压缩比 " in refusal(small_bomb).message  # under 500 MiB, but a ratio of a thousand
    assert "压缩炸弹" not in refusal(small_bomb, Limits(max_ratio=2000)).message


def test_a_time_beyond_range_names_the_sheet_it_is_in(files: Path) -> None:
    path = files / "时长.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("正常").write(0, 0, "城东")
    book.add_worksheet("时长").write_number(0, 0, 1e15, book.add_format({"num_format": "[h]:mm:ss"}))
    book.close()
    error = refusal(path)  # python-calamine cannot make a timedelta of it
    assert error.where == f"{path.name} › 时长" and "超出范围的日期、时间值" in error.message


def test_an_ingest_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(IngestError("文件是空的（0 字节）", "4月.xlsx")))
    assert (error.message, error.where, str(error)) == ("文件是空的（0 字节）", "4月.xlsx", "4月.xlsx：文件是空的（0 字节）")


def test_a_rust_panic_inside_calamine_becomes_an_ingest_error(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class PanicException(BaseException):  # what pyo3 raises for a Rust panic: not an Exception
        pass

    def panic(*_: object, **__: object) -> None:
        raise PanicException("index out of bounds")

    monkeypatch.setattr(read.python_calamine.CalamineWorkbook, "from_filelike", panic)
    assert "文件已损坏或格式无法识别" in refusal(fx.write_report_xlsx(files)).message


# ------------------------------------------------------------------------------------------- fuzzing

_VALID: dict[str, bytes] = {}


def _valid(kind: str) -> bytes:
    if not _VALID:
        sheets = [fx.report_sheet(2025, 4), fx.district_form_sheet()]
        ods = fx.ods_bytes("".join(map(fx.ods_table, sheets)))
        _VALID.update(xlsx=fx.xlsx_bytes(sheets), xls=fx.xls_bytes(sheets), ods=ods)
    return _VALID[kind]


def _read_or_refuse(data: bytes, name: str) -> None:
    try:
        book = read_workbook(data, name, Limits(max_cells=2_000_000))
    except IngestError as error:
        assert error.where.startswith(name) and error.message
    else:
        assert isinstance(book, read.Workbook) and book.sheets


NAMES = st.sampled_from(["a.xlsx", "a.xls", "a.csv", "a.ods", "a.xlsm", "a.txt"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), NAMES, st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]))
def test_arbitrary_bytes_give_a_workbook_or_an_ingest_error_and_nothing_else(data: bytes, name: str, magic: bytes) -> None:
    _read_or_refuse(magic + data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["xlsx", "xls", "ods"]), st.data())
def test_damaged_real_files_give_a_workbook_or_an_ingest_error_and_nothing_else(kind: str, data: st.DataObject) -> None:
    """Real files with bytes overwritten or cut off: the guards' own parsing is exercised too (CFB, BIFF, zip)."""
    raw = bytearray(_valid(kind))
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        chunk = data.draw(st.binary(min_size=1, max_size=8))
        raw[position:position + len(chunk)] = chunk
    if data.draw(st.booleans()):
        del raw[data.draw(st.integers(1, len(raw))):]
    _read_or_refuse(bytes(raw), f"a.{kind}")
