"""问数's API: the reading's chips and changing one, the answer's JSON, links that name what the pages offer, the
refusals' words, the synonym list, the audit log. On the demo district ending 2025-06 (新华乡 has not reported June)."""

from __future__ import annotations

import ast
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from civdash.access import audit
from civdash.analysis import ask
from civdash.analysis.table import ROWS
from civdash.domain import catalog
from civdash.domain.periods import GRAINS, month_key
from civdash.outputs.audit_export import describe
from civdash.store import db

TODAY = date(2025, 7, 10)
ROOT = Path(__file__).resolve().parents[3]


def _ask(con, question: str) -> ask.Answer:
    return ask.ask(con, question, today=TODAY, audit=False)


def _sql(con, query: str, *params) -> float:
    return float(con.execute(query, list(params)).fetchone()[0])


def test_the_issue_example_reads_as_chips_and_a_chip_can_be_changed(demo_con) -> None:
    out = _ask(demo_con, "城东街道今年1-6月城市低保金发了多少？")
    assert [c.kind for c in out.reading.chips()] == ["indicator", "township", "period", "measure"]
    assert " · ".join(c.text for c in out.reading.chips()[:3]) == "城市低保资金支出 · 城东街道 · 2025年1-6月累计"
    east = _sql(demo_con, "SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds' AND township = "
                "'城东街道' AND period BETWEEN DATE '2025-01-01' AND DATE '2025-06-01'")
    assert out.answers[0]["value"] == pytest.approx(east)
    assert out.sentence == f"2025年1-6月，城东街道城市低保资金支出累计为{east / 1e4:.2f}万元。"
    hash(out.reading)  # the UI caches by reading
    district = ask.answer(demo_con, out.reading.with_chip("township", ""))
    total = _sql(demo_con, "SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds' AND period "
                 "BETWEEN DATE '2025-01-01' AND DATE '2025-06-01'")
    assert district.answers[0]["value"] == pytest.approx(total)
    assert "数据不全：不含未报送的新华乡" in district.sentence  # 新华乡 has not reported June
    june = ask.answer(demo_con, district.reading.with_chip("period", "2025-05"))
    assert june.reading.period_text() == "2025年5月" and "数据不全" not in june.sentence
    with pytest.raises(ValueError):
        out.reading.with_chip("indicator", "no_such_code")
    with pytest.raises(ValueError):
        out.reading.with_chip("comparison", "sometimes")


def test_the_json_has_the_issue_shape(demo_con) -> None:
    out = _ask(demo_con, "全区农村低保人数比去年同期多了多少？").as_json()
    assert {"reading", "answers", "sentence", "question_back"} <= set(out)
    assert out["reading"]["indicators"] == ["dibao_rural_persons"] and out["reading"]["comparison"] == "yoy"
    value = out["answers"][0]
    assert set(value) == {"indicator", "township", "period", "measure", "value", "unit"}
    assert (value["indicator"], value["township"], value["period"], value["unit"]) == (
        "dibao_rural_persons", None, "2025-06", "人")
    assert "较去年同期" in out["sentence"] and "增减按同口径计算" in out["sentence"]
    assert out["question_back"] is None


def test_a_word_with_several_meanings_is_asked_back_with_choices(demo_con) -> None:
    out = _ask(demo_con, "城东街道低保金发了多少")
    back = out.question_back
    assert back["text"] == "“低保金”指的是哪一项？城市、农村，还是合计？"
    assert [c["value"] for c in back["choices"]] == ["dibao_urban_funds", "dibao_rural_funds",
                                                     "dibao_urban_funds+dibao_rural_funds"]
    assert back["choices"][2]["question"] == "城东街道城乡低保资金发了多少"
    again = _ask(demo_con, back["choices"][0]["question"])  # the choice's question reads exactly
    assert again.reading.indicators == ("dibao_urban_funds",) and again.sentence
    chosen = ask.answer(demo_con, out.reading.with_chip("indicator", back["choices"][2]["value"]))
    assert [a["measure"] for a in chosen.answers] == ["value", "value", "sum"]


