"""``python -m civdash import | batches | rollback``: exit codes, JSON, first import, dry run, strict, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civdash.cli.main import main
from civdash.store import db
from tests import ingest_fixtures as fx
from tests.unit.conftest import held_by_another_process

ROWS = 3 * 30 * 3  # long table: 3 months × 30 townships × 3 indicators


@pytest.fixture()
def long_csv(tmp_path: Path) -> Path:
    return fx.write_csv(tmp_path, encoding="gbk")


def count(path: Path, query: str = "SELECT count(*) FROM v_fact") -> int:
    con = db.connect(path, read_only=True)
    try:
        return con.execute(query).fetchone()[0]
    finally:
        con.close()


def test_first_import_sets_up_the_registry_and_json_reports_it(tmp_path, long_csv, capsys) -> None:
    path = tmp_path / "real.duckdb"
    # without --allow-new-townships every name is unknown: refused, and no database is left behind
    assert main(["import", str(long_csv), "--db", str(path)]) == 1
    assert not path.exists() and not list(tmp_path.glob("*.importing"))
    assert "未登记的乡镇（街道）“城东街道”" in capsys.readouterr().out

    assert main(["import", str(long_csv), "--db", str(path), "--allow-new-townships", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["committed"] is True and out["batch_id"] == 1
    [sheet] = out["files"]
    assert {k: sheet[k] for k in ("file", "sheet", "period", "layout", "facts")} == {
        "file": long_csv.name, "sheet": long_csv.stem, "period": "2025年4月—2025年6月", "layout": "long", "facts": ROWS}
    assert sheet["townships"][:3] == ["城东街道", "城南街道", "城西街道"] and len(sheet["townships"]) == 30
    assert sheet["errors"] == []
    assert all(set(w) == {"where", "message"} for w in sheet["warnings"])
    assert count(path) == ROWS
    expected = sum(int(r[3]) for r in fx.long_table_text_rows()[1:] if r[2] == "城市低保人数")
    assert count(path, "SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons'") == expected


def test_dry_run_strict_and_the_same_file_again(tmp_path, long_csv, capsys) -> None:
    path = tmp_path / "real.duckdb"
    assert main(["import", str(long_csv), "--db", str(path), "--allow-new-townships", "--dry-run"]) == 0
    assert f"试运行：可以导入{ROWS}条数据（未保存）" in capsys.readouterr().out
    assert not path.exists()
    assert main(["import", str(long_csv), "--db", str(path), "--allow-new-townships"]) == 0
    out = capsys.readouterr().out
    assert f"已导入：批次1，{ROWS}条数据（新增{ROWS}、修改0、未变0），月份：2025年4月、2025年5月、2025年6月" in out
    # the same file again carries a warning: printed, not blocking — unless --strict
    assert main(["import", str(long_csv), "--db", str(path), "--strict"]) == 1
    captured = capsys.readouterr()
    assert "此文件与第1批导入的文件内容完全相同" in captured.out and "严格模式" in captured.err
    assert count(path, "SELECT count(*) FROM batch") == 1
    assert main(["import", str(long_csv), "--db", str(path)]) == 0
    assert f"（新增0、修改0、未变{ROWS}）" in capsys.readouterr().out


def test_batches_and_rollback(tmp_path, long_csv, capsys) -> None:
    path = tmp_path / "real.duckdb"
    assert main(["batches", "--db", str(path)]) == 1
    assert main(["import", str(long_csv), "--db", str(path), "--allow-new-townships"]) == 0
    capsys.readouterr()
    assert main(["batches", "--db", str(path)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("批次1  ") and f"{long_csv.name}，2025年4月至2025年6月，{ROWS}条（当前有效{ROWS}条）" in line
    assert main(["rollback", "1", "--db", str(path)]) == 0
    assert f"已撤销批次1：恢复0条原有数据，移除{ROWS}条此前没有的数据" in capsys.readouterr().out
    assert count(path) == 0
    assert main(["rollback", "1", "--db", str(path)]) == 1
    assert "导入批次1已经撤销过了" in capsys.readouterr().err
    assert main(["rollback", "9", "--db", str(path)]) == 1


def test_usage_errors_exit_2(tmp_path, long_csv) -> None:
    assert main(["import", str(tmp_path / "nope.xlsx"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert main(["import", str(long_csv), "--period", "2025-13", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert main(["import"]) == 2
    assert main(["rollback", "abc"]) == 2


def test_a_bad_file_is_refused_with_its_name(tmp_path, capsys) -> None:
    bad = fx.write_text_named_xlsx(tmp_path)
    assert main(["import", str(bad), "--db", str(tmp_path / "real.duckdb"), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["committed"] is False and out["batch_id"] is None
    [entry] = out["files"]
    assert entry["file"] == bad.name and entry["sheet"] is None and entry["errors"][0]["where"] == bad.name


def test_the_demo_database_is_never_imported_into(tmp_path, long_csv, capsys) -> None:
    demo_path = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(demo_path), "--until", "2025-06"]) == 0
    before = count(demo_path)
    assert main(["import", str(long_csv), "--db", str(demo_path), "--allow-new-townships"]) == 1
    assert "是示例数据库" in capsys.readouterr().err
    assert count(demo_path) == before


def test_a_database_held_by_the_dashboard_is_left_alone(tmp_path, long_csv, capsys) -> None:
    path = tmp_path / "held.duckdb"
    db.connect(path).close()
    with held_by_another_process(path):
        assert main(["import", str(long_csv), "--db", str(path), "--allow-new-townships"]) == 1
        err = capsys.readouterr().err
        assert "数据库正被看板或其他程序使用" in err and "数据未做任何改动" in err and "Traceback" not in err
    assert count(path) == 0


def test_hidden_sheets_are_left_out_unless_include_hidden_and_strict_saves_an_ordinary_report(tmp_path, capsys) -> None:
    path = tmp_path / "real.duckdb"
    rows = [["黔江区2025年3月城市低保统计表"], ["乡镇（街道）", "城市低保人数"],
            *([short, 10] for _, short, _ in fx.townships())]
    april = [["黔江区2025年4月城市低保统计表"], ["乡镇（街道）", "城市低保人数", "城市低保资金（元）"],
             *([short, 10, 6_000] for _, short, _ in fx.townships()), ["注：资金为当月发放数。"]]
    book = fx.write_xlsx(tmp_path / "低保.xlsx", [fx.Sheet("4月", april), fx.Sheet("3月", rows, hidden=True)])
    assert main(["import", str(book), "--db", str(path), "--allow-new-townships", "--strict"]) == 0  # notes only
    out = capsys.readouterr().out
    assert "这是隐藏的工作表，未读取" in out and "已导入：批次1，60条数据" in out
    assert count(path, "SELECT count(*) FROM v_fact WHERE period = DATE '2025-03-01'") == 0
    assert main(["import", str(book), "--db", str(path), "--include-hidden"]) == 0
    assert count(path, "SELECT count(*) FROM v_fact WHERE period = DATE '2025-03-01'") == 30
