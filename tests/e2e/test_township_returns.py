"""A township reports its own month, in real headless Chromium on a bureau database whose data end the month before
the open one (the open month is the one before today's, in Beijing): 赵敏 of 城东街道 fills the form, a 100× typo
needs a 核实说明, she submits; 李静 returns it with a reason; 赵敏 sees the reason, fixes the figure and submits
again; 李静 approves; 总览 shows the approved figure — and 赵敏 never sees another township."""

from __future__ import annotations

from pathlib import Path

import pytest

from civdash import demo
from civdash.access import auth
from civdash.domain.periods import add_months, month_label, month_start
from civdash.domain.times import today_beijing
from civdash.store import db
from tests.e2e.conftest import mark_real

pytestmark = pytest.mark.timeout(420)

TOWN = "城东街道"
PASSWORDS = {"李静": "correct horse 7", "赵敏": "correct horse 6"}
PERSONS = "城市低保人数"


def open_month():
    return add_months(month_start(today_beijing()), -1)


@pytest.fixture
def township_database(tmp_path: Path) -> tuple[Path, dict[str, float], list[str]]:
    """The demo district with data up to the month before the open one, marked real; 李静 (statistician) and 赵敏
    (乡镇填报员 of 城东街道). Also 城东街道's figures of that last month, and every township's name."""
    path = tmp_path / "civdash.duckdb"
    demo.build(path, until=add_months(open_month(), -1))
    mark_real(path)
    con = db.connect(path)
    try:
        (town_id,) = con.execute("SELECT id FROM township WHERE name = ?", [TOWN]).fetchone()
        auth.add_user(con, "李静", "statistician", PASSWORDS["李静"])
        auth.add_user(con, "赵敏", "township", PASSWORDS["赵敏"], townships=[town_id])
        last = dict(con.execute("SELECT indicator_name, value FROM v_fact WHERE township = ? AND period = ?",
                                [TOWN, add_months(open_month(), -1)]).fetchall())
        names = [r[0] for r in con.execute("SELECT name FROM township WHERE level = 'township'").fetchall()]
    finally:
        con.close()
    return path, last, names


def log_in(page, h, url: str, path: str, name: str, text: str) -> None:
    h.open(page, url, path)
    page.get_by_role("link", name="前往登录").click()
    h.wait(page, "密码")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORDS[name])
    page.get_by_role("button", name="登录").click()
    h.wait(page, text)


def persons_box(page):
    return page.get_by_label(f"{PERSONS}（人，", exact=False)


def persons_reads(page, value: int) -> None:
    """Wait until the 城市低保人数 box shows ``value`` (a button's rerun refills it a moment after the click)."""
    box = persons_box(page)
    for _ in range(100):
        if box.input_value().replace(",", "") == str(value):
            return
        page.wait_for_timeout(100)
    assert box.input_value().replace(",", "") == str(value)


def type_persons(page, h, value: int) -> None:
    box = persons_box(page)
    box.fill(str(value))
    box.press("Enter")
    h.wait(page)


def test_a_township_reports_is_returned_resubmits_and_is_approved_onto_the_overview(
        new_page, start_server, e2e_files, township_database, app_helpers, tmp_path):
    h = app_helpers
    path, last, names = township_database
    month = month_label(open_month())
    persons = int(last[PERSONS])
    with start_server(e2e_files["demo"], tmp_path, real=path) as url:
        town = new_page()
        log_in(town, h, url, "/filing", "赵敏", "填报月份")
        main = town.locator('[data-testid="stMain"]')
        assert f"{TOWN}" in main.inner_text() and f"{month}尚未填报" in main.inner_text()
        town.get_by_role("button", name="按上月数填入空白项").click()
        persons_reads(town, persons)
        h.wait(town)
        type_persons(town, h, persons * 100)  # a 100× typo
        h.wait(town, "需要核实的问题")
        submit = town.get_by_role("button", name="提交", exact=True)
        assert submit.is_disabled()
        boxes = town.get_by_label("核实说明", exact=False)
        for n in range(boxes.count()):  # each rule the typo breaks has its own box
            boxes.nth(n).fill("城中村安置人员集中纳入，经核实属实")
            boxes.nth(n).press("Control+Enter")
            h.wait(town)
        assert submit.is_enabled()
        h.shot(town, "filing-explained")
        submit.click()
        h.wait(town, f"已提交{TOWN}{month}的数据")
        h.no_errors(town)

        office = new_page()
        log_in(office, h, url, "/review", "李静", "等待审核的填报")
        assert TOWN in office.locator('[data-testid="stMain"]').inner_text()
        grids = office.locator('[data-testid="stDataFrame"]')
        cells = [c for n in range(grids.count()) for row in h.rows(office, n) for c in row]
        assert "城中村安置人员集中纳入，经核实属实" in cells  # the township's explanation, as the reviewer reads it
        h.shot(office, "review-waiting")
        office.get_by_label("退回原因", exact=False).fill("城市低保人数与系统台账不符，请核对后重新提交")
        office.get_by_label("退回原因", exact=False).press("Control+Enter")
        h.wait(office)
        office.get_by_role("button", name="退回").click()
        h.wait(office, f"已退回{TOWN}{month}的填报")

        town.reload()
        h.wait(town, "退回原因")
        assert "城市低保人数与系统台账不符，请核对后重新提交" in town.locator('[data-testid="stMain"]').inner_text()
        town.get_by_role("button", name="按上次提交的数填入").click()
        persons_reads(town, persons * 100)
        h.wait(town)
        type_persons(town, h, persons + 3)  # the figure fixed
        h.wait(town, "未发现问题")
        town.get_by_role("button", name="提交", exact=True).click()
        h.wait(town, f"已提交{TOWN}{month}的数据")

        office.reload()
        h.wait(office, "等待审核的填报")
        office.get_by_role("button", name="通过").click()
        h.wait(office, f"已通过{TOWN}{month}的填报")
        h.no_errors(office)

        h.open(town, url, f"/?period={open_month():%Y-%m}", "民政工作总览")
        card = town.locator('[data-testid="stMetric"]').filter(has_text=PERSONS).first
        assert f"{persons + 3:,}人" in card.inner_text()
        whole = town.locator('[data-testid="stAppViewContainer"]').inner_text()
        assert not [n for n in names if n != TOWN and n in whole]
        h.shot(town, "township-overview")
