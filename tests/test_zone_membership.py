"""Zone membership rules (anchor or overlap), one zone per person, per-desk counts from one assignment."""

from __future__ import annotations

import pytest

from vision.detections import Detections
from vision.polygons import box_overlap_share
from vision.zones import DEFAULT_STAFF_OVERLAP, Anchor, DeskZones, Zone

pytestmark = pytest.mark.pure

FRAME = (1000, 1000)


def rect(x1, y1, x2, y2):
    return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]


def people(*boxes):
    return Detections.from_boxes([[v * 1000 for v in box] for box in boxes], FRAME)


# One counter seen from the public side: the official sits behind it (upper band of the image), citizens
# stand in front of it (their feet on the floor below). The counter edge is at y = 0.45.
BEHIND = rect(0.30, 0.15, 0.70, 0.45)  # staff zone: the chair behind the counter
FLOOR = rect(0.20, 0.45, 0.80, 1.00)  # queue zone: where citizens stand
SEATED = (0.42, 0.18, 0.56, 0.47)  # upper body above the counter; the box ends on the counter edge
SEATED_LOW = (0.42, 0.20, 0.56, 0.60)  # the box runs down into the counter: feet invisible, bottom outside
CITIZEN = (0.40, 0.30, 0.54, 0.95)  # standing at the counter, head against the official's side
TWO_COUNTERS = [("q1-can-bo", "staff", rect(0.0, 0.1, 0.5, 0.5), "Q1"),
                ("q2-can-bo", "staff", rect(0.5, 0.1, 1.0, 0.5), "Q2")]


def counter(staff_rule=None, queue_rule=None):
    staff_kw = staff_rule or {}
    queue_kw = queue_rule or {}
    return DeskZones([Zone.build("ban", "staff", BEHIND, **staff_kw), Zone.build("hang", "queue", FLOOR, **queue_kw)])


@pytest.mark.parametrize("case, boxes, rules, staff, queue", [
    ("a seated official behind the counter", [SEATED], {}, 1, 0),
    ("seated, the box running into the counter (bottom-centre outside the zone)", [SEATED_LOW], {}, 1, 0),
    ("the same seated official under a bottom-centre rule is missed", [SEATED_LOW],
     {"staff_rule": {"anchor": "bottom"}}, 0, 1),
    ("a citizen standing at the counter is queue, not staff", [CITIZEN], {}, 0, 1),
    ("an official and a citizen at the counter", [SEATED, CITIZEN], {}, 1, 1),
    ("the citizen under a tiny staff overlap: the larger share (floor) still wins", [CITIZEN],
     {"staff_rule": {"overlap": 0.05}}, 0, 1),
    ("an overlap of 1.0 needs the whole box inside: the box's bottom on the floor makes it queue", [SEATED],
     {"staff_rule": {"overlap": 1.0}}, 0, 1),
    ("an overlap of 0.6", [SEATED_LOW], {"staff_rule": {"overlap": 0.6}}, 1, 0),
    ("an overlap of 0.7 misses the low box (62 % inside)", [SEATED_LOW], {"staff_rule": {"overlap": 0.7}}, 0, 1),
    ("centre anchor: the seated box's centre is behind the counter", [SEATED_LOW],
     {"staff_rule": {"anchor": "center"}}, 1, 0),
    ("nobody", [], {}, 0, 0),
])
def test_one_counter(case, boxes, rules, staff, queue):
    counts = counter(**rules).count(people(*boxes))
    assert (counts.staff_count, counts.queue_count) == (staff, queue), case
    assert counts.per_zone == {"ban": staff, "hang": queue}


def test_defaults_by_kind():
    staff, queue = Zone.build("a", "staff", BEHIND), Zone.build("b", "queue", FLOOR)
    assert staff.rule == (None, DEFAULT_STAFF_OVERLAP) == (None, 0.3)
    assert queue.rule == (Anchor.BOTTOM, None)
    assert Zone.build("c", "exclude", FLOOR).rule == (Anchor.BOTTOM, None)
    assert Zone.build("d", "staff", BEHIND, anchor="center").rule == (Anchor.CENTER, None)
    assert Zone.build("e", "queue", FLOOR, overlap=0.5).rule == (None, 0.5)


