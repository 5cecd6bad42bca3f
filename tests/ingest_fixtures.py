"""Small, realistic upload files for the ingestion tests, and files that must be refused.

Every ``write_*`` function writes one file into a directory and returns its path. The grids behind the
files come from plain functions (``report_sheet``, ``long_table_sheet`` …), so a test can compare what a
reader gives back with exactly what was written. Township names are the demo district's
(data/demo_townships.csv, 重庆市黔江区), written short as statisticians do (城东 for 城东街道); magnitudes
follow shared/domain/NOTES.md (城市低保 1,652 people and 532万元 in six months, 农村低保 9,089 people …).

Formats: .xlsx through xlsxwriter; .ods and .xls written by hand, since nothing installed writes them
(openpyxl writes neither; no BIFF writer such as xlwt is installed): .ods is a minimal OpenDocument zip
(``mimetype`` first and stored), .xls a minimal BIFF8 workbook (SST strings, NUMBER cells, MERGEDCELLS) in a
minimal OLE2 compound file. CSV in UTF-8, UTF-8 with BOM and GBK.
"""

from __future__ import annotations

import csv
import io
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
Cell = object  # str | int | float | bool | date | datetime | Formula | None


@dataclass(frozen=True)
class Formula:
    """A formula cell with the value a spreadsheet program would have cached for it (xlsx only)."""

    text: str
    value: float


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[Cell]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # inclusive, 0-based
    hidden_rows: tuple[int, ...] = ()  # 0-based rows and columns hidden in the workbook (.xlsx)
    hidden_cols: tuple[int, ...] = ()
    hidden: bool = False  # the sheet itself hidden


def values(sheet: Sheet) -> list[list[object]]:
    """The grid as a reader should give it back: formulas as their cached values."""
    return [[c.value if isinstance(c, Formula) else c for c in row] for row in sheet.rows]


# --------------------------------------------------------------------------------------------- grids


