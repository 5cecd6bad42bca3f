"""civdash: the core library of 民政数据看板, in packages by concern that import only downward (cli → appdb → demo →
outputs → analysis | ingest | admin | access → domain → store; docs/architecture.md). Never imports streamlit."""

__version__ = "0.1.0"
