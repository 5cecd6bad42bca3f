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
from civdash.store import db, ducklake, integrity, scope
from civdash.store.scope import Scope

USER_KEY = "civdash_user"  # the session's logged-in account (``ui.access``)


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


def reader_scope() -> Scope:
    """What this session may read: a township account's townships only (``civdash.store.scope``), everyone else
    everything."""
    found = st.session_state.get(USER_KEY)
    if isinstance(found, auth.User) and found.scoped:
        return scope.of_townships(found.townships)
    return scope.EVERYTHING


def cursor(reading: Scope | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor of the shared connection, one per use, safe across sessions' threads, that reads what the session
    may read (``reader_scope``; ``reading`` instead when given — ``scope.EVERYTHING`` only for work that needs the
    whole district and shows none of it, such as checking a township's return against the rules)."""
    target = _resolved()[0]
    cur = _connection(str(target)).cursor()
    if isinstance(target, ducklake.Lake):  # a cursor starts in the in-memory default database, not the attached lake
        cur.execute(f"USE {ducklake.LAKE_NAME}")
    return scope.restrict(cur, reader_scope() if reading is None else reading)


Key = tuple[str, int, Scope]


HELD_KEY = "civdash_held_version"  # the data version a page that never saves reads its figures at (``hold_version``)


def hold_version(hold: bool) -> None:
    """Called by dashboard.py at the start of every run. ``hold``: the page never saves (the analysis pages), so the
    data version is read once for the run, and every figure on the page comes from that one version (a save by
    someone else during the run is read by the next run) instead of the database being asked before each cached
    read. Otherwise (pages that save and then read again in the same run) it is read before every read."""
    st.session_state.pop(HELD_KEY, None)
    if hold:
        st.session_state[HELD_KEY] = _stored_version()


def version() -> Key:
    """Cache key: the database, its data version (changes with every commit, by any process sharing a lake) and
    what the session may read (so that a township account's cached figures are never another session's).

    Raises ``integrity.DatabaseDamaged`` when the stored values fail the integrity check, which runs once for each
    data version: when the process first reads the database, and after every save or rollback (by any process)."""
    held = st.session_state.get(HELD_KEY)
    return (held if held is not None else _stored_version()) + (reader_scope(),)


def _stored_version() -> tuple[str, int]:
    """(database, data version) as stored now, once it has passed the integrity check."""
    path = database()[0]
    with cursor(scope.EVERYTHING) as cur:
        stored = path, db.data_version(cur)
    damaged = _integrity(stored)
    if damaged is not None:
        raise integrity.DatabaseDamaged(damaged)
    return stored


@st.cache_data(show_spinner="正在检查数据完整性……", max_entries=4)
def _integrity(key: Key) -> integrity.Report | None:
    """What the integrity check found at this data version (None: nothing)."""
    with cursor(scope.EVERYTHING) as cur:
        report = integrity.check(cur)
    return None if report.ok else report


def is_demo() -> bool:
    with cursor(scope.EVERYTHING) as cur:
        return db.is_demo(cur)


def accounts_exist() -> bool:
    """True when the dashboard has accounts (never in the demo): then uploads, administration and downloads need a
    login (``access.may_download``, ``web.may_download``)."""
    if is_demo():
        return False
    with cursor(scope.EVERYTHING) as cur:
        return bool(auth.users(cur))


def township_accounts_exist() -> bool:
    """True when an enabled township account (乡镇填报员) exists (read at most every ``ACCOUNTS_TTL`` seconds)."""
    return False if is_demo() else _township_accounts(database()[0])


ACCOUNTS_TTL = 10


@st.cache_data(show_spinner=False, ttl=ACCOUNTS_TTL)
def _township_accounts(where: str) -> bool:
    with cursor(scope.EVERYTHING) as cur:
        return any(u.scoped and not u.disabled for u in auth.users(cur))


@st.cache_data(show_spinner=False)
def _indicators(key: Key) -> list[catalog.Indicator]:
    with cursor(key[2]) as cur:
        return catalog.indicators(cur)


def indicators() -> list[catalog.Indicator]:
    return _indicators(version())


def indicator(code: str) -> catalog.Indicator:
    return {i.code: i for i in indicators()}[code]


def categories() -> list[str]:
    return catalog.categories(indicators())


@st.cache_resource(show_spinner=False, max_entries=8)
def _townships(key: Key) -> tuple[townships.Township, ...]:
    # Shared, not copied for every caller as st.cache_data would (a province's 1,500 townships took ~4 ms a call to
    # copy): a tuple of frozen records nobody can change.
    with cursor(key[2]) as cur:
        return tuple(townships.townships(cur))


def township_list() -> tuple[townships.Township, ...]:
    return _townships(version())


@st.cache_data(show_spinner=False)
def _district(key: Key) -> tuple[str, str]:
    with cursor(key[2]) as cur:
        return townships.district_name(cur), townships.district_word(cur)


def district_name() -> str:
    return _district(version())[0]


def district_word() -> str:
    """'全区' / '全县'."""
    return _district(version())[1]


@st.cache_data(show_spinner=False)
def _months(key: Key) -> list[date]:
    with cursor(key[2]) as cur:
        return metrics.available_months(cur)


def months() -> list[date]:
    """Months with data, newest first."""
    return _months(version())


@st.cache_data(show_spinner=False, max_entries=256)
def _call(key: Key, name: str, args: tuple, kwargs: tuple) -> pd.DataFrame:
    with cursor(key[2]) as cur:
        return getattr(metrics, name)(cur, *args, **dict(kwargs))


def metric(name: str, *args, **kwargs):
    """Call ``civdash.analysis.metrics.<name>`` with caching keyed by the data version."""
    return _call(version(), name, tuple(args), tuple(sorted(kwargs.items())))


DISTRICT_FIGURES = frozenset({"key_figures", "first_month_of_year"})  # whole-district totals, no township's row


def sees_district() -> bool:
    """True when this session is a township account an administrator lets see the district's totals too."""
    found = st.session_state.get(USER_KEY)
    return isinstance(found, auth.User) and found.scoped and found.sees_district


def district_metric(name: str, *args, **kwargs):
    """``metric`` over the whole district for a township account allowed its totals (``sees_district``): only the
    figures of ``DISTRICT_FIGURES``, which hold totals and never a township's row."""
    if name not in DISTRICT_FIGURES or not (sees_district() or reader_scope().whole):
        raise PermissionError(f"district figure {name!r} is not open to this session")
    found = _call(version()[:2] + (scope.EVERYTHING,), name, tuple(args), tuple(sorted(kwargs.items())))
    if isinstance(found, pd.DataFrame):  # the townships a total lacks are counted, not named
        found = found.copy()
        for column in ("missing", "mom_without", "yoy_without"):
            if column in found:
                found[column] = [[f"{len(v)}个乡镇（街道）"] if isinstance(v, tuple | list) and v else v
                                 for v in found[column]]
    return found


def whole_district_word() -> str:
    """'全区' / '全县' of the district itself, also for a township account (whose ``district_word`` is its own)."""
    return _district(version()[:2] + (scope.EVERYTHING,))[1]