def townships() -> list[tuple[str, str, str]]:
    """(full name, short name, type) of the demo district's 30 townships, in registry order."""
    with (ROOT / "data" / "demo_townships.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(r["name"], r["name"].removesuffix(r["type"]), r["type"]) for r in rows]


def _short_names() -> list[str]:
    """Names as a statistician types them: short, one former name (中塘乡), one with stray spaces."""
    names = [short for _, short, _ in townships()]
    names[names.index("中塘")] = "中塘乡"
    names[names.index("黎水")] = " 黎水 "
    return names


def report_sheet(year: int, month: int, name: str | None = None) -> Sheet:
    """A township-by-indicator 城乡低保 monthly report as bureaus keep it.

    Title row, a 填报单位/单位：万元 line, a two-level merged header, a units row, a 序号 row, 30 township
    rows, a 合计 row (SUM formulas), a 注 line and a 审核人 line. Amounts are 1-N月累计 in 万元; blank cells
    where 新增/退出 are zero.
    """
    rng = random.Random(year)  # the same townships all year, so year-to-date totals grow month by month
    changes = random.Random(year * 100 + month)
    rows: list[list[Cell]] = [
        [f"黔江区{year}年{month}月城乡低保情况统计表"] + [None] * 10,
        ["填报单位：黔江区民政局（盖章）"] + [None] * 7 + ["单位：万元", None, None],
        ["乡镇（街道）", "城市低保", None, "农村低保", None, "动态管理（人）", None, f"1-{month}月资金支出", None,
         "当月资金支出", "备注"],
        [None, "户数", "人数", "户数", "人数", "当月新增", "当月退出", "城市低保金", "农村低保金", None, None],
        [None, "户", "人", "户", "人", "人", "人", "万元", "万元", "万元", None],
        ["甲", 1, 2, 3, 4, 5, 6, 7, 8, 9, "乙"],
    ]
    first = len(rows)
    for (_, _, kind), shown in zip(townships(), _short_names(), strict=True):
        urban = kind == "街道"
        city = rng.randint(180, 320) if urban else rng.randint(4, 40)
        rural = rng.randint(20, 60) if urban else rng.randint(220, 480)
        new, left = changes.choice([0, 0, 1, 2, 3, 5]), changes.choice([0, 0, 1, 2])
        city_ytd = round(city * 537 * month / 10000, 2)
        rural_ytd = round(rural * 400 * month / 10000, 2)
        this_month = round((city * 537 + rural * 400) / 10000, 2)
        note = "新增5户系整户纳入" if shown == "城东" and new == 5 else None
        rows.append([shown, round(city / 1.7), city, round(rural / 1.8), rural, new or None, left or None, city_ytd,
                     rural_ytd, this_month, note])
    last = len(rows) - 1
    total: list[Cell] = ["合计"]
    for col in range(1, 10):
        letter = "ABCDEFGHIJ"[col]
        amount = round(sum(r[col] or 0 for r in rows[first:]), 2)  # type: ignore[misc]
        total.append(Formula(f"=SUM({letter}{first + 1}:{letter}{last + 1})", amount))
    rows += [total + [None], [None] * 11,
             [f"注：1. 资金为1-{month}月累计数，当月资金支出为{month}月发生数；2. 人数为月末在册人数。"] + [None] * 10,
             [f"审核人：张敏    填表人：李静    填表日期：{year}年{month}月28日"] + [None] * 10]
    merged = [(0, 0, 0, 10), (2, 0, 3, 0), (2, 1, 2, 2), (2, 3, 2, 4), (2, 5, 2, 6), (2, 7, 2, 8), (2, 9, 3, 9),
              (2, 10, 3, 10)]
    return Sheet(name or f"{month}月", rows, merged)


def notes_sheet(name: str = "说明") -> Sheet:
    return Sheet(name, [["填表说明"], ["1. 各乡镇（街道）于每月5日前报送上月数据；"], ["2. 资金单位为万元，保留两位小数；"],
                        ["3. 人数为月末在册人数，资金为当年1月至本月累计数。"]])


def long_table_sheet(dates: bool = True) -> Sheet:
    """期间/乡镇/指标/数值/单位, one row per value (months 2025-04 … 2025-06); 期间 a real date unless ``dates`` is False."""
    rng = random.Random(7)
    rows: list[list[Cell]] = [["期间", "乡镇", "指标", "数值", "单位"]]
    for month in (4, 5, 6):
        period: Cell = date(2025, month, 1) if dates else f"2025年{month}月"
        for full, _, kind in townships():
            persons = rng.randint(180, 320) if kind == "街道" else rng.randint(4, 40)
            rows.append([period, full, "城市低保人数", persons, "人"])
            rows.append([period, full, "城市低保金", round(persons * 537.5, 2), "元"])
            rows.append([period, full, "临时救助人次", rng.randint(0, 3), "人次"])
    return Sheet("明细", rows)


def long_table_text_rows() -> list[list[str]]:
    """The long table as text, the way it is saved to CSV."""
    return [[str(v) for v in row] for row in long_table_sheet(dates=False).rows]


def district_form_sheet() -> Sheet:
    """A district-level form (指标名称 | 单位 | 数量) with a title, as 汇报材料 figures come in."""
    rows: list[list[Cell]] = [
        ["黔江区民政局2025年6月主要业务指标", None, None],
        ["指标名称", "单位", "数量"],
        ["城市低保人数", "人", 1652],
        ["城市低保金（1-6月累计）", "万元", 532],
        ["农村低保人数", "人", 9089],
        ["农村低保金（1-6月累计）", "万元", 2182],
        ["特困人员供养金（1-6月累计）", "万元", 266],
        ["临时救助（1-6月累计）", "人次", 13],
        ["临时救助金（1-6月累计）", "万元", 90],
        ["孤儿和事实无人抚养儿童生活补贴", "万元", 33],
        ["残疾人护理补贴", "人次", 9553],
        ["残疾人生活补贴", "人次", 26026],
        ["高龄失能老人养老服务补贴（9月）", "元", 231600],
        ["居家适老化改造（年度目标950户）", "户", 412],
        ["“渝快社区”注册用户数", "人", 45231],
        ["是否完成季度核查", None, True],
        ["填报日期", None, datetime(2025, 7, 5)],
    ]
    return Sheet("主要指标", rows, [(0, 0, 0, 2)])


# -------------------------------------------------------------------------------------------- xlsx


def write_xlsx(path: Path, sheets: list[Sheet]) -> Path:
    path.write_bytes(xlsx_bytes(sheets))
    return path


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """An .xlsx as a bureau keeps it: bordered bold merged headers, 0.00 amounts, dates with Chinese formats."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"created": datetime(2025, 7, 1, 9, 0)})  # the same grid gives the same bytes
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    money = book.add_format({"num_format": "0.00", "border": 1})
    day = book.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    month = book.add_format({"num_format": 'yyyy"年"m"月"'})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        merged_tops = {(r0, c0) for r0, c0, _, _ in sheet.merged}
        for r0, c0, r1, c1 in sheet.merged:
            ws.merge_range(r0, c0, r1, c1, sheet.rows[r0][c0], bold)  # type: ignore[arg-type]
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in merged_tops:
                    continue
                if isinstance(value, Formula):
                    ws.write_formula(r, c, value.text, money, value.value)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, c, value, day)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), month)
                elif isinstance(value, float):
                    ws.write_number(r, c, value, money)
                elif isinstance(value, int):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        for r in sheet.hidden_rows:
            ws.set_row(r, None, None, {"hidden": True})
        for c in sheet.hidden_cols:
            ws.set_column(c, c, None, None, {"hidden": True})
        if sheet.hidden:
            ws.hide()
    book.close()
    return buf.getvalue()


def round3_workbook(year: int = 2025, month: int = 4) -> tuple[list[Sheet], dict[tuple[str, str], float]]:
    """A month as real bureaus lay it out (the layouts of issue 20), and the (indicator, full name) → value it holds.

    特困: 合计 group first, then 集中供养 / 分散供养 (人数, 金额（元）), last month's two 合计 columns hidden in front.
    城乡低保: 序号 and 区划代码 columns, names with the county before them (黔江区城东街道), a WPS-style 合计 row right
    under the header, 一、街道 / 二、镇 / 三、乡 group rows carrying their townships' sums. And last month's sheet,
    hidden."""
    with (ROOT / "data" / "demo_townships.csv").open(encoding="utf-8") as f:
        towns = [(r["code"], r["name"], r["type"]) for r in csv.DictReader(f)]
    rng = random.Random(year * 100 + month)
    expected: dict[tuple[str, str], float] = {}
    tekun: list[list[Cell]] = [[f"黔江区{year}年{month}月特困人员救助供养情况统计表"] + [None] * 8,
                               ["乡镇", "上月", None, "合计", None, "集中供养", None, "分散供养", None],
                               [None, "人数", "金额（元）", "人数", "金额（元）", "人数", "金额（元）", "人数", "金额（元）"]]
    for _, name, _ in towns:
        (cp, dp) = (rng.randint(0, 20), rng.randint(5, 60))
        cf, df = cp * 1_450, dp * 720
        tekun.append([name, 999, 999, cp + dp, cf + df, cp, cf, dp, df])
        expected[("tekun_persons", name)], expected[("tekun_funds", name)] = cp + dp, cf + df
    tekun_merged = [(0, 0, 0, 8), (1, 0, 2, 0), (1, 1, 1, 2), (1, 3, 1, 4), (1, 5, 1, 6), (1, 7, 1, 8)]
    dibao: list[list[Cell]] = [[f"黔江区{year}年{month}月城乡低保统计表"] + [None] * 5,
                               ["序号", "区划代码", "乡镇（街道）", "城市低保人数", "农村低保人数", "备注"]]
    figures = {name: (rng.randint(20, 300), rng.randint(50, 500)) for _, name, _ in towns}
    dibao.append(["合计", None, None, sum(u for u, _ in figures.values()), sum(r for _, r in figures.values()), None])
    number = 0
    for group, kind in (("一、街道", "街道"), ("二、镇", "镇"), ("三、乡", "乡")):
        members = [(code, name) for code, name, t in towns if t == kind]
        dibao.append([group, None, None, sum(figures[n][0] for _, n in members), sum(figures[n][1] for _, n in members),
                      None])
        for code, name in members:
            number += 1
            urban, rural = figures[name]
            dibao.append([number, code, f"黔江区{name}", urban, rural, None])
            expected[("dibao_urban_persons", name)], expected[("dibao_rural_persons", name)] = urban, rural
    dibao.append(["注：人数为月末在册人数。", None, None, None, None, None])
    last = Sheet(f"{month - 1}月", [[f"黔江区{year}年{month - 1}月城乡低保统计表"], ["乡镇（街道）", "城市低保人数"],
                                   *([name, 1] for _, name, _ in towns)], hidden=True)
    return [Sheet("特困", tekun, tekun_merged, hidden_cols=(1, 2)), Sheet("低保", dibao, [(2, 0, 2, 2)]), last], expected


def write_report_xlsx(directory: Path, year: int = 2025, month: int = 4) -> Path:
    return write_xlsx(directory / f"{year}年{month}月城乡低保统计表.xlsx", [report_sheet(year, month, "主要指标")])


def monthly_workbook_sheets(year: int = 2024) -> list[Sheet]:
    """说明 first, then 1月 … 12月, then an empty sheet, as a year's workbook is kept."""
    return [notes_sheet(), *(report_sheet(year, m) for m in range(1, 13)), Sheet("Sheet1", [])]


def write_monthly_workbook(directory: Path, year: int = 2024) -> Path:
    return write_xlsx(directory / f"{year}年城乡低保月报.xlsx", monthly_workbook_sheets(year))


def write_long_table_xlsx(directory: Path) -> Path:
    return write_xlsx(directory / "低保明细（长表）.xlsx", [long_table_sheet()])


def write_district_form_xlsx(directory: Path) -> Path:
    return write_xlsx(directory / "2025年6月主要业务指标.xlsx", [district_form_sheet()])


# --------------------------------------------------------------------------------------------- CSV


def write_csv(directory: Path, encoding: str = "utf-8", bom: bool = False, delimiter: str = ",",
              name: str | None = None) -> Path:
    """The long table as text; ``encoding`` 'utf-8' or 'gbk', with or without a BOM."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(long_table_text_rows())
    data = (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode(encoding)
    path = directory / (name or f"低保明细-{encoding}{'-bom' if bom else ''}.csv")
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------------- ODS

_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{_ODS_MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_ODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" \
office:version="1.2"><office:body><office:spreadsheet>"""
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"


def _ods_cell(value: Cell, span: tuple[int, int] | None, covered: bool) -> str:
    tag = "table:covered-table-cell" if covered else "table:table-cell"
    attrs = f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"' if span else ""
    if isinstance(value, Formula):
        value = value.value
    if value is None:
        return f"<{tag}{attrs}/>"
    if isinstance(value, bool):
        shown = "TRUE" if value else "FALSE"
        attrs += f' office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, int | float):
        shown = str(value)
        attrs += f' office:value-type="float" office:value="{value!r}"'
    elif isinstance(value, date):  # LibreOffice writes a date alone when there is no time of day
        midnight = isinstance(value, datetime) and value.time() == datetime.min.time()
        shown = value.date().isoformat() if midnight else value.isoformat()  # type: ignore[attr-defined]
        attrs += f' office:value-type="date" office:date-value="{shown}"'
    else:
        shown = str(value)
        attrs += ' office:value-type="string"'
    return f"<{tag}{attrs}><text:p>{escape(shown)}</text:p></{tag}>"


def ods_table(sheet: Sheet, trailing_rows: int = 0) -> str:
    """One <table:table>; ``trailing_rows`` adds the repeated empty rows LibreOffice writes after the data."""
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in sheet.merged}
    covered = {(r, c) for r0, c0, r1, c1 in sheet.merged for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(spans)
    parts = [f"<table:table table:name={quoteattr(sheet.name)}>"]
    for r, row in enumerate(sheet.rows):
        parts.append("<table:table-row>" + "".join(
            _ods_cell(v, spans.get((r, c)), (r, c) in covered) for c, v in enumerate(row)) + "</table:table-row>")
    if trailing_rows:
        parts.append(f'<table:table-row table:number-rows-repeated="{trailing_rows}">'
                     '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    if not sheet.rows:
        parts.append("<table:table-row><table:table-cell/></table:table-row>")
    parts.append("</table:table>")
    return "".join(parts)


def ods_bytes(tables_xml: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), _ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        z.writestr("content.xml", _ODS_HEAD + tables_xml + _ODS_TAIL)
    return buf.getvalue()


def ods_sheets() -> list[Sheet]:
    return [report_sheet(2025, 5, "5月"), notes_sheet(), district_form_sheet(), Sheet("空表", [])]


def write_report_ods(directory: Path) -> Path:
    sheets = ods_sheets()
    path = directory / "2025年5月城乡低保统计表.ods"
    path.write_bytes(ods_bytes("".join(ods_table(s, trailing_rows=1_048_000 if i == 0 else 0) for i, s in enumerate(sheets))))
    return path


# --------------------------------------------------------------------------------------------- OLE2

_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 OLE2 compound file (512-byte sectors) holding ``streams``; each is padded to 4096 bytes
    so that it lives in regular sectors (no mini stream)."""
    datas = [(name, data.ljust(4096, b"\0")) for name, data in streams.items()]
    chains: list[tuple[int, int]] = []  # (first sector, sector count) per stream
    sector = 0
    for _, data in datas:
        count = -(-len(data) // 512)
        chains.append((sector, count))
        sector += count
    dir_entries = 1 + len(datas)
    dir_sectors = -(-dir_entries // 4)
    dir_start = sector
    sector += dir_sectors
    fat_sectors = 1
    while (sector + fat_sectors) > fat_sectors * 128:
        fat_sectors += 1
    fat_start = sector
    total = sector + fat_sectors
    fat = [_FREESECT] * (fat_sectors * 128)
    for start, count in chains + [(dir_start, dir_sectors)]:
        for i in range(count):
            fat[start + i] = start + i + 1 if i < count - 1 else _ENDOFCHAIN
    for i in range(fat_sectors):
        fat[fat_start + i] = _FATSECT
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_sectors, dir_start, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0)
    difat = [fat_start + i for i in range(fat_sectors)] + [_FREESECT] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)

    def entry(name: str, kind: int, start: int, size: int, right: int, child: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
        raw = bytearray(128)
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HBBIII", raw, 64, len(encoded), kind, 1, _NOSTREAM, right, child)
        struct.pack_into("<IQ", raw, 116, start, size)
        return bytes(raw)

    order = sorted(range(len(datas)), key=lambda i: (len(datas[i][0]), datas[i][0].upper()))
    right_of = {order[k]: order[k + 1] + 1 for k in range(len(order) - 1)}
    directory = entry("Root Entry", 5, _ENDOFCHAIN, 0, _NOSTREAM, order[0] + 1 if order else _NOSTREAM)
    for i, (name, data) in enumerate(datas):
        directory += entry(name, 2, chains[i][0], len(data), right_of.get(i, _NOSTREAM), _NOSTREAM)
    for _ in range(dir_entries, dir_sectors * 4):  # unused entries: empty, linked to nothing
        directory += entry("", 0, 0, 0, _NOSTREAM, _NOSTREAM)
    body = b"".join(data.ljust(count * 512, b"\0") for (_, data), (_, count) in zip(datas, chains, strict=True))
    body += directory + struct.pack(f"<{len(fat)}I", *fat)
    assert len(body) == total * 512
    return bytes(header) + body


# ---------------------------------------------------------------------------------------------- BIFF8


def _record(typ: int, data: bytes) -> bytes:
    return struct.pack("<HH", typ, len(data)) + data


def _excel_serial(value: date) -> float:
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    delta = moment - datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


def _sst_records(strings: list[str]) -> bytes:
    """The SST record, split into CONTINUE records at string boundaries when it grows past 8224 bytes."""
    pieces = [struct.pack("<HB", len(s.encode("utf-16-le")) // 2, 1) + s.encode("utf-16-le") for s in strings]
    records, current, typ = [], struct.pack("<II", len(strings), len(strings)), 0x00FC
    for piece in pieces:
        if len(current) + len(piece) > 8224:
            records.append(_record(typ, current))
            current, typ = b"", 0x003C
        current += piece
    records.append(_record(typ, current))
    return b"".join(records)


_XF_GENERAL, _XF_DATE = 15, 16


def xls_bytes(sheets: list[Sheet], dimensions: dict[str, bytes] | None = None) -> bytes:
    """A BIFF8 workbook: strings in the SST (LABELSST), numbers as NUMBER, booleans as BOOLERR, dates as NUMBER
    with a date format, merged ranges as MERGEDCELLS. ``dimensions`` replaces a sheet's DIMENSIONS record body."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def sst(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    substreams = []
    for sheet in sheets:
        cells = b""
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if isinstance(value, Formula):
                    value = value.value
                if value is None:
                    continue
                if isinstance(value, bool):
                    cells += _record(0x0205, struct.pack("<HHHBB", r, c, _XF_GENERAL, int(value), 0))
                elif isinstance(value, int | float):
                    cells += _record(0x0203, struct.pack("<HHHd", r, c, _XF_GENERAL, float(value)))
                elif isinstance(value, date):
                    cells += _record(0x0203, struct.pack("<HHHd", r, c, _XF_DATE, _excel_serial(value)))
                else:
                    cells += _record(0x00FD, struct.pack("<HHHI", r, c, _XF_GENERAL, sst(str(value))))
        width = max((len(row) for row in sheet.rows), default=0)
        dims = (dimensions or {}).get(sheet.name, struct.pack("<IIHHH", 0, len(sheet.rows), 0, width, 0))
        merged = b""
        for k in range(0, len(sheet.merged), 1026):
            chunk = sheet.merged[k:k + 1026]
            merged += _record(0x00E5, struct.pack("<H", len(chunk)) + b"".join(
                struct.pack("<HHHH", r0, r1, c0, c1) for r0, c0, r1, c1 in chunk))
        substreams.append(_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
                          + _record(0x0200, dims) + cells + merged + _record(0x000A, b""))
    xfs = b"".join(_record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 14 if i == _XF_DATE else 0,
                                                 0xFFF5 if i < 15 else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
                   for i in range(_XF_DATE + 1))
    names = [s.name.encode("utf-16-le") for s in sheets]
    head = (_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
            + _record(0x0042, struct.pack("<H", 1200)) + _record(0x0022, struct.pack("<H", 0)) + xfs)
    tail = _sst_records(strings) + _record(0x000A, b"")
    bound_sizes = [4 + 8 + len(n) for n in names]
    offset = len(head) + sum(bound_sizes) + len(tail)
    bounds = b""
    for sheet, name, stream in zip(sheets, names, substreams, strict=True):
        bounds += _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet.name), 1) + name)
        offset += len(stream)
    return compound_file({"Workbook": head + bounds + tail + b"".join(substreams)})


