"""A bureau whose data start in November 2025 (its first upload): 总览's cards, the 会议模式 slide, 数据查询 and 汇报材料
never call December's 累计 1-12月; they say 11-12月 and that January to October have no data."""

from __future__ import annotations

import re
from datetime import date

import pytest

from civdash import demo
from tests.app.conftest import point_app
from tests.app.conftest import shown as displayed

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def november(demo_env, tmp_path, monkeypatch):  # after demo_env, which points the app at the demo
    bureau = tmp_path / "civdash.duckdb"
    demo.build(bureau, until=date(2025, 12, 1), first=date(2025, 11, 1))
    point_app(monkeypatch, bureau, tmp_path / "demo-unused.duckdb")
    return bureau


def texts(at) -> str:
    """Every text the page shows: titles, markdown, captions, code, metric labels and values."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "code", "info", "warning")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(displayed(str(p)) for p in parts)


def from_january(text: str) -> bool:
    return re.search(r"(?<![0-9])1-12月", text) is not None


def test_overview_cards_say_11_12(november, app, clean) -> None:
    at = app()
    clean(at)
    shown = texts(at)
    assert not from_january(shown)
    assert "11-12月累计（1-10月无数据）" in shown


def test_meeting_slide_and_report_and_query(november, app, clean) -> None:
    # Two months of data: the trends (fewer than three months) are skipped, so this comparison is the second slide.
    slide = app(meeting="1", slide="2")
    clean(slide)
    assert "农村低保资金支出11-12月累计：今年与去年" in texts(slide) and not from_january(texts(slide))
    page = app("pages/report.py")
    clean(page)
    assert "黔江区民政工作主要数据（2025年11-12月）" in texts(page) and not from_january(texts(page))
    table = app("pages/query.py", q_mode="累计")
    clean(table)
    assert "黔江区2025年11-12月民政主要指标统计表" in texts(table) and not from_january(texts(table))
