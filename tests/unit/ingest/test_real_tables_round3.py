"""Real-table traps, round 3: layouts that stored wrong numbers without a word or refused good files. One test per
trap, several layouts each, asserting the exact values stored or the exact finding; then a property test that
rearranges a table (columns permuted, columns hidden, group and 小计 rows inserted) and finds the stored totals
unchanged."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civdash.domain import catalog
from civdash.ingest.upload import Options, Plan, commit, prepare
from civdash.store import db
from tests.ingest_fixtures import Sheet, xlsx_bytes

AT = "2025年4月.xlsx › 表1"


@pytest.fixture()
def con(district: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """黔江区's catalog and 30 townships (codes 500114001 …), no figures (tests/unit/conftest.py)."""
    return district


@pytest.fixture()
def blank(tmp_path) -> duckdb.DuckDBPyConnection:
    """A first upload's database: the catalog, no district, no townships."""
    con = db.connect(tmp_path / "first.duckdb")
    catalog.seed(con)
    yield con
    con.close()


def upload(con, rows, merged=(), name: str = "2025年4月.xlsx", sheets=(), **options) -> Plan:
    book = [Sheet("表1", rows, list(merged), **{k: options.pop(k) for k in ("hidden_rows", "hidden_cols") if k in options}),
            *sheets]
    return prepare(con, [(name, xlsx_bytes(book))], Options(**options))


def stored(plan: Plan) -> dict[tuple[str, str], tuple[float, str]]:
    ctx = plan.context
    return {(f.indicator, ctx.township_name(f.township)): (f.value, f.cell) for f in plan.facts}


def said(plan: Plan, *levels: str) -> list[str]:
    """'C5：message' for the findings of these levels ('表1：message' for a sheet's own)."""
    return [f"{f.where.split(' › ')[-1]}：{f.message}" for f in plan.findings if f.level in levels]


# --- 1. several columns of one indicator: decided by the group labels, never by position ----------------------

TEKUN = [["黔江区2025年4月特困人员供养情况统计表"], ["乡镇", "集中供养", None, "分散供养", None, "合计", None],
         [None, "人数", "金额（元）", "人数", "金额（元）", "人数", "金额（元）"],
         ["城东", 10, 8_000, 30, 15_000, 40, 23_000], ["城南", 5, 4_000, 20, 10_000, 25, 14_000]]
TEKUN_MERGED = [(1, 0, 2, 0), (1, 1, 1, 2), (1, 3, 1, 4), (1, 5, 1, 6)]
MONTH = {"ytd": {f"{AT}": False}}


def test_a_total_group_is_stored_and_its_parts_must_add_up_to_it(con) -> None:
    plan = upload(con, TEKUN, TEKUN_MERGED, **MONTH)
    assert stored(plan) == {("tekun_persons", "城东街道"): (40, "F4"), ("tekun_funds", "城东街道"): (23_000, "G4"),
                            ("tekun_persons", "城南街道"): (25, "F5"), ("tekun_funds", "城南街道"): (14_000, "G5")}
    assert not plan.errors
    assert ("表1：B列、D列、F列都是“特困人员救助供养人数”，读取合计F列“合计 › 人数”；B列“集中供养 › 人数”、D列“分散供养 › 人数”"
            "是它的分项，只用于核对（各分项之和应等于合计）") in said(plan, "note")
    # the 合计 group first, as many bureaus write it: the same
    first = [[r[0], *r[5:7], *r[1:5]] for r in TEKUN]
    first[1] = ["乡镇", "合计", None, "集中供养", None, "分散供养", None]
    assert {k: v for k, (v, _) in stored(upload(con, first, TEKUN_MERGED, **MONTH)).items()} == {
        k: v for k, (v, _) in stored(plan).items()}
    # 集中 + 分散 ≠ 合计: a hard finding on the township's 合计 cell, nothing saved
    wrong = [list(r) for r in TEKUN]
    wrong[4][3] = 21  # 城南 分散 21 + 集中 5 = 26, 合计 says 25
    plan = upload(con, wrong, TEKUN_MERGED, **MONTH)
    assert said(plan, "error") == ["F5：城南街道：B列、D列之和26与合计F列25不一致（相差1）"]


