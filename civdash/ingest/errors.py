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


@dataclass(frozen=True)
class Finding:
    """Something validation found: an error blocks the upload, a warning must be accepted, a note informs.

    ``where`` names the place as a person finds it: '2025年4月.xlsx › 主要指标 › D7'.
    """

    level: Literal["error", "warning", "note"]
    where: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


def place(*parts: str | None) -> str:
    """'file › sheet › D7' from the parts that are known."""
    return " › ".join(p for p in parts if p)
