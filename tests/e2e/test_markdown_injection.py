"""Markdown injection (issue 16, item 6), in real headless Chromium: townships, an indicator and the logged-in user
with names written as Markdown (a link, a remote image, LaTeX, a colour directive, HTML, bold) are shown as typed
on every page: the browser requests nothing from the names' host, no page holds a link or image to it, and the
names read literally where the pages write them in text (captions, headings, metric labels, alerts, the sidebar).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(900)

LINK = "[点我](http://evil.example/x)镇"
IMAGE = "![x](http://evil.example/i.png)街道"
LATEX = "$\\frac{1}{2}$乡"
COLOUR = ":red[红]镇"
HTML = "<b>粗</b>镇"
BOLD = "**粗**镇"
TOWNS = [LINK, IMAGE, LATEX, COLOUR, HTML, BOLD]
INDICATOR = "![图](http://evil.example/ind.png)城市低保人数"  # the display name of dibao_urban_persons
USER = "[王主任](http://evil.example/u)"
PASSWORD = "correct horse 10"
LAST = date(2025, 6, 1)

ASK = "/ask?q=2025年6月城市低保人数是多少"  # 问数's answer names the hostile indicator (sentence, chip, figure)
# Every page of dashboard.py's navigation (url path → a text it shows when loaded).
PAGES = {"/": "民政工作总览", "/trend": "趋势分析", "/compare": "乡镇对比", "/upload": "数据上传", "/progress": "报送进度",
         "/history": "导入记录", "/registry": "指标与乡镇", "/query": "统计表", "/report": "汇报材料",
         "/users": "账户管理", "/audit": "审计日志", ASK: "按以下理解作答"}
SLIDES = 7  # 会议模式, one address per slide
# Links and images to the names' host (Streamlit's own heading anchors, href="#h-ttp-evil-example-x", stay in the page).
EVIL = 'a[href*="evil.example"], img[src*="evil.example"], link[href*="evil.example"], [style*="evil.example"]'
# A link to one of the dashboard's own pages whose filters (in its address) hold a hostile name (问数's link to 趋势分析
# with the indicator as its filter shows it): it stays on this server.
OWN_PAGE_LINK = ("e => e.matches('[data-testid=\"stPageLink-NavLink\"]') "
                 "&& new URL(e.href, location.href).origin === location.origin")


def hostile_database(real: Path) -> None:
    """The bureau database with the hostile names: six townships registered (``townships.register``) with the
    figures of six demo townships (the first without June, so it is 未报送; the third's June ×5, so 重点关注 names
    it; their batch's recorded count follows, as the integrity check holds it to), a yearly target for one, the
    indicator renamed in SQL (old data), an admin account with such a name."""
    from civdash.access import auth
    from civdash.admin import registry
    from civdash.domain import townships
    from civdash.store import db

    con = db.connect(real)
    try:
        with db.transaction(con):
            sources = [t.id for t in townships.townships(con)][:len(TOWNS)]
            for k, (name, source) in enumerate(zip(TOWNS, sources, strict=True)):
                tid = townships.register(con, name, type_=name[-1] if name[-1] in "镇乡" else "街道")
                con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                            "SELECT indicator_code, ?, period, value * CASE WHEN ? AND period = ? THEN 5 ELSE 1 END, "
                            "batch_id, true FROM fact WHERE township_id = ? AND is_current AND NOT (? AND period = ?)",
                            [tid, k == 2, LAST, source, k == 0, LAST])
            con.execute("UPDATE batch SET fact_count = (SELECT count(*) FROM fact f WHERE f.batch_id = batch.id)")
            con.execute("UPDATE indicator SET name = ? WHERE code = 'dibao_urban_persons'", [INDICATOR])
            db.bump_data_version(con)
        colour = next(t.id for t in townships.townships(con) if t.name == COLOUR)
        registry.set_target(con, "dibao_rural_persons", colour, 2025, 500)
        auth.add_user(con, USER, "admin", PASSWORD)
    finally:
        con.close()


@pytest.fixture
def hostile_server(e2e_files, demo_snapshot, tmp_path):
    from tests.e2e.conftest import bureau_database, run_server

    real = bureau_database(demo_snapshot, tmp_path)
    hostile_database(real)
    with run_server(e2e_files["demo"], tmp_path, real=real) as url:
        yield url


def log_in(page, url: str, h) -> None:
    h.open(page, url, "/login", text="密码")
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    h.wait(page, "当前用户")


def shown_text(page) -> str:
    """The page's text as read; the zero-width space ``frame.plain`` puts inside a bare link's marker (h\u200bttp://)
    is invisible and left out."""
    return page.locator('[data-testid="stApp"]').inner_text().replace("\u200b", "")


def upload_csv(page, h) -> None:
    """Drop a .csv with the hostile townships' July figures on 数据上传, so the page shows what it read."""
    rows = ["乡镇（街道）,城市低保人数（人）"] + [f'"{t}",{10 + k}' for k, t in enumerate(TOWNS)]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [{"name": "2025年7月.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode("utf-8")}])
    h.wait(page, "2025年7月.csv")


def test_hostile_names_stay_text_on_every_page(new_page, hostile_server, app_helpers) -> None:
    h, url = app_helpers, hostile_server
    page = new_page()
    requested: list[tuple[str, str]] = []  # (the page being visited, the address the browser asked for)
    where = ["/login"]
    page.on("request", lambda r: requested.append((where[0], r.url)))
    log_in(page, url, h)
    texts: dict[str, str] = {}
    elements: dict[str, list[str]] = {}
    visits = [*PAGES.items(), *((f"/meeting?slide={n}", f"{n} / {SLIDES}") for n in range(1, SLIDES + 1))]
    for path, text in visits:
        where[0] = path
        h.open(page, url, path, text=text)
        if path == "/upload":
            upload_csv(page, h)
        if path == "/":  # open 乡镇（街道）目标, which holds the target set for a hostile township
            page.get_by_text("乡镇（街道）目标").first.click()
            page.get_by_text("完成率").last.wait_for(state="visible")
        page.wait_for_timeout(500)  # images and fonts a page asked for are requested by now
        h.no_errors(page)
        texts[path] = shown_text(page)
        elements[path] = [e.evaluate("e => e.outerHTML")[:300] for e in page.locator(EVIL).all()
                          if not e.evaluate(OWN_PAGE_LINK)]

    assert [(path, r) for path, r in requested if "evil" in r] == []
    assert {path: found for path, found in elements.items() if found} == {}
    everything = "\n".join(texts.values())
    for name in [*TOWNS, INDICATOR, USER]:
        assert name in everything, name
    assert f"当前用户：{USER}（管理员）" in texts["/"]  # the sidebar
    assert f"{LINK}未报送" in texts["/"]  # 总览's reporting line
    (line,) = [t for t in texts["/progress"].splitlines() if "未报送或不全：" in t]
    assert f"：{LINK}" in line or f"、{LINK}" in line, line  # 报送进度's reporting line names it as typed
    assert INDICATOR in texts["/"] and INDICATOR in texts["/meeting?slide=1"]  # metric labels
    assert texts[ASK].count(INDICATOR) >= 3  # 问数: the sentence, the chip and the figure's label
    assert LATEX in texts["/meeting?slide=7"] or LATEX in texts["/"]  # 重点关注 names the township ×5
    assert COLOUR in texts["/"]  # its yearly target (the expander on 总览, opened)
    assert "2025年7月.csv" in texts["/upload"]  # the upload was read (its townships show in the page's grids)