def test_parts_without_a_total_group_are_not_stored_by_position(con) -> None:
    rows = [r[:5] for r in TEKUN]
    plan = upload(con, rows, TEKUN_MERGED[:3], **MONTH)
    assert not plan.facts
    assert said(plan, "error")[0].startswith(
        "表1：B列、D列都是“特困人员救助供养人数”，表头没有说明哪一列是本期的合计数，未读取")
    # the person says which: ignoring 分散供养's columns reads 集中供养 (as asked, not as guessed)
    plan = upload(con, rows, TEKUN_MERGED[:3], mappings={"分散供养 › 人数": None, "分散供养 › 金额（元）": None}, **MONTH)
    assert stored(plan)[("tekun_persons", "城东街道")] == (10, "B4") and not plan.errors


def test_last_months_columns_are_never_this_months(con) -> None:
    header = [["黔江区2025年4月城市低保统计表"], ["乡镇", "上月", None, "本月", None],
              [None, "城市低保户数", "城市低保人数", "城市低保户数", "城市低保人数"]]
    rows = header + [["城东", 10, 20, 11, 22], ["城南", 5, 9, 5, 9]]
    plan = upload(con, rows, [(1, 0, 2, 0), (1, 1, 1, 2), (1, 3, 1, 4)])
    assert stored(plan)[("dibao_urban_persons", "城东街道")] == (22, "E4")
    assert "表1：以下是上月或上年同期的数，不是本期数据，不保存：B列“上月 › 城市低保户数”、C列“上月 › 城市低保人数”" in said(
        plan, "note")
    same_year = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保人数", "上年同期城市低保人数"], ["城东", 22, 30]]
    assert stored(upload(con, same_year)) == {("dibao_urban_persons", "城东街道"): (22, "B3")}


def test_hidden_columns_rows_and_sheets_are_left_out_and_said(con) -> None:
    # last month's columns, hidden, before this month's: the same headers
    rows = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保人数", "城市低保人数"], ["城东", 20, 22], ["城南", 9, 9],
            ["城西", 7, 7]]
    old = Sheet("3月", [["黔江区2025年3月城市低保统计表"], ["乡镇", "城市低保人数"], ["城东", 20]], hidden=True)
    plan = upload(con, rows, sheets=[old], hidden_cols=(1,), hidden_rows=(4,))
    assert stored(plan) == {("dibao_urban_persons", "城东街道"): (22, "C3"), ("dibao_urban_persons", "城南街道"): (9, "C4")}
    assert said(plan, "note")[:1] == [
        "表1：以下行列在表格中是隐藏的，未读取：第5行、B列；如需导入，请在表格中取消隐藏，或导入时选择读取隐藏内容"]
    assert "3月：这是隐藏的工作表，未读取；如需导入，请在表格中取消隐藏，或导入时选择读取隐藏内容" in said(plan, "note")
    assert not plan.errors and all(s.hidden_left_out for s in plan.sheets)
    # asked to read them: two 城市低保人数 columns the headers cannot tell apart stop the upload, and March is read
    plan = upload(con, rows, sheets=[old], hidden_cols=(1,), hidden_rows=(4,), include_hidden=True)
    assert said(plan, "error")[0].startswith("表1：B列、C列都是“城市低保人数”，表头没有说明哪一列是本期的合计数")


# --- 2, 5, 9. townships and totals: merged labels, numbering and code columns, county prefixes ------------------


