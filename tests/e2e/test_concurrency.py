"""Two statisticians confirm their uploads at the same moment, in two browsers against one server: both batches end
committed with every value, or one is refused with a clear Chinese message and nothing of it is stored; no value
already stored is lost. The database is read after the server has stopped (it holds the file while it runs)."""

from __future__ import annotations

import duckdb
import pytest

from tests.e2e.conftest import ERRORS, bureau_database, run_server
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.upload_fixtures import JULY, JUNE, july_workbook, read

pytestmark = pytest.mark.timeout(400)


def rural_july_workbook(path) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """July's 农村低保 (户数, 人数) for every township, just above the latest month it reported (June, or May for a
    township that did not report June): other indicators of the same month."""
    rows = read(path, "SELECT township, indicator_code, value FROM v_fact WHERE period <= ? AND indicator_code IN "
                      "('dibao_rural_households', 'dibao_rural_persons') ORDER BY period", JUNE)
    latest: dict[str, dict[str, float]] = {}
    for town, code, value in rows:
        latest.setdefault(town, {})[code] = value
    towns = [t for (t,) in read(path, "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order")]
    expected = {t: (int(latest[t]["dibao_rural_households"]) + 1, int(latest[t]["dibao_rural_persons"]) + 2)
                if t in latest else (1, 2) for t in towns}  # a township that never had rural 低保 starts small
    grid: list[list[object]] = [["黔江区2025年7月农村低保统计表", None, None], ["乡镇（街道）", "农村低保户数", "农村低保人数"]]
    grid += [[town, h, p] for town, (h, p) in expected.items()]
    return xlsx_bytes([Sheet("7月", grid)]), expected


def review(page, h, url: str, tmp_path, name: str, data: bytes, account: str) -> None:
    """Log in as ``account``, upload ``data`` as ``name`` and bring the review to a confirm button that can be clicked."""
    h.log_in(page, url, "/upload", text="选择要上传的报表", name=account)
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(path))
    h.wait(page, "检查结果")
    h.wait(page, "确认保存")
    ignore = page.locator('[data-testid="stSelectbox"]').filter(has_text="低保边缘户数")
    if ignore.count():  # the July workbook's column without an indicator
        ignore.get_by_role("combobox").click()
        page.get_by_role("option", name="忽略此列，不保存", exact=True).click()
        h.wait(page, "未发现问题")
    assert page.get_by_role("button", name="确认保存").is_enabled()


def outcome(page, h) -> str:
    """The message the page shows after the click: '已保存：…' or '未保存：…'."""
    page.wait_for_function("""() => {
        const t = document.querySelector('[data-testid="stMain"]').innerText;
        return t.includes('已保存：') || t.includes('未保存：');
    }""", timeout=120_000)
    h.wait(page)
    shown = [t.strip().removeprefix("✅").strip() for t in page.locator('[data-testid="stAlert"]').all_inner_texts()
             if "保存：" in t]
    assert len(shown) == 1, shown
    return shown[0]


def confirmed_at_once(pages: dict, h) -> set[str]:
    """Click 确认保存 on every page back to back (the second click lands while the first commit runs) and read what
    each page then says: no error but a refusal, no script error; at least one saved, the others refused in clear
    Chinese. Returns the names saved."""
    buttons = [p.get_by_role("button", name="确认保存") for p in pages.values()]
    for button in buttons:
        button.click(no_wait_after=True)
    shown = {name: outcome(page, h) for name, page in pages.items()}
    for page in pages.values():
        assert page.locator(ERRORS).filter(has_not_text="未保存：").count() == 0
        assert not page.js_errors, page.js_errors
    committed = {name for name, text in shown.items() if text.startswith("已保存：")}
    refused = {name: text for name, text in shown.items() if text.startswith("未保存：")}
    assert committed, shown  # at most one may be refused
    assert committed | set(refused) == set(pages), shown
    for text in refused.values():  # a clear message in Chinese, telling the person what to do
        assert "请" in text and "Error" not in text and "onflict" not in text, text
    return committed


def test_two_uploads_confirmed_at_the_same_time(new_page, e2e_files, demo_snapshot, app_helpers, tmp_path):
    h = app_helpers
    real = bureau_database(demo_snapshot, tmp_path)
    urban, urban_expected = july_workbook(real)
    rural, rural_expected = rural_july_workbook(real)
    before = read(real, "SELECT * FROM v_fact ORDER BY ALL")
    uploads = {"2025年7月城市低保.xlsx": (urban, "李静"), "2025年7月农村低保.xlsx": (rural, "王主任")}

    with run_server(e2e_files["demo"], tmp_path, real=real) as url:
        pages = {name: new_page() for name in uploads}
        for name, (data, account) in uploads.items():
            review(pages[name], h, url, tmp_path, name, data, account)
        committed = confirmed_at_once(pages, h)
        # (leaving the block stops the server and asserts that its log holds no traceback)

    con = duckdb.connect(str(real), read_only=True)
    try:
        files = dict(con.execute("SELECT f.file_name, b.status FROM batch_file f JOIN batch b ON b.id = f.batch_id "
                                 "WHERE f.file_name LIKE '2025年7月%'").fetchall())
        assert files == dict.fromkeys(committed, "committed")
        july = {(town, code): value for town, code, value in con.execute(
            "SELECT township, indicator_code, value FROM v_fact WHERE period = ?", [JULY]).fetchall()}
        after = con.execute("SELECT * FROM v_fact WHERE period <> ? ORDER BY ALL", [JULY]).fetchall()
    finally:
        con.close()

    assert after == before  # nothing stored before was lost or changed
    urban_stored = {(t, c): v for (t, c), v in july.items() if c.startswith("dibao_urban")}
    rural_stored = {(t, c): v for (t, c), v in july.items() if c.startswith("dibao_rural")}
    assert len(july) == len(urban_stored) + len(rural_stored)
    if "2025年7月城市低保.xlsx" in committed:
        assert urban_stored == pytest.approx({(t, code): float(v) for t, values in urban_expected.items() for code, v in
                                zip(("dibao_urban_households", "dibao_urban_persons", "dibao_urban_funds"), values,
                                    strict=True)})
    else:
        assert urban_stored == {}
    if "2025年7月农村低保.xlsx" in committed:
        assert rural_stored == pytest.approx({(t, code): float(v) for t, values in rural_expected.items() for code, v in
                                zip(("dibao_rural_households", "dibao_rural_persons"), values, strict=True)})
    else:
        assert rural_stored == {}
