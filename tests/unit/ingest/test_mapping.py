"""ingest/mapping.py: headers as statisticians write them → catalog indicators."""

from __future__ import annotations

import pytest

from civdash.domain import catalog
from civdash.domain.catalog import alias_table as aliases
from civdash.domain.names import clean_header
from civdash.ingest.mapping import candidates, match_indicator
from civdash.store import db


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    con = db.connect(tmp_path_factory.mktemp("map") / "c.duckdb")
    catalog.seed(con)
    yield aliases(con)
    con.close()


@pytest.mark.parametrize(("header", "code"), [
    (("城市最低生活保障", "户数"), "dibao_urban_households"),
    (("城市最低生活保障", "人数"), "dibao_urban_persons"),
    (("城市最低生活保障", "1-4月资金（万元）"), "dibao_urban_funds"),
    (("农村最低生活保障", "当月资金"), "dibao_rural_funds"),
    (("农村低保人数",), "dibao_rural_persons"),
    (("城市低保平均保障标准（元/人·月）",), "dibao_urban_standard"),
    (("“渝快社区”APP注册用户数",), "app_registered_users"),
    (("渝快社区 注册用户数（人）",), "app_registered_users"),
    (("临时救助", "人次"), "temp_relief_cases"),
    (("临时救助", "资金（万元）"), "temp_relief_funds"),
    (("居家适老化改造", "累计"), "aging_retrofit_households"),
    (("特困供养人数",), "tekun_persons"),
    (("ＡＰＰ注册用户数",), "app_registered_users"),  # full-width letters
])
def test_headers_map_to_indicators(table, header, code) -> None:
    assert match_indicator(header, table) == code


@pytest.mark.parametrize("header", [("序号",), ("低保人员分类", "其中", "女性"), ("备注",), ()])
def test_headers_without_an_indicator(table, header) -> None:
    assert match_indicator(header, table) is None


def test_cleaning_and_candidates() -> None:
    assert clean_header("1-4月资金（万元）") == "资金"
    assert clean_header("截至6月底累计人次") == "人次"
    assert clean_header(" 当月 新增 ") == "新增"
    assert candidates(("城市最低生活保障", "其中", "人数")) == ["城市最低生活保障人数", "人数"]
    assert candidates(("A", "B", "C")) == ["ABC", "AC", "BC", "C"]  # the group alone never stands for the leaf


def test_a_header_taken_from_many_rows_keeps_its_lowest_four_levels() -> None:
    header = [f"第{i}行" for i in range(40)] + ["城市低保", "人数"]  # 2^42 combinations if nothing bounded them
    found = candidates(header)
    assert found[0] == "第38行第39行城市低保人数" and len(found) == 8
