"""Audit rules (审核公式): the catalog of relations an upload must obey, and the small language they are written in.

A rule is **hard** (强制性: the upload cannot be saved until the file is fixed) or **soft** (核实性: it may be saved
with a written explanation). Its expression is either a formula over indicators — ``城市低保户数 <= 城市低保人数``,
``近12月中位数(x) / 5 < x < 5 * 近12月中位数(x)`` — or one of the built-in checks that need the sheet itself
(``@合计行``, ``@其中项``, ``@负数``, ``@累计减少``, ``@单位``, ``@未报送``).

The language (docs/ingestion.md): numbers; indicators by code, Chinese name or alias; ``x`` for "each indicator
the rule applies to" (``applies_to``: ``kind:stock,flow``, ``unit:人,户`` or a list of indicators); ``+ - * /``;
comparisons ``< <= > >= == !=`` (also ≤ ≥ ≠ = and chained, ``a <= b <= c``); ``and``/``or``/``not`` (also 且、或);
the functions 上月(v), 近12月中位数(v), 最近值(v), abs, min, max. It is parsed with Python's own parser into a tree
and only the node types listed here are accepted: nothing is ever evaluated as Python.

A formula is checked for every (township, month) of an upload. Where a value it needs is missing, or a division has
no meaning (÷ 0), the rule does not apply to that row: it finds nothing rather than guessing.

The catalog is the shipped ``data/audit_rules.csv`` overlaid with the admins' edits (table ``audit_rule``, one row
per change, the latest per code wins): an unedited default follows the shipped file.
"""

from __future__ import annotations

import ast
import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from civdash.domain.catalog import Indicator
from civdash.domain.names import normalize_name
from civdash.store import queries
from civdash.store.paths import DATA_DIR

DEFAULT_RULES = DATA_DIR / "audit_rules.csv"
TIERS = {"hard": "强制性", "soft": "核实性"}
BUILTINS = {"@合计行": "total_row", "@其中项": "parts", "@负数": "negative", "@累计减少": "ytd_decrease", "@单位": "unit",
            "@未报送": "not_reported", "@未对应金额列": "unmapped_money", "@当月累计": "month_or_ytd"}
FUNCTIONS = {"上月": "prev", "prev": "prev", "近12月中位数": "median12", "median12": "median12", "最近值": "latest",
             "latest": "latest", "abs": "abs", "绝对值": "abs", "min": "min", "max": "max"}
FUNCTION_LABELS = {"prev": "上月{}", "median12": "{}近12月中位数", "latest": "{}（最近值）"}
EACH = "x"


class RuleError(ValueError):
    """A rule that cannot be used as written; the message is Chinese and says what to change."""


@dataclass(frozen=True)
class AuditRule:
    code: str
    name: str
    tier: str  # 'hard' | 'soft'
    applies_to: str  # '' or a selector of indicators for x: 'kind:stock,flow', 'unit:人,户', '城市低保人数、农村低保人数'
    expression: str
    enabled: bool = True
    note: str = ""

    @property
    def builtin(self) -> str | None:
        """The built-in check this rule switches and grades ('total_row' …), or None for a formula."""
        return BUILTINS.get(self.expression.strip())

    @property
    def tier_label(self) -> str:
        return TIERS.get(self.tier, self.tier)


# --- the language ---------------------------------------------------------------------------------------------------

_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
            ast.Eq: np.equal, ast.NotEq: np.not_equal}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_SYMBOLS = str.maketrans({"≤": "<", "≥": ">", "≠": "!", "×": "*", "÷": "/"})


def _normalised(text: str) -> str:
    """Full-width forms folded (（）＜＝ …), ≤ ≥ ≠ × ÷ written as Python writes them, '=' read as '==', 且/或/非 as
    and/or/not."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace("≤", "<=").replace("≥", ">=").replace("≠", "!=").translate(_SYMBOLS)
    text = re.sub(r"(?<![<>=!])=(?!=)", "==", text)
    return re.sub(r"\s*(且|或|非)\s*", lambda m: {"且": " and ", "或": " or ", "非": " not "}[m.group(1)], text)


@dataclass(frozen=True)
class Term:
    """A value a formula reads: an indicator (``EACH`` for x) as it is this month, or through a function."""

    code: str
    function: str | None = None  # 'prev' | 'median12' | 'latest'


Lookup = Callable[[Term], np.ndarray]  # the term's value on every row (NaN where unknown)


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.expr
    names: Mapping[str, Term]  # the name as written → what it reads (kept for the node walk)

    @property
    def terms(self) -> list[Term]:
        """What the formula reads, in the order written, each once."""
        return list(dict.fromkeys(self.names.values()))

    def failures(self, lookup: Lookup, rows: int, each: str | None = None) -> np.ndarray:
        """Rows where the formula is false (True) — not where it cannot be judged. ``each`` is x's indicator."""
        def term(t: Term) -> Term:
            return Term(each, t.function) if t.code == EACH and each else t

        truth, defined = _truth(self.tree, lambda name: lookup(term(self.names[name])), rows)
        return defined & ~truth


