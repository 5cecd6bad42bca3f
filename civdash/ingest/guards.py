"""Limits on uploaded files, checked before calamine parses them.

calamine (Rust) holds a sheet as one dense block from its first to its last cell, and reserves memory from
counts written in the file. A file of a few kilobytes with one cell at A1 and one at XFD1048576, a
shared-string count of a billion, an .ods row repeated a million times or a .xls DIMENSIONS record of four
billion rows makes it ask for hundreds of gigabytes, and the process aborts: no Python exception, the
dashboard is gone. So before calamine sees a file, this module works out from the file itself how many
cells its sheets will occupy, and refuses it beyond ``Limits.max_cells``:

- zip (.xlsx/.xlsm/.ods): the central directory first (declared sizes and compression ratio, nothing
  inflated: a zip bomb is refused here); then every XML part streamed through in chunks (Python's zipfile
  stops at the declared size and checks the CRC, as calamine's zip reader does). Cell addresses are read
  column-wise with NumPy on the fast path; a part whose cells are not all plainly addressed is walked
  with expat, following calamine's rules for cells placed by order. .ods content is walked with expat.
- OLE2 (.xls): the compound file through ``ole2.py``, then the BIFF records of every sheet, record by
  record as calamine reads them.
"""

from __future__ import annotations

import posixpath
import re
import struct
import xml.parsers.expat
import zipfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from civdash.ingest.errors import IngestError
from civdash.ingest.ole2 import CompoundFile, CompoundFileError

MiB = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
_CHUNK = MiB
_MAX_CARRY = MiB  # a piece held back for its unfinished tag; real tags are far shorter
_EXCEL_ROWS, _EXCEL_COLS = 1_048_576, 16_384
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet")


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may hold; all checked before its cells are parsed."""

    max_bytes: int = 50 * MiB
    max_cells: int = 20_000_000  # over all sheets, each counted from A1 to its last cell holding a value
    max_unzipped_bytes: int = 500 * MiB
    max_ratio: int = 200  # a zip's total uncompressed ÷ compressed size, once it unzips to over 1 MiB (below
    #                       that, a small part of repetitive XML may compress far better and is harmless anyway)


def size_text(n: int) -> str:
    """1536 → '1.5 KB', 52428800 → '50 MB'."""
    for unit, size in (("GB", 1024 * MiB), ("MB", MiB), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} 字节"


def check_size(data: bytes, where: str, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise IngestError(f"文件过大（{size_text(len(data))}），上限为 {size_text(limits.max_bytes)}", where)


def too_many_cells(limits: Limits) -> str:
    return (f"表格过大：单元格超过 {limits.max_cells:,} 个（每张表从 A1 算到最后一个有内容的单元格），"
            "请删去多余的行列或拆分文件后再上传")


def _damaged(detail: str) -> str:
    return f"文件结构异常（{detail}），无法安全读取；请在 Excel 或 WPS 中打开后另存再上传"


# ---------------------------------------------------------------------------------------------- zip


def check_zip_directory(book: zipfile.ZipFile, where: str, limits: Limits) -> None:
    """Refuse a zip bomb from the central directory alone: nothing is inflated here."""
    infos = book.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise IngestError(_damaged(f"包含 {len(infos):,} 个部件"), where)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    ratio = total / max(packed, 1)
    if total > limits.max_unzipped_bytes or (total > MiB and ratio > limits.max_ratio):
        raise IngestError(
            f"文件解压后过大（声明 {size_text(total)}，压缩比 {ratio:.0f} 倍；上限为 {size_text(limits.max_unzipped_bytes)}、"
            f"{limits.max_ratio} 倍），可能是恶意的“压缩炸弹”，为安全起见拒绝读取", where)
    if any(i.flag_bits & 0x1 for i in infos):
        raise IngestError("文件内容已加密，请取消密码后另存再上传", where)
    if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
        raise IngestError("文件使用了不常见的压缩方式，请在 Excel 或 WPS 中另存为 .xlsx 后再上传", where)


@dataclass
class Hidden:
    """Rows and columns a sheet hides (0-based; columns as inclusive ranges, Excel writes 1 … 16384 for 'all')."""

    rows: set[int] = field(default_factory=set)
    columns: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class ZipScan:
    """What the scan of a zip found: the cells its sheets will occupy, an .ods file's merged cells by sheet, and
    the rows and columns an .xlsx file's sheets hide."""

    cells: int = 0
    merged: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    hidden: dict[str, Hidden] = field(default_factory=dict)


