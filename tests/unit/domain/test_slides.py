"""The 会议模式 sequence (civdash/domain/slides.py): validation messages, the stored sequence and its fallbacks, and an
administrator's change recorded (civdash/admin/registry.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from civdash.admin import registry
from civdash.admin.registry import RegistryError
from civdash.domain import catalog, slides
from civdash.domain.slides import SlideError, SlideSpec
from civdash.store import db


@pytest.fixture
def con(demo_snapshot, tmp_path):
    path = tmp_path / "civdash.duckdb"
    shutil.copyfile(demo_snapshot, path)
    c = db.connect(path)
    yield c
    c.close()


@pytest.mark.parametrize(("specs", "message"), [
    ([], "会议模式至少要有一页"),
    ([SlideSpec("pie", ())], "第1页的类型“pie”不存在"),
    ([SlideSpec("attention"), SlideSpec("trend", ())], "第2页（走势（近24个月））须选1至4个指标"),
    ([SlideSpec("ranking", ("tekun_persons", "tekun_funds"))], "第1页（乡镇排名）须选1个指标"),
    ([SlideSpec("targets", ("tekun_persons",))], "第1页（年度目标完成情况）须不选指标"),
    ([SlideSpec("trend", ("tekun_persons", "tekun_funds"))],
     "第1页（走势（近24个月））的指标单位不同（人、元），不能画在一张图上"),
    ([SlideSpec("trend", ("nope",))], "第1页（走势（近24个月））的指标不在指标目录中：nope"),
    ([SlideSpec("headline", ("tekun_persons", "tekun_persons"))], "第1页（核心指标卡片）重复选了同一个指标"),
    ([SlideSpec("attention")] * 21, "会议模式最多20页"),
])
def test_validation_says_what_is_wrong(con, specs, message):
    with pytest.raises(SlideError) as raised:
        slides.validate(specs, catalog.indicator_map(con))
    assert str(raised.value) == message


def test_default_until_an_administrator_saves(con):
    inds = catalog.indicator_map(con)
    assert slides.stored(con) is None and slides.sequence(con, inds) == slides.DEFAULT
    mine = (SlideSpec("attention"), SlideSpec("ranking", ("tekun_persons",)))
    registry.save_meeting_slides(con, mine, user="王主任")
    assert slides.stored(con) == mine and slides.sequence(con, inds) == mine
    registry.save_meeting_slides(con, None, user="王主任")
    assert slides.stored(con) is None and slides.sequence(con, inds) == slides.DEFAULT
    saves = con.execute("SELECT seq, slides, changed_by FROM meeting_slides ORDER BY seq").fetchall()
    assert [(s, c) for s, _, c in saves] == [(1, "王主任"), (2, "王主任")]
    assert json.loads(saves[0][1]) == [{"kind": "attention", "codes": []},
                                       {"kind": "ranking", "codes": ["tekun_persons"]}]


def test_stored_sequence_drops_what_the_catalog_lost(con):
    slides.save(con, [SlideSpec("trend", ("tekun_persons", "gone")), SlideSpec("ranking", ("gone",)),
                      SlideSpec("attention")], None)
    assert slides.sequence(con, catalog.indicator_map(con)) == (SlideSpec("trend", ("tekun_persons",)),
                                                                SlideSpec("attention"))


def test_a_change_is_recorded_with_before_and_after(con):
    registry.save_meeting_slides(con, (SlideSpec("ranking", ("dibao_rural_persons",)), SlideSpec("attention")),
                                 user="王主任")
    user, kind, key, action, before, after = con.execute(
        "SELECT user_name, object_kind, object_key, action, before_json, after_json FROM registry_change").fetchone()
    assert (user, kind, key, action) == ("王主任", "meeting", "slides", "edit")
    assert json.loads(before)["default"] is True and len(json.loads(before)["slides"]) == 7
    assert json.loads(after) == {"default": False, "slides": ["乡镇排名：农村低保人数", "重点关注"]}
    log = registry.changes(con)
    assert log["title"].iloc[0] == "会议模式幻灯片"
    assert log["summary"].iloc[0].endswith(" → 1. 乡镇排名：农村低保人数；2. 重点关注")
    assert log["summary"].iloc[0].startswith("1. 核心指标卡片：城市低保人数、农村低保人数、特困人员救助供养人数")


def test_refusals_change_nothing(con):
    with pytest.raises(RegistryError, match="幻灯片顺序没有变化"):
        registry.save_meeting_slides(con, None, user="王主任")  # the default is in force already
    with pytest.raises(RegistryError, match="须选1个指标"):
        registry.save_meeting_slides(con, [SlideSpec("ranking", ())], user="王主任")
    assert con.execute("SELECT count(*) FROM meeting_slides").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM registry_change").fetchone() == (0,)
    registry.save_meeting_slides(con, [SlideSpec("attention")], user="王主任")
    with pytest.raises(RegistryError, match="幻灯片顺序没有变化"):
        registry.save_meeting_slides(con, [SlideSpec("attention")], user="王主任")
    assert con.execute("SELECT count(*) FROM registry_change").fetchone() == (1,)
