"""Reading an uploaded file into sheets of raw cell values, safely.

The format is taken from the content, not the name: a zip is .xlsx/.xlsm/.ods, an OLE2 container is
.xls, and text is CSV only when the name says .csv/.txt. A file whose content does not match its name
is refused. Limits on size and cells are checked before or while reading; a zip whose entries would
inflate beyond the limit (a zip bomb) is refused from its directory, before anything is inflated.
Values are not interpreted here (ingest/cells.py does that).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import python_calamine
from charset_normalizer import from_bytes

from civdash.ingest.errors import IngestError

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SPREADSHEET_NAMES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods", ".csv": "csv", ".txt": "csv"}
NOTE_SHEETS = re.compile(r"^(说明|填表说明|填报说明|注|备注|目录|封面|指标解释)\d*$")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_cells: int = 20_000_000
    max_unzipped_bytes: int = 500 * 1024 * 1024
    max_ratio: int = 200


@dataclass(frozen=True)
class SheetData:
    name: str
    cells: list[list[object]]  # rows × columns from A1, raw values; empty cells are None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1), inclusive


@dataclass(frozen=True)
class Workbook:
    file_name: str
    format: str
    sha256: str
    size: int
    sheets: list[SheetData]
    skipped: list[str]  # Chinese messages for empty and note sheets left out


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.0f}MB" if n >= 1024 * 1024 else f"{n / 1024:.0f}KB"


def sniff_format(data: bytes, file_name: str) -> str:
    """'xlsx', 'ods', 'xls' or 'csv' from the content; refuses a content that does not match the name."""
    ext = PurePath(file_name).suffix.lower()
    expected = SPREADSHEET_NAMES.get(ext)
    if expected is None:
        raise IngestError(f"不支持的文件类型“{ext or '无扩展名'}”，请上传 .xlsx、.xls、.ods 或 .csv 文件", file_name)
    if not data:
        raise IngestError("文件是空的", file_name)
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, RuntimeError, KeyError, EOFError) as exc:
            raise IngestError("文件已损坏，无法作为工作簿打开", file_name) from exc
        actual = "ods" if b"opendocument.spreadsheet" in mimetype else "xlsx" if "[Content_Types].xml" in names else None
    elif data.startswith(OLE2_MAGIC):
        actual = "xls"
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise IngestError("工作簿设有密码保护，请取消密码后再上传", file_name)
    else:
        actual = "csv" if expected == "csv" and b"\x00" not in data[:4096] else None
    if actual != expected:
        described = {"xlsx": "Excel 工作簿", "xls": "Excel 97-2003 工作簿", "ods": "ODS 表格", "csv": "CSV 文本"}
        raise IngestError(f"文件内容与扩展名不符：名为 {ext}，实际不是{described[expected]}", file_name)
    return actual


def check_zip(data: bytes, file_name: str, limits: Limits) -> None:
    """Refuse a zip whose declared contents exceed the limits, without inflating anything."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > limits.max_unzipped_bytes or total / packed > limits.max_ratio:
        raise IngestError(
            f"文件解压后过大（{_size_text(total)}，压缩比{total / packed:.0f}倍），为安全起见拒绝读取", file_name)


def read_workbook(data: bytes, file_name: str, limits: Limits | None = None) -> Workbook:
    """Read every sheet of an uploaded file; raises IngestError (and nothing else) for bad input."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise IngestError(f"文件过大（{_size_text(len(data))}），上限为{_size_text(limits.max_bytes)}", file_name)
    fmt = sniff_format(data, file_name)
    try:
        if fmt in ("xlsx", "ods"):
            check_zip(data, file_name, limits)
        sheets = _read_csv(data, file_name, limits) if fmt == "csv" else _read_spreadsheet(data, file_name, limits)
    except IngestError:
        raise
    except Exception as exc:  # calamine, zip and csv errors become one plain message
        raise IngestError("文件已损坏或格式无法识别，无法读取", file_name) from exc
    kept, skipped = [], []
    for sheet in sheets:
        if not any(v is not None for row in sheet.cells for v in row):
            skipped.append(f"工作表“{sheet.name}”是空的，已跳过")
        elif NOTE_SHEETS.match(sheet.name.strip()):
            skipped.append(f"工作表“{sheet.name}”是说明页，已跳过")
        else:
            kept.append(sheet)
    if not kept:
        raise IngestError("文件中没有含数据的工作表", file_name)
    return Workbook(file_name, fmt, hashlib.sha256(data).hexdigest(), len(data), kept, skipped)


def _clean(value: object) -> object:
    return None if value == "" else value


def _trim(rows: list[list[object]]) -> list[list[object]]:
    """Drop trailing empty rows and columns."""
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if v is not None), default=0) for r in rows), default=0)
    return [r[:width] + [None] * (width - len(r[:width])) for r in rows]


def _read_spreadsheet(data: bytes, file_name: str, limits: Limits) -> list[SheetData]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets, cells = [], 0
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        cells += sheet.total_height * sheet.total_width
        if cells > limits.max_cells:
            raise IngestError(f"表格过大（超过{limits.max_cells:,}个单元格）", f"{file_name} › {name}")
        rows = [[_clean(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
        merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        sheets.append(SheetData(name, _trim(rows), merged))
    return sheets


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, otherwise the detected encoding (GBK read as GB18030)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    encoding = (best.encoding if best else "gb18030").lower()
    if encoding in ("gb2312", "gbk", "gb18030", "hz", "cp936"):
        encoding = "gb18030"
    return data.decode(encoding, errors="strict")


def _read_csv(data: bytes, file_name: str, limits: Limits) -> list[SheetData]:
    try:
        text = decode_text(data)
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError("无法识别文件的文字编码，请另存为 UTF-8 或 GBK 编码的 CSV", file_name) from exc
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows, cells = [], 0
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        cells += len(row)
        if cells > limits.max_cells:
            raise IngestError(f"表格过大（超过{limits.max_cells:,}个单元格）", file_name)
        rows.append([_clean(v.strip()) for v in row])
    return [SheetData(PurePath(file_name).stem, _trim(rows), [])]
