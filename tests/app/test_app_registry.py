"""指标与乡镇 (pages/registry.py) on a writable bureau database: what a person adds or changes through the forms is in
the tables and in SQL, and recorded; what does not fit is refused with its Chinese reason and changes nothing; the
upload template downloaded from the page, filled in, imports cleanly."""

from __future__ import annotations

import duckdb
import pytest

from civdash.ingest.context import Options
from civdash.ingest.upload import prepare
from tests.app.conftest import shown
from tests.template_fixtures import fill_template
from tests.upload_fixtures import read

PAGE = "pages/registry.py"


def table(at, column: str, value: str, has: str | None = None) -> dict:
    """The row of the page's tables (the one with a column ``has``, if given) that has ``value`` in ``column``."""
    for frame in [*at.dataframe, *at.table]:
        df = frame.value
        if column in df.columns and (has is None or has in df.columns) and value in set(df[column]):
            return df[df[column] == value].iloc[0].to_dict()
    raise AssertionError(f"no table row with {column} = {value}")


@pytest.mark.timeout(180)
def test_an_indicator_added_through_the_form_is_in_the_table_in_sql_and_recorded(real_app, real_env, clean) -> None:
    at = real_app(PAGE)
    clean(at)
    at.text_input(key="ind_add_name").input("养老机构护理型床位数")
    at.selectbox(key="ind_add_category").set_value("养老服务")
    at.selectbox(key="ind_add_unit").set_value("张")
    at.text_area(key="ind_add_aliases").input("护理型床位\n护理床位数")
    assert not [t for t in at.text_input if t.key.startswith("ind_add") and "代码" in t.label]  # made up, not asked
    at = at.button(key="ind_add_submit").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已新增指标“养老机构护理型床位数”"]
    [(code,)] = read(real_env, "SELECT code FROM indicator WHERE name = '养老机构护理型床位数'")
    assert code == "custom_1"
    row = table(at, "指标", "养老机构护理型床位数")
    assert (row["代码"], row["类别"], row["单位"], row["类型"], row["别名"]) == (
        code, "养老服务", "张", "期末数", "护理型床位、护理床位数")  # the code, for the administrator, last
    assert read(real_env, "SELECT name, category, unit, kind FROM indicator WHERE code = ?", code) == [
        ("养老机构护理型床位数", "养老服务", "张", "stock")]
    assert set(read(real_env, "SELECT alias FROM indicator_alias WHERE indicator_code = ?", code)) == {
        ("护理型床位",), ("护理床位数",), ("养老机构护理型床位数",)}
    assert read(real_env, "SELECT user_name, object_kind, object_key, action FROM registry_change") == [
        ("李静", "indicator", code, "add")]
    assert at.text_input(key="ind_add_name").value == ""  # the form is ready for the next one
    assert table(at, "名称", "养老机构护理型床位数", has="操作")["操作"] == "新增"  # 修改记录