def test_refusals_name_the_word_and_the_nearest_data(demo_con) -> None:
    assert _ask(demo_con, "福利彩票销售额是多少").refusal.startswith("没有找到“福利彩票销售额”对应的指标")
    assert _ask(demo_con, "2026年城市低保人数").refusal == "2026年尚无数据，最新为2025年6月。"
    assert _ask(demo_con, "本月城市低保人数").refusal == "2025年7月尚无数据，最新为2025年6月。"
    assert "新华乡2025年6月没有城市低保人数的数据" in _ask(demo_con, "新华乡6月城市低保人数").refusal
    assert _ask(demo_con, "东城街道城市低保人数").refusal.startswith("没有找到“东城街道”这个乡镇（街道）")


def _page_keys(page: str) -> set[str]:
    """The URL-bound keys a page (and the filters it calls with their default keys) offers."""
    text = (ROOT / page).read_text(encoding="utf-8")
    keys = set(re.findall(r'key="([a-z_]+)"', text))
    defaults = {"indicators": "inds", "grain": "grain", "ytd": "mode", "townships": "towns", "month_range": "range",
                "indicator": "ind", "month": "period", "township": "town"}
    keys |= {key for call, key in defaults.items() if re.search(rf"filters\.{call}\((?![^)]*key=)", text)}
    return keys


