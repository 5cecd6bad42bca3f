"""``tests/benchmarks/browser.py`` at a small scale: the floor app, the cards and civdash each served and opened in
headless Chromium, every page of the table reached. Only correctness is asserted (no page shows an error or a
JavaScript error, 总览 shows the same figures in every round); the times it prints are not looked at."""

from __future__ import annotations

import pytest

from tests.benchmarks import browser

pytestmark = pytest.mark.timeout(600)


def test_the_browser_benchmark_reaches_every_page_and_sees_the_same_figures(tmp_path, capsys) -> None:
    code = browser.main(["--db", str(tmp_path / "p40.duckdb"), "--townships", "40", "--years", "1", "--rounds", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "总览's figures: 29 metric cards with 29 trend lines, the same in every round of every civdash app" in out
    for row in ("| floor |", "| cards from constants |", "| civdash |", "| civdash ÷ floor |", "| 乡镇对比 |",
                "| 会议模式 |"):
        assert row in out, out
