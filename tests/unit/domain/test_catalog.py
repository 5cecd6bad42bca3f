"""catalog.py: the shipped indicator catalog and the derived per-person indicators."""

from __future__ import annotations

import pytest

from civdash.domain import catalog
from civdash.store import db


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    con = db.connect(tmp_path_factory.mktemp("catalog") / "catalog.duckdb")
    with db.transaction(con):
        n = catalog.seed(con)
    yield con, n
    con.close()


def test_seed_loads_the_shipped_catalog(seeded) -> None:
    con, n = seeded
    inds = catalog.indicators(con)
    assert n == len(inds) == 29
    assert inds[0].code == "dibao_urban_households"
    assert inds[-1].code == "divorce_registrations"
    m = catalog.indicator_map(con)
    assert m["dibao_urban_persons"] == catalog.Indicator(
        "dibao_urban_persons", "城市低保人数", "社会救助", "人", "stock", 0, None, "月末在册")
    assert (m["dibao_urban_funds"].kind, m["dibao_urban_funds"].unit, m["dibao_urban_funds"].decimals) == ("flow", "元", 2)
    assert m["dibao_urban_standard"].kind == "level"
    assert m["dibao_urban_standard"].weight == "dibao_urban_persons"
    assert m["dibao_rural_standard"].weight == "dibao_rural_persons"
    assert m["petitions_received"].note is None


def test_every_weight_is_a_stock_in_the_catalog(seeded) -> None:
    con, _ = seeded
    m = catalog.indicator_map(con)
    for ind in m.values():
        assert ind.kind in {"stock", "flow", "level"}
        if ind.weight:
            assert ind.kind == "level"
            assert m[ind.weight].kind == "stock"


def test_categories_in_catalog_order(seeded) -> None:
    con, _ = seeded
    assert catalog.categories(catalog.indicators(con)) == [
        "社会救助", "儿童福利", "残疾人福利", "养老服务", "智慧民政", "基层治理", "婚姻登记"]


def test_aliases_are_stored_normalised(seeded) -> None:
    con, _ = seeded
    aliases = dict(con.execute("SELECT alias, indicator_code FROM indicator_alias").fetchall())
    assert aliases["城市低保金"] == "dibao_urban_funds"
    assert aliases["城市低保人数"] == "dibao_urban_persons"  # the name itself
    assert aliases["APP注册用户数"] == "app_registered_users"
    assert aliases["临时救助"] == "temp_relief_cases"
    assert all(a == a.strip() and " " not in a for a in aliases)


def test_derived_indicators_refer_to_catalog_indicators(seeded) -> None:
    con, _ = seeded
    m = catalog.indicator_map(con)
    derived = catalog.derived_indicators()
    assert [d.code for d in derived] == ["dibao_urban_per_person", "dibao_rural_per_person", "tekun_per_person",
                                         "temp_relief_per_case", "elderly_subsidy_per_person",
                                         "disability_care_per_person"]
    for d in derived:
        assert m[d.numerator].kind == "flow"
        assert m[d.numerator].unit == "元"
        assert d.decimals == 2
        assert d.unit == ("元/人次" if m[d.denominator].kind == "flow" else "元/人·月")
