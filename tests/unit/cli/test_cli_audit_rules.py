"""The audit rules on the command line: ``import --explain / --strict / --json`` with soft findings, and
``audit-rules list | check --from``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civdash.cli.main import main
from civdash.domain import catalog, rules, townships
from civdash.store import db
from civdash.store.paths import DATA_DIR
from tests.ingest_fixtures import Sheet, xlsx_bytes

HEADER = ["乡镇", "农村低保户数", "农村低保人数"]


@pytest.fixture()
def district(tmp_path: Path) -> Path:
    """A bureau database where 鹅池镇 reported 190 households and 380 people in January to March 2025."""
    path = tmp_path / "civdash.duckdb"
    con = db.connect(path)
    catalog.seed(con)
    townships.seed_from_csv(con, DATA_DIR / "demo_townships.csv", "黔江区", "500114")
    con.close()
    for month in (1, 2, 3):
        assert main(["import", str(sheet(tmp_path, month, 190, 380)), "--db", str(path)]) == 0
    return path


def sheet(folder: Path, month: int, households: object, persons: object) -> Path:
    path = folder / f"2025年{month}月农村低保.xlsx"
    path.write_bytes(xlsx_bytes([Sheet("表1", [[f"黔江区2025年{month}月农村低保统计表"], HEADER,
                                               ["鹅池镇", households, persons]])]))
    return path


def stored(path: Path, month: int) -> float | None:
    con = db.connect(path, read_only=True)
    try:
        row = con.execute("SELECT value FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND period = ?",
                          [f"2025-{month:02d}-01"]).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def test_a_soft_finding_is_refused_without_an_explanation_and_saved_with_one(district, tmp_path, capsys) -> None:
    typo = sheet(tmp_path, 4, 190, 38_000)
    capsys.readouterr()
    assert main(["import", str(typo), "--db", str(district)]) == 1
    out, err = capsys.readouterr()
    assert ("  需核实 ［与本乡镇近12个月中位数相差5倍以上］ 2025年4月农村低保.xlsx › 表1 › C3："
            "鹅池镇2025年4月：农村低保人数近12月中位数380人，农村低保人数38,000人") in out
    assert "未导入：有1个核实性问题没有填写说明，未保存任何数据" in err
    assert stored(district, 4) is None

    explain = tmp_path / "说明.csv"
    explain.write_text("规则或位置,说明\nmedian_jump,经核实，本月集中新纳入\n", encoding="utf-8")
    assert main(["import", str(typo), "--db", str(district), "--explain", str(explain), "--strict"]) == 1
    assert "严格模式" in capsys.readouterr().err
    assert stored(district, 4) is None
    assert main(["import", str(typo), "--db", str(district), "--explain", str(explain)]) == 0
    assert stored(district, 4) == 38_000
    con = db.connect(district, read_only=True)
    assert con.execute("SELECT location, explanation FROM batch_explanation").fetchall() == [
        ("2025年4月农村低保.xlsx › 表1 › C3", "经核实，本月集中新纳入")]
    con.close()


def test_json_names_each_findings_rule_and_an_explanation_may_name_the_cell(district, tmp_path, capsys) -> None:
    typo = sheet(tmp_path, 4, 190, 38_000)
    capsys.readouterr()
    explain = tmp_path / "说明.json"
    explain.write_text(json.dumps({"2025年4月农村低保.xlsx › 表1 › C3": "属实"}, ensure_ascii=False), encoding="utf-8")
    assert main(["import", str(typo), "--db", str(district), "--explain", str(explain), "--json"]) == 0
    [found] = json.loads(capsys.readouterr().out)["files"][0]["soft"]
    assert found == {"where": "2025年4月农村低保.xlsx › 表1 › C3", "rule": "median_jump",
                     "rule_name": "与本乡镇近12个月中位数相差5倍以上",
                     "message": "鹅池镇2025年4月：农村低保人数近12月中位数380人，农村低保人数38,000人"}


def test_a_hard_finding_is_never_explained_away(district, tmp_path, capsys) -> None:
    explain = tmp_path / "说明.csv"
    explain.write_text("households_le_persons_rural,属实\n", encoding="utf-8")
    assert main(["import", str(sheet(tmp_path, 4, 400, 380)), "--db", str(district), "--explain", str(explain)]) == 1
    assert "有1个错误" in capsys.readouterr().err


def test_an_unreadable_explanations_file_is_a_usage_error(district, tmp_path, capsys) -> None:
    bad = tmp_path / "说明.json"
    bad.write_text('{"median_jump": 5}', encoding="utf-8")
    assert main(["import", str(sheet(tmp_path, 4, 190, 380)), "--db", str(district), "--explain", str(bad)]) == 2
    assert "核实说明文件无法读取" in capsys.readouterr().err


def test_list_shows_the_rules_in_force(district, capsys) -> None:
    capsys.readouterr()
    assert main(["audit-rules", "list", "--db", str(district), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in listed] == [r.code for r in rules.default_rules()]
    assert next(r for r in listed if r["code"] == "households_le_persons_urban") == {
        "code": "households_le_persons_urban", "name": "城市低保户数不超过人数", "tier": "hard", "applies_to": "",
        "expression": "城市低保户数 <= 城市低保人数", "enabled": True, "note": ""}
    assert main(["audit-rules", "list", "--db", str(district)]) == 0
    assert "median_jump  核实性  与本乡镇近12个月中位数相差5倍以上" in capsys.readouterr().out


def test_check_finds_what_a_rule_added_later_says_of_the_history(district, capsys) -> None:
    assert main(["audit-rules", "check", "--from", "2025-01", "--db", str(district)]) == 0
    assert "0处不符合强制性规则，0处需核实" in capsys.readouterr().out  # the history is clean
    con = db.connect(district)
    rules.save(con, rules.AuditRule("small", "农村低保人数不超过300", "soft", "", "农村低保人数 <= 300"), "管理员")
    con.close()
    assert main(["audit-rules", "check", "--from", "2025-02", "--db", str(district), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(f["level"], f["rule"], f["message"]) for f in found] == [
        ("soft", "small", f"鹅池镇2025年{m}月：农村低保人数380人") for m in (2, 3)]
    assert found[0]["where"] == "已保存数据 › 第2批 › 表1 › C3"
