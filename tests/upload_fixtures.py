"""A July 2025 report for the demo district as the office writes it, with values just above what the demo holds
for June (so that nothing jumps): shared by the upload page's AppTest tests and the browser journeys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from tests.ingest_fixtures import Sheet, xlsx_bytes

JUNE, JULY = date(2025, 6, 1), date(2025, 7, 1)


def read(path: Path, query: str, *params) -> list[tuple]:
    """Rows of ``query`` on the database file at ``path`` (the app's configuration: in the same process this shares
    the database instance the app opened)."""
    con = duckdb.connect(str(path))
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def never_uploaded(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Take the facts matching ``where`` out as if they had never been uploaded: their batch's recorded count follows
    (the integrity check refuses a batch that lost rows since it was saved)."""
    con.execute(f"DELETE FROM fact WHERE {where}")
    con.execute("UPDATE batch SET fact_count = (SELECT count(*) FROM fact f WHERE f.batch_id = batch.id)")


def june(path: Path) -> dict[str, tuple[float, float, float]]:
    """Township → (城市低保户数, 人数, 资金 in 元) stored for June 2025."""
    rows = read(path, "SELECT township, indicator_code, value FROM v_fact WHERE period = ? AND indicator_code IN "
                      "('dibao_urban_households', 'dibao_urban_persons', 'dibao_urban_funds')", JUNE)
    out: dict[str, dict[str, float]] = {}
    for town, code, value in rows:
        out.setdefault(town, {})[code] = value
    return {t: (v["dibao_urban_households"], v["dibao_urban_persons"], v["dibao_urban_funds"]) for t, v in out.items()}


def july_workbook(path: Path, rename: dict[str, str] | None = None) -> tuple[bytes, dict[str, tuple[int, int, float]]]:
    """A July report: title, two-level merged header (城市低保 over 户数 | 人数 | 低保边缘户数 | 当月资金（万元）), short
    names (城东 for 城东街道) unless ``rename`` says otherwise, a 合计 row; 低保边缘户数 maps to no indicator.
    Returns the bytes and, per township, the (户数, 人数, 资金 in 元) it holds."""
    stored = june(path)
    towns = [t for (t,) in read(path, "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order")]
    expected: dict[str, tuple[int, int, float]] = {}
    rows: list[list[object]] = [["黔江区2025年7月城市低保统计表", None, None, None, None],
                                ["乡镇（街道）", "城市低保", None, None, None],
                                [None, "户数", "人数", "低保边缘户数", "当月资金（万元）"]]
    for town in towns:
        households, persons, funds = stored.get(town, (10, 20, 10_000.0))  # a township that did not report June
        h, p, f = int(households) + 1, int(persons) + 2, round(funds * 1.01 / 10_000, 2)
        expected[town] = (h, p, f * 10_000)
        written = (rename or {}).get(town, town.removesuffix("街道").removesuffix("镇").removesuffix("乡"))
        rows.append([written, h, p, p // 3, f])
    rows.append(["合计", *(sum(r[c] for r in rows[3:]) for c in (1, 2, 3)), round(sum(r[4] for r in rows[3:]), 2)])
    merged = [(0, 0, 0, 4), (1, 0, 2, 0), (1, 1, 1, 4)]
    return xlsx_bytes([Sheet("7月", rows, merged)]), expected


def broken_workbook() -> bytes:
    """A July report with 暂无 in B4 and a negative count in B5."""
    rows = [["黔江区2025年7月城市低保统计表", None, None], ["乡镇（街道）", "城市低保人数", "当月资金（万元）"],
            ["城东", 281, 12.5], ["中塘乡", "暂无", 0.66], ["黎水", -3, 1.0]]
    return xlsx_bytes([Sheet("7月", rows)])


def typo_workbook(path: Path, town: str = "城东街道", times: int = 100, also: Sequence[str] = ()) -> tuple[bytes, str, int]:
    """A clean July report of 城市低保 (户数 | 人数 | 当月资金（万元）, a 合计 row that adds up) in which one township's
    人数 (and those of ``also``) was typed ``times`` too large. Returns the bytes, ``town``'s cell and typed figure."""
    stored = june(path)
    towns = [t for (t,) in read(path, "SELECT name FROM township WHERE level = 'township' ORDER BY sort_order")]
    rows: list[list[object]] = [["黔江区2025年7月城市低保统计表", None, None, None],
                                ["乡镇（街道）", "城市低保户数", "城市低保人数", "当月城市低保资金（万元）"]]
    cell, typed = "", 0
    for town_name in towns:
        households, persons, funds = stored.get(town_name, (10, 20, 10_000.0))
        p = int(persons) * (times if town_name == town or town_name in also else 1)
        if town_name == town:
            cell, typed = f"C{len(rows) + 1}", p
        rows.append([town_name, int(households), p, round(funds / 10_000, 2)])
    rows.append(["合计", sum(r[1] for r in rows[2:]), sum(r[2] for r in rows[2:]), round(sum(r[3] for r in rows[2:]), 2)])
    return xlsx_bytes([Sheet("7月", rows)]), cell, typed
