"""names.normalize_name and townships.py: registry, name matching, total rows."""

from __future__ import annotations

import pytest

from civdash.domain import townships
from civdash.domain.names import normalize_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("城东街道", "城东街道"),
        (" 城东街道 ", "城东街道"),
        ("城 东 街 道", "城东街道"),
        ("城东\u3000街道", "城东街道"),      # full-width (ideographic) space
        ("城东街道\t\n", "城东街道"),
        ("（城东街道）", "城东街道"),        # full-width brackets
        ("“中塘镇”", "中塘镇"),
        ("ＡＰＰ注册用户数", "APP注册用户数"),  # full-width letters fold to half-width
        ("１２３", "123"),
        ("城东·街道", "城东街道"),
        ("低保人数：", "低保人数"),
        ("", ""),
        (2025, "2025"),
    ],
)
def test_normalize_name(text: object, expected: str) -> None:
    assert normalize_name(text) == expected


@pytest.mark.parametrize(
    ("name", "short"),
    [("城东街道", "城东"), ("中塘镇", "中塘"), ("新华乡", "新华"), ("小南海镇", "小南海"),
     ("城东街道办事处", "城东"), ("石镇", "石镇"), ("乡", "乡")],
)
def test_short_name(name: str, short: str) -> None:
    assert townships.short_name(name) == short


def test_seed_from_csv_registers_district_and_30_townships(registry) -> None:
    towns = townships.townships(registry)
    assert len(towns) == 30
    assert [t.name for t in towns[:3]] == ["城东街道", "城南街道", "城西街道"]
    assert towns[-1].name == "新华乡"
    assert [t.sort_order for t in towns] == list(range(1, 31))
    zt = next(t for t in towns if t.name == "中塘镇")
    assert (zt.code, zt.type, zt.level) == ("500114121", "镇", "township")
    d = townships.district(registry)
    assert (d.name, d.code, d.level, d.sort_order) == ("黔江区", "500114", "district", 0)
    assert len(townships.townships(registry, include_district=True)) == 31
    assert townships.district_name(registry) == "黔江区"
    assert townships.district_word(registry) == "全区"


def test_district_word_follows_the_district_name(tmp_path) -> None:
    from civdash.store import db

    con = db.connect(tmp_path / "x.duckdb")
    assert townships.district_name(con) == "全区"  # no district row yet
    townships.register(con, "德化县", code="350526", type_="区县", level="district", sort_order=0)
    assert townships.district_word(con) == "全县"
    con.close()


def _name(con, tid: int | None) -> str | None:
    if tid is None:
        return None
    return con.execute("SELECT name FROM township WHERE id = ?", [tid]).fetchone()[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("城东街道", "城东街道"),         # exact
        ("城东", "城东街道"),             # short name
        ("中塘", "中塘镇"),
        ("中塘乡", "中塘镇"),             # former name (乡 → 镇)
        ("中塘镇", "中塘镇"),
        ("白石乡", "白石镇"),
        (" 城东街道 ", "城东街道"),       # stray spaces
        ("城 东", "城东街道"),
        ("城东\u3000街道", "城东街道"),   # full-width space
        ("城东街道办事处", "城东街道"),   # long form reduced to the short name
        ("小南海", "小南海镇"),
        ("新华乡", "新华乡"),
        ("新华", "新华乡"),
        ("黔江区", "黔江区"),             # the district row itself is registered by name
    ],
)
def test_match_township(registry, text: str, expected: str) -> None:
    assert _name(registry, townships.match_township(registry, text)) == expected


@pytest.mark.parametrize("text", ["城北街道", "南海镇", "", "   ", "合计", "火星乡"])
def test_match_township_unknown_is_none(registry, text: str) -> None:
    assert townships.match_township(registry, text) is None


def test_suggest_townships_gives_closest_names(registry) -> None:
    assert sorted(townships.suggest_townships(registry, "城北街道")) == ["城东街道", "城南街道", "城西街道"]
    assert townships.suggest_townships(registry, "中堂镇")[0] == "中塘镇"
    assert townships.suggest_townships(registry, "水田", n=1) == ["水田乡"]
    assert townships.suggest_townships(registry, "ＸＹＺ") == []


def test_register_with_explicit_and_default_sort_order(tmp_path) -> None:
    from civdash.store import db

    con = db.connect(tmp_path / "x.duckdb")
    a = townships.register(con, "甲镇")
    b = townships.register(con, "乙乡", former_names=["乙村乡"])
    assert [t.sort_order for t in townships.townships(con)] == [1, 2]
    aliases = dict(con.execute("SELECT alias, kind FROM township_alias WHERE township_id = ? ORDER BY alias", [b]).fetchall())
    assert aliases == {"乙乡": "alias", "乙村乡": "former", "乙村": "former"}
    # '甲镇' has no shorter form that leaves two characters, so no separate short alias
    assert con.execute("SELECT count(*) FROM township_alias WHERE township_id = ?", [a]).fetchone()[0] == 1
    con.close()


@pytest.mark.parametrize("text", ["合计", "总计", "全区", "全县", " 合 计 "])
def test_is_total_row_for_total_words(text: str) -> None:
    assert townships.is_total_row(text)


def test_is_total_row_for_the_district_name() -> None:
    assert townships.is_total_row("黔江区", district="黔江区")
    assert townships.is_total_row(" 黔江区 ", district="黔江区")
    assert not townships.is_total_row("黔江区")  # without knowing the district's name
    assert not townships.is_total_row("城东街道", district="黔江区")
    assert not townships.is_total_row("中塘镇")


@pytest.mark.parametrize("text", ["全区合计", "全县总计", "黔江区合计", "黔江区 总计"])
def test_is_total_row_for_a_total_word_after_the_district(text: str) -> None:
    assert townships.is_total_row(text, district="黔江区")
    assert not townships.is_total_row("城东街道合计", district="黔江区")


@pytest.mark.parametrize(("text", "subtotal"), [
    ("小计", True), ("街道小计", True), ("镇 合计", True), ("一、乡小计", True), ("乡镇合计", True),
    ("合计", False), ("黔江区合计", False), ("城东街道", False), ("小南海镇", False)])
def test_a_subtotal_row_is_neither_a_township_nor_the_total(text: str, subtotal: bool) -> None:
    assert townships.is_subtotal_row(text) is subtotal
    assert not (subtotal and townships.is_total_row(text))
