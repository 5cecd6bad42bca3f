"""数据查询's 合计 is the total of the rows shown, whichever townships reported which months (property test).

Hypothesis fills a district of four townships with six months of figures, each township-month reported or not, then
asks for any range, 当月 or 累计, for all townships or any chosen few. The 合计 row must be the sum of the township
rows above it (stocks included: a township that missed the last month counts with the figure its row shows), the
catalog's weighted average of them for a level, and it names the chosen townships when they are not all.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civdash.analysis import table
from civdash.analysis.table import TableRequest
from civdash.domain import catalog, townships
from civdash.domain.periods import add_months
from civdash.store import db
from tests.unit.conftest import CATALOG_CSV

MONTHS = [add_months(date(2025, 1, 1), k) for k in range(6)]
NAMES = ["城东街道", "中塘镇", "新华乡", "石会镇"]
CODES = ("persons", "funds", "standard", "cases")

reported = st.lists(st.booleans(), min_size=len(NAMES) * len(MONTHS), max_size=len(NAMES) * len(MONTHS))


def district(tmp_path, seen: list[bool], draw) -> tuple[duckdb.DuckDBPyConnection, list[int]]:
    con = duckdb.connect(":memory:")
    db.migrate(con)
    cat = tmp_path / "catalog.csv"
    cat.write_text(CATALOG_CSV, encoding="utf-8")
    catalog.seed(con, cat)
    townships.register(con, "黔江区", code="500114", level="district", sort_order=0)
    ids = [townships.register(con, name, sort_order=k + 1) for k, name in enumerate(NAMES)]
    rows = []
    for k, (tid, month) in enumerate((t, m) for t in ids for m in MONTHS):
        if seen[k]:
            rows += [("persons", tid, month, draw(st.integers(0, 500))),
                     ("funds", tid, month, draw(st.integers(0, 90_000))),
                     ("standard", tid, month, draw(st.integers(300, 900))),
                     ("cases", tid, month, draw(st.integers(0, 40)))]
    if rows:
        con.executemany("INSERT INTO fact (indicator_code, township_id, period, value, batch_id) VALUES (?, ?, ?, ?, 1)",
                        rows)
    return con, ids


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seen=reported, data=st.data())
def test_total_is_the_total_of_the_rows_shown(tmp_path, seen, data) -> None:
    con, ids = district(tmp_path, seen, data.draw)
    first = data.draw(st.integers(0, len(MONTHS) - 1))
    last = data.draw(st.integers(first, len(MONTHS) - 1))
    chosen = tuple(data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids))))
    ytd = data.draw(st.booleans())
    t = table.build(con, TableRequest(CODES, MONTHS[first], MONTHS[last], ytd=ytd, townships=chosen))

    shown = len(chosen) if chosen else len(ids)
    assert t.data_rows == shown
    if chosen and len(chosen) < len(ids):
        assert t.labels[-1] == f"所选{shown}个乡镇（街道）合计"
        named = t.labels[:-1] if shown <= 3 else [t.labels[0], f"等{shown}个乡镇（街道）"]
        assert all(part in t.title for part in named), t.title
    else:
        assert t.labels[-1] == "合计" and t.title.startswith("黔江区2025年")
    column = {c.code: k for k, c in enumerate(t.columns)}
    rows, total = t.values[:-1], t.values[-1]
    for code, tolerance in (("persons", 0), ("cases", 0), ("funds", 0.005 * shown + 1e-9)):
        k = column[code]
        if np.isnan(rows[:, k]).all():
            assert np.isnan(total[k])
        else:
            assert abs(total[k] - np.nansum(rows[:, k])) <= tolerance, (code, rows[:, k], total[k])
    persons, standard = rows[:, column["persons"]], rows[:, column["standard"]]
    both = ~np.isnan(persons) & ~np.isnan(standard)
    if both.any() and persons[both].sum() > 0:
        expected = (standard[both] * persons[both]).sum() / persons[both].sum()
        assert abs(total[column["standard"]] - expected) <= 0.01
    con.close()
