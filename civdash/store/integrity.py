"""Whether the stored values can be served: checked when the dashboard opens the database and after every save, and
repaired by ``python -m civdash repair``.

Why it is needed: DuckDB 1.5 writes the rows of a large insert (a full row group, 122,880 rows, or more) into the
database file while the transaction runs and only a pointer to them into the WAL at commit (``ROW_GROUP_DATA``). When
the process is killed while the commit is writing the WAL, the reopened database replays that pointer although the
transaction's end marker (``WAL_FLUSH``) never reached the file, while every other change of the transaction (the batch
row, new townships, the values it replaced stopping being current, the data version) is rolled back. An upload cut off
this way leaves its values current without their batch: v_fact then adds them to the values they were to replace.
No order of statements inside the transaction avoids it: whatever the order, the row groups' entry is in the WAL
before the commit's end marker. Upstream, duckdb/duckdb PR #25931 ("Fix uncommitted data recovered accidentally",
open) looks like the fix; the pinned 1.5.5 does not have it.

What is checked (each a query in ``queries/integrity_*.sql``):

- rows without a batch: fact rows whose batch does not exist (what the crash above leaves);
- current values: each key (indicator, township, month) that a committed batch holds has exactly one current row, and
  that row belongs to a committed batch;
- batch counts: every batch has as many fact rows as it recorded when it was saved (``batch.fact_count``).

``repair`` fixes what can be fixed without guessing, in one transaction: rows without a batch are removed (they belong
to a save that never committed), and each key whose current value is wrong gets the value of the newest committed batch
that holds it (as a rollback does). A batch that lost rows cannot be repaired here: that needs a backup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from civdash.store import db, ducklake, queries

REPAIR_COMMAND = "python -m civdash repair"


@dataclass(frozen=True)
class Report:
    """What the integrity check found; ``ok`` when nothing."""

    orphan_batches: tuple[int, ...] = ()  # batch ids that fact rows carry but that do not exist
    orphan_rows: int = 0  # fact rows of those ids
    orphan_current: int = 0  # of which current (served until repaired)
    duplicate_keys: int = 0  # keys with two or more current rows
    not_committed_keys: int = 0  # keys whose one current row belongs to a rolled-back or missing batch
    missing_keys: int = 0  # keys a committed batch holds with no current row
    count_mismatches: tuple[tuple[int, int, int], ...] = field(default=())  # (batch id, recorded, found)

    @property
    def ok(self) -> bool:
        return not (self.orphan_rows or self.duplicate_keys or self.not_committed_keys or self.missing_keys
                    or self.count_mismatches)

    @property
    def repairable(self) -> bool:
        """Whether ``repair`` can bring the database back to a consistent state (it cannot restore lost rows)."""
        return not self.count_mismatches

    def lines(self) -> list[str]:
        """Each problem in one Chinese sentence, for the dashboard's refusal and the command line."""
        out = []
        if self.orphan_rows:
            ids = "、".join(str(i) for i in self.orphan_batches[:5]) + ("等" if len(self.orphan_batches) > 5 else "")
            out.append(f"有{self.orphan_rows}条数据不属于任何导入批次（批次编号{ids}不存在，其中{self.orphan_current}条"
                       "被当作当前数据），通常是保存时程序被中断（断电、强制结束进程）留下的")
        if self.duplicate_keys:
            out.append(f"有{self.duplicate_keys}个“指标-乡镇-月份”同时有两个或更多当前值，合计数会重复计算")
        if self.not_committed_keys:
            out.append(f"有{self.not_committed_keys}个“指标-乡镇-月份”的当前值属于已撤销或不存在的批次")
        if self.missing_keys:
            out.append(f"有{self.missing_keys}个“指标-乡镇-月份”在有效批次中有数据，却没有当前值")
        for batch_id, recorded, found in self.count_mismatches[:5]:
            out.append(f"批次{batch_id}保存时记录了{recorded}条数据，现在数据库中有{found}条")
        if len(self.count_mismatches) > 5:
            out.append(f"另有{len(self.count_mismatches) - 5}个批次的数据条数与保存时不符")
        return out

    def message(self) -> str:
        """The whole refusal in Chinese: what is wrong and what the administrator does."""
        if self.ok:
            return "数据库完整性检查通过。"
        what = "；".join(self.lines())
        if self.repairable:
            todo = (f"为避免显示错误的数字，看板暂停显示数据。请系统管理员停止看板服务后运行 {REPAIR_COMMAND}"
                    "（会列出发现的问题和所做的修改），修复后重新启动看板。")
        else:
            todo = ("为避免显示错误的数字，看板暂停显示数据。部分批次的数据已丢失，无法自动修复：请系统管理员停止看板服务，"
                    "用最近的备份恢复（python -m civdash restore 备份文件），再重新导入之后的报表；"
                    f"可先运行 {REPAIR_COMMAND} 查看详情。")
        return f"数据库完整性检查发现问题：{what}。{todo}"


class DatabaseDamaged(RuntimeError):
    """The stored values fail the integrity check: nothing is served until ``python -m civdash repair``."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.message())
        self.report = report


def check(con: duckdb.DuckDBPyConnection) -> Report:
    """Run every check (reads only; a few table scans of ``fact``)."""
    orphans = queries.run(con, "integrity_orphan_rows")
    keys = queries.execute(con, "integrity_current_keys").fetchone()
    try:
        counts = queries.execute(con, "integrity_batch_counts").fetchall()
    except duckdb.BinderException:  # opened read-only before migration 0015 (no batch.fact_count): nothing recorded
        counts = []
    return Report(
        orphan_batches=tuple(int(i) for i in orphans["batch_id"]),
        orphan_rows=int(orphans["facts"].sum()),
        orphan_current=int(orphans["current_facts"].sum()),
        duplicate_keys=int(keys[0] or 0),
        not_committed_keys=int(keys[1] or 0),
        missing_keys=int(keys[2] or 0),
        count_mismatches=tuple((int(b), int(r), int(f)) for b, r, f in counts),
    )


def require_intact(con: duckdb.DuckDBPyConnection) -> Report:
    """``check``, raising ``DatabaseDamaged`` (its message in Chinese) when anything is wrong."""
    report = check(con)
    if not report.ok:
        raise DatabaseDamaged(report)
    return report


@dataclass(frozen=True)
class RepairResult:
    before: Report
    after: Report
    removed_rows: int  # fact rows without a batch, deleted
    keys_fixed: int  # keys whose current value was set again

    @property
    def ok(self) -> bool:
        return self.after.ok


def repair(con: duckdb.DuckDBPyConnection) -> RepairResult:
    """Fix what ``check`` found where it can be fixed safely (module docstring), in one transaction; the data version
    is bumped so that every cached figure is read again. On a file, a checkpoint follows, so the repaired state no
    longer depends on the WAL."""
    before = check(con)
    if before.ok:
        return RepairResult(before, before, 0, 0)
    keys = before.duplicate_keys + before.not_committed_keys + before.missing_keys
    with db.transaction(con):
        if before.orphan_rows:
            queries.execute(con, "repair_delete_orphan_rows")
        # Deleting rows without a batch may leave keys without a current row: steps 2 and 3 always run.
        queries.execute(con, "repair_clear_current")
        queries.execute(con, "repair_restore_current")
        db.bump_data_version(con)
    if not ducklake.is_lake(con):
        con.execute("CHECKPOINT")
    after = check(con)
    return RepairResult(before, after, before.orphan_rows, keys)
