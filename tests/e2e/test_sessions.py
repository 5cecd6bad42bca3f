"""Twenty people open 总览 at the same moment: every session shows the same key figures and no error.

Runs ``tests/benchmarks/sessions.py`` at a scale that fits CI on 2 cores (a 300-township province database of two
years, built in the test's folder; 20 sessions arriving at once on a fresh server, then a second round with warm
caches). Times are printed by the script, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(900)


def test_twenty_sessions_at_once_show_the_same_figures(tmp_path: Path) -> None:
    out = tmp_path / "sessions.json"
    run = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.sessions", "--townships", "300", "--years", "2",
         "--db", str(tmp_path / "province-300t-2y.duckdb"), "--sessions", "20", "--rounds", "1",
         "--baseline-repeat", "1", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=840)
    print(run.stdout[-3000:])
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]

    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["problems"] == []
    result = found["result"]
    expected = result["baseline"]["cold"]["figures"]
    labels = [label for label, _ in expected]
    assert len(expected) >= 20 and any("低保人数" in label for label in labels)  # the key figure cards
    assert all(value for _, value in expected)
    sessions = [*result["concurrent"]["cold"], *result["concurrent"]["warm"][0]]
    assert len(sessions) == 40
    for session in sessions:
        assert session["figures"] == expected
        assert session["errors"] == [] and session["js_errors"] == []
