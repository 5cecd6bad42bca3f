"""The floor civdash's page speed is judged against: what Streamlit itself costs on this machine.

Two pages under ``st.navigation``: 民政工作总览 (a title and nothing else) and 趋势分析 (a title and one Plotly chart
drawn from constants). With ``FLOOR_CARDS=1`` the first page also shows 29 key-figure cards drawn from constants the
way civdash draws them (a bordered box with ``st.metric``, an inline SVG sparkline and a note, in category
expanders), so the benchmark can tell what the cards themselves cost from what civdash's own work adds.

Run by ``tests/benchmarks/browser.py`` (``streamlit run tests/benchmarks/floor/app.py``).
"""

import math
import os

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="民政数据看板", layout="wide")

MONTHS = [f"{2024 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(1, 37)]
CATEGORIES = [("社会救助", 10), ("养老服务", 7), ("儿童福利", 4), ("社会事务", 5), ("基层治理", 3)]


def spark(k: int) -> str:
    values = [100 + 10 * math.sin((k + i) / 3) for i in range(12)]
    high = max(values)
    points = " ".join(f"{i * 100 / 11:.2f},{28 - v * 26 / high:.2f}" for i, v in enumerate(values))
    return (f'<svg viewBox="0 0 100 28" preserveAspectRatio="none" width="100%" height="30" role="img" style="display:block">'
            f'<polygon points="0,28 {points} 100,28" fill="#EEF2F8"/><polyline points="{points}" fill="none" '
            f'stroke="#4A6FA5" stroke-width="2" vector-effect="non-scaling-stroke"/></svg>')


def card(col, k: int) -> None:
    with col.container(border=True):
        st.metric(f"指标{k + 1}", f"{12_345 + 97 * k:,}人", delta=f"{(k % 7) - 3:+.1f}%", delta_description="同比")
        st.markdown(spark(k), unsafe_allow_html=True)
        st.caption(f"1-11月累计；当月 {1_000 + k:,}人，环比 +{k % 5}.0%")


def cards() -> None:
    k = 0
    for number, (category, count) in enumerate(CATEGORIES):
        with st.expander(f"{category}（{count}项）", expanded=number == 0):
            for start in range(0, count, 4):
                for col in st.columns(4)[: min(4, count - start)]:
                    card(col, k)
                    k += 1


def overview() -> None:
    st.title("民政工作总览")
    if os.environ.get("FLOOR_CARDS") == "1":
        cards()


def trend() -> None:
    st.title("趋势分析")
    values = [1_000 + 50 * math.sin(i / 4) + 3 * i for i in range(len(MONTHS))]
    figure = go.Figure(go.Scatter(x=MONTHS, y=values, mode="lines+markers", name="城市低保人数"))
    figure.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    st.plotly_chart(figure, width="stretch")


st.navigation([st.Page(overview, title="总览", default=True), st.Page(trend, title="趋势分析", url_path="trend")]).run()
