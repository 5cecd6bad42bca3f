"""Two calls overlapping in time: the first paused inside its transaction while the second runs through."""

from __future__ import annotations

import threading
from collections.abc import Callable

from civdash.store import queries


def overlapped(monkeypatch, pause_after: str, first: Callable[[], object], second: Callable[[], object]) -> dict:
    """Run ``first`` on a thread, paused inside its transaction right after the statement ``pause_after``, while
    ``second`` runs from start to end; then let ``first`` finish. Returns what each returned (or raised)."""
    paused, go_on = threading.Event(), threading.Event()
    original = queries.execute

    def pausing(c, name, /, **params):
        result = original(c, name, **params)
        if name == pause_after and threading.current_thread().name == "first" and not paused.is_set():
            paused.set()
            assert go_on.wait(60)
        return result

    monkeypatch.setattr(queries, "execute", pausing)
    results: dict[str, object] = {}

    def run(key: str, call: Callable[[], object]) -> None:
        try:
            results[key] = call()
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            results[key] = exc

    thread = threading.Thread(target=run, args=("first", first), name="first")
    try:
        thread.start()
        assert paused.wait(60), f"the first call never ran {pause_after}"
        run("second", second)
    finally:
        go_on.set()
        thread.join(120)
    assert not thread.is_alive()
    monkeypatch.undo()
    return results