def scan_zip(book: zipfile.ZipFile, where: str, limits: Limits, ods: bool) -> ZipScan:
    """Stream every XML part once and count the cells calamine would allocate for it."""
    scan = ZipScan()
    names = _xlsx_sheet_names(book, where)
    for info in book.infolist():
        if not info.filename.lower().endswith(".xml"):
            continue
        part_where = f"{where} › {names[info.filename]}" if info.filename in names else where
        hidden = Hidden()
        cells = _scan_xlsx_part(book, info, part_where, limits, hidden)
        if cells is None:  # cells placed by order rather than address: follow them one by one
            with book.open(info) as stream:
                cells = _XlsxWalk(info.file_size, limits, part_where, hidden).run(stream)
        if info.filename in names and (hidden.rows or hidden.columns):
            scan.hidden[names[info.filename]] = hidden
        scan.cells += cells
        if scan.cells > limits.max_cells:
            raise IngestError(too_many_cells(limits), part_where)
        if ods and info.filename == "content.xml":
            with book.open(info) as stream:
                sheets, scan.merged = _OdsWalk(limits, where).run(stream)
            for name, sheet_cells in sheets:
                scan.cells += sheet_cells
                if scan.cells > limits.max_cells:
                    raise IngestError(too_many_cells(limits), f"{where} › {name}")
    return scan


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """An entry in chunks, each cut just before its last '<' so that a tag is never split between two chunks.

    A tag with a '<' inside a quoted value can still be cut; the cut tag then fails the strict pattern and
    the part is walked with expat instead, so the cut never hides a cell.
    """
    carry = b""
    while chunk := stream.read(_CHUNK):
        buf = carry + chunk
        cut = buf.rfind(b"<")
        if cut <= 0 and len(buf) <= _MAX_CARRY:
            carry = buf
            continue
        if cut <= 0:
            cut = len(buf)
        yield buf[:cut]
        carry = buf[cut:]
    if carry:
        yield carry


# Every place that may start a <c> element, however it is written (quick-xml ends a name at whitespace, '/' or
# '>', and calamine matches the local name after any prefix) …
_CELL_START = re.compile(rb"<(?:[^\s/><]*:)?c[\s/>]")
_CELL_START_UNPREFIXED = re.compile(rb"<c[\s/>]")
# … and those written the way Excel, WPS, LibreOffice and the usual libraries write them: r first, double quotes,
# no '<' or '>' in a value. When the counts agree, every cell is one of these and its address is plain. Rows and
# columns are read by two patterns (one group each) so that sets of strings, not millions of tuples, are built.
_PLAIN_TAIL = rb'(?: [\w:.-]+="[^"<>]*")*'
_PLAIN_VALUE_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"' + _PLAIN_TAIL + rb">")
_PLAIN_VALUE_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"' + _PLAIN_TAIL + rb">")
_PLAIN_EMPTY = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"' + _PLAIN_TAIL + rb"/>")  # empty: calamine skips it
# Where every start is a plain value cell, a cell's column is all there is to read after its start.
_COLUMN_AFTER_START = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_ATTR = rb"""\s+[^\s=/>"']+\s*=\s*(?:"[^"]*"|'[^']*')"""
_SST_START = re.compile(rb"<(?:[^\s/><]*:)?sst[\s/>]")
_SST_TAG = re.compile(rb"<(?:[^\s/><]*:)?sst((?:" + _ATTR + rb")*)\s*/?>")
_UNIQUE_COUNT = re.compile(rb"""\suniqueCount\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _check_unique_count(value: str, part_size: int, limits: Limits, where: str) -> None:
    """calamine reserves room for ``uniqueCount`` shared strings before reading any of them."""
    if value.isdigit() and (int(value) > limits.max_cells or int(value) > part_size // 5 + 1):
        raise IngestError(_damaged(f"共享字符串数 {int(value):,} 与文件大小不符"), where)


def _check_extent(rows: int, cols: int, limits: Limits, where: str) -> None:
    if rows > _EXCEL_ROWS or cols > _EXCEL_COLS:
        raise IngestError(_damaged("单元格地址超出 Excel 的范围"), where)
    if rows * cols > limits.max_cells:
        raise IngestError(too_many_cells(limits), where)


_HIDDEN_TAG = re.compile(rb"<(?:[^\s/><]*:)?(row|col)\s[^<>]*?\bhidden\s*=\s*[\"'](?:1|true)[\"'][^<>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d{1,7})["']""")
_COL_RANGE = (re.compile(rb"""\smin\s*=\s*["'](\d{1,5})["']"""), re.compile(rb"""\smax\s*=\s*["'](\d{1,5})["']"""))