def xls_sheets() -> list[Sheet]:
    return [notes_sheet(), report_sheet(2025, 3, "3月"), district_form_sheet(), Sheet("Sheet3", [])]


def write_report_xls(directory: Path) -> Path:
    path = directory / "2025年3月城乡低保统计表.xls"
    path.write_bytes(xls_bytes(xls_sheets()))
    return path


# ---------------------------------------------------------------------------------------- bad files


def write_random_bytes_xlsx(directory: Path) -> Path:
    path = directory / "随机内容.xlsx"
    path.write_bytes(random.Random(1).randbytes(4096))
    return path


def write_text_named_xlsx(directory: Path) -> Path:
    path = directory / "其实是文本.xlsx"
    path.write_bytes("乡镇,城市低保人数\n城东,292\n".encode())
    return path


def write_empty_workbook(directory: Path) -> Path:
    return write_xlsx(directory / "空工作簿.xlsx", [Sheet("Sheet1", [])])


def write_empty_file(directory: Path, name: str = "空文件.xlsx") -> Path:
    path = directory / name
    path.write_bytes(b"")
    return path


def write_truncated_xlsx(directory: Path) -> Path:
    data = write_report_xlsx(directory).read_bytes()
    path = directory / "传了一半.xlsx"
    path.write_bytes(data[:len(data) // 2])
    return path


def _local_header(name: bytes, method: int, crc: int, packed: int, size: int) -> bytes:
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, packed, size, len(name), 0) + name


def _central_header(name: bytes, method: int, crc: int, packed: int, size: int, offset: int) -> bytes:
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, packed, size, len(name),
                       0, 0, 0, 0, 0, offset) + name


