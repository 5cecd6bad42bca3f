"""A leader's question, in real headless Chromium: typed into 总览's box, answered on 问数 with the figure SQL gives,
the reading as chips one can change (the answer follows), and the link to the page showing the same figure."""

from __future__ import annotations

import pytest

from tests.e2e.test_chinese_everywhere import english

pytestmark = pytest.mark.timeout(300)
JUNE = "2025-06-01"
QUESTION = "城东街道2025年6月城市低保人数是多少？"


def month_value(sql, code: str, township: str) -> float:
    return sql("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND township = ? AND period = ?",
               code, township, JUNE)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def wait_for_main(page, text: str) -> None:
    page.wait_for_function("(t) => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '').includes(t)",
                           arg=text, timeout=60_000)


def shown_in_a_table(page, text: str) -> None:
    """Wait until a cell of some table on the page reads ``text``."""
    page.wait_for_function("""(text) => [...document.querySelectorAll('[data-testid="stDataFrame"] table td')]
        .some(td => td.innerText.trim() === text)""", arg=text, timeout=60_000)


def test_a_leader_asks_on_the_overview_and_follows_the_answer(page, server, sql, app_helpers):
    h = app_helpers
    h.open(page, server, "/", text="民政工作总览")
    box = page.locator(".st-key-ask_box input")
    box.fill(QUESTION)
    page.wait_for_function("() => document.querySelector('.st-key-ask_box [data-testid=\"InputInstructions\"]')")
    # Streamlit's "Press Enter to apply" would cover the typed question in this narrow box: the placeholder says it
    assert page.locator('.st-key-ask_box [data-testid="InputInstructions"]').is_hidden()
    assert box.get_attribute("placeholder") == "问一个数，按回车提问" and not english(page)
    h.shot(page, "ask-overview-typed")
    box.press("Enter")
    page.wait_for_url("**/ask?**")
    h.wait(page, "按以下理解作答")
    assert "q=" in page.url
    persons = month_value(sql, "dibao_urban_persons", "城东街道")
    main = main_text(page)
    assert f"{persons:.0f}人" in main  # the sentence, in the report's style
    assert f"{persons:,.0f}人" in page.locator('[data-testid="stMetricValue"]').first.inner_text()
    chips = page.locator('[data-testid="stPopover"]')
    assert chips.count() >= 3
    chip_texts = chips.all_inner_texts()
    assert any("城东街道" in t for t in chip_texts) and any("城市低保人数" in t for t in chip_texts)
    h.no_errors(page)
    h.shot(page, "ask-answer")

    # change the township chip: 城南街道's figure follows
    assert not english(page)
    chips.filter(has_text="城东街道").first.click()
    popover = page.locator('[data-testid="stPopoverBody"]')
    popover.locator('[data-testid="stSelectbox"]').click()
    assert not english(page)  # the chip's list open
    page.get_by_role("option", name="城南街道", exact=True).click()
    south = month_value(sql, "dibao_urban_persons", "城南街道")
    wait_for_main(page, f"{south:.0f}人")
    h.wait(page)
    page.keyboard.press("Escape")
    assert "chip=" in page.url
    assert f"{south:,.0f}人" in page.locator('[data-testid="stMetricValue"]').first.inner_text()
    h.no_errors(page)
    h.shot(page, "ask-chip-changed")

    # the link opens the page showing the same figure
    link = page.get_by_role("link", name="查看这个数")
    link.click()
    h.wait(page)
    shown_in_a_table(page, f"{south:,.0f}")
    h.no_errors(page)
    h.shot(page, "ask-link-target")


def test_a_question_back_and_a_refusal_read_in_chinese(page, server, sql, app_helpers):
    h = app_helpers
    h.open(page, server, "/ask?q=" + "城东街道2025年6月低保人数是多少", text="问数")
    h.wait(page, "农村")
    h.no_errors(page)
    h.shot(page, "ask-question-back")
    page.get_by_role("button", name="农村", exact=False).first.click()
    rural = month_value(sql, "dibao_rural_persons", "城东街道")
    wait_for_main(page, f"{rural:.0f}人")
    h.wait(page)
    h.no_errors(page)
    # a change and a ranking: several figures, each saying what it is, with its unit
    h.open(page, server, "/ask?q=" + "2025年6月农村低保人数同比增长多少", text="按以下理解作答")
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert len(values) == 4 and all(v.endswith(("人", "%")) for v in values), values
    h.no_errors(page)
    h.shot(page, "ask-change")
    h.open(page, server, "/ask?q=" + "2025年6月农村低保人数前三", text="按以下理解作答")
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert [label.rsplit("·", 1)[-1].strip() for label in labels] == ["第1名", "第2名", "第3名"]
    h.no_errors(page)
    h.shot(page, "ask-ranking")
    h.open(page, server, "/ask?q=" + "2025年6月福利彩票销售额是多少", text="福利彩票销售额")
    assert "没有找到" in main_text(page)
    h.no_errors(page)
    h.shot(page, "ask-refusal")


def test_a_shared_answer_link_is_answered_on_a_fresh_server(browser, demo_snapshot, start_server, app_helpers, sql,
                                                            tmp_path):
    """An answer's address sent to a colleague, opened as the first request of a server just started (the page
    restarts through dashboard.py, ui.frame.require_navigation): the question and the changed chip are kept."""
    import shutil  # noqa: PLC0415
    from urllib.parse import quote  # noqa: PLC0415

    shutil.copyfile(demo_snapshot, tmp_path / "demo.duckdb")
    town = sql("SELECT id FROM township WHERE name = '城南街道'")
    with start_server(tmp_path / "demo.duckdb", tmp_path) as url:
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page = context.new_page()
        try:
            app_helpers.open(page, url, f"/ask?q={quote(QUESTION)}&chip=township:{town}", text="按以下理解作答")
            south = month_value(sql, "dibao_urban_persons", "城南街道")
            wait_for_main(page, f"{south:.0f}人")
            assert page.locator("h1").first.inner_text().strip() == "问数"
            assert page.locator(".st-key-q input").input_value() == QUESTION
        finally:
            context.close()
