"""The default audit rules (data/audit_rules.csv), each on an upload: a clean table finds nothing, a hard finding stops
the upload, a soft one is saved only with an explanation that is kept with the batch — each naming its cell."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pytest

from civdash.domain import rules
from civdash.domain.units import display_unit
from civdash.ingest.commit import CommitError, batch_explanations
from civdash.ingest.template import template_name, upload_template
from civdash.ingest.upload import Options, Plan, commit, prepare
from tests.ingest_fixtures import Sheet, xlsx_bytes

AT = "{month}月.xlsx › 表1"


@pytest.fixture()
def con(district: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """黔江区's catalog and 30 townships, no figures (tests/unit/conftest.py)."""
    return district


def upload(con, month: int, header: list[str], body: list[list[object]], total: list[object] | None = None) -> Plan:
    rows = [[f"黔江区2025年{month}月民政统计表"], header, *body, *([total] if total else [])]
    return prepare(con, [(f"{month}月.xlsx", xlsx_bytes([Sheet("表1", rows)]))], Options())


def found(plan: Plan) -> list[tuple[str, str | None, str]]:
    """(level, rule, cell) of every hard or soft finding (not the notes and warnings on how the file was read)."""
    return [(f.level, f.rule, f.where.rsplit(" › ", 1)[-1]) for f in plan.findings if f.level in ("error", "soft")]


RURAL = ["乡镇", "农村低保户数", "农村低保人数"]