def test_a_total_merged_across_the_numbering_and_name_columns_is_checked(con, blank) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["序号", "乡镇", "城市低保户数", "城市低保人数"], [1, "城东", 10, 20],
            [2, "城南", 5, 9], ["合计", None, 16, 29]]
    plan = upload(con, rows, [(4, 0, 4, 1)])
    assert said(plan, "error") == ["C5：城市低保户数：合计行16户与各乡镇之和15户不一致（相差1户）"]
    assert "表1：第5行“合计”是合计行，用于核对，不作为乡镇保存" in said(plan, "note")
    rows[4][2] = 15
    assert not upload(con, rows, [(4, 0, 4, 1)]).errors
    # a first upload: 南川区合计 names the district, 序号 1 … 11 are never townships
    names = ["东城", "南城", "西城", "三泉", "南平", "神童", "鸣玉", "大观", "兴隆", "太平场", "白沙"]
    first = [["2025年4月城市低保统计表"], ["序号", "乡镇", "城市低保户数", "城市低保人数"]]
    first += [[n + 1, name, 10 + n, 20 + n] for n, name in enumerate(names)]
    first.append(["南川区合计", None, sum(range(10, 21)), sum(range(20, 31))])
    plan = upload(blank, first, [(13, 0, 13, 1)], allow_new_townships=True)
    assert list(plan.context.new_townships) == names and plan.context.new_district == "南川区"
    assert not plan.errors and sum(f.value for f in plan.facts) == sum(range(10, 21)) + sum(range(20, 31))


def test_a_first_upload_written_short_without_a_total_finds_the_column_headed_township(blank) -> None:
    rows = [["南川区2025年4月城市低保统计表"], ["序号", "乡镇（街道）", "城市低保人数"], [1, "东城", 20], [2, "南城", 9]]
    plan = upload(blank, rows, allow_new_townships=True)
    assert list(plan.context.new_townships) == ["东城", "南城"] and sum(f.value for f in plan.facts) == 29


def test_county_prefixes_and_code_columns_match_the_registered_townships(con, blank) -> None:
    prefixed = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保人数"], ["黔江区城东街道", 20],
                ["重庆市黔江区城南街道", 9]]
    assert stored(upload(con, prefixed)) == {("dibao_urban_persons", "城东街道"): (20, "B3"),
                                             ("dibao_urban_persons", "城南街道"): (9, "B4")}
    # names nobody registered (written another way), but the 区划代码 says which township: the code first
    coded = [["黔江区2025年4月城市低保统计表"], ["区划代码", "乡镇", "城市低保人数"], ["500114001", "城东办", 20],
             [500114002, "南城", 9]]
    plan = upload(con, coded)
    assert stored(plan) == {("dibao_urban_persons", "城东街道"): (20, "C3"), ("dibao_urban_persons", "城南街道"): (9, "C4")}
    assert not plan.errors and not [m for m in said(plan, "warning") if "区划代码" in m]  # the code column is no indicator
    coded[3][1] = "城东街道"  # the code says 城南, the name 城东: which is it?
    assert said(upload(con, coded), "error") == [
        "B4：区划代码500114002是城南街道，但乡镇名称写的是“城东街道”（城东街道）：请核对是哪个乡镇"]
    # a first upload registers the name without the county
    plan = upload(blank, [["南川区2025年4月城市低保统计表"], ["乡镇", "城市低保人数"], ["南川区东城街道", 20]],
                  allow_new_townships=True)
    assert list(plan.context.new_townships) == ["东城街道"]


# --- 8, 10. totals under the header, group label rows ----------------------------------------------------------

WPS = [
    ([["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保户数", "城市低保人数"], ["合计", 15, 29], ["城东", 10, 20],
      ["城南", 5, 9]], [], "B"),
    ([["黔江区2025年4月城乡低保统计表"], ["乡镇", "城市低保", None], [None, "户数", "人数"], ["合计", 15, 29],
      ["城东", 10, 20], ["城南", 5, 9]], [(1, 0, 2, 0), (1, 1, 1, 2)], "B"),
    ([["黔江区2025年4月城市低保统计表"], ["序号", "乡镇", "城市低保户数", "城市低保人数"], ["甲", "乙", 1, 2],
      ["合计", None, 15, 29], [1, "城东", 10, 20], [2, "城南", 5, 9]], [(3, 0, 3, 1)], "C"),
]


