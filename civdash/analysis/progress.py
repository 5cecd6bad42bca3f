"""报送进度: who has reported which month, and which indicators of one month.

A township has reported a month when it holds every indicator that any township reported that month (已报送),
some of them (部分报送) or none (未报送): what the district's forms do not cover is never counted as missing.
The month view is flagged 有异常 where the month's 重点关注 list (``metrics.watchlist``) names the township.
The grids download as an Excel workbook in the office's style.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from civdash.analysis import metrics
from civdash.domain import spreadsheet, times, townships
from civdash.domain.periods import month_label
from civdash.domain.spreadsheet import TEXT
from civdash.store import queries

FULL, PARTIAL, NONE = "已报送", "部分报送", "未报送"
FILLS = {FULL: "#E3F4E6", PARTIAL: "#FFF1C9", NONE: "#F8D4D2"}


def status(reported: int, expected: int) -> str:
    if reported == 0:
        return NONE
    return FULL if reported >= expected else PARTIAL


@dataclass(frozen=True)
class MonthGrid:
    """Township × month statuses (rows in registry order, columns '2025年1月' …) and per month how many reported."""

    statuses: pd.DataFrame
    reported: dict[str, int]  # month label → townships 已报送
    townships: int


def month_grid(con: duckdb.DuckDBPyConnection, first: date, last: date) -> MonthGrid:
    df = metrics.completeness(con, first, last)
    df["status"] = [status(r, e) for r, e in zip(df["indicators"], df["expected"], strict=True)]
    df["month"] = [month_label(p) for p in df["period"]]
    grid = df.pivot_table(index="township", columns="month", values="status", aggfunc="first", sort=False)
    order = df.drop_duplicates("township")["township"]
    months = list(dict.fromkeys(df["month"]))
    grid = grid.reindex(index=order, columns=months)
    grid.index.name = "乡镇（街道）"
    reported = {m: int((grid[m] == FULL).sum()) for m in months}
    return MonthGrid(grid, reported, len(grid))


def indicator_grid(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Township × indicator for one month: 已报送 / 未报送, and a 状态 column (有异常 where 重点关注 names it)."""
    df = queries.run(con, "progress_indicators", period=period)
    if df.empty:
        return pd.DataFrame()
    df["shown"] = df["reported"].map({True: FULL, False: NONE})
    grid = df.pivot_table(index="township", columns="indicator", values="shown", aggfunc="first", sort=False)
    grid = grid.reindex(index=list(dict.fromkeys(df["township"])), columns=list(dict.fromkeys(df["indicator"])))
    flagged = set(metrics.watchlist(con, period, limit=1000)["township"])
    expected = grid.shape[1]

    def summary(town: str, n: int) -> str:
        text = NONE if n == 0 else FULL if n == expected else f"{PARTIAL}（缺{expected - n}项）"
        return text + ("，有异常" if town in flagged and n else "")

    grid.insert(0, "状态", [summary(t, int(n)) for t, n in (grid == FULL).sum(axis=1).items()])
    grid.index.name = "乡镇（街道）"
    return grid


def missing_townships(grid: MonthGrid, month: str) -> list[str]:
    return [t for t, s in grid.statuses[month].items() if s != FULL]


def progress_xlsx(con: duckdb.DuckDBPyConnection, grid: MonthGrid, first: date, last: date,
                  month: date, indicators: pd.DataFrame) -> bytes:
    """Both grids as the office keeps them: title, legend, coloured statuses, a 合计 line, frozen headers."""
    district = townships.district_name(con)
    span = month_label(first) if first == last else f"{month_label(first)}—{month_label(last)}"
    out = io.BytesIO()
    book = spreadsheet.workbook(out)  # names stay text: never a formula or a link (formula injection)
    title = book.add_format({**TEXT, "bold": True, "font_size": 14})
    line = book.add_format(TEXT)
    head = book.add_format({**TEXT, "bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                            "bg_color": "#EAF1F8"})
    cell = {s: book.add_format({**TEXT, "border": 1, "align": "center", "bg_color": c}) for s, c in FILLS.items()}
    plain = book.add_format({**TEXT, "border": 1})
    bold = book.add_format({**TEXT, "border": 1, "bold": True, "align": "center"})

    def sheet(name: str, heading: str, table: pd.DataFrame, total: list[str] | None) -> None:
        ws = book.add_worksheet(name)
        ws.write_string(0, 0, heading, title)
        ws.write_string(1, 0, f"说明：{FULL}＝当月各乡镇报送过的指标都已报送；{PARTIAL}＝只报送了其中一部分；"
                              f"{NONE}＝没有任何数据。制表日期：{times.today_beijing():%Y年%m月%d日}", line)
        ws.write_string(3, 0, str(table.index.name), head)
        for c, col in enumerate(table.columns, start=1):
            ws.write_string(3, c, str(col), head)
            ws.set_column(c, c, max(10, len(str(col)) * 1.6))
        for r, (town, row) in enumerate(table.iterrows(), start=4):
            ws.write_string(r, 0, str(town), plain)
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):
                    ws.write_string(r, c, value, cell.get(value, plain))
                else:
                    ws.write_blank(r, c, None, plain)
        if total:
            ws.write_string(4 + len(table), 0, "合计", bold)
            for c, text in enumerate(total, start=1):
                ws.write_string(4 + len(table), c, text, bold)
        ws.set_column(0, 0, 14)
        ws.freeze_panes(4, 1)

    sheet("按月份", f"{district}{span}各乡镇（街道）报送进度", grid.statuses,
          [f"已报送{grid.reported[m]}/{grid.townships}" for m in grid.statuses.columns])
    if not indicators.empty:
        sheet(f"{month.year}年{month.month}月按指标", f"{district}{month_label(month)}各乡镇（街道）指标报送情况",
              indicators, None)
    book.close()
    return out.getvalue()


def file_name(first: date, last: date) -> str:
    span = month_label(first) if first == last else f"{month_label(first)}-{month_label(last)}"
    return f"报送进度-{span}.xlsx"
