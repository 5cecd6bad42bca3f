"""The 重点关注 list and target progress, shared by 总览 and 会议模式."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from civdash.analysis import marks
from civdash.domain.periods import month_label
from civdash.domain.units import format_value
from ui import data
from ui.frame import plain

ALL_NORMAL = "本月各乡镇数据均在常态范围内，无需特别关注。"


def attention(period: date) -> list[str]:
    """重点关注 as 总览 and 会议模式 both list it: the watch list's sentences, largest move first, then the townships
    that have not reported the month."""
    lines = [watch_sentence(row) for _, row in data.metric("watchlist", period).iterrows()]
    missing = not_reported(period)
    if missing:
        lines.append(f"未报送{month_label(period)}数据：**{'、'.join(plain(t) for t in missing)}**")
    return lines


def incomplete_notes(incomplete: dict[date, tuple[str, ...]], labels: dict[date, str], big: bool = False,
                     consequence: str = "该期数字不含其数据，与其他时期不可直接比较") -> None:
    """Under a chart or table of periods, one line per period that lacks a township (``metrics.incomplete_buckets``):
    '2025年6月数据不全（新华乡未报送），该期数字不含其数据，与其他时期不可直接比较。' (``big``: for 会议模式)."""
    for bucket, names in incomplete.items():
        text = f"{plain(labels.get(bucket, month_label(bucket)))}{plain(marks.incomplete(names))}，{consequence}。"
        if big:
            st.markdown(f"#### :orange[{text}]")
        else:
            st.caption(f":orange[{text}]")


def not_reported(period: date) -> list[str]:
    """The townships without any value for the month, in registry order."""
    return data.metric("not_reported", period)


def watch_sentence(row: pd.Series) -> str:
    """'城南街道 临时救助资金 3.91万元，较上月增长805.4%，近12个月中位数0.65万元'."""
    unit, dec = row["unit"], int(row["decimals"])
    text = f"**{plain(row['township'])}** {plain(row['indicator_name'])} {format_value(row['value'], unit, dec)}"
    mom = row["mom"]
    if mom is not None and not (isinstance(mom, float) and math.isnan(mom)):
        text += f"，较上月{'增长' if mom > 0 else '下降'}{abs(mom) * 100:.1f}%"
    text += f"，近12个月中位数{format_value(row['median'], unit, dec)}"
    return text


def target_sentence(row: pd.Series, period_label: str) -> str:
    unit, dec = row["unit"], int(row["decimals"])
    actual = row["actual"]
    done = "—" if actual is None or (isinstance(actual, float) and math.isnan(actual)) else format_value(actual, unit, dec)
    missing = row.get("missing")
    mark = f"，{marks.incomplete(missing)}" if isinstance(missing, tuple) and missing else ""
    return (f"{plain(row['township'])} {plain(row['indicator_name'])}：年度目标 {format_value(row['value'], unit, dec)}，"
            f"截至{period_label}完成 {done}{plain(mark)}")


def target_bar(row: pd.Series, period_label: str, big: bool = False) -> None:
    """A progress bar with the target sentence and 完成率 (the bar stops at 100%); ``big`` for 会议模式."""
    rate = row["rate"]
    known = rate is not None and not (isinstance(rate, float) and math.isnan(rate))
    done = f"完成率 **{rate * 100:.1f}%**" if known else "尚无完成数"
    if big:
        st.markdown(f"### {target_sentence(row, period_label)}")
        text = done
    else:
        text = f"{target_sentence(row, period_label)}，{done}"
    st.progress(min(max(float(rate), 0.0), 1.0) if known else 0.0, text=text)


BARS_MOST = 12  # township targets drawn as bars; of more (a province's), those furthest behind


def township_targets(rows: pd.DataFrame, period_label: str) -> None:
    """The townships' yearly targets as ``target_bar`` draws them; past ``BARS_MOST`` the ``BARS_MOST`` with the
    lowest 完成率 (those without any figure yet first, a target of 0 — no rate — last), and a line saying how far
    the others are."""
    shown = rows
    if len(rows) > BARS_MOST:
        rate = rows["rate"].astype(float)
        order = rate.where(rate.notna(), rows["actual"].astype(float).isna().map({True: -1.0, False: math.inf}))
        shown = rows.assign(_rate=rate, _order=order).sort_values("_order", kind="stable")
        rest = shown["_rate"].iloc[BARS_MOST:]
        shown = shown.head(BARS_MOST)
    for _, row in shown.iterrows():
        target_bar(row, period_label)
    if len(rows) > BARS_MOST:
        others = (f"其余{len(rest):,}项中{rest.isna().sum():,}项尚无完成数，" if rest.isna().any() else f"其余{len(rest):,}项")
        others += f"完成率均不低于{rest.min() * 100:.1f}%。" if rest.notna().any() else ""
        st.caption(f"共{len(rows):,}项，以上为完成率最低的{BARS_MOST}项；{others.rstrip('，')}")