@pytest.mark.parametrize("case, box, expected", [
    ("wholly in Q1", (0.10, 0.15, 0.30, 0.45), {"Q1": 1, "Q2": 0}),
    ("straddling, mostly Q2", (0.40, 0.15, 0.70, 0.45), {"Q1": 0, "Q2": 1}),
    ("straddling, mostly Q1", (0.30, 0.15, 0.55, 0.45), {"Q1": 1, "Q2": 0}),
    ("straddling evenly: the first zone listed", (0.40, 0.15, 0.60, 0.45), {"Q1": 1, "Q2": 0}),
])
def test_two_adjacent_counters_count_a_person_once(case, box, expected):
    zones = DeskZones([Zone.build(name, kind, poly, desk=desk) for name, kind, poly, desk in TWO_COUNTERS])
    by_desk = zones.count_by_desk(people(box))
    assert {desk: c.staff_count for desk, c in by_desk.items()} == expected, case
    assert sum(c.staff_count for c in by_desk.values()) == 1


def test_staff_first_on_a_tie_with_a_queue_zone():
    same = rect(0.2, 0.2, 0.8, 0.8)
    zones = DeskZones([Zone.build("hang", "queue", same, overlap=0.3), Zone.build("ban", "staff", same)])
    counts = zones.count(people((0.3, 0.3, 0.5, 0.7)))
    assert (counts.staff_count, counts.queue_count) == (1, 0)


def test_exclude_drops_and_mask_counts_nobody():
    zones = DeskZones([
        Zone.build("ban", "staff", BEHIND), Zone.build("hang", "queue", FLOOR),
        Zone.build("poster", "exclude", rect(0.70, 0.40, 0.80, 1.00)),
        Zone.build("mat-quay", "mask", rect(0.30, 0.40, 0.70, 0.50)),
    ])
    mannequin = (0.72, 0.50, 0.78, 0.95)  # feet in the exclude zone
    counts = zones.count(people(SEATED, CITIZEN, mannequin))
    assert (counts.staff_count, counts.queue_count, counts.excluded) == (1, 1, 1)
    assert counts.per_zone == {"ban": 1, "hang": 1, "poster": 1}  # a mask zone is no count


def test_count_by_desk_is_one_assignment_with_shared_exclusions():
    zones = DeskZones([
        *(Zone.build(name, kind, poly, desk=desk) for name, kind, poly, desk in TWO_COUNTERS),
        Zone.build("q1-hang", "queue", rect(0.0, 0.5, 0.5, 1.0), desk="Q1"),
        Zone.build("q2-hang", "queue", rect(0.5, 0.5, 1.0, 1.0), desk="Q2"),
        Zone.build("poster", "exclude", rect(0.9, 0.5, 1.0, 1.0)),
    ])
    found = zones.count_by_desk(people((0.1, 0.15, 0.3, 0.45), (0.6, 0.55, 0.7, 0.9), (0.92, 0.6, 0.98, 0.95)))
    assert zones.desks() == ("Q1", "Q2")
    assert {d: (c.staff_count, c.queue_count) for d, c in found.items()} == {"Q1": (1, 0), "Q2": (0, 1)}
    assert found["Q1"].per_zone == {"q1-can-bo": 1, "q1-hang": 0, "poster": 1}
    assert found["Q2"].per_zone == {"q2-can-bo": 0, "q2-hang": 1, "poster": 1}
    assert found["Q1"].excluded == found["Q2"].excluded == 1


@pytest.mark.parametrize("box, polygon, share", [
    ((0.0, 0.0, 1.0, 1.0), rect(0.0, 0.0, 0.5, 1.0), 0.5),
    ((0.2, 0.2, 0.4, 0.4), rect(0.0, 0.0, 1.0, 1.0), 1.0),
    ((0.2, 0.2, 0.4, 0.4), rect(0.5, 0.5, 1.0, 1.0), 0.0),
    ((0.0, 0.0, 1.0, 1.0), [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)], 0.5),  # a triangle
    # an L shape (concave): inside the box, 0.5 × 0.25 of one arm and 0.25 × 0.25 of the other
    ((0.0, 0.0, 0.5, 0.5), [(0, 0), (1, 0), (1, 0.25), (0.25, 0.25), (0.25, 1), (0, 1)], 0.75),
    ((0.3, 0.3, 0.3, 0.6), rect(0.0, 0.0, 1.0, 1.0), 0.0),  # a box without area
])
def test_box_overlap_share(box, polygon, share):
    assert box_overlap_share(box, polygon) == pytest.approx(share)
