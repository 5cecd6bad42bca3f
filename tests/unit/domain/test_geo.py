"""geo.py: admin-supplied township boundaries, rewound for d3-geo (plotly.js's maps)."""

from __future__ import annotations

import json

from civdash.domain import geo

SQUARE_CCW = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]  # RFC 7946 exterior ring (counter-clockwise)
HOLE_CW = [[0.2, 0.2], [0.2, 0.8], [0.8, 0.8], [0.8, 0.2], [0.2, 0.2]]


def _write(tmp_path, geometry: dict, props: dict | None = None):
    path = tmp_path / "t.geojson"
    feature = {"type": "Feature", "properties": props or {"name": "城东街道"}, "geometry": geometry}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False), "utf-8")
    return path


def test_rfc7946_rings_are_rewound_to_d3_order(tmp_path) -> None:
    path = _write(tmp_path, {"type": "Polygon", "coordinates": [SQUARE_CCW, HOLE_CW]})
    (feature,) = geo.load_township_shapes(path)
    exterior, hole = feature["geometry"]["coordinates"]
    assert geo._signed_area(exterior) == -1.0  # clockwise
    assert geo._signed_area(hole) > 0  # counter-clockwise
    assert exterior == list(reversed(SQUARE_CCW))
    assert feature["properties"]["township"] == "城东街道"


def test_already_clockwise_rings_and_multipolygons(tmp_path) -> None:
    clockwise = list(reversed(SQUARE_CCW))
    path = _write(tmp_path, {"type": "MultiPolygon", "coordinates": [[clockwise], [SQUARE_CCW]]})
    (feature,) = geo.load_township_shapes(path)
    first, second = feature["geometry"]["coordinates"]
    assert first == [clockwise]
    assert second == [clockwise]


def test_name_property_is_configurable(tmp_path) -> None:
    path = _write(tmp_path, {"type": "Polygon", "coordinates": [SQUARE_CCW]}, {"NAME": "中塘镇"})
    (feature,) = geo.load_township_shapes(path, name_property="NAME")
    assert feature["properties"]["township"] == "中塘镇"
