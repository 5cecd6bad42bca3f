"""Plotly charts in one house style: Chinese fonts and hover text, units on the axes, value labels, readable on a
projector; each saves as a PNG named for what it shows (indicator_视图_期间) at twice its size on screen."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from civdash.domain.geo import load_township_shapes
from civdash.domain.periods import month_label
from civdash.domain.units import display_decimals, display_unit, to_display

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PALETTE = ["#c0392b", "#2e6da4", "#27ae60", "#e67e22", "#8e44ad", "#16a085", "#7f8c8d", "#d35400"]
BAR = "#2e6da4"
HIGHLIGHT = "#c0392b"
LAST_YEAR, THIS_YEAR = "#9aa5b1", "#c0392b"
NO_VALUE = "#e6e6e6"
AVERAGE = "#e67e22"
BLUES = "Blues"

FILE_NAME_LIMIT = 80  # characters; a Chinese character takes 3 of the 255 bytes most file systems allow
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

# Where plotly.js looks for its world map (config ``topojsonURL``). A choropleth makes plotly.js fetch one even
# when it draws only our own GeoJSON with the basemap hidden (plotly.js issue #6767); by default from
# cdn.plot.ly, which an intranet server cannot reach. ui/web.py answers here with an empty map.
GEO_ASSETS = "/civdash/geo/"

# plotly.js ships only English inside Streamlit's bundle; the texts a person can meet on our charts, in Chinese,
# given to each chart through its documented ``locales`` config (no script on the page).
ZH_CN: dict[str, Any] = {
    "dictionary": {
        "Download plot as a PNG": "下载图片（PNG，2倍清晰度）",
        "Download plot": "下载图片",
        "Reset axes": "还原",
        "Reset view": "还原",
        "Reset": "还原",
        "Autoscale": "自动缩放",
        "Zoom": "缩放",
        "Pan": "平移",
        "Zoom in": "放大",
        "Zoom out": "缩小",
        "Double-click to zoom back out": "双击还原",
        "Taking snapshot - this may take a few seconds": "正在生成图片……",
        "Preparing image - this may take a few seconds": "正在生成图片……",
        "Snapshot succeeded": "图片已生成",
        "Image download succeeded": "图片已下载",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，图片下载失败。",
        "Sorry, there was a problem downloading your plot!": "抱歉，图片下载失败。",
        "trace": "系列",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y年%-m月%-d日",
        "decimal": ".",
        "thousands": ",",
        "grouping": [3],
        "currency": ["¥", ""],
    },
}


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


def config(fig: go.Figure, *parts: str) -> dict[str, Any]:
    """Plotly's config for ``fig``: no logo, a toolbar of 下载图片 and 还原 only, the image saved as
    '<parts>.png' at twice the drawn size, Chinese tooltips, and no map fetched from the internet."""
    reset = "resetGeo" if any(trace.type == "choropleth" for trace in fig.data) else "resetScale2d"
    return {
        "displaylogo": False,
        "modeBarButtons": [["toImage", reset]],
        "toImageButtonOptions": {"format": "png", "filename": file_name(*parts), "scale": 2},
        "locale": "zh-CN",
        "locales": {"zh-CN": ZH_CN},
        "topojsonURL": GEO_ASSETS,
    }


def show(fig: go.Figure, *parts: str) -> None:
    """Draw ``fig`` full width; its image saves as '<parts>.png' (indicator, view, period). Screen readers read the
    same words, with spaces for the underscores."""
    st.plotly_chart(fig, width="stretch", config=config(fig, *parts), alt=file_name(*parts).replace("_", " "))


def shown(df: pd.DataFrame, unit: str, column: str = "value") -> pd.DataFrame:
    """Add ``shown``: ``column`` converted to the display unit (元 → 万元)."""
    out = df.copy()
    out["shown"] = [to_display(v, unit) if pd.notna(v) else None for v in out[column]]
    return out


def label(text: object) -> str:
    """A name people typed (a township, an indicator) as plotly.js shows it: as typed. plotly.js reads a subset of
    HTML in every label, legend and hover text (``<b>``, ``<a href>``, ``<br>`` …), so ``<``, ``>`` and ``&`` are
    written as entities, which it shows as the characters."""
    return html.escape(str(text), quote=False)


def _decimals(unit: str, decimals: int) -> int:
    return display_decimals(unit, decimals)


def _text(value: float | None, unit: str, decimals: int) -> str:
    """A value label as the tables write it: '1,652', '532.18'."""
    return "" if value is None or pd.isna(value) else f"{value:,.{_decimals(unit, decimals)}f}"


def _hover_value(axis: str, unit: str, decimals: int) -> str:
    return f"%{{{axis}:,.{_decimals(unit, decimals)}f}}{display_unit(unit)}"


def _size(big: bool) -> int:
    """Text size in px: 16 on a 1920-wide screen, 22 in 会议模式."""
    return 22 if big else 16


def _unit_line(unit: str, note: str = "") -> str:
    """'单位：万元', read horizontally above the value axis (a rotated axis title is hard to read in Chinese)."""
    return f"单位：{display_unit(unit)}{note}"


def _style(height: int, big: bool, legend: bool = True, unit_line: str | None = None) -> dict[str, Any]:
    """The house style, as a layout. ``unit_line`` ('单位：人…') heads the legend (one row above the plot, left to
    right: the unit, then the series, wrapping as one block on a narrow screen, so the two never overlap), or stands
    alone top left on a chart without a legend."""
    size = _size(big)
    layout: dict[str, Any] = dict(
        height=height,
        font=dict(family=FONT, size=size),
        hoverlabel=dict(font=dict(family=FONT, size=size)),
        margin=dict(l=10, r=40, t=70 if legend else 50, b=10),
        showlegend=legend,
        legend=dict(orientation="h", x=0, xanchor="left", y=1, yanchor="bottom", font=dict(size=size),
                    title=dict(text=(unit_line + "　") if legend and unit_line else "", side="left",
                               font=dict(size=size))),
        separators=".,",
        xaxis=dict(tickfont=dict(size=size), automargin=True, showgrid=False),
        yaxis=dict(tickfont=dict(size=size), automargin=True, gridcolor="rgba(128,128,128,0.25)"),
    )
    if unit_line and not legend:
        layout["annotations"] = [dict(text=unit_line, xref="paper", yref="paper", x=0, y=1, xanchor="left",
                                      yanchor="bottom", yshift=8, showarrow=False, name="unit")]
    return layout


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: nested settings merged key by key, shapes and annotations added to those before."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif isinstance(value, list) and key in ("shapes", "annotations"):
            out[key] = [*out.get(key, []), *value]
        else:
            out[key] = value
    return out


def _figure(traces: Sequence[Any], *layouts: dict[str, Any]) -> go.Figure:
    """The figure of ``traces`` with ``layouts`` laid one over the other, built in one step (plotly's update_layout
    and update_axes calls cost about ten times as much as building the figure from its whole layout)."""
    layout: dict[str, Any] = {}
    for part in layouts:
        layout = _merge(layout, part)
    return go.Figure(data=list(traces), layout=layout)


def _ticks(labels: list[str], big: bool) -> dict[str, Any]:
    """At most 7 (5 in 会议模式) period labels, evenly spaced and always the latest one, unrotated, the year above
    the month ('2025年' / '6月') and a mark such as '（数据不全）' on a line of its own: they fit side by side even
    in the narrow chart of a 1024-wide screen."""
    step = -(-len(labels) // (5 if big else 7))
    shown = labels[::-1][::step][::-1]
    return dict(tickvals=shown, ticktext=[t.replace("年", "年<br>", 1).replace("（", "<br>（", 1) for t in shown],
                tickangle=0)


def _line(x: list[str], values: list[float | None], name: str, colour: str, unit: str, decimals: int, big: bool,
          hover: str, hollow: Collection[str] = ()) -> go.Scatter:
    """A line with its last value written beside it: right of the point at the chart's right edge, above it
    elsewhere (this year's line stops mid-year). Points at the labels in ``hollow`` (periods some township has not
    reported, 数据不全) are drawn as open circles, as the Word report's charts draw them."""
    last = max((i for i, v in enumerate(values) if v is not None), default=None)
    size = 9 if big else 7
    return go.Scatter(
        x=x, y=values, name=name, mode="lines+markers+text", line=dict(width=4 if big else 3, color=colour),
        marker=dict(size=[size + 4 if t in hollow else size for t in x],
                    symbol=["circle-open" if t in hollow else "circle" for t in x], line=dict(width=2.5)),
        text=[_text(v, unit, decimals) if i == last else "" for i, v in enumerate(values)],
        textposition="middle right" if last == len(x) - 1 else "top center",
        textfont=dict(size=_size(big), color=colour), cliponaxis=False, hovertemplate=hover)


