"""``python -m civdash ask``: the sentence and the reading line, --json in the issue's shape, --today, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from civdash.cli.main import main


def _sum(path: Path, query: str) -> float:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return float(con.execute(query).fetchone()[0])
    finally:
        con.close()


def test_text_answer_with_its_reading(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "城东街道上个月城市低保资金支出多少", "--db", str(demo_path), "--today", "2025-07-10"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    funds = _sum(demo_path, "SELECT value FROM v_fact WHERE indicator_code = 'dibao_urban_funds' AND township = "
                 "'城东街道' AND period = DATE '2025-06-01'")
    assert out == ["读作：城市低保资金支出 · 城东街道 · 2025年6月 · 多少",
                   f"2025年6月，城东街道城市低保资金支出为{funds / 1e4:.2f}万元。"]


def test_today_moves_relative_words(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "上个月城东城市低保人数", "--db", str(demo_path), "--today", "2025-06-05"]) == 0
    assert "2025年5月" in capsys.readouterr().out
    assert main(["ask", "上个月城东城市低保人数", "--db", str(demo_path), "--today", "2025-09-01"]) == 1
    assert capsys.readouterr().out.strip().endswith("2025年8月尚无数据，最新为2025年6月。")


def test_json_in_the_issue_shape(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ask", "今年城乡低保人数", "--db", str(demo_path), "--today", "2025-07-10", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["reading"]["indicators"] == ["dibao_urban_persons", "dibao_rural_persons"]
    assert out["reading"]["period"] == "2025-01/2025-06" and out["question_back"] is None
    june = {c: _sum(demo_path, f"SELECT sum(value) FROM v_fact WHERE indicator_code = '{c}' AND period = "
                    "DATE '2025-06-01'") for c in ("dibao_urban_persons", "dibao_rural_persons")}
    assert [(a["indicator"], a["measure"], a["value"], a["unit"]) for a in out["answers"]] == [
        ("dibao_urban_persons", "value", june["dibao_urban_persons"], "人"),
        ("dibao_rural_persons", "value", june["dibao_rural_persons"], "人"),
        ("dibao_urban_persons+dibao_rural_persons", "sum", sum(june.values()), "人")]
    assert "数据不全" in out["sentence"]
    assert out["link"]["page"] == "pages/trend.py"


def test_asked_back_and_refused(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "低保金", "--db", str(demo_path), "--today", "2025-07-10"]) == 3
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "“低保金”指的是哪一项？城市、农村，还是合计？"
    assert out[1].startswith("  1. 城市低保资金支出（可问：")
    assert main(["ask", "低保金", "--db", str(demo_path), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["question_back"]["choices"][0]["value"] == "dibao_urban_funds"
    assert main(["ask", "福利彩票销售额", "--db", str(demo_path)]) == 1
    assert capsys.readouterr().out.startswith("没有找到“福利彩票销售额”对应的指标")


def test_usage_errors_and_a_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "城市低保人数", "--today", "2025-13-01", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["ask", "城市低保人数", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "数据库不存在" in capsys.readouterr().err
