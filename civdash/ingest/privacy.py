"""Personal data is refused: civdash stores aggregates, never lists of people.

A sheet is refused (an error, so the whole upload is refused and nothing of it is stored, not even the original
file) when

- a header cell names a personal column (``PERSONAL_HEADERS``: names, ID numbers, bank or social-security card
  numbers, telephone numbers, addresses). A header cell is one in the rows above the first row holding two or
  more numbers (at most the first ``HEADER_ROWS`` rows), so the 填表人/联系电话 line under a report does not count;
  its text is compared as headers are (``names.clean_header``: brackets, units and period markers dropped), either
  exactly or, for the unmistakable words in ``PERSONAL_SUFFIXES``, as the end of the header (户主身份证号);
- or any cell holds what looks like an 18-digit resident ID number (GB 11643: a region prefix 11–82, a real
  birth date, and, when written as text, the check digit), whatever its header (a 备注 column full of ID
  numbers). A number stored as a number has lost its last digits in Excel, so there the prefix and date decide.

Not refused: 联系人 (the township's contact, not a person the bureau helps; the column is not stored anyway, like
every column that maps to no indicator), 填报人, 审核人, 负责人.
Documented for statisticians in docs/ingestion.md (个人信息).
"""

from __future__ import annotations

import re
from datetime import date
from operator import itemgetter

from civdash.domain.names import clean_header
from civdash.ingest.layout import cell_address, cell_text
from civdash.ingest.read import SheetData

PERSONAL_HEADERS: dict[str, str] = {  # normalised header → the kind of personal data it holds
    **dict.fromkeys(["姓名", "名字", "户主", "户主姓名", "申请人", "申请人姓名", "对象姓名", "救助对象", "收款人",
                     "领款人"], "姓名"),
    **dict.fromkeys(["身份证", "身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "身份证件号码", "证件号码",
                     "证件号"], "身份证号"),
    **dict.fromkeys(["银行账号", "银行卡号", "账号", "卡号", "银行账户", "开户账号", "存折号", "社保卡号",
                     "社会保障卡号"], "银行账号"),
    **dict.fromkeys(["电话", "联系电话", "手机", "手机号", "手机号码", "电话号码", "联系方式"], "电话"),
    **dict.fromkeys(["家庭住址", "住址", "家庭地址", "详细地址", "居住地址", "户籍地址", "现住址"], "住址"),
}
PERSONAL_SUFFIXES = ("姓名", "身份证号", "身份证号码", "公民身份号码", "银行账号", "银行卡号", "社保卡号", "联系电话",
                     "手机号码", "家庭住址")
HEADER_ROWS = 15
EXPLANATION = "civdash 只保存汇总数据；含个人信息的明细表请先在 Excel 中汇总后再上传，本表未保存任何内容"
SHOWN = 5  # cells named in a message

_ID_TEXT = re.compile(r"[1-8][0-9]{16}[0-9Xx]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def personal_header(text: str) -> str | None:
    """The kind of personal data a header cell names ('姓名', '身份证号' …), or None."""
    key = clean_header(text)
    if not key:
        return None
    if key in PERSONAL_HEADERS:
        return PERSONAL_HEADERS[key]
    suffix = next((s for s in PERSONAL_SUFFIXES if key.endswith(s)), None)
    return PERSONAL_HEADERS[suffix] if suffix else None


def looks_like_id_number(value: object) -> bool:
    """True for an 18-digit resident ID number: as text (with its check digit) or as a number Excel rounded."""
    if type(value) is str:
        text = value.strip()
        if len(text) != 18 or not _ID_TEXT.fullmatch(text):
            return False
        check = _ID_CHECK[sum(int(d) * w for d, w in zip(text, _ID_WEIGHTS, strict=False)) % 11]
        return text[-1].upper() == check and _plausible(text)
    if type(value) is float or type(value) is int:
        return 1e17 <= value < 1e18 and float(value).is_integer() and _plausible(str(int(value)))
    return False


def _plausible(digits: str) -> bool:
    if not 11 <= int(digits[:2]) <= 82:
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _header_rows(cells: list[list[object]]) -> int:
    """How many rows from the top are header rows: those above the first row with two or more numbers."""
    for r, row in enumerate(cells[:HEADER_ROWS]):
        if sum(1 for v in row if type(v) is float or type(v) is int) >= 2:
            return r
    return min(len(cells), HEADER_ROWS)


def personal_data(sheet: SheetData) -> str | None:
    """Why the sheet must not be stored (Chinese, naming the cells), or None when it holds no personal data."""
    cells = sheet.cells
    headers = [f"{cell_address(r, c)}“{cell_text(v)}”" for r, row in enumerate(cells[:_header_rows(cells)])
               for c, v in enumerate(row) if type(v) is str and personal_header(v)]
    if headers:
        shown = "、".join(headers[:SHOWN]) + (f"等{len(headers)}处" if len(headers) > SHOWN else "")
        return f"本表含个人信息列（{shown}）。{EXPLANATION}"
    found = _id_cells(cells)
    if found:
        shown = "、".join(found[:SHOWN]) + (f"等{len(found)}处" if len(found) > SHOWN else "")
        return f"本表含疑似身份证号码（{shown}）。{EXPLANATION}"
    return None


def _id_cells(cells: list[list[object]]) -> list[str]:
    """Addresses of the cells that look like ID numbers; column by column over distinct values (a long table of a
    million rows repeats most of its values), the rows visited only in a column that has one. Rows are padded to
    one width (read._trim); cell values are hashable (text, numbers, dates, None)."""
    lengths = set(map(len, cells))  # (in C: a million rows' lengths in a few milliseconds)
    width = max(lengths, default=0)
    if len(lengths) > 1:  # a grid made by hand
        cells = [list(row) + [None] * (width - len(row)) for row in cells]
    found: list[tuple[int, int]] = []
    for c in range(width):
        ids = {v for v in set(map(itemgetter(c), cells)) if _long_enough(v) and looks_like_id_number(v)}
        if ids:
            found += [(r, c) for r, row in enumerate(cells) if row[c] in ids]
    return [cell_address(r, c) for r, c in sorted(found)]


def _long_enough(v: object) -> bool:
    """A cheap first look: text of 18 characters or more, or a number of 18 digits or more."""
    return (type(v) is str and len(v) >= 18) or ((type(v) is float or type(v) is int) and v >= 1e17)
