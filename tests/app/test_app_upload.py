"""数据上传 (pages/upload.py): files go through the real engine; nothing is stored before confirmation, what is
confirmed is what v_fact holds afterwards, and a broken file changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.app.conftest import shown
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.upload_fixtures import JULY, JUNE, broken_workbook, july_workbook, read, typo_workbook

PAGE = "pages/upload.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(at, files: list[tuple[str, bytes]]):
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in files])
    return at.run()


def confirm_button(at):
    return next(b for b in at.button if b.label == "确认保存")


@pytest.mark.timeout(180)
def test_map_a_column_confirm_and_see_the_figures_stored(real_app, real_env, clean) -> None:
    data, expected = july_workbook(real_env)
    before = read(real_env, "SELECT count(*) FROM fact")[0][0]
    at = upload(real_app(PAGE), [("2025年7月城市低保.xlsx", data)])
    clean(at)
    assert at.title[0].value == "数据上传"
    summary = [shown(e.label) for e in at.expander]
    assert "2025年7月城市低保.xlsx › 7月：乡镇报表 · 2025年7月 · 30个乡镇（街道） · 90条数据" in summary
    understood = at.dataframe[0].value
    assert list(understood["对应指标"]) == ["城市低保户数", "城市低保人数", "（未对应，不保存）", "城市低保资金支出"]
    assert list(understood["换算"])[3] == "万元 → 元（×10,000）"
    assert confirm_button(at).disabled  # a warning (the unmapped column) is not checked yet

    column = at.selectbox(key="map::城市低保 › 低保边缘户数")
    assert column.value == ""
    at = column.set_value("__ignore__").run()
    clean(at)
    assert not any("以下列没有对应的指标" in str(v) for df in at.dataframe for v in df.value.get("说明", []))
    stored = at.dataframe[1].value  # the table as it will be stored
    assert stored.loc["城东街道", "城市低保人数（人）"] == f"{expected['城东街道'][1]:,}"
    assert read(real_env, "SELECT count(*) FROM fact")[0][0] == before  # nothing stored before confirmation
    if at.checkbox:
        at = at.checkbox(key="upload_warnings_checked").check().run()
    assert not confirm_button(at).disabled
    at = confirm_button(at).click().run()
    clean(at)
    assert any("已保存" in s.value and "新增90" in s.value for s in at.success)
    got = {t: v for t, v in read(real_env, "SELECT township, value FROM v_fact WHERE period = ? AND indicator_code = "
                                           "'dibao_urban_persons'", JULY)}
    assert got == {t: float(v[1]) for t, v in expected.items()}
    funds = dict(read(real_env, "SELECT township, value FROM v_fact WHERE period = ? AND indicator_code = "
                                "'dibao_urban_funds'", JULY))
    assert funds == pytest.approx({t: v[2] for t, v in expected.items()})
    assert read(real_env, "SELECT user_name, source FROM batch ORDER BY id DESC LIMIT 1") == [("李静", "upload")]
    remembered = read(real_env, "SELECT header, indicator_code FROM header_mapping")
    assert remembered == [("城市低保 › 低保边缘户数", None)]


@pytest.mark.timeout(180)
def test_a_100_times_typo_is_saved_only_with_an_explanation_kept_with_the_batch(real_app, real_env, clean) -> None:
    data, cell, typed = typo_workbook(real_env)
    before = read(real_env, "SELECT count(*), sum(value) FROM fact")
    at = upload(real_app(PAGE), [("2025年7月城市低保.xlsx", data)])
    clean(at)
    assert not at.error
    assert any("个需要核实的问题（核实性审核）" in w.value for w in at.warning)
    assert "**核实性审核：与本乡镇近12个月中位数相差5倍以上**（1处）" in [m.value for m in at.markdown]
    found = [df.value for df in at.dataframe if list(df.value.columns) == ["位置", "说明"]]
    where = f"2025年7月城市低保.xlsx › 7月 › {cell}"
    assert any(where in list(t["位置"]) and any(f"城市低保人数{typed:,}人" in m for m in t["说明"]) for t in found)
    assert confirm_button(at).disabled
    assert any("没有填写核实说明" in c.value for c in at.caption)
    boxes = [a for a in at.text_area if a.key.startswith("explain::")]
    assert "explain::median_jump" in [a.key for a in boxes]
    for box in boxes:
        at = box.set_value("经核实，城东街道本月集中纳入安置人员").run()
    clean(at)
    assert not confirm_button(at).disabled
    assert read(real_env, "SELECT count(*), sum(value) FROM fact") == before  # nothing stored before confirmation
    at = confirm_button(at).click().run()
    clean(at)
    assert any("已保存" in s.value for s in at.success)
    [(batch,)] = read(real_env, "SELECT max(id) FROM batch")
    kept = read(real_env, "SELECT rule_code, location, explanation, explained_by FROM batch_explanation "
                          "WHERE batch_id = ? AND rule_code = 'median_jump'", batch)
    assert kept == [("median_jump", where, "经核实，城东街道本月集中纳入安置人员", "李静")]
    logged = read(real_env, "SELECT detail FROM audit_log WHERE action = 'upload' ORDER BY logged_at DESC LIMIT 1")
    assert where in logged[0][0] and "经核实，城东街道本月集中纳入安置人员" in logged[0][0]


@pytest.mark.timeout(180)
def test_each_cell_of_a_rule_may_have_its_own_explanation(real_app, real_env, clean) -> None:
    data, east, _ = typo_workbook(real_env, also=("城南街道",))
    at = upload(real_app(PAGE), [("2025年7月城市低保.xlsx", data)])
    clean(at)
    assert "**核实性审核：与本乡镇近12个月中位数相差5倍以上**（2处）" in [m.value for m in at.markdown]
    for box in [a for a in at.text_area if a.key.startswith("explain::") and a.key != "explain::median_jump"]:
        at = box.set_value("经核实属实").run()  # the other rules' groups
    at = at.toggle(key="explain_each::median_jump").set_value(True).run()
    cells = [t for t in at.text_input if t.key.startswith("explain::")]
    assert len(cells) == 2 and cells[0].key == f"explain::2025年7月城市低保.xlsx › 7月 › {east}"
    at = cells[0].input("城东街道：集中纳入安置人员").run()
    assert confirm_button(at).disabled  # 城南街道's cell is not explained yet, and no text covers the rule
    at = at.text_input(key=cells[1].key).input("城南街道：系统迁移补录").run()
    clean(at)
    assert not confirm_button(at).disabled
    at = confirm_button(at).click().run()
    clean(at)
    kept = read(real_env, "SELECT location, explanation FROM batch_explanation WHERE rule_code = 'median_jump' "
                          "ORDER BY location")
    assert kept == sorted([(cells[0].key.removeprefix("explain::"), "城东街道：集中纳入安置人员"),
                           (cells[1].key.removeprefix("explain::"), "城南街道：系统迁移补录")])


@pytest.mark.timeout(180)
def test_a_broken_file_is_refused_with_its_cells_and_nothing_changes(real_app, real_env) -> None:
    before = read(real_env, "SELECT count(*), sum(value) FROM fact")
    at = upload(real_app(PAGE), [("坏表.xlsx", broken_workbook())])
    assert not at.exception
    assert any("发现2个必须修改的问题" in e.value for e in at.error)
    assert [m.value for m in at.markdown if m.value.startswith(("**报表读取", "**强制性"))] == [
        "**报表读取错误**（1处）", "**强制性审核：数值不能为负**（1处）"]
    unreadable, negative = at.dataframe[1].value, at.dataframe[2].value
    assert (list(unreadable["位置"]), list(unreadable["说明"])) == (["坏表.xlsx › 7月 › B4"], ["不是数字：暂无"])
    assert (list(negative["位置"]), list(negative["说明"])) == (["坏表.xlsx › 7月 › B5"], ["城市低保人数为负数：-3"])
    assert confirm_button(at).disabled
    assert any(shown(e.label) == "原表：坏表.xlsx › 7月（红色为必须修改，橙色为需核实，黄色为读取提示）" for e in at.expander)
    assert read(real_env, "SELECT count(*), sum(value) FROM fact") == before


@pytest.mark.timeout(180)
def test_changed_values_show_old_and_new_and_an_unknown_township_is_matched(real_app, real_env, clean) -> None:
    persons = dict(read(real_env, "SELECT township, value FROM v_fact WHERE period = ? AND indicator_code = "
                                  "'dibao_urban_persons'", JUNE))
    east, south, middle = persons["城东街道"], persons["城南街道"], persons["城西街道"]
    rows = [["黔江区2025年6月城市低保统计表", None], ["乡镇（街道）", "城市低保人数"],
            ["城东", east + 1], ["城南街办", south], ["城西", middle]]  # 城南街办: a spelling nobody registered
    at = upload(real_app(PAGE), [("2025年6月补报.xlsx", xlsx_bytes([Sheet("6月", rows)]))])
    assert any("未登记的乡镇（街道）“城南街办”" in str(v) for v in at.dataframe[1].value["说明"])
    town = at.radio(key="town::城南街办")
    south_id = read(real_env, "SELECT id FROM township WHERE name = '城南街道'")[0][0]
    assert town.options[1] == "就是“城南街道”"
    at = town.set_value(south_id).run()
    clean(at)
    stored = next(d.value for d in at.dataframe if "城市低保人数（人）" in d.value.columns)
    assert stored.loc["城东街道", "城市低保人数（人）"] == f"{east:,.0f} → {east + 1:,.0f}"
    assert stored.loc["城南街道", "城市低保人数（人）"] == f"{south:,.0f}"
    assert any("新增0条" in c.value and "修改1条" in c.value and "不变2条" in c.value for c in at.caption)
    if at.checkbox:
        at = at.checkbox(key="upload_warnings_checked").check().run()
    at = confirm_button(at).click().run()
    assert any("修改1" in s.value and "不变2" in s.value for s in at.success)
    assert read(real_env, "SELECT value FROM v_fact WHERE period = ? AND township = '城东街道' AND indicator_code = "
                          "'dibao_urban_persons'", JUNE) == [(east + 1,)]
    assert read(real_env, "SELECT township_id FROM township_alias WHERE alias = '城南街办'") == [(south_id,)]


@pytest.fixture
def first_env(demo_files, tmp_path, monkeypatch):
    """The demo as the app shows it before the bureau's first upload; the real database would go to tmp_path."""
    from tests.app.conftest import clear_caches, point_app

    real = tmp_path / "civdash.duckdb"
    point_app(monkeypatch, real, demo_files["demo"])
    yield real
    clear_caches()