def _modes() -> set[str]:
    tree = ast.parse((ROOT / "ui" / "filters.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "MODES")
    return set(ast.literal_eval(node.value))


def _check_params(con, page: str, params: dict) -> None:
    assert set(params) <= _page_keys(page), (page, params)
    months = {month_key(m) for m in ask.Vocabulary(con).months}
    codes = {i.code for i in catalog.indicators(con)}
    towns = set(ask.Vocabulary(con).town_names.values())
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        if key in ("inds", "q_inds", "ind"):
            assert set(values) <= codes
        elif key in ("range", "q_range"):
            assert len(values) == 2 and set(values) <= months and values[0] <= values[1]
        elif key == "period":
            assert set(values) <= months
        elif key in ("grain", "q_grain"):
            assert set(values) <= set(GRAINS)
        elif key in ("mode", "q_mode"):
            assert set(values) <= _modes()
        elif key in ("towns", "q_towns"):
            assert set(values) <= towns
        elif key == "derived":
            assert set(values) <= {d.code for d in catalog.derived_indicators()}
        elif key == "view":  # 乡镇对比's tab (ui.filters.COMPARE_VIEWS)
            assert values == ["per_person"] and "derived" in params
        elif key == "q_rows":
            assert set(values) <= set(ROWS)
        else:
            raise AssertionError(f"unchecked parameter {key}")


@pytest.mark.parametrize(("question", "page"), [
    ("城东街道今年1-6月城市低保金发了多少", "pages/trend.py"),
    ("二季度临时救助资金同比", "pages/trend.py"),
    ("去年城市低保资金支出", "pages/trend.py"),
    ("哪个乡镇临时救助人次最多", "pages/compare.py"),
    ("今年临时救助资金最多的乡镇", "pages/compare.py"),
    ("城东街道城市低保月人均补助", "pages/compare.py"),
    ("4-5月临时救助资金", "pages/query.py"),
    ("城东街道4-5月城市低保资金", "pages/query.py"),
])
def test_the_link_opens_a_page_with_options_it_offers(demo_con, question: str, page: str) -> None:
    out = _ask(demo_con, question)
    assert out.link is not None and out.link[0] == page
    _check_params(demo_con, page, out.link[1])


def test_the_trend_link_shows_the_figure_asked(demo_con) -> None:
    page, params = _ask(demo_con, "城东街道今年1-6月城市低保金发了多少").link
    assert params["inds"] == ["dibao_urban_funds"] and params["towns"] == ["城东街道"]
    assert (params["grain"], params["mode"], params["range"][1]) == ("month", "ytd", "2025-06")
    page, params = _ask(demo_con, "城东街道城市低保月人均补助").link
    assert params["derived"] == "dibao_urban_per_person" and params["period"] == "2025-06"
    assert params["view"] == "per_person"  # 乡镇对比 opens on its 人均指标 tab


def test_an_admin_adds_a_word_to_the_synonym_list(demo_con, tmp_path: Path) -> None:
    path = tmp_path / "ask_synonyms.csv"
    shutil.copy(ask.SYNONYMS_CSV, path)
    with open(path, "a", encoding="utf-8") as f:
        f.write("保命钱,indicator,dibao_rural_funds,某镇的说法\n")
    assert _ask(demo_con, "保命钱发了多少").refusal is not None
    vocab = ask.Vocabulary(demo_con, synonyms=ask.load_synonyms(path))
    r = ask.read(demo_con, "保命钱发了多少", TODAY, vocab)
    assert r.reading.indicators == ("dibao_rural_funds",)
    with open(path, "a", encoding="utf-8") as f:
        f.write("养老钱,pension,elderly_subsidy_funds,\n")
    with pytest.raises(ValueError, match="第.*行"):
        ask.load_synonyms(path)


def test_each_question_goes_to_the_audit_log(demo_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_path, copy)
    con = db.connect(copy)
    try:
        ask.ask(con, "城东街道城市低保人数", today=TODAY, user="张三")
        ask.ask(con, "低保", today=TODAY, user="张三")
        log = audit.entries(con, actions=["ask"])
    finally:
        con.close()
    assert list(log["target"]) == ["低保", "城东街道城市低保人数"]
    assert set(log["user_name"]) == {"张三"}
    said = describe("ask", log["detail"].iloc[1])
    assert said.startswith("读作：城市低保人数 · 城东街道 · 2025年6月 · 多少；回答：截至2025年6月底，城东街道城市低保人数为")
    assert describe("ask", log["detail"].iloc[0]).endswith("反问：“低保”指的是哪一项？城市、农村，还是合计？")
    assert audit.ACTIONS["ask"] == "问数"


@pytest.mark.parametrize(("today", "question", "period"), [
    (date(2025, 7, 10), "上个月城市低保人数", "2025-06"),
    (date(2025, 6, 1), "上个月城市低保人数", "2025-05"),
    (date(2025, 3, 15), "今年城市低保资金", "2025-01/2025-03"),
    (date(2025, 3, 15), "去年城市低保资金", "2024-01/2024-12"),
    (date(2025, 3, 15), "10月城市低保资金", "2024-10"),
    (date(2025, 11, 15), "10月城市低保资金", "2025-10"),
    (date(2025, 5, 20), "近三个月城市低保资金", "2025-02/2025-04"),
    (date(2025, 5, 20), "去年同期城市低保人数", "2024-06"),  # the latest month with data, a year earlier
    (date(2025, 5, 20), "上季度城市低保资金", "2025-01/2025-03"),
    (date(2025, 7, 10), "截至二〇二五年三月底城市低保资金", "2025-01/2025-03"),
])
def test_relative_periods_follow_today(demo_con, today: date, question: str, period: str) -> None:
    out = ask.ask(demo_con, question, today=today, audit=False)
    assert out.reading.period == period
    assert out.sentence or out.refusal == "2025年10月尚无数据，最新为2025年6月。"


def test_a_year_without_data_offers_the_latest_month(demo_con) -> None:
    out = ask.ask(demo_con, "今年城市低保资金", today=date(2026, 1, 5), audit=False)
    assert out.refusal == "2026年尚无数据，最新为2025年6月。"
    assert ask.ask(demo_con, "2021年城市低保资金", today=TODAY, audit=False).refusal.startswith("2021年没有数据，最早为")


def test_a_township_account_reaches_its_own_township_only(demo_path: Path) -> None:
    from civdash.store import scope

    con = db.connect(demo_path, read_only=True)
    try:
        east = con.execute("SELECT id FROM township WHERE name = '城东街道'").fetchone()[0]
        mine = con.execute("SELECT value FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND township = "
                           "'城东街道' AND period = DATE '2025-06-01'").fetchone()[0]
        cur = scope.restrict(con.cursor(), scope.of_townships([east]))
        own = _ask(cur, "城东街道城市低保人数")
        assert own.answers[0]["value"] == mine
        # another township's name, full or short, is out of reach: never read as a typo of the account's own
        for question in ("城南街道城市低保人数", "城南城市低保人数", "城西城市低保人数"):
            out = _ask(cur, question)
            assert out.refusal and not out.answers, question
            assert "本账户只能查询城东街道的数据" in out.refusal or "城南街道" in out.refusal
        assert _ask(cur, "全区城市低保人数").answers[0]["value"] == mine  # its total is its own township's
    finally:
        con.close()
