"""The one error type of ingestion: a Chinese message and where it happened."""

from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be read as it is; ``where`` names the file (› sheet › cell), ``str()`` is 'where：message'."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message, where)  # both in args, so the error survives pickling (e.g. across processes)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"