@pytest.mark.parametrize(("rows", "merged", "first"), WPS)
def test_a_total_row_directly_under_the_header_is_the_total(con, rows, merged, first) -> None:
    plan = upload(con, rows, merged)
    assert sorted(f.value for f in plan.facts) == [5, 9, 10, 20] and not plan.errors
    total = next(r for r, row in enumerate(rows) if "合计" in row)
    assert f"表1：第{total + 1}行“合计”是合计行，用于核对，不作为乡镇保存" in said(plan, "note")
    rows = [list(r) for r in rows]
    rows[total][rows[total].index(15)] = 16
    assert said(upload(con, rows, merged), "error") == [
        f"{first}{total + 1}：城市低保户数：合计行16户与各乡镇之和15户不一致（相差1户）"]


def test_group_label_rows_inside_the_table_are_neither_header_nor_township(con) -> None:
    rows = [["黔江区2025年4月城市低保统计表"], ["乡镇", "城市低保户数", "城市低保人数"], ["一、街道", None, None],
            ["城东", 10, 20], ["城南", 5, 9], ["二、镇", None, None], ["黎水", 3, 4], ["合计", 18, 33]]
    plan = upload(con, rows)
    assert sorted(f.value for f in plan.facts) == [3, 4, 5, 9, 10, 20] and not plan.errors
    assert "表1：以下是分组标题行，不是乡镇：第3行“一、街道”、第6行“二、镇”" in said(plan, "note")
    with_sums = [list(r) for r in rows]  # group rows carrying their townships' sums: subtotals, left out of the 合计
    with_sums[2][1:], with_sums[5][1:] = [15, 29], [3, 4]
    plan = upload(con, with_sums)
    assert sorted(f.value for f in plan.facts) == [3, 4, 5, 9, 10, 20] and not plan.errors
    assert "表1：以下是小计行，不作为乡镇保存，合计只与各乡镇之和核对：第3行“一、街道”、第6行“二、镇”" in said(plan, "note")


# --- 12, 14. messages that say what happened ------------------------------------------------------------------


def test_nothing_read_says_which_rows_and_columns_were_looked_at(con) -> None:
    rows = [["黔江区2025年4月统计表"], ["乡镇", "人数", "户数"], ["城东", 10, 20], ["城南", 5, 9]]
    assert said(upload(con, rows), "error") == ["表1：没有读到任何数值：读取了第3—4行（2个乡镇、街道），但B列“人数”、C列“户数”"
                                                "都没有对应的指标：请在“需要您确认”中为它们选择指标"]
    dashes = [["黔江区2025年4月统计表"], ["乡镇", "城市低保人数"], ["城东", "—"], ["城南", "/"]]
    assert said(upload(con, dashes), "error") == ["表1：没有读到任何数值：读取了第3—4行（2个乡镇、街道），B列在这些行中都是"
                                                  "“—”“/”“无”等未报送标记或空白"]


def monthly(month: int, funds: tuple[float, float, float], note: str | None = None) -> list[list[object]]:
    rows = [[f"黔江区2025年{month}月城市低保统计表"], ["乡镇", "城市低保人数", "城市低保资金（元）"],
            ["城东", 10, funds[0]], ["城南", 5, funds[1]], ["城西", 6, funds[2]]]
    return rows + ([[note]] if note else [])


