"""会议模式's sequence set by an administrator on 指标与乡镇 (pages/registry.py, tab 会议模式): a slide moved up and one
deleted are stored, the meeting follows at once, and both changes are in the record of changes and the audit log.
Slides the data cannot fill are skipped, and the admin's tab says which and why."""

from __future__ import annotations

import pytest

from tests.app.test_app_meeting import counter, slide_title
from tests.upload_fixtures import read
from ui import data

pytestmark = pytest.mark.timeout(240)
PAGE = "pages/registry.py"


def slide_list(at) -> list[str]:
    return [m.value for m in at.markdown if m.value[:1].isdigit() and "\\." in m.value[:4]]


def test_admin_reorders_the_meeting_and_the_meeting_follows(real_app, real_env, clean):
    before = real_app(meeting="1", slide="4")
    clean(before)
    assert slide_title(before) == "农村低保人数乡镇排名前15名（2025年6月当月，共29个乡镇）"
    assert counter(before) == "4 / 7"

    at = real_app(PAGE, registry_tab="会议模式")
    clean(at)
    assert slide_list(at)[3] == "4\\. 乡镇排名：农村低保人数"
    assert any("当前为系统默认顺序" in c.value for c in at.caption)
    at = at.button(key="slide_up::3").click().run()  # the ranking before 今年与去年
    clean(at)
    assert [s.value for s in at.success] == ["已将第4页上移"]
    assert slide_list(at)[2:4] == ["3\\. 乡镇排名：农村低保人数", "4\\. 今年与去年对比：农村低保资金支出"]
    at = at.button(key="slide_drop::4").click().run()  # 年度目标完成情况
    clean(at)
    assert [s.value for s in at.success] == ["已删除第5页"]
    assert len(slide_list(at)) == 6 and not any("年度目标" in s for s in slide_list(at))

    meeting = real_app(meeting="1", slide="3")
    clean(meeting)
    assert slide_title(meeting) == "农村低保人数乡镇排名前15名（2025年6月当月，共29个乡镇）"
    assert counter(meeting) == "3 / 6"
    assert slide_title(real_app(meeting="1", slide="5")) == "社区APP注册用户数走势（近24个月，各月当月数）"

    assert read(real_env, "SELECT user_name, action, target FROM audit_log WHERE action = 'registry' ORDER BY id") == [
        ("李静", "registry", "save_meeting_slides"), ("李静", "registry", "save_meeting_slides")]
    assert read(real_env, "SELECT user_name, object_kind, action FROM registry_change ORDER BY id") == [
        ("李静", "meeting", "edit"), ("李静", "meeting", "edit")]
    log = at.table[0].value
    assert list(log["名称"][:2]) == ["会议模式幻灯片", "会议模式幻灯片"]
    assert list(log["对象"][:2]) == ["会议模式", "会议模式"]
    assert "→ 1. 核心指标卡片" in log["修改内容"].iloc[0]

    at = at.button(key="slide_default").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已恢复会议模式的默认顺序"]
    assert counter(real_app(meeting="1", slide="7")) == "7 / 7"


def test_admin_adds_a_slide_and_one_without_data_is_skipped(real_app, real_env, clean):
    """A ranking of an indicator nobody reported in June is stored but not shown, and the tab says why."""
    at = real_app(PAGE, registry_tab="会议模式")
    at.selectbox(key="slide_kind").set_value("ranking")
    at.multiselect(key="slide_codes").set_value(["tekun_persons"])
    at.number_input(key="slide_position").set_value(2)
    at = at.button(key="slide_add_submit").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已在第2页增加“乡镇排名：特困人员救助供养人数”"]
    assert slide_title(real_app(meeting="1", slide="2")) == "特困人员救助供养人数乡镇排名前15名（2025年6月当月，共29个乡镇）"

    # a ranking of an indicator just registered, without data: stored, skipped in the meeting, named on the tab
    at.text_input(key="ind_add_name").input("养老机构护理型床位数")
    at.selectbox(key="ind_add_category").set_value("养老服务")
    at.selectbox(key="ind_add_unit").set_value("张")
    at = at.button(key="ind_add_submit").click().run()
    clean(at)
    with data.cursor() as cur:  # the code the registry made up for it
        (code,) = cur.execute("SELECT code FROM indicator WHERE name = '养老机构护理型床位数'").fetchone()
    at.selectbox(key="slide_kind").set_value("ranking")
    at.multiselect(key="slide_codes").set_value([code])
    at = at.button(key="slide_add_submit").click().run()
    clean(at)
    assert [s.value for s in at.success] == ["已在第9页增加“乡镇排名：养老机构护理型床位数”"]
    assert any(c.value == "2025年6月不显示：乡镇排名：2025年6月有数据的乡镇不足两个" for c in at.caption)
    meeting = real_app(meeting="1", slide="99")
    assert counter(meeting) == "8 / 8"  # 7 default + the 特困 ranking; the beds ranking skipped


def test_an_indicator_count_that_does_not_fit_is_refused(real_app, real_env, clean):
    at = real_app(PAGE, registry_tab="会议模式")
    at.selectbox(key="slide_kind").set_value("ranking")
    at.multiselect(key="slide_codes").set_value(["tekun_persons", "tekun_funds"])
    at = at.button(key="slide_add_submit").click().run()
    assert [e.value for e in at.error] == ["未保存：第8页（乡镇排名）须选1个指标"]
    assert read(real_env, "SELECT count(*) FROM meeting_slides") == [(0,)]
