"""The province benchmark doubles as a correctness check: civdash's SQL against the same aggregations
written in pandas. Run here at a small scale so the script keeps working; no timing is asserted."""

from __future__ import annotations

from tests.benchmarks import province


def test_province_benchmark_agrees_with_pandas_at_small_scale(tmp_path, capsys) -> None:
    db = tmp_path / "small-province.duckdb"
    code = province.main(["--db", str(db), "--townships", "40", "--years", "2", "--repeat", "1",
                          "--page-repeat", "1", "--until", "2025-06", "--no-pages"])
    out = capsys.readouterr().out
    assert code == 0
    assert "results agree" in out
    assert db.exists()
