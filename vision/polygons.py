"""Polygon arithmetic for zones: area, point membership, self-intersection. Pure: numpy and floats only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Point = Sequence[float]


def polygon_area(points: Sequence[Point]) -> float:
    """Absolute area by the shoelace formula."""
    xs = np.array([p[0] for p in points], np.float64)
    ys = np.array([p[1] for p in points], np.float64)
    return float(abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2)


def point_in_polygon(x: float, y: float, polygon: Sequence[tuple[float, float]], eps: float = 1e-9) -> bool:
    """Even-odd ray casting; a point on an edge counts as inside.

    Plain Python on purpose: a frame holds a handful of people, and per-call numpy overhead would
    cost more than the arithmetic.
    """
    inside = False
    x1, y1 = polygon[-1]
    for x2, y2 in polygon:
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if (
            abs(cross) <= eps
            and min(x1, x2) - eps <= x <= max(x1, x2) + eps
            and min(y1, y2) - eps <= y <= max(y1, y2) + eps
        ):
            return True
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


def points_in_polygon(points: np.ndarray, polygon: np.ndarray | Sequence[tuple[float, float]]) -> np.ndarray:
    """Boolean mask: which of the ``N×2`` points lie inside (or on) the polygon."""
    vertices = [(float(px), float(py)) for px, py in polygon]
    return np.array([point_in_polygon(float(px), float(py), vertices)
                     for px, py in np.asarray(points).reshape(-1, 2)], bool)


def self_intersects(polygon: Sequence[Point]) -> bool:
    """True when two edges that do not share a vertex touch or cross (a bow tie, a figure eight)."""
    edges = [(polygon[i], polygon[(i + 1) % len(polygon)]) for i in range(len(polygon))]
    count = len(edges)
    for i in range(count):
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # the first and the last edge share the first vertex
            if _segments_touch(*edges[i], *edges[j]):
                return True
    return False


def _segments_touch(p1: Point, p2: Point, p3: Point, p4: Point) -> bool:
    def orient(a: Point, b: Point, c: Point) -> int:
        value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return 0 if abs(value) < 1e-12 else (1 if value > 0 else -1)

    def on_segment(a: Point, b: Point, c: Point) -> bool:
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    o1, o2, o3, o4 = orient(p1, p2, p3), orient(p1, p2, p4), orient(p3, p4, p1), orient(p3, p4, p2)
    if o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4):
        return True
    return ((o1 == 0 and on_segment(p1, p2, p3)) or (o2 == 0 and on_segment(p1, p2, p4))
            or (o3 == 0 and on_segment(p3, p4, p1)) or (o4 == 0 and on_segment(p3, p4, p2)))


def box_overlap_share(box: Sequence[float], polygon: Sequence[Point]) -> float:
    """The share of an axis-aligned ``box`` (x1, y1, x2, y2) that lies inside ``polygon``, 0..1.

    The polygon (concave allowed) is clipped against the box by Sutherland–Hodgman, which is exact for a
    convex clip window; a concave polygon may leave zero-width seams in the result, and they add no area.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    area = (x2 - x1) * (y2 - y1)
    if area <= 0:
        return 0.0
    points = [(float(p[0]), float(p[1])) for p in polygon]
    for axis, bound, keep_below in ((0, x1, False), (0, x2, True), (1, y1, False), (1, y2, True)):
        points = _clip(points, axis, bound, keep_below)
        if not points:
            return 0.0
    return min(1.0, polygon_area(points) / area) if len(points) >= 3 else 0.0


def _clip(points: list[tuple[float, float]], axis: int, bound: float,
          keep_below: bool) -> list[tuple[float, float]]:
    """One Sutherland–Hodgman pass: the part of the outline on the kept side of ``coordinate[axis] = bound``."""

    def inside(p: tuple[float, float]) -> bool:
        return p[axis] <= bound if keep_below else p[axis] >= bound

    def cross(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        t = (bound - a[axis]) / (b[axis] - a[axis])
        return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))

    out: list[tuple[float, float]] = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(cross(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(cross(previous, current))
    return out
