"""What the history page reads (civdash/ingest/commit.py): a batch's changes with the value before it and what
became of each, and a rollback preview that says exactly what ``rollback`` then does."""

from __future__ import annotations

import pandas as pd
import pytest

from civdash.ingest.commit import batch_changes, rollback, rollback_preview
from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from tests.ingest_fixtures import Sheet, xlsx_bytes


@pytest.fixture()
def con(district):
    return district


def store(con, east: int, south: int | None = None, name: str = "a.xlsx") -> int:
    rows = [["黔江区2025年4月城市低保统计表", None], ["乡镇（街道）", "城市低保人数"], ["城东", east]]
    if south is not None:
        rows.append(["城南", south])
    plan = prepare(con, [(name, xlsx_bytes([Sheet("4月", rows)]))], Options())
    return commit(con, plan, user_name="李静").batch_id


def states(con, batch: int) -> dict[str, tuple]:
    df = batch_changes(con, batch)
    return {t: (None if pd.isna(b) else b, v, s, None if pd.isna(lb) else int(lb))
            for t, b, v, s, lb in df[["township", "before_value", "value", "state", "later_batch"]].itertuples(index=False)}


def test_changes_say_what_was_before_and_what_became_of_each_value(con) -> None:
    first = store(con, 100, 50, "a.xlsx")
    second = store(con, 101, 50, "b.xlsx")  # 城东 changed, 城南 the same
    third = store(con, 102, None, "c.xlsx")  # 城东 changed again
    assert states(con, first) == {"城东街道": (None, 100.0, "superseded", second), "城南街道": (None, 50.0, "current", None)}
    assert states(con, second) == {"城东街道": (100.0, 101.0, "superseded", third),
                                   "城南街道": (50.0, 50.0, "unchanged", None)}
    assert states(con, third) == {"城东街道": (101.0, 102.0, "current", None)}
    rollback(con, third)
    assert states(con, third)["城东街道"][2] == "rolled_back"


@pytest.mark.parametrize("uploads", [[(100, 50)], [(100, 50), (101, 50)], [(100, None), (101, 50)]])
def test_the_preview_is_what_the_rollback_does(con, uploads) -> None:
    batches = [store(con, east, south, f"{i}.xlsx") for i, (east, south) in enumerate(uploads)]
    preview = rollback_preview(con, batches[-1])
    done = rollback(con, batches[-1])
    assert (preview.restored, preview.removed) == (done.restored, done.removed)
    assert preview.restored + preview.removed >= 1
