"""``python -m civdash export``: the table written as the page downloads it, names resolved, refusals in Chinese."""

from __future__ import annotations

import csv
import io

import openpyxl

from civdash.cli.main import main


def run(small, capsys, *args: str) -> tuple[int, str, str]:
    small.con.close()  # the command opens the file itself, read-only
    code = main(["export", "--db", str(small.path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_csv_by_township_with_names_short_names_and_codes(small, capsys, tmp_path) -> None:
    target = tmp_path / "表.csv"
    code, out, _ = run(small, capsys, "--from", "2025-01", "--to", "2025-03", "--indicators", "低保人数", "funds",
                       "--townships", "城东", "中塘乡", "-o", str(target))
    assert code == 0 and "黔江区城东街道、中塘镇2025年1-3月民政主要指标统计表" in out
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows == [["乡镇（街道）", "区划代码", "低保人数（人）", "低保资金（万元）"],
                    ["城东街道", "500114001", "121", "0.45"],
                    ["中塘镇", "500114121", "67", "0.23"],  # 中塘乡 is 中塘镇's former name
                    ["所选2个乡镇（街道）合计", "", "188", "0.68"]]


def test_xlsx_by_quarter_year_to_date(small, capsys, tmp_path) -> None:
    target = tmp_path / "表.xlsx"
    code, _, _ = run(small, capsys, "--from", "2024-10", "--to", "2025-03", "--indicators", "funds", "--rows", "period",
                     "--grain", "quarter", "--ytd", "-o", str(target))
    assert code == 0
    ws = openpyxl.load_workbook(target).active
    assert [[ws.cell(r, c).value for c in (1, 2)] for r in range(5, 8)] == [
        ["2024年第4季度", 0.82], ["2025年第1季度（数据不全）", 0.76], ["合计", 0.76]]  # 累计 at quarter ends
    # 新华乡 has not reported March: the quarter says so in the file, with a note naming it
    notes = [ws.cell(r, 1).value for r in range(8, ws.max_row + 1)]
    assert any("2025年第1季度数据不全（新华乡未报送）" in str(n) for n in notes)


def test_gbk_csv(small, capsys, tmp_path) -> None:
    target = tmp_path / "表.csv"
    assert run(small, capsys, "--from", "2025-03", "--to", "2025-03", "--indicators", "persons", "--encoding", "gbk",
               "-o", str(target))[0] == 0
    assert target.read_bytes().decode("gbk").splitlines()[1] == "城东街道,500114001,121"


def test_unknown_names_are_refused_and_nothing_is_written(small, capsys, tmp_path) -> None:
    target = tmp_path / "表.csv"
    code, _, err = run(small, capsys, "--from", "2025-01", "--to", "2025-03", "--indicators", "低保人数", "无此指标",
                       "--townships", "无此镇", "-o", str(target))
    assert code == 1 and "未知的指标：无此指标" in err and not target.exists()


def test_usage_errors(small, capsys, tmp_path) -> None:
    assert run(small, capsys, "--from", "2025-13", "--to", "2025-03", "-o", str(tmp_path / "a.csv"))[0] == 2
    assert main(["export", "--db", str(small.path), "--from", "2025-03", "--to", "2025-01",
                     "-o", str(tmp_path / "a.csv")]) == 2
    assert main(["export", "--db", str(small.path), "--from", "2025-01", "--to", "2025-03",
                     "-o", str(tmp_path / "a.pdf")]) == 2
