"""The dashboard's one database connection and cached reads keyed by the data version."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from civdash import appdb
from civdash.access import auth
from civdash.analysis import metrics
from civdash.domain import catalog, townships
from civdash.store import db, ducklake, integrity


@st.cache_resource(show_spinner="正在准备数据……")
def _connection(key: str) -> duckdb.DuckDBPyConnection:
    return db.connect(_resolved()[0])


@st.cache_resource(show_spinner=False)
def _resolved() -> tuple[appdb.Target, bool]:
    return appdb.app_database()


def database() -> tuple[str, bool]:
    """(where, is_demo) of the database this process serves: a file's path, or the shared lake (without password)."""
    target, demo = _resolved()
    return str(target), demo


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of the shared connection, one per use, safe across sessions' threads."""
    target = _resolved()[0]
    cur = _connection(str(target)).cursor()
    if isinstance(target, ducklake.Lake):  # a cursor starts in the in-memory default database, not the attached lake
        cur.execute(f"USE {ducklake.LAKE_NAME}")
    return cur


def version() -> tuple[str, int]:
    """Cache key: the database and its data version (changes with every commit, by any process sharing a lake).

    Raises ``integrity.DatabaseDamaged`` when the stored values fail the integrity check, which runs once for each
    data version: when the process first reads the database, and after every save or rollback (by any process)."""
    path = database()[0]
    with cursor() as cur:
        key = path, db.data_version(cur)
    damaged = _integrity(key)
    if damaged is not None:
        raise integrity.DatabaseDamaged(damaged)
    return key


@st.cache_data(show_spinner="正在检查数据完整性……", max_entries=4)
def _integrity(key: tuple[str, int]) -> integrity.Report | None:
    """What the integrity check found at this data version (None: nothing)."""
    with cursor() as cur:
        report = integrity.check(cur)
    return None if report.ok else report


def is_demo() -> bool:
    with cursor() as cur:
        return db.is_demo(cur)


def accounts_exist() -> bool:
    """True when the dashboard has accounts (never in the demo): then uploads, administration and downloads need a
    login (``access.may_download``, ``web.may_download``)."""
    if is_demo():
        return False
    with cursor() as cur:
        return bool(auth.users(cur))


@st.cache_data(show_spinner=False)
def _indicators(key: tuple[str, int]) -> list[catalog.Indicator]:
    with cursor() as cur:
        return catalog.indicators(cur)


def indicators() -> list[catalog.Indicator]:
    return _indicators(version())


def indicator(code: str) -> catalog.Indicator:
    return {i.code: i for i in indicators()}[code]


def categories() -> list[str]:
    return catalog.categories(indicators())


@st.cache_data(show_spinner=False)
def _townships(key: tuple[str, int]) -> list[townships.Township]:
    with cursor() as cur:
        return townships.townships(cur)


def township_list() -> list[townships.Township]:
    return _townships(version())


@st.cache_data(show_spinner=False)
def _district(key: tuple[str, int]) -> tuple[str, str]:
    with cursor() as cur:
        return townships.district_name(cur), townships.district_word(cur)


def district_name() -> str:
    return _district(version())[0]


def district_word() -> str:
    """'全区' / '全县'."""
    return _district(version())[1]


@st.cache_data(show_spinner=False)
def _months(key: tuple[str, int]) -> list[date]:
    with cursor() as cur:
        return metrics.available_months(cur)


def months() -> list[date]:
    """Months with data, newest first."""
    return _months(version())


@st.cache_data(show_spinner=False, max_entries=256)
def _call(key: tuple[str, int], name: str, args: tuple, kwargs: tuple) -> pd.DataFrame:
    with cursor() as cur:
        return getattr(metrics, name)(cur, *args, **dict(kwargs))


def metric(name: str, *args, **kwargs):
    """Call ``civdash.analysis.metrics.<name>`` with caching keyed by the data version."""
    return _call(version(), name, tuple(args), tuple(sorted(kwargs.items())))
