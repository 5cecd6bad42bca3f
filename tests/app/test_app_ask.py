"""问数 (pages/ask.py) and 总览's question box: a question typed is answered with the figure SQL gives; a chip changed
answers again; a word that could mean two things is asked back and a choice answers it; an unknown word is refused
by name; the link opens the page showing the same figure; a township account reaches only its own township."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from civdash.access import audit, auth
from civdash.store import db
from tests.app.conftest import UNTIL, assert_clean, fmt, run_app, shown

PAGE = "pages/ask.py"
JUNE = UNTIL
pytestmark = pytest.mark.timeout(180)


def month_value(sql, code: str, township: str, period=JUNE) -> float:
    return sql("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND township = ? AND period = ?",
               code, township, period)


def ytd_value(sql, code: str, township: str, period=JUNE) -> float:
    return sql("SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND township = ?"
               " AND period BETWEEN date_trunc('year', ?::DATE) AND ?::DATE", code, township, period, period)


def report_number(value: float, unit: str) -> str:
    """A figure as a report sentence writes it: '1664人', '532.10万元' (written out here, not imported)."""
    if unit == "元":
        return f"{value / 1e4:.2f}万元"
    return f"{value:.0f}{unit}"


def sentence(at: AppTest) -> str:
    """The answer's sentence (the markdown of its large-type block)."""
    found = [shown(m.value) for m in at.get("markdown") if "。" in m.value and "<" not in m.value]
    return "\n".join(found)


def asked(question: str, user: auth.User | None = None, **params) -> AppTest:
    return run_app(PAGE, user=user, q=question, **params) if user else run_app(PAGE, q=question, **params)


def chip_box(at: AppTest, label: str):
    """The selectbox inside the chip of that kind (its label: 指标, 乡镇（街道）, 时间 …)."""
    found = [s for s in at.selectbox if s.label == label]
    assert len(found) == 1, [s.label for s in at.selectbox]
    return found[0]


def listed(value: str | list[str]) -> list[str]:
    """A query parameter's values (AppTest gives a single one as a string)."""
    return [value] if isinstance(value, str) else list(value)


def metrics(at: AppTest) -> dict[str, str]:
    return {shown(m.label): m.value for m in at.metric}


def test_a_question_typed_is_answered_with_the_figure(app, sql):
    at = app(PAGE)
    assert_clean(at)
    assert at.title[0].value == "问数"
    at.text_input(key="q").input("城东街道2025年6月城市低保人数是多少？").run()
    assert_clean(at)
    persons = month_value(sql, "dibao_urban_persons", "城东街道")
    text = sentence(at)
    assert report_number(persons, "人") in text and "城东街道" in text
    assert metrics(at) == {"城东街道 · 城市低保人数 · 2025年6月": fmt(persons, "人")}
    # the question in the address (?q=, as a link or 总览's box opens it) is answered the same
    assert metrics(asked("城东街道2025年6月城市低保人数是多少？")) == metrics(at)


def test_an_example_clicked_is_asked(app, sql):
    at = app(PAGE)
    pills = at.pills(key="ask_example")
    first = pills.options[0]
    assert first == "城东街道2025年6月城市低保人数是多少？"  # the latest month, the reader's first township
    pills.set_value(first).run()
    assert_clean(at)
    assert at.text_input(key="q").value == first
    assert metrics(at) == {"城东街道 · 城市低保人数 · 2025年6月": fmt(month_value(sql, "dibao_urban_persons", "城东街道"),
                                                                  "人")}
    # every example is answered, asked back or refused without an error
    for example in pills.options:
        assert_clean(asked(example))


def test_a_flow_over_months_is_the_year_to_date_sum_in_wan_yuan(app, sql):
    at = asked("城东街道2025年1-6月城市低保资金支出多少")
    assert_clean(at)
    funds = ytd_value(sql, "dibao_urban_funds", "城东街道")
    assert report_number(funds, "元") in sentence(at)
    assert fmt(funds, "元") in metrics(at).values()


