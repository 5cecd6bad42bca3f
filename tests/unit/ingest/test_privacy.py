"""Personal data is refused (civdash/ingest/privacy.py): a sheet with personal columns or ID numbers is an error
naming file › sheet and the cells, the upload is refused as a whole and nothing of it is kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from civdash.cli.main import main
from civdash.domain import catalog, townships
from civdash.ingest import extract
from civdash.ingest.commit import CommitError
from civdash.ingest.privacy import EXPLANATION, looks_like_id_number, personal_header
from civdash.ingest.upload import commit, prepare
from civdash.store import db
from civdash.store.paths import DATA_DIR
from tests import ingest_fixtures as fx
from tests.ingest_fixtures import Sheet, xlsx_bytes

NAME = "2025年4月城市低保.xlsx"
AT = f"{NAME} › 主要指标"
TABLES = ("batch", "batch_file", "fact", "township", "header_mapping")


def id_number(region: str, born: date, serial: int) -> str:
    """A resident ID number with its GB 11643 check digit, computed here independently of the code under test."""
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


IDS = [id_number("500114", date(1956, 3, 12), 21), id_number("500114", date(1971, 11, 2), 113),
       id_number("500114", date(1948, 7, 30), 42)]


@pytest.fixture()
def con(tmp_path: Path):
    c = db.connect(tmp_path / "district.duckdb")
    catalog.seed(c)
    townships.seed_from_csv(c, DATA_DIR / "demo_townships.csv", "黔江区", "500114")
    yield c
    c.close()


def recipients() -> list[list[object]]:
    """A 低保 recipients list (花名册): one row a household, with names and ID numbers."""
    return [["黔江区2025年4月城市低保对象花名册"],
            ["序号", "姓名", "身份证号", "乡镇（街道）", "城市低保人数", "月保障金额（元）", "银行账号"],
            [1, "张某某", IDS[0], "城东", 3, 1611.0, "6217000000000000001"],
            [2, "李某某", IDS[1], "城东", 1, 537.0, "6217000000000000002"],
            [3, "王某某", IDS[2], "中塘乡", 2, 1074.0, "6217000000000000003"]]


def township_report(extra_header: list[str], extra: list[list[object]]) -> list[list[object]]:
    body = [["城东", 281, 12.5], ["中塘乡", 15, 0.66], [" 黎水 ", 20, 1.0]]
    return [["黔江区2025年4月民政统计表"], ["乡镇（街道）", "城市低保人数", "城市低保资金（万元）", *extra_header],
            *[row + more for row, more in zip(body, extra, strict=True)]]


def prepared(con, rows):
    return prepare(con, [(NAME, xlsx_bytes([Sheet("主要指标", rows)]))])


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_a_recipients_list_is_refused_naming_the_cells_and_nothing_is_kept(con) -> None:
    before = counts(con)
    plan = prepared(con, recipients())
    (error,) = plan.errors  # the one reason, without "文件中没有可识别的报表" beside it
    assert error.where == AT
    assert error.message == f"本表含个人信息列（B2“姓名”、C2“身份证号”、G2“银行账号”）。{EXPLANATION}"
    assert plan.fact_count == 0 and not plan.ok
    assert plan.sheets[0].grid is None  # not even shown back
    with pytest.raises(CommitError, match="未保存任何数据"):
        commit(con, plan)
    assert counts(con) == before


def test_id_numbers_under_another_header_are_refused(con) -> None:
    rows = township_report(["备注"], [[IDS[0]], [None], [IDS[2]]])
    error = prepared(con, rows).errors[0]
    assert error.where == AT and error.message == f"本表含疑似身份证号码（D3、D5）。{EXPLANATION}"
    # an ID number typed as a number (Excel keeps 15 digits of it) is refused too
    rows = township_report(["备注"], [[float(IDS[1][:15] + "000")], [None], [None]])
    assert "D3" in prepared(con, rows).errors[0].message


def test_a_township_report_with_its_contact_person_is_read(con) -> None:
    """Decision: 联系人 (the township's own contact) is not refused; like every column without an indicator it is not
    stored (a text column is left out without a warning). A 填表人/联系电话 line under the table is not a header
    either. A 联系电话 column is refused."""
    rows = township_report(["联系人"], [["刘芳"], ["陈明"], ["赵丽"]])
    rows += [[None], ["填表人", "李静", "联系电话", "023-79223456"]]
    plan = prepared(con, rows)
    assert plan.ok and plan.fact_count == 6
    assert not plan.errors
    commit(con, plan)
    cells = [c for (c,) in con.execute("SELECT cell FROM fact WHERE sheet = '主要指标' ORDER BY cell").fetchall()]
    assert cells == ["B3", "B4", "B5", "C3", "C4", "C5"]  # nothing of the 联系人 column
    rows = township_report(["联系人", "联系电话"], [["刘芳", "13800000001"], ["陈明", "13800000002"], ["赵丽", None]])
    assert "E2“联系电话”" in prepared(con, rows).errors[0].message


def test_header_words_and_id_numbers() -> None:
    for header, kind in [("姓名", "姓名"), ("户主姓名", "姓名"), ("申请人", "姓名"), ("身份证号码", "身份证号"),
                         ("公民身份号码", "身份证号"), ("户主身份证号", "身份证号"), ("身份证号（18位）", "身份证号"),
                         ("银行卡号", "银行账号"), ("社保卡号", "银行账号"), ("手机号码", "电话"), ("联系 电话", "电话"),
                         ("家庭住址", "住址"), ("住址", "住址")]:
        assert personal_header(header) == kind, header
    for header in ("联系人", "填表人", "城市低保人数", "乡镇（街道）", "备注", "户数", "人次", "姓名笔画"):
        assert personal_header(header) is None, header
    assert all(looks_like_id_number(i) for i in IDS) and looks_like_id_number(IDS[0].lower())
    wrong_check = IDS[0][:-1] + ("0" if IDS[0][-1] != "0" else "1")
    credit_code = "915001147093051234"  # 统一社会信用代码 of 18 digits: no birth date in it
    for other in (wrong_check, credit_code, "500114202507010000", 1.5e17, 12345678.0, "12345678901234567"):
        assert not looks_like_id_number(other), other


def test_the_command_line_import_refuses_and_the_database_is_unchanged(tmp_path, capsys) -> None:
    path = tmp_path / "civdash.duckdb"
    assert main(["import", str(fx.write_csv(tmp_path)), "--db", str(path), "--allow-new-townships"]) == 0
    con = db.connect(path, read_only=True)
    before = counts(con)
    con.close()
    capsys.readouterr()
    listed = fx.write_xlsx(tmp_path / NAME, [Sheet("主要指标", recipients())])
    assert main(["import", str(listed), "--db", str(path)]) == 1
    said = capsys.readouterr()
    out = said.out + said.err
    assert "本表含个人信息列" in out and "B2“姓名”" in out and "未保存任何数据" in out
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert counts(con) == before
        assert con.execute("SELECT count(*) FROM batch_file WHERE file_name = ?", [NAME]).fetchone()[0] == 0
    finally:
        con.close()


def test_without_the_rule_the_list_would_pass_unnoticed(con, monkeypatch) -> None:
    """Mutation check: with the privacy rule switched off, the refusal the tests above assert is gone (so they can
    fail) and the recipients' rows are read as figures."""
    monkeypatch.setattr(extract, "personal_data", lambda sheet: None)
    plan = prepared(con, recipients())
    assert not any(EXPLANATION in f.message for f in plan.findings)
    assert plan.sheets[0].grid is not None
