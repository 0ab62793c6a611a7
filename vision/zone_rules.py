"""Zone definitions and the one set of rules a zone must follow. Pure: no OpenCV, nothing of ours.

Every way zones come in — the site config, the zone editor, a replay zones file, the rows the sampler loads —
is checked here; each caller words the message its users read (the editor in Vietnamese) from
``ZoneError.rule`` and ``ZoneError.loc``. Counting people in zones is ``vision/zones.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from vision.polygons import points_in_polygon, polygon_area, self_intersects

MAX_NAME = 64  # characters of a zone name
MAX_POINTS = 100  # per polygon: more is a tracing, not a zone
MAX_ZONES = 20  # per camera
MIN_AREA = 1e-6  # of the frame: about two pixels of a 1080p image
KEYS = ("name", "kind", "polygon")  # required
OPTIONAL_KEYS = ("desk", "anchor", "overlap")  # the desk a zone belongs to, its membership rule
DEFAULT_STAFF_OVERLAP = 0.3  # a staff zone's default: 30 % of a person's box inside it (seated behind a counter)


class ZoneKind(StrEnum):
    """What a zone is for; the values match the site config and the database."""

    STAFF = "staff"
    QUEUE = "queue"
    EXCLUDE = "exclude"
    MASK = "mask"  # pixelated in every stored frame (ID cards, dossiers, monitors); never counted


ZONE_KIND_VALUES = frozenset(kind.value for kind in ZoneKind)

class Anchor(StrEnum):
    """Which point of a person's box decides membership when a zone uses a point rule."""

    BOTTOM = "bottom"  # bottom-centre: the feet of someone standing (a queue)
    CENTER = "center"  # the centre of the box


class ZoneRule(StrEnum):
    """Which rule a zone definition broke: callers word their own message from it."""

    LIST = "list"  # the zones are not a list
    ENTRY = "entry"  # a zone is not an object
    MISSING_KEYS = "missing_keys"
    UNKNOWN_KEYS = "unknown_keys"
    NAME = "name"  # 1–64 characters, no "/" (it separates camera and zone in the change log), no control characters
    KIND = "kind"
    POINTS = "points"  # the polygon is not a list
    POINT = "point"  # a point is not two finite numbers
    RANGE = "range"  # a coordinate outside 0..1
    TOO_FEW_POINTS = "too_few_points"
    TOO_MANY_POINTS = "too_many_points"
    REPEATED_POINT = "repeated_point"  # a point equal to the one before it (a closing point is dropped instead)
    CROSSING = "crossing"  # two edges cross or touch
    NO_AREA = "no_area"
    DUPLICATE_NAME = "duplicate_name"  # case is ignored: "Ban" and "ban" are one name
    TOO_MANY_ZONES = "too_many_zones"
    NO_STAFF_ZONE = "no_staff_zone"
    DESK = "desk"  # not a desk code, or given on a zone that belongs to no desk (exclude, mask)
    MEMBERSHIP = "membership"  # anchor not bottom/center, overlap outside (0, 1], or both given


class ZoneError(ValueError):
    """A zone definition is invalid.

    ``rule`` is the rule broken; ``loc`` the key path inside what was checked (``("polygon", 2)`` in one
    zone, ``(1, "polygon", 2)`` in a list of zones); ``name`` the zone's name once known; ``keys`` the
    missing or unknown keys; ``value`` the offending value. ``str()`` names where and what:
    ``zones.json: zones[1].polygon[2]: [1.2, 0.4] is outside 0..1``.
    """

    def __init__(self, rule: ZoneRule, message: str, *, loc: tuple[str | int, ...] = (), name: str | None = None,
                 keys: tuple[str, ...] = (), value: object = None, where: str = "") -> None:
        self.rule, self.message, self.loc, self.name, self.keys, self.value = rule, message, loc, name, keys, value
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def at(self, where: str = "", loc: tuple[str | int, ...] = ()) -> ZoneError:
        """The same problem with ``loc`` prepended to its key path, and, given ``where``, the message
        prefixed with where and the path (``zones.json: zones`` + ``[1].polygon``)."""
        full = (*loc, *self.loc)
        prefix = ""
        if where:
            path = key_path(full)
            prefix = where if not path else f"{where}{path}" if path.startswith("[") else f"{where}.{path}"
        return ZoneError(self.rule, self.message, loc=full, name=self.name, keys=self.keys, value=self.value,
                         where=prefix)


