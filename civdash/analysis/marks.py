"""How an incomplete figure and a like-for-like change are marked in words: the same on 总览's cards, 会议模式, the
report and the command line (the rule itself is ``metrics.compare``'s, see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Sequence

NAMED = 3  # up to this many townships are named; more read "X等N个乡镇（街道）"


def township_list(names: Sequence[str]) -> str:
    """'新华乡', '新华乡、城南街道', '新华乡等5个乡镇（街道）'."""
    names = list(dict.fromkeys(names))
    if len(names) <= NAMED:
        return "、".join(names)
    return f"{names[0]}等{len(names)}个乡镇（街道）"


def incomplete(missing: Sequence[str]) -> str:
    """'数据不全（新华乡未报送）' for a figure without some expected townships, else ''."""
    return f"数据不全（{township_list(missing)}未报送）" if missing else ""


def like_for_like(mom_without: Sequence[str], yoy_without: Sequence[str]) -> str:
    """'增减按同口径计算（不含新华乡）', or per change when they leave out different townships; '' when nothing was
    left out of either."""
    if tuple(mom_without) == tuple(yoy_without):
        return f"增减按同口径计算（不含{township_list(mom_without)}）" if mom_without else ""
    parts = [f"{word}按同口径计算（不含{township_list(names)}）"
             for word, names in (("环比", mom_without), ("同比", yoy_without)) if names]
    return "，".join(parts)


def figure_marks(missing: Sequence[str], mom_without: Sequence[str] = (), yoy_without: Sequence[str] = ()) -> str:
    """Both marks of one figure, joined: '数据不全（新华乡未报送），增减按同口径计算' when the changes leave out exactly
    the townships missing, else naming those left out: '…，同比按同口径计算（不含城南街道）'."""
    left_out = [set(w) for w in (mom_without, yoy_without) if w]
    if missing and left_out and all(w == set(missing) for w in left_out):
        return f"{incomplete(missing)}，增减按同口径计算"
    return "，".join(p for p in (incomplete(missing), like_for_like(mom_without, yoy_without)) if p)


def sentence_mark(missing: Sequence[str], mom_without: Sequence[str] = (), yoy_without: Sequence[str] = ()) -> str:
    """The report's mark of a figure: '数据不全：不含未报送的新华乡；增减按同口径计算' (the changes leave out exactly
    the townships missing), '…；增减按同口径计算（不含城南街道）' otherwise, '' for a complete figure compared in full."""
    parts = [f"数据不全：不含未报送的{township_list(missing)}"] if missing else []
    left_out = [tuple(w) for w in (mom_without, yoy_without) if w]
    if left_out and all(set(w) == set(missing) for w in left_out):
        parts.append("增减按同口径计算")
    elif left_out:
        parts.append(like_for_like(mom_without, yoy_without))
    return "；".join(parts)


def period_label(label: str, incomplete: bool) -> str:
    """A period's label with 数据不全 when it lacks a township: '2025年6月（数据不全）', '2025年（1-6月，数据不全）'."""
    if not incomplete:
        return label
    return f"{label[:-1]}，数据不全）" if label.endswith("）") else f"{label}（数据不全）"
