"""The 汇报材料's charts (civdash/outputs/report_charts.py) on the demo district ending 2025-06: which figure each section's
chart shows, that its highlighted value is the report's own figure (month, quarter and 1-N月 reports), the other points
worked out again with plain SQL on ``v_fact``, and the PNG a real picture at the page's text width."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
from PIL import Image

from civdash.analysis import report
from civdash.analysis.report import ReportPeriod
from civdash.domain.units import to_display
from civdash.outputs import report_charts
from civdash.outputs.report_charts import SectionChart

JUNE = date(2025, 6, 1)


@pytest.fixture(scope="module", params=["month", "quarter", "ytd"])
def made(request, demo_con) -> tuple[report.Report, tuple[SectionChart, ...]]:
    r = report.build(demo_con, ReportPeriod.of(request.param, JUNE), made_on=date(2025, 7, 3))
    return r, report_charts.chart_data(demo_con, r)


def v_fact(demo_con, code: str, first: date, last: date) -> float:
    """The district's total of ``code`` over the months ``first``–``last`` (townships only), straight from v_fact."""
    return demo_con.execute(
        "SELECT sum(value) FROM v_fact WHERE township NOT IN (SELECT name FROM township WHERE level = 'district')"
        " AND indicator_code = ? AND period BETWEEN ? AND ?", [code, first, last]).fetchone()[0]


def test_one_chart_per_section_with_its_headline_figures(made) -> None:
    r, charts = made
    assert [c.heading for c in charts] == [s.heading for s in r.sections]
    social = charts[0]
    assert social.heading == "一、社会救助"
    trend, years = social.panels
    # 城市低保 is read as one figure '1030户1664人'; its change is the persons', so the chart is the persons'
    assert trend.kind == "trend" and trend.title.startswith("城市低保人数走势") and trend.unit == "人"
    assert years.kind == "years" and years.title.startswith("城市低保资金支出：2025年与2024年") and years.unit == "万元"
    assert years.decimals == 2
    assert [name for name, _ in years.series] == ["2025年", "2024年"]


def test_highlighted_values_are_the_reports_figures(made) -> None:
    r, charts = made
    for section, chart in zip(r.sections, charts, strict=True):
        figures = {f.name: f for f in section.figures}
        for panel in chart.panels:
            name = panel.title.split("走势")[0] if panel.kind == "trend" else panel.title.split("：")[0]
            figure = figures[name]
            assert panel.highlighted == to_display(figure.value, figure.unit), (section.heading, panel.title)
            assert panel.unit == figure.shown_unit


def test_trend_is_thirteen_months_or_eight_quarters(made) -> None:
    r, charts = made
    trend = charts[0].panels[0]
    if r.period.kind == "quarter":
        assert trend.labels == ("2023年三季度", "2023年四季度", "2024年一季度", "2024年二季度", "2024年三季度",
                                "2024年四季度", "2025年一季度", "2025年二季度")
    else:
        assert len(trend.labels) == 13 and trend.labels[0] == "2024年6月" and trend.labels[-1] == "2025年6月"
    assert trend.highlight == (0, len(trend.labels) - 1)


def test_years_panel_values_from_v_fact(made, demo_con) -> None:
    r, charts = made
    years = charts[0].panels[1]
    now, before = years.series[0][1], years.series[1][1]
    code = "dibao_urban_funds"
    if r.period.kind == "month":
        assert years.bars and years.labels == tuple(f"{m}月" for m in range(1, 13))
        assert now[2] == pytest.approx(v_fact(demo_con, code, date(2025, 3, 1), date(2025, 3, 1)) / 1e4, abs=1e-9)
        assert before[11] == pytest.approx(v_fact(demo_con, code, date(2024, 12, 1), date(2024, 12, 1)) / 1e4,
                                           abs=1e-9)
        assert now[6:] == (None,) * 6  # no bars after the report's month
    elif r.period.kind == "quarter":
        assert years.bars and years.labels == ("一季度", "二季度", "三季度", "四季度")
        assert now[0] == pytest.approx(v_fact(demo_con, code, date(2025, 1, 1), date(2025, 3, 1)) / 1e4, abs=1e-9)
        assert before[3] == pytest.approx(v_fact(demo_con, code, date(2024, 10, 1), date(2024, 12, 1)) / 1e4,
                                          abs=1e-9)
        assert now[2:] == (None, None)
    else:  # 1-N月累计: lines of the year-to-date totals
        assert not years.bars
        assert now[3] == pytest.approx(v_fact(demo_con, code, date(2025, 1, 1), date(2025, 4, 1)) / 1e4, abs=1e-9)
        assert before[11] == pytest.approx(v_fact(demo_con, code, date(2024, 1, 1), date(2024, 12, 1)) / 1e4,
                                           abs=1e-9)
        assert years.title.endswith("（1-N月累计）")