def parse_formula(expression: str, names: Mapping[str, str], each_allowed: bool) -> Formula:
    """The formula of ``expression``; ``names`` maps normalised indicator names and aliases (and codes) to codes.
    Raises ``RuleError`` naming what is wrong."""
    text = _normalised(expression)
    if not text:
        raise RuleError("公式为空")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise RuleError(f"公式无法识别（第{exc.offset or 1}个字符附近）：{expression}") from None
    terms: dict[str, Term] = {}

    def indicator(name: str) -> str:
        if name == EACH:
            if not each_allowed:
                raise RuleError("公式中用了 x，但规则没有填写“适用指标”")
            return EACH
        code = names.get(name) or names.get(normalize_name(name))
        if code is None:
            raise RuleError(f"“{name}”不是已登记的指标名称、别名或代码")
        return code

    def check(node: ast.AST, boolean: bool) -> None:
        if isinstance(node, ast.BoolOp) and boolean:
            for v in node.values:
                check(v, True)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and boolean:
            check(node.operand, True)
        elif isinstance(node, ast.Compare) and boolean:
            if not all(type(op) in _COMPARE for op in node.ops):
                raise RuleError("比较只能用 < <= > >= == !=")
            for v in (node.left, *node.comparators):
                check(v, False)
        elif boolean:
            raise RuleError("公式应是一个判断（如 城市低保户数 <= 城市低保人数），结果为“成立”或“不成立”")
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            check(node.left, False)
            check(node.right, False)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand, False)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            pass
        elif isinstance(node, ast.Name):
            terms[node.id] = Term(indicator(node.id))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS \
                and not node.keywords:
            function = FUNCTIONS[node.func.id]
            if function in ("abs", "min", "max"):
                if not node.args or (function == "abs" and len(node.args) != 1):
                    raise RuleError(f"{node.func.id}() 的参数个数不对")
                for a in node.args:
                    check(a, False)
            elif len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
                raise RuleError(f"{node.func.id}() 的参数应是一个指标，如 {node.func.id}(城市低保人数)")
            else:
                arg = node.args[0].id
                terms[f"{node.func.id}({arg})"] = Term(indicator(arg), function)
        elif isinstance(node, ast.Call):
            called = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise RuleError(f"不认识的函数“{called}”：可用 上月、近12月中位数、最近值、abs、min、max")
        else:
            raise RuleError(f"公式中有不支持的写法：{ast.get_source_segment(text, node) or type(node).__name__}")

    check(tree, True)
    return Formula(text, tree, terms)


def _value(node: ast.AST, read: Callable[[str], np.ndarray], rows: int) -> np.ndarray:
    if isinstance(node, ast.Constant):
        return np.full(rows, float(node.value))
    if isinstance(node, ast.Name):
        return np.asarray(read(node.id), dtype=np.float64)
    if isinstance(node, ast.UnaryOp):
        v = _value(node.operand, read, rows)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _ARITH[type(node.op)](_value(node.left, read, rows), _value(node.right, read, rows))
    assert isinstance(node, ast.Call)
    name = node.func.id  # type: ignore[attr-defined]
    function = FUNCTIONS[name]
    if function in ("prev", "median12", "latest"):
        return np.asarray(read(f"{name}({node.args[0].id})"), dtype=np.float64)  # type: ignore[attr-defined]
    args = [_value(a, read, rows) for a in node.args]
    if function == "abs":
        return np.abs(args[0])
    stacked = np.vstack(args)
    out = stacked.min(axis=0) if function == "min" else stacked.max(axis=0)
    return np.where(np.isfinite(stacked).all(axis=0), out, np.nan)


