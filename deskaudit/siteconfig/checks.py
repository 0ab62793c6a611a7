"""Cross-reference checks that a single key cannot make: uniqueness, references, cycles."""

from __future__ import annotations

from collections.abc import Iterator

from deskaudit.siteconfig.errors import ConfigIssue
from deskaudit.siteconfig.schema import CameraConfig, DeskConfig, SiteConfig


def iter_desks(site: SiteConfig) -> Iterator[tuple[str, DeskConfig]]:
    for u, unit in enumerate(site.units):
        for d, desk in enumerate(unit.desks):
            yield f"units[{u}].desks[{d}]", desk


def iter_cameras(site: SiteConfig) -> Iterator[tuple[str, CameraConfig]]:
    for desk_path, desk in iter_desks(site):
        for c, camera in enumerate(desk.cameras):
            yield f"{desk_path}.cameras[{c}]", camera


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
    unique(((p, d.id) for p, d in iter_desks(site)), "desk")
    unique(((p, c.id) for p, c in iter_cameras(site)), "camera")
    unique(
        ((f"units[{u}].staff[{s}]", st.id) for u, unit in enumerate(site.units) for s, st in enumerate(unit.staff)),
        "staff",
    )
    # A camera's zones (names unique per camera, among other rules) are checked by vision.zones (schema.py).

    profiles = {p.id for p in site.hours_profiles}
    units = {u.id: u for u in site.units}
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
    issues.extend(_parent_cycles(site))
    for o, override in enumerate(site.overrides):
        if override.unit is not None and override.unit not in units:
            issues.append(ConfigIssue(f"overrides[{o}].unit", "no unit with this id", override.unit, True))
    return issues


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
