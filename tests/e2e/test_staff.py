"""What staff do for their monthly report, in real headless Chromium: choose a table on 数据查询, download it as the
office's .xlsx and as .csv, and check that the files hold the figures on screen and in ``v_fact``."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

pytestmark = pytest.mark.timeout(300)
JUNE = "2025-06-01"


def download(page, label: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    d = info.value
    return d.suggested_filename, open(d.path(), "rb").read()


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_staff_download_a_quarter_table_that_matches_the_screen(new_page, server, sql, app_helpers, tmp_path):
    h = app_helpers
    page = new_page()
    h.open(page, server, "/query", text="民政主要指标统计表")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("radio", name="按期间", exact=True).click()
    page.wait_for_function("() => location.search.includes('q_rows')")
    h.wait(page)
    sidebar.get_by_role("radio", name="季", exact=True).click()
    page.wait_for_function("() => location.search.includes('q_grain')")
    h.wait(page)
    h.cell(page, "2025年第2季度（数据不全）")  # 新华乡 has not reported June
    assert h.headers(page)[:3] == ["期间", "城市低保户数（户）", "城市低保人数（人）"]
    screen = h.rows(page)
    assert [r[0] for r in screen] == ["2025年第1季度", "2025年第2季度（数据不全）", "合计"]

    name, data = download(page, "下载 Excel（统计表格式）")
    assert name == "黔江区2025年1-6月民政主要指标统计表.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "黔江区2025年1-6月民政主要指标统计表" and ws["A3"].value == "期间"
    sheet = [[ws.cell(5 + r, c).value for c in range(1, len(screen[0]) + 1)] for r in range(len(screen))]
    for on_screen, in_file in zip(screen, sheet, strict=True):
        assert on_screen[0] == in_file[0]
        assert [number(t) for t in on_screen[1:]] == in_file[1:]
    persons = sql(f"SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = '{JUNE}'")
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                f" AND period BETWEEN '2025-01-01' AND '{JUNE}'")
    total = dict(zip([ws.cell(4, c).value for c in range(1, 10)], [ws.cell(7, c).value for c in range(1, 10)],
                     strict=True))
    assert total["城市低保人数（人）"] == persons and total["城市低保资金支出（万元）"] == round(funds / 1e4, 2)

    name, data = download(page, "下载 CSV（UTF-8）")
    assert name == "黔江区2025年1-6月民政主要指标统计表.csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [r[0] for r in screen]
    assert [float(v) for v in rows[-1][1:]] == sheet[-1][1:]
    h.no_errors(page)
    h.shot(page, "query-quarters")

    again = new_page()  # the link, sent to a colleague, opens the same table
    h.open(again, server, page.url.replace(server, ""), text="民政主要指标统计表")
    h.cell(again, "2025年第2季度（数据不全）")
    assert h.rows(again) == screen


def test_staff_download_the_report_as_word(new_page, server, sql, app_helpers):
    import docx  # noqa: PLC0415

    h = app_helpers
    page = new_page()
    h.open(page, server, "/report", text="民政工作主要数据")
    main = page.locator('[data-testid="stMain"]')
    assert "黔江区民政工作主要数据（2025年1-6月）" in main.inner_text()
    name, data = download(page, "下载 Word 文档（.docx）")
    assert name == "黔江区民政工作主要数据_2025年1-6月.docx"
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    assert paragraphs[0] == "黔江区民政工作主要数据（2025年1-6月）"
    body = "\n".join(paragraphs)
    # The 城市低保 sentence as the page writes it, its numbers recomputed from v_fact
    households = sql(f"SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_households' AND period = '{JUNE}'")
    persons = sql(f"SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND period = '{JUNE}'")
    assert f"{households:.0f}户{persons:.0f}人" in body
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                f" AND period BETWEEN '2025-01-01' AND '{JUNE}'")
    shown = f"{funds / 1e4:.2f}"  # 万元 always with two decimals
    assert f"{shown}万元" in body
    on_screen = page.locator('[data-testid="stCode"]').inner_text()
    assert f"{households:.0f}户{persons:.0f}人" in on_screen and f"{shown}万元" in on_screen
    assert document.tables and document.tables[0].rows[0].cells[0].text == "指标"
    h.no_errors(page)
    h.shot(page, "report")
