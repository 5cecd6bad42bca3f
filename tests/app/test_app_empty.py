"""A bureau's own database that exists but holds no facts yet: every page says 暂无数据 instead of crashing."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from civdash.store import db

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
NO_DATA = "暂无数据。请先由统计员上传报表，或使用示例数据熟悉功能。"
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def empty_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = tmp_path / "civdash.duckdb"
    db.connect(real).close()  # migrated schema, no indicators, townships or facts
    demo_path = tmp_path / "demo.duckdb"
    monkeypatch.setenv("CIVDASH_DB", str(real))
    monkeypatch.setenv("CIVDASH_DEMO_DB", str(demo_path))
    monkeypatch.setenv("CIVDASH_DEMO_UNTIL", "2025-06")
    monkeypatch.setenv("CIVDASH_GEOJSON", str(tmp_path / "no-townships.geojson"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield {"real": real, "demo": demo_path}
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("page", [None, "pages/trend.py", "pages/compare.py", "pages/meeting.py"])
def test_every_page_says_no_data(empty_env, clean, page):
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    if page:
        clean(at)
        at.switch_page(page).run()
    clean(at)
    assert NO_DATA in [i.value for i in at.info]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.warning, "a real (empty) database is not the demo"
    # The real database exists, so the demo is neither built nor used.
    assert not empty_env["demo"].exists()


def test_meeting_mode_link_says_no_data(empty_env, clean):
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.query_params.update({"meeting": "1", "slide": "3"})
    at.run()
    clean(at)
    assert NO_DATA in [i.value for i in at.info]


def test_pages_header_still_shows_stamp(empty_env, clean):
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    clean(at)
    assert at.title[0].value == "民政工作总览"
    assert any("暂无数据" in m.value and "civdash-stamp" in m.value for m in at.markdown)
