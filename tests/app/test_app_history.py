"""导入记录 (pages/history.py): batches as stored, the original file downloaded byte for byte, what a batch changed
(old → new, with units), and a rollback after a confirmation that says what will be restored and removes exactly
that; on the demo database rollback is not offered and nothing changes."""

from __future__ import annotations

import pytest

from civdash.ingest.context import Options
from civdash.ingest.upload import commit, prepare
from civdash.store import db
from tests.app.conftest import shown
from tests.ingest_fixtures import Sheet, xlsx_bytes
from tests.upload_fixtures import JUNE, read

PAGE = "pages/history.py"
EAST = ("SELECT value FROM v_fact WHERE period = ? AND township = '城东街道' AND indicator_code = "
        "'dibao_urban_persons'")
MAY = JUNE.replace(month=5)


def june_correction(path, month: int = 6) -> tuple[bytes, float]:
    """A file for ``month`` of 2025 changing 城东街道's 城市低保人数 by +5 and 城南街道's by −2; returns the bytes and
    城东's value stored before."""
    (before,) = read(path, EAST, JUNE.replace(month=month))[0]
    (south,) = read(path, EAST.replace("城东街道", "城南街道"), JUNE.replace(month=month))[0]
    rows = [[f"黔江区2025年{month}月城市低保统计表", None], ["乡镇（街道）", "城市低保人数"], ["城东", before + 5],
            ["城南", south - 2]]
    return xlsx_bytes([Sheet(f"{month}月", rows)]), before


def upload(path, files: list[tuple[str, bytes]]) -> int:
    con = db.connect(path)
    try:
        plan = prepare(con, files, Options())
        return commit(con, plan, user_name="李静").batch_id
    finally:
        con.close()


