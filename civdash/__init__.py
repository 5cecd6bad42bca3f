"""civdash: the core library of 民政数据看板. Never imports streamlit."""

__version__ = "0.1.0"
