"""指标与乡镇 (pages/registry.py): changes through the forms are stored, recorded and refused with a Chinese
message when they do not fit."""

from __future__ import annotations

import pytest

from tests.upload_fixtures import read

PAGE = "pages/registry.py"


def submit(at, label: str):
    return next(b for b in at.button if b.label == label).click().run()


@pytest.mark.timeout(180)
def test_a_township_alias_is_added_and_a_taken_one_refused(real_app, real_env, clean) -> None:
    east = read(real_env, "SELECT id FROM township WHERE name = '城东街道'")[0][0]
    at = real_app(PAGE)
    clean(at)
    at.text_input(key="registry_user").input("王芳")
    at.selectbox(key="town_target").set_value(east)
    at.text_input(key="town_alias").input("城东街办")
    at = submit(at, "添加")
    clean(at)
    assert any("已为城东街道添加“城东街办”" in s.value for s in at.success)
    assert read(real_env, "SELECT township_id, kind FROM township_alias WHERE alias = '城东街办'") == [(east, "alias")]
    assert read(real_env, "SELECT user_name, action FROM registry_change") == [("王芳", "添加别名")]
    at.text_input(key="town_alias").input("城南")
    at = submit(at, "添加")
    assert [e.value for e in at.error] == ["未修改：“城南”已是城南街道的名称，不能再用作城东街道的名称"]
    assert read(real_env, "SELECT count(*) FROM registry_change") == [(1,)]


@pytest.mark.timeout(180)
def test_a_target_entered_in_wan_yuan_is_stored_in_yuan(real_app, real_env, clean) -> None:
    whole = read(real_env, "SELECT id FROM township WHERE level = 'district'")[0][0]
    at = real_app(PAGE)
    at.selectbox(key="goal_indicator").set_value("dibao_urban_funds")
    at.selectbox(key="goal_place").set_value(whole)
    at.number_input(key="goal_year").set_value(2026)
    at.number_input(key="goal_value").set_value(532.5)
    at = submit(at, "保存目标")
    clean(at)
    assert read(real_env, "SELECT value FROM target WHERE indicator_code = 'dibao_urban_funds' AND year = 2026 "
                          "AND township_id = ?", whole) == [(5_325_000.0,)]