def _room_for_end_labels(traces: Sequence[Any], big: bool) -> dict[str, Any]:
    """A right margin wide enough for the values written right of the last points."""
    texts = [t for trace in traces if trace.textposition == "middle right" for t in trace.text if t]
    return {"margin": {"r": int(max(map(len, texts)) * _size(big) * 0.62) + 24}} if texts else {}


def trend(df: pd.DataFrame, unit: str, decimals: int, series: str = "series", height: int = 440,
          big: bool = False, incomplete: Collection[str] = ()) -> go.Figure:
    """Lines over ``label`` (ordered as given) for each ``series``; values in ``shown``; the points at the labels in
    ``incomplete`` (数据不全) drawn open. The value axis fits the data; where it does not start at 0 the unit note
    says so."""
    order = list(dict.fromkeys(df["label"]))
    traces = []
    for k, (name, part) in enumerate(df.groupby(series, sort=False)):
        values = [None if pd.isna(v) else float(v) for v in part.set_index("label").reindex(order)["shown"]]
        traces.append(_line(order, values, label(name), PALETTE[k % len(PALETTE)], unit, decimals, big,
                            f"%{{fullData.name}}<br>%{{x}}：{_hover_value('y', unit, decimals)}<extra></extra>",
                            hollow=set(incomplete)))
    values = pd.to_numeric(df["shown"], errors="coerce").dropna()
    broken = len(values) > 0 and values.min() > 0
    axes = dict(xaxis=dict(type="category", categoryorder="array", categoryarray=order, **_ticks(order, big)),
                yaxis=dict(rangemode="normal", tickformat=",~f", zeroline=True))
    return _figure(traces, axes, _style(height, big, unit_line=_unit_line(unit, "（纵轴未从0开始）" if broken else "")),
                   _room_for_end_labels(traces, big))


