"""Cross-reference checks that a single key cannot make: uniqueness, references, cycles."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from deskaudit.siteconfig.errors import ConfigIssue
from deskaudit.siteconfig.schema import CameraConfig, DeskConfig, SiteConfig, UnitConfig, ZoneConfig
from models.enums import ZoneKind
from vision.polygons import points_in_polygon

STAFF_OVERLAP_WARNING = 0.5  # staff zones of two desks sharing more than half of the smaller one


def iter_desks(site: SiteConfig) -> Iterator[tuple[str, DeskConfig]]:
    for u, unit in enumerate(site.units):
        for d, desk in enumerate(unit.desks):
            yield f"units[{u}].desks[{d}]", desk


def iter_cameras(site: SiteConfig) -> Iterator[tuple[str, CameraConfig]]:
    """Every camera with its key path: desk cameras, then each unit's room cameras."""
    for desk_path, desk in iter_desks(site):
        for c, camera in enumerate(desk.cameras):
            yield f"{desk_path}.cameras[{c}]", camera
    for u, unit in enumerate(site.units):
        for c, camera in enumerate(unit.cameras):
            yield f"units[{u}].cameras[{c}]", camera


def zone_desks(site: SiteConfig) -> Iterator[tuple[str, UnitConfig, CameraConfig, ZoneConfig, str | None]]:
    """Every zone with its key path, unit, camera and the desk it belongs to: on a desk camera that desk (for
    staff and queue zones), on a unit camera the zone's ``desk``; ``None`` for exclude and mask zones."""
    for u, unit in enumerate(site.units):
        for d, desk in enumerate(unit.desks):
            for c, camera in enumerate(desk.cameras):
                for z, zone in enumerate(camera.zones):
                    counted = zone.kind in (ZoneKind.STAFF, ZoneKind.QUEUE)
                    yield (f"units[{u}].desks[{d}].cameras[{c}].zones[{z}]", unit, camera, zone,
                           desk.id if counted else None)
        for c, camera in enumerate(unit.cameras):
            for z, zone in enumerate(camera.zones):
                yield f"units[{u}].cameras[{c}].zones[{z}]", unit, camera, zone, zone.desk


def cross_check(site: SiteConfig) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []

    def unique(items, what: str) -> None:
        seen: dict[str, str] = {}
        for path, key in items:
            folded = key.casefold()
            if folded in seen:
                issues.append(ConfigIssue(f"{path}.id", f"duplicate {what} id (first used at {seen[folded]})",
                                          key, True))
            else:
                seen[folded] = path

    unique(((f"hours_profiles[{i}]", p.id) for i, p in enumerate(site.hours_profiles)), "hours profile")
    unique(((f"units[{i}]", u.id) for i, u in enumerate(site.units)), "unit")
    unique(((f"agencies[{i}]", a.id) for i, a in enumerate(site.agencies)), "agency")
    unique(((f"scoring.groups[{i}]", g.id) for i, g in enumerate(site.scoring.groups)), "task group")
    unique(((p, d.id) for p, d in iter_desks(site)), "desk")
    unique(((p, c.id) for p, c in iter_cameras(site)), "camera")
    unique(
        ((f"units[{u}].staff[{s}]", st.id) for u, unit in enumerate(site.units) for s, st in enumerate(unit.staff)),
        "staff",
    )
    # A camera's zones (names unique per camera, among other rules) are checked by vision.zones (schema.py).

    profiles = {p.id for p in site.hours_profiles}
    units = {u.id: u for u in site.units}
    agencies = {a.id for a in site.agencies}
    if site.site.hours_profile and site.site.hours_profile not in profiles:
        issues.append(ConfigIssue("site.hours_profile", "no hours profile with this id", site.site.hours_profile, True))
    for i, unit in enumerate(site.units):
        if unit.parent is not None and unit.parent not in units:
            issues.append(ConfigIssue(f"units[{i}].parent", "no unit with this id", unit.parent, True))
        if unit.hours_profile and unit.hours_profile not in profiles:
            issues.append(ConfigIssue(f"units[{i}].hours_profile", "no hours profile with this id",
                                      unit.hours_profile, True))
        desk_ids = {d.id for d in unit.desks}
        for d, desk in enumerate(unit.desks):
            if desk.hours_profile and desk.hours_profile not in profiles:
                issues.append(
                    ConfigIssue(f"units[{i}].desks[{d}].hours_profile", "no hours profile with this id",
                                desk.hours_profile, True)
                )
            if not (desk.hours_profile or unit.hours_profile or site.site.hours_profile):
                issues.append(
                    ConfigIssue(
                        f"units[{i}].desks[{d}]",
                        "no working hours: set hours_profile on the desk, its unit or [site]",
                    )
                )
        for s, staff in enumerate(unit.staff):
            if staff.desk is not None and staff.desk not in desk_ids:
                issues.append(ConfigIssue(f"units[{i}].staff[{s}].desk", f"no desk with this id in unit {unit.id}",
                                          staff.desk, True))
            if staff.agency is not None and staff.agency not in agencies:
                issues.append(ConfigIssue(f"units[{i}].staff[{s}].agency", "no sending agency with this id in "
                                          "[[agencies]]", staff.agency, True))
    issues.extend(_group_issues(site))
    issues.extend(_zone_desk_issues(site))
    issues.extend(_parent_cycles(site))
    for o, override in enumerate(site.overrides):
        if override.unit is not None and override.unit not in units:
            issues.append(ConfigIssue(f"overrides[{o}].unit", "no unit with this id", override.unit, True))
    return issues