def test_changing_a_chip_answers_again(app, sql):
    at = asked("城东街道2025年6月城市低保人数是多少？")
    assert_clean(at)
    ids = dict(sql.con.execute("SELECT name, id FROM township WHERE level = 'township'").fetchall())
    chip_box(at, "乡镇（街道）").set_value(str(ids["城南街道"])).run()
    assert_clean(at)
    south = month_value(sql, "dibao_urban_persons", "城南街道")
    assert report_number(south, "人") in sentence(at)
    assert metrics(at) == {"城南街道 · 城市低保人数 · 2025年6月": fmt(south, "人")}
    assert listed(at.query_params["chip"]) == [f"township:{ids['城南街道']}"]
    # then the indicator: 农村低保人数 of 城南街道
    chip_box(at, "指标").set_value("dibao_rural_persons").run()
    assert_clean(at)
    rural = month_value(sql, "dibao_rural_persons", "城南街道")
    assert metrics(at) == {"城南街道 · 农村低保人数 · 2025年6月": fmt(rural, "人")}
    # the changed view is a link: opened afresh it shows the same figure
    assert listed(at.query_params["chip"]) == [f"township:{ids['城南街道']}", "indicator:dibao_rural_persons"]
    again = asked("城东街道2025年6月城市低保人数是多少？", chip=listed(at.query_params["chip"]))
    assert metrics(again) == metrics(at)
    # and 按原问题作答 goes back to the question's own reading
    at.button(key="ask_chips_reset").click().run()
    assert_clean(at)
    assert "chip" not in at.query_params
    assert metrics(at) == {"城东街道 · 城市低保人数 · 2025年6月": fmt(month_value(sql, "dibao_urban_persons", "城东街道"),
                                                                  "人")}


def test_a_word_that_could_mean_two_things_is_asked_back_and_a_choice_answers_it(app, sql):
    at = asked("城东街道2025年6月低保人数是多少")
    assert_clean(at)
    assert at.info, "asked back"
    assert not at.metric  # no figure before the person chooses
    choices = [b for b in at.button if b.key and b.key.startswith("ask_back_")]
    labels = [shown(b.label) for b in choices]
    assert any("农村" in t for t in labels) and any("城市" in t for t in labels), labels
    next(b for b in choices if "农村" in shown(b.label) and "城市" not in shown(b.label)).click().run()
    assert_clean(at)
    rural = month_value(sql, "dibao_rural_persons", "城东街道")
    assert report_number(rural, "人") in sentence(at)
    assert fmt(rural, "人") in metrics(at).values()


def test_a_change_is_said_like_for_like_and_shown_with_its_sign(app, sql):
    """同比 of 城东街道 (which reported every month): the change in persons and in per cent, as SQL gives them."""
    at = asked("城东街道2025年6月农村低保人数同比增长多少")
    assert_clean(at)
    now = month_value(sql, "dibao_rural_persons", "城东街道")
    base = month_value(sql, "dibao_rural_persons", "城东街道", "2024-06-01")
    shown_figures = metrics(at)
    assert shown_figures["城东街道 · 农村低保人数 · 2025年6月"] == fmt(now, "人")
    assert shown_figures["城东街道 · 农村低保人数 · 2025年6月 · 去年同期"] == fmt(base, "人")
    change = now - base
    assert shown_figures["城东街道 · 农村低保人数 · 2025年6月 · 比去年同期增减"] == ("+" if change > 0 else "") + fmt(
        change, "人")
    assert shown_figures["城东街道 · 农村低保人数 · 2025年6月 · 同比"] == f"{change / base * 100:+.1f}%"
    assert f"{abs(change):.0f}人" in sentence(at) and f"{abs(change / base) * 100:.1f}%" in sentence(at)
    assert any(shown(p.proto.popover.label) == "比较：同比" for p in at.get("popover"))


def test_a_ranking_names_the_townships_in_order(app, sql):
    at = asked("2025年6月农村低保人数前三")
    assert_clean(at)
    top = sql.con.execute("SELECT township, sum(value) v FROM v_fact WHERE indicator_code = 'dibao_rural_persons'"
                          " AND period = ? GROUP BY township ORDER BY v DESC LIMIT 3", [JUNE]).fetchall()
    assert metrics(at) == {f"{t} · 农村低保人数 · 2025年6月 · 第{n}名": fmt(v, "人") for n, (t, v) in enumerate(top, 1)}
    assert "、".join(f"{t}（{v:.0f}人）" for t, v in top) in sentence(at)


