"""Township boundaries from an admin-supplied GeoJSON, prepared for d3-geo (which plotly.js draws maps with)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in lon/lat: positive for counter-clockwise rings."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:], strict=False)) / 2


def _rewind_polygon(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """Exterior ring clockwise, holes counter-clockwise: the order d3-geo (and so plotly.js) expects.

    GeoJSON written by GIS tools follows RFC 7946 (exterior counter-clockwise), which d3 draws as the
    whole globe minus the township; rewinding makes any file render the right way round.
    """
    out = []
    for k, ring in enumerate(rings):
        clockwise = _signed_area(ring) < 0
        want_clockwise = k == 0
        out.append(ring if clockwise == want_clockwise else list(reversed(ring)))
    return out


def _rewind(geometry: dict[str, Any]) -> dict[str, Any]:
    if geometry.get("type") == "Polygon":
        return {**geometry, "coordinates": _rewind_polygon(geometry["coordinates"])}
    if geometry.get("type") == "MultiPolygon":
        return {**geometry, "coordinates": [_rewind_polygon(p) for p in geometry["coordinates"]]}
    return geometry


def load_township_shapes(path: Path, name_property: str = "name") -> list[dict[str, Any]]:
    """Features of a FeatureCollection with ``properties.township`` set from ``name_property``."""
    collection = json.loads(Path(path).read_text(encoding="utf-8"))
    features = []
    for feature in collection.get("features", []):
        props = dict(feature.get("properties") or {})
        props["township"] = props.get(name_property)
        features.append({"type": "Feature", "properties": props, "geometry": _rewind(feature.get("geometry") or {})})
    return features
