"""The 数据查询 table (civdash/analysis/table.py) on the tiny district of conftest.py, every figure worked out by hand, and on
the demo district against plain SQL on ``v_fact``."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from civdash.analysis import table
from civdash.analysis.table import TableRequest

ALL = ("persons", "funds", "standard", "rate", "cases")
JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def cells(t: table.QueryTable) -> dict[str, dict[str, float]]:
    """label → indicator code → value (NaN kept)."""
    return {label: {c.code: t.values[r, k] for k, c in enumerate(t.columns)} for r, label in enumerate(t.labels)}


def test_township_rows_take_flows_over_the_range_and_stocks_at_its_end(small) -> None:
    t = table.build(small.con, TableRequest(ALL, JAN, MAR))
    assert t.labels == ["城东街道", "中塘镇", "新华乡", "合计"]
    assert t.codes == ["500114001", "500114121", "500114256", ""]
    assert t.title == "黔江区2025年1-3月民政主要指标统计表" and t.period_text == "2025年1-3月"
    got = cells(t)
    # funds (元, shown in 万元, 2 decimals): Jan–Mar summed; 新华乡 has no March
    assert got["城东街道"]["funds"] == 0.45  # 1400 + 1500 + 1600
    assert got["新华乡"]["funds"] == 0.08  # 400 + 420
    assert got["合计"]["funds"] == 0.76  # 2500 + 2670 + 2400 = 7570 元
    # persons (stock): each township's last month with data (新华乡 did not report March: its February 33), and the
    # total is the sum of the rows shown: 121 + 67 + 33, not March's 188
    assert [got[n]["persons"] for n in ("城东街道", "中塘镇", "新华乡", "合计")] == [121, 67, 33, 221]
    # standard (level, weighted by persons): the rows' (730·121 + 630·67 + 520·33) / 221
    assert got["合计"]["standard"] == round((730 * 121 + 630 * 67 + 520 * 33) / 221, 2)
    assert got["合计"]["rate"] == 63.3  # plain average of the rows' 84, 64 and 42 = 63.33
    # cases (flow, only two townships): 新华乡 has none, not zero
    assert got["城东街道"]["cases"] == 22 and got["中塘镇"]["cases"] == 11 and np.isnan(got["新华乡"]["cases"])
    assert got["合计"]["cases"] == 33
    assert [c.header for c in t.columns] == ["低保人数（人）", "低保资金（万元）", "平均保障标准（元/人·月）", "覆盖率（%）",
                                             "临时救助人次（人次）"]
    assert t.unit_line == "单位：人、万元、元/人·月、%、人次"
    assert any("新华乡（2025年2月）" in note and "合计中也按此计入" in note for note in t.notes)  # and the table says so


def test_the_district_row_and_superseded_values_never_count(small) -> None:
    got = cells(table.build(small.con, TableRequest(("persons", "funds"), JAN, FEB)))
    assert got["合计"]["persons"] == 218  # February: 119 + 66 + 33; not the district row's 10000 in January
    assert got["城东街道"]["funds"] == 0.29  # 1400 + 1500, not the superseded 9999


def test_year_to_date_starts_in_january_of_the_last_month(small) -> None:
    t = table.build(small.con, TableRequest(("funds", "persons"), date(2024, 10, 1), FEB, ytd=True))
    got = cells(t)
    assert got["城东街道"]["funds"] == 0.29  # 1400 + 1500: 2024's months are not in 2025's 累计
    assert t.period_text == "2025年1-2月"
    assert any("当年累计数（1-2月）" in note for note in t.notes)
    plain = cells(table.build(small.con, TableRequest(("funds",), date(2024, 10, 1), FEB)))
    assert plain["城东街道"]["funds"] == 0.65  # 1100 + 1200 + 1300 + 1400 + 1500 = 6500


def test_period_rows_by_quarter_with_the_whole_range_as_total(small) -> None:
    t = table.build(small.con, TableRequest(("funds", "persons"), date(2024, 11, 1), MAR, grain="quarter",
                                            rows="period"))
    # 新华乡 has not reported March: 2025Q1 lacks it, and a note says so
    assert t.labels == ["2024年第4季度", "2025年第1季度（数据不全）", "合计"] and t.codes is None
    assert "2025年第1季度数据不全（新华乡未报送），该期及合计行不含其未报送月份的数据。" in t.notes
    got = cells(t)
    assert got["2024年第4季度"]["funds"] == 0.65  # the quarter starts in October: 2000 + 2150 + 2350
    assert got["2025年第1季度（数据不全）"]["funds"] == 0.76
    assert got["合计"]["funds"] == 1.41  # 6500 + 7570 = 14070 元
    assert [got[k]["persons"] for k in t.labels] == [210, 188, 188]
    assert t.title == "黔江区2024年10月—2025年3月民政主要指标统计表"


def test_period_rows_by_month_cover_months_without_data(small) -> None:
    t = table.build(small.con, TableRequest(("cases",), JAN, MAR, rows="period"))
    got = cells(t)
    assert t.labels == ["2025年1月", "2025年2月", "2025年3月", "合计"]
    assert got["2025年1月"]["cases"] == 15 and got["2025年2月"]["cases"] == 18 and np.isnan(got["2025年3月"]["cases"])
    assert got["合计"]["cases"] == 33


def test_chosen_townships_and_their_total(small) -> None:
    t = table.build(small.con, TableRequest(("persons", "funds"), JAN, MAR, townships=(small.t2, small.t1)))
    assert t.labels == ["城东街道", "中塘镇", "所选2个乡镇（街道）合计"]  # display order, whatever the order chosen
    assert t.title == "黔江区城东街道、中塘镇2025年1-3月民政主要指标统计表"  # never titled as the district
    got = cells(t)
    got["合计"] = got.pop("所选2个乡镇（街道）合计")
    assert got["合计"]["persons"] == 188 and got["合计"]["funds"] == np.round(6750 / 1e4, 2)
    assert any("所选乡镇" in note for note in t.notes)


@pytest.mark.parametrize(("descending", "order"), [(True, ["城东街道", "中塘镇", "新华乡"]),
                                                   (False, ["新华乡", "中塘镇", "城东街道"])])
def test_sorting_keeps_the_total_last(small, descending, order) -> None:
    t = table.build(small.con, TableRequest(("persons",), JAN, MAR, sort_by="persons", descending=descending))
    assert t.labels == [*order, "合计"]
    assert list(t.values[:, 0]) == sorted(t.values[:-1, 0], reverse=descending) + [221]


def test_a_column_without_a_value_sorts_last_either_way(small) -> None:
    for descending in (True, False):
        t = table.build(small.con, TableRequest(("cases", "persons"), JAN, MAR, sort_by="cases", descending=descending))
        assert t.labels[2:] == ["新华乡", "合计"]


def test_columns_follow_the_catalog_and_the_frame_is_what_is_shown(small) -> None:
    t = table.build(small.con, TableRequest(("cases", "persons"), JAN, MAR))
    assert [c.code for c in t.columns] == ["persons", "cases"]
    frame = t.frame()
    assert list(frame.columns) == ["乡镇（街道）", "区划代码", "低保人数（人）", "临时救助人次（人次）"]
    assert frame.iloc[-1].tolist()[:3] == ["合计", "", 221]


def test_demo_totals_equal_sql_on_v_fact(demo_con, sql) -> None:
    codes = ("dibao_urban_persons", "dibao_urban_funds", "tekun_funds")
    t = table.build(demo_con, TableRequest(codes, JAN, date(2025, 6, 1)))
    got = cells(t)
    assert len(t.labels) == 31
    # 新华乡 has not reported June: its row and the total carry its May figure (the note says so)
    persons = sql("SELECT sum(last) FROM (SELECT arg_max(value, period) AS last FROM v_fact"
                  " WHERE indicator_code = 'dibao_urban_persons' AND period BETWEEN '2025-01-01' AND '2025-06-01'"
                  " GROUP BY township)")
    assert persons > sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_persons'"
                         " AND period = '2025-06-01'")
    assert any("新华乡（2025年5月）" in note for note in t.notes)
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                " AND period BETWEEN '2025-01-01' AND '2025-06-01'")
    assert got["合计"]["dibao_urban_persons"] == persons == sum(t.values[:-1, 0])
    assert got["合计"]["dibao_urban_funds"] == round(funds / 1e4, 2)
    east = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'tekun_funds' AND township = '城东街道'"
               " AND period BETWEEN '2025-01-01' AND '2025-06-01'")
    assert got["城东街道"]["tekun_funds"] == round(east / 1e4, 2)
