"""Zone geometry and counting, with fake detections (no model)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vision.detections import Detections
from vision.zones import DeskZones, Zone, ZoneError, load_zones_json, points_in_polygon

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

SQUARE = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)]
CONCAVE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 0.4), (0.0, 1.0)]  # a "V" notch from below


@pytest.mark.parametrize(
    "point, polygon, inside",
    [
        ((0.4, 0.4), SQUARE, True),
        ((0.1, 0.4), SQUARE, False),
        ((0.2, 0.4), SQUARE, True),  # on the left edge
        ((0.6, 0.6), SQUARE, True),  # on a corner
        ((0.61, 0.6), SQUARE, False),
        ((0.5, 0.8), CONCAVE, False),  # in the notch
        ((0.1, 0.8), CONCAVE, True),
        ((0.9, 0.8), CONCAVE, True),
        ((0.5, 0.2), CONCAVE, True),
    ],
)
def test_point_in_polygon(point, polygon, inside):
    mask = points_in_polygon(np.array([point]), np.array(polygon))
    assert bool(mask[0]) is inside


def zones(*specs):
    return DeskZones([Zone.build(name, kind, poly) for name, kind, poly in specs])


def test_membership_is_by_bottom_centre_of_the_box():
    # The zone is the desk area in the upper half; a person standing in front of it (feet lower in
    # the image) overlaps the zone with head and torso but is not at the desk. A staff zone's default rule
    # is now the overlap (tests/test_zone_membership.py); this one asks for the bottom-centre.
    desk = DeskZones([Zone.build("desk", "staff", [(0.5, 0.0), (1.0, 0.0), (1.0, 0.5), (0.5, 0.5)],
                                 anchor="bottom")])
    frame = (1000, 1000)
    in_front = Detections.from_boxes([(600, 100, 700, 700)], frame)
    at_desk = Detections.from_boxes([(600, 50, 700, 400)], frame)
    beside = Detections.from_boxes([(420, 50, 560, 400)], frame)  # box overlaps, feet at x=490 outside
    assert desk.count(in_front).staff_count == 0
    assert desk.count(at_desk).staff_count == 1
    assert desk.count(beside).staff_count == 0


def test_staff_queue_and_exclude_counts():
    desk = zones(
        ("ban", "staff", [(0.6, 0.0), (1.0, 0.0), (1.0, 1.0), (0.6, 1.0)]),
        ("hang-cho", "queue", [(0.0, 0.0), (0.6, 0.0), (0.6, 1.0), (0.0, 1.0)]),
        ("ma-no-canh", "exclude", [(0.85, 0.0), (1.0, 0.0), (1.0, 1.0), (0.85, 1.0)]),
    )
    frame = (100, 100)
    boxes = [
        (70, 10, 80, 50),  # staff (feet x=75)
        (88, 10, 98, 50),  # mannequin in the exclude zone (feet x=93)
        (10, 10, 20, 60),  # queue
        (30, 10, 40, 60),  # queue
    ]
    counts = desk.count(Detections.from_boxes(boxes, frame))
    assert (counts.staff_count, counts.queue_count, counts.excluded) == (1, 2, 1)
    assert counts.per_zone == {"ban": 1, "hang-cho": 2, "ma-no-canh": 1}


def test_person_in_overlapping_staff_and_queue_zone_is_staff_only():
    desk = zones(("ban", "staff", SQUARE), ("hang-cho", "queue", SQUARE))
    counts = desk.count(Detections.from_boxes([(30, 10, 50, 40)], (100, 100)))
    assert (counts.staff_count, counts.queue_count) == (1, 0)


def test_no_detections_and_no_zones():
    assert DeskZones([]).count(Detections.empty((640, 480))).per_zone == {}
    counts = zones(("ban", "staff", SQUARE)).count(Detections.empty((640, 480)))
    assert (counts.staff_count, counts.queue_count, counts.per_zone) == (0, 0, {"ban": 0})


@pytest.mark.parametrize(
    "zone, message",
    [
        ({"name": "a", "kind": "staff", "polygon": [[0, 0], [1, 0]]}, "zones[0].polygon: needs at least 3 points"),
        ({"name": "a", "kind": "staff", "polygon": [[0, 0], [1.2, 0], [1, 1]]},
         "zones[0].polygon[1]: [1.2, 0.0] is outside 0..1"),
        ({"name": "a", "kind": "desk", "polygon": SQUARE}, "zones[0].kind: 'desk' is not one of"),
        ({"name": "a", "kind": "staff", "polygon": [[0, 0], [0.5, 0.5], [1, 1]]}, "has no area"),
        ({"name": "a", "kind": "staff"}, "zones[0]: missing key(s) polygon"),
        ({"name": "a", "kind": "staff", "polygon": SQUARE, "colour": "red"}, "unknown key(s) colour"),
        ({"name": "a", "kind": "staff", "polygon": [[0, 0], ["x", 1], [1, 1]]},
         "zones[0].polygon[1]: expected [x, y] numbers"),
    ],
)
def test_bad_zones_file_names_the_key(tmp_path, zone, message):
    path = tmp_path / "zones.json"
    path.write_text(json.dumps({"zones": [zone]}))
    with pytest.raises(ZoneError) as error:
        load_zones_json(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_bad_zones_files(tmp_path):
    with pytest.raises(ZoneError, match="no such file"):
        load_zones_json(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"zones": [')
    with pytest.raises(ZoneError, match="not valid JSON"):
        load_zones_json(broken)
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps({"zones": [{"name": "a", "kind": "staff", "polygon": SQUARE}] * 2}))
    with pytest.raises(ZoneError, match="duplicate zone name"):
        load_zones_json(dup)


@pytest.mark.parametrize("polygon, crossing", [
    ([[0, 0], [1, 0], [1, 1], [0, 1]], False),
    ([[0, 0], [1, 1], [1, 0], [0, 1]], True),  # bow tie
    ([[0, 0], [0.5, 0.5], [1, 0], [1, 1], [0.5, 0.5], [0, 1]], True),  # touches itself at a vertex
    ([[0, 0], [1, 0], [0.5, 0.5], [1, 1], [0, 1]], False),  # concave is fine
    ([[0.2, 0.2], [0.8, 0.2], [0.5, 0.9]], False),
])
def test_self_intersection(polygon, crossing):
    from vision.polygons import self_intersects

    assert self_intersects(polygon) is crossing
