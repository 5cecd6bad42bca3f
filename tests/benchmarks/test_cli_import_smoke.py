"""The command line start-up benchmark at one round: both ways store the month's facts (``run`` stops otherwise) and
the report prints. No timing is asserted (tests/benchmarks/cli_import.py)."""

from __future__ import annotations

from tests.benchmarks import cli_import as bench


def test_one_round_imports_the_month_both_ways_and_reports(tmp_path, capsys) -> None:
    result = bench.run(1, tmp_path)
    assert 800 < result["facts"] <= 30 * 29  # the demo's month, a few cells not reported
    assert any(name == "civdash.cli.uploads" for name, _, _ in result["imports"])
    bench.report(result)
    assert "ratio process ÷ in-process" in capsys.readouterr().out
