"""The capacity benchmark at its smallest scale: sessions speaking Streamlit's protocol to a real server (one alone,
then three at once) all receive the same 总览 figures, which match the database's sums; a rerun answered with
references to the messages a session keeps (every element cacheable here) gives the same figures. No timing is
asserted (tests/benchmarks/capacity.py)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from civdash.domain.periods import parse_month
from tests.benchmarks import capacity, province

JUNE = "2025-06"

pytestmark = pytest.mark.timeout(300)


def test_sessions_at_once_receive_the_same_figures_as_the_database_holds(tmp_path: Path, capsys) -> None:
    database = tmp_path / "small-province.duckdb"
    province.build_province(database, 40, 1, parse_month(JUNE), log=lambda _: None)
    out = tmp_path / "capacity.json"
    code = capacity.main(["--db", str(database), "--townships", "40", "--years", "1", "--until", JUNE,
                          "--sessions", "1,3", "--rounds", "1", "--baseline-repeat", "1",
                          "--min-cached-message-size", "0", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "every session received the same, no error" in printed

    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["problems"] == []
    expected = found["cold"]["figures"]
    assert len(expected) >= 20 and all(value for _, value, _ in expected)
    assert found["cached"]["references"] > 0 and found["cached"]["figures"] == expected
    runs = [run for r in found["rounds"] for run in r["runs"]]
    assert sorted(r["n"] for r in found["rounds"]) == [1, 3] and len(runs) == 4
    assert all(run["figures"] == expected and run["errors"] == [] for run in runs)

    shown = {label: value for label, value, _ in expected}
    con = duckdb.connect(str(database), read_only=True)  # the server read a copy of it
    try:
        persons = con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons'"
                              " AND period = ?::DATE", [f"{JUNE}-01"]).fetchone()[0]
        funds = con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                            " AND period BETWEEN '2025-01-01' AND ?::DATE", [f"{JUNE}-01"]).fetchone()[0]
    finally:
        con.close()
    assert shown["城市低保人数"] == f"{persons:,.0f}人"
    assert shown["城市低保资金支出"] == f"{funds / 1e4:,.2f}万元"
