"""The one error type of ingestion: a Chinese message and where it happened."""

from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be read as it is; ``where`` names the file (› sheet › cell)."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(f"{where}：{message}")
        self.message = message
        self.where = where