def _note_hidden(piece: bytes, hidden: Hidden) -> None:
    """Rows (<row r="5" hidden="1">) and columns (<col min="3" max="4" hidden="1">) a piece of a sheet hides."""
    for m in _HIDDEN_TAG.finditer(piece):
        tag = m.group(0)
        if m.group(1) == b"row":
            if found := _ROW_NUMBER.search(tag):
                hidden.rows.add(int(found.group(1)) - 1)
        elif (low := _COL_RANGE[0].search(tag)) and (high := _COL_RANGE[1].search(tag)):
            hidden.columns.append((int(low.group(1)) - 1, int(high.group(1)) - 1))


def _scan_xlsx_part(book: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limits: Limits,
                    hidden: Hidden | None = None) -> int | None:
    """Cells of a part whose every <c> is plainly written with its address; None when one is not (walk it then).

    Pieces are inflated here while two threads read the addresses of the pieces before (zlib and NumPy let go of
    the interpreter lock, so a large sheet is scanned on both cores); at most a few pieces are held at a time."""
    max_row = max_col = 0
    pending: deque[Future[tuple[int, int] | None]] = deque()

    def settle(future: Future[tuple[int, int] | None]) -> bool:
        nonlocal max_row, max_col
        found = future.result()
        if found is None:
            return False
        if found[0]:
            max_row, max_col = max(max_row, found[0]), max(max_col, found[1])
            _check_extent(max_row, max_col, limits, where)
        return True

    with book.open(info) as stream, ThreadPoolExecutor(max_workers=_SCAN_THREADS) as pool:
        try:
            for piece in _pieces(stream):
                if hidden is not None and b"hidden" in piece:
                    _note_hidden(piece, hidden)
                if b"sst" in piece:
                    if len(_SST_START.findall(piece)) != len(_SST_TAG.findall(piece)):
                        return None
                    for attrs in _SST_TAG.findall(piece):
                        for count in _UNIQUE_COUNT.findall(attrs):
                            _check_unique_count((count[0] or count[1]).decode("ascii", "replace"), info.file_size,
                                                limits, where)
                pending.append(pool.submit(_plain_extent if b":c" not in piece else _prefixed_extent, piece))
                while len(pending) > 2 * _SCAN_THREADS:
                    if not settle(pending.popleft()):
                        return None
            while pending:
                if not settle(pending.popleft()):
                    return None
        finally:
            for future in pending:
                future.cancel()
    return max_row * max_col


_SCAN_THREADS = 2
_ADDRESS_WINDOW = 12  # '<c r="' is followed by up to 3 letters, up to 7 digits and the closing quote
_LT, _GT, _QUOTE, _SLASH = ord("<"), ord(">"), ord('"'), ord("/")
_AFTER_NAME = np.zeros(256, dtype=bool)  # what may follow '<c' in a cell's start tag (quick-xml ends a name there)
_AFTER_NAME[[ord(" "), ord("\t"), ord("\n"), ord("\r"), _SLASH, _GT]] = True