def key_path(loc: Sequence[str | int]) -> str:
    """``(1, "polygon", 2)`` → ``[1].polygon[2]``; ``("polygon", 2)`` → ``polygon[2]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


@dataclass(frozen=True)
class Zone:
    """A named polygon in 0..1 image coordinates (x to the right, y down).

    ``desk``: the desk code a staff or queue zone belongs to (``None``: the camera's own desk). ``anchor`` and
    ``overlap`` are the membership rule as written (at most one of them; both ``None``: the kind's default,
    see ``rule``).
    """

    name: str
    kind: ZoneKind
    polygon: tuple[tuple[float, float], ...]
    desk: str | None = None
    anchor: Anchor | None = None
    overlap: float | None = None

    @classmethod
    def build(cls, name: str, kind: str | ZoneKind, polygon: Iterable[Sequence[float]], where: str = "zone", *,
              desk: str | None = None, anchor: str | Anchor | None = None, overlap: float | None = None) -> Zone:
        """Check one zone by every rule and build it; ``where`` prefixes error messages (``camera X: zone ban``)."""
        points = list(polygon) if not isinstance(polygon, (list, tuple)) else polygon
        item: dict[str, object] = {"name": name, "kind": kind, "polygon": points}
        item.update({key: value for key, value in (("desk", desk), ("anchor", anchor), ("overlap", overlap))
                     if value is not None})
        zone, problems = zone_problems(item)
        if problems:
            raise problems[0].at(where)
        assert zone is not None
        return zone

    @property
    def rule(self) -> tuple[Anchor | None, float | None]:
        """The membership rule in effect: ``(anchor, None)`` for a point rule, ``(None, share)`` for overlap.
        Defaults: staff zones an overlap of ``DEFAULT_STAFF_OVERLAP``, every other kind the bottom-centre."""
        if self.anchor is not None:
            return self.anchor, None
        if self.overlap is not None:
            return None, self.overlap
        if self.kind is ZoneKind.STAFF:
            return None, DEFAULT_STAFF_OVERLAP
        return Anchor.BOTTOM, None

    def as_dict(self) -> dict[str, object]:
        """The zone as the site config and the editor write it (optional keys only when set)."""
        out: dict[str, object] = {"name": self.name, "kind": self.kind.value,
                                  "polygon": [list(p) for p in self.polygon]}
        if self.desk is not None:
            out["desk"] = self.desk
        if self.anchor is not None:
            out["anchor"] = self.anchor.value
        if self.overlap is not None:
            out["overlap"] = self.overlap
        return out

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Boolean mask: which of the ``N×2`` normalised points lie inside (or on) the polygon."""
        return points_in_polygon(points, self.polygon)


def zone_problems(item: object, *, decimals: int | None = None) -> tuple[Zone | None, list[ZoneError]]:
    """Every problem of one zone ``{"name", "kind", "polygon"}`` (``loc`` inside the zone); the zone if none.

    Args:
        item: The zone as parsed from TOML or JSON.
        decimals: Round coordinates to this many places before the shape is checked (the editor keeps 4:
            a fifth of a pixel of a 1080p frame), so what is stored is what was checked.
    """
    _name, _kind, zone, problems = _check_zone(item, decimals)
    return zone, problems


def zone_set_problems(items: object, *, decimals: int | None = None,
                      require_staff: bool = True) -> tuple[list[Zone], list[ZoneError]]:
    """Every problem of one camera's zones, in order (``loc`` starts with the zone's index); the zones if none.

    Args:
        items: The camera's zones as parsed.
        decimals: See ``zone_problems``.
        require_staff: A camera that audits a desk needs a staff zone; a replay zones file does not.
    """
    if not isinstance(items, (list, tuple)):
        return [], [ZoneError(ZoneRule.LIST, f"expected a list of zones, got {type(items).__name__}", value=items)]
    zones: list[Zone] = []
    problems: list[ZoneError] = []
    kinds: set[ZoneKind] = set()
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        name, kind, zone, found = _check_zone(item, decimals)
        problems.extend(problem.at(loc=(index,)) for problem in found)
        if name is not None:
            folded = name.casefold()
            if folded in first:
                problems.append(ZoneError(
                    ZoneRule.DUPLICATE_NAME, f"duplicate zone name (first at zones[{first[folded]}]; case is ignored)",
                    loc=(index, "name"), name=name, value=name))
            first.setdefault(folded, index)
        if kind is not None:
            kinds.add(kind)
        if zone is not None:
            zones.append(zone)
    if len(items) > MAX_ZONES:
        problems.append(ZoneError(ZoneRule.TOO_MANY_ZONES, f"at most {MAX_ZONES} zones per camera, got {len(items)}"))
    if require_staff and ZoneKind.STAFF not in kinds:
        problems.append(ZoneError(ZoneRule.NO_STAFF_ZONE,
                                  "needs at least one staff zone (without one the desk's presence stays unknown)"))
    return zones, problems



def _check_zone(item: object, decimals: int | None
                ) -> tuple[str | None, ZoneKind | None, Zone | None, list[ZoneError]]:
    """(valid name or None, valid kind or None, the zone if it has no problem, its problems)."""
    if not isinstance(item, dict):
        return None, None, None, [ZoneError(
            ZoneRule.ENTRY, f"expected an object with name, kind and polygon, got {item!r}", value=item)]
    problems: list[ZoneError] = []
    missing = tuple(key for key in KEYS if key not in item)
    if missing:
        problems.append(ZoneError(ZoneRule.MISSING_KEYS, f"missing key(s) {', '.join(missing)}", keys=missing))
    unknown = tuple(sorted(str(key) for key in item if key not in KEYS and key not in OPTIONAL_KEYS))
    if unknown:
        problems.append(ZoneError(ZoneRule.UNKNOWN_KEYS, f"unknown key(s) {', '.join(unknown)}", keys=unknown))
    name = _name(item["name"], problems) if "name" in item else None
    kind = _kind(item["kind"], name, problems) if "kind" in item else None
    polygon = _polygon(item["polygon"], name, decimals, problems) if "polygon" in item else None
    desk = _desk(item.get("desk"), kind, name, problems)
    anchor, overlap = _membership(item.get("anchor"), item.get("overlap"), kind, name, problems)
    if problems or name is None or kind is None or polygon is None:
        return name, kind, None, problems
    return name, kind, Zone(name, kind, polygon, desk, anchor, overlap), problems


DESK_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def _desk(raw: object, kind: ZoneKind | None, name: str | None, problems: list[ZoneError]) -> str | None:
    if raw is None:
        return None
    if kind in (ZoneKind.EXCLUDE, ZoneKind.MASK):
        problems.append(ZoneError(ZoneRule.DESK, f"a {kind.value} zone belongs to no desk: leave out 'desk'",
                                  loc=("desk",), name=name, value=raw))
        return None
    if not (isinstance(raw, str) and 0 < len(raw) <= 64 and raw[0].isalnum() and set(raw) <= DESK_CODE_CHARS):
        problems.append(ZoneError(ZoneRule.DESK, f"expected a desk code, got {raw!r}", loc=("desk",), name=name,
                                  value=raw))
        return None
    return raw


def _membership(anchor: object, overlap: object, kind: ZoneKind | None, name: str | None,
                problems: list[ZoneError]) -> tuple[Anchor | None, float | None]:
    if anchor is None and overlap is None:
        return None, None
    if kind is ZoneKind.MASK:
        key = "anchor" if anchor is not None else "overlap"
        problems.append(ZoneError(ZoneRule.MEMBERSHIP, "a mask zone counts nobody: leave out anchor and overlap",
                                  loc=(key,), name=name, value=anchor if anchor is not None else overlap))
        return None, None
    if anchor is not None and overlap is not None:
        problems.append(ZoneError(ZoneRule.MEMBERSHIP, "give either anchor or overlap, not both", loc=("overlap",),
                                  name=name, value=overlap))
        return None, None
    if anchor is not None:
        if isinstance(anchor, str) and anchor in {a.value for a in Anchor}:
            return Anchor(anchor), None
        choices = ", ".join(a.value for a in Anchor)
        problems.append(ZoneError(ZoneRule.MEMBERSHIP, f"anchor {anchor!r} is not one of {choices}", loc=("anchor",),
                                  name=name, value=anchor))
        return None, None
    if _is_number(overlap) and 0.0 < float(overlap) <= 1.0:  # type: ignore[arg-type]
        return None, float(overlap)  # type: ignore[arg-type]
    problems.append(ZoneError(ZoneRule.MEMBERSHIP,
                              f"overlap must be a number above 0 and at most 1 (the share of a person's box inside"
                              f" the zone), got {overlap!r}", loc=("overlap",), name=name, value=overlap))
    return None, None


def _name(raw: object, problems: list[ZoneError]) -> str | None:
    if (isinstance(raw, str) and raw.strip() and len(raw.strip()) <= MAX_NAME and "/" not in raw
            and not any(ord(char) < 32 for char in raw)):
        return raw.strip()
    problems.append(ZoneError(
        ZoneRule.NAME, f"must be 1–{MAX_NAME} characters, without '/' or control characters, got {raw!r}",
        loc=("name",), value=raw))
    return None


def _kind(raw: object, name: str | None, problems: list[ZoneError]) -> ZoneKind | None:
    if isinstance(raw, str) and raw in ZONE_KIND_VALUES:
        return ZoneKind(raw)
    choices = ", ".join(k.value for k in ZoneKind)
    problems.append(ZoneError(ZoneRule.KIND, f"{raw!r} is not one of {choices}", loc=("kind",), name=name,
                              value=raw))
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _polygon(raw: object, name: str | None, decimals: int | None,
             problems: list[ZoneError]) -> tuple[tuple[float, float], ...] | None:
    if not isinstance(raw, (list, tuple)):
        problems.append(ZoneError(ZoneRule.POINTS, "expected a list of [x, y] points", loc=("polygon",), name=name,
                                  value=raw))
        return None
    points: list[tuple[float, float]] = []
    before = len(problems)
    for index, point in enumerate(raw):
        at: tuple[str | int, ...] = ("polygon", index)
        if not (isinstance(point, (list, tuple)) and len(point) == 2 and all(_is_number(c) for c in point)):
            problems.append(ZoneError(ZoneRule.POINT, f"expected [x, y] numbers, got {point!r}", loc=at, name=name,
                                      value=point))
            continue
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            problems.append(ZoneError(
                ZoneRule.RANGE, f"{[x, y]} is outside 0..1 (fractions of the frame's width and height)", loc=at,
                name=name, value=[x, y]))
            continue
        points.append((round(x, decimals), round(y, decimals)) if decimals is not None else (x, y))
    if len(problems) > before:
        return None
    if len(points) > 1 and points[-1] == points[0]:
        points.pop()  # a closing point, as GeoJSON writes rings: the polygon closes by itself
    shape = _shape_problem(points)
    if shape is not None:
        rule, message, where = shape
        problems.append(ZoneError(rule, message, loc=where, name=name, value=[list(p) for p in points]))
        return None
    return tuple(points)


def _shape_problem(points: list[tuple[float, float]]) -> tuple[ZoneRule, str, tuple[str | int, ...]] | None:
    """The first rule the outline breaks: too few or too many points, a repeated point, crossing edges, no area."""
    if len(points) < 3:
        return ZoneRule.TOO_FEW_POINTS, f"needs at least 3 points, got {len(points)}", ("polygon",)
    if len(points) > MAX_POINTS:
        return ZoneRule.TOO_MANY_POINTS, f"at most {MAX_POINTS} points, got {len(points)}", ("polygon",)
    for index in range(1, len(points)):
        if points[index] == points[index - 1]:
            return ZoneRule.REPEATED_POINT, f"{list(points[index])} repeats the point before it", ("polygon", index)
    # Before the area: a bow tie's two halves cancel out in the shoelace sum, yet the mistake is the crossing.
    if self_intersects(points):
        return ZoneRule.CROSSING, "edges cross or touch each other (draw the outline in order)", ("polygon",)
    if polygon_area(points) < MIN_AREA:
        return ZoneRule.NO_AREA, "has no area (points collinear or repeated)", ("polygon",)
    return None
