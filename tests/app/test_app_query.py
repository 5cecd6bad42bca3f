"""数据查询 (pages/query.py): the table for the choices in the URL, its 合计 row against SQL on ``v_fact``, and the
downloads holding exactly the figures on screen."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.app.conftest import shown as displayed

PAGE = "pages/query.py"
JUNE = "2025-06-01"


def shown(at):
    (frame,) = at.dataframe
    return frame.value


def buttons(at, downloads) -> dict[str, tuple[str, bytes]]:
    """Download buttons by label: (file name, bytes)."""
    out = {}
    for b in at.get("download_button"):
        out[b.proto.label] = (b.proto.url, downloads[b.proto.url])
    return out


def test_default_view_is_this_year_by_township_with_a_total(app, clean, sql) -> None:
    at = app(PAGE)
    clean(at)
    assert any(displayed(h.value) == "黔江区2025年1-6月民政主要指标统计表" for h in at.subheader)
    df = shown(at)
    assert len(df) == 31 and df.iloc[-1]["乡镇（街道）"] == "合计" and df.iloc[0]["乡镇（街道）"] == "城东街道"
    # the total of the rows shown: 新华乡, which has not reported June, counts with the May figure its row shows
    persons = sql("SELECT sum(last) FROM (SELECT arg_max(value, period) AS last FROM v_fact"
                  f" WHERE indicator_code = 'dibao_urban_persons' AND period BETWEEN '2025-01-01' AND '{JUNE}'"
                  " GROUP BY township)")
    assert persons == df.iloc[:-1]["城市低保人数（人）"].sum()
    funds = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_urban_funds'"
                f" AND period BETWEEN '2025-01-01' AND '{JUNE}'")
    assert df.iloc[-1]["城市低保人数（人）"] == persons
    assert df.iloc[-1]["城市低保资金支出（万元）"] == round(funds / 1e4, 2)
    east = sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND township = '城东街道'"
               f" AND period = '{JUNE}'")
    assert df.iloc[0]["农村低保人数（人）"] == east
    assert df.iloc[0]["区划代码"] == "500114001"
    assert any("单位：户、人、万元" in c.value for c in at.caption)


def test_by_quarter_year_to_date_from_the_url(app, clean, sql) -> None:
    at = app(PAGE, q_inds=["农村低保资金支出（元）", "农村低保人数（人）"], q_rows="按期间", q_grain="季", q_mode="累计",
             q_range=["2024年1月", "2025年6月"])
    clean(at)
    df = shown(at)
    assert list(df["期间"]) == ["2024年第1季度", "2024年第2季度", "2024年第3季度", "2024年第4季度", "2025年第1季度",
                               "2025年第2季度（数据不全）", "合计"]  # 新华乡 has not reported June
    ytd_sep = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_rural_funds'"
                  " AND period BETWEEN '2024-01-01' AND '2024-09-01'")
    assert df.iloc[2]["农村低保资金支出（万元）"] == round(ytd_sep / 1e4, 2)  # 累计 at the end of the third quarter
    dec = sql("SELECT sum(value) FROM v_fact WHERE indicator_code = 'dibao_rural_persons' AND period = '2024-12-01'")
    assert df.iloc[3]["农村低保人数（人）"] == dec
    assert list(df.columns) == ["期间", "农村低保人数（人）", "农村低保资金支出（万元）"]  # catalog order


def test_chosen_townships_sorted_with_the_total_last(app, clean, sql) -> None:
    at = app(PAGE, q_inds="城市低保人数（人）", q_towns=["城东街道", "城南街道", "正阳街道"], q_sort="按城市低保人数",
             q_order="从小到大", q_range=["2025年6月", "2025年6月"])
    clean(at)
    df = shown(at)
    values = {t: sql("SELECT value FROM v_fact WHERE indicator_code = 'dibao_urban_persons' AND township = ?"
                     f" AND period = '{JUNE}'", t) for t in ("城东街道", "城南街道", "正阳街道")}
    assert list(df["乡镇（街道）"]) == [*sorted(values, key=values.get), "所选3个乡镇（街道）合计"]
    assert [h.value for h in at.subheader] == ["黔江区城东街道、城南街道、正阳街道2025年6月民政主要指标统计表"]
    assert df.iloc[-1]["城市低保人数（人）"] == sum(values.values())


@pytest.mark.timeout(120)
def test_downloads_hold_the_table_on_screen(app, clean, downloads) -> None:
    at = app(PAGE, q_inds=["城市低保人数（人）", "城市低保资金支出（元）", "特困人员救助供养资金（元）"])
    clean(at)
    df = shown(at)
    got = buttons(at, downloads)
    assert set(got) == {"下载 Excel（统计表格式）", "下载 CSV（UTF-8）", "下载 CSV（GBK）"}
    ws = openpyxl.load_workbook(io.BytesIO(got["下载 Excel（统计表格式）"][1])).active
    assert ws["A1"].value == "黔江区2025年1-6月民政主要指标统计表"
    sheet = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(5, 5 + len(df))]
    screen = [[row[0], row[1] or None, *row[2:]] for row in df.itertuples(index=False)]
    assert sheet == screen
    rows = list(csv.reader(io.StringIO(got["下载 CSV（UTF-8）"][1].decode("utf-8-sig"))))
    assert rows[0] == list(df.columns)
    assert rows[-1] == ["合计", "", f"{df.iloc[-1, 2]:.0f}", f"{df.iloc[-1, 3]:.2f}", f"{df.iloc[-1, 4]:.2f}"]
    assert list(csv.reader(io.StringIO(got["下载 CSV（GBK）"][1].decode("gbk")))) == rows


def test_no_indicator_chosen_asks_for_one(app, clean) -> None:
    at = app(PAGE, q_inds=[])
    clean(at)
    # An empty list in the URL leaves the default; clearing the widget is what a person does
    at.multiselect(key="q_inds").set_value([]).run()
    clean(at)
    assert any("请在左侧选择至少一个指标" in i.value for i in at.info)
    assert not at.dataframe
