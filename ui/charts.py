"""Altair charts in one house style: Chinese fonts, units on axes, readable on a projector."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from civdash.domain.geo import load_township_shapes
from civdash.domain.periods import month_label
from civdash.domain.units import display_decimals, display_unit, to_display

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PALETTE = ["#c0392b", "#2e6da4", "#27ae60", "#e67e22", "#8e44ad", "#16a085", "#7f8c8d", "#d35400"]


# Saving a chart as an image. Streamlit (1.67) embeds a chart with vega-embed's own menu switched off and
# strips the spec's usermeta.embedOptions down to theme/renderer/padding, so a spec cannot set vega-embed's
# downloadFileName or scaleFactor. Its toolbar button "Download as PNG" already saves at
# max(2, devicePixelRatio) times the drawn size, but always as '<date>T<time>_chart.png'. The chart's
# ``alt`` (its accessible name) is the one thing of ours that reaches that button, as its label
# "Download as PNG: <alt>"; the script below gives the saved file that name. Should a Streamlit release
# change the button, files fall back to Streamlit's name (tests/e2e/test_chart_images.py notices).
FILE_NAME_LIMIT = 80  # characters; a Chinese character takes 3 of the 255 bytes most file systems allow
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_NAME_DOWNLOADS = r"""<script data-civdash="chart-file-names">
(() => {
  if (window.civdashChartFileNames) return;
  window.civdashChartFileNames = true;
  // This element draws nothing; without this rule it would still add a gap above each chart.
  const style = document.createElement("style");
  style.textContent = '[data-testid="stElementContainer"]:has(script[data-civdash="chart-file-names"]) {display: none}';
  document.head.append(style);
  const prefix = "Download as PNG: ";
  let name = null;
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const button = target.closest('[data-testid="stElementToolbarButton"] button');
    if (button) {
      const label = button.getAttribute("aria-label") || "";
      name = label.startsWith(prefix) ? label.slice(prefix.length) : null;
    } else if (target instanceof HTMLAnchorElement && name && /_chart[.]png$/.test(target.download)) {
      target.download = name.trim().replace(/[\\/:*?"<>|]/g, "").replace(/\s+/g, "_") + ".png";
      name = null;
    }
  }, true);  // capturing: before Streamlit's handlers, and before the browser saves the file
})();
</script>"""


def file_name(*parts: str) -> str:
    """Parts joined by '_' without the characters file systems refuse (/ \\ : * ? " < > |), e.g.
    '城市低保人数_趋势_2022年7月-2025年6月'. Past ``FILE_NAME_LIMIT`` the longest part is shortened, so the
    period at the end survives."""
    kept = [text for part in parts if (text := "_".join(_NOT_IN_FILE_NAMES.sub("", str(part)).split()).strip("._"))]
    while (over := len("_".join(kept)) - FILE_NAME_LIMIT) > 0:
        longest = max(range(len(kept)), key=lambda i: len(kept[i]))
        kept[longest] = kept[longest][: max(len(kept[longest]) - over - 1, 1)] + "…"
    return "_".join(kept) or "图表"


def listing(names: Sequence[str], most: int = 3, counted: str = "项") -> str:
    """'城市低保人数、农村低保人数'; more than ``most`` as '城市低保人数、农村低保人数、特困人数等5项'."""
    names = list(dict.fromkeys(names))
    return "、".join(names) if len(names) <= most else "、".join(names[:most]) + f"等{len(names)}{counted}"


def month_span(start: date, end: date) -> str:
    """'2022年7月-2025年6月' (one month alone: '2025年6月')."""
    return month_label(start) if start == end else f"{month_label(start)}-{month_label(end)}"


def show(chart: alt.TopLevelMixin, *parts: str) -> None:
    """Draw ``chart`` full width; its image saves as '<parts>.png' (indicator, view, period: see above).
    Screen readers read the same words, with spaces for the underscores."""
    st.html(_NAME_DOWNLOADS, unsafe_allow_javascript=True)
    st.altair_chart(chart, width="stretch", alt=file_name(*parts).replace("_", " "))


def _style(chart: alt.Chart, height: int = 360, big: bool = False) -> alt.Chart:
    size = 20 if big else 13
    return (
        chart.properties(height=height)
        .configure(font=FONT)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=size, titleFontSize=size, grid=True,
                        gridColor="#e8e8e8")
        .configure_axisY(titleAngle=0, titleAlign="left", titleAnchor="end", titleY=-12, titleX=0)
        .configure_range(category=PALETTE)
        .configure_legend(labelFont=FONT, titleFont=FONT, labelFontSize=size, titleFontSize=size, orient="top",
                          labelLimit=400)
        .configure_view(strokeWidth=0)
    )


def shown(df: pd.DataFrame, unit: str, column: str = "value") -> pd.DataFrame:
    """Add ``shown``: ``column`` converted to the display unit (元 → 万元)."""
    out = df.copy()
    out["shown"] = [to_display(v, unit) if pd.notna(v) else None for v in out[column]]
    return out


def _fmt(unit: str, decimals: int) -> str:
    return f",.{display_decimals(unit, decimals)}f"


def trend(df: pd.DataFrame, unit: str, decimals: int, series: str = "series", height: int = 360,
          big: bool = False) -> alt.Chart:
    """Lines over ``label`` (ordered as given) for each ``series``; values in ``shown``."""
    order = list(dict.fromkeys(df["label"]))
    fmt = _fmt(unit, decimals)
    base = alt.Chart(df).encode(
        x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45 if len(order) > 12 else 0)),
        y=alt.Y("shown:Q", title=display_unit(unit), axis=alt.Axis(format=",~f")),
        color=alt.Color(f"{series}:N", title=None, sort=list(dict.fromkeys(df[series]))),
        tooltip=[alt.Tooltip(f"{series}:N", title="系列"), alt.Tooltip("label:N", title="时期"),
                 alt.Tooltip("shown:Q", title=display_unit(unit), format=fmt)],
    )
    chart = base.mark_line(point=True, strokeWidth=4 if big else 2.5)
    return _style(chart, height, big)


def year_over_year(df: pd.DataFrame, unit: str, decimals: int, height: int = 360, big: bool = False) -> alt.Chart:
    """This year against last year by month: ``month`` (1–12), ``year``, ``shown``."""
    data = df.assign(month_label=df["month"].map(lambda m: f"{m}月"), year_label=df["year"].map(lambda y: f"{y}年"))
    fmt = _fmt(unit, decimals)
    chart = alt.Chart(data).mark_line(point=True, strokeWidth=4 if big else 2.5).encode(
        x=alt.X("month_label:N", sort=[f"{m}月" for m in range(1, 13)], title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("shown:Q", title=display_unit(unit)),
        color=alt.Color("year_label:N", title=None, scale=alt.Scale(range=["#9aa5b1", "#c0392b"])),
        tooltip=[alt.Tooltip("year_label:N", title="年份"), alt.Tooltip("month_label:N", title="月份"),
                 alt.Tooltip("shown:Q", title=display_unit(unit), format=fmt)],
    )
    return _style(chart, height, big)


def ranking(df: pd.DataFrame, unit: str, decimals: int, height: int | None = None, big: bool = False,
            highlight: str | None = None, zero: bool = True) -> alt.Chart:
    """Horizontal bars, largest first: ``township``, ``shown``. ``zero=False`` lets the axis start near the
    smallest value, for figures that differ by a few per cent (per-person amounts)."""
    data = df.dropna(subset=["shown"])
    fmt = _fmt(unit, decimals)
    bars = alt.Chart(data).mark_bar(color="#2e6da4").encode(
        y=alt.Y("township:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False)),
        x=alt.X("shown:Q", title=display_unit(unit), scale=alt.Scale(zero=zero), stack=None if not zero else "zero"),
        tooltip=[alt.Tooltip("township:N", title="乡镇"), alt.Tooltip("shown:Q", title=display_unit(unit), format=fmt)],
    )
    if highlight:
        bars = bars.encode(color=alt.condition(alt.datum.township == highlight, alt.value("#c0392b"),
                                               alt.value("#2e6da4")))
    labels = bars.mark_text(align="left", dx=4, fontSize=18 if big else 12, color="#333").encode(
        text=alt.Text("shown:Q", format=fmt))
    return _style(alt.layer(bars, labels), height or max(240, 22 * len(data) + 40), big)


def heatmap(df: pd.DataFrame, unit: str, decimals: int, township_order: list[str]) -> alt.Chart:
    """Township × month: ``township``, ``label``, ``shown``."""
    order = list(dict.fromkeys(df["label"]))
    fmt = _fmt(unit, decimals)
    chart = alt.Chart(df).mark_rect().encode(
        x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("township:N", sort=township_order, title=None, axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("shown:Q", title=display_unit(unit), scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("township:N", title="乡镇"), alt.Tooltip("label:N", title="月份"),
                 alt.Tooltip("shown:Q", title=display_unit(unit), format=fmt)],
    )
    return _style(chart, max(300, 26 * len(township_order) + 60))


def choropleth(geojson_path: Path, df: pd.DataFrame, unit: str, decimals: int,
               name_property: str = "name") -> alt.Chart:
    """Townships coloured by ``shown``; the GeoJSON's ``name_property`` holds the township name."""
    features = load_township_shapes(geojson_path, name_property)
    values = dict(zip(df["township"], df["shown"], strict=False))
    for feature in features:
        value = values.get(feature["properties"]["township"])
        feature["properties"]["shown"] = None if value is None or pd.isna(value) else float(value)
    fmt = _fmt(unit, decimals)
    data = alt.Data(values=features)
    # Townships without a value stay visible in grey.
    base = alt.Chart(data).mark_geoshape(fill="#e6e6e6", stroke="white", strokeWidth=0.8)
    coloured = alt.Chart(data).mark_geoshape(stroke="white", strokeWidth=0.8).encode(
        color=alt.Color("properties.shown:Q", title=display_unit(unit), scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("properties.township:N", title="乡镇"),
                 alt.Tooltip("properties.shown:Q", title=display_unit(unit), format=fmt)],
    ).transform_filter("isValid(datum.properties.shown)")
    chart = alt.layer(base, coloured).project(type="mercator")
    return _style(chart, 480)
