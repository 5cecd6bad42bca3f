"""The 审计日志 page's table and its downloads: audit entries (``audit.entries``) as rows a person reads — time,
who, the action in Chinese, its object, and the JSON detail written out in words — and those rows as .csv
(UTF-8 with BOM) and .xlsx.

A failed login records the name someone typed, and a name such as ``=HYPERLINK(…)`` must stay text when a
spreadsheet opens the file, by the one rule of ``civdash.domain.spreadsheet``: in the .csv every cell goes through
``neutralise``; the .xlsx is made by ``spreadsheet.workbook`` and every cell is written as a string marked with
Excel's quote prefix (as ``export.to_xlsx`` does), which keeps it text even when someone edits the cell, without an
apostrophe showing.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pandas as pd

from civdash.access.audit import ACTIONS
from civdash.access.auth import ROLES
from civdash.domain import spreadsheet
from civdash.domain.periods import month_label, parse_month
from civdash.domain.spreadsheet import TEXT, neutralise
from civdash.domain.times import beijing, beijing_day_utc
from civdash.outputs.export import text_width

COLUMNS = ["时间", "用户", "操作", "对象", "详情"]
NOBODY = "（未登录）"
LOGIN_FAILURES = {"unknown": "用户名不存在", "password": "密码错误", "locked": "账户锁定中", "disabled": "账户已停用",
                  "address": "此地址失败次数过多，暂停登录"}
USER_CHANGES = {"add": "新增账户", "password": "重置密码", "role": "更改角色", "disable": "停用账户", "enable": "启用账户"}
REGISTRY_CHANGES = {"add_indicator": "新增指标", "edit_indicator": "修改指标", "add_township": "新增乡镇（街道）",
                    "edit_township": "修改乡镇（街道）", "merge_townships": "合并乡镇（街道）", "set_target": "设置年度目标",
                    "delete_target": "删除年度目标", "save_rule": "新增或修改审核规则",
                    "save_meeting_slides": "修改会议模式幻灯片"}


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The entries of the days ``start`` to ``end`` (both included) as ``audit.entries``' [start, end) bounds."""
    return beijing_day_utc(start), beijing_day_utc(end + timedelta(days=1))


def _role(value: object) -> str:
    return ROLES.get(str(value), str(value))


def _months(keys: list) -> str:
    labels = []
    for key in keys:
        try:
            labels.append(month_label(parse_month(str(key))))
        except ValueError:
            labels.append(str(key))
    return "、".join(labels)


ASK_OUTCOMES = {"answered": "回答", "asked_back": "反问", "refused": "未回答"}


def describe(action: str, detail: str | dict | None) -> str:
    """An entry's detail (JSON text) in words: '角色：统计员 → 管理员', '文件：7月.xlsx；月份：2025年7月；新增90条…'."""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail) if detail.strip() else {}
        except json.JSONDecodeError:
            return detail
    d = dict(detail or {})
    parts: list[str] = []
    if action == "login":
        if "role" in d:
            parts.append(f"角色：{_role(d.pop('role'))}")
        if d.pop("via", None) == "oidc":
            parts.append("统一身份认证")
    elif action == "login_failed":
        reason = d.pop("reason", None)
        if reason:
            parts.append(LOGIN_FAILURES.get(reason, str(reason)))
        if d.pop("locked", False):
            parts.append("连续失败，账户已锁定")
        if address := d.pop("address", None):
            parts.append(f"地址：{address}")
    elif action == "user":
        change = d.pop("change", None)
        if change == "role":
            parts.append(f"更改角色：{_role(d.pop('before', ''))} → {_role(d.pop('after', ''))}")
        elif change == "add":
            parts.append(f"新增账户（{_role(d.pop('role', ''))}）")
        elif change:
            parts.append(USER_CHANGES.get(change, str(change)))
    elif action == "upload":
        if d.pop("first", False):
            parts.append("首次上传，建立正式数据库")
        if files := d.pop("files", None):
            parts.append("文件：" + "、".join(map(str, files)))
        if periods := d.pop("periods", None):
            parts.append("月份：" + _months(periods))
        counts = [(k, w) for k, w in (("new", "新增"), ("changed", "修改"), ("unchanged", "未变")) if k in d]
        if counts:
            parts.append("，".join(f"{w}{int(d.pop(k)):,}条" for k, w in counts))
        if explained := d.pop("explanations", None):
            parts.append(f"核实说明{len(explained)}项：" + "；".join(
                f"{e.get('where', '')}（{e.get('rule', '')}）：{e.get('explanation', '')}" for e in explained))
    elif action == "rollback":
        counts = [(k, w) for k, w in (("restored", "恢复"), ("removed", "删除")) if k in d]
        if counts:
            parts.append("，".join(f"{w}{int(d.pop(k)):,}条" for k, w in counts))
    elif action == "download":
        if page := d.pop("page", None):
            parts.append(f"页面：{page}")
    elif action == "registry":
        d.pop("area", None)  # the form's key; the target already says what changed
    elif action.startswith("filing_"):
        parts += _filing(d)
    elif action == "ask":
        d.pop("reading", None)  # the machine reading; its words follow
        if read := d.pop("read_as", None):
            parts.append(f"读作：{read}")
        outcome = d.pop("outcome", None)
        if said := d.pop("sentence", None):
            parts.append(f"{ASK_OUTCOMES.get(outcome, '结果')}：{said}")
    parts += [f"{k}：{v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}" for k, v in sorted(d.items())]
    return "；".join(parts)


