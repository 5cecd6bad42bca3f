"""ui/charts.py: the Vega-Lite specs the pages draw."""

from __future__ import annotations

import pandas as pd

from ui import charts


def _x(chart, layer: int = 0) -> dict:
    return chart.to_dict()["layer"][layer]["encoding"]["x"]


def test_ranking_starts_at_zero_by_default_and_zooms_when_asked() -> None:
    df = pd.DataFrame({"township": ["城东街道", "中塘镇"], "shown": [510.0, 560.0]})
    plain = charts.ranking(df, "人", 0)
    assert _x(plain).get("scale", {}).get("zero", True) is True
    zoomed = charts.ranking(df, "元/人·月", 2, zero=False)
    for layer in (0, 1):  # bars and their value labels share the scale
        assert _x(zoomed, layer)["scale"]["zero"] is False
        assert _x(zoomed, layer)["stack"] is None  # a stacked bar would force the zero baseline back


def test_values_in_yuan_are_shown_in_wan_yuan() -> None:
    df = charts.shown(pd.DataFrame({"value": [5_320_000.0, None]}), "元")
    assert df["shown"].tolist()[0] == 532.0 and df["shown"].isna().tolist()[1]
