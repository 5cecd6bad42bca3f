"""Argument types the commands share; light (argparse only), since every parser is built from them."""

from __future__ import annotations

import argparse
from datetime import date


def month_arg(text: str) -> date:
    """A month argument (``--until``, ``--from``, ``--period`` …): a month people write (2025-06, 2025年6月 …);
    anything else is a usage error (exit 2)."""
    from civdash.domain.periods import parse_month  # numpy: only when a month is given

    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None

