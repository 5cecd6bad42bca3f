"""Where civdash keeps its files."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"


def real_db_path() -> Path:
    """The bureau's own database: ``CIVDASH_DB`` or ``data/civdash.duckdb``."""
    env = os.environ.get("CIVDASH_DB")
    return Path(env) if env else DATA_DIR / "civdash.duckdb"


def demo_db_path() -> Path:
    """The demo district, kept apart so that demo and real data never mix."""
    env = os.environ.get("CIVDASH_DEMO_DB")
    return Path(env) if env else DATA_DIR / "demo.duckdb"


def geojson_path() -> Path:
    """Optional township boundaries placed by an admin (README: 乡镇地图); ``CIVDASH_GEOJSON`` overrides."""
    env = os.environ.get("CIVDASH_GEOJSON")
    return Path(env) if env else DATA_DIR / "townships.geojson"