def zip_bytes(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A zip from raw entries (name, method, stored bytes, CRC-32, uncompressed size): what zipfile cannot write."""
    body, central = b"", b""
    for name, method, payload, crc, size in entries:
        encoded = name.encode()
        central += _central_header(encoded, method, crc, len(payload), size, len(body))
        body += _local_header(encoded, method, crc, len(payload), size) + payload
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0)
    return body + central + end


def zip_bomb_bytes(inflated: int = 520 * 1024 * 1024) -> bytes:
    """An .xlsx-looking zip whose sheet inflates to ``inflated`` bytes of zeros (true size and CRC), yet is about
    a thousandth of that: one deflate block for 1 MiB of zeros, repeated (its back-references only ever reach
    zeros), then an empty final block. Built in a fraction of a second, without compressing anything big."""
    mib = 1024 * 1024
    assert inflated % mib == 0
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(mib)) + packer.flush(zlib.Z_SYNC_FLUSH)
    payload = block * (inflated // mib) + b"\x03\x00"
    crc, zeros = 0, bytes(mib)
    for _ in range(inflated // mib):
        crc = zlib.crc32(zeros, crc)
    types = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    return zip_bytes([("[Content_Types].xml", 0, types, zlib.crc32(types), len(types)),
                      ("xl/worksheets/sheet1.xml", 8, payload, crc, inflated)])


def write_zip_bomb(directory: Path, inflated: int = 520 * 1024 * 1024) -> Path:
    path = directory / "压缩炸弹.xlsx"
    path.write_bytes(zip_bomb_bytes(inflated))
    return path


def write_sparse_xlsx(directory: Path) -> Path:
    """Two cells, A1 and XFD1048576: 5 KB on disk, 17 billion cells for calamine's dense grid."""
    path = directory / "稀疏炸弹.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("表1")
    ws.write(0, 0, "城东")
    ws.write(1_048_575, 16_383, 1)
    book.close()
    return path


def write_repeated_ods(directory: Path, rows: int = 100_000, cols: int = 1_000) -> Path:
    """One cell with a value repeated ``cols`` times in a row repeated ``rows`` times: under 1 KB, 10⁸ cells."""
    table = (f'<table:table table:name="表1"><table:table-row table:number-rows-repeated="{rows}">'
             f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="float" office:value="1"/>'
             "</table:table-row></table:table>")
    path = directory / "重复炸弹.ods"
    path.write_bytes(ods_bytes(table))
    return path


def write_dimensions_xls(directory: Path) -> Path:
    """A .xls whose DIMENSIONS record claims 4 billion rows: calamine reserves room for them before reading a cell."""
    sheet = Sheet("表1", [["城东", 292]])
    path = directory / "范围炸弹.xls"
    path.write_bytes(xls_bytes([sheet], {"表1": struct.pack("<IIHHH", 0, 0xFFFFFFFF, 0, 2, 0)}))
    return path


def write_encrypted_xlsx(directory: Path) -> Path:
    """What Excel writes for an .xlsx with an open password: an OLE2 container with EncryptionInfo and EncryptedPackage."""
    rng = random.Random(3)
    info = struct.pack("<HHI", 4, 4, 0x40) + rng.randbytes(200)  # agile encryption header, then its XML
    package = struct.pack("<Q", 9000) + rng.randbytes(9000)
    path = directory / "加密.xlsx"
    path.write_bytes(compound_file({"EncryptionInfo": info, "EncryptedPackage": package}))
    return path


def rewrite_zip(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The same zip with some parts replaced (deflated again by zipfile)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, parts.get(info.filename, source.read(info.filename)))
    return buf.getvalue()


SHEET1 = "xl/worksheets/sheet1.xml"


def drop_implied_addresses(xml: bytes) -> bytes:
    """Remove r="…" from every cell whose place follows from the cell before it (as some writers do)."""
    out, last = [], 0
    expected: dict[bytes, int] = {}
    for match in re.finditer(rb'<row r="(\d+)"[^>]*>|<c r="([A-Z]+)(\d+)"', xml):
        if match.group(1):
            expected[match.group(1)] = 0
            continue
        column = 0
        for ch in match.group(2):
            column = column * 26 + ch - 64
        row = match.group(3)
        out.append(xml[last:match.start()])
        out.append(b"<c" if expected.get(row) == column - 1 else match.group(0))
        expected[row] = column
        last = match.end()
    out.append(xml[last:])
    return b"".join(out)


def write_unaddressed_xlsx(directory: Path) -> Path:
    """The report with cell addresses left out wherever they can be inferred: calamine places such cells by order."""
    data = write_report_xlsx(directory).read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET1)
    path = directory / "省略地址.xlsx"
    path.write_bytes(rewrite_zip(data, {SHEET1: drop_implied_addresses(xml)}))
    return path


