"""Changes on the 指标与乡镇 page (civdash/registry.py): each validation message, nothing changed when refused,
the change recorded, targets stored in the base unit."""

from __future__ import annotations

import pytest

from civdash import registry, townships
from civdash.registry import RegistryError


def tid(con, name: str) -> int:
    return townships.match_township(con, name)


def test_a_township_alias_is_matched_afterwards_and_recorded(district) -> None:
    east = tid(district, "城东街道")
    registry.add_township_name(district, east, "城东街办", user="王芳")
    registry.add_township_name(district, east, "东城镇", kind="former", user="王芳")
    assert tid(district, "城东街办") == east and tid(district, " 东城镇 ") == east
    assert registry.changes(district)[["user_name", "object", "object_key", "action"]].values.tolist() == [
        ["王芳", "township", "城东街道", "添加曾用名"], ["王芳", "township", "城东街道", "添加别名"]]


@pytest.mark.parametrize(("name", "message"), [
    ("城南街道", "“城南街道”已是城南街道的名称，不能再用作城东街道的名称"),
    ("城南", "“城南”已是城南街道的名称，不能再用作城东街道的名称"),
    (" 城东 ", "“城东”已经是城东街道的名称"),
    ("  ", "名称不能为空"),
])
def test_a_township_name_that_does_not_fit_is_refused_and_nothing_changes(district, name, message) -> None:
    before = district.execute("SELECT count(*) FROM township_alias").fetchone()
    with pytest.raises(RegistryError, match=f"^{message}$"):
        registry.add_township_name(district, tid(district, "城东街道"), name)
    assert district.execute("SELECT count(*) FROM township_alias").fetchone() == before
    assert registry.changes(district).empty


def test_display_order_must_hold_every_township_once(district) -> None:
    ids = [t.id for t in townships.townships(district)]
    with pytest.raises(RegistryError, match="排序须包含每个乡镇（街道）各一次"):
        registry.set_township_order(district, ids[:-1])
    registry.set_township_order(district, list(reversed(ids)))
    assert [t.id for t in townships.townships(district)] == list(reversed(ids))


def test_an_indicator_alias_maps_headers_afterwards(district) -> None:
    from civdash.ingest import mapping

    registry.add_indicator_name(district, "dibao_urban_persons", "城镇低保在册人数")
    assert mapping.match_indicator(["城镇低保在册人数（人）"], mapping.aliases(district)) == "dibao_urban_persons"
    with pytest.raises(RegistryError, match="^“城市低保人数”已是指标“城市低保人数”的名称"):
        registry.add_indicator_name(district, "dibao_rural_persons", "城市低保人数")


def test_a_target_in_wan_yuan_is_stored_in_yuan(district) -> None:
    whole = district.execute("SELECT id FROM township WHERE level = 'district'").fetchone()[0]
    stored = registry.set_target(district, "dibao_urban_funds", whole, 2026, 532.5, user="王芳")
    assert stored == pytest.approx(5_325_000)
    assert registry.targets(district)[["indicator", "township", "year", "value"]].values.tolist() == [
        ["城市低保资金支出", "黔江区", 2026, pytest.approx(5_325_000)]]
    registry.set_target(district, "dibao_urban_funds", whole, 2026, 600)  # replaces
    assert registry.targets(district)["value"].tolist() == [pytest.approx(6_000_000)]
    registry.delete_target(district, "dibao_urban_funds", whole, 2026)
    assert registry.targets(district).empty
    assert list(registry.changes(district)["action"]) == ["删除年度目标", "设置年度目标", "设置年度目标"]


@pytest.mark.parametrize(("code", "year", "value", "message"), [
    ("dibao_urban_funds", 2026, 0, "目标值须大于0"),
    ("dibao_urban_funds", 1999, 10, "年份1999不在2000～2100之间"),
    ("no_such", 2026, 10, "没有代码为no_such的指标"),
])
def test_a_target_that_does_not_fit_is_refused(district, code, year, value, message) -> None:
    with pytest.raises(RegistryError, match=f"^{message}$"):
        registry.set_target(district, code, tid(district, "城东街道"), year, value)
    assert registry.targets(district).empty