def _plain_extent(piece: bytes) -> tuple[int, int] | None:
    """(last row, last column) of the cells holding something in a piece without prefixed names, (0, 0) when it
    has none; None when some cell is not written plainly (``<c r="B7" …>`` with double-quoted attributes and no
    '<' or '>' inside them, no leading zero in the row). Column-wise with NumPy: the piece's cell starts, then
    their addresses side by side, compared as big-endian integers of their bytes (with no leading zero, a longer
    run of letters or digits is the larger number, and runs of one length compare as their bytes do)."""
    raw = np.frombuffer(piece, dtype=np.uint8)
    data = np.concatenate([raw, np.zeros(_ADDRESS_WINDOW + 2, dtype=np.uint8)])  # room to read past the end
    pairs = np.flatnonzero((raw[:-1] == _LT) & (raw[1:] == ord("c")))  # every '<c', then those ending a name
    starts = pairs[_AFTER_NAME[data[pairs + 2]]]
    if not len(starts):
        return 0, 0
    if not ((data[starts + 2] == ord(" ")) & (data[starts + 3] == ord("r")) & (data[starts + 4] == ord("="))
            & (data[starts + 5] == _QUOTE)).all():
        return None  # a cell without its address first, or in single quotes
    head = np.lib.stride_tricks.sliding_window_view(data, 4)[starts + 6]  # the 4 bytes after '<c r="'
    letters = np.argmin((head - np.uint8(ord("A"))) < 26, axis=1)  # leading capitals: 1 to 3 (4 or none: refused)
    after = np.lib.stride_tricks.sliding_window_view(data, 8)[starts + 6 + letters]  # the 8 bytes after them
    digits = np.argmin((after - np.uint8(ord("0"))) < 10, axis=1)  # 8 digits give 0: refused as none
    if ((letters < 1) | (letters > 3) | (digits < 1) | (after[:, 0] == ord("0"))
            | (after.ravel()[np.arange(len(starts)) * 8 + digits] != _QUOTE)).any():
        return None
    # The end of each start tag: the first '>' after it. It must close a quoted value (or '/' after one, for an
    # empty cell), and not be the '>' right after '="' that opens one: then no '>' hides inside a quoted value.
    closes = np.flatnonzero(raw == _GT)
    at = np.searchsorted(closes, starts)
    if (at >= len(closes)).any():
        return None
    ends = closes[at]
    empty = data[ends - 1] == _SLASH  # '<c r="Z1" s="2"/>' holds nothing: calamine skips it
    quote = ends - 1 - empty
    if ((data[quote] != _QUOTE) | (data[quote - 1] == ord("="))).any():
        return None
    if empty.all():
        return 0, 0
    return _largest(after, digits, empty, int), _largest(head, letters, empty, _column_number)


def _largest(runs: np.ndarray, lengths: np.ndarray, skip: np.ndarray, number) -> int:
    """The largest of the numbers written at the start of each row of ``runs`` (``lengths`` bytes each, no
    leading zero), rows ``skip`` aside: the longest run, and of those the greatest as a big-endian integer."""
    width = runs.shape[1]
    value = runs.view(f">u{width}").ravel().astype(np.uint64) >> (np.uint64(8) * (width - lengths).astype(np.uint64))
    keys = np.where(skip, np.uint64(0), (lengths.astype(np.uint64) << np.uint64(56)) | value)
    best = int(keys.max())
    longest = best >> 56
    return number((best & (2**56 - 1)).to_bytes(longest, "big").decode("ascii"))


def _prefixed_extent(piece: bytes) -> tuple[int, int] | None:
    """``_plain_extent`` for a piece where names may carry a prefix (x:c): the cells are found by pattern."""
    starts = len(_CELL_START.findall(piece))
    rows = _PLAIN_VALUE_ROW.findall(piece)
    if starts != len(rows) + len(_PLAIN_EMPTY.findall(piece)):
        return None  # a cell that is not a plain value or a plain empty cell: a prefixed one, or not plain
    if not rows:
        return 0, 0
    columns = _PLAIN_VALUE_COLUMN.findall(piece)
    return max(map(int, set(rows))), max(_column_number(c.decode()) for c in set(columns))


def _expat(handler_owner: object, where: str) -> xml.parsers.expat.XMLParserType:
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_doctype(*_: object) -> None:
        raise IngestError(_damaged("含有 DOCTYPE 声明"), where)

    parser.StartDoctypeDeclHandler = no_doctype
    parser.StartElementHandler = handler_owner.start  # type: ignore[attr-defined]
    parser.EndElementHandler = handler_owner.end  # type: ignore[attr-defined]
    return parser


