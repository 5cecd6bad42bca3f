"""汇报材料 (civdash/analysis/report.py) on the demo district ending 2025-06.

Every number of the text is worked out again here with plain SQL on the public view ``v_fact`` (not through
civdash.analysis.metrics) and formatted by the rule written out in this file, then compared token by token with the text, so a
number that is wrong, rounded otherwise, compared with the wrong base or worded 增长 for 下降 fails.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from docx import Document
from docx.oxml.ns import qn

from civdash.analysis import report
from civdash.analysis.report import ReportPeriod, ReportRefused
from civdash.outputs import report_docx
from civdash.store import db, queries
from civdash.store.paths import DATA_DIR

JUNE = date(2025, 6, 1)
MADE_ON = date(2025, 7, 3)


# --- the rule, written out independently ------------------------------------------------------------------------------

def half_up(x: float, decimals: int) -> Decimal:
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def trimmed(d: Decimal) -> str:
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def shown(value: float, unit: str, decimals: int) -> tuple[str, str]:
    """(number, unit) as written: 元 in 万元 with two decimals, always; others the catalog's decimals, zeros dropped."""
    if unit == "元":
        return f"{half_up(value / 1e4, 2):f}", "万元"
    return trimmed(half_up(value, decimals)), unit


def add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


class Expected:
    """Values of the demo by plain SQL on v_fact (township rows only)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.execute("SELECT code, name, category, unit, kind, decimals, weight FROM indicator "
                           "ORDER BY sort_order").fetchall()
        self.inds = [dict(zip(("code", "name", "category", "unit", "kind", "decimals", "weight"), r, strict=True))
                     for r in rows]
        self.by_code = {i["code"]: i for i in self.inds}

    def _where(self, without: tuple[str, ...] = (), alias: str = "") -> str:
        left_out = "".join(f" AND {alias}township <> '{t}'" for t in without)
        return f"{alias}township NOT IN (SELECT name FROM township WHERE level = 'district'){left_out}"

    def left_out(self, code: str, a: list[date], b: list[date]) -> tuple[str, ...]:
        """Townships to leave out of comparing ``a`` with ``b`` like for like: those that reported ``code`` in some month
        of either with data, but not in all of them."""
        months = sorted(set(self.months_with_data(code, a)) | set(self.months_with_data(code, b)))
        rows = self.con.execute(f"SELECT township, count(DISTINCT period) FROM v_fact WHERE indicator_code = ? "
                                f"AND list_contains(?, period) AND {self._where()} GROUP BY township",
                                [code, months]).fetchall()
        return tuple(sorted(t for t, n in rows if n < len(months)))

    def months_with_data(self, code: str, months: list[date]) -> list[date]:
        rows = self.con.execute(f"SELECT DISTINCT period FROM v_fact WHERE indicator_code = ? AND {self._where()} "
                                "AND list_contains(?, period) ORDER BY period", [code, months]).fetchall()
        return [r[0] for r in rows]

    def at(self, code: str, month: date, without: tuple[str, ...] = ()) -> float | None:
        """A stock summed, a level averaged (weighted by the catalog's weight), in one month; None without data."""
        ind = self.by_code[code]
        if ind["kind"] == "level" and ind["weight"]:
            where = self._where(without, "s.")
            q = (f"SELECT sum(s.value * w.value) / sum(w.value) FROM v_fact s JOIN v_fact w ON w.township = s.township "
                 f"AND w.period = s.period AND w.indicator_code = ? WHERE s.indicator_code = ? AND s.period = ? "
                 f"AND {where}")
            return self.con.execute(q, [ind["weight"], code, month]).fetchone()[0]
        agg = "avg" if ind["kind"] == "level" else "sum"
        return self.con.execute(f"SELECT {agg}(value) FROM v_fact WHERE indicator_code = ? AND period = ? "
                                f"AND {self._where(without)}", [code, month]).fetchone()[0]

    def over(self, code: str, months: list[date], without: tuple[str, ...] = ()) -> float | None:
        """A flow summed over ``months``; a stock or level at the last of them with data."""
        if self.by_code[code]["kind"] != "flow":
            found = self.months_with_data(code, months)
            return self.at(code, found[-1], without) if found else None
        return self.con.execute(f"SELECT sum(value) FROM v_fact WHERE indicator_code = ? AND list_contains(?, period) "
                                f"AND {self._where(without)}", [code, months]).fetchone()[0]


def months_of(period: ReportPeriod) -> list[date]:
    first = {"month": period.month, "quarter": add_months(period.month, -2), "ytd": date(period.month.year, 1, 1)}
    start = first[period.kind]
    return [add_months(start, k) for k in range((period.month.year - start.year) * 12 + period.month.month
                                                - start.month + 1)]


def leaders() -> set[str]:
    """Indicators whose change is stated: not a group member other than the one marked ``compare``."""
    with open(DATA_DIR / "report_phrases.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return {r["code"] for r in rows if not r["group"] or r["compare"] == "1"}


def pct_token(prefix: str, value: float, base: float | None, level: bool) -> tuple[str, ...] | None:
    if base is None or base == 0:
        return None
    exact = (Decimal(repr(float(value))) - Decimal(repr(float(base)))) * 100 / abs(Decimal(repr(float(base))))
    pct = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if pct == 0:
        return (prefix, "持平")
    word = ("提高" if pct > 0 else "降低") if level else ("增长" if pct > 0 else "下降")
    return (prefix, word, f"{abs(pct):.1f}", "%")


def abs_token(label: str, value: float, base: float | None, unit: str, decimals: int) -> tuple[str, ...] | None:
    if base is None:
        return None
    number, shown_unit = shown(abs(value - base), unit, decimals)
    if number == "0":
        return ("与" + label, "持平")
    return ("较" + label, "增加" if value > base else "减少", number, shown_unit)


def expected_tokens(e: Expected, period: ReportPeriod, category: str) -> list[tuple[str, ...]]:
    """The tokens the section's paragraph must hold, in order: stocks, levels, flows, catalog order within each."""
    months = months_of(period)
    year_ago = [add_months(m, -12) for m in months]
    before = {"month": [add_months(period.month, -1)], "quarter": [add_months(m, -3) for m in months],
              "ytd": [date(period.month.year - 1, 12, 1)]}[period.kind]
    lead = leaders()
    tokens: list[tuple[str, ...]] = []
    for kind in ("stock", "level", "flow"):
        for ind in (i for i in e.inds if i["category"] == category and i["kind"] == kind):
            code, unit, dec = ind["code"], ind["unit"], ind["decimals"]
            at_end = kind != "flow" and period.kind != "quarter"  # a stock or level of one month
            mine = [period.month] if at_end else months
            value = e.over(code, mine)
            if value is None:
                continue
            tokens.append(("", "", *shown(value, unit, dec)))
            if code not in lead:
                continue
            # each change like for like: on the townships that reported throughout both periods
            ago = year_ago if kind == "flow" or period.kind == "quarter" else [add_months(period.month, -12)]
            mom_out, yoy_out = e.left_out(code, mine, before), e.left_out(code, mine, ago)
            prev, yoy = e.over(code, before, mom_out), e.over(code, ago, yoy_out)
            if kind == "stock":
                label = {"month": "上月", "quarter": "上季度末", "ytd": "年初"}[period.kind]
                tokens.append(abs_token(label, e.over(code, mine, mom_out), prev, unit, dec))
            elif period.kind != "ytd":
                tokens.append(pct_token("环比", e.over(code, mine, mom_out), prev, kind == "level"))
            tokens.append(pct_token("同比", e.over(code, mine, yoy_out), yoy, kind == "level"))
    return [t for t in tokens if t is not None]


UNITS = "万元|元/人·月|人次|人|户|个|张|对|件|元|%"
TOKEN = re.compile(rf"(?:(较上月|较上季度末|较年初|环比|同比)(增加|减少|增长|下降|提高|降低)"
                   rf"|(与上月|与上季度末|与年初|环比|同比)(持平)|(?<![\d.]))(\d+(?:\.\d+)?)?({UNITS})?")


def actual_tokens(text: str) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for m in TOKEN.finditer(text):
        prefix, word, flat_prefix, flat, number, unit = m.groups()
        if flat:
            out.append((flat_prefix, "持平"))
        elif number and unit:
            out.append((prefix or "", word or "", number, unit))
    return out


def digits_outside_tokens(text: str) -> str:
    """The text with the lead's dates and every number-with-unit removed: no digit may remain."""
    text = re.sub(r"截至\d{4}年\d{1,2}月底|(?:1-)?\d{1,2}月，|[一二三四]季度，", "", text)
    return re.sub(rf"\d+(?:\.\d+)?(?:{UNITS})", "", text)


@pytest.fixture(scope="module")
def expected(sql: Callable[..., object]) -> Expected:
    return Expected(sql.con)  # type: ignore[attr-defined]


@pytest.fixture
def copy(demo_path: Path, tmp_path: Path) -> Callable[..., duckdb.DuckDBPyConnection]:
    """``copy(*statements)``: a writable copy of the demo with ``statements`` run on it."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def make(*statements: str) -> duckdb.DuckDBPyConnection:
        path = tmp_path / f"copy{len(opened)}.duckdb"
        shutil.copyfile(demo_path, path)
        con = db.connect(path)
        for s in statements:
            con.execute(s)
        opened.append(con)
        return con

    yield make
    for con in opened:
        con.close()


# --- every number traced ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["month", "quarter", "ytd"])
def test_every_number_is_recomputed_from_v_fact(demo_con, expected: Expected, kind: str) -> None:
    period = ReportPeriod.of(kind, JUNE)
    r = report.build(demo_con, period, made_on=MADE_ON)
    assert [s.category for s in r.sections] == ["社会救助", "儿童福利", "残疾人福利", "养老服务", "智慧民政", "基层治理",
                                                "婚姻登记"]
    for section in r.sections:
        want = expected_tokens(expected, period, section.category)
        assert actual_tokens(section.paragraph) == want, section.category
        assert not re.search(r"\d", digits_outside_tokens(section.paragraph)), section.paragraph
        assert len(want) > 0
    assert len(r.figures) == 29


def test_month_text_reads_as_a_report(demo_con, expected: Expected) -> None:
    r = report.build(demo_con, ReportPeriod.of("month", JUNE), made_on=MADE_ON)
    assert r.title == "黔江区民政工作主要数据（2025年6月）"
    relief = r.sections[0]
    assert relief.heading == "一、社会救助"
    stock, level, flow = relief.sentences
    households, persons = (expected.at(c, JUNE) for c in ("dibao_urban_households", "dibao_urban_persons"))
    assert stock.text.startswith(f"截至2025年6月底，全区共有城市低保对象{households:.0f}户{persons:.0f}人，较上月")
    assert level.text.startswith("全区城市低保平均保障标准为")
    assert "元/人·月，环比" in level.text
    money = shown(expected.at("dibao_urban_funds", JUNE), "元", 2)[0]
    assert flow.text.startswith(f"6月，全区发放城市低保资金{money}万元，环比")
    assert all(s.text.endswith("。") for s in relief.sentences)
    assert [f.code for f in stock.figures][:2] == ["dibao_urban_households", "dibao_urban_persons"]
    assert r.notes == ("注：2025年6月新华乡未报送数据，文中标注“数据不全”的数字不含其数据，"
                       "增减按同口径（除去未报送乡镇）计算。",)
    # every sentence of the month says so once, after its last clause, since every figure lacks 新华乡
    assert all(s.text.endswith("（以上数据不全：不含未报送的新华乡；增减按同口径计算）。") for s in relief.sentences)


def test_ytd_flows_are_year_to_date_and_stocks_compare_with_the_start_of_the_year(demo_con, expected: Expected) -> None:
    r = report.build(demo_con, ReportPeriod.of("ytd", JUNE), ["社会救助"], made_on=MADE_ON)
    assert r.title == "黔江区民政工作主要数据（2025年1-6月）"
    text = r.sections[0].paragraph
    total = expected.over("dibao_urban_funds", months_of(ReportPeriod.of("ytd", JUNE)))
    assert f"1-6月，全区累计发放城市低保资金{shown(total, '元', 2)[0]}万元，同比" in text
    assert "环比" not in text
    # 较年初 like for like: 新华乡 reported December, not June, so both are taken without it
    without = expected.left_out("dibao_urban_persons", [JUNE], [date(2024, 12, 1)])
    assert without == ("新华乡",)
    persons = expected.at("dibao_urban_persons", JUNE, without)
    december = expected.at("dibao_urban_persons", date(2024, 12, 1), without)
    word = "增加" if persons > december else "减少"
    assert f"较年初{word}{abs(persons - december):.0f}人" in text
    fig = next(f for f in r.figures if f.code == "dibao_urban_funds")
    assert fig.value == pytest.approx(total) and fig.prev_value is None and fig.period == "2025年1-6月"


def test_quarter_is_labelled_and_compared_with_the_quarter_before(demo_con, expected: Expected) -> None:
    r = report.build(demo_con, ReportPeriod.of("quarter", date(2025, 5, 1)), ["婚姻登记"], made_on=MADE_ON)
    assert r.title == "黔江区民政工作主要数据（2025年第二季度）"
    q2 = [date(2025, m, 1) for m in (4, 5, 6)]
    q1 = [date(2025, m, 1) for m in (1, 2, 3)]
    fig = r.figures[0]
    assert fig.code == "marriage_registrations"
    assert fig.value == expected.over("marriage_registrations", q2)
    without = expected.left_out("marriage_registrations", q2, q1)  # 新华乡 has not reported June
    assert without == ("新华乡",) and fig.mark == "数据不全：不含未报送的新华乡；增减按同口径计算"
    assert fig.prev_value == expected.over("marriage_registrations", q1, without)
    assert r.sections[0].paragraph.startswith(f"二季度，全区办理结婚登记{fig.value:.0f}对，环比")


# --- wording and rounding ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "base", "level", "text"), [
    (103, 100, False, "同比增长3.0%"),
    (97, 100, False, "同比下降3.0%"),
    (100.04, 100, False, "同比持平"),
    (99.96, 100, False, "同比持平"),
    (2005, 2000, False, "同比增长0.3%"),  # half up: 0.25 → 0.3 (Python's round would give 0.2)
    (1995, 2000, False, "同比下降0.3%"),
    (2001, 2000, False, "同比增长0.1%"),  # 0.05 → 0.1
    (710, 690, True, "同比提高2.9%"),
    (680, 690, True, "同比降低1.4%"),
    (5, 0, False, None),  # no relative change from 0
    (5, None, False, None),
])
def test_relative_change_wording(value: float, base: float | None, level: bool, text: str | None) -> None:
    assert report.relative_text("同比", value, base, level) == text


@pytest.mark.parametrize(("value", "unit", "decimals", "text"), [
    (5_321_050, "元", 2, "532.11万元"),  # 532.105 half up
    (5_321_000, "元", 2, "532.10万元"),  # money keeps two decimals
    (5_320_000, "元", 2, "532.00万元"),
    (5_320_049, "元", 2, "532.00万元"),
    (-5_320_000, "元", 2, "-532.00万元"),
    (30, "元", 2, "30元"),  # would read 0.00万元
    (12.5, "元", 2, "12.5元"),
    (0, "元", 2, "0.00万元"),
    (1664, "人", 0, "1664人"),
    (45231, "人", 0, "45231人"),  # no thousands separators in running text
    (695.105, "元/人·月", 2, "695.11元/人·月"),
    (695.1, "元/人·月", 2, "695.1元/人·月"),
    (62.5, "%", 1, "62.5%"),
])
def test_values_as_written(value: float, unit: str, decimals: int, text: str) -> None:
    assert report.value_text(value, unit, decimals) == text


def test_absolute_change_wording() -> None:
    assert report.absolute_text("上月", 1664, 1671, "人", 0) == "较上月减少7人"
    assert report.absolute_text("年初", 1140, 1131, "人", 0) == "较年初增加9人"
    assert report.absolute_text("上季度末", 1664, 1664.4, "人", 0) == "与上季度末持平"
    assert report.absolute_text("上月", 1664, None, "人", 0) is None


def test_period_labels() -> None:
    assert ReportPeriod.of("quarter", date(2025, 4, 1)) == ReportPeriod("quarter", JUNE)
    assert ReportPeriod.of("quarter", date(2025, 11, 1)).label() == "2025年第四季度"
    assert ReportPeriod.of("ytd", date(2025, 1, 1)).label() == "2025年1月"
    assert ReportPeriod.of("ytd", date(2025, 9, 1)).short() == "1-9月"
    assert report.chinese_number(11) == "十一" and report.chinese_number(20) == "二十"


# --- missing data -----------------------------------------------------------------------------------------------------

def test_no_sentence_for_an_indicator_without_data(copy, expected: Expected) -> None:
    con = copy("DELETE FROM fact WHERE indicator_code = 'tekun_funds' AND period = DATE '2025-06-01'")
    for kind in ("month", "ytd"):
        r = report.build(con, ReportPeriod.of(kind, JUNE), made_on=MADE_ON)
        assert "特困人员救助供养金" not in report.to_text(r)
        assert "tekun_funds" not in {f.code for f in r.figures}
        assert "共有特困人员" in report.to_text(r)  # the head-count is still there
    r = report.build(con, ReportPeriod.of("quarter", JUNE), made_on=MADE_ON)  # April and May are still there
    q2 = [date(2025, m, 1) for m in (4, 5)]
    assert next(f for f in r.figures if f.code == "tekun_funds").value == expected.over("tekun_funds", q2)


def test_no_comparison_without_its_base(copy, expected: Expected) -> None:
    con = copy("DELETE FROM fact WHERE indicator_code = 'dibao_urban_funds' AND period = DATE '2024-06-01'",
               "DELETE FROM fact WHERE indicator_code = 'dibao_urban_persons' AND period = DATE '2025-05-01'")
    r = report.build(con, ReportPeriod.of("month", JUNE), ["社会救助"], made_on=MADE_ON)
    text = r.sections[0].paragraph
    funds = shown(expected.at("dibao_urban_funds", JUNE), "元", 2)[0]
    clause = re.search(f"发放城市低保资金{re.escape(funds)}万元[^；。]*", text).group()
    assert "环比" in clause and "同比" not in clause
    persons = re.search(r"共有城市低保对象\d+户\d+人[^；。]*", text).group()
    assert "较上月" not in persons and "同比" in persons
    fig = next(f for f in r.figures if f.code == "dibao_urban_funds")
    assert fig.yoy_value is None and fig.yoy is None


def test_a_section_without_data_is_left_out_and_headings_renumbered(copy) -> None:
    con = copy("DELETE FROM fact WHERE indicator_code IN ('app_registered_users') AND period = DATE '2025-06-01'")
    r = report.build(con, ReportPeriod.of("month", JUNE), made_on=MADE_ON)
    assert [s.heading for s in r.sections] == ["一、社会救助", "二、儿童福利", "三、残疾人福利", "四、养老服务", "五、基层治理",
                                               "六、婚姻登记"]
    with pytest.raises(ReportRefused, match="所选栏目在2025年6月没有数据：智慧民政"):
        report.build(con, ReportPeriod.of("month", JUNE), ["智慧民政"])


def test_a_quarter_not_complete_says_which_months(copy) -> None:
    con = copy("DELETE FROM fact WHERE period = DATE '2025-06-01'")
    r = report.build(con, ReportPeriod.of("quarter", JUNE), ["社会救助"], made_on=MADE_ON)
    assert r.title == "黔江区民政工作主要数据（2025年第二季度（4-5月））"
    assert r.sections[0].paragraph.startswith("截至2025年5月底，全区")
    assert report.file_name(r, "docx") == "黔江区民政工作主要数据_2025年第二季度_4-5月.docx"
    with pytest.raises(ReportRefused, match="2025年6月没有数据（最新数据为2025年5月）"):
        report.build(con, ReportPeriod.of("month", JUNE))


def test_refusals(demo_con) -> None:
    with pytest.raises(ReportRefused, match="未知的栏目：殡葬"):
        report.build(demo_con, ReportPeriod.of("month", JUNE), ["社会救助", "殡葬"])
    with pytest.raises(ReportRefused, match="2025年7月没有数据"):
        report.build(demo_con, ReportPeriod.of("ytd", date(2025, 7, 1)))
    with pytest.raises(ReportRefused, match="请至少选择一个栏目"):
        report.build(demo_con, ReportPeriod.of("month", JUNE), [])


def test_an_indicator_without_a_phrasing_rule_reads_plainly(copy) -> None:
    con = copy()
    queries.execute(con, "indicator_insert", code="volunteers", name="社区志愿者人数", category="志愿服务", unit="人",
                    kind="stock", decimals=0, weight=None, note=None, sort_order=99, good_direction=None)
    queries.execute(con, "indicator_insert", code="volunteer_funds", name="志愿服务经费", category="志愿服务", unit="元",
                    kind="flow", decimals=2, weight=None, note=None, sort_order=100, good_direction=None)
    towns = [r[0] for r in con.execute("SELECT id FROM township WHERE level = 'township' ORDER BY sort_order LIMIT 2")
             .fetchall()]
    rows = [("volunteers", towns[0], date(2025, 5, 1), 200.0), ("volunteers", towns[1], date(2025, 5, 1), 140.0),
            ("volunteers", towns[0], JUNE, 210.0), ("volunteers", towns[1], JUNE, 140.0),
            ("volunteer_funds", towns[0], date(2025, 5, 1), 12000.0), ("volunteer_funds", towns[0], JUNE, 3500.0)]
    con.executemany("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                    "VALUES (?, ?, ?, ?, 1, true)", rows)
    r = report.build(con, ReportPeriod.of("month", JUNE), ["志愿服务"], made_on=MADE_ON)
    assert r.sections[0].heading == "一、志愿服务"
    assert r.sections[0].paragraph == ("截至2025年6月底，全区社区志愿者人数为350人，较上月增加10人。"
                                       "6月，全区志愿服务经费为0.35万元，环比下降70.8%。")
    r = report.build(con, ReportPeriod.of("ytd", JUNE), ["志愿服务"], made_on=MADE_ON)
    assert r.sections[0].paragraph.endswith("1-6月，全区志愿服务经费累计为1.55万元。")


# --- renderings -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def half_year(demo_con) -> report.Report:
    return report.build(demo_con, ReportPeriod.of("ytd", JUNE), made_on=MADE_ON)


def test_plain_text(half_year: report.Report) -> None:
    lines = report.to_text(half_year).splitlines()
    assert lines[:4] == ["黔江区民政工作主要数据（2025年1-6月）", "生成日期：2025年7月3日", "", "一、社会救助"]
    assert lines[4] == half_year.sections[0].paragraph
    assert lines[-1] == half_year.notes[0]


def test_markdown(half_year: report.Report, expected: Expected) -> None:
    md = report.to_markdown(half_year)
    lines = md.splitlines()
    assert lines[0] == "# 黔江区民政工作主要数据（2025年1-6月）"
    assert "## 七、婚姻登记" in lines
    for s in half_year.sections:
        assert lines[lines.index(f"## {s.heading}") + 2] == s.paragraph
    table = lines[lines.index("## 附表：主要数据") + 2:]
    assert table[0] == "| 指标 | 单位 | 本期 | 上期 | 上年同期 | 变化 |"
    assert len(table) == 2 + 29
    urban = next(row for row in table if row.startswith("| 城市低保资金支出 |"))
    this_year, last_year = months_of(ReportPeriod.of("ytd", JUNE)), [date(2024, m, 1) for m in range(1, 7)]
    total = expected.over("dibao_urban_funds", this_year)
    # 新华乡 has not reported June: 本期 is the others' total, marked; 上年同期 and 同比 are theirs alone
    without = expected.left_out("dibao_urban_funds", this_year, last_year)
    assert without == ("新华乡",)
    base = expected.over("dibao_urban_funds", last_year, without)
    change = pct_token("同比", expected.over("dibao_urban_funds", this_year, without), base, False)
    assert urban == (f"| 城市低保资金支出 | 万元 | {shown(total, '元', 2)[0]} | — | {shown(base, '元', 2)[0]} | "
                     f"{''.join(change[:2])}{change[2]}%，数据不全：不含未报送的新华乡；增减按同口径计算 |")
    persons = next(row for row in table if row.startswith("| 城市低保人数 |"))
    december = expected.at("dibao_urban_persons", date(2024, 12, 1), without)
    assert f"| {december:.0f}（年初） |" in persons


def test_docx_parsed_back(half_year: report.Report, expected: Expected) -> None:
    doc = Document(io.BytesIO(report_docx.to_docx(half_year)))
    texts = [p.text for p in doc.paragraphs]
    want = [half_year.title, "生成日期：2025年7月3日"]
    for s in half_year.sections:
        want += [s.heading, s.paragraph]
    want += [*half_year.notes, "附表：主要数据"]
    assert texts == want
    for p in doc.paragraphs:
        for run in p.runs:
            assert run._element.rPr.rFonts.get(qn("w:eastAsia")) in ("宋体", "仿宋_GB2312", "黑体")
    assert doc.core_properties.title == half_year.title
    [table] = doc.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["指标", "单位", "本期", "上期", "上年同期", "变化"]
    assert cells[1:] == [list(r) for r in report.appendix_rows(half_year)]
    persons = next(row for row in cells if row[0] == "城市低保人数")
    assert persons[:3] == ["城市低保人数", "人", f"{expected.at('dibao_urban_persons', JUNE):.0f}"]
    standard = next(row for row in cells if row[0] == "城市低保平均保障标准")
    assert standard[2] == trimmed(half_up(expected.at("dibao_urban_standard", JUNE), 2))


def test_file_name(half_year: report.Report) -> None:
    assert report.file_name(half_year, "docx") == "黔江区民政工作主要数据_2025年1-6月.docx"
    assert report.file_name(half_year, "md") == "黔江区民政工作主要数据_2025年1-6月.md"
