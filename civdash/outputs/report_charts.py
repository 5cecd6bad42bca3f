"""The 汇报材料's charts: which chart each section gets, its data, and the PNG drawn with matplotlib for the .docx.

Each section of a ``Report`` gets one picture of up to two panels, about the section's headline figures (its first
stock or level, its first flow, in catalog order, as its paragraph states them):

- 走势 (stock or level): the headline value over the periods before the report's, at the report's grain — 13 months
  (this month and the same month last year are both on it), or 8 quarters in a quarterly report;
- 今年与去年 (flow): this year against last year, period by period — 当月 bars in a monthly report, 季度 bars in a
  quarterly one, 1-N月累计 lines in a 1-N月 report.

The values come from ``metrics.series`` with the grain and year-to-date flag ``metrics.compare`` uses for the report's
text, so the highlighted point of every panel is the report's own figure (``Panel.highlight``), not a figure
worked out another way.

Drawn server-side with matplotlib (Agg, no display, no browser): Plotly's image export needs a browser engine
(Kaleido/Chromium) on the server. Chinese text needs a CJK font; Noto Sans CJK (Debian's fonts-noto-cjk) is looked
up by file. Without one, ``render`` logs a warning and returns None: the document is still written, without pictures.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb

from civdash.analysis import metrics
from civdash.analysis.report import Figure, Phrase, Report, chinese_number, load_phrases
from civdash.domain.periods import Grain, add_months, bucket_start
from civdash.domain.units import display_decimals, round_half_up, to_display

log = logging.getLogger(__name__)

PanelKind = Literal["trend", "years"]

TREND_PERIODS: dict[str, int] = {"month": 13, "quarter": 8}


@dataclass(frozen=True)
class Panel:
    """One chart's data, in the unit shown (万元 for 元). ``series``: (legend label, one value per x label, None
    where no data); ``highlight``: (series index, x index) of the report's own figure, labelled with its value;
    ``incomplete``: the (series index, x index) of points lacking an expected township (数据不全, drawn hollow or
    hatched), ``left_out`` the townships missing from them."""

    kind: PanelKind
    title: str  # '城市低保人数走势（近13个月）'
    unit: str  # shown unit: '人', '万元', '元/人·月'
    decimals: int  # decimals of the value labels (万元: 2)
    labels: tuple[str, ...]  # x axis: '2024年6月' … / '1月' … / '一季度' …
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    highlight: tuple[int, int]
    bars: bool = False
    incomplete: tuple[tuple[int, int], ...] = ()
    left_out: tuple[str, ...] = ()

    @property
    def highlighted(self) -> float | None:
        s, x = self.highlight
        return self.series[s][1][x]


@dataclass(frozen=True)
class SectionChart:
    heading: str  # the section's heading: '一、社会救助'
    panels: tuple[Panel, ...]


def _grain(report: Report) -> Grain:
    return "quarter" if report.period.kind == "quarter" else "month"


def _values(con: duckdb.DuckDBPyConnection, code: str, start: date, end: date, grain: Grain, ytd: bool,
            unit: str) -> dict[date, float]:
    """The district's values of ``code`` per period, shown unit, as ``metrics.compare`` aggregates them."""
    df = metrics.series(con, [code], start, end, grain, ytd)
    out = {}
    for period, value in zip(df["period"], df["value"], strict=True):
        shown = to_display(value, unit)
        if shown is not None:
            out[period] = shown
    return out


def _incomplete(con: duckdb.DuckDBPyConnection, code: str, start: date, end: date, grain: Grain, ytd: bool
                ) -> dict[date, tuple[str, ...]]:
    """The periods whose figure lacks an expected township, with their names (the rule of ``metrics.compare``)."""
    return metrics.incomplete_buckets(con, [code], start, end, grain, ytd)


def _names(*marked: dict[date, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for m in marked for names in m.values() for n in names))


def _period_label(d: date, grain: Grain) -> str:
    if grain == "quarter":
        return f"{d.year}年{chinese_number((d.month - 1) // 3 + 1)}季度"
    return f"{d.year}年{d.month}月"