def _parse(parser: xml.parsers.expat.XMLParserType, stream: IO[bytes], where: str) -> None:
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise IngestError(_damaged(f"XML 格式错误，第 {exc.lineno} 行"), where) from exc


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _XlsxWalk:
    """calamine's rules for cells placed by order: <row r> sets the row and </row> moves to the next; a cell
    without r follows the one before it; an empty element counts as opened and closed; only cells that hold
    something are kept."""

    def __init__(self, part_size: int, limits: Limits, where: str, hidden: Hidden | None = None) -> None:
        self.part_size, self.limits, self.where = part_size, limits, where
        self.hidden = hidden
        self.row = self.col = self.max_row = self.max_col = 0
        self.cell: tuple[int, int] | None = None
        self.cell_filled = False
        self.sst_seen = False

    def run(self, stream: IO[bytes]) -> int:
        _parse(_expat(self, self.where), stream, self.where)
        return self.max_row * self.max_col

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if self.cell is not None:
            self.cell_filled = True
        elif local == "row":
            match = re.fullmatch(r"[A-Za-z]*([0-9]+)", attrs.get("r", ""))
            if match:
                self.row = int(match.group(1)) - 1
            if self.hidden is not None and attrs.get("hidden") in ("1", "true"):
                self.hidden.rows.add(self.row)
        elif local == "col" and self.hidden is not None and attrs.get("hidden") in ("1", "true"):
            low, high = attrs.get("min", ""), attrs.get("max", "")
            if low.isdigit() and high.isdigit():
                self.hidden.columns.append((int(low) - 1, int(high) - 1))
        elif local == "c":
            match = re.fullmatch(r"([A-Za-z]+)([0-9]+)", attrs.get("r", ""))
            if match:
                self.col = _column_number(match.group(1)) - 1
                self.cell = (int(match.group(2)) - 1, self.col)
            else:
                self.cell = (self.row, self.col)
            self.cell_filled = False
        elif local == "sst" and not self.sst_seen:
            self.sst_seen = True
            _check_unique_count(attrs.get("uniqueCount", ""), self.part_size, self.limits, self.where)

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "c" and self.cell is not None:
            if self.cell_filled:
                self.max_row, self.max_col = max(self.max_row, self.cell[0] + 1), max(self.max_col, self.cell[1] + 1)
                _check_extent(self.max_row, self.max_col, self.limits, self.where)
            self.cell = None
            self.col += 1
        elif local == "row" and self.cell is None:
            self.row += 1
            self.col = 0