def write_unaddressed_sparse_xlsx(directory: Path) -> Path:
    """A cell placed by order in row 1,048,576 and one at XFD1: only following rows and cells shows how far it reaches."""
    data = write_report_xlsx(directory).read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET1)
    start, end = xml.index(b"<sheetData>"), xml.index(b"</sheetData>")
    body = b'<sheetData><row r="1048576"><c><v>1</v></c></row><row r="1"><c r="XFD1"><v>2</v></c></row>'
    path = directory / "省略地址炸弹.xlsx"
    path.write_bytes(rewrite_zip(data, {SHEET1: xml[:start] + body + xml[end:]}))
    return path


def write_shared_strings_bomb(directory: Path) -> Path:
    """A shared-string table announcing a billion strings: calamine reserves room for them before reading one."""
    data = write_report_xlsx(directory).read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml")
    path = directory / "共享字符串炸弹.xlsx"
    xml = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="1000000000"', xml)
    path.write_bytes(rewrite_zip(data, {"xl/sharedStrings.xml": xml}))
    return path


def write_lying_xlsx(directory: Path) -> Path:
    """The report whose sheet entry declares (size and CRC-32) only its first rows, while its deflate stream goes on
    with a cell at J500000. A reader that trusted the stream rather than the declared size would see that cell."""
    data = write_report_xlsx(directory).read_bytes()
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = []
    for info in source.infolist():
        content = source.read(info)
        declared = content
        if info.filename == SHEET1:
            declared = content[:content.index(b'<row r="2"')]
            content = declared + b'<row r="500000"><c r="J500000"><v>1</v></c></row></sheetData></worksheet>'
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        entries.append((info.filename, 8, packer.compress(content) + packer.flush(), zlib.crc32(declared), len(declared)))
    path = directory / "声明不实.xlsx"
    path.write_bytes(zip_bytes(entries))
    return path


def write_html_named_xls(directory: Path) -> Path:
    """What many web systems export as “.xls”: an HTML table."""
    path = directory / "系统导出.xls"
    path.write_bytes('<html><head><meta charset="utf-8"></head><body><table><tr><td>城东</td><td>292</td></tr>'
                     "</table></body></html>".encode())
    return path
