"""The audit-rule language: what it accepts, what it refuses (in Chinese), and three-valued judgement."""

from __future__ import annotations

import numpy as np
import pytest

from civdash.domain import rules
from civdash.domain.rules import RuleError, Term, parse_formula

NAMES = {"城市低保户数": "h", "城市低保人数": "p", "城市低保资金支出": "f", "城市低保平均保障标准": "s", "h": "h",
         "p": "p", "f": "f", "s": "s"}


def judge(text: str, values: dict[Term, list[float]], each: str | None = None) -> list[bool]:
    formula = parse_formula(text, NAMES, each_allowed=each is not None)
    n = len(next(iter(values.values())))
    return formula.failures(lambda t: np.array(values[t], dtype=float), n, each).tolist()


def test_chinese_operators_and_names_read_as_written() -> None:
    assert judge("城市低保户数 ≤ 城市低保人数", {Term("h"): [1, 5, np.nan], Term("p"): [2, 4, 3]}) == [False, True, False]
    assert judge("城市低保户数＝城市低保人数", {Term("h"): [3, 3], Term("p"): [3, 4]}) == [False, True]
    assert judge("h <= p 且 p <= 100", {Term("h"): [1, 1], Term("p"): [2, 200]}) == [False, True]


def test_a_division_by_zero_cannot_be_judged_and_finds_nothing() -> None:
    assert judge("0.3 * s <= f / p <= 3 * s", {Term("s"): [600, 600, 600], Term("f"): [60, 6000, 5],
                                                  Term("p"): [1, 1, 0]}) == [True, True, False]


def test_or_holds_where_one_side_holds_even_if_the_other_cannot_be_judged() -> None:
    text = "近12月中位数(x) < 20 or 近12月中位数(x) / 5 < x < 5 * 近12月中位数(x)"
    values = {Term("p", "median12"): [10, 380, 380, np.nan], Term("p"): [500, 38000, 400, 5]}
    assert judge(text, values, each="p") == [False, True, False, False]


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os').system('x') == 0", "不认识的函数"),
    ("城市低保户数.real > 0", "不支持的写法"),
    ("城市低保户数", "应是一个判断"),
    ("城市低保户数 ** 2 > 0", "不支持的写法"),
    ("[1][0] > 0", "不支持的写法"),
    ("未知指标 > 0", "“未知指标”不是已登记的指标"),
    ("x > 0", "没有填写“适用指标”"),
    ("上月(1) > 0", "参数应是一个指标"),
    ("城市低保户数 <= ", "无法识别"),
    ("'a' < 'b'", "不支持的写法"),
])
def test_anything_but_the_language_is_refused_in_words(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_formula(text, NAMES, each_allowed=False)


def test_the_shipped_rules_are_all_valid(tmp_path) -> None:
    from civdash import appdb
    from civdash.domain import catalog

    con = appdb.blank_database()
    inds = catalog.indicator_map(con)
    names = catalog.alias_table(con) | {c: c for c in inds}
    shipped = rules.default_rules()
    assert {r.tier for r in shipped} == {"hard", "soft"}
    for rule in shipped:
        rules.validate(rule, inds, names)
    con.close()