def test_a_whole_ranking_is_a_table(app, sql):
    at = asked("2025年6月农村低保人数前三")
    chip_box(at, "排名").set_value("all").run()
    assert_clean(at)
    ranked = sql.con.execute("SELECT township, sum(value) v FROM v_fact WHERE indicator_code = 'dibao_rural_persons'"
                             " AND period = ? GROUP BY township ORDER BY v DESC, township", [JUNE]).fetchall()
    table = at.dataframe[0].value
    assert len(table) == len(ranked) > 8 and not at.metric
    assert table["数值"].tolist() == [fmt(v, "人") for _, v in ranked]
    assert sorted(table["乡镇（街道）"]) == sorted(t for t, _ in ranked)


def test_a_month_without_data_says_so_and_the_period_chip_offers_the_latest(app, sql):
    at = asked("城东街道2026年6月城市低保人数是多少")
    assert not at.exception
    refusal = " ".join(shown(w.value) for w in at.warning)
    assert "2026年6月尚无数据" in refusal and "最新为2025年6月" in refusal
    assert not at.metric
    chip_box(at, "时间").set_value("2025-06").run()
    assert_clean(at)
    assert metrics(at) == {"城东街道 · 城市低保人数 · 2025年6月": fmt(month_value(sql, "dibao_urban_persons", "城东街道"),
                                                                  "人")}


def test_a_target_is_answered_with_its_completion_rate(app, sql):
    at = asked("2025年适老化改造完成率")
    assert_clean(at)
    goal = sql("SELECT t.value FROM target t JOIN township w ON w.id = t.township_id WHERE w.level = 'district'"
               " AND t.indicator_code = 'aging_retrofit_households' AND t.year = 2025")
    done = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'aging_retrofit_households'"
               " AND period BETWEEN '2025-01-01' AND ?", JUNE)
    assert metrics(at) == {"全区 · 居家适老化改造户数 · 2025年1-6月 · 累计完成": fmt(done, "户"),
                           "全区 · 居家适老化改造户数 · 2025年 · 年度目标": fmt(goal, "户"),
                           "全区 · 居家适老化改造户数 · 2025年1-6月 · 完成率": f"{done / goal * 100:.1f}%"}


def test_an_unknown_word_is_refused_by_name(app):
    at = asked("2025年6月福利彩票销售额是多少")
    assert not at.exception
    refusal = " ".join(shown(w.value) for w in at.warning)
    assert "福利彩票销售额" in refusal and "没有找到" in refusal
    assert not at.metric  # no figure
    assert not [p for p in at.get("page_link") if "查看这个数" in p.proto.label]  # nor a link to one


def followed(at: AppTest) -> tuple[str, AppTest]:
    """The page the answer's link names, opened with the link's parameters, as a person following it would."""
    links = [p.proto for p in at.get("page_link") if "查看这个数" in p.proto.label]
    assert len(links) == 1
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(links[0].query_string):
        params.setdefault(key, []).append(value)
    there = run_app(f"pages/{links[0].page}.py", **{k: v if len(v) > 1 else v[0] for k, v in params.items()})
    assert_clean(there)
    return links[0].page, there


def test_the_link_opens_the_trend_of_the_same_figure(app, sql):
    page, there = followed(asked("城东街道2025年6月城市低保人数是多少？"))
    assert page == "trend"
    assert there.multiselect(key="inds").value == ["dibao_urban_persons"]  # the link's filters took
    assert there.multiselect(key="towns").value == ["城东街道"]
    trend = next(d.value for d in there.dataframe if d.value.index.name == "时期")
    assert trend.loc["2025年6月", "城市低保人数"] == month_value(sql, "dibao_urban_persons", "城东街道")


def test_the_link_of_a_year_to_date_flow_shows_the_same_sum(app, sql):
    page, there = followed(asked("城东街道2025年1-6月城市低保资金支出多少"))
    assert there.multiselect(key="inds").value == ["dibao_urban_funds"]
    funds = ytd_value(sql, "dibao_urban_funds", "城东街道")
    tables = [d.value for d in there.dataframe]
    shown_funds = [v for t in tables for v in t.to_numpy().ravel().tolist() if isinstance(v, float)]
    assert round(funds / 1e4, 2) in [round(v, 2) for v in shown_funds], (page, funds)