def _truth(node: ast.AST, read: Callable[[str], np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(true, can be judged) on every row: three-valued, so that `a or b` holds where a holds even if b cannot be
    judged there."""
    if isinstance(node, ast.Compare):
        sides = [_value(v, read, rows) for v in (node.left, *node.comparators)]
        defined = np.logical_and.reduce([np.isfinite(s) for s in sides])
        truth = np.ones(rows, dtype=bool)
        for op, a, b in zip(node.ops, sides[:-1], sides[1:], strict=True):
            with np.errstate(invalid="ignore"):
                if isinstance(op, ast.Eq | ast.NotEq):  # equal within floating-point noise, not to the last bit
                    same = np.isclose(a, b, rtol=1e-9, atol=1e-6)
                    truth &= same if isinstance(op, ast.Eq) else ~same
                else:
                    truth &= _COMPARE[type(op)](a, b)
        return truth & defined, defined
    if isinstance(node, ast.UnaryOp):
        truth, defined = _truth(node.operand, read, rows)
        return ~truth & defined, defined
    assert isinstance(node, ast.BoolOp)
    parts = [_truth(v, read, rows) for v in node.values]
    if isinstance(node.op, ast.And):
        truth = np.logical_and.reduce([t for t, _ in parts])
        false_somewhere = np.logical_or.reduce([d & ~t for t, d in parts])
        return truth, np.logical_and.reduce([d for _, d in parts]) | false_somewhere
    truth = np.logical_or.reduce([t for t, _ in parts])
    return truth, np.logical_and.reduce([d for _, d in parts]) | truth


def term_label(term: Term, name: str) -> str:
    return FUNCTION_LABELS[term.function].format(name) if term.function else name


# --- which indicators x stands for ----------------------------------------------------------------------------------


def selection(rule: AuditRule, indicators: Mapping[str, Indicator], names: Mapping[str, str]) -> list[str]:
    """The indicator codes x stands for (catalog order), the union of the selector's clauses (separated by ';'):
    ``kind:stock,flow``, ``unit:人,户`` or indicator names. Raises ``RuleError`` for a clause that names nothing."""
    chosen: set[str] = set()
    for clause in re.split(r"[;；]", unicodedata.normalize("NFKC", rule.applies_to)):
        chosen |= _clause(clause.strip(), rule, indicators, names)
    return [c for c in indicators if c in chosen]


def _clause(spec: str, rule: AuditRule, indicators: Mapping[str, Indicator], names: Mapping[str, str]) -> set[str]:
    if not spec:
        return set()
    key, sep, rest = spec.partition(":")
    items = [s.strip() for s in re.split(r"[,、|\s]+", rest if sep else spec) if s.strip()]
    if sep and key.strip() in ("kind", "类型"):
        kinds = {"存量": "stock", "期末数": "stock", "流量": "flow", "发生数": "flow", "比率": "level"}
        wanted = {kinds.get(i, i) for i in items}
        return {c for c, ind in indicators.items() if ind.kind in wanted}
    if sep and key.strip() in ("unit", "单位"):
        return {c for c, ind in indicators.items() if ind.unit in items}
    if sep:
        raise RuleError(f"适用指标“{rule.applies_to}”无法识别：可写 kind:stock,flow、unit:人,户 或指标名称列表，用分号连接")
    codes = set()
    for item in items:
        code = names.get(item) or names.get(normalize_name(item))
        if code is None:
            raise RuleError(f"适用指标中的“{item}”不是已登记的指标")
        codes.add(code)
    return codes


# --- the catalog ----------------------------------------------------------------------------------------------------


def _rule(row: Mapping[str, object]) -> AuditRule:
    enabled = row.get("enabled")
    return AuditRule(code=str(row["code"]), name=str(row["name"]), tier=str(row["tier"]),
                     applies_to=str(row.get("applies_to") or ""), expression=str(row["expression"]),
                     enabled=str(enabled).strip().lower() not in ("0", "false", "no", "否", "none", ""),
                     note=str(row.get("note") or ""))


def default_rules(path: Path = DEFAULT_RULES) -> list[AuditRule]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [_rule(r) for r in csv.DictReader(f)]


def rules(con: duckdb.DuckDBPyConnection) -> list[AuditRule]:
    """The rules in force: the shipped defaults, each replaced by its latest edit, then the rules admins added."""
    edited = {str(r["code"]): r for r in queries.run(con, "audit_rules_current").to_dict("records")}
    out = []
    for rule in default_rules():
        row = edited.pop(rule.code, None)
        out.append(_rule(row) if row else rule)
    return out + [_rule(r) for r in edited.values() if not r["deleted"]]


def validate(rule: AuditRule, indicators: Mapping[str, Indicator], names: Mapping[str, str]) -> None:
    """Raise ``RuleError`` (Chinese) for a rule that cannot be used as written."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", rule.code):
        raise RuleError("规则代码只能用英文字母、数字和下划线，以字母开头")
    if not rule.name.strip():
        raise RuleError("请填写规则名称")
    if rule.tier not in TIERS:
        raise RuleError("类别应为强制性（hard）或核实性（soft）")
    if rule.expression.strip().startswith("@"):
        if rule.builtin is None:
            raise RuleError(f"没有名为“{rule.expression.strip()}”的内置检查：可用 " + "、".join(BUILTINS))
        return
    chosen = selection(rule, indicators, names)
    if rule.applies_to.strip() and not chosen:
        raise RuleError(f"适用指标“{rule.applies_to}”没有选中任何指标")
    formula = parse_formula(rule.expression, names, each_allowed=bool(chosen))
    if chosen and EACH not in {t.code for t in formula.terms}:
        raise RuleError("填写了适用指标，公式中应用 x 代表每一个适用指标")


def save(con: duckdb.DuckDBPyConnection, rule: AuditRule, user_name: str | None, deleted: bool = False) -> None:
    """Store an edit (or the removal of a rule an admin added) as a new row; the caller validates and audits."""
    queries.execute(con, "audit_rule_save", code=rule.code, name=rule.name, tier=rule.tier,
                    applies_to=rule.applies_to, expression=rule.expression, enabled=rule.enabled, note=rule.note,
                    deleted=deleted, changed_by=user_name)


def as_rows(rules_: Iterable[AuditRule]) -> list[dict[str, object]]:
    return [{"code": r.code, "name": r.name, "tier": r.tier, "applies_to": r.applies_to, "expression": r.expression,
             "enabled": r.enabled, "note": r.note} for r in rules_]