class _OdsWalk:
    """An .ods content.xml as calamine expands it: repeated rows and columns count as many times as they
    repeat wherever something with a value follows; spanned cells become merged ranges."""

    MAX_SPAN_REPEATS = 1_000
    _VALUE_ATTRS = ("office:value-type", "office:value", "office:date-value", "office:time-value",
                    "office:boolean-value", "office:string-value")

    def __init__(self, limits: Limits, where: str) -> None:
        self.limits, self.where = limits, where
        self.sheets: list[tuple[str, int]] = []
        self.merged: dict[str, list[tuple[int, int, int, int]]] = {}
        self.name: str | None = None
        self.row = self.max_row = self.max_col = 0
        self.row_repeat = 1
        self.col = self.row_width = 0
        self.spans: list[tuple[int, int, int]] = []
        self.cell_repeat = 0
        self.cell_filled = False
        self.in_cell = False

    def run(self, stream: IO[bytes]) -> tuple[list[tuple[str, int]], dict[str, list[tuple[int, int, int, int]]]]:
        _parse(_expat(self, self.where), stream, self.where)
        return self.sheets, self.merged

    @staticmethod
    def _count(attrs: dict[str, str], name: str) -> int:
        value = attrs.get(name, "")
        return int(value) if value.isdigit() and int(value) > 0 else 1

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.in_cell:
            self.cell_filled = True
        elif name == "table:table":
            self.name = attrs.get("table:name", "")
            self.row = self.max_row = self.max_col = 0
        elif name == "table:table-row":
            self.row_repeat = self._count(attrs, "table:number-rows-repeated")
            self.col = self.row_width = 0
            self.spans = []
        elif name in ("table:table-cell", "table:covered-table-cell"):
            self.in_cell = True
            self.cell_repeat = self._count(attrs, "table:number-columns-repeated")
            self.cell_filled = any(a in attrs for a in self._VALUE_ATTRS)
            rows, cols = self._count(attrs, "table:number-rows-spanned"), self._count(attrs, "table:number-columns-spanned")
            if rows > 1 or cols > 1:
                self.spans.append((self.col, rows, cols))

    def end(self, name: str) -> None:
        if name in ("table:table-cell", "table:covered-table-cell") and self.in_cell:
            self.in_cell = False
            if self.cell_filled:
                self.row_width = self.col + self.cell_repeat
            self.col += self.cell_repeat
        elif self.in_cell:
            return
        elif name == "table:table-row":
            self._end_row()
        elif name == "table:table" and self.name is not None:
            self.sheets.append((self.name, self.max_row * self.max_col))
            self.name = None

    def _end_row(self) -> None:
        if self.name is None:
            return
        for k in range(min(self.row_repeat, self.MAX_SPAN_REPEATS)):
            for col, rows, cols in self.spans:
                self.merged.setdefault(self.name, []).append((self.row + k, col, self.row + k + rows - 1, col + cols - 1))
        if self.row_width:
            self.max_row = self.row + self.row_repeat
            self.max_col = max(self.max_col, self.row_width)
            if self.max_row * self.max_col > self.limits.max_cells:
                raise IngestError(too_many_cells(self.limits), f"{self.where} › {self.name}")
        self.row += self.row_repeat


class _Relationships:
    """Relationship targets of a .rels part, and sheet names with their relationship ids of a workbook part."""

    def __init__(self) -> None:
        self.targets: dict[str, tuple[str, str]] = {}  # id → (type, target)
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "Relationship":
            self.targets[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))
        elif local == "sheet":
            rel_id = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), rel_id))

    def end(self, name: str) -> None:
        pass


def _xlsx_sheet_names(book: zipfile.ZipFile, where: str) -> dict[str, str]:
    """Part → sheet name, from the workbook and its relationships; refuses a sheet stored in a part that is not XML."""
    parts: dict[str, _Relationships] = {}
    for info in book.infolist():
        lower = info.filename.lower()
        if lower.endswith(".rels") or lower.endswith("/workbook.xml") or lower == "workbook.xml":
            found = _Relationships()
            with book.open(info) as stream:
                _parse(_expat(found, where), stream, where)
            parts[info.filename] = found
    names: dict[str, str] = {}
    for part, rels in parts.items():
        if not part.lower().endswith(".rels"):
            continue
        for rel_type, target in rels.targets.values():
            if rel_type.endswith(_SHEET_TYPES) and not target.lower().endswith(".xml"):
                raise IngestError(_damaged(f"工作表存放在非 XML 部件“{target}”中"), where)
        folder = posixpath.dirname(posixpath.dirname(part))  # xl/_rels/workbook.xml.rels → xl
        workbook = parts.get(posixpath.join(folder, posixpath.basename(part).removesuffix(".rels")))
        for sheet, rel_id in workbook.sheets if workbook else ():
            _, target = rels.targets.get(rel_id, ("", ""))
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            names[path] = sheet
    return names


# ---------------------------------------------------------------------------------------------- xls


@dataclass
class BiffScan:
    encrypted: bool = False
    sheets: list[tuple[str, int]] = field(default_factory=list)  # (name, cells calamine will hold)


_CELL_RECORDS = {0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD}
_FORMULA, _MULRK, _DIMENSIONS, _BOF, _EOF, _FILEPASS, _BOUNDSHEET, _CODEPAGE = (
    0x0006, 0x00BD, 0x0200, 0x0809, 0x000A, 0x002F, 0x0085, 0x0042)


def open_compound(data: bytes, where: str) -> CompoundFile:
    try:
        return CompoundFile(data)
    except (CompoundFileError, struct.error) as exc:
        raise IngestError("文件已损坏，无法作为 Excel 97-2003 工作簿打开", where) from exc