def test_the_link_of_a_per_person_figure_opens_that_tab_with_the_same_figure(app, sql):
    page, there = followed(asked("城东街道2025年6月城市低保月人均补助"))
    assert page == "compare"
    assert there.selectbox(key="derived").value == "dibao_urban_per_person"  # the tab's own filter: it is open
    chart = next(json.loads(c.proto.spec) for c in there.get("plotly_chart"))
    funds, persons = (month_value(sql, code, "城东街道") for code in ("dibao_urban_funds", "dibao_urban_persons"))
    shown = dict(zip(chart["data"][0]["y"], chart["data"][0]["x"], strict=True))
    assert shown["城东街道"] == pytest.approx(funds / persons)


def test_the_overview_box_sends_the_question_to_the_ask_page(app, sql):
    at = app("pages/overview.py")
    assert_clean(at)
    at.text_input(key="ask_box").input("城东街道2025年6月城市低保人数是多少？").run()
    assert_clean(at)
    assert at.title[0].value == "问数"
    assert at.text_input(key="q").value == "城东街道2025年6月城市低保人数是多少？"
    persons = month_value(sql, "dibao_urban_persons", "城东街道")
    assert report_number(persons, "人") in sentence(at)


def township_user(*township_ids: int) -> auth.User:
    return auth.User(7, "赵敏", "township", False, None, tuple(township_ids), False)


def test_a_township_account_asking_about_another_township_gets_no_figure_of_it(app, sql):
    ids = dict(sql.con.execute("SELECT name, id FROM township WHERE level = 'township'").fetchall())
    own = "城东街道"
    user = township_user(ids[own])
    for other in ("阿蓬江镇", "城南街道"):  # 城南 is one character from 城东: never read as a typo of its own either
        theirs = month_value(sql, "dibao_rural_persons", other)
        at = asked(f"{other}2025年6月农村低保人数是多少", user=user)
        assert not at.exception
        page = sentence(at) + " ".join(shown(w.value) for w in at.warning) + " ".join(metrics(at))
        assert not at.metric and fmt(theirs, "人") not in page and report_number(theirs, "人") not in page
        assert not any(v for k, v in metrics(at).items() if own in k)  # nor its own figure, read in its place
    # its own township is answered through the same box
    mine = asked(f"{own}2025年6月农村低保人数是多少", user=user)
    assert_clean(mine)
    assert fmt(month_value(sql, "dibao_rural_persons", own), "人") in metrics(mine).values()
    # and the township chip offers no other township, nor do the examples name one
    offered = [o for s in mine.selectbox for o in s.options] + list(mine.pills(key="ask_example").options)
    names = [n for (n,) in sql.con.execute("SELECT name FROM township WHERE level = 'township'").fetchall()]
    assert [n for n in names if n != own and any(n in o for o in offered)] == []
    assert own in " ".join(offered)


def asks_logged(path) -> pd.DataFrame:
    con = db.connect(path)  # the same file the app holds, opened alike, in the same process
    try:
        return audit.entries(con, actions=["ask"])
    finally:
        con.close()


def test_each_question_and_its_reading_go_to_the_audit_log_once(real_app, real_env):
    before = set(asks_logged(real_env)["id"])  # the database is a copy of one other tests asked on
    at = run_app(PAGE, q="城东街道2025年6月城市低保人数是多少？")
    assert_clean(at)
    at.run()  # a rerun of the same answer is not a new question
    chip_box(at, "指标").set_value("dibao_rural_persons").run()
    assert_clean(at)
    rows = asks_logged(real_env)
    rows = rows[~rows["id"].isin(before)]
    assert list(rows["user_name"]) == ["李静", "李静"]
    assert list(rows["target"]) == ["城东街道2025年6月城市低保人数是多少？"] * 2
    newest, first = (json.loads(d) for d in rows["detail"])
    assert first["reading"]["indicators"] == ["dibao_urban_persons"] and first["reading"]["township"] == "城东街道"
    assert newest["reading"]["indicators"] == ["dibao_rural_persons"]  # the changed chip, with its reading
