"""store/integrity.py and ``python -m civdash repair`` on hand-made damaged databases: each problem is found and named
in Chinese, repaired back to the values before the damage, and a save or rollback into a damaged database is refused."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from civdash.cli.main import main
from civdash.domain import catalog, townships
from civdash.ingest import commit
from civdash.ingest.commit import CommitError, NewFact, UploadFile
from civdash.store import db, integrity, queries

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


@pytest.fixture
def path(tmp_path):
    """Two committed uploads: January (3 townships × 2 indicators), then a correction of 城东街道's January persons and
    February; the second leaves one superseded row as history."""
    p = tmp_path / "civdash.duckdb"
    con = db.connect(p)
    with db.transaction(con):
        catalog.seed(con)
        townships.register(con, "黔江区", code="500114", level="district", sort_order=0)
        for name in ("城东街道", "中塘镇", "新华乡"):
            townships.register(con, name)
    ids = {t.name: t.id for t in townships.townships(con)}
    jan = [NewFact(code, ids[t], JAN, value) for t, base in (("城东街道", 100), ("中塘镇", 200), ("新华乡", 300))
           for code, value in (("dibao_urban_persons", base), ("dibao_urban_households", base // 2))]
    commit.commit_upload(con, jan, [UploadFile("1月.xlsx")], user_name="李静")
    second = [NewFact("dibao_urban_persons", ids["城东街道"], JAN, 110.0),
              NewFact("dibao_urban_persons", ids["城东街道"], FEB, 120.0)]
    commit.commit_upload(con, second, [UploadFile("更正.xlsx")], user_name="李静")
    con.close()
    return p


def current(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every row v_fact serves (indicator, township, month, value), a key served twice included twice."""
    return sorted(con.execute("SELECT indicator_code, township, period, value FROM v_fact").fetchall())


EXPECTED = sorted([("dibao_urban_persons", "城东街道", JAN, 110.0), ("dibao_urban_households", "城东街道", JAN, 50.0),
                   ("dibao_urban_persons", "中塘镇", JAN, 200.0), ("dibao_urban_households", "中塘镇", JAN, 100.0),
                   ("dibao_urban_persons", "新华乡", JAN, 300.0), ("dibao_urban_households", "新华乡", JAN, 150.0),
                   ("dibao_urban_persons", "城东街道", FEB, 120.0)])


def test_an_intact_database_passes(path) -> None:
    con = db.connect(path)
    report = integrity.check(con)
    assert report == integrity.Report()
    assert report.ok and report.lines() == []
    assert integrity.require_intact(con) is report or integrity.require_intact(con) == report
    assert con.execute("SELECT id, fact_count FROM batch ORDER BY id").fetchall() == [(1, 6), (2, 2)]
    assert current(con) == EXPECTED
    con.close()


def _killed_save(con: duckdb.DuckDBPyConnection) -> None:
    """What a save killed during its commit leaves (DuckDB replays its row groups alone): rows of batch 3, which does
    not exist, current, one of them a new value for a key that already has one, one a key of a township never
    registered (its registration was rolled back)."""
    con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                "SELECT 'dibao_urban_persons', id, DATE '2025-01-01', 999, 3, true FROM township WHERE name = '中塘镇'")
    con.execute("INSERT INTO fact (indicator_code, township_id, period, value, batch_id, is_current) "
                "VALUES ('dibao_urban_persons', 77, DATE '2025-01-01', 5, 3, true)")


def test_rows_of_a_save_that_never_committed_are_found_and_removed(path, capsys) -> None:
    con = db.connect(path)
    _killed_save(con)
    # What v_fact served before this check existed: 中塘镇's January persons twice (200 and 999).
    assert current(con) == sorted([*EXPECTED, ("dibao_urban_persons", "中塘镇", JAN, 999.0)])
    report = integrity.check(con)
    assert (report.orphan_batches, report.orphan_rows, report.orphan_current) == ((3,), 2, 2)
    assert (report.duplicate_keys, report.not_committed_keys, report.missing_keys) == (1, 1, 0)
    assert not report.ok and report.repairable
    assert report.lines() == [
        "有2条数据不属于任何导入批次（批次编号3不存在，其中2条被当作当前数据），通常是保存时程序被中断（断电、强制结束进程）留下的",
        "有1个“指标-乡镇-月份”同时有两个或更多当前值，合计数会重复计算",
        "有1个“指标-乡镇-月份”的当前值属于已撤销或不存在的批次",
    ]
    with pytest.raises(integrity.DatabaseDamaged) as raised:
        integrity.require_intact(con)
    assert str(raised.value).startswith("数据库完整性检查发现问题：有2条数据不属于任何导入批次")
    assert "请系统管理员停止看板服务后运行 python -m civdash repair" in str(raised.value)
    version = db.data_version(con)
    result = integrity.repair(con)
    assert result.ok and result.removed_rows == 2
    assert current(con) == EXPECTED
    assert db.data_version(con) == version + 1  # every cached figure is read again
    assert con.execute("SELECT count(*) FROM fact").fetchone()[0] == 8  # the two uploads, history included
    con.close()


def test_the_next_batch_never_takes_the_id_of_rows_left_behind(path) -> None:
    """Before the fix the next save took batch id 3 and so adopted the killed save's rows as its own."""
    con = db.connect(path)
    _killed_save(con)
    assert queries.scalar(con, "batch_next_id") == 4
    con.close()


