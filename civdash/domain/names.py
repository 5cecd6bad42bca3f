"""Normalising names written by people: full-width characters, spaces, quotes, punctuation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DROP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）\[\]【】:：,，、.。·•\-—_]+")


@lru_cache(maxsize=1 << 16)  # uploads repeat the same few hundred names and headers thousands of times
def normalize_name(text: str) -> str:
    """Fold full-width to half-width (NFKC) and drop spaces, quotes and punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text))).strip()
