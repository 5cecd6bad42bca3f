"""The ingestion benchmark's files and measured functions at a small scale: what the engine stores in v_fact
adds up to what was generated, indicator by indicator. No timing is asserted (tests/benchmarks/ingest.py)."""

from __future__ import annotations

import pytest

from tests.benchmarks import ingest as bench

SMALL_ROWS = 3_000  # 8 townships × 13 months × 29 indicators


def _check(run: dict, expected: dict[str, float], facts: int) -> None:
    assert run["facts"] == facts
    assert run["new"] == facts
    assert set(run["totals"]) == set(expected)
    for code, total in expected.items():
        assert run["totals"][code] == pytest.approx(total, rel=1e-9), code
    assert bench.totals_agree(run["totals"], expected) == []


def test_workbook_totals_in_v_fact_equal_the_generated_ones(tmp_path) -> None:
    path = tmp_path / "2025年民政主要业务指标月报.xlsx"
    expected = bench.write_workbook(path)
    assert len(bench.COLUMNS) == 40
    assert len(expected) == 29  # every catalog indicator, through its name or an alias
    run = bench.ingest(path, tmp_path / "workbook.duckdb")
    _check(run, expected, bench.WORKBOOK_FACTS)
    assert bench.workbook_sheets()[1] == expected  # the totals without writing a file agree


@pytest.mark.parametrize("write", [bench.write_long_xlsx, bench.write_long_csv], ids=["xlsx", "csv"])
def test_long_table_totals_in_v_fact_equal_the_generated_ones(tmp_path, write) -> None:
    towns, months = bench.long_shape(SMALL_ROWS)
    path = tmp_path / f"明细{'.xlsx' if write is bench.write_long_xlsx else '.csv'}"
    expected = write(path, SMALL_ROWS)
    assert expected == bench.long_totals(towns, months)
    run = bench.ingest(path, tmp_path / "long.duckdb", towns)
    _check(run, expected, towns * months * len(bench.catalog_rows()))


def test_long_table_beyond_the_demo_district_registers_benchmark_townships(tmp_path) -> None:
    names = bench.long_townships(33)
    assert names[:30] == [n for n, _ in bench.demo_townships()]
    assert names[30:] == ["测试001镇", "测试002镇", "测试003镇"]
    con = bench.fresh_database(tmp_path / "fresh.duckdb", 33)
    try:
        assert con.execute("SELECT count(*) FROM township WHERE level = 'township'").fetchone()[0] == 33
    finally:
        con.close()


def test_the_script_runs_end_to_end_at_a_small_scale(tmp_path, capsys) -> None:
    assert bench.main(["--rows", str(SMALL_ROWS), "--repeat", "1", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "totals agree" in out
    towns, months = bench.long_shape(SMALL_ROWS)
    assert f"| (b) long table {towns * months * 29:,} rows, .csv (UTF-8) | {towns * months * 29:,} |" in out
