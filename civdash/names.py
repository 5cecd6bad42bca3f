"""Normalising names written by people: full-width characters, spaces, quotes, punctuation."""

from __future__ import annotations

import re
import unicodedata

_DROP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）\[\]【】:：,，、.。·•\-—_]+")


def normalize_name(text: str) -> str:
    """Fold full-width to half-width (NFKC) and drop spaces, quotes and punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text))).strip()