@pytest.mark.timeout(180)
def test_the_first_upload_sets_up_the_real_database_after_a_clear_question(first_env, demo_files, clean) -> None:
    from tests.app.conftest import run_app

    demo_before = read(demo_files["demo"], "SELECT count(*), sum(value) FROM fact")
    towns = [t for (t,) in read(demo_files["demo"], "SELECT name FROM township WHERE level = 'township'")]
    data, expected = july_workbook(demo_files["demo"], rename={t: t for t in towns})  # full names: nothing registered yet
    at = upload(run_app(PAGE), [("2025年7月城市低保.xlsx", data)])
    clean(at)
    assert any("首次上传本单位的真实报表" in i.value for i in at.info)
    assert any("将登记区县：** 黔江区" in m.value and "将登记30个乡镇（街道）" in m.value for m in at.markdown)
    assert not [t for t in at.text_input if t.key == "upload_district"]  # the title names the district: not asked
    at = at.selectbox(key="map::城市低保 › 低保边缘户数").set_value("__ignore__").run()
    assert confirm_button(at).disabled  # the question is not answered yet
    at = at.checkbox(key="upload_first_confirmed").check().run()
    if any(c.key == "upload_warnings_checked" for c in at.checkbox):
        at = at.checkbox(key="upload_warnings_checked").check().run()
    at = confirm_button(at).click().run()
    clean(at)
    assert any("正式数据库已建立" in s.value for s in at.success)
    assert first_env.exists() and not first_env.with_name("civdash.duckdb.importing").exists()
    assert read(first_env, "SELECT name FROM township WHERE level = 'district'") == [("黔江区",)]
    got = dict(read(first_env, "SELECT township, value FROM v_fact WHERE indicator_code = 'dibao_urban_persons'"))
    assert got == {t: float(v[1]) for t, v in expected.items()}
    assert read(first_env, "SELECT value FROM meta WHERE key = 'is_demo'") in ([], [("0",)])
    assert read(demo_files["demo"], "SELECT count(*), sum(value) FROM fact") == demo_before
    at = at.run()
    assert not any("示例数据" in w.value for w in at.warning)  # the dashboard now serves the real database


