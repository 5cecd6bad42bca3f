"""What a statistician does with the dashboard, in real headless Chromium against a server of the test's own on a
writable bureau database: upload a report, map what was not understood, confirm, see the figures on 总览, download
the original from 导入记录 and roll the batch back; a broken file refused with its cells named and nothing changed."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.upload_fixtures import broken_workbook, july_workbook, typo_workbook

pytestmark = pytest.mark.timeout(300)


def upload_files(page, h, url: str, tmp_path, files: dict[str, bytes]) -> None:
    h.log_in(page, url, "/upload", text="选择要上传的报表")
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', paths)
    h.wait(page, "检查结果")  # the last part of the review: the whole plan is on the page
    h.wait(page, "确认保存")


def choose(page, h, label: str, option: str, then: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` and wait for ``then``, a text only the rerun shows (the
    app can look idle for a moment before the rerun the change asks for begins)."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()
    h.wait(page, then)


def metric_value(page, name: str) -> str:
    label = page.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(rf"^\s*{name}(（.*累计）)?\s*$"))
    card = page.locator('[data-testid="stMetric"]').filter(has=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_statistician_explains_a_100_times_typo_before_it_is_saved(new_page, bureau_server, demo_snapshot,
                                                                   app_helpers, tmp_path):
    h, (url, _) = app_helpers, bureau_server
    copy = tmp_path / "expected.duckdb"
    shutil.copyfile(demo_snapshot, copy)
    data, cell, typed = typo_workbook(copy)
    page = new_page()
    upload_files(page, h, url, tmp_path, {"2025年7月城市低保.xlsx": data})
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert "需要核实的问题（核实性审核）" in text and "核实性审核：与本乡镇近12个月中位数相差5倍以上" in text
    assert f"城市低保人数{typed:,}人" in text or any(
        f"城市低保人数{typed:,}人" in c for n in range(page.locator('[data-testid="stDataFrame"]').count())
        for r in h.rows(page, n) for c in r)
    confirm = page.get_by_role("button", name="确认保存")
    assert confirm.is_disabled()
    assert "没有填写核实说明" in text
    h.shot(page, "upload-soft-finding")
    sheet = page.locator('[data-testid="stExpander"]').filter(has_text="原表：2025年7月城市低保.xlsx › 7月")
    assert sheet.locator("details").get_attribute("open") is not None  # open already: the cell in orange
    sheet.scroll_into_view_if_needed()
    h.shot(page, "upload-soft-finding-sheet")

    boxes = page.locator('[data-testid="stTextArea"] textarea')
    for n in range(boxes.count()):
        boxes.nth(n).fill("经核实，城东街道本月集中纳入安置人员，人数属实")
        boxes.nth(n).press("Control+Enter")
        h.wait(page)
    h.confirm(page)
    kept = h.explanation(page, url, f"2025年7月城市低保.xlsx › 7月 › {cell}")
    assert "经核实，城东街道本月集中纳入安置人员，人数属实" in kept
    h.shot(page, "history-explanations")


def test_statistician_uploads_maps_confirms_and_sees_the_month(new_page, bureau_server, demo_snapshot, app_helpers,
                                                               tmp_path):
    h, (url, _) = app_helpers, bureau_server
    copy = tmp_path / "expected.duckdb"  # the snapshot itself is held open read-only by other fixtures
    shutil.copyfile(demo_snapshot, copy)
    data, expected = july_workbook(copy)
    page = new_page()
    upload_files(page, h, url, tmp_path, {"2025年7月城市低保.xlsx": data})
    main = page.locator('[data-testid="stMain"]')
    assert "乡镇报表 · 2025年7月 · 30个乡镇（街道） · 90条数据" in main.inner_text()
    assert "有1条读取提示" in main.inner_text()  # the unmapped column
    assert page.get_by_role("button", name="确认保存").is_disabled()
    h.shot(page, "upload-review")

    choose(page, h, "低保边缘户数", "忽略此列，不保存", then="未发现问题")
    assert "有1条读取提示" not in main.inner_text() and "未发现问题" in main.inner_text()
    h.cell(page, f"{expected['城东街道'][1]:,}", nth=1)  # the table as it will be stored: 城东 written short
    assert "上传人：李静" in main.inner_text()  # the account logged in
    page.get_by_role("button", name="确认保存").click()
    h.wait(page, "已保存：第")  # the result; the page's caption always says 已保存的批次
    assert "新增90" in main.inner_text()
    h.no_errors(page)

    page.get_by_role("link", name="查看2025年7月总览").click()
    h.wait(page, "城市低保人数")
    assert "数据截至2025年7月" in main.inner_text()
    persons = sum(v[1] for v in expected.values())
    assert metric_value(page, "城市低保人数") == f"{persons:,.0f}人"
    h.no_errors(page)

    # 导入记录: the batch, its original file, and a rollback that brings June back as the latest month
    h.log_in(page, url, "/history", text="导入记录")
    h.cell(page, "2025年7月城市低保.xlsx", nth=0)
    assert "**" not in main.inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载原文件：2025年7月城市低保.xlsx").click()
    assert open(download.value.path(), "rb").read() == data  # the file as uploaded, byte for byte
    assert "90条数据将被删除（之前没有数据）" in main.inner_text()
    h.shot(page, "history")
    page.get_by_text("我确认撤销第").click()
    h.wait(page)
    page.get_by_role("button", name="撤销此批次").click()
    h.wait(page, "已撤销第")
    assert "0条恢复为之前的数值，90条已删除" in main.inner_text()
    h.open(page, url, "/", text="城市低保人数")
    assert "数据截至2025年6月" in main.inner_text()
    h.no_errors(page)


def test_a_broken_file_is_refused_in_chinese_and_nothing_changes(new_page, bureau_server, app_helpers, tmp_path):
    h, (url, _) = app_helpers, bureau_server
    page = new_page()
    h.open(page, url, "/", text="城市低保人数")
    before = metric_value(page, "城市低保人数")
    upload_files(page, h, url, tmp_path, {"坏表.xlsx": broken_workbook()})
    main = page.locator('[data-testid="stMain"]')
    h.wait(page, "发现2个必须修改的问题")
    h.cell(page, "不是数字：暂无", nth=1)
    assert h.rows(page, 1) == [["坏表.xlsx › 7月 › B4", "不是数字：暂无"]]  # 报表读取错误
    assert h.rows(page, 2) == [["坏表.xlsx › 7月 › B5", "城市低保人数为负数：-3"]]  # 强制性审核：数值不能为负
    assert "强制性审核：数值不能为负" in main.inner_text()
    assert page.get_by_role("button", name="确认保存").is_disabled()
    h.shot(page, "upload-broken")
    h.open(page, url, "/", text="城市低保人数")
    assert "数据截至2025年6月" in main.inner_text()
    assert metric_value(page, "城市低保人数") == before


def test_a_login_outlasts_a_reload_until_logout(new_page, bureau_server, app_helpers):
    h, (url, _) = app_helpers, bureau_server
    page = new_page()
    h.log_in(page, url, "/upload", text="选择要上传的报表")
    assert [c["name"] for c in page.context.cookies() if c["name"] == "civdash_session"] == ["civdash_session"]
    cookie = next(c for c in page.context.cookies() if c["name"] == "civdash_session")
    assert cookie["sameSite"] == "Strict" and cookie["httpOnly"] and len(cookie["value"]) >= 40
    assert "civdash_session" not in page.evaluate("document.cookie")  # written by the server: no script reads it
    h.open(page, url, "/history", text="导入记录")  # a typed address: a new session, logged in by the cookie
    assert "当前用户：李静（统计员）" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.get_by_role("button", name="退出登录").click()
    h.wait(page)
    for _ in range(50):  # the sidebar's frame asks the server to clear the cookie
        if not [c for c in page.context.cookies() if c["name"] == "civdash_session"]:
            break
        page.wait_for_timeout(100)
    assert not [c for c in page.context.cookies() if c["name"] == "civdash_session"]
    h.open(page, url, "/upload", text="请先登录")
    assert not page.locator('[data-testid="stFileUploaderDropzoneInput"]').count()
    other = new_page()  # the token of another browser opens nothing
    other.context.add_cookies([{"name": "civdash_session", "value": cookie["value"], "url": url}])
    h.open(other, url, "/upload", text="请先登录")
