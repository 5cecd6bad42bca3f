"""Year-to-date (1–N月累计) returns turned into each month's own amount.

Official monthly returns give flows as year-to-date totals; civdash stores each month's own amount. A
month's amount is its year-to-date total minus the previous month's, January being itself (the year
restarts). The previous month's total comes from the same upload when it holds that month, otherwise
from the months already stored; when neither has it, the month cannot be derived and the caller must
say so rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from civdash.domain.periods import add_months


@dataclass
class Derived:
    """Monthly amounts derived for one (indicator, township), with what stood in the way."""

    monthly: dict[date, float] = field(default_factory=dict)
    missing: list[tuple[date, str]] = field(default_factory=list)  # months that could not be derived
    decreasing: list[tuple[date, str]] = field(default_factory=list)  # a total below last month's


def monthly_from_ytd(ytd: Mapping[date, float], stored_monthly: Mapping[date, float]) -> Derived:
    """Derive each month's amount from year-to-date totals ``ytd`` (months of any years).

    ``stored_monthly`` holds the monthly amounts already stored for the same indicator and township.
    """
    out = Derived()
    for month in sorted(ytd):
        total = ytd[month]
        if month.month == 1:
            out.monthly[month] = total
            continue
        prev = add_months(month, -1)
        if prev in ytd:
            before = ytd[prev]
        else:
            earlier = [date(month.year, m, 1) for m in range(1, month.month)]
            gaps = [m for m in earlier if m not in stored_monthly and m not in out.monthly]
            if gaps:
                out.missing.append((month, f"缺少{_months_text(gaps)}的数据，无法由{month.month}月的累计数推算当月数"))
                continue
            before = sum(out.monthly.get(m, stored_monthly.get(m, 0.0)) for m in earlier)
        if total < before:
            out.decreasing.append(
                (month, f"{month.month}月累计数{total:,.2f}小于{prev.month}月累计数{before:,.2f}"))
        out.monthly[month] = total - before
    return out


def _months_text(months: list[date]) -> str:
    """Every missing month, as people write them: '2024年1月', '2024年1-9月', '2024年1月、3月、5-6月'."""
    runs: list[list[int]] = []
    for m in sorted(x.month for x in months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts = [f"{r[0]}月" if len(r) == 1 else f"{r[0]}-{r[-1]}月" for r in runs]
    return f"{months[0].year}年" + "、".join(parts)