def year_over_year(df: pd.DataFrame, unit: str, decimals: int, height: int = 440, big: bool = False,
                   cumulative: bool = False) -> go.Figure:
    """This year against last year by month: ``month`` (1–12), ``year``, ``shown``. Monthly figures as bars side by
    side; year-to-date figures (``cumulative``) as two lines."""
    months = [f"{m}月" for m in range(1, 13)]
    years = sorted(df["year"].unique())
    traces = []
    for year in years:
        part = df[df["year"] == year].set_index("month")["shown"].reindex(range(1, 13))
        values = [None if pd.isna(v) else float(v) for v in part]
        colour = THIS_YEAR if year == years[-1] else LAST_YEAR
        hover = f"{year}年%{{x}}：{_hover_value('y', unit, decimals)}<extra></extra>"
        if cumulative:
            traces.append(_line(months, values, f"{year}年", colour, unit, decimals, big, hover))
        else:
            traces.append(go.Bar(
                x=months, y=values, name=f"{year}年", marker_color=colour,
                text=[_text(v, unit, decimals) for v in values], textposition="outside", cliponaxis=False,
                constraintext="none", textfont=dict(size=_size(big) - 3), hovertemplate=hover))
    bars = dict(barmode="group", bargap=0.25, bargroupgap=0.05,
                xaxis=dict(type="category", categoryorder="array", categoryarray=months),
                yaxis=dict(rangemode="tozero", tickformat=",~f"))
    return _figure(traces, bars, _style(height, big, unit_line=_unit_line(unit)), _room_for_end_labels(traces, big))


MOST_ROWS = 60  # townships a ranking or a heatmap draws; beyond it (a province) the first and the last half of it


