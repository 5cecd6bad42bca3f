"""The township returns on the shared store (DuckLake in PostgreSQL), as on the file: submit, return, resubmit,
approve as a batch; the status table and the pending list read the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from civdash.filing import form, returns
from civdash.store import db, ducklake
from tests.unit.filing.conftest import JULY, TODAY
from tests.unit.store.test_lake_upload import bureau_file, bureau_lake  # noqa: F401  (fixtures)

pytestmark = pytest.mark.timeout(300)


def test_a_return_goes_through_its_steps_on_a_lake(bureau_lake: ducklake.Lake, bureau_file: Path) -> None:  # noqa: F811
    con = db.connect(bureau_lake)
    try:
        (town,) = con.execute("SELECT id FROM township WHERE name = '城东街道'").fetchone()
        filled = {r.code: r.last for r in form.form(con, town, JULY)} | {"dibao_urban_funds": 12.34}
        first = returns.submit(con, form.check_form(con, town, JULY, filled), "城东填报员")
        returns.send_back(con, first, "李静", "资金单位填错")
        assert returns.status(con, JULY, TODAY).loc["城东街道", ["状态", "退回原因"]].tolist() == ["已退回", "资金单位填错"]
        second = returns.submit(con, form.check_form(con, town, JULY, filled), "城东填报员")
        assert list(returns.pending(con)["id"]) == [second]
        batch = returns.approve(con, second, "李静").batch_id
        assert con.execute("SELECT value FROM v_fact WHERE township = '城东街道' AND period = ? AND indicator_code = "
                           "'dibao_urban_funds'", [JULY]).fetchone() == (123_400.0,)
        assert con.execute("SELECT source, user_name FROM batch WHERE id = ?", [batch]).fetchone() == ("township", "李静")
        assert returns.status(con, JULY, TODAY).loc["城东街道", "状态"] == "已通过"
        assert returns.submission(con, second).content[:2] == b"PK"  # the workbook's bytes kept in the lake
    finally:
        con.close()
