"""Two reviewers approving the same return at once: one batch, one approval; the other is told in words."""

from __future__ import annotations

import threading

from civdash.filing import form, returns
from civdash.filing.calendar import FilingError
from tests.unit.filing.conftest import JULY, township_id


def test_the_same_return_approved_twice_at_once_is_stored_once(con) -> None:
    town = township_id(con, "城东街道")
    filled = {r.code: r.last for r in form.form(con, town, JULY)}
    number = returns.submit(con, form.check_form(con, town, JULY, filled), "城东填报员")
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(reviewer: str) -> None:
        cur = con.cursor()
        start.wait()
        try:
            outcomes[reviewer] = returns.approve(cur, number, reviewer).batch_id
        except FilingError as exc:
            outcomes[reviewer] = exc
        finally:
            cur.close()

    threads = [threading.Thread(target=approve, args=(name,)) for name in ("李静", "王强")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = {k: v for k, v in outcomes.items() if isinstance(v, int)}
    lost = [v for v in outcomes.values() if isinstance(v, FilingError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "已通过" in str(lost[0]) or "已被其他人处理" in str(lost[0]) or "其他人正在同时" in str(lost[0])
    assert con.execute("SELECT count(*) FROM batch WHERE source = 'township'").fetchone()[0] == 1
    reviewer, batch = next(iter(won.items()))
    assert con.execute("SELECT status, reviewed_by, batch_id FROM township_return WHERE status <> 'submitted'"
                       ).fetchall() == [("approved", reviewer, batch)]
