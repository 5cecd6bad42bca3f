"""The shared-store benchmark at its smallest scale: every page query, and a month's upload and its rollback, give
equal results on the local file and on a DuckLake (the script stops with an AssertionError otherwise). No timing
is asserted (tests/benchmarks/lake.py)."""

from __future__ import annotations

from tests.benchmarks import lake as bench


def test_file_and_lake_give_equal_results_at_small_scale(tmp_path, postgres, capsys) -> None:
    database = tmp_path / "small-province.duckdb"
    code = bench.main(["--small", "--repeat", "1", "--db", str(database), "--until", "2025-06"], server=postgres)
    out = capsys.readouterr().out
    assert code == 0
    assert "results equal on both stores for every query" in out
    assert "v_fact equal on both after each step" in out
    assert "| 数据查询 | townships × 8 indicators, 1-6月 |" in out
    assert "PostgreSQL stopped" not in out  # the session's server is left running for the other tests
    assert database.exists()