def trend_panel(con: duckdb.DuckDBPyConnection, report: Report, figure: Figure) -> Panel:
    """走势 of a stock or level up to the report's period (13 months, or 8 quarters)."""
    grain = _grain(report)
    n = TREND_PERIODS[grain]
    end = bucket_start(report.period.month, grain)
    step = 3 if grain == "quarter" else 1
    periods = [add_months(end, -step * k) for k in range(n - 1, -1, -1)]
    ytd = report.period.kind == "ytd"
    values = _values(con, figure.code, periods[0], report.period.month, grain, ytd, figure.unit)
    marked = _incomplete(con, figure.code, periods[0], report.period.month, grain, ytd)
    span = f"近{n}个月" if grain == "month" else f"近{n}个季度"
    return Panel(
        kind="trend", title=f"{figure.name}走势（{span}）", unit=figure.shown_unit,
        decimals=display_decimals(figure.unit, figure.decimals),
        labels=tuple(_period_label(p, grain) for p in periods),
        series=((figure.name, tuple(values.get(p) for p in periods)),), highlight=(0, n - 1),
        incomplete=tuple((0, k) for k, p in enumerate(periods) if p in marked), left_out=_names(marked),
    )


def years_panel(con: duckdb.DuckDBPyConnection, report: Report, figure: Figure) -> Panel:
    """今年与去年 of a flow: this year and last year by month (当月 or 1-N月累计) or by quarter."""
    grain = _grain(report)
    ytd = report.period.kind == "ytd"
    this = report.period.month.year
    step = 3 if grain == "quarter" else 1
    starts = [date(this, m, 1) for m in range(1, 13, step)]
    labels = tuple(f"{chinese_number(k + 1)}季度" for k in range(4)) if grain == "quarter" else tuple(
        f"{m}月" for m in range(1, 13))
    now = _values(con, figure.code, date(this, 1, 1), report.period.month, grain, ytd, figure.unit)
    before = _values(con, figure.code, date(this - 1, 1, 1), date(this - 1, 12, 1), grain, ytd, figure.unit)
    marked_now = _incomplete(con, figure.code, date(this, 1, 1), report.period.month, grain, ytd)
    marked_before = _incomplete(con, figure.code, date(this - 1, 1, 1), date(this - 1, 12, 1), grain, ytd)
    current = starts.index(bucket_start(report.period.month, grain))
    what = "1-N月累计" if ytd else "分季度" if grain == "quarter" else "当月"
    incomplete = [(0, k) for k, s in enumerate(starts) if s in marked_now and s <= report.period.month]
    incomplete += [(1, k) for k, s in enumerate(starts) if date(this - 1, s.month, 1) in marked_before]
    return Panel(
        kind="years", title=f"{figure.name}：{this}年与{this - 1}年（{what}）", unit=figure.shown_unit,
        decimals=display_decimals(figure.unit, figure.decimals), labels=labels,
        series=((f"{this}年", tuple(now.get(s) if s <= report.period.month else None for s in starts)),
                (f"{this - 1}年", tuple(before.get(date(this - 1, s.month, 1)) for s in starts))),
        highlight=(0, current), bars=not ytd, incomplete=tuple(incomplete),
        left_out=_names(marked_now, marked_before),
    )


def headline(figures: Sequence[Figure], kinds: Sequence[str], phrases: Mapping[str, Phrase]) -> Figure | None:
    """The first of ``figures`` of one of ``kinds``; where it is read in a group ('1030户1664人'), the member whose
    change the sentence states (人数 rather than 户数)."""
    first = next((f for f in figures if f.kind in kinds), None)
    group = phrases[first.code].group if first is not None and first.code in phrases else None
    if first is None or not group:
        return first
    members = [f for f in figures if f.code in phrases and phrases[f.code].group == group]
    return next((f for f in members if phrases[f.code].compare), first)


def worth_drawing(panel: Panel) -> bool:
    """A 走势 of two periods or more; a 今年与去年 with last year's figures (data that start this year have none)."""
    if panel.kind == "trend":
        return sum(v is not None for v in panel.series[0][1]) >= 2
    return any(v is not None for v in panel.series[1][1])


def chart_data(con: duckdb.DuckDBPyConnection, report: Report,
               phrases: Mapping[str, Phrase] | None = None) -> tuple[SectionChart, ...]:
    """One chart per section of ``report``: its headline stock or level's 走势 and its headline flow's 今年与去年, each
    where the data make a chart (``worth_drawing``); a section without either has no chart."""
    phrases = load_phrases() if phrases is None else phrases
    out = []
    for section in report.sections:
        figures = section.figures
        held = headline(figures, ("stock", "level"), phrases)
        flow = headline(figures, ("flow",), phrases)
        panels = [p for p in ([trend_panel(con, report, held)] if held else []) + (
            [years_panel(con, report, flow)] if flow else []) if worth_drawing(p)]
        if panels:
            out.append(SectionChart(section.heading, tuple(panels)))
    return tuple(out)


