"""The 数据查询 page's pieces: the table built and its downloads made once per choice and data version."""

from __future__ import annotations

from datetime import date

import streamlit as st

from civdash.analysis import table
from civdash.domain import times
from civdash.outputs import export
from ui import data

SORTS = {"desc": "从大到小", "asc": "从小到大"}


@st.cache_data(show_spinner="正在查询……", max_entries=32)
def _build(key: tuple[str, int], request: table.TableRequest) -> table.QueryTable:
    with data.cursor() as cur:
        return table.build(cur, request)


def build(request: table.TableRequest) -> table.QueryTable:
    return _build(data.version(), request)


@st.cache_data(show_spinner=False, max_entries=32)
def _xlsx(key: tuple[str, int], request: table.TableRequest, made_on: date) -> bytes:
    return export.to_xlsx(build(request), made_on)


def xlsx(request: table.TableRequest) -> bytes:
    return _xlsx(data.version(), request, times.today_beijing())


@st.cache_data(show_spinner=False, max_entries=32)
def _csv(key: tuple[str, int], request: table.TableRequest, encoding: str) -> bytes:
    return export.to_csv(build(request), encoding)


def csv(request: table.TableRequest, encoding: str) -> bytes:
    return _csv(data.version(), request, encoding)


def column_config(t: table.QueryTable) -> dict:
    """Numbers with thousands separators and the decimals shown; the labels pinned while scrolling sideways."""
    widest = max(export.text_width(text) for text in [*t.labels, t.row_header])
    config: dict = {t.row_header: st.column_config.TextColumn(pinned=True, width=8 * widest + 24)}  # never cut short
    if t.codes is not None:
        config[table.CODE_HEADER] = st.column_config.TextColumn(width="small")
    for column in t.columns:
        config[column.header] = st.column_config.NumberColumn(format=f"%,.{column.decimals}f")
    return config


def height(t: table.QueryTable, most_rows: int = 32) -> int:
    """Pixels that show every row of a district's table (and scroll beyond ``most_rows``)."""
    return 35 * (min(len(t.labels), most_rows) + 1) + 3
