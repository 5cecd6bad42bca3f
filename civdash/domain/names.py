"""Normalising names written by people: full-width characters, spaces, quotes, punctuation; and headers cleaned of
the units and period markers written into them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[)）】\]]")  # （万元）, (户), 【必填】, [人]
_MARKERS = re.compile(
    r"\d{1,2}\s*[-—－~～至到]\s*\d{1,2}\s*月份?|[一二三四五六七八九十]+\s*[-—－~～至到]\s*[一二三四五六七八九十]+\s*月"
    r"|截至\d{1,2}月底?|截止\d{1,2}月底?|累计|当月|本月|本期|期末|月末|合计|其中[:：]?")
_DROP = re.compile(r"[\s\"'“”‘’「」『』《》〈〉()（）\[\]【】:：,，、.。·•\-—_]+")


@lru_cache(maxsize=1 << 16)  # uploads repeat the same few hundred names and headers thousands of times
def normalize_name(text: str) -> str:
    """Fold full-width to half-width (NFKC) and drop spaces, quotes and punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text))).strip()


def clean_header(text: str) -> str:
    """A header as the catalog and the personal-data check compare it: '1-4月资金（万元）' → '资金', '身份证号【必填】' →
    '身份证号'; normalised (no spaces, quotes or punctuation, half-width)."""
    return normalize_name(_MARKERS.sub("", _BRACKETED.sub("", str(text))))