def _group_issues(site: SiteConfig) -> list[ConfigIssue]:
    """An official is in one task group at most."""
    issues = []
    first: dict[str, str] = {}
    for g, group in enumerate(site.scoring.groups):
        for s, code in enumerate(group.staff):
            path = f"scoring.groups[{g}].staff[{s}]"
            if code in first:
                issues.append(ConfigIssue(path, f"already in a task group at {first[code]}: an official counts "
                                          "in one group of the 20 % cap", code, True))
                continue
            first[code] = path
    return issues


def _zone_desk_issues(site: SiteConfig) -> list[ConfigIssue]:
    """A unit camera's staff and queue zones each name a desk of that unit; a desk camera's zones are its own."""
    issues = []
    own_desk = {c.id: d.id for _, d in iter_desks(site) for c in d.cameras}
    for path, unit, camera, zone, desk in zone_desks(site):
        desks = {d.id for d in unit.desks}
        counted = zone.kind in (ZoneKind.STAFF, ZoneKind.QUEUE)
        if camera.id in own_desk:
            if zone.desk is not None and zone.desk != own_desk[camera.id]:
                issues.append(ConfigIssue(f"{path}.desk", f"a desk camera's zones belong to its desk "
                                          f"{own_desk[camera.id]}: leave out 'desk', or move the camera to "
                                          f"[[units.cameras]]", zone.desk, True))
            continue
        if counted and desk is None:
            issues.append(ConfigIssue(f"{path}.desk", f"required on a unit camera: the desk of unit {unit.id} this "
                                      f"{zone.kind.value} zone belongs to"))
        elif counted and desk not in desks:
            elsewhere = next((u.id for u in site.units for d in u.desks if d.id == desk), None)
            why = f"desk {desk} belongs to unit {elsewhere}, not {unit.id}" if elsewhere else \
                f"no desk with this id in unit {unit.id}"
            issues.append(ConfigIssue(f"{path}.desk", why, desk, True))
    return issues


def cross_warnings(site: SiteConfig) -> list[str]:
    """What is allowed but probably wrong (``config check`` prints it and exits 0):

    - a desk that cameras film but that has no staff zone on any of them (its presence stays unknown);
    - staff zones of two desks on one camera that share more than half of the smaller one;
    - a task group member the file does not list (fine when a staff list import brings them).
    """
    warnings = []
    listed = {st.id for unit in site.units for st in unit.staff}
    for g, group in enumerate(site.scoring.groups):
        for s, code in enumerate(group.staff):
            if code not in listed:
                warnings.append(f"scoring.groups[{g}].staff[{s}]: no staff {code!r} in this file; it must come "
                                "from a staff list import, or the group does not count them")
    filmed: dict[str, list[str]] = {}  # desk → key paths of the cameras that film it
    staffed: set[str] = set()
    for desk_path, desk in iter_desks(site):
        for c in range(len(desk.cameras)):
            filmed.setdefault(desk.id, []).append(f"{desk_path}.cameras[{c}]")
    staff_zones: dict[tuple[str, str], list[tuple[str, str, ZoneConfig]]] = {}  # (camera path) → zones
    for path, _unit, camera, zone, desk in zone_desks(site):
        if desk is None:
            continue
        camera_path = path.rsplit(".zones[", 1)[0]
        if camera_path not in filmed.setdefault(desk, []):
            filmed[desk].append(camera_path)
        if zone.kind is ZoneKind.STAFF:
            staffed.add(desk)
            staff_zones.setdefault((camera_path, camera.id), []).append((path, desk, zone))
    for desk, cameras in filmed.items():
        if cameras and desk not in staffed:
            warnings.append(f"desk {desk}: filmed by {', '.join(cameras)} but no staff zone on any of them "
                            f"(its presence stays unknown until one is drawn)")
    for (_camera_path, camera_id), zones in staff_zones.items():
        for i, (path_a, desk_a, zone_a) in enumerate(zones):
            for path_b, desk_b, zone_b in zones[i + 1:]:
                if desk_a == desk_b:
                    continue
                share = shared_share(zone_a.polygon, zone_b.polygon)
                if share > STAFF_OVERLAP_WARNING:
                    warnings.append(f"{path_a} and {path_b}: staff zones of desks {desk_a} and {desk_b} on camera "
                                    f"{camera_id} share {share:.0%} of the smaller one (a person there counts for "
                                    f"one desk only)")
    return warnings


def shared_share(a: list[tuple[float, float]], b: list[tuple[float, float]], grid: int = 200) -> float:
    """The part of the smaller polygon that the other covers, estimated on a ``grid``×``grid`` lattice of the
    frame (a 0.5 % step: plenty for a warning)."""
    steps = (np.arange(grid) + 0.5) / grid
    points = np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 2)
    in_a, in_b = points_in_polygon(points, a), points_in_polygon(points, b)
    smaller = min(int(in_a.sum()), int(in_b.sum()))
    return 0.0 if smaller == 0 else float((in_a & in_b).sum()) / smaller


def _parent_cycles(site: SiteConfig) -> list[ConfigIssue]:
    parents = {u.id: u.parent for u in site.units}
    issues = []
    for i, unit in enumerate(site.units):
        seen = {unit.id}
        current = unit.parent
        while current is not None and current in parents:
            if current in seen:
                issues.append(ConfigIssue(f"units[{i}].parent", "units form a cycle of parents", unit.parent, True))
                break
            seen.add(current)
            current = parents[current]
    return issues