@pytest.mark.timeout(180)
def test_the_template_button_gives_the_next_month_form(real_app, clean) -> None:
    at = real_app(PAGE)
    clean(at)
    button = next(b for b in at.get("download_button") if "下载上传模板" in b.proto.label)
    assert button.proto.label == "下载上传模板（2025年7月，按当前指标和乡镇生成）"


@pytest.mark.timeout(180)
def test_a_column_mapped_to_an_indicator_is_stored_as_it_and_remembered(real_app, real_env, clean) -> None:
    rows = [["黔江区2025年7月城市低保统计表", None, None], ["乡镇（街道）", "城市低保人数", "城镇低保发放总额（万元）"],
            ["城东", 300, 16.5], ["城南", 290, 15.2], ["城西", 270, 14.1]]
    data = xlsx_bytes([Sheet("7月", rows)])
    at = upload(real_app(PAGE), [("7月.xlsx", data)])
    header = "城镇低保发放总额（万元）"
    at = at.selectbox(key=f"map::{header}").set_value("dibao_urban_funds").run()
    clean(at)
    understood = at.dataframe[0].value
    assert list(understood["对应指标"]) == ["城市低保人数", "城市低保资金支出"]
    assert list(understood["换算"])[1] == "万元 → 元（×10,000）"
    if any(c.key == "upload_warnings_checked" for c in at.checkbox):
        at = at.checkbox(key="upload_warnings_checked").check().run()
    at = confirm_button(at).click().run()
    clean(at)
    funds = dict(read(real_env, "SELECT township, value FROM v_fact WHERE period = ? AND indicator_code = "
                                "'dibao_urban_funds' AND township IN ('城东街道', '城南街道', '城西街道')", JULY))
    assert funds == pytest.approx({"城东街道": 165_000, "城南街道": 152_000, "城西街道": 141_000})
    assert read(real_env, "SELECT header, indicator_code FROM header_mapping") == [(header, "dibao_urban_funds")]
    again = upload(real_app(PAGE), [("8月.xlsx", data)])  # the same layout next time: mapped by itself
    assert list(again.dataframe[0].value["对应指标"]) == ["城市低保人数", "城市低保资金支出"]


