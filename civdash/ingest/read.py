"""Reading an uploaded file into sheets of raw cell values, safely.

The format comes from the content, not the name: a zip is .xlsx/.xlsm (OOXML) or .ods (by its ``mimetype``
entry), an OLE2 container is .xls (or an encrypted Office file), and text is CSV only when the name says
.csv/.txt. A file whose content does not match its name is refused, saying what it really is. Sizes and cell
counts are checked before calamine parses anything (``guards.py`` explains why that matters). Every failure
is an ``IngestError`` with a Chinese message naming the file (and sheet); nothing else escapes for bad input.

Values are not interpreted here (``cells.py`` does that): a sheet is the grid calamine gives, from A1 so that
(row, col) is the cell's address in the user's file, with empty cells as None and trailing empty rows and
columns trimmed. CSV cells stay strings.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import python_calamine

from civdash.ingest.errors import IngestError
from civdash.ingest.guards import (
    Hidden,
    Limits,
    check_size,
    check_zip_directory,
    open_compound,
    scan_biff,
    scan_zip,
    too_many_cells,
)
from civdash.ingest.ole2 import CompoundFileError

__all__ = ["IngestError", "Limits", "SheetData", "Workbook", "decode_text", "read_workbook"]

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORMAT_BY_EXTENSION = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods", ".csv": "csv", ".txt": "csv"}
DESCRIBED = {"xlsx": "Excel 工作簿", "xls": "Excel 97-2003 工作簿", "ods": "ODS 表格", "csv": "CSV 文本"}
# what a file really is, when it is not what its name says
ACTUALLY = {
    "xlsx": "Excel 工作簿（.xlsx）", "xls": "Excel 97-2003 工作簿（.xls）", "ods": "ODS 表格（.ods）",
    "xlsb": "Excel 二进制工作簿（.xlsb）", "docx": "Word 文档", "pptx": "PowerPoint 演示文稿", "odf": "OpenDocument 文档",
    "doc": "Word 97-2003 文档", "ppt": "PowerPoint 97-2003 演示文稿", "zip": "ZIP 压缩包", "pdf": "PDF 文件",
    "html": "网页（HTML）格式的表格", "xml2003": "Excel 2003 XML 表格", "text": "文本文件",
}
NOTE_SHEET = re.compile(r"(?:填表|填报|编制|指标)?(?:说明|解释)|注|附注|备注|目录|封面")
_NOTE_SHEET_SUFFIX = re.compile(r"[\s\d()（）]*")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn"}
_SNIFF_CHARS = 64 * 1024
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SheetData:
    """One sheet: raw values from A1 (rows × columns, rectangular), empty cells None; merged ranges inclusive."""

    name: str
    cells: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (first_row, first_col, last_row, last_col)
    hidden: bool = False  # the sheet itself is hidden in the workbook
    hidden_rows: frozenset[int] = frozenset()  # 0-based rows and columns the sheet hides (.xlsx)
    hidden_cols: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Workbook:
    """An uploaded file as read: its data sheets, and a Chinese message for every sheet left out."""

    file_name: str
    format: str  # 'xlsx' (also .xlsm), 'xls', 'ods' or 'csv', from the content
    sha256: str
    size: int
    sheets: list[SheetData]
    skipped: list[str]


def read_workbook(data: bytes, file_name: str, limits: Limits = DEFAULT_LIMITS) -> Workbook:
    """Read every sheet of an uploaded file; raises IngestError, and nothing else, for a file that cannot be read."""
    where = file_name
    extension = PurePath(file_name).suffix.lower()
    expected = FORMAT_BY_EXTENSION.get(extension)
    if expected is None:
        shown = f"“{extension}”" if extension else "（文件名没有扩展名）"
        raise IngestError(f"不支持的文件类型{shown}，请上传 .xlsx、.xlsm、.xls、.ods 或 .csv 文件", where)
    if not data:
        raise IngestError("文件是空的（0 字节）", where)
    check_size(data, where, limits)
    try:
        if data.startswith(ZIP_MAGIC):
            fmt, sheets, skipped = _read_zip(data, where, expected, extension, limits)
        elif data.startswith(OLE2_MAGIC):
            fmt, sheets, skipped = _read_ole2(data, where, expected, extension, limits)
        elif expected == "csv":
            fmt, sheets, skipped = "csv", _read_csv(data, file_name, limits), []
        else:
            raise _mismatch(extension, expected, _what_text_is(data), where)
    except IngestError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine's errors and Rust panics (pyo3's PanicException is a BaseException)
        raise IngestError("文件已损坏或格式无法识别，无法读取；请在 Excel 或 WPS 中打开后另存再上传", where) from exc
    if not sheets:
        if fmt == "csv":
            raise IngestError("文件中没有任何数据", where)
        detail = "；".join(s.removeprefix(f"{where} › ") for s in skipped)
        raise IngestError("文件中没有含数据的工作表" + (f"（{detail}）" if detail else ""), where)
    return Workbook(file_name, fmt, hashlib.sha256(data).hexdigest(), len(data), sheets, skipped)


def _mismatch(extension: str, expected: str, actual: str | None, where: str) -> IngestError:
    message = f"文件内容与扩展名不符：名为 {extension}，实际不是 {DESCRIBED[expected]}"
    if actual:
        what = ACTUALLY[actual]
        message += f"，而是 {what}" if what[0].isascii() else f"，而是{what}"
    if actual in ("html", "xml2003"):
        message += "；请用 Excel 或 WPS 打开后另存为 .xlsx 再上传"
    elif actual in ("xlsx", "xls", "ods"):
        message += "；请改回正确的扩展名，或在 Excel/WPS 中另存为 .xlsx 再上传"
    elif actual == "xlsb":
        message += "；请在 Excel 中另存为 .xlsx 再上传"
    return IngestError(message, where)


def _password(where: str) -> IngestError:
    return IngestError("工作簿设有打开密码，无法读取；请在 Excel 或 WPS 中取消密码后另存再上传", where)


def _what_text_is(data: bytes) -> str | None:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        return "xml2003"
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in head:
        return "html"
    if b"\0" not in data[:4096]:
        return "text"
    return None


# --------------------------------------------------------------------------------------- zip and OLE2


def _read_zip(data: bytes, where: str, expected: str, extension: str,
              limits: Limits) -> tuple[str, list[SheetData], list[str]]:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise IngestError("文件不完整或已损坏，无法打开；请重新保存或重新下载后再上传", where) from exc
    with book:
        check_zip_directory(book, where, limits)
        actual = _zip_kind(book)
        if actual != expected:
            raise _mismatch(extension, expected, actual, where)
        if actual == "ods" and _ods_encrypted(book):
            raise _password(where)
        scan = scan_zip(book, where, limits, ods=actual == "ods")
    sheets, skipped = _read_calamine(data, where, limits, scan.merged, scan.hidden)
    return actual, sheets, skipped


def _zip_kind(book: zipfile.ZipFile) -> str:
    names = {name.lower() for name in book.namelist()}
    if "mimetype" in names:
        info = next(i for i in book.infolist() if i.filename.lower() == "mimetype")
        mimetype = book.read(info)[:200] if info.file_size <= 200 else b""
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            return "odf"
    if "[content_types].xml" in names:
        if "xl/workbook.bin" in names:
            return "xlsb"
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("ppt/") for n in names):
            return "pptx"
        return "xlsx"
    return "zip"


def _ods_encrypted(book: zipfile.ZipFile) -> bool:
    info = next((i for i in book.infolist() if i.filename == "META-INF/manifest.xml"), None)
    return info is not None and info.file_size < 1024 * 1024 and b"encryption-data" in book.read(info)


def _read_ole2(data: bytes, where: str, expected: str, extension: str,
               limits: Limits) -> tuple[str, list[SheetData], list[str]]:
    container = open_compound(data, where)
    if container.find("EncryptionInfo", "EncryptedPackage"):
        if expected in ("xlsx", "xls"):
            raise _password(where)
        raise _mismatch(extension, expected, None, where)
    stream_entry = container.find("Workbook", "Book")
    actual = "xls" if stream_entry else "doc" if container.find("WordDocument") else \
        "ppt" if container.find("PowerPoint Document") else None
    if actual != expected or stream_entry is None:
        raise _mismatch(extension, expected, actual, where)
    try:
        stream = container.read(stream_entry)
    except CompoundFileError as exc:
        raise IngestError("文件已损坏，无法作为 Excel 97-2003 工作簿打开", where) from exc
    if scan_biff(stream, where, limits).encrypted:
        raise _password(where)
    sheets, skipped = _read_calamine(data, where, limits, {})
    return "xls", sheets, skipped


def _is_note_sheet(name: str) -> bool:
    return NOTE_SHEET.fullmatch(_NOTE_SHEET_SUFFIX.sub("", name)) is not None


def _read_calamine(data: bytes, where: str, limits: Limits,
                   merged_by_sheet: dict[str, list[tuple[int, int, int, int]]],
                   hidden_by_sheet: dict[str, Hidden] | None = None) -> tuple[list[SheetData], list[str]]:
    """Every worksheet through calamine, counting cells before each is turned into Python lists."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets: list[SheetData] = []
    skipped: list[str] = []
    total = 0
    for index, meta in enumerate(book.sheets_metadata):
        name, sheet_where = meta.name, f"{where} › {meta.name}"
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            skipped.append(f"{sheet_where}：图表或宏表，已跳过")
            continue
        if _is_note_sheet(name):
            skipped.append(f"{sheet_where}：说明页，已跳过")
            continue
        try:
            sheet = book.get_sheet_by_index(index)
            end = sheet.end
            total += (end[0] + 1) * (end[1] + 1) if end else 0
            if total > limits.max_cells:
                raise IngestError(too_many_cells(limits), sheet_where)
            rows: list[list[object]] = sheet.to_python(skip_empty_area=False) if end else []  # type: ignore[assignment]
            ranges = sheet.merged_cell_ranges  # None where calamine has none to give (.ods: taken from the guard's scan)
        except IngestError:
            raise
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # also a Rust panic, e.g. a time-formatted cell beyond chrono's range
            raise IngestError("工作表无法读取：文件可能已损坏，或有超出范围的日期、时间值；"
                              "请在 Excel 或 WPS 中检查后另存再上传", sheet_where) from exc
        for row in rows:
            if "" in row:  # a C-speed test first: most rows have no empty strings
                for i, value in enumerate(row):
                    if value == "":
                        row[i] = None
        cells = _trim(rows)
        if not cells:
            skipped.append(f"{sheet_where}：空表，已跳过")
            continue
        merged = merged_by_sheet.get(name, []) if ranges is None else [
            (min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)) for (r0, c0), (r1, c1) in ranges]
        hidden = (hidden_by_sheet or {}).get(name, Hidden())
        width = len(cells[0])
        sheets.append(SheetData(
            name, cells, sorted(merged), hidden=meta.visible != python_calamine.SheetVisibleEnum.Visible,
            hidden_rows=frozenset(r for r in hidden.rows if r < len(cells)),
            hidden_cols=frozenset(c for low, high in hidden.columns for c in range(max(low, 0), min(high, width - 1) + 1))))
    return sheets, skipped