def history(con, persons: int = 380, months: range = range(1, 4)) -> None:
    """鹅池镇 reported 农村低保 for the months given (its own history for the median rule)."""
    for m in months:
        plan = upload(con, m, RURAL, [["鹅池镇", persons // 2, persons]])
        commit(con, plan, explanations={f.rule: "经核实属实" for f in plan.soft})


def test_a_clean_table_raises_no_finding_at_all(con) -> None:
    history(con)
    plan = upload(con, 4, RURAL, [["鹅池镇", 190, 384]])
    assert found(plan) == []


def test_a_100_times_typo_needs_an_explanation_kept_with_the_batch(con) -> None:
    history(con)
    plan = upload(con, 4, RURAL, [["鹅池镇", 190, 38_000]])
    assert found(plan) == [("soft", "median_jump", "C3")]
    [f] = plan.soft
    assert f.where == "4月.xlsx › 表1 › C3"
    assert f.message == "鹅池镇2025年4月：农村低保人数近12月中位数380人，农村低保人数38,000人"
    assert f.rule_name == "与本乡镇近12个月中位数相差5倍以上"
    with pytest.raises(CommitError, match="有1个核实性问题没有填写说明"):
        commit(con, plan)
    assert con.execute("SELECT count(*) FROM fact WHERE period = '2025-04-01'").fetchone()[0] == 0
    result = commit(con, plan, user_name="李静", explanations={"median_jump": "经核实，本月集中新纳入37620人"})
    kept = batch_explanations(con, result.batch_id)
    assert kept[["rule_name", "location", "explanation", "explained_by"]].values.tolist() == [
        ["与本乡镇近12个月中位数相差5倍以上", "4月.xlsx › 表1 › C3", "经核实，本月集中新纳入37620人", "李静"]]


def test_one_fifth_of_the_median_is_found_too_and_small_bases_are_not(con) -> None:
    history(con)
    assert found(upload(con, 4, RURAL, [["鹅池镇", 30, 60]])) == [("soft", "median_jump", "B3"),
                                                                 ("soft", "median_jump", "C3")]
    history(con, persons=12, months=range(5, 8))  # median 12: under the floor of 20
    history(con, persons=12, months=range(8, 9))
    assert found(upload(con, 9, RURAL, [["鹅池镇", 60, 120]])) == []


def test_the_median_needs_three_months_of_history(con) -> None:
    history(con, months=range(1, 3))
    assert found(upload(con, 3, RURAL, [["鹅池镇", 190, 38_000]])) == []


def test_more_households_than_persons_is_hard(con) -> None:
    plan = upload(con, 4, RURAL, [["鹅池镇", 400, 380], ["城东", 10, 20]])
    assert found(plan) == [("error", "households_le_persons_rural", "B3")]
    assert plan.errors[0].message == "鹅池镇2025年4月：农村低保户数400户，农村低保人数380人"
    with pytest.raises(CommitError):
        commit(con, plan, explanations={"households_le_persons_rural": "属实"})  # a hard finding is never explained


def test_households_are_checked_against_stored_persons_of_the_same_month(con) -> None:
    commit(con, upload(con, 4, ["乡镇", "农村低保人数"], [["鹅池镇", 380]]))
    plan = upload(con, 4, ["乡镇", "农村低保户数"], [["鹅池镇", 400]])
    assert found(plan) == [("error", "households_le_persons_rural", "B3")]


def test_negative_counts_and_amounts_are_hard(con) -> None:
    plan = upload(con, 4, ["乡镇", "农村低保人数", "农村低保资金（元）"], [["鹅池镇", -5, 1000], ["城东", 5, -300]])
    assert found(plan) == [("error", "negative", "B3"), ("error", "negative", "C4")]
    assert plan.errors[0].message == "农村低保人数为负数：-5"


def ytd_upload(con, last_month: int, funds: float) -> Plan:
    rows = [[f"黔江区2025年1-{last_month}月农村低保统计表"], ["乡镇", "农村低保人数", "农村低保金（元）"],
            ["鹅池镇", 380, funds]]
    return prepare(con, [(f"1-{last_month}月.xlsx", xlsx_bytes([Sheet("表1", rows)]))], Options())


def test_a_year_to_date_total_below_last_months_is_soft(con) -> None:
    commit(con, ytd_upload(con, 1, 228_000))
    commit(con, ytd_upload(con, 2, 456_000))
    plan = ytd_upload(con, 3, 450_000)  # 1-3月 below 1-2月: March would be −6,000 元
    assert found(plan) == [("soft", "ytd_decrease", "C3")]
    assert "推算的当月数为负" in plan.soft[0].message


def test_amount_per_person_far_from_the_standard_is_soft(con) -> None:
    header = ["乡镇", "农村低保人数", "农村低保资金（元）", "农村低保平均保障标准（元/人·月）"]
    assert found(upload(con, 4, header, [["鹅池镇", 380, 228_000, 600]])) == []  # 600 元 a person
    plan = upload(con, 4, header, [["鹅池镇", 380, 22_800, 600]])  # 60 元: 0.1 × the standard
    assert found(plan) == [("soft", "per_person_rural", "C3")]  # placed on the amount, the first value read
    assert plan.soft[0].message == ("鹅池镇2025年4月：农村低保平均保障标准（最近值）600元/人·月，"
                                    "农村低保资金支出22,800元，农村低保人数380人")


def test_the_districts_standard_stands_in_for_a_townships(con) -> None:
    district = prepare(con, [("4月全区.xlsx", xlsx_bytes([Sheet("全区", [
        ["黔江区2025年4月主要指标"], ["指标", "本月"], ["农村低保平均保障标准（元/人·月）", 600]])]))], Options())
    commit(con, district)
    header = ["乡镇", "农村低保人数", "农村低保资金（元）"]
    assert found(upload(con, 5, header, [["鹅池镇", 380, 2_280_000]])) == [("soft", "per_person_rural", "C3")]


def test_not_reported_is_never_zero_and_needs_an_explanation_where_it_was_reported(con) -> None:
    history(con)
    plan = upload(con, 4, RURAL, [["鹅池镇", "—", "—"], ["城东", "/", "无"], ["城南", 5, 9]])  # 城东 never had 农村低保
    assert found(plan) == [("soft", "not_reported", "B3"), ("soft", "not_reported", "C3")]
    assert plan.soft[1].message == "鹅池镇2025年4月农村低保人数填写为未报送（不记为0），而2025年3月为380人：请补填或说明"
    commit(con, plan, explanations={"not_reported": "鹅池镇本月未报送，下月补报"})
    assert con.execute("SELECT count(*) FROM fact WHERE period = '2025-04-01' AND township_id <> "
                       "(SELECT id FROM township WHERE name = '城南街道')").fetchone()[0] == 0  # no 0 stored


def test_an_explanation_may_cover_one_cell(con) -> None:
    history(con)
    plan = upload(con, 4, RURAL, [["鹅池镇", "—", "—"], ["城南", 5, 9]])
    with pytest.raises(CommitError, match="有1个核实性问题没有填写说明"):
        commit(con, plan, explanations={"4月.xlsx › 表1 › B3": "未报送"})
    commit(con, plan, explanations={"4月.xlsx › 表1 › B3": "未报送", "4月.xlsx › 表1 › C3": "同上"})


def test_strict_refuses_soft_findings_even_explained(con) -> None:
    history(con)
    plan = upload(con, 4, RURAL, [["鹅池镇", 190, 38_000]])
    with pytest.raises(CommitError, match="严格模式"):
        commit(con, plan, strict=True, explanations={"median_jump": "属实"})


def test_an_admin_can_make_a_rule_soft_or_switch_it_off(con) -> None:
    rule = next(r for r in rules.rules(con) if r.code == "households_le_persons_rural")
    rules.save(con, replace(rule, tier="soft"), "管理员")
    assert found(upload(con, 4, RURAL, [["鹅池镇", 400, 380]])) == [("soft", "households_le_persons_rural", "B3")]
    rules.save(con, replace(rule, enabled=False), "管理员")
    assert found(upload(con, 4, RURAL, [["鹅池镇", 400, 380]])) == []


def test_an_admins_own_rule_is_checked(con) -> None:
    rules.save(con, rules.AuditRule("new_le_rural", "新增不超过农村低保人数", "hard", "",
                                    "低保新增人数 ≤ 农村低保人数"), "管理员")
    plan = upload(con, 4, ["乡镇", "农村低保人数", "低保新增人数"], [["鹅池镇", 380, 400]])
    assert found(plan) == [("error", "new_le_rural", "C3")]


def test_a_rule_broken_by_a_catalog_change_is_reported_not_skipped_silently(con) -> None:
    rules.save(con, rules.AuditRule("gone", "旧指标", "hard", "", "旧指标甲 <= 1"), "管理员")
    plan = upload(con, 4, RURAL, [["鹅池镇", 190, 380]])
    assert any("审核规则“旧指标”无法使用" in f.message for f in plan.warnings)


@pytest.mark.parametrize("month", ["2024-08", "2025-01", "2025-06"])
def test_the_demo_districts_own_months_uploaded_again_raise_no_finding(demo_con, month: str) -> None:
    """A clean table raises no finding at all: every month of the shipped district, written into the upload template
    as stored (amounts in 万元, a 合计 row) and uploaded again."""
    period = date.fromisoformat(month + "-01")
    rows = demo_con.execute("SELECT township, indicator_code, value, unit FROM v_fact WHERE period = ?",
                            [period]).fetchall()
    values = {(t, c): v / 10_000 if display_unit(u) == "万元" else v for t, c, v, u in rows}
    data = upload_template(demo_con, period.year, period.month, values)
    plan = prepare(demo_con, [(template_name(period.year, period.month), data)], Options())
    assert plan.fact_count == len(rows)
    assert [(f.rule, f.message) for f in plan.findings if f.level in ("error", "soft")] == []