def scan_biff(stream: bytes, where: str, limits: Limits) -> BiffScan:
    """The BIFF records of a .xls Workbook stream: password protection and the cells each sheet will hold."""
    scan = BiffScan()
    bounds: list[tuple[int, str]] = []
    biff8, codepage = True, "gbk"
    for typ, data in _records(stream, 0):
        if typ == _EOF:
            break
        if typ == _BOF and len(data) >= 2:
            biff8 = struct.unpack_from("<H", data)[0] == 0x0600
        elif typ == _FILEPASS:
            scan.encrypted = True
            return scan
        elif typ == _CODEPAGE and len(data) >= 2:
            codepage = {1200: "utf-16-le", 65001: "utf-8"}.get(struct.unpack_from("<H", data)[0], "gbk")
        elif typ == _BOUNDSHEET and len(data) >= 8:
            bounds.append((struct.unpack_from("<I", data)[0], _sheet_name(data, biff8, codepage)))
    budget = [2 * len(stream) + 1024]  # substreams of a real file do not overlap: twice the stream is plenty
    cache: dict[int, int] = {}
    total = 0
    for pos, name in bounds:
        sheet_where = f"{where} › {name}"
        if pos not in cache:
            if pos >= len(stream):
                raise IngestError(_damaged("工作表的位置超出文件"), sheet_where)
            cache[pos] = _sheet_cells(stream, pos, budget, sheet_where, limits)
        scan.sheets.append((name, cache[pos]))
        total += cache[pos]
        if total > limits.max_cells:
            raise IngestError(too_many_cells(limits), sheet_where)
    return scan


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, bytes]]:
    while pos + 4 <= len(stream):
        typ, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > len(stream):
            return
        yield typ, stream[pos + 4:pos + 4 + size]
        pos += 4 + size


def _sheet_name(data: bytes, biff8: bool, codepage: str) -> str:
    count = data[6]
    if biff8:
        wide = data[7] & 1
        return data[8:8 + (2 if wide else 1) * count].decode("utf-16-le" if wide else "latin-1", errors="replace")
    return data[7:7 + count].decode(codepage, errors="replace")


def _sheet_cells(stream: bytes, pos: int, budget: list[int], where: str, limits: Limits) -> int:
    """Cells calamine will reserve and allocate for the sheet substream at ``pos``, following its loop."""
    reserved = max_row = max_col = 0
    seen_bof, depth = False, 0
    for typ, data in _records(stream, pos):
        budget[0] -= 4 + len(data)
        if budget[0] < 0:
            raise IngestError(_damaged("工作表记录互相重叠"), where)
        if depth:
            depth += 1 if typ == _BOF else -1 if typ == _EOF else 0
            continue
        if typ == _BOF:
            if seen_bof:
                depth = 1  # an embedded chart: calamine skips it
            seen_bof = True
        elif typ == _EOF:
            break
        elif typ == _DIMENSIONS and len(data) in (10, 14):
            reserved = max(reserved, _dimensions_reserve(data))
        elif (typ in _CELL_RECORDS and len(data) >= 4) or (typ == _FORMULA and len(data) >= 20):
            row, col = struct.unpack_from("<HH", data)
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        elif typ == _MULRK and len(data) >= 6:
            row, first = struct.unpack_from("<HH", data)
            max_row, max_col = max(max_row, row + 1), max(max_col, first + (len(data) - 6) // 6)
        if max(reserved, max_row * max_col) > limits.max_cells:
            raise IngestError(too_many_cells(limits), where)
    return max(reserved, max_row * max_col)


def _dimensions_reserve(data: bytes) -> int:
    """calamine's ``cells.reserve(rows * cols)`` from a DIMENSIONS record, u32 wrap-around included."""
    if len(data) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", data)
    else:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", data)
    if first_col > 0xFF or last_col < first_col:
        first_col = 0
    if last_row >= 1 and last_col >= 1:
        start, end = (first_row, first_col), (last_row - 1, last_col - 1)
    else:
        start = end = (first_row, first_col)
    rows = (end[0] - start[0] + 1) & 0xFFFFFFFF
    cols = (end[1] - start[1] + 1) & 0xFFFFFFFF
    return rows * cols