def test_a_save_or_rollback_into_a_damaged_database_is_refused_and_changes_nothing(path) -> None:
    con = db.connect(path)
    _killed_save(con)
    before = con.execute("SELECT * FROM fact ORDER BY ALL").fetchall()
    tid = townships.townships(con)[1].id
    with pytest.raises(CommitError, match="python -m civdash repair"):
        commit.commit_upload(con, [NewFact("dibao_urban_persons", tid, FEB, 1.0)], [UploadFile("2月.xlsx")])
    with pytest.raises(CommitError, match="有2条数据不属于任何导入批次"):
        commit.rollback(con, 2)
    assert con.execute("SELECT * FROM fact ORDER BY ALL").fetchall() == before
    assert con.execute("SELECT count(*) FROM batch").fetchone()[0] == 2
    con.close()


def test_two_current_values_of_committed_batches_are_made_one_again(path) -> None:
    con = db.connect(path)
    con.execute("UPDATE fact SET is_current = true WHERE batch_id = 1 AND value = 100")  # the superseded January row
    assert current(con) == sorted([*EXPECTED, ("dibao_urban_persons", "城东街道", JAN, 100.0)])
    report = integrity.check(con)
    assert (report.orphan_rows, report.duplicate_keys, report.not_committed_keys, report.missing_keys) == (0, 1, 0, 0)
    assert report.lines() == ["有1个“指标-乡镇-月份”同时有两个或更多当前值，合计数会重复计算"]
    assert integrity.repair(con).ok
    assert current(con) == EXPECTED  # the newest committed batch's value (110), as a rollback chooses
    con.close()


def test_a_current_value_of_a_rolled_back_batch_and_a_key_without_one_are_set_right(path) -> None:
    con = db.connect(path)
    commit.rollback(con, 2)
    after_rollback = current(con)
    assert ("dibao_urban_persons", "城东街道", JAN, 100.0) in after_rollback
    con.execute("UPDATE fact SET is_current = (batch_id = 2) "
                "WHERE indicator_code = 'dibao_urban_persons' AND period = DATE '2025-01-01' "
                "AND township_id = (SELECT id FROM township WHERE name = '城东街道')")
    con.execute("UPDATE fact SET is_current = false WHERE value = 300")
    report = integrity.check(con)
    assert (report.duplicate_keys, report.not_committed_keys, report.missing_keys) == (0, 1, 1)
    assert "有1个“指标-乡镇-月份”的当前值属于已撤销或不存在的批次" in report.lines()
    assert "有1个“指标-乡镇-月份”在有效批次中有数据，却没有当前值" in report.lines()
    assert integrity.repair(con).ok
    assert current(con) == after_rollback
    con.close()


def test_a_batch_that_lost_rows_is_named_and_left_to_a_backup(path, capsys) -> None:
    con = db.connect(path)
    con.execute("DELETE FROM fact WHERE batch_id = 1 AND value = 300")
    report = integrity.check(con)
    assert report.count_mismatches == ((1, 6, 5),)
    assert not report.repairable
    assert report.lines() == ["批次1保存时记录了6条数据，现在数据库中有5条"]
    assert "无法自动修复" in report.message() and "python -m civdash restore" in report.message()
    con.close()
    assert main(["repair", "--db", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "  - 批次1保存时记录了6条数据，现在数据库中有5条" in out
    assert "修复后仍有无法自动修复的问题：" in err and "请用最近的备份恢复" in err and "Traceback" not in out + err


def test_repair_command_checks_then_repairs_in_chinese(path, capsys) -> None:
    assert main(["repair", "--db", str(path)]) == 0
    assert capsys.readouterr().out == f"数据库完整性检查通过：{path}，当前数据7条，没有需要修复的问题。\n"
    con = db.connect(path)
    _killed_save(con)
    con.close()
    assert main(["repair", "--db", str(path), "--check"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"数据库完整性检查发现问题：{path}\n  - 有2条数据不属于任何导入批次")
    assert out.endswith("未做任何改动。运行 python -m civdash repair（不带 --check）进行修复。\n")
    con = db.connect(path)
    assert integrity.check(con).orphan_rows == 2
    con.close()
    assert main(["repair", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "已修复：\n  - 删除了2条不属于任何导入批次的数据（保存中断留下的，批次编号3从未保存成功）\n" in out
    assert out.endswith("修复后检查通过，当前数据7条。中断的那次导入没有保存，请重新导入该报表；然后可以启动看板。\n")
    con = db.connect(path)
    assert integrity.check(con).ok and current(con) == EXPECTED
    con.close()


def test_repair_of_a_missing_database_says_so(tmp_path, capsys) -> None:
    assert main(["repair", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert capsys.readouterr().err == f"数据库不存在：{tmp_path / 'none.duckdb'}\n"



def test_export_and_report_refuse_a_damaged_database_in_words(path, tmp_path, capsys) -> None:
    con = db.connect(path)
    _killed_save(con)
    con.close()
    assert main(["export", "--db", str(path), "--from", "2025-01", "--to", "2025-02", "-o", str(tmp_path / "t.xlsx")]) == 1
    assert main(["report", "--db", str(path), "--period", "2025-02", "-o", str(tmp_path / "r.md")]) == 1
    err = capsys.readouterr().err
    assert err.count("数据库完整性检查发现问题：有2条数据不属于任何导入批次") == 2 and "Traceback" not in err
    assert not (tmp_path / "t.xlsx").exists() and not (tmp_path / "r.md").exists()