def _trim(rows: list[list[object]]) -> list[list[object]]:
    """Drop trailing rows and columns with nothing in them; pad rows to one width."""
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = 0
    for col in range(max(map(len, rows), default=0) - 1, -1, -1):  # from the right: usually the first one holds
        if any(len(row) > col and row[col] is not None for row in rows):
            width = col + 1
            break
    if set(map(len, rows)) != {width}:  # calamine's rows are all one width already: nothing to do
        for row in rows:
            if len(row) != width:
                del row[width:]
                row.extend([None] * (width - len(row)))
    return rows


# ---------------------------------------------------------------------------------------------- CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read in: a BOM wins, then UTF-8, then what charset-normalizer finds.

    Among charset-normalizer's candidates a Chinese national encoding (GB2312/GBK/GB18030) is preferred, read
    as GB18030 (a superset of both): short GBK text such as “城东街道” also decodes as Korean CP949, and this
    is a Chinese bureau. Raises ValueError when no encoding fits.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # its import builds tables (0.1 s): only for a file not in UTF-8

    matches = from_bytes(data)
    chinese = next((m for m in matches if _GB_FAMILY & {c.lower() for c in m.could_be_from_charset}), None)
    match = chinese or matches.best()
    if match is None:
        raise ValueError("no encoding fits")
    encoding = "gb18030" if chinese or match.encoding.lower() in _GB_FAMILY else match.encoding
    return data.decode(encoding), encoding


def _read_csv(data: bytes, file_name: str, limits: Limits) -> list[SheetData]:
    where = file_name
    try:
        text, _ = decode_text(data)
    except (ValueError, LookupError) as exc:  # UnicodeDecodeError is a ValueError
        raise IngestError("无法识别文件的文字编码，请另存为 UTF-8 或 GBK 编码的 CSV 再上传", where) from exc
    text = text.removesuffix("\x1a")
    head = text[:_SNIFF_CHARS]
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\r\n\f")
    if "\0" in text or controls > len(head) // 100:
        raise IngestError("文件内容不是文本表格（含有不可见的控制字符），不能作为 CSV 读取", where)
    sample = head[:head.rfind("\n") + 1] or head
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    rows: list[list[object]] = []
    count = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            count += len(record)
            if count > limits.max_cells:
                raise IngestError(too_many_cells(limits), where)
            rows.append([None if v == "" else v for v in record] if "" in record else record)
    except csv.Error as exc:
        raise IngestError(f"第 {reader.line_num} 行无法按 CSV 解析（可能是引号不成对，或一个单元格的内容过长）", where) from exc
    cells = _trim(rows)
    return [SheetData(PurePath(file_name).stem, cells, [])] if cells else []
