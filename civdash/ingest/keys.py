"""A fact's key (indicator, township, month) packed into one 64-bit integer, so that looking up or checking
a million keys is one hash table over integers instead of over tuples of Python objects."""

from __future__ import annotations

import numpy as np

_TOWNSHIP_BITS, _MONTH_BITS = 32, 16  # township ids are 32-bit (negative: provisional); month numbers < 65,536


def fact_keys(indicator: np.ndarray, township: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Keys of (indicator index < 32,768, township id, ``periods.month_number``); month − 1 is the month before."""
    indicator, township, month = (np.asarray(a, dtype=np.int64) for a in (indicator, township, month))
    if len(indicator) and (indicator.max() >= 1 << 15 or month.min() < 1 or month.max() >= 1 << _MONTH_BITS):
        raise ValueError("key out of range")
    return (indicator << (_TOWNSHIP_BITS + _MONTH_BITS)) | ((township & 0xFFFFFFFF) << _MONTH_BITS) | month