@pytest.mark.timeout(180)
def test_hidden_content_is_left_out_until_asked_for(real_app, real_env, clean) -> None:
    data, _ = july_workbook(real_env)  # with a hidden draft of June added
    hidden = Sheet("6月草稿", [["黔江区2025年6月城市低保统计表"], ["乡镇（街道）", "城市低保人数"], ["城东", 1]], hidden=True)
    book = load_workbook(io.BytesIO(data))
    draft = book.create_sheet(hidden.name)
    for row in hidden.rows:
        draft.append(row)
    draft.sheet_state = "hidden"
    buf = io.BytesIO()
    book.save(buf)
    at = upload(real_app(PAGE), [("2025年7月城市低保.xlsx", buf.getvalue())])
    clean(at)
    notes = [shown(c.value) for c in at.caption]
    assert any("6月草稿：这是隐藏的工作表，未读取" in n for n in notes), notes
    box = at.checkbox(key="upload_hidden")
    assert box.label == "也读取隐藏的工作表、行和列" and not box.value
    at = box.check().run()
    assert not at.exception  # June's draft is read now (and its own findings shown)
    summary = [shown(e.label) for e in at.expander]
    assert any(label.startswith("2025年7月城市低保.xlsx › 6月草稿：乡镇报表 · 2025年6月") for label in summary), summary