# --- drawing ----------------------------------------------------------------------------------------------------------

FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
                               Path.home() / ".local/share/fonts")
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf",
              "NotoSansCJK-Regular.otf")
FONT_FAMILY = "Noto Sans CJK SC"

WIDTH_CM = 15.6  # the text width of an A4 page with 公文 margins (21 - 2.8 - 2.6)
PANEL_CM = 6.4
MARGIN_CM = {"top": 1.15, "bottom": 1.35, "left": 1.85, "right": 0.25}  # around each panel's plot area
DPI = 200
_DRAWING = threading.Lock()
THIS_YEAR, LAST_YEAR, EMPHASIS = "#1f5a96", "#a9b8c8", "#c0392b"


def cjk_font(dirs: Sequence[Path] | None = None) -> Path | None:
    """The first Noto Sans CJK (or Noto Sans SC) font file under ``dirs`` (default ``FONT_DIRS``)."""
    for name in FONT_FILES:
        for root in FONT_DIRS if dirs is None else dirs:
            if root.is_dir():
                found = next(iter(sorted(root.rglob(name))), None)
                if found is not None:
                    return found
    return None


def value_label(value: float, decimals: int) -> str:
    """'532.10', '1,652': the number as a label shows it (万元 two decimals)."""
    return f"{round_half_up(value, decimals):,.{decimals}f}"


@functools.cache
def _font_family(path: Path) -> str:
    """The font's Simplified Chinese face, registered with matplotlib once per process."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))  # every face of a .ttc: JP, KR, SC, TC, HK
    names = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == path}
    return FONT_FAMILY if FONT_FAMILY in names else sorted(names)[0]


def render(chart: SectionChart, font: Path | None = None) -> bytes | None:
    """``chart`` as a PNG at the page's text width (None, with a warning logged, when no CJK font is found)."""
    font = font or cjk_font()
    if font is None:
        log.warning("No CJK font (Noto Sans CJK, Debian package fonts-noto-cjk) found: the report's charts are left out")
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    # rc_context changes matplotlib's process-wide settings: one drawing at a time, so that a download in another
    # session never draws with the settings restored under it (drawing holds the GIL anyway)
    with _DRAWING, matplotlib.rc_context({"font.family": _font_family(font), "font.size": 8.5,
                                          "axes.unicode_minus": False, "axes.spines.top": False,
                                          "axes.spines.right": False,
                                          # names people typed ('$…$乡') are text, never matplotlib's TeX-like math
                                          "text.parse_math": False}):
        n = len(chart.panels)
        height = PANEL_CM * n
        fig = MplFigure(figsize=(WIDTH_CM / 2.54, height / 2.54), dpi=DPI)
        for k, panel in enumerate(chart.panels):  # fixed margins in cm (a layout engine would double the time)
            top = height - k * PANEL_CM - MARGIN_CM["top"]
            bottom = height - (k + 1) * PANEL_CM + MARGIN_CM["bottom"]
            ax = fig.add_axes((MARGIN_CM["left"] / WIDTH_CM, bottom / height,
                               (WIDTH_CM - MARGIN_CM["left"] - MARGIN_CM["right"]) / WIDTH_CM, (top - bottom) / height))
            _draw(ax, panel)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()


