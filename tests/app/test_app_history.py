"""导入记录 (pages/history.py): batches as stored, the original file kept byte for byte, what a batch changed
(old → new), and a rollback after confirmation that restores exactly the earlier values."""

from __future__ import annotations

import pytest

from civdash import db
from civdash.ingest.commit import batch_files
from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.upload_fixtures import JUNE, read

PAGE = "pages/history.py"


def june_correction(path) -> tuple[bytes, float]:
    """A June file changing 城东街道's 城市低保人数 by +5; returns the bytes and the value stored before."""
    (before,) = read(path, "SELECT value FROM v_fact WHERE period = ? AND township = '城东街道' AND indicator_code = "
                           "'dibao_urban_persons'", JUNE)[0]
    rows = [["黔江区2025年6月城市低保统计表", None], ["乡镇（街道）", "城市低保人数"], ["城东", before + 5], ["城南", 1]]
    return xlsx_bytes([Sheet("6月", rows)]), before


def upload(path, name: str, data: bytes) -> int:
    con = db.connect(path)
    try:
        plan = prepare(con, [(name, data)], Options())
        return commit(con, plan, user_name="李静").batch_id
    finally:
        con.close()


@pytest.mark.timeout(180)
def test_a_batch_is_listed_with_its_changes_and_its_original_file(real_app, real_env, clean) -> None:
    data, before = june_correction(real_env)
    (south,) = read(real_env, "SELECT value FROM v_fact WHERE period = ? AND township = '城南街道' AND "
                              "indicator_code = 'dibao_urban_persons'", JUNE)[0]
    batch = upload(real_env, "6月补报.xlsx", data)
    con = db.connect(real_env)
    try:
        files = batch_files(con, batch)
    finally:
        con.close()
    assert [(f.file_name, f.content) for f in files] == [("6月补报.xlsx", data)]  # kept byte for byte
    at = real_app(PAGE)
    clean(at)
    listing = at.dataframe[0].value
    first = listing.iloc[0]
    assert (first["批次"], first["上传人"], first["来源"], first["文件"], first["期间"], first["条数"], first["状态"]) == (
        batch, "李静", "网页上传", "6月补报.xlsx", "2025年6月", 2, "已生效")
    assert at.selectbox(key="history_batch").value == batch
    assert any(b.label == "下载原文件：6月补报.xlsx" for b in at.get("download_button"))
    changes = at.dataframe[1].value.set_index("乡镇（街道）")
    assert changes.loc["城东街道", "原值"] == f"{before:,.0f}人"
    assert changes.loc["城东街道", "本批数值"] == f"{before + 5:,.0f}人"
    assert changes.loc["城东街道", "状态"] == "当前有效"
    assert changes.loc["城南街道", "原值"] == f"{south:,.0f}人" and changes.loc["城南街道", "本批数值"] == "1人"
    assert any("**2**条数据恢复为之前批次的数值" in m.value and "**0**条数据将被删除" in m.value for m in at.markdown)


@pytest.mark.timeout(180)
def test_rollback_after_confirmation_restores_the_earlier_values(real_app, real_env, clean) -> None:
    data, before = june_correction(real_env)
    batch = upload(real_env, "6月补报.xlsx", data)
    at = real_app(PAGE)
    undo = next(b for b in at.button if b.label == "撤销此批次")
    assert undo.disabled  # not before the confirmation
    at = at.checkbox(key=f"history_sure::{batch}").check().run()
    at = next(b for b in at.button if b.label == "撤销此批次").click().run()
    clean(at)
    assert any(f"已撤销第{batch}批：2条恢复为之前的数值，0条已删除" in s.value for s in at.success)
    assert read(real_env, "SELECT value FROM v_fact WHERE period = ? AND township = '城东街道' AND indicator_code = "
                          "'dibao_urban_persons'", JUNE) == [(before,)]
    assert at.dataframe[0].value.iloc[0]["状态"] == "已撤销"
    assert not any(b.label == "撤销此批次" for b in at.button)
