"""Changes on the 指标与乡镇 page (civdash/admin/registry.py): every validation message with nothing changed, what an
accepted change does to the catalog, the registry and the upload engine's matching, merging two spellings of a
township with and without clashes, targets entered in 万元 and stored in 元, and the record of every change."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from civdash.admin import registry
from civdash.admin.registry import IndicatorInput, RegistryError, TownshipInput
from civdash.domain import catalog, townships
from civdash.ingest import mapping
from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from civdash.store import db

BEDS = IndicatorInput(name="养老机构护理型床位数", category="养老服务", unit="张", kind="stock",
                      aliases=["护理型床位", "护理型床位数（张）"])


def tid(con, name: str) -> int | None:
    return townships.match_township(con, name)


def records(con) -> list[tuple]:
    return con.execute("SELECT user_name, object_kind, object_key, action, before_json, after_json "
                       "FROM registry_change ORDER BY id").fetchall()


def upload(con, *rows: tuple) -> None:
    """Store (期间, 乡镇, 指标, 数值, 单位) rows through the upload engine, as a long-table CSV."""
    text = "期间,乡镇,指标,数值,单位\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    plan = prepare(con, [("明细.csv", text.encode())], Options())
    assert plan.errors == [], [f.message for f in plan.errors]
    commit(con, plan)


def current(con, township: str) -> dict[tuple[str, str], float]:
    return {(code, str(p)[:7]): v for code, p, v in con.execute(
        "SELECT indicator_code, period, value FROM v_fact WHERE township = ?", [township]).fetchall()}


# --- indicators ------------------------------------------------------------------------------------------------


def test_an_added_indicator_follows_its_category_maps_headers_and_is_recorded(district) -> None:
    version = db.data_version(district)
    code = registry.add_indicator(district, BEDS, code="nursing_beds", user="王芳")
    codes = [i.code for i in catalog.indicators(district)]
    assert codes[codes.index("elderly_beds") + 1] == "nursing_beds"  # after the last 养老服务 indicator
    assert codes[codes.index("nursing_beds") + 1] == "app_registered_users"
    assert catalog.indicator_map(district)[code] == catalog.Indicator(
        "nursing_beds", "养老机构护理型床位数", "养老服务", "张", "stock", 0, None, None)
    table = catalog.alias_table(district)
    for header in (["养老服务", "护理型床位（张）"], ["养老机构护理型床位数"], ["护理型床位数"]):
        assert mapping.match_indicator(header, table) == "nursing_beds"
    assert db.data_version(district) == version + 1
    [(user, kind, key, action, before, after)] = records(district)
    assert (user, kind, key, action, before) == ("王芳", "indicator", "nursing_beds", "add", None)
    assert json.loads(after) == {"code": "nursing_beds", "name": "养老机构护理型床位数", "category": "养老服务",
                                 "unit": "张", "kind": "stock", "decimals": 0, "weight": None, "note": None,
                                 "good": None, "aliases": ["护理型床位", "护理型床位数"]}


def test_an_indicator_without_a_code_gets_one_and_a_new_category_goes_last(district) -> None:
    code = registry.add_indicator(district, IndicatorInput("殡葬服务量", "殡葬", "件", "flow"))
    assert code == "custom_1"
    assert catalog.indicators(district)[-1].code == "custom_1"
    assert registry.add_indicator(district, IndicatorInput("公墓数", "殡葬", "个", "stock")) == "custom_2"


@pytest.mark.parametrize(("change", "code", "message"), [
    ({"name": " "}, None, "指标名称不能为空"),
    ({"name": "（万元）"}, None, "指标名称“（万元）”去掉括号、单位和“当月”“累计”等字样后为空"),
    ({"name": "城市低保金"}, None, "指标名称“城市低保金”已是指标“城市低保资金支出”的名称或别名"),
    ({"name": "当月城市低保资金支出（万元）"}, None,
     "指标名称“当月城市低保资金支出（万元）”已是指标“城市低保资金支出”的名称或别名"),
    ({"category": "  "}, None, "类别不能为空"),
    ({"kind": "total"}, None, "类型须为期末数（stock）、发生数（flow）或比率/标准（level）"),
    ({"unit": "万元"}, None,
     "单位“万元”不可用：期末数指标的单位须为元、人、户、人次、个、张、对、件之一（金额用元保存，看板按万元显示）"),
    ({"unit": "%", "kind": "flow"}, None,
     "单位“%”不可用：发生数指标的单位须为元、人、户、人次、个、张、对、件之一（金额用元保存，看板按万元显示）"),
    ({"unit": "元/人·年", "kind": "level"}, None,
     "单位“元/人·年”不可用：比率/标准指标的单位须为元、人、户、人次、个、张、对、件、元/人·月、%之一"
     "（金额用元保存，看板按万元显示）"),
    ({"decimals": 5}, None, "小数位数须在0～4之间"),
    ({"weight": "elderly_beds"}, None, "只有比率/标准类指标可以指定加权指标"),
    ({"kind": "level", "unit": "%", "weight": "tekun_funds"}, None, "加权指标须为另一个期末数指标（如低保人数）"),
    ({"aliases": ["护理床位", "临时救助金"]}, None, "别名“临时救助金”已是指标“临时救助资金”的名称或别名"),
    ({"aliases": ["（张）"]}, None, "别名“（张）”去掉括号、单位和“当月”“累计”等字样后为空"),
    ({}, "床位", "代码“床位”须以小写字母开头，只含小写字母、数字和下划线，2～40个字符"),
    ({}, "elderly_beds", "代码“elderly_beds”已被指标“养老机构床位数”使用"),
])
def test_an_indicator_that_does_not_fit_is_refused_and_nothing_changes(district, change, code, message) -> None:
    before = (catalog.indicators(district), catalog.alias_table(district), db.data_version(district))
    with pytest.raises(RegistryError) as refused:
        registry.add_indicator(district, replace(BEDS, **change), code=code)
    assert str(refused.value) == message
    assert (catalog.indicators(district), catalog.alias_table(district), db.data_version(district)) == before
    assert records(district) == []


def test_whether_a_rise_is_good_is_the_catalogs_and_its_changes_are_recorded(district) -> None:
    """More beds are good (shipped so); 低保 is neither; an admin may mark an indicator, and the record says so."""
    shipped = catalog.indicator_map(district)
    assert (shipped["elderly_beds"].good, shipped["petitions_received"].good, shipped["dibao_urban_persons"].good) == (
        "up", "down", None)
    persons = IndicatorInput("城市低保人数", "社会救助", "人", "stock",
                             aliases=["城市最低生活保障人数", "城市低保对象人数", "城镇低保人数"], note="月末在册")
    registry.edit_indicator(district, "dibao_urban_persons", replace(persons, good="down"), user="李静")
    assert catalog.indicator_map(district)["dibao_urban_persons"].good == "down"
    assert registry.changes(district)["summary"].tolist() == ["增减含义：中性 → 下降为好"]
    with pytest.raises(RegistryError, match="^增减含义须为“上升为好”“下降为好”或“中性”$"):
        registry.edit_indicator(district, "dibao_urban_persons", replace(persons, good="better"))


def test_a_standard_may_use_a_rate_unit_and_be_weighted_by_a_head_count(district) -> None:
    code = registry.add_indicator(district, IndicatorInput("特困人员供养标准", "社会救助", "元/人·月", "level",
                                                           decimals=2, weight="tekun_persons", note="不可相加"))
    assert catalog.indicator_map(district)[code].weight == "tekun_persons"


def test_renaming_an_indicator_keeps_the_old_name_as_an_alias_and_records_before_and_after(district) -> None:
    registry.edit_indicator(district, "elderly_beds", IndicatorInput(
        "养老机构床位总数", "养老服务", "张", "stock", aliases=["养老床位"], note="含护理型床位", good="up"), user="李静")
    table = catalog.alias_table(district)
    assert {mapping.match_indicator([h], table) for h in ("养老机构床位总数", "养老机构床位数", "养老床位")} == {
        "elderly_beds"}
    assert mapping.match_indicator(["养老机构床位"], table) is None  # an alias left out of the list is gone
    assert catalog.indicator_map(district)["elderly_beds"].name == "养老机构床位总数"
    [(user, kind, key, action, before, after)] = records(district)
    assert (user, kind, key, action) == ("李静", "indicator", "elderly_beds", "edit")
    assert json.loads(before)["name"] == "养老机构床位数"
    assert json.loads(before)["aliases"] == ["养老床位", "养老机构床位"]
    assert json.loads(after)["aliases"] == ["养老床位", "养老机构床位数"]
    log = registry.changes(district)
    assert log[["title", "summary"]].values.tolist() == [[
        "养老机构床位总数", "名称：养老机构床位数 → 养老机构床位总数；别名：增加养老机构床位数、删去养老机构床位；"
                          "口径说明：（无） → 含护理型床位"]]


def test_unit_and_kind_stay_once_values_are_stored(small) -> None:
    stored = small.con.execute("SELECT count(*) FROM fact WHERE indicator_code = 'persons'").fetchone()[0]
    persons = IndicatorInput("低保人数", "社会救助", "人", "stock", aliases=["低保对象人数", "保障人数"])
    for change, what in (({"unit": "户"}, "单位"), ({"kind": "flow"}, "类型")):
        with pytest.raises(RegistryError) as refused:
            registry.edit_indicator(small.con, "persons", replace(persons, **change))
        assert str(refused.value) == (f"“低保人数”已有{stored}条数据，不能修改{what}（已保存的数值按人、期末数换算和汇总）；"
                                      f"如需不同的{what}，请新建指标")
    registry.edit_indicator(small.con, "persons", replace(persons, category="社会救助（低保）"))
    assert catalog.indicator_map(small.con)["persons"].category == "社会救助（低保）"


def test_an_indicator_without_values_may_change_its_unit(district) -> None:
    registry.edit_indicator(district, "elderly_beds", IndicatorInput(
        "养老机构床位数", "养老服务", "个", "stock", aliases=["养老床位", "养老机构床位"]))
    assert catalog.indicator_map(district)["elderly_beds"].unit == "个"


def test_an_edit_of_nothing_or_of_no_indicator_is_refused(district) -> None:
    same = IndicatorInput("养老机构床位数", "养老服务", "张", "stock", aliases=["养老床位", "养老机构床位"], good="up")
    with pytest.raises(RegistryError, match="^没有需要保存的修改$"):
        registry.edit_indicator(district, "elderly_beds", same)
    with pytest.raises(RegistryError, match="^没有代码为no_such的指标$"):
        registry.edit_indicator(district, "no_such", same)
    assert records(district) == []


# --- townships -------------------------------------------------------------------------------------------------

NEW_TOWN = TownshipInput("新城街道", code="500114007", aliases=["新城街办"], former_names=["新城镇"], position=7)


def test_an_added_township_is_matched_by_all_its_names_placed_and_recorded(district) -> None:
    new = registry.add_township(district, NEW_TOWN, user="王芳")
    for written in ("新城街道", " 新城 ", "新城街办", "新城镇", "ＸＸ" * 0 + "新城街道办事处"):
        assert tid(district, written) == new, written
    towns = townships.townships(district)
    assert [t.name for t in towns[5:8]] == ["冯家街道", "新城街道", "阿蓬江镇"]
    assert [t.sort_order for t in towns] == list(range(1, 32))
    assert (towns[6].code, towns[6].type) == ("500114007", "街道")
    assert registry.township_names(district)[new] == {"alias": ["新城街办"], "former": ["新城镇"], "short": ["新城"]}
    [(user, kind, key, action, before, after)] = records(district)
    assert (user, kind, key, action, before) == ("王芳", "township", str(new), "add", None)
    assert json.loads(after) == {"id": new, "name": "新城街道", "code": "500114007", "type": "街道", "sort_order": 7,
                                 "aliases": ["新城街办"], "former_names": ["新城镇"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"name": " "}, "乡镇（街道）名称不能为空"),
    ({"name": "城东"}, "名称“城东”已是城东街道的名称、别名或简称，上传时将无法区分"),
    ({"name": "城东 街道"}, "名称“城东 街道”已是城东街道的名称、别名或简称，上传时将无法区分"),
    ({"name": "中塘乡"}, "名称“中塘乡”已是中塘镇的名称、别名或简称，上传时将无法区分"),
    ({"name": "城南镇"}, "名称“城南镇”已是城南街道的名称、别名或简称，上传时将无法区分"),
    ({"name": "合计"}, "名称“合计”是合计行的写法，不能用作乡镇（街道）的名称"),
    ({"name": "黔江区"}, "名称“黔江区”是合计行的写法，不能用作乡镇（街道）的名称"),
    ({"code": "50011400"}, "区划代码“50011400”须为9位数字（如500114121），也可不填"),
    ({"code": "500114001"}, "区划代码“500114001”已是城东街道的代码"),
    ({"code": "500115001"}, "区划代码“500115001”不属于黔江区（其代码以500114开头）"),
    ({"aliases": ["城南"]}, "别名“城南”已是城南街道的名称、别名或简称，上传时将无法区分"),
    ({"former_names": ["白石乡"]}, "曾用名“白石乡”已是白石镇的名称、别名或简称，上传时将无法区分"),
    ({"aliases": ["全区"]}, "别名“全区”是合计行的写法，不能用作乡镇（街道）的名称"),
    ({"aliases": ["新城片区"], "former_names": ["新城 片区"]}, "“新城片区”不能既是别名又是曾用名"),
    ({"type": "村"}, "类型须为街道、镇、乡之一"),
    ({"position": 0}, "显示顺序须为正整数"),
])
def test_a_township_that_does_not_fit_is_refused_and_nothing_changes(district, change, message) -> None:
    before = (townships.townships(district), registry.township_names(district), db.data_version(district))
    with pytest.raises(RegistryError) as refused:
        registry.add_township(district, replace(NEW_TOWN, **change))
    assert str(refused.value) == message
    assert (townships.townships(district), registry.township_names(district), db.data_version(district)) == before
    assert records(district) == []


def test_renaming_a_township_keeps_its_old_name_as_a_former_name(district) -> None:
    zt = tid(district, "中塘镇")
    registry.edit_township(district, zt, TownshipInput("中塘街道", code="500114121", former_names=["中塘乡"],
                                                      position=20), user="李静")
    assert {tid(district, n) for n in ("中塘街道", "中塘镇", "中塘乡", "中塘")} == {zt}
    assert registry.township_names(district)[zt] == {"alias": [], "former": ["中塘乡", "中塘镇"], "short": ["中塘"]}
    place = next(t for t in townships.townships(district) if t.id == zt)
    assert (place.name, place.type, place.sort_order) == ("中塘街道", "街道", 20)  # the type follows the new name
    log = registry.changes(district)
    assert log[["user_name", "object_kind", "action", "title", "summary"]].values.tolist() == [
        ["李静", "township", "edit", "中塘街道", "名称：中塘镇 → 中塘街道；类型：镇 → 街道；曾用名：增加中塘镇"]]


def test_an_alias_is_added_then_removed_and_the_display_order_changes(district) -> None:
    east = tid(district, "城东街道")
    registry.edit_township(district, east, TownshipInput("城东街道", code="500114001", aliases=["城东街办"]))
    assert tid(district, "城东街办") == east
    registry.edit_township(district, east, TownshipInput("城东街道", code="500114001", position=3))
    assert tid(district, "城东街办") is None
    assert [t.name for t in townships.townships(district)][:4] == ["城南街道", "城西街道", "城东街道", "正阳街道"]
    summaries = registry.changes(district)["summary"].tolist()
    assert summaries == ["别名：删去城东街办；显示顺序：1 → 3", "别名：增加城东街办"]


def test_the_district_row_and_unknown_townships_are_not_edited_here(district) -> None:
    whole = townships.district(district).id
    with pytest.raises(RegistryError, match="^区县本身不在这里修改$"):
        registry.edit_township(district, whole, TownshipInput("黔江新区"))
    with pytest.raises(RegistryError, match="^没有编号为9999的乡镇（街道）$"):
        registry.edit_township(district, 9999, TownshipInput("黔江新区"))


# --- merging two spellings -------------------------------------------------------------------------------------


@pytest.fixture
def spelled_twice(district):
    """城东街道 with June's figure; 东城街道, registered by mistake, with July's (uploaded twice: one in history) and a
    2026 target."""
    east = tid(district, "城东街道")
    registry.edit_township(district, east, TownshipInput("城东街道", code=None))  # its code moves on merge
    twin = registry.add_township(district, TownshipInput("东城街道", code="500114001", aliases=["东城街办"]))
    upload(district, ("2025年6月", "城东街道", "城市低保人数", 292, "人"))
    upload(district, ("2025年7月", "东城街道", "城市低保人数", 290, "人"))
    upload(district, ("2025年7月", "东城街道", "城市低保人数", 291, "人"))
    registry.set_target(district, "aging_retrofit_households", twin, 2026, 40)
    return district, east, twin


def test_merging_moves_names_values_and_targets_and_removes_the_second_spelling(spelled_twice) -> None:
    con, east, twin = spelled_twice
    before = len(records(con))
    assert registry.merge_preview(con, east, twin) == ({"current_facts": 1, "facts": 2, "targets": 1}, [])
    result = registry.merge_townships(con, east, twin, user="王芳")
    assert result == registry.MergeResult("城东街道", "东城街道", facts=2, current=1, targets=1)
    assert twin not in {t.id for t in townships.townships(con)}
    assert [t.sort_order for t in townships.townships(con)] == list(range(1, 31))
    assert {tid(con, n) for n in ("东城街道", "东城", "东城街办", "城东")} == {east}
    names = registry.township_names(con)[east]
    assert (names["alias"], names["former"]) == (["东城街办"], ["东城", "东城街道"])
    assert next(t for t in townships.townships(con) if t.id == east).code == "500114001"
    assert current(con, "城东街道") == {("dibao_urban_persons", "2025-06"): 292, ("dibao_urban_persons", "2025-07"): 291}
    assert con.execute("SELECT count(*) FROM fact WHERE township_id = ?", [east]).fetchone()[0] == 3
    assert con.execute("SELECT township_id, year, value FROM target WHERE indicator_code = 'aging_retrofit_households' "
                       "AND township_id IN (?, ?)", [east, twin]).fetchall() == [(east, 2026, 40.0)]
    merged = records(con)[before:]
    assert [(u, k, key, a) for u, k, key, a, _, _ in merged] == [
        ("王芳", "township", str(twin), "merge"), ("王芳", "township", str(east), "merge")]
    assert json.loads(merged[0][5])["merged_into"] == {"id": east, "name": "城东街道"}
    assert registry.changes(con)["summary"].tolist()[:2] == [
        "合并东城街道：其名称改为曾用名，别名、2条数据和1个年度目标转到本乡镇",
        "并入城东街道：2条数据（其中当前有效1条）、1个年度目标及全部别名转到城东街道，本条目删除"]


def test_a_merge_with_values_or_targets_on_both_sides_is_refused_with_the_clashes(spelled_twice) -> None:
    con, east, twin = spelled_twice
    upload(con, ("2025年6月", "东城街道", "城市低保人数", 280, "人"))
    registry.set_target(con, "aging_retrofit_households", east, 2026, 60)
    before = (townships.townships(con), con.execute("SELECT * FROM fact ORDER BY ALL").fetchall(), len(records(con)))
    clashes = ["2025年6月 城市低保人数：城东街道 292人，东城街道 280人", "2026年 居家适老化改造户数：两边都设有年度目标"]
    assert registry.merge_preview(con, east, twin)[1] == clashes
    with pytest.raises(RegistryError) as refused:
        registry.merge_townships(con, east, twin)
    assert str(refused.value) == ("东城街道与城东街道在同一指标、同一期间都有数值或目标，不能合并：" + "；".join(clashes)
                                  + "。请先在“导入记录”中撤销或更正其中一方的数据、删除重复的年度目标，再合并。")
    assert (townships.townships(con), con.execute("SELECT * FROM fact ORDER BY ALL").fetchall(),
            len(records(con))) == before


def test_a_township_merges_with_no_other_than_a_different_township(district) -> None:
    east, whole = tid(district, "城东街道"), townships.district(district).id
    with pytest.raises(RegistryError, match="^请选择两个不同的乡镇（街道）$"):
        registry.merge_townships(district, east, east)
    with pytest.raises(RegistryError, match="^区县本身不能合并$"):
        registry.merge_townships(district, east, whole)


# --- yearly targets --------------------------------------------------------------------------------------------


def test_a_target_in_wan_yuan_is_stored_in_yuan_replaced_deleted_and_recorded(district) -> None:
    whole = townships.district(district).id
    assert registry.set_target(district, "dibao_urban_funds", whole, 2026, 532.5, user="王芳") == 5_325_000
    goals = registry.targets(district)
    assert goals[["indicator", "township", "year", "value"]].values.tolist() == [
        ["城市低保资金支出", "黔江区", 2026, 5_325_000]]
    registry.set_target(district, "dibao_urban_funds", whole, 2026, 600, note="年初预算")
    assert registry.targets(district)["value"].tolist() == [6_000_000]
    registry.delete_target(district, "dibao_urban_funds", whole, 2026)
    assert registry.targets(district).empty
    key = f"dibao_urban_funds/{whole}/2026"
    assert [(k, a) for _, _, k, a, _, _ in records(district)] == [(key, "add"), (key, "edit"), (key, "delete")]
    assert json.loads(records(district)[0][5]) == {
        "indicator_code": "dibao_urban_funds", "indicator": "城市低保资金支出", "township_id": whole, "township": "黔江区",
        "year": 2026, "value": 5_325_000, "unit": "元", "note": None}
    log = registry.changes(district)
    assert log[["title", "summary"]].values.tolist() == [
        ["2026年 黔江区 城市低保资金支出", "删除：目标：600.00万元；说明：年初预算"],
        ["2026年 黔江区 城市低保资金支出", "目标：532.50万元 → 600.00万元；说明：（无） → 年初预算"],
        ["2026年 黔江区 城市低保资金支出", "目标：532.50万元"]]


def test_a_township_target_in_households_is_stored_as_entered(district) -> None:
    east = tid(district, "城东街道")
    assert registry.set_target(district, "aging_retrofit_households", east, 2026, 60) == 60
    assert registry.targets(district)[["township", "value"]].values.tolist() == [["城东街道", 60]]


@pytest.mark.parametrize(("code", "place", "year", "value", "message"), [
    ("dibao_urban_funds", "城东街道", 2026, 0, "目标值须大于0"),
    ("dibao_urban_funds", "城东街道", 2026, -5, "目标值须大于0"),
    ("dibao_urban_funds", "城东街道", 1999, 10, "年份1999不在2000～2100之间"),
    ("no_such", "城东街道", 2026, 10, "没有代码为no_such的指标"),
    ("dibao_urban_standard", "城东街道", 2026, 700, "“城市低保平均保障标准”是比率或标准，不设年度目标"),
    ("aging_retrofit_households", "城东街道", 2026, 950.5, "“居家适老化改造户数”以户计，目标值须为整数"),
    ("aging_retrofit_households", None, 2026, 950, "没有编号为9999的乡镇（街道）"),
])
def test_a_target_that_does_not_fit_is_refused(district, code, place, year, value, message) -> None:
    with pytest.raises(RegistryError) as refused:
        registry.set_target(district, code, tid(district, place) if place else 9999, year, value)
    assert str(refused.value) == message
    assert registry.targets(district).empty and records(district) == []


def test_deleting_a_target_that_is_not_set_is_refused(district) -> None:
    with pytest.raises(RegistryError, match="^没有这个年度目标$"):
        registry.delete_target(district, "dibao_urban_funds", tid(district, "城东街道"), 2026)


def test_names_typed_in_one_box_are_split_on_lines_and_punctuation() -> None:
    assert registry.split_names("城东街办\n 城东办事处、东城；城东街办\n\n") == ["城东街办", "城东办事处", "东城"]


def test_a_unit_registered_before_outside_the_list_may_stay_when_other_fields_change(tmp_path) -> None:
    con = db.connect(tmp_path / "yearly.duckdb")
    path = tmp_path / "catalog.csv"
    path.write_text("code,name,aliases,category,unit,kind,decimals,weight,note\n"
                    "wubao_standard,五保供养标准,,社会救助,元/人·年,level,0,,\n", encoding="utf-8")
    catalog.seed(con, path)
    registry.edit_indicator(con, "wubao_standard", IndicatorInput("五保供养标准", "社会救助", "元/人·年", "level",
                                                                  note="按年公布"))
    assert catalog.indicator_map(con)["wubao_standard"].note == "按年公布"
    with pytest.raises(RegistryError, match="^单位“元/人·年”不可用"):
        registry.add_indicator(con, IndicatorInput("特困供养标准", "社会救助", "元/人·年", "level"))
    con.close()


def test_the_township_accounts_of_a_merged_township_hold_the_one_kept(spelled_twice) -> None:
    from civdash.access import auth

    con, east, twin = spelled_twice
    auth.add_user(con, "赵敏", "township", "correct horse 7", townships=[twin])
    auth.add_user(con, "钱多", "township", "correct horse 7", townships=[east, twin])
    registry.merge_townships(con, east, twin)
    assert auth.find(con, "赵敏").townships == (east,) and auth.find(con, "钱多").townships == (east,)