def _filing(d: dict) -> list[str]:
    """A township return's step in words (the detail's keys are taken out of ``d``)."""
    parts = []
    if (number := d.pop("return", None)) is not None:
        parts.append(f"第{number}号填报")
    if replaced := d.pop("replaced", None):
        parts.append(f"替换第{replaced}号填报")
    if file := d.pop("file", None):
        parts.append(f"文件：{file}")
    if (batch := d.pop("batch", None)) is not None:
        parts.append(f"保存为第{batch}批")
    if reason := d.pop("reason", None):
        parts.append(f"退回原因：{reason}")
    if (day := d.pop("day", None)) is not None:
        before = d.pop("before", None)
        parts.append(f"每月{before}日 → 每月{day}日" if before is not None else f"每月{day}日")
    if explained := d.pop("explanations", None):
        parts.append(f"核实说明{len(explained)}项：" + "；".join(
            f"{e.get('where', '')}（{e.get('rule', '')}）：{e.get('explanation', '')}" for e in explained))
    return parts


def target_text(action: str, target: str | None) -> str:
    if target is None:
        return ""
    if action == "registry":
        return REGISTRY_CHANGES.get(target, target)
    if action in ("upload", "rollback") and target.isdigit():
        return f"第{target}批"
    return target


def log_table(entries: pd.DataFrame) -> pd.DataFrame:
    """``audit.entries`` as the page shows and exports them (``COLUMNS``, every cell text)."""
    rows = [
        (beijing(at, "%Y-%m-%d %H:%M:%S"), user if user is not None else NOBODY,
         ACTIONS.get(action, action), target_text(action, target), describe(action, detail))
        for at, user, action, target, detail in zip(entries["logged_at"], entries["user_name"], entries["action"],
                                                    entries["target"], entries["detail"], strict=True)
    ]
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def file_name(start: date, end: date, extension: str) -> str:
    """'审计日志_20250601-20250630.csv'."""
    return f"审计日志_{start:%Y%m%d}-{end:%Y%m%d}.{extension}"


def to_csv(table: pd.DataFrame) -> bytes:
    """The rows as a .csv in UTF-8 with a BOM (Excel and WPS open it right); every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in table.columns])
    for row in table.itertuples(index=False):
        writer.writerow([neutralise(str(v)) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: pd.DataFrame, title: str) -> bytes:
    """The rows as .xlsx under ``title``: every cell text with Excel's quote prefix, the header row frozen and
    filterable, columns as wide as their Chinese text (the detail column capped and wrapped)."""
    buffer = io.BytesIO()
    book = spreadsheet.workbook(buffer)
    font = {"font_name": "宋体", "font_size": 11, **TEXT}
    heading = book.add_format({**font, "bold": True, "font_size": 14})
    header = book.add_format({**font, "bold": True, "border": 1, "bg_color": "#F2F2F2", "align": "center"})
    cell = book.add_format({**font, "border": 1, "valign": "top"})
    wrapped = book.add_format({**font, "border": 1, "valign": "top", "text_wrap": True})
    sheet = book.add_worksheet("审计日志")
    sheet.write_string(0, 0, title, heading)
    for c, name in enumerate(table.columns):
        sheet.write_string(1, c, str(name), header)
    last = len(table.columns) - 1
    for r, row in enumerate(table.itertuples(index=False), start=2):
        for c, value in enumerate(row):
            sheet.write_string(r, c, str(value), wrapped if c == last else cell)
    for c, name in enumerate(table.columns):
        widest = max([text_width(str(name)), *(text_width(str(v)) for v in table.iloc[:, c])]) + 2
        sheet.set_column(c, c, min(widest, 60 if c == last else 30))
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, 1 + len(table), last)
    book.close()
    return buffer.getvalue()
