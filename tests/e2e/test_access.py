"""Who may open what, in real headless Chromium against a bureau database with accounts: a viewer and a statistician
logged in see only their pages and a refusal for the others (opened by URL too); an administrator reaches 账户管理
and 审计日志 through the sidebar. And names people typed (townships, indicators, an uploaded file's name) that are
HTML or script are shown as text on every page that shows them, never run."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.conftest import bureau_database, run_server

pytestmark = pytest.mark.timeout(600)

# Names that would run if a page put them into HTML unescaped: alert() opens a dialog, the others set window.__xss.
TOWNSHIPS = ["<img src=x onerror=alert(1)>", "<img src=x onerror=window.__xss=1>"]
INDICATORS = ["<script>alert(1)</script>", "<script>window.__xss=1</script>"]
FILE_NAME = "<img src=x onerror=window.__xss=1>.csv"


def hostile_names(path: Path) -> None:
    """Register ``TOWNSHIPS`` and ``INDICATORS`` and upload May and June values for them (file ``FILE_NAME``)."""
    from civdash.access import audit
    from civdash.admin import registry
    from civdash.ingest.upload import commit, prepare  # noqa: PLC0415
    from civdash.store import db  # noqa: PLC0415

    con = db.connect(path)
    try:
        for name in TOWNSHIPS:
            registry.add_township(con, registry.TownshipInput(name), user="王主任")
        for name in INDICATORS:
            registry.add_indicator(con, registry.IndicatorInput(name, "社会救助", "人", "stock"), user="王主任")
        towns = [r[0] for r in con.execute("SELECT name FROM township WHERE level = 'township'").fetchall()]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["期间", "乡镇", "指标", "数值"])
        for month in ("2025-05", "2025-06"):
            for k, town in enumerate(towns):
                writer.writerows([month, town, name, 10 + k] for name in INDICATORS)
                if town in TOWNSHIPS:
                    writer.writerow([month, town, "城市低保人数", 100 + k])
        done = commit(con, prepare(con, [(FILE_NAME, out.getvalue().encode("utf-8-sig"))]), user_name="李静")
        audit.record(con, "李静", "upload", str(done.batch_id), {"files": [FILE_NAME], "new": done.new})
        audit.record(con, None, "login_failed", TOWNSHIPS[1], {"reason": "unknown"})
    finally:
        con.close()


@pytest.fixture(scope="module")
def hostile_server(e2e_files, demo_snapshot, tmp_path_factory) -> Iterator[str]:
    """One server for this module on a bureau database with ``ACCOUNTS`` and the hostile names (written before the
    server starts: it holds the file while it runs)."""
    base = tmp_path_factory.mktemp("civdash-access")
    real = bureau_database(demo_snapshot, base)
    hostile_names(real)
    with run_server(e2e_files["demo"], base, real=real) as url:
        yield url


def sidebar_links(page) -> list[str]:
    """The sidebar's page links by their text (the icon's ligature name left out)."""
    return [t.strip().split("\n")[-1] for t in page.locator('[data-testid="stSidebar"] a').all_inner_texts()]


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_viewer_sees_no_upload_and_is_refused_it(new_page, hostile_server, app_helpers):
    h, url, page = app_helpers, hostile_server, new_page()
    h.log_in(page, url, "/upload", text="没有打开", name="张科长")
    assert "您的账户（查看）没有打开“数据上传”的权限：需要统计员或管理员账户。" in main_text(page)
    links = sidebar_links(page)
    assert "总览" in links and "数据查询" in links
    assert not {"数据上传", "报送进度", "导入记录", "指标与乡镇", "账户管理", "审计日志"} & set(links), links
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    # opened again by its address (a new session; the login cookie keeps the person): still refused
    h.open(page, url, "/upload", text="没有打开")
    assert "您的账户（查看）没有打开“数据上传”的权限" in main_text(page)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert "选择要上传的报表" not in main_text(page)
    h.no_errors(page)


def test_a_statistician_has_no_account_page(new_page, hostile_server, app_helpers):
    h, url, page = app_helpers, hostile_server, new_page()
    h.log_in(page, url, "/upload", text="选择要上传的报表", name="李静")
    links = sidebar_links(page)
    assert "数据上传" in links and "账户管理" not in links and "审计日志" not in links, links
    h.open(page, url, "/users", text="没有打开")
    assert "您的账户（统计员）没有打开“账户管理”的权限：需要管理员账户。" in main_text(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0 and "新增账户" not in main_text(page)
    h.no_errors(page)


def test_an_admin_opens_accounts_and_the_audit_log_from_the_sidebar(new_page, hostile_server, app_helpers):
    h, url, page = app_helpers, hostile_server, new_page()
    h.log_in(page, url, "/upload", text="选择要上传的报表", name="王主任")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="账户管理").click()
    h.wait(page, "新增账户")
    h.cell(page, "王主任")
    rows = {r[0]: r[1:4] for r in h.rows(page)}  # 角色, 所属乡镇 (a township account's), 状态
    assert rows == {"李静": ["统计员", "", "正常"], "王主任": ["管理员", "", "正常"], "张科长": ["查看", "", "正常"]}
    h.no_errors(page)
    h.shot(page, "admin-users")

    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="审计日志").click()
    h.wait(page, "日期范围")
    h.cell(page, "王主任")
    logged = [r[1:3] for r in h.rows(page)]
    assert ["王主任", "登录"] in logged and ["李静", "上传数据"] in logged
    h.no_errors(page)
    h.shot(page, "admin-audit")

    # the export downloads in the browser, and the download itself is logged (the click reruns the page)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 CSV（UTF-8）").click()
    data = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename.startswith("审计日志_") and data.startswith(b"\xef\xbb\xbf")
    assert "王主任,登录,王主任,角色：管理员" in data.decode("utf-8-sig")
    h.wait(page)
    h.cell(page, "下载")
    assert ["王主任", "下载", info.value.suggested_filename, "页面：审计日志"] in [r[1:] for r in h.rows(page)]
    h.no_errors(page)


# 乡镇对比 on the second hostile indicator, which every township reported (a bound filter's URL holds its label).
XSS_PAGES = [("/", "总览"), ("/compare?ind=" + quote(f"{INDICATORS[1]}（社会救助）"), "乡镇对比"),
             ("/query", "数据查询"), ("/history", "导入记录"), ("/registry", "指标与乡镇"), ("/users", "账户管理"),
             ("/audit", "审计日志"), ("/report", "汇报材料"), ("/meeting", "会议模式")]
# Text a page shows where the hostile names are: the grids' accessible tables, the charts' SVG text, everything else.
SHOWN_TEXT = """() => [document.body.innerText,
    ...[...document.querySelectorAll('td, th, text, [title]')].map(e => e.textContent + ' ' + (e.title || ''))].join('\\n')"""
# Elements the names would have become had they been put into the page as HTML.
INJECTED = """() => document.querySelectorAll('img[src="x"]').length
    + [...document.querySelectorAll('script')].filter(s => /__xss|alert\\(1\\)/.test(s.textContent)).length"""


def test_hostile_names_are_shown_as_text_and_never_run(new_page, hostile_server, app_helpers):
    h, url, page = app_helpers, hostile_server, new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    h.log_in(page, url, "/upload", text="选择要上传的报表", name="王主任")
    seen: dict[str, list[str]] = {}
    for path, title in XSS_PAGES:
        h.open(page, url, path, text="翻页" if title == "会议模式" else title)  # 会议模式 hides the sidebar
        page.wait_for_timeout(1500)  # grids and charts draw after the script ends
        h.wait(page)
        shown = page.evaluate(SHOWN_TEXT)
        seen[title] = [n for n in [*TOWNSHIPS, *INDICATORS, FILE_NAME] if n in shown]
        for frame in page.frames:
            assert frame.evaluate("() => window.__xss") is None, (title, frame.url)
        assert page.evaluate(INJECTED) == 0, title
        assert not dialogs, (title, dialogs)
        h.no_errors(page)
    # Where each page shows the names people typed, they appear as written.
    assert set(TOWNSHIPS) | {INDICATORS[1]} <= set(seen["乡镇对比"]), seen
    assert set(TOWNSHIPS) <= set(seen["数据查询"]), seen
    assert set(TOWNSHIPS + INDICATORS) <= set(seen["导入记录"]) and FILE_NAME in seen["导入记录"], seen
    assert set(TOWNSHIPS + INDICATORS) <= set(seen["指标与乡镇"]), seen
    assert FILE_NAME in seen["审计日志"] and TOWNSHIPS[1] in seen["审计日志"], seen
    assert set(INDICATORS) <= set(seen["汇报材料"]), seen  # 社会救助's sentences name them
