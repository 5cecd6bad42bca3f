"""The page-queries benchmark doubles as a correctness check: every page query through civdash against hand-written
raw SQL for the same numbers. Run here on a tiny database, cross-checks only; no timing is asserted."""

from __future__ import annotations

from tests.benchmarks import queries


def test_page_queries_agree_with_raw_sql_at_small_scale(tmp_path, capsys) -> None:
    db = tmp_path / "tiny-province.duckdb"
    code = queries.main(["--db", str(db), "--townships", "30", "--years", "2", "--until", "2025-06", "--check-only"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "results agree" in out
