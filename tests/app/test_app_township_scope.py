"""A township account (乡镇填报员) on every page it may open: it never receives another township's name or figure —
not on the page, not in a chart, not in a download — and its totals are its township's own.

The scope is enforced under the queries (civdash/store/scope.py); these tests look at what reaches the browser."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from python_calamine import CalamineWorkbook
from streamlit.testing.v1 import AppTest

from civdash.access import auth
from tests.app.conftest import UNTIL, assert_clean, fmt, key_cards, run_app, shown

JUNE = UNTIL
ANALYSIS_PAGES = ["pages/overview.py", "pages/trend.py", "pages/compare.py", "pages/meeting.py", "pages/query.py",
                  "pages/ask.py", "pages/report.py"]
REFUSED_PAGES = ["pages/upload.py", "pages/progress.py", "pages/history.py", "pages/registry.py", "pages/users.py",
                 "pages/audit.py"]


@pytest.fixture
def names(sql) -> list[str]:
    """Every township of the demo, in registry order."""
    return [r[0] for r in sql.con.execute("SELECT name FROM township WHERE level = 'township' ORDER BY sort_order")
            .fetchall()]


@pytest.fixture
def ids(sql) -> dict[str, int]:
    return dict(sql.con.execute("SELECT name, id FROM township WHERE level = 'township'").fetchall())


def township_user(*township_ids: int, sees_district: bool = False) -> auth.User:
    return auth.User(7, "赵敏", "township", False, None, tuple(township_ids), sees_district)


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def page_text(at: AppTest, downloads: dict[str, bytes]) -> str:
    """Everything the page sent that a person could read: texts, labels, options, table cells, chart data, and the
    text of every file its download buttons serve."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "success", "error",
                 "code", "latex"):
        parts += [shown(str(e.value)) for e in at.get(kind)]
    for m in at.metric:
        parts += [m.label, m.value, str(m.delta)]
    for e in at.expander:
        parts.append(e.label)
    for kind in ("selectbox", "multiselect", "radio", "select_slider", "segmented_control", "pills"):
        for w in at.get(kind):
            parts += [str(o) for o in getattr(w, "options", [])]
    for frame in at.dataframe:
        parts.append(frame.value.to_string() if hasattr(frame.value, "to_string") else str(frame.value))
    for table in at.table:
        parts.append(table.value.to_string())
    for chart in at.get("plotly_chart"):
        parts += _texts(json.loads(chart.proto.spec))
    for button in at.get("download_button"):
        parts.append(file_text(downloads.get(button.proto.url, b"")))
    return "\n".join(parts)


def file_text(content: bytes) -> str:
    """A served file's text: a workbook's cells, a Word document's paragraphs and tables, or the text itself."""
    if content[:2] == b"PK" and b"word/" in content[:2000]:
        doc = Document(io.BytesIO(content))
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)
    if content[:2] == b"PK":
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return "\n".join(str(v) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()
                         for v in row)
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return ""


def others_named(text: str, names: list[str], own: set[str]) -> list[str]:
    return [n for n in names if n not in own and n in text]


# 乡镇对比 runs only its open tab: each tab is opened by its address.
VIEWS = [(page, {}) for page in ANALYSIS_PAGES] + [("pages/compare.py", {"view": tab})
                                                   for tab in ("逐月热力图", "人均指标", "乡镇画像")]


@pytest.mark.parametrize(("page", "view"), VIEWS)
def test_a_township_account_sees_no_other_township_on_any_analysis_page_or_download(app, page, view, names, ids,
                                                                                  downloads) -> None:
    own = names[0]
    at = run_app(page, user=township_user(ids[own]), **view)
    assert_clean(at)
    text = page_text(at, downloads)
    assert own in text
    assert others_named(text, names, {own}) == []
    if page in ("pages/query.py", "pages/report.py"):  # its downloads are its township's
        served = [file_text(downloads[b.proto.url]) for b in at.get("download_button")]
        assert served and all(own in f for f in served)


@pytest.mark.parametrize("page", ["pages/trend.py", "pages/compare.py", "pages/query.py"])
def test_an_address_naming_another_township_shows_nothing_of_it(app, page, names, ids, downloads) -> None:
    own, other = names[0], names[1]
    params = {"towns": [other], "q_towns": [other], "town": other, "inds": ["dibao_urban_persons"]}
    at = run_app(page, user=township_user(ids[own]), **params)
    assert not at.exception
    assert others_named(page_text(at, downloads), names, {own}) == []