def ends(items: Sequence[Any], most: int = MOST_ROWS) -> list[Any]:
    """``items`` when there are at most ``most``; else the first and the last ``most // 2`` of them."""
    items = list(items)
    return items if len(items) <= most else items[: most // 2] + items[-(most // 2):]


def ranking(df: pd.DataFrame, unit: str, decimals: int, height: int | None = None, big: bool = False,
            highlight: str | None = None, zero: bool = True, average: float | None = None,
            average_label: str = "乡镇平均") -> go.Figure:
    """Horizontal bars, largest on top: ``township``, ``shown``; the value at each bar's end and ``average`` (in
    the display unit; default the townships' plain mean) as a dashed line. ``zero=False`` lets the axis start near
    the smallest value, for figures that differ by a few per cent (per-person amounts)."""
    data = df.dropna(subset=["shown"]).sort_values("shown", ascending=False, kind="stable")
    names, values = [label(t) for t in data["township"]], [float(v) for v in data["shown"]]
    mean = average if average is not None else (sum(values) / len(values) if values else None)
    note = "" if zero else "（横轴未从0开始）"
    if len(names) > MOST_ROWS:  # a province: the first and the last, the whole order in the page's table
        names, values = ends(names), ends(values)
        note += f"；{len(data):,}个有数，图中为前{MOST_ROWS // 2}名和后{MOST_ROWS // 2}名"  # those without: in the table
    rows = max(len(names), 1)
    height = height or max(260, (38 if big else 30) * rows + 110)
    # A given height shared by many townships: names and values shrink to their row rather than overlap.
    fitted = max(11, min(_size(big), int((height - 110) / rows * 0.85)))
    bars = go.Bar(
        y=names, x=values, orientation="h", name=display_unit(unit),
        marker_color=[HIGHLIGHT if highlight is not None and n == label(highlight) else BAR for n in names],
        text=[_text(v, unit, decimals) for v in values], textposition="outside", cliponaxis=False,
        constraintext="none", textfont=dict(size=fitted),
        hovertemplate=f"%{{y}}：{_hover_value('x', unit, decimals)}<extra></extra>",
    )
    layout: dict[str, Any] = dict(
        yaxis=dict(type="category", categoryorder="array", categoryarray=names, autorange="reversed",
                   showgrid=False, dtick=1),  # every township named, none skipped for lack of room
        xaxis=dict(tickformat=",~f", showgrid=True, gridcolor="rgba(128,128,128,0.25)"))
    if mean is not None:
        layout["shapes"] = [dict(type="line", x0=mean, x1=mean, xref="x", y0=0, y1=1, yref="y domain", name="average",
                                 line=dict(color=AVERAGE, width=3 if big else 2, dash="dash"))]
        # a line above the unit line, which it would cross where the average lies near the left edge
        layout["annotations"] = [dict(text=f"{average_label} {_text(mean, unit, decimals)}", x=mean, xref="x", y=1,
                                      yref="y domain", xanchor="center", yanchor="bottom", yshift=_size(big) + 14,
                                      showarrow=False, font=dict(size=_size(big), color=AVERAGE))]
    if not zero and values:
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or abs(low) * 0.05 or 1
        layout["xaxis"]["range"] = [low - pad, high + pad]
    fitting: dict[str, Any] = {"yaxis": {"tickfont": {"size": fitted}}}
    if mean is not None:
        fitting["margin"] = {"t": 50 + _size(big) + 14}
    if values:  # room right of the longest bar for its value
        fitting["margin"] = {**fitting.get("margin", {}),
                             "r": int(max(len(_text(v, unit, decimals)) for v in values) * fitted * 0.62) + 24}
    return _figure([bars], layout, _style(height, big, legend=False, unit_line=_unit_line(unit, note)), fitting)


def heatmap(df: pd.DataFrame, unit: str, decimals: int, township_order: list[str]) -> go.Figure:
    """Township × month: ``township``, ``label``, ``shown``; a row per township in ``township_order`` (top down),
    a column per label in the order given, the value written in each cell. More than ``MOST_ROWS`` townships (a
    province): the rows are the first and the last ``MOST_ROWS // 2`` by the last month's value, largest on top
    (``heatmap_rows`` says which)."""
    labels = list(dict.fromkeys(df["label"]))
    rows = heatmap_rows(df, township_order)
    grid = df.pivot_table(index="township", columns="label", values="shown", aggfunc="first", sort=False)
    grid = grid.reindex(index=rows, columns=labels)
    rows = [label(t) for t in rows]
    z = [[None if pd.isna(v) else float(v) for v in row] for row in grid.to_numpy()]
    cells = go.Heatmap(
        z=z, x=labels, y=rows, colorscale=BLUES, xgap=1, ygap=1, hoverongaps=False,
        colorbar=dict(title=dict(text=display_unit(unit)), thickness=14),
        text=[[_text(v, unit, decimals) for v in row] for row in z], texttemplate="%{text}",
        textfont=dict(size=13),
        hovertemplate=f"%{{y}}<br>%{{x}}：{_hover_value('z', unit, decimals)}<extra></extra>",
    )
    axes = dict(yaxis=dict(type="category", autorange="reversed", showgrid=False, dtick=1),
                xaxis=dict(type="category", side="top", tickangle=0 if len(labels) <= 6 else -45))
    return _figure([cells], axes, _style(28 * len(rows) + 150, False, legend=False))


def heatmap_rows(df: pd.DataFrame, township_order: list[str]) -> list[str]:
    """The townships a heatmap of ``df`` draws, top down: every one in ``township_order``, or, past ``MOST_ROWS``,
    the first and the last by the last month's value (``ends``)."""
    present = set(df["township"])
    rows = [t for t in township_order if t in present] or list(dict.fromkeys(df["township"]))
    if len(rows) <= MOST_ROWS:
        return rows
    _, last = last_month_values(df)
    return ends(sorted(rows, key=lambda t: -last[t] if t in last.index else float("inf")))  # no value: last


def last_month_values(df: pd.DataFrame) -> tuple[str, pd.Series]:
    """A heatmap frame's last month (its label, the last column) and the townships' values in it, those without one
    left out: what ``heatmap_rows`` ranks by past ``MOST_ROWS``."""
    last = list(dict.fromkeys(df["label"]))[-1]
    return last, df[df["label"] == last].set_index("township")["shown"].dropna()


def choropleth(geojson_path: Path, df: pd.DataFrame, unit: str, decimals: int,
               name_property: str = "name", townships: Sequence[str] | None = None) -> go.Figure:
    """Townships coloured by ``shown`` from the admin's GeoJSON (its ``name_property`` holds the township name),
    drawn with no basemap; townships without a value stay visible in grey. ``townships``: the shapes drawn (the
    townships the reader may see; None: every shape of the file)."""
    features = load_township_shapes(geojson_path, name_property)
    if townships is not None:
        readable = set(townships)
        features = [f for f in features if f["properties"].get("township") in readable]
    geojson = {"type": "FeatureCollection", "features": features}
    values = {t: float(v) for t, v in zip(df["township"], df["shown"], strict=False) if v is not None and pd.notna(v)}
    drawn = [f["properties"]["township"] for f in features if f["properties"].get("township")]
    valued = [t for t in drawn if t in values]
    missing = [t for t in drawn if t not in values]
    traces = []
    if missing:
        traces.append(go.Choropleth(
            geojson=geojson, featureidkey="properties.township", locations=missing, z=[0] * len(missing),
            colorscale=[[0, NO_VALUE], [1, NO_VALUE]], showscale=False, name="无数据",
            marker=dict(line=dict(color="white", width=1)), text=[label(t) for t in missing],
            hovertemplate="%{text}：无数据<extra></extra>"))
    traces.append(go.Choropleth(
        geojson=geojson, featureidkey="properties.township", locations=valued, z=[values[t] for t in valued],
        colorscale=BLUES, name=display_unit(unit), marker=dict(line=dict(color="white", width=1)),
        colorbar=dict(title=dict(text=display_unit(unit)), thickness=14), text=[label(t) for t in valued],
        hovertemplate=f"%{{text}}：{_hover_value('z', unit, decimals)}<extra></extra>"))
    geo = {"geo": dict(fitbounds="locations", visible=False, projection=dict(type="mercator"))}
    return _figure(traces, geo, _style(520, False, legend=False))