@pytest.mark.timeout(180)
def test_an_indicator_that_does_not_fit_shows_why_and_changes_nothing(real_app, real_env, clean) -> None:
    before = read(real_env, "SELECT * FROM indicator ORDER BY code")
    at = real_app(PAGE)
    at.text_input(key="ind_add_name").input("城市低保金")
    at.selectbox(key="ind_add_category").set_value("社会救助")
    at.selectbox(key="ind_add_unit").set_value("元")
    at.selectbox(key="ind_add_kind").set_value("flow")
    at = at.button(key="ind_add_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["未保存：指标名称“城市低保金”已是指标“城市低保资金支出”的名称或别名"]
    assert at.text_input(key="ind_add_name").value == "城市低保金"  # kept, to be corrected
    assert read(real_env, "SELECT * FROM indicator ORDER BY code") == before
    assert read(real_env, "SELECT count(*) FROM registry_change") == [(0,)]


@pytest.mark.timeout(180)
def test_an_alias_added_to_a_township_is_matched_and_a_taken_one_refused(real_app, real_env, clean) -> None:
    east = read(real_env, "SELECT id FROM township WHERE name = '城东街道'")[0][0]
    at = real_app(PAGE)
    at.selectbox(key="town_edit_id").set_value(east)
    at = at.run()
    at.text_area(key=f"town_edit::{east}::aliases").input("城东街办")
    at = at.button(key="town_edit_submit").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已保存对城东街道的修改"]
    assert table(at, "名称", "城东街道")["别名"] == "城东街办"
    assert read(real_env, "SELECT township_id, kind FROM township_alias WHERE alias = '城东街办'") == [(east, "alias")]
    assert read(real_env, "SELECT object_kind, object_key, action FROM registry_change") == [
        ("township", str(east), "edit")]
    at.text_area(key=f"town_edit::{east}::aliases").input("城东街办\n城南")
    at = at.button(key="town_edit_submit").click().run()
    assert [e.value for e in at.error] == ["未保存：别名“城南”已是城南街道的名称、别名或简称，上传时将无法区分"]
    assert read(real_env, "SELECT count(*) FROM township_alias WHERE alias = '城南' AND township_id = ?", east) == [(0,)]
    assert read(real_env, "SELECT count(*) FROM registry_change") == [(1,)]


@pytest.mark.timeout(180)
def test_a_target_entered_in_wan_yuan_is_stored_in_yuan(real_app, real_env, clean) -> None:
    whole = read(real_env, "SELECT id FROM township WHERE level = 'district'")[0][0]
    at = real_app(PAGE)
    at.selectbox(key="goal_indicator").set_value("dibao_urban_funds")
    at = at.run()
    assert at.number_input(key="goal_value").label == "目标值（万元）"
    at.selectbox(key="goal_place").set_value(whole)
    at.number_input(key="goal_year").set_value(2026)
    at.number_input(key="goal_value").set_value(532.5)
    at = at.button(key="goal_submit").click().run()
    clean(at)
    assert [shown(s.value) for s in at.success] == ["已设置2026年黔江区（全区）“城市低保资金支出”目标532.5万元"]
    assert read(real_env, "SELECT value FROM target WHERE indicator_code = 'dibao_urban_funds' AND year = 2026 "
                          "AND township_id = ?", whole) == [(5_325_000.0,)]
    row = table(at, "指标", "城市低保资金支出", has="年度目标")
    assert (row["年份"], row["区县或乡镇"], row["年度目标"]) == ("2026年", "黔江区", "532.50万元")


@pytest.mark.timeout(180)
def test_the_template_downloaded_from_the_page_imports_cleanly(real_app, real_env, clean,
                                                               downloads: dict[str, bytes]) -> None:
    at = real_app(PAGE)
    clean(at)
    button = next(b for b in at.get("download_button") if b.proto.label.startswith("下载上传模板"))
    assert button.proto.label == "下载上传模板（2025年7月）"
    # July as June was (the month before where a township missed it), typed in the units the form shows
    latest = read(real_env, "SELECT township, indicator_name, unit, kind, arg_max(value, period) FROM v_fact "
                            "WHERE township_code <> '500114' GROUP BY ALL")
    typed = {(town, name): round(v / 10_000, 2) if unit == "元" else v for town, name, unit, _, v in latest}
    filled = fill_template(downloads[button.proto.url], typed)
    con = duckdb.connect(str(real_env))
    try:
        plan = prepare(con, [("上传模板-2025年7月.xlsx", filled)], Options())
    finally:
        con.close()
    assert plan.errors == [] and plan.warnings == [], [f.message for f in plan.findings if f.level != "note"]
    [sheet] = [s for s in plan.sheets if s.layout]
    indicators, towns = read(real_env, "SELECT count(*) FROM indicator")[0][0], read(
        real_env, "SELECT count(*) FROM township WHERE level = 'township'")[0][0]
    assert len({c.indicator for c in sheet.columns}) == indicators and len(sheet.townships) == towns
    assert plan.fact_count == len(typed)
    factor = {(town, name): 10_000 if unit == "元" else 1 for town, name, unit, _, _ in latest}
    stored = {(plan.context.township_name(f.township), plan.context.indicators[f.indicator].name): f.value
              for f in plan.facts}
    assert stored == pytest.approx({k: v * factor[k] for k, v in typed.items()})


@pytest.mark.timeout(180)
def test_on_the_demo_the_page_says_changes_stay_in_the_demo(app, clean) -> None:
    at = app(PAGE)
    clean(at)
    assert any("这里的修改只作用于示例数据" in i.value for i in at.info)
    assert [t.label for t in at.tabs] == ["指标", "乡镇（街道）", "年度目标", "审核规则", "会议模式", "修改记录"]


@pytest.mark.timeout(180)
def test_a_township_registered_twice_is_merged_after_a_confirmation(real_app, real_env, clean) -> None:
    at = real_app(PAGE)
    at.text_input(key="town_add_name").input("东城街道")
    at = at.button(key="town_add_submit").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已新增东城街道"]
    east, twin = (read(real_env, "SELECT id FROM township WHERE name = ?", n)[0][0] for n in ("城东街道", "东城街道"))
    at.selectbox(key="merge_keep").set_value(east)
    at.selectbox(key="merge_from").set_value(twin)
    at = at.run()
    assert any(m.value.startswith("将把**东城街道**并入**城东街道**：转移0条数据") for m in at.markdown)
    assert at.button(key="merge_button").disabled  # not before the confirmation
    at.checkbox(key=f"merge_sure::{east}::{twin}").check()
    at = at.run()
    at = at.button(key="merge_button").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已把东城街道并入城东街道：转移0条数据、0个年度目标"]
    assert read(real_env, "SELECT count(*) FROM township WHERE name = '东城街道'") == [(0,)]
    assert read(real_env, "SELECT township_id, kind FROM township_alias WHERE alias = '东城街道'") == [(east, "former")]
    assert read(real_env, "SELECT object_key, action FROM registry_change ORDER BY id") == [
        (str(twin), "add"), (str(twin), "merge"), (str(east), "merge")]
    assert table(at, "名称", "城东街道", has="曾用名")["曾用名"] == "东城、东城街道"


@pytest.mark.timeout(180)
def test_an_admin_adds_an_audit_rule_and_makes_a_shipped_one_soft_both_recorded(real_app, real_env, clean) -> None:
    at = real_app(PAGE)
    clean(at)
    listed = table(at, "代码", "households_le_persons_urban")
    assert (listed["名称"], listed["类别"], listed["启用"], listed["公式"]) == (
        "城市低保户数不超过人数", "强制性", "是", "城市低保户数 <= 城市低保人数")

    # a formula that names no indicator is refused with its reason, and nothing is stored
    at.text_input(key="rule::new::code").input("tekun_cap")
    at.text_input(key="rule::new::name").input("特困人员不超过低保人数")
    at.text_area(key="rule::new::expression").input("特困人员人数 <= 低保人数合计")
    at = at.button(key="rule::new::submit").click().run()
    assert [e.value for e in at.error] == ["未保存：“低保人数合计”不是已登记的指标名称、别名或代码"]
    assert read(real_env, "SELECT count(*) FROM audit_rule") == [(0,)]

    at.text_area(key="rule::new::expression").input("特困人员人数 <= 城市低保人数 + 农村低保人数")
    at = at.button(key="rule::new::submit").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已保存审核规则“特困人员不超过低保人数”，下次上传起生效"]
    assert table(at, "代码", "tekun_cap")["类别"] == "核实性"

    at = at.selectbox(key="rule_pick").set_value("households_le_persons_urban").run()
    at.radio(key="rule::households_le_persons_urban::tier").set_value("soft")
    at = at.button(key="rule::households_le_persons_urban::submit").click().run()
    clean(at)
    assert table(at, "代码", "households_le_persons_urban")["类别"] == "核实性"
    assert read(real_env, "SELECT code, tier, changed_by FROM audit_rule ORDER BY seq") == [
        ("tekun_cap", "soft", "李静"), ("households_le_persons_urban", "soft", "李静")]
    recorded = table(at, "名称", "城市低保户数不超过人数", has="操作")
    assert (recorded["对象"], recorded["操作"], recorded["修改内容"]) == ("审核规则", "修改", "类别：强制性 → 核实性")
    assert table(at, "名称", "特困人员不超过低保人数", has="操作")["操作"] == "新增"
