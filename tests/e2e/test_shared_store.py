"""Two dashboard processes sharing one DuckLake (issue 7), in real headless Chromium: the bureau's database copied into
a lake on the session's PostgreSQL, two Streamlit servers on different ports attached to it. What one process
stores, the other shows; a rollback made in one is seen by both; two uploads confirmed at the same moment through
the two processes both end committed (DuckLake's conflict is tried again) or one is refused in Chinese, and no value
is lost. Expected values come from the bureau file the lake was copied from and from ``v_fact`` read from the lake
with a fresh connection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from civdash.store import db, ducklake
from civdash.store.transfer import into_lake
from tests.e2e.conftest import SCREENSHOTS, bureau_database, run_server
from tests.e2e.test_concurrency import confirmed_at_once, review, rural_july_workbook
from tests.upload_fixtures import JULY, JUNE, july_workbook, read

pytestmark = pytest.mark.timeout(500)

URBAN = "2025年7月城市低保.xlsx"
RURAL = "2025年7月农村低保.xlsx"


def lake_read(lake: ducklake.Lake, query: str, *params) -> list[tuple]:
    """Rows of ``query`` on the lake, through a connection of its own (not either dashboard's)."""
    con = db.connect(lake)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def metric_value(page, name: str) -> str:
    label = page.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(rf"^\s*{name}(（.*累计）)?\s*$"))
    card = page.locator('[data-testid="stMetric"]').filter(has=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def persons(total: float) -> str:
    return f"{total:,.0f}人"


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def shot(page, name: str) -> Path:
    """One screenshot at 1920×1080 (the pages' viewport) into the e2e screenshot folder."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1920, "height": 1080})
    path = SCREENSHOTS / f"{name}-1920x1080.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def shared(e2e_files, demo_snapshot, lake, tmp_path) -> Iterator[tuple[str, str, ducklake.Lake, Path]]:
    """(URL of process A, URL of process B, the lake, the bureau file the lake was copied from)."""
    real = bureau_database(demo_snapshot, tmp_path)
    copied = into_lake(real, lake)
    assert copied.facts > 0 and not copied.replaced
    env = {"CIVDASH_STORE": "ducklake", "CIVDASH_CATALOG": lake.catalog, "CIVDASH_DATA_PATH": lake.data_path}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with run_server(e2e_files["demo"], tmp_path / "a", env=env) as a, \
            run_server(e2e_files["demo"], tmp_path / "b", env=env) as b:
        yield a, b, lake, real
    # (leaving the block stops both servers and asserts that neither log holds a traceback)


def test_an_upload_in_one_process_and_a_rollback_in_the_other_are_seen_by_both(new_page, shared, app_helpers,
                                                                                 tmp_path):
    h, (a, b, lake, real) = app_helpers, shared
    data, expected = july_workbook(real)
    july_persons = sum(p for _, p, _ in expected.values())
    june_persons = read(real, "SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' "
                              "AND period = ?", JUNE)[0][0]
    assert july_persons != june_persons

    # B shows June before anything is uploaded
    viewer = new_page()
    h.open(viewer, b, "/", text="城市低保人数")
    assert "数据截至2025年6月" in main_text(viewer)
    assert metric_value(viewer, "城市低保人数") == persons(june_persons)

    # A: the statistician uploads July and confirms
    page = new_page()
    review(page, h, a, tmp_path, URBAN, data, "李静")
    page.get_by_role("button", name="确认保存").click()
    h.wait(page, "已保存：第")  # the result; the page's caption always says 已保存的批次
    assert "新增90" in main_text(page)
    h.no_errors(page)
    stored = lake_read(lake, "SELECT sum(value), count(*), min(batch_id), max(batch_id) FROM v_fact "
                             "WHERE indicator_code = 'dibao_urban_persons' AND period = ?", JULY)[0]
    assert stored[:2] == (pytest.approx(july_persons), 30) and stored[2] == stored[3]
    batch = stored[2]
    assert lake_read(lake, "SELECT status, user_name FROM batch WHERE id = ?", batch) == [("committed", "李静")]

    # A's own 总览 and B's 总览 (a reload of the page opened before the upload) show July, equal to the lake
    page.get_by_role("link", name="查看2025年7月总览").click()
    h.wait(page, "城市低保人数")
    assert "数据截至2025年7月" in main_text(page)
    assert metric_value(page, "城市低保人数") == persons(july_persons)
    h.open(viewer, b, "/", text="城市低保人数")
    assert "数据截至2025年7月" in main_text(viewer)
    assert metric_value(viewer, "城市低保人数") == persons(stored[0])
    h.no_errors(page)
    h.no_errors(viewer)
    shot(page, "shared-store-a-overview")
    shot(viewer, "shared-store-b-overview")

    # The login made on A holds on B: the session lives in the lake, the cookie is the host's (any port)
    h.open(page, b, "/history", text="导入记录")
    assert "当前用户：李静（统计员）" in page.locator('[data-testid="stSidebar"]').inner_text()
    h.cell(page, URBAN, nth=0)
    assert f"第{batch}批：" in main_text(page)
    assert "90条数据将被删除（之前没有数据）" in main_text(page)

    # B: the statistician rolls her batch back
    page.get_by_text(f"我确认撤销第{batch}批").click()
    h.wait(page)
    page.get_by_role("button", name="撤销此批次").click()
    h.wait(page, "已撤销第")
    assert "0条恢复为之前的数值，90条已删除" in main_text(page)
    h.no_errors(page)
    assert lake_read(lake, "SELECT count(*) FROM v_fact WHERE period = ?", JULY) == [(0,)]
    assert lake_read(lake, "SELECT status FROM batch WHERE id = ?", batch) == [("rolled_back",)]

    # Both processes are back at June, with June's figure
    for url, shown in ((a, page), (b, viewer)):
        h.open(shown, url, "/", text="城市低保人数")
        assert "数据截至2025年6月" in main_text(shown), url
        assert metric_value(shown, "城市低保人数") == persons(june_persons), url
        h.no_errors(shown)
    h.open(page, a, "/history", text="导入记录")  # A's 导入记录 lists the batch as rolled back
    h.cell(page, URBAN, nth=0)
    assert f"第{batch}批：已撤销" in main_text(page)


def test_two_uploads_confirmed_at_the_same_moment_through_two_processes(new_page, shared, app_helpers, tmp_path):
    h, (a, b, lake, real) = app_helpers, shared
    urban, urban_expected = july_workbook(real)
    rural, rural_expected = rural_july_workbook(real)
    before = lake_read(lake, "SELECT * FROM v_fact ORDER BY ALL")
    assert before == read(real, "SELECT * FROM v_fact ORDER BY ALL")  # the lake holds the bureau's file
    uploads = {URBAN: (a, urban, "李静"), RURAL: (b, rural, "王主任")}

    pages = {name: new_page() for name in uploads}
    for name, (url, data, account) in uploads.items():
        review(pages[name], h, url, tmp_path, name, data, account)
    committed = confirmed_at_once(pages, h)  # the second click lands while the first commits in the other process

    files = lake_read(lake, "SELECT f.file_name, b.id, b.status FROM batch_file f JOIN batch b ON b.id = f.batch_id "
                            "WHERE f.file_name LIKE '2025年7月%'")
    assert {name: status for name, _, status in files} == dict.fromkeys(committed, "committed")
    batch_ids = {name: batch for name, batch, _ in files}
    assert len(set(batch_ids.values())) == len(committed)
    assert len({batch for (batch,) in lake_read(lake, "SELECT id FROM batch")}) == \
        lake_read(lake, "SELECT count(*) FROM batch")[0][0]  # every batch id once
    july = {(town, code): (value, batch) for town, code, value, batch in lake_read(
        lake, "SELECT township, indicator_code, value, batch_id FROM v_fact WHERE period = ?", JULY)}
    after = lake_read(lake, "SELECT * FROM v_fact WHERE period <> ? ORDER BY ALL", JULY)
    assert after == [row for row in before if row[6] != JULY]  # nothing stored before was lost or changed

    want: dict[tuple[str, str], float] = {}
    if URBAN in committed:
        want |= {(t, code): float(v) for t, values in urban_expected.items() for code, v in
                 zip(("dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds"), values, strict=True)}
    if RURAL in committed:
        want |= {(t, code): float(v) for t, values in rural_expected.items() for code, v in
                 zip(("dibao_rural_households", "dibao_rural_persons"), values, strict=True)}
    assert {k: v for k, (v, _) in july.items()} == pytest.approx(want)  # exactly the union of what was committed
    for (_, code), (_, batch) in july.items():
        assert batch == batch_ids[URBAN if code.startswith("dibao_urban") else RURAL]

    # Each process's 总览 shows both uploads' figures for July
    for url, page in ((a, pages[URBAN]), (b, pages[RURAL])):
        h.open(page, url, "/", text="城市低保人数")
        assert "数据截至2025年7月" in main_text(page), url
        for name, code, label in ((URBAN, "dibao_urban_persons", "城市低保人数"),
                                  (RURAL, "dibao_rural_persons", "农村低保人数")):
            if name in committed:
                total = sum(v for (_, c), v in want.items() if c == code)
                assert metric_value(page, label) == persons(total), (url, label)
        h.no_errors(page)