def test_png_is_a_picture_at_the_text_width(made) -> None:
    _, charts = made
    for chart in charts[:2] + charts[-1:]:
        png = report_charts.render(chart)
        assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        width = round(report_charts.WIDTH_CM / 2.54 * report_charts.DPI)
        height = round(report_charts.PANEL_CM * len(chart.panels) / 2.54 * report_charts.DPI)
        assert abs(image.width - width) <= 2 and abs(image.height - height) <= 2
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert len(colours) > 50  # text and lines, not a blank page
        blue = tuple(int(report_charts.THIS_YEAR[k:k + 2], 16) for k in (1, 3, 5))
        assert any(rgb == blue for _, rgb in colours)


def test_names_with_dollar_signs_are_drawn_as_typed_not_as_math(made) -> None:
    """An indicator or township named with '$' is text: matplotlib's math reading would draw '$x^2$' as a formula
    and refuse an unbalanced '$\\frac{$' (no picture, no report)."""
    from dataclasses import replace

    _, charts = made
    chart = charts[0]
    hostile = replace(chart.panels[0], title="$\\frac{$城市低保人数", left_out=("$x^2$乡",),
                      series=tuple(("$\\frac{$" + name, values) for name, values in chart.panels[0].series))
    png = report_charts.render(replace(chart, panels=(hostile, *chart.panels[1:])))
    assert png is not None and png.startswith(b"\x89PNG")


def test_value_labels_keep_two_decimals_for_money() -> None:
    assert report_charts.value_label(532.1, 2) == "532.10"
    assert report_charts.value_label(0.125, 2) == "0.13"
    assert report_charts.value_label(1664, 0) == "1,664"


def test_without_a_cjk_font_no_pictures_and_a_warning(demo_con, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(report_charts, "FONT_DIRS", (tmp_path,))
    assert report_charts.cjk_font() is None
    r = report.build(demo_con, ReportPeriod.of("month", JUNE), ["婚姻登记"])
    with caplog.at_level(logging.WARNING, logger="civdash.outputs.report_charts"):
        assert report_charts.pictures(demo_con, r) == {}
        assert report_charts.render(report_charts.chart_data(demo_con, r)[0]) is None
    assert [rec.levelno for rec in caplog.records] == [logging.WARNING, logging.WARNING]
    assert "fonts-noto-cjk" in caplog.records[0].getMessage()


def test_incomplete_points_are_marked_as_the_report_marks_them(made) -> None:
    """新华乡 has not reported June 2025: the report's June figures say 数据不全, so do the charts' June points."""
    r, charts = made
    trend, years = charts[0].panels
    persons = next(f for f in r.sections[0].figures if f.name == "城市低保人数")
    funds = next(f for f in r.sections[0].figures if f.name == "城市低保资金支出")
    assert "新华乡" in persons.mark and "新华乡" in funds.mark
    assert trend.highlight in trend.incomplete and trend.left_out == ("新华乡",)
    assert years.highlight in years.incomplete and "新华乡" in years.left_out
    assert all(trend.series[s][1][x] is not None for s, x in trend.incomplete)


def test_drawings_at_once_in_several_sessions_are_the_same_picture(made) -> None:
    """Pages of several people render at the same time: matplotlib's settings are process-wide, so the drawings take
    turns; each thread's picture is the one drawn alone (with the Chinese font, not a fallback)."""
    from concurrent.futures import ThreadPoolExecutor

    from matplotlib import font_manager

    _, charts = made
    alone = report_charts.render(charts[0])
    registered = len(font_manager.fontManager.ttflist)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(report_charts.render, [charts[0]] * 4))
    assert together == [alone] * 4
    assert len(font_manager.fontManager.ttflist) == registered  # the font is added once, not per drawing


@pytest.fixture(scope="module")
def november(tmp_path_factory: pytest.TempPathFactory):
    """A bureau whose data start in November 2025."""
    from civdash import demo
    from civdash.store import db

    path = tmp_path_factory.mktemp("november") / "november.duckdb"
    demo.build(path, until=date(2025, 12, 1), first=date(2025, 11, 1))
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def test_no_chart_without_the_data_for_one(november) -> None:
    """Data since November: December's 走势 has two months, so it is drawn; there is no last year to set this year
    against, so no 今年与去年; November alone makes no chart at all."""
    december = report.build(november, ReportPeriod.of("ytd", date(2025, 12, 1)))
    charts = report_charts.chart_data(november, december)
    assert charts and all(p.kind == "trend" for c in charts for p in c.panels)
    assert all(len([v for v in c.panels[0].series[0][1] if v is not None]) == 2 for c in charts)
    sections_with_stocks = [s.heading for s in december.sections if any(f.kind != "flow" for f in s.figures)]
    assert [c.heading for c in charts] == sections_with_stocks
    alone = report.build(november, ReportPeriod.of("month", date(2025, 11, 1)))
    assert report_charts.chart_data(november, alone) == ()
    assert report_charts.pictures(november, alone) == {}
