"""Work the first visitor would otherwise wait for, done in the background while the server starts and the first
browser loads the page's code: the modules the pages import, the database opened (and upgraded, and checked), and
总览's figures of the latest month read into the caches every session shares. Started by ``serve.py``; the caches
are keyed by the data version as always, so nothing read here can be shown after the data change."""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("civdash")
# Streamlit warns, once per call, that a cached function ran outside a page's run: here that is the point.
_NO_RUN = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")


def start() -> threading.Thread:
    thread = threading.Thread(target=overview, name="civdash-warm-up", daemon=True)
    thread.start()
    return thread


def overview() -> None:
    """Read what 总览 reads for the latest month (the page's own functions, so the cache keys are the page's)."""
    level = _NO_RUN.level
    _NO_RUN.setLevel(logging.ERROR)
    try:
        from ui import ask, cards, charts, data, watch  # noqa: F401, PLC0415  (plotly and pandas among them)

        if not _runtime_started():
            return
        months = data.months()
        if not months:
            return
        period = months[0]
        data.indicators()
        data.township_list()
        data.district_name()
        data.metric("reporting_summary", period)
        data.metric("key_figures", period)
        data.metric("target_progress", period)
        cards.ytd_span(period)
        watch.attention(period)
    except Exception as exc:  # noqa: BLE001 - the first visitor's page meets the same problem and says it
        log.warning("warm-up at start stopped: %s: %s", type(exc).__name__, exc)
    finally:
        _NO_RUN.setLevel(level)


def _runtime_started(seconds: float = 60) -> bool:
    """Wait for Streamlit's runtime (its caches are the ones every session reads; before it exists a cached function
    would fill a cache of its own)."""
    from streamlit import runtime  # noqa: PLC0415

    deadline = time.monotonic() + seconds
    while not runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
