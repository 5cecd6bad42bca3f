"""Tables as people read them: display units in the headers, thousands separators."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from civdash.domain.units import display_decimals, display_unit


def wide_table(df: pd.DataFrame, index: str, columns: str, unit: str, decimals: int, index_title: str) -> None:
    """Pivot long ``df`` (``index``, ``columns``, ``shown``) and show it with a unit-aware format."""
    table = df.pivot_table(index=index, columns=columns, values="shown", sort=False, aggfunc="first")
    table.index.name = index_title
    fmt = f"%,.{display_decimals(unit, decimals)}f"
    config = {c: st.column_config.NumberColumn(f"{c}（{display_unit(unit)}）", format=fmt) for c in table.columns}
    st.dataframe(table, column_config=config, width="stretch")