def test_the_overview_cards_are_the_townships_own_figures(app, names, ids, sql) -> None:
    own = names[0]
    at = run_app("pages/overview.py", user=township_user(ids[own]))
    assert_clean(at)
    persons = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ? "
                  "AND township = ?", JUNE, own)
    district = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ?", JUNE)
    card = key_cards(at)["城市低保人数"]
    assert card.value == fmt(persons, "人") and persons < district
    stamp = " ".join(m.value for m in at.markdown)
    assert own in stamp and "黔江区" not in stamp
    assert "1/1" in " ".join(m.value for m in at.markdown)  # its own reporting, not the district's


def test_the_district_totals_are_shown_only_to_an_account_allowed_them(app, names, ids, sql) -> None:
    own = names[0]
    district = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ?", JUNE)
    plain = run_app("pages/overview.py", user=township_user(ids[own]))
    assert fmt(district, "人") not in " ".join(m.value for m in plain.metric)
    allowed = run_app("pages/overview.py", user=township_user(ids[own], sees_district=True))
    assert_clean(allowed)
    section = next(e for e in allowed.expander if e.label.startswith("全区合计"))
    assert fmt(district, "人") in [m.value for m in section.metric]
    assert others_named(" ".join(m.label + m.value for m in allowed.metric), names, {own}) == []


def test_two_townships_of_one_account_are_read_together(app, names, ids, sql) -> None:
    a, b = names[0], names[1]
    at = run_app("pages/overview.py", user=township_user(ids[a], ids[b]))
    assert_clean(at)
    both = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = ? "
               "AND township IN (?, ?)", JUNE, a, b)
    assert key_cards(at)["城市低保人数"].value == fmt(both, "人")


@pytest.mark.parametrize("page", REFUSED_PAGES)
def test_a_township_account_is_refused_the_statisticians_and_admins_pages(app, page, names, ids, downloads) -> None:
    at = run_app(page, user=township_user(ids[names[0]]))
    assert not at.exception
    assert any("没有打开" in w.value for w in at.warning)
    assert others_named(page_text(at, downloads), names, {names[0]}) == []


def test_a_report_of_a_township_account_is_its_townships(app, names, ids, downloads) -> None:
    own = names[0]
    at = run_app("pages/report.py", user=township_user(ids[own]), r_kind="month", r_month="2025-06")
    assert_clean(at)
    word = [downloads[b.proto.url] for b in at.get("download_button") if b.proto.url in downloads
            and downloads[b.proto.url][:2] == b"PK"]
    assert word, "the Word report is offered"
    text = file_text(word[0])
    assert f"{own}民政工作主要数据" in text and "全区" not in text and "黔江区" not in text


def test_the_map_draws_only_the_accounts_township(app, names, ids, downloads, tmp_path, monkeypatch) -> None:
    shapes = tmp_path / "townships.geojson"
    shapes.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n},
         "geometry": {"type": "Polygon", "coordinates": [[[k, 0], [k + 1, 0], [k + 1, 1], [k, 1], [k, 0]]]}}
        for k, n in enumerate(names)]}), encoding="utf-8")
    monkeypatch.setenv("CIVDASH_GEOJSON", str(shapes))
    whole = run_app("pages/compare.py")
    assert len(_texts([json.loads(c.proto.spec) for c in whole.get("plotly_chart")])) > 0
    at = run_app("pages/compare.py", user=township_user(ids[names[0]]))
    assert_clean(at)
    maps = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
            if any(t.get("type") == "choropleth" for t in json.loads(c.proto.spec)["data"])]
    assert maps, "the map is drawn"
    assert others_named(json.dumps(maps, ensure_ascii=False), names, {names[0]}) == []
    assert [f["properties"]["township"] for f in maps[0]["data"][0]["geojson"]["features"]] == [names[0]]


def test_once_a_township_account_exists_the_analysis_pages_need_a_login(real_app, real_env, names, ids) -> None:
    before = run_app("pages/overview.py", user=None)
    assert_clean(before)
    assert before.metric  # open to the intranet
    from civdash.store import db

    con = db.connect(real_env)
    try:
        auth.add_user(con, "赵敏", "township", "correct horse 7", townships=[ids[names[0]]])
    finally:
        con.close()
    from tests.app.conftest import clear_caches

    clear_caches()
    at = run_app("pages/overview.py", user=None)
    assert not at.exception and not at.metric
    assert any("需要登录" in i.value for i in at.info)
    logged_in = run_app("pages/overview.py", user=township_user(ids[names[0]]))
    assert_clean(logged_in)
    assert logged_in.metric
