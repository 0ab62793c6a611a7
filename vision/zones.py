"""Desk zones: normalised polygons and who stands in them (by the bottom-centre of each box).

Pure geometry: no OpenCV, no drawing. Exclude zones drop detections standing inside them (posters,
monitors, mannequins) before staff and queue zones are counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from vision.detections import Detections


class ZoneKind(str, Enum):
    """What a zone is for; the values match the site config and the database."""

    STAFF = "staff"
    QUEUE = "queue"
    EXCLUDE = "exclude"

    def __str__(self) -> str:
        return self.value


class ZoneError(ValueError):
    """A zone definition is invalid; the message names where and what."""


@dataclass(frozen=True)
class Zone:
    """A named polygon in 0..1 image coordinates (x to the right, y down)."""

    name: str
    kind: ZoneKind
    polygon: tuple[tuple[float, float], ...]

    @classmethod
    def build(cls, name: str, kind: str | ZoneKind, polygon: Iterable[Sequence[float]], where: str = "zone") -> Zone:
        """Validate and build; ``where`` prefixes error messages (e.g. ``zones.json: zones[2]``)."""
        if not isinstance(name, str) or not name.strip():
            raise ZoneError(f"{where}.name: must be a non-empty string, got {name!r}")
        try:
            kind = ZoneKind(kind)
        except ValueError:
            choices = ", ".join(k.value for k in ZoneKind)
            raise ZoneError(f"{where}.kind: {kind!r} is not one of {choices}") from None
        points: list[tuple[float, float]] = []
        for i, point in enumerate(polygon):
            if (
                not isinstance(point, (list, tuple))
                or len(point) != 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in point)
            ):
                raise ZoneError(f"{where}.polygon[{i}]: expected [x, y] numbers, got {point!r}")
            x, y = float(point[0]), float(point[1])
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ZoneError(f"{where}.polygon[{i}]: {[x, y]} is outside 0..1")
            points.append((x, y))
        if len(points) < 3:
            raise ZoneError(f"{where}.polygon: needs at least 3 points, got {len(points)}")
        if polygon_area(points) <= 1e-9:
            raise ZoneError(f"{where}.polygon: has no area (points collinear or repeated)")
        return cls(name.strip(), kind, tuple(points))

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask: which of the ``N×2`` normalised points lie inside (or on) the polygon."""
        return points_in_polygon(points, self.polygon)


def polygon_area(points: Sequence[tuple[float, float]]) -> float:
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
    return np.array([point_in_polygon(float(px), float(py), vertices) for px, py in np.asarray(points).reshape(-1, 2)], bool)


@dataclass(frozen=True)
class ZoneCounts:
    """Persons per zone name, plus the desk's staff and queue totals after exclusions."""

    per_zone: dict[str, int]
    staff_count: int
    queue_count: int
    excluded: int


class DeskZones:
    """The zones of one camera view; counts people by where they stand."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self.zones = tuple(zones)
        names = [z.name for z in self.zones]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ZoneError(f"duplicate zone name(s): {', '.join(duplicates)}")

    def of_kind(self, kind: ZoneKind) -> tuple[Zone, ...]:
        return tuple(z for z in self.zones if z.kind is kind)

    def kept(self, detections: Detections) -> Detections:
        """Detections not standing in any exclude zone."""
        if len(detections) == 0:
            return detections
        feet = detections.bottom_centers()
        drop = np.zeros(len(detections), bool)
        for zone in self.of_kind(ZoneKind.EXCLUDE):
            drop |= zone.contains(feet)
        return detections[~drop]

    def count(self, detections: Detections) -> ZoneCounts:
        """Count persons per zone; a person in two staff zones counts once towards ``staff_count``."""
        kept = self.kept(detections)
        feet = kept.bottom_centers()
        all_feet = detections.bottom_centers()
        per_zone: dict[str, int] = {}
        in_kind = {kind: np.zeros(len(kept), bool) for kind in ZoneKind}
        for zone in self.zones:
            if zone.kind is ZoneKind.EXCLUDE:
                # An exclude zone reports how many detections it removed.
                per_zone[zone.name] = int(zone.contains(all_feet).sum())
                continue
            mask = zone.contains(feet)
            per_zone[zone.name] = int(mask.sum())
            in_kind[zone.kind] |= mask
        return ZoneCounts(
            per_zone=per_zone,
            staff_count=int(in_kind[ZoneKind.STAFF].sum()),
            queue_count=int((in_kind[ZoneKind.QUEUE] & ~in_kind[ZoneKind.STAFF]).sum()),
            excluded=int(len(detections) - len(kept)),
        )


def load_zones_json(path: str | Path) -> DeskZones:
    """Read ``{"zones": [{"name", "kind", "polygon"}]}``; errors name the file and the key path."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ZoneError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ZoneError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise ZoneError(f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return zones_from_dict(raw, where=str(path))


def zones_from_dict(raw: object, where: str = "zones") -> DeskZones:
    """Validate the JSON shape of a zones file (also used for API payloads)."""
    if not isinstance(raw, dict):
        raise ZoneError(f"{where}: expected an object with a 'zones' list")
    unknown = sorted(set(raw) - {"zones"})
    if unknown:
        raise ZoneError(f"{where}: unknown key(s) {', '.join(unknown)}")
    items = raw.get("zones")
    if not isinstance(items, list):
        raise ZoneError(f"{where}: 'zones' must be a list, got {type(items).__name__}")
    zones = []
    for i, item in enumerate(items):
        at = f"{where}: zones[{i}]"
        if not isinstance(item, dict):
            raise ZoneError(f"{at}: expected an object, got {item!r}")
        missing = [k for k in ("name", "kind", "polygon") if k not in item]
        if missing:
            raise ZoneError(f"{at}: missing key(s) {', '.join(missing)}")
        extra = sorted(set(item) - {"name", "kind", "polygon"})
        if extra:
            raise ZoneError(f"{at}: unknown key(s) {', '.join(extra)}")
        if not isinstance(item["polygon"], list):
            raise ZoneError(f"{at}.polygon: expected a list of [x, y] points")
        zones.append(Zone.build(item["name"], item["kind"], item["polygon"], where=at))
    try:
        return DeskZones(zones)
    except ZoneError as error:
        raise ZoneError(f"{where}: {error}") from None
