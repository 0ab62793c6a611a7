"""Desk zones: who stands in them. Exclude zones drop the detections their rule admits (posters, monitors,
mannequins) before staff and queue zones are counted. Membership is each zone's rule: a point of the person's
box (``anchor``: bottom-centre for someone standing, or the centre) inside the polygon, or a share of the box
inside it (``overlap``: a seated official behind a counter shows only the upper body). A person counts in one
zone at most: the one holding the largest share of their box, staff first on a tie. Pure: numpy only.

The zone definitions and their rules live in ``vision/zone_rules.py``; their names are re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision.detections import Detections
from vision.polygons import box_overlap_share, point_in_polygon, points_in_polygon, polygon_area, self_intersects
from vision.zone_rules import (
    DEFAULT_STAFF_OVERLAP,
    MAX_NAME,
    MAX_POINTS,
    MAX_ZONES,
    MIN_AREA,
    Anchor,
    Zone,
    ZoneError,
    ZoneKind,
    ZoneRule,
    zone_problems,
    zone_set_problems,
)

__all__ = [
    "DEFAULT_STAFF_OVERLAP", "MAX_NAME", "MAX_POINTS", "MAX_ZONES", "MIN_AREA", "Anchor", "DeskZones", "Zone",
    "ZoneCounts", "ZoneError", "ZoneKind", "ZoneRule", "load_zones_json", "point_in_polygon", "points_in_polygon",
    "polygon_area", "self_intersects",
    "zone_problems", "zone_set", "zone_set_problems", "zones_from_dict",
]

SHARE_DECIMALS = 6  # shares equal to this many places are a tie (staff first)
SHARE_EPS = 1e-9


def zone_set(items: object, *, where: str = "zones", decimals: int | None = None,
             require_staff: bool = True) -> DeskZones:
    """One camera's zones checked by every rule; the first problem is raised as ``where[1].polygon: …``."""
    zones, problems = zone_set_problems(items, decimals=decimals, require_staff=require_staff)
    if problems:
        raise problems[0].at(where)
    return DeskZones(zones)


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
            raise ZoneError(ZoneRule.DUPLICATE_NAME, f"duplicate zone name(s): {', '.join(duplicates)}",
                            name=duplicates[0])

    def of_kind(self, kind: ZoneKind) -> tuple[Zone, ...]:
        return tuple(z for z in self.zones if z.kind is kind)

    def desks(self) -> tuple[str | None, ...]:
        """The desks in view, in order of first appearance: each desk with a staff or queue zone (``None``: the
        camera's own desk, for zones that name none)."""
        seen: dict[str | None, None] = {}
        for zone in self.zones:
            if zone.kind in (ZoneKind.STAFF, ZoneKind.QUEUE):
                seen.setdefault(zone.desk)
        return tuple(seen)

    def kept(self, detections: Detections) -> Detections:
        """Detections that no exclude zone's rule admits (posters, monitors, mannequins)."""
        if len(detections) == 0:
            return detections
        return detections[~self._excluded(self._admits(detections, self._shares(detections)))]

    def count(self, detections: Detections) -> ZoneCounts:
        """Persons per zone and the staff and queue totals, every desk's zones together (a desk camera).

        Each person counts in at most one zone: of the staff and queue zones whose rule admits them, the one
        holding the largest share of their box, staff first on a tie (then the first listed).
        """
        return self._tally(detections, None, all_desks=True)

    def count_by_desk(self, detections: Detections) -> dict[str | None, ZoneCounts]:
        """``count`` per desk in view (``desks()``) from ONE assignment over all the camera's zones, so a person
        between two counters counts for one desk only. Exclude zones' counts appear under every desk."""
        assigned = self._assign(detections)
        return {desk: self._tally(detections, desk, assigned=assigned) for desk in self.desks()}

    # -- membership ------------------------------------------------------------------------------

    def _shares(self, detections: Detections) -> np.ndarray:
        """``N×Z``: the share of each person's box inside each zone (0 for mask zones: they count nobody)."""
        width, height = detections.frame_size
        boxes = detections.xyxy.astype(np.float64) / np.array([width, height, width, height], np.float64)
        shares = np.zeros((len(detections), len(self.zones)), np.float64)
        for j, zone in enumerate(self.zones):
            if zone.kind is ZoneKind.MASK:
                continue
            for i, box in enumerate(boxes):
                shares[i, j] = box_overlap_share(box, zone.polygon)
        return shares

    def _admits(self, detections: Detections, shares: np.ndarray) -> np.ndarray:
        """``N×Z``: whether each zone's rule admits each person (anchor point inside, or share ≥ overlap)."""
        admits = np.zeros(shares.shape, bool)
        if len(detections) == 0:
            return admits
        feet = detections.bottom_centers()
        width, height = detections.frame_size
        centres = np.stack([(detections.xyxy[:, 0] + detections.xyxy[:, 2]) / 2 / width,
                            (detections.xyxy[:, 1] + detections.xyxy[:, 3]) / 2 / height], axis=1)
        for j, zone in enumerate(self.zones):
            if zone.kind is ZoneKind.MASK:
                continue
            anchor, overlap = zone.rule
            if anchor is not None:
                admits[:, j] = zone.contains(feet if anchor is Anchor.BOTTOM else centres)
            else:
                admits[:, j] = shares[:, j] >= float(overlap or 0.0) - SHARE_EPS
        return admits

    def _excluded(self, admits: np.ndarray) -> np.ndarray:
        columns = [j for j, z in enumerate(self.zones) if z.kind is ZoneKind.EXCLUDE]
        if not columns:
            return np.zeros(len(admits), bool)
        return np.asarray(admits[:, columns].any(axis=1), bool)

    def _assign(self, detections: Detections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(admits ``N×Z``, excluded ``N``, the zone index each person counts in ``N``, -1 for none)."""
        shares = self._shares(detections)
        admits = self._admits(detections, shares)
        excluded = self._excluded(admits)
        zone_of = np.full(len(detections), -1, np.int64)
        counted = [j for j, z in enumerate(self.zones) if z.kind in (ZoneKind.STAFF, ZoneKind.QUEUE)]
        for i in range(len(detections)):
            if excluded[i]:
                continue
            best: tuple[float, int, int] | None = None  # (share, staff first, earlier first)
            for j in counted:
                if not admits[i, j]:
                    continue
                key = (round(float(shares[i, j]), SHARE_DECIMALS), int(self.zones[j].kind is ZoneKind.STAFF), -j)
                if best is None or key > best:
                    best = key
            if best is not None:
                zone_of[i] = -best[2]
        return admits, excluded, zone_of

    def _tally(self, detections: Detections, desk: str | None, *, all_desks: bool = False,
               assigned: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> ZoneCounts:
        admits, excluded, zone_of = assigned if assigned is not None else self._assign(detections)
        per_zone: dict[str, int] = {}
        staff = queue = 0
        for j, zone in enumerate(self.zones):
            if zone.kind is ZoneKind.EXCLUDE:
                per_zone[zone.name] = int(admits[:, j].sum())  # how many it removed
            elif zone.kind in (ZoneKind.STAFF, ZoneKind.QUEUE) and (all_desks or zone.desk == desk):
                n = int((zone_of == j).sum())
                per_zone[zone.name] = n
                if zone.kind is ZoneKind.STAFF:
                    staff += n
                else:
                    queue += n
        return ZoneCounts(per_zone=per_zone, staff_count=staff, queue_count=queue, excluded=int(excluded.sum()))


def load_zones_json(path: str | Path) -> DeskZones:
    """Read ``{"zones": [{"name", "kind", "polygon"}]}``; errors name the file and the key path."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ZoneError(ZoneRule.LIST, f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ZoneError(ZoneRule.LIST, f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise ZoneError(ZoneRule.LIST,
                        f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return zones_from_dict(raw, where=str(path))


def zones_from_dict(raw: object, where: str = "zones") -> DeskZones:
    """A replay zones file's ``{"zones": [...]}``, by the same rules as a camera's zones except that a
    file may leave out the staff zone (the replay then reports ``staff: null``)."""
    if not isinstance(raw, dict):
        raise ZoneError(ZoneRule.LIST, f"{where}: expected an object with a 'zones' list")
    unknown = sorted(set(raw) - {"zones"})
    if unknown:
        raise ZoneError(ZoneRule.UNKNOWN_KEYS, f"{where}: unknown key(s) {', '.join(unknown)}", keys=tuple(unknown))
    items = raw.get("zones")
    if not isinstance(items, list):
        raise ZoneError(ZoneRule.LIST, f"{where}: 'zones' must be a list, got {type(items).__name__}")
    return zone_set(items, where=f"{where}: zones", require_staff=False)