def test_month_or_year_to_date_is_a_note_read_from_footnotes_and_asked_only_when_the_figures_say_so(con) -> None:
    plan = upload(con, monthly(1, (5_000, 2_500, 3_000)), name="2025年1月.xlsx")
    assert not [m for m in said(plan, "note", "warning") if "当月或累计" in m]  # January: both readings the same
    commit(con, plan)
    for month in (2, 3):
        commit(con, upload(con, monthly(month, (5_100, 2_500, 3_000)), name=f"2025年{month}月.xlsx"))
    plan = upload(con, monthly(4, (5_000, 2_500, 3_100), note="注：资金为当月发放数。"))
    assert "表1：C列未注明当月或累计，按表下说明“注：资金为当月发放数。”作为当月数读取；如不对请改选" in said(plan, "note")
    assert not [m for m in said(plan, "warning") if "当月或累计" in m]  # nothing for --strict to refuse
    assert stored(plan)[("dibao_urban_funds", "城东街道")] == (5_000, "C3")
    # January-to-April totals in a file that does not say so: about 4× each township's March, asked
    plan = upload(con, monthly(4, (20_200, 10_000, 12_100)))
    assert [(f.rule, f.where.rsplit(" › ", 1)[-1]) for f in plan.soft] == [("month_or_ytd", "C3")]
    assert "约为本乡镇上月的4.0倍，更像1-4月累计数" in plan.soft[0].message
    switched = upload(con, monthly(4, (20_200, 10_000, 12_100)), ytd={AT: True})
    assert not switched.soft and stored(switched)[("dibao_urban_funds", "城东街道")][0] == 5_000  # 20,200 − 15,200


# --- the property: rearranging a table never changes what is stored without a word ----------------------------

NAMES = ["城东", "城南", "城西", "正阳", "舟白", "冯家"]
COLUMNS = ["城市低保户数", "城市低保人数", "农村低保户数", "农村低保人数"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rearranged_tables_store_the_same_totals(con, data) -> None:
    figures: dict[str, list[int]] = {}
    for n in NAMES:  # 户数 ≤ 人数, as the audit rule holds them
        urban, rural = (data.draw(st.integers(1, 400), label=f"{n}人数") for _ in range(2))
        figures[n] = [data.draw(st.integers(1, urban)), urban, data.draw(st.integers(1, rural)), rural]
    order = data.draw(st.permutations(range(len(COLUMNS))), label="column order")
    hide = data.draw(st.booleans(), label="a hidden copy of last month")
    groups = data.draw(st.booleans(), label="group rows")
    subtotal = data.draw(st.booleans(), label="小计 rows")
    total = data.draw(st.booleans(), label="合计 row")
    header = ["乡镇", *(COLUMNS[i] for i in order)]
    body = [[n, *(figures[n][i] for i in order)] for n in NAMES]
    hidden_cols: tuple[int, ...] = ()
    if hide:  # last month's figures in hidden columns with the same headers, before this month's
        at = data.draw(st.integers(1, len(header)), label="where")
        header.insert(at, COLUMNS[order[0]])
        for row in body:
            row.insert(at, 999)
        hidden_cols = (at,)
    rows: list[list[object]] = [["黔江区2025年4月城乡低保统计表"], header]
    if groups:
        rows.append(["一、街道", *[None] * (len(header) - 1)])
    for n, row in enumerate(body):
        rows.append(row)
        if subtotal and n in (2, 5):
            rows.append([f"{'街道' if n == 2 else '镇'}小计", *(sum(r[c] for r in body[n - 2:n + 1])
                                                               for c in range(1, len(header)))])
    if total:
        rows.append(["合计", *(sum(r[c] for r in body) for c in range(1, len(header)))])
    plan = upload(con, rows, hidden_cols=hidden_cols)
    assert not plan.errors, said(plan, "error")  # every one of these layouts is read
    got: dict[str, float] = {}
    for f in plan.facts:
        got[f.indicator] = got.get(f.indicator, 0) + f.value
    codes = ["dibao_urban_households", "dibao_urban_persons", "dibao_rural_households", "dibao_rural_persons"]
    assert got == {code: sum(figures[n][i] for n in NAMES) for i, code in enumerate(codes)}
