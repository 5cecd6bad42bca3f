"""Every chart's saved image is named for what it shows: indicator, view and period.

``ui.charts.show`` hands each Plotly chart a config whose toolbar keeps two buttons (下载图片, 还原), saves a PNG
at twice the drawn size under that name, speaks Chinese and never fetches a world map from the internet. Here: the
config of every chart on every page with charts. tests/e2e/test_chart_images.py saves them in a real browser.
"""

from __future__ import annotations

import json

import pytest

from ui.charts import GEO_ASSETS, file_name

pytestmark = pytest.mark.timeout(120)

ILLEGAL = set('/\\:*?"<>|')


def names(at) -> list[str]:
    """The file name (without .png) each chart of the run saves under, in page order."""
    found = []
    for chart in at.get("plotly_chart"):
        config = json.loads(chart.proto.config)
        assert config["toImageButtonOptions"]["format"] == "png"
        assert config["toImageButtonOptions"]["scale"] == 2
        assert config["displaylogo"] is False
        assert config["modeBarButtons"][0][0] == "toImage" and len(config["modeBarButtons"][0]) == 2
        assert config["locale"] == "zh-CN"
        assert config["locales"]["zh-CN"]["dictionary"]["Download plot as a PNG"].startswith("下载图片")
        assert config["topojsonURL"] == GEO_ASSETS
        found.append(config["toImageButtonOptions"]["filename"])
    for name in found:
        assert not ILLEGAL & set(name), name
    return found


def test_trend_default(app, clean):
    at = app("pages/trend.py")
    clean(at)
    assert names(at) == ["城市低保人数、农村低保人数_趋势_2022年7月-2025年6月",
                         "城市低保人数_今年与去年逐月对比_2024年1月-2025年6月"]


def test_trend_one_chart_per_unit_with_townships_quarters_and_ytd(app, clean):
    at = app("pages/trend.py", inds=["农村低保资金支出（元）", "临时救助资金（元）", "农村低保人数（人）"], grain="季",
             mode="累计", towns=["城南街道", "城东街道"], range=["2024年1月", "2025年6月"])
    clean(at)
    # Townships in registry order, as the page lists them.
    assert names(at) == ["城东街道、城南街道_农村低保资金支出、临时救助资金_按季累计趋势_2024年1月-2025年6月",
                         "城东街道、城南街道_农村低保人数_按季趋势_2024年1月-2025年6月",
                         "城东街道、城南街道_农村低保资金支出_今年与去年累计对比_2024年1月-2025年6月"]


@pytest.mark.parametrize(("view", "expected"), [
    (None, "农村低保人数_乡镇排名_2025年6月"),
    ("逐月热力图", "农村低保人数_乡镇逐月热力图_2024年7月-2025年6月"),
    ("人均指标", "城市低保月人均补助_乡镇排名_2025年6月"),
])
def test_compare_default(app, clean, view, expected):
    at = app("pages/compare.py", **({"view": view} if view else {}))  # only the open tab draws its chart
    clean(at)
    assert names(at) == [expected]


@pytest.mark.parametrize(("view", "expected"), [
    (None, "农村低保资金支出_乡镇排名_2025年第1季度累计"),
    ("逐月热力图", "农村低保资金支出_乡镇逐月累计热力图_2024年4月-2025年3月"),
    ("人均指标", "城市低保月人均补助_乡镇排名_2025年第1季度"),
])
def test_compare_quarter_ytd_flow(app, clean, view, expected):
    at = app("pages/compare.py", ind="农村低保资金支出（社会救助）", period="2025年3月", grain="季", mode="累计",
             **({"view": view} if view else {}))
    clean(at)
    assert at.selectbox(key="ind").value == "dibao_rural_funds"
    assert names(at) == [expected]


@pytest.mark.parametrize(("slide", "expected"), [
    (2, "城市低保人数、农村低保人数_趋势_2023年7月-2025年6月"),
    (3, "农村低保资金支出_今年与去年累计对比_2024年1月-2025年6月"),
    (4, "农村低保人数_乡镇排名_2025年6月"),
    (6, "社区APP注册用户数_趋势_2023年7月-2025年6月"),
])
def test_meeting_slides(app, clean, slide, expected):
    at = app(meeting="1", slide=str(slide))
    clean(at)
    assert names(at) == [expected]


def test_meeting_other_month(app, clean):
    at = app(meeting="1", slide="4", period="2024年12月")
    clean(at)
    assert names(at) == ["农村低保人数_乡镇排名_2024年12月"]


def test_overview_has_no_chart_to_save(app, clean):
    """总览's cards draw their trend lines as small inline images (SVG): no toolbar, so no image to name."""
    at = app()
    clean(at)
    assert at.title[0].value == "民政工作总览"
    assert not at.get("plotly_chart")
    assert any(m.value.startswith("<svg") for m in at.markdown)


def test_file_name_is_safe_and_keeps_the_period():
    assert file_name("城市低保人数", "趋势", "2022年7月-2025年6月") == "城市低保人数_趋势_2022年7月-2025年6月"
    assert file_name("", 'a/b\\c:d*e?f"g<h>i|j', " 救助 资金. ") == "abcdefghij_救助_资金"
    assert file_name("", " ") == "图表"
    long = file_name("很长的指标名称" * 20, "趋势", "2022年7月-2025年6月")
    assert len(long) == 80 and long.endswith("…_趋势_2022年7月-2025年6月")
