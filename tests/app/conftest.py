"""AppTest fixtures: a real demo database in a tmp dir, and the app pointed at it through its env.

The demo is built once per session, ending 2025-06, so every figure is deterministic. Expected values
are computed through SQL on the public view ``v_fact`` of a byte-identical copy of that file, so the
test process never holds a second, differently configured DuckDB handle on the file the app opens.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage  # noqa: E402
from streamlit.testing.v1 import AppTest, app_test  # noqa: E402

from civdash.access import auth  # noqa: E402
from ui.access import USER_KEY  # noqa: E402

DASHBOARD = ROOT / "dashboard.py"
UNTIL = date(2025, 6, 1)  # the demo snapshot's last month (tests/conftest.py)
TIMEOUT = 60


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> dict[str, Path]:
    """The app's own copy of the demo database (expected values come from ``sql`` on the snapshot)."""
    base = tmp_path_factory.mktemp("civdash-app")
    path = base / "demo.duckdb"
    shutil.copyfile(demo_snapshot, path)
    return {"demo": path, "real": base / "no-real-db.duckdb"}


def point_app(monkeypatch: pytest.MonkeyPatch, real: Path, demo: Path) -> None:
    """The app's databases: the bureau's at ``real`` (served once it exists), else the demo at ``demo``; fresh caches."""
    monkeypatch.setenv("CIVDASH_DB", str(real))
    monkeypatch.setenv("CIVDASH_DEMO_DB", str(demo))
    monkeypatch.setenv("CIVDASH_DEMO_UNTIL", "2025-06")
    monkeypatch.setenv("CIVDASH_GEOJSON", str(real.with_name("no-townships.geojson")))
    clear_caches()


@pytest.fixture
def demo_env(demo_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """Point the app at the demo (no real database) with fresh Streamlit caches."""
    point_app(monkeypatch, demo_files["real"], demo_files["demo"])
    inode = demo_files["demo"].stat().st_ino
    yield demo_files
    clear_caches()
    # The app must have found the session's demo current, not rebuilt it.
    assert demo_files["demo"].stat().st_ino == inode, "the app rebuilt the demo database"
    assert not demo_files["real"].exists()


# The session's account in page tests: an administrator may open every page (tests of the refusals choose another).
TEST_USER = auth.User(1, "李静", "admin", False)


def run_app(page: str | None = None, user: auth.User | None = TEST_USER, **query_params: str | list[str]) -> AppTest:
    """A finished AppTest run of ``dashboard.py`` (optionally switched to ``page``) on the databases set up, with
    ``user`` logged in (None: nobody)."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=TIMEOUT)
    if user is not None:
        at.session_state[USER_KEY] = user
    if page is None:
        at.query_params.update(query_params)
        return at.run()
    at.run()
    assert_clean(at)
    at.switch_page(page)
    at.query_params.clear()
    at.query_params.update(query_params)
    return at.run()


@pytest.fixture
def app(demo_env: dict[str, Path]) -> Callable[..., AppTest]:
    """``app(page=None, **query_params)``: a finished AppTest run of ``dashboard.py`` (optionally a page)."""
    return run_app


def shown(markdown: str) -> str:
    """A label or caption as the browser shows it: ``frame.plain``'s backslash escapes and zero-width spaces resolved."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def assert_clean(at: AppTest) -> None:
    """No exception and no st.error anywhere on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def clean() -> Callable[[AppTest], None]:
    return assert_clean


# Formatting written out here on purpose (not civdash.domain.units) so a formatting bug cannot hide.
def fmt(value: float, unit: str, decimals: int = 0) -> str:
    """'1,654人', '531.58万元' (money in 元 is shown in 万元 with 2 decimals)."""
    if unit == "元":
        return f"{value / 1e4:,.2f}万元"
    return f"{value:,.{decimals}f}{unit}"


def pct(ratio: float) -> str:
    """'+3.2%' / '-1.5%', and '持平' for a change under 0.05%."""
    return "持平" if abs(ratio) < 0.0005 else f"{ratio * 100:+.1f}%"


@pytest.fixture
def fmt_value() -> Callable[..., str]:
    return fmt


@pytest.fixture
def fmt_pct() -> Callable[[float], str]:
    return pct


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None
    text: str  # the label and every caption in the card, where 1-N月累计 / 当月 / 同比 notes appear


def key_cards(at: AppTest) -> dict[str, Card]:
    """Key-figure cards by indicator name (a '（1-6月累计）' label suffix, if any, stripped)."""
    found = {}
    for block in at.container:
        metrics = block.metric
        if len(metrics) != 1:
            continue
        m = metrics[0]
        name = re.sub(r"（[^（）]*累计）$", "", m.label)
        found[name] = Card(m.label, m.value, m.delta, " ".join([m.label, *(c.value for c in block.caption)]))
    return found


@pytest.fixture
def cards() -> Callable[[AppTest], dict[str, Card]]:
    return key_cards


@pytest.fixture
def real_env(demo_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable bureau database of this test's own (the demo snapshot's data, marked real) that the app opens
    instead of the demo; pages that change data are tested on it. Yields its path."""
    import duckdb  # noqa: PLC0415

    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_files["demo"], path)
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'is_demo'")
    finally:
        con.close()
    point_app(monkeypatch, path, demo_files["demo"])
    yield path
    clear_caches()


@pytest.fixture
def real_app(real_env: Path) -> Callable[..., AppTest]:
    """Like ``app``, on the test's own writable database (``real_env``)."""
    return run_app


@pytest.fixture
def served_files(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bytes], dict[str, str]]:
    """The bytes and the file name behind every download button of the app test's runs, by the button's URL."""
    data: dict[str, bytes] = {}
    names: dict[str, str] = {}

    class Keeping(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None) -> str:
            file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
            data[self.get_url(file_id)] = bytes(path_or_data)
            names[self.get_url(file_id)] = filename
            return file_id

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Keeping)
    return data, names


@pytest.fixture
def downloads(served_files) -> dict[str, bytes]:
    """The bytes behind every download button of the app test's runs, by the button's URL."""
    return served_files[0]


@pytest.fixture
def file_names(served_files) -> dict[str, str]:
    """The file name behind every download button of the app test's runs, by the button's URL."""
    return served_files[1]


@dataclass(frozen=True)
class Chart:
    """A Plotly chart as the page sent it: the figure (data, layout) and its config."""

    figure: dict
    config: dict

    @property
    def file_name(self) -> str:
        """The name its toolbar saves the image under (without .png)."""
        return self.config["toImageButtonOptions"]["filename"]

    @property
    def traces(self) -> list[dict]:
        return self.figure["data"]

    @property
    def layout(self) -> dict:
        return self.figure["layout"]

    def notes(self) -> list[str]:
        return chart_notes(self.figure)


def chart_notes(figure: dict) -> list[str]:
    """The texts written on a Plotly figure: its annotations (an average line's label, a unit line without a legend)
    and the unit line that heads its legend."""
    title = figure["layout"].get("legend", {}).get("title", {}).get("text", "").strip("　")
    return [a["text"] for a in figure["layout"].get("annotations", [])] + ([title] if title else [])


def plotly_charts(at: AppTest) -> list[Chart]:
    return [Chart(json.loads(c.proto.spec), json.loads(c.proto.config)) for c in at.get("plotly_chart")]


@pytest.fixture
def figures() -> Callable[[AppTest], list[Chart]]:
    """The page's Plotly charts, in page order."""
    return plotly_charts