def table(at, column: str):
    """The page's table that has ``column``."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


@pytest.mark.timeout(180)
def test_a_batch_is_listed_with_its_changes_and_its_original_file(real_app, real_env, clean, downloads) -> None:
    data, before = june_correction(real_env)
    (south,) = read(real_env, EAST.replace("城东街道", "城南街道"), JUNE)[0]
    batch = upload(real_env, [("6月补报.xlsx", data)])
    at = real_app(PAGE)
    clean(at)
    first = table(at, "批次").iloc[0]
    assert (first["批次"], first["上传人"], first["来源"], first["文件"], first["期间"], first["条数"], first["当前有效"],
            first["状态"]) == (batch, "李静", "网页上传", "6月补报.xlsx", "2025年6月", 2, 2, "已生效")
    assert at.selectbox(key="history_batch").value == str(batch)  # the newest batch is shown first
    (button,) = [b for b in at.get("download_button") if b.proto.label.startswith("下载原文件")]
    assert shown(button.proto.label) == "下载原文件：6月补报.xlsx"
    assert downloads[button.proto.url] == data  # the file as uploaded, byte for byte

    changes = table(at, "本批数值").set_index("乡镇（街道）")
    assert changes.loc["城东街道", ["月份", "指标", "原值", "本批数值", "状态"]].tolist() == [
        "2025年6月", "城市低保人数", f"{before:,.0f}人", f"{before + 5:,.0f}人", "当前有效"]
    assert changes.loc["城南街道", ["原值", "本批数值"]].tolist() == [f"{south:,.0f}人", f"{south - 2:,.0f}人"]
    assert any("本批共2条：当前有效2条" in c.value for c in at.caption)

    assert any("**2**条数据恢复为之前批次的数值，**0**条数据将被删除（之前没有数据）" in m.value for m in at.markdown)
    assert table(at, "删除（条）").values.tolist() == [["2025年6月", "城市低保人数", 2, 0]]


@pytest.mark.timeout(180)
def test_rollback_after_confirmation_restores_the_earlier_values(real_app, real_env, clean) -> None:
    data, before = june_correction(real_env)
    (south,) = read(real_env, EAST.replace("城东街道", "城南街道"), JUNE)[0]
    batch = upload(real_env, [("6月补报.xlsx", data)])
    at = real_app(PAGE)
    assert at.button(key=f"history_undo_button::{batch}").disabled  # not before the confirmation
    at = at.checkbox(key=f"history_sure::{batch}").check().run()
    at = at.button(key=f"history_undo_button::{batch}").click().run()
    clean(at)
    assert [s.value for s in at.success] == [f"已撤销第{batch}批：2条恢复为之前的数值，0条已删除。"]
    assert read(real_env, EAST, JUNE) == [(before,)]
    assert read(real_env, EAST.replace("城东街道", "城南街道"), JUNE) == [(south,)]
    first = table(at, "批次").iloc[0]
    assert (first["批次"], first["当前有效"], first["状态"]) == (batch, 0, "已撤销")
    assert at.subheader[0].value == f"第{batch}批：已撤销"
    assert any(t.value.startswith("记录：李静于") and t.value.endswith("撤销") for t in at.text)
    assert table(at, "本批数值")["状态"].tolist() == ["已撤销", "已撤销"]
    assert not [b for b in at.button if b.label == "撤销此批次"]
    assert read(real_env, "SELECT status FROM batch WHERE id = ?", batch) == [("rolled_back",)]


@pytest.mark.timeout(180)
def test_a_batch_of_two_files_and_months_is_read_a_month_at_a_time(real_app, real_env, clean, downloads) -> None:
    june, _ = june_correction(real_env)
    may, may_before = june_correction(real_env, 5)
    name = "5月_*更正*.xlsx"  # Markdown characters in a file name are shown as written
    batch = upload(real_env, [(name, may), ("6月补报.xlsx", june)])
    at = real_app(PAGE)
    clean(at)
    first = table(at, "批次").iloc[0]
    assert (first["文件"], first["期间"], first["条数"]) == (f"{name}、6月补报.xlsx", "2025年5月—2025年6月", 4)
    buttons = {b.proto.label: downloads[b.proto.url] for b in at.get("download_button")}
    assert buttons == {"下载原文件：5月\\_\\*更正\\*\\.xlsx": may, "下载原文件：6月补报\\.xlsx": june}  # Markdown escaped
    assert {shown(label) for label in buttons} == {"下载原文件：5月_*更正*.xlsx", "下载原文件：6月补报.xlsx"}
    assert table(at, "本批数值")["月份"].tolist() == ["2025年5月", "2025年5月", "2025年6月", "2025年6月"]
    at = at.selectbox(key=f"history_month::{batch}").set_value("2025-05").run()
    clean(at)
    changes = table(at, "本批数值")
    assert changes["月份"].tolist() == ["2025年5月", "2025年5月"]
    assert changes.set_index("乡镇（街道）").loc["城东街道", "原值"] == f"{may_before:,.0f}人"
    assert table(at, "删除（条）").values.tolist() == [["2025年5月", "城市低保人数", 2, 0], ["2025年6月", "城市低保人数", 2, 0]]
    assert at.checkbox(key=f"history_sure::{batch}").label == f"我确认撤销第{batch}批"


@pytest.mark.timeout(180)
def test_the_demo_shows_its_batch_and_offers_no_rollback(app, demo_env, clean) -> None:
    facts = read(demo_env["demo"], "SELECT count(*), sum(value) FROM v_fact")
    at = app(PAGE)
    clean(at)
    (row,) = table(at, "批次").to_dict("records")
    assert (row["来源"], row["文件"], row["状态"], row["条数"]) == ("示例数据", "示例数据（自动生成）", "已生效", facts[0][0])
    assert any("撤销功能仅在正式数据库中可用" in i.value for i in at.info)
    assert any("此批次没有保存原文件" in c.value for c in at.caption)
    assert not at.get("download_button")
    assert not at.checkbox and not [b for b in at.button if b.label == "撤销此批次"]
    assert read(demo_env["demo"], "SELECT count(*), sum(value) FROM v_fact") == facts


@pytest.mark.timeout(180)
def test_a_batchs_explanations_are_listed_as_they_were_written(real_app, real_env, clean) -> None:
    from tests.upload_fixtures import typo_workbook

    data, cell, typed = typo_workbook(real_env)
    hostile = '=HYPERLINK("http://x","核实")**属实**<b>'
    con = db.connect(real_env)
    try:
        plan = prepare(con, [("2025年7月城市低保.xlsx", data)], Options())
        explanations = {f.rule: hostile for f in plan.soft}
        batch = commit(con, plan, user_name="李静", explanations=explanations).batch_id
    finally:
        con.close()
    at = real_app(PAGE)
    clean(at)
    assert at.selectbox(key="history_batch").value == str(batch)
    assert any(f"保存时{len(plan.soft)}个需核实的问题" in m.value for m in at.markdown)
    kept = table(at, "核实说明").set_index("位置")
    where = f"2025年7月城市低保.xlsx › 7月 › {cell}"
    assert kept.loc[where, "核实说明"] == hostile  # as written: a table cell, never Markdown or a formula
    assert kept.loc[where, "审核规则"] == "与本乡镇近12个月中位数相差5倍以上"
    assert f"城市低保人数{typed:,}人" in kept.loc[where, "问题"]
    assert kept.loc[where, "说明人"] == "李静"
