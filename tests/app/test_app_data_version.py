"""The analysis pages read the data version once per run (``ui/data.hold_version``): every figure on the page comes
from that one version, and the database is not asked again before each cached read. A save made between two runs
(by another session or process) is read by the next run; the pages that save read it before every read."""

from __future__ import annotations

from pathlib import Path

import pytest

from civdash.store import db
from tests.app.conftest import key_cards
from ui import data

pytestmark = pytest.mark.timeout(180)


def counting(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[int]]:
    """Count, in the runs that follow, the database's data-version reads and the cache keys asked for
    (``data.version``: before every cached read)."""
    stored: list[int] = []
    keys: list[int] = []
    read_stored, key = db.data_version, data.version
    monkeypatch.setattr(db, "data_version", lambda con: stored.append(1) or read_stored(con))
    monkeypatch.setattr(data, "version", lambda: keys.append(1) or key())
    return stored, keys


@pytest.mark.parametrize("page", [None, "pages/trend.py", "pages/compare.py", "pages/query.py", "pages/meeting.py"])
def test_an_analysis_page_reads_the_data_version_once_per_run(real_app, monkeypatch, page, clean) -> None:
    at = real_app(page)
    clean(at)
    stored, keys = counting(monkeypatch)
    at.run()
    clean(at)
    # Streamlit's test harness starts every run twice (ui/frame.require_navigation): one read for each start.
    assert len(stored) <= 2 and len(keys) >= 5, (len(stored), len(keys))
    assert at.session_state[data.HELD_KEY][1] == data_version(at)


def data_version(at) -> int:
    con = db.connect(Path(at.session_state[data.HELD_KEY][0]))
    try:
        return db.data_version(con)
    finally:
        con.close()


def test_a_save_between_two_runs_is_read_by_the_next(real_app, real_env: Path, fmt_value, clean) -> None:
    at = real_app()
    clean(at)
    con = db.connect(real_env)  # another session's save: a value changes and the data version moves on
    try:
        (town,) = con.execute(
            "SELECT township_id FROM fact WHERE is_current AND indicator_code = 'dibao_urban_households' "
            "AND period = DATE '2025-06-01' ORDER BY township_id LIMIT 1").fetchone()
        (total,) = con.execute("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_households' "
                               "AND period = DATE '2025-06-01'").fetchone()
        assert key_cards(at)["城市低保户数"].value == fmt_value(total, "户")
        with db.transaction(con):
            con.execute("UPDATE fact SET value = value + 100 WHERE is_current AND indicator_code = "
                        "'dibao_urban_households' AND period = DATE '2025-06-01' AND township_id = ?", [town])
            db.bump_data_version(con)
    finally:
        con.close()
    at.run()
    clean(at)
    assert key_cards(at)["城市低保户数"].value == fmt_value(total + 100, "户")


def test_a_page_that_saves_reads_the_version_before_every_read(real_app, monkeypatch, clean) -> None:
    """导入记录 (history) can roll a batch back and read the batches again in the same run: nothing is held there."""
    at = real_app("pages/history.py")
    clean(at)
    stored, keys = counting(monkeypatch)
    at.run()
    clean(at)
    assert data.HELD_KEY not in at.session_state
    assert len(stored) == len(keys) >= 2