def _draw(ax, panel: Panel) -> None:
    from matplotlib.ticker import MaxNLocator

    x = list(range(len(panel.labels)))
    colours = (THIS_YEAR, LAST_YEAR)
    known = [v for _, vs in panel.series for v in vs if v is not None]
    marked = set(panel.incomplete)
    for k, (name, values) in reversed(list(enumerate(panel.series))):
        ys = [math.nan if v is None else v for v in values]
        if panel.bars:
            width = 0.38 if len(panel.series) > 1 else 0.6
            offset = (-width / 2 if k == 0 else width / 2) if len(panel.series) > 1 else 0
            bars = ax.bar([i + offset for i in x], ys, width, label=name, color=colours[k % 2], zorder=2)
            for i, bar in enumerate(bars):
                if (k, i) in marked:  # 数据不全: hatched and pale
                    bar.set_hatch("////")
                    bar.set_alpha(0.45)
        else:
            solid = [math.nan if (k, i) in marked else y for i, y in enumerate(ys)]
            ax.plot(x, solid, marker="o", markersize=3, linewidth=1.8, label=name, color=colours[k % 2], zorder=2)
            for i in (i for i in x if (k, i) in marked and not math.isnan(ys[i])):
                for j in (i - 1, i + 1):  # the segments to an incomplete point dashed, the point hollow
                    if 0 <= j < len(ys) and not math.isnan(ys[j]):
                        ax.plot([i, j], [ys[i], ys[j]], linestyle=(0, (3, 2)), linewidth=1.4, color=colours[k % 2],
                                zorder=2)
                ax.plot([i], [ys[i]], marker="o", markersize=4, markerfacecolor="white", color=colours[k % 2],
                        zorder=3)
    s, i = panel.highlight
    value = panel.highlighted
    if value is not None:
        xi, y = i, value
        partial = (s, i) in marked
        if panel.bars:  # the bar outlined, its label above the taller bar of its pair
            xi = i - 0.19 if len(panel.series) > 1 else i
            ax.bar([xi], [value], 0.38 if len(panel.series) > 1 else 0.6, fill=False, edgecolor=EMPHASIS,
                   linewidth=1.4, zorder=3)
            y = max(v for _, vs in panel.series if (v := vs[i]) is not None)
        else:
            ax.plot([xi], [value], marker="o", markersize=6, color=EMPHASIS, zorder=4,
                    markerfacecolor="white" if partial else EMPHASIS, markeredgewidth=1.6)
        label = f"{value_label(value, panel.decimals)}{panel.unit}" + ("（数据不全）" if partial else "")
        values = panel.series[s][1]
        before = next((v for v in reversed(values[:i]) if v is not None), None)
        below = not panel.bars and before is not None and before > value  # a line coming down: the label under it
        ax.annotate(label, (xi, y), textcoords="offset points", xytext=(0, -9 if below else 6),
                    ha="right" if i > 0.8 * x[-1] else "center", va="top" if below else "bottom", fontsize=8.5,
                    color=EMPHASIS, fontweight="bold", zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    if known:
        top, bottom = max(known), min(known)
        if panel.bars or bottom >= 0 and (top - bottom) > 0.5 * top:
            ax.set_ylim(0, top * 1.2 if top > 0 else 1)  # bars (and lines that span half their height) from 0
        else:
            pad = (top - bottom) * 0.25 or abs(top) * 0.05 or 1
            ax.set_ylim(bottom - pad * 1.6, top + pad * 1.4)  # room for a value label above or under the line
            ax.text(0, 1.01, "（纵轴未从0开始）", transform=ax.transAxes, fontsize=7, color="#666666", va="bottom")
    ax.set_title(panel.title, fontsize=10, loc="left", pad=14)
    ax.set_ylabel(f"单位：{panel.unit}", fontsize=8)
    if panel.decimals == 0:
        ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10], integer=True))
    ticks = ax.get_yticks()
    places = 0 if all(float(t).is_integer() for t in ticks) else 1 if all(float(t * 10).is_integer() for t in ticks) else 2
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.{places}f}")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=0)
    ax.set_xticks(x)
    ax.set_xticklabels([_tick(label, k) for k, label in enumerate(panel.labels)], fontsize=7.5)
    if panel.incomplete:
        shape = "斜线柱" if panel.bars else "空心点"
        ax.set_xlabel(f"{shape}为数据不全：不含未报送的{'、'.join(panel.left_out)}", fontsize=7, color="#666666",
                      loc="left")
    if len(panel.series) > 1:
        handles, names = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], names[::-1], fontsize=8, frameon=False, loc="lower right", ncols=2,
                  bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)


def _tick(label: str, k: int) -> str:
    """'2024年6月' → '6月\\n2024年' on the first tick and at January, '7月' elsewhere (quarters likewise)."""
    if "年" not in label or label.endswith("年"):
        return label
    year, rest = label.split("年", 1)
    first = k == 0 or rest in ("1月", "一季度")
    return f"{rest}\n{year}年" if first else rest



def pictures(con: duckdb.DuckDBPyConnection, report: Report, font: Path | None = None) -> dict[str, bytes]:
    """Each section's chart as a PNG, by section heading (``report_docx.to_docx``'s ``pictures``); empty, with a
    warning logged, when no CJK font is found."""
    font = font or cjk_font()
    if font is None:
        log.warning("No CJK font (Noto Sans CJK, Debian package fonts-noto-cjk) found: the report's charts are left out")
        return {}
    out = {}
    for chart in chart_data(con, report):
        png = render(chart, font)
        if png is not None:
            out[chart.heading] = png
    return out
