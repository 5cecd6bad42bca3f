"""Ingestion's messages: the error that stops reading a file, and the findings of validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class IngestError(Exception):
    """A file that cannot be read as it is; ``where`` names the file (› sheet › cell), ``str()`` is 'where：message'."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message, where)  # both in args, so the error survives pickling (e.g. across processes)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


Level = Literal["error", "soft", "warning", "note"]
TIER_LEVELS: dict[str, Level] = {"hard": "error", "soft": "soft"}


@dataclass(frozen=True)
class Finding:
    """Something validation found. An error blocks the upload (a file that cannot be read, or a hard audit rule); a
    soft finding (核实性审核) lets it be saved only with a written explanation; a warning is about how the file was
    read and must be looked at; a note informs.

    ``where`` names the place as a person finds it: '2025年4月.xlsx › 主要指标 › D7'; ``rule`` is the audit rule's
    code when a rule found it.
    """

    level: Level
    where: str
    message: str
    rule: str | None = None
    rule_name: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"where": self.where, "message": self.message}
        if self.rule:
            out |= {"rule": self.rule, "rule_name": self.rule_name or self.rule}
        return out


def place(*parts: str | None) -> str:
    """'file › sheet › D7' from the parts that are known."""
    return " › ".join(p for p in parts if p)
