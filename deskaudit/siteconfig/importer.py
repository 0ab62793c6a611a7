"""Import a validated site config into the database: idempotent upsert with a change log.

Rows are matched by their codes. A value is written only when it differs, so
importing the same file twice changes nothing at all. Units, desks, cameras,
zones and staff that left the file are deactivated, never deleted: their history
stays. Every change is one ``ChangeLog`` row; credentials appear there only as
``"<changed>"``.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.services.zone_review import flag_for_review
from deskaudit.siteconfig.checks import iter_cameras
from deskaudit.siteconfig.schema import DEFAULT_ALERTS, Alerts, SiteConfig, parse_hhmm
from models import (
    Agency,
    AlertThreshold,
    Camera,
    ChangeLog,
    Desk,
    HoursOverride,
    HoursProfile,
    HoursSession,
    InspectionSettings,
    ScoringSettings,
    Staff,
    Unit,
    VisionSettings,
    Zone,
)
from models.enums import ChangeAction, ZoneKind
from vision.urls import resolve_file_url, split_credentials

WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
SECRET_FIELDS = frozenset({"username", "password"})
ALERT_FIELDS = tuple(Alerts.model_fields)


@dataclass
class ImportReport:
    """What an import changed, counted by entity type and action."""

    counts: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{entity}: {action} {n}" for (entity, action), n in sorted(self.counts.items())]


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value for the change log."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Importer:
    def __init__(self, session: Session, site: SiteConfig, *, actor: str, base_dir: Path, now: datetime):
        self.session = session
        self.site = site
        self.actor = actor
        self.base_dir = base_dir
        self.now = now
        self.report = ImportReport()
        self._created: dict[tuple[str, str], ChangeLog] = {}

    # -- change log ---------------------------------------------------------------------------
    def log(self, entity: str, key: str, action: ChangeAction, changes: dict | None, decision: str | None = None):
        if changes:
            changes = {
                name: ("<changed>" if name in SECRET_FIELDS else [_plain(before), _plain(after)])
                for name, (before, after) in changes.items()
            }
        created = self._created.get((entity, key))
        if created is not None and action is ChangeAction.UPDATE:  # part of the same creation
            created.changes = {**(created.changes or {}), **(changes or {})}
            return
        entry = ChangeLog(
            at=self.now,
            actor=self.actor,
            source="config import",
            entity_type=entity,
            entity_key=key,
            action=action,
            changes=changes,
            decision_ref=decision,
        )
        self.session.add(entry)
        if action is ChangeAction.CREATE:
            self._created[(entity, key)] = entry
        self.report.counts[(entity, action.value)] += 1

    def upsert(self, model, entity: str, key: str, lookup: dict, desired: dict, decision: str | None = None):
        """Create the row or set only the fields that differ; log what happened."""
        row = self.session.scalars(select(model).filter_by(**lookup)).one_or_none()
        if row is None:
            row = model(**lookup, **desired)
            self.session.add(row)
            self.session.flush()
            self.log(entity, key, ChangeAction.CREATE, {k: (None, v) for k, v in desired.items() if v is not None},
                     decision)
            return row
        changes = {name: (getattr(row, name), value) for name, value in desired.items() if getattr(row, name) != value}
        if changes:
            for name, (_, value) in changes.items():
                setattr(row, name, value)
            action = ChangeAction.REACTIVATE if changes.get("active") == (False, True) else ChangeAction.UPDATE
            self.log(entity, key, action, changes, decision)
        return row

    def deactivate_missing(self, model, entity: str, keep_ids: set[int], key_of) -> None:
        for row in self.session.scalars(select(model).where(model.active.is_(True))):
            if row.id not in keep_ids:
                row.active = False
                self.log(entity, key_of(row), ChangeAction.DEACTIVATE, {"active": (True, False)})

    # -- entities -----------------------------------------------------------------------------
    def hours_profiles(self) -> dict[str, int]:
        ids = {}
        for cfg in self.site.hours_profiles:
            profile = self.upsert(
                HoursProfile,
                "hours_profile",
                cfg.id,
                {"code": cfg.id},
                {
                    "name": cfg.name, "timezone": cfg.timezone, "decision_ref": cfg.decision,
                    "effective_from": cfg.effective_from,
                },
                cfg.decision,
            )
            self._sync_sessions(profile, cfg)
            ids[cfg.id] = profile.id
        return ids

    def _sync_sessions(self, profile: HoursProfile, cfg) -> None:
        """The config's sessions become the rows of the decision in force from its ``effective_from``.

        A decision already stored with that date is corrected in place; a new date adds a decision and keeps the
        earlier ones, so the days before it are still audited with the hours in force then.
        """
        desired = set()
        for season in cfg.seasons:
            for day in season.weekdays:
                for start, end in season.sessions:
                    desired.add((season.name, season.from_, season.to, WEEKDAY_INDEX[day],
                                 parse_hhmm(start), parse_hhmm(end), False))
            for start, end in season.saturday_sessions:
                desired.add((season.name, season.from_, season.to, 5, parse_hhmm(start), parse_hhmm(end), True))
        version = [s for s in profile.sessions if s.effective_from == cfg.effective_from]
        current = {
            (s.season, s.season_from, s.season_to, s.weekday, s.start_time, s.end_time, s.flagged_desks_only): s
            for s in version
        }
        if set(current) == desired:
            for row in version:
                if row.decision_ref != cfg.decision:
                    row.decision_ref = cfg.decision
            return
        for key, row in current.items():
            if key not in desired:
                profile.sessions.remove(row)
        self.session.flush()
        for row in current.values():
            row.decision_ref = cfg.decision
        for key in sorted(desired - set(current)):
            season, start_md, end_md, weekday, start, end, flagged = key
            profile.sessions.append(
                HoursSession(
                    season=season, season_from=start_md, season_to=end_md, weekday=weekday,
                    start_time=start, end_time=end, flagged_desks_only=flagged,
                    effective_from=cfg.effective_from, decision_ref=cfg.decision,
                )
            )

        def describe(keys):
            return sorted(f"{k[0]} {k[1]}..{k[2]} wd{k[3]} {k[4]:%H:%M}-{k[5]:%H:%M}{' (sat desks)' if k[6] else ''}"
                          for k in keys)

        changes = {"sessions": (describe(current), describe(desired))}
        if cfg.effective_from is not None:
            changes["sessions_effective_from"] = (None, cfg.effective_from.isoformat())
        self.log("hours_profile", profile.code, ChangeAction.UPDATE, changes, cfg.decision)

    def units(self, profiles: dict[str, int]) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        for cfg in self.site.units:  # parents first so children can point at them
            units[cfg.id] = self.upsert(
                Unit, "unit", cfg.id, {"code": cfg.id},
                {
                    "name": cfg.name, "level": cfg.level, "timezone": cfg.timezone, "address": cfg.address,
                    "place_name": cfg.place_name, "superior": cfg.superior, "inspecting_body": cfg.inspecting_body,
                    "hours_profile_id": profiles.get(cfg.hours_profile or self.site.site.hours_profile or ""),
                    "active": True,
                },
            )
        for cfg in self.site.units:
            parent_id = units[cfg.parent].id if cfg.parent else None
            row = units[cfg.id]
            if row.parent_id != parent_id:
                self.log("unit", cfg.id, ChangeAction.UPDATE,
                         {"parent": (row.parent.code if row.parent else None, cfg.parent)})
                row.parent_id = parent_id
        self.session.flush()
        self.deactivate_missing(Unit, "unit", {u.id for u in units.values()}, lambda r: r.code)
        return units

    def desks(self, units: dict[str, Unit], profiles: dict[str, int]) -> dict[str, Desk]:
        desks: dict[str, Desk] = {}
        for unit_cfg in self.site.units:
            for cfg in unit_cfg.desks:
                desks[cfg.id] = self.upsert(
                    Desk, "desk", cfg.id, {"code": cfg.id},
                    {
                        "unit_id": units[unit_cfg.id].id, "name": cfg.name, "field": cfg.field,
                        "hours_profile_id": profiles.get(cfg.hours_profile or ""),
                        "saturday_reception": cfg.saturday_reception, "active": True,
                    },
                )
        self.deactivate_missing(Desk, "desk", {d.id for d in desks.values()}, lambda r: r.code)
        return desks

    def cameras_and_zones(self, units: dict[str, Unit], desks: dict[str, Desk]) -> None:
        keep_cameras, keep_zones = set(), set()
        desk_of_camera = {c.id: d.id for u in self.site.units for d in u.desks for c in d.cameras}
        unit_of_camera = {c.id: u.id for u in self.site.units for c in [*u.cameras, *(c for d in u.desks
                                                                                     for c in d.cameras)]}
        for _, cfg in iter_cameras(self.site):
            url, user, password = split_credentials(resolve_file_url(cfg.url, self.base_dir))
            own_desk = desk_of_camera.get(cfg.id)
            health = cfg.health.model_dump(exclude_none=True) if cfg.health is not None else None
            options = {k: v for k, v in {"keep_open": cfg.keep_open or None, "rtsp_transport": cfg.rtsp_transport,
                                         "verify_tls": False if not cfg.verify_tls else None}.items()
                       if v is not None}
            camera = self.upsert(
                Camera, "camera", cfg.id, {"code": cfg.id},
                {
                    "unit_id": units[unit_of_camera[cfg.id]].id,
                    "desk_id": desks[own_desk].id if own_desk else None, "name": cfg.name or cfg.id,
                    "source_url": url, "username": cfg.username or user, "password": cfg.password or password,
                    "cadence_seconds": cfg.cadence_seconds, "enabled": cfg.enabled, "purpose": cfg.purpose,
                    "health_overrides": health or None, "stream_options": options or None, "active": True,
                    "managed_by": "config",
                },
            )
            keep_cameras.add(camera.id)
            if not cfg.zones:  # none in the file: the zones drawn in the zone editor stay
                keep_zones.update(z.id for z in camera.zones if z.active)
            for zone_cfg in cfg.zones:
                counted = zone_cfg.kind in (ZoneKind.STAFF, ZoneKind.QUEUE)
                desk_code = (zone_cfg.desk or own_desk) if counted else None
                keep_zones.add(self._zone(camera, zone_cfg, desks[desk_code].id if desk_code else None).id)
        # Cameras added on the cameras page are not the file's to remove, nor are their zones.
        web = self.session.scalars(select(Camera).where(Camera.managed_by == "web", Camera.active.is_(True))).all()
        keep_cameras.update(c.id for c in web)
        keep_zones.update(z.id for c in web for z in c.zones if z.active)
        self.deactivate_missing(Camera, "camera", keep_cameras, lambda r: r.code)
        self.deactivate_missing(Zone, "zone", keep_zones, lambda r: f"{r.camera.code}/{r.name}")

    def _zone(self, camera: Camera, cfg, desk_id: int | None) -> Zone:
        polygon = [[float(x), float(y)] for x, y in cfg.polygon]
        key = f"{camera.code}/{cfg.name}"
        zone = self.session.scalars(select(Zone).filter_by(camera_id=camera.id, name=cfg.name)).one_or_none()
        rule = {"desk_id": desk_id, "anchor": cfg.anchor, "overlap": cfg.overlap}
        if zone is None:
            zone = Zone(camera_id=camera.id, name=cfg.name, kind=cfg.kind, polygon=polygon, version=1,
                        changed_by=self.actor, changed_at=self.now, active=True, **rule)
            self.session.add(zone)
            self.session.flush()
            self.log("zone", key, ChangeAction.CREATE, {"kind": (None, cfg.kind), "polygon": (None, polygon),
                                                        **{n: (None, v) for n, v in rule.items() if v is not None}})
            return zone
        changes = {n: (getattr(zone, n), v) for n, v in (("kind", cfg.kind), ("polygon", polygon), *rule.items(),
                                                         ("active", True))
                   if getattr(zone, n) != v}
        if changes:
            for name, (_, value) in changes.items():
                setattr(zone, name, value)
            zone.version += 1
            zone.changed_by, zone.changed_at = self.actor, self.now
            flag_for_review(self.session, zone, now=self.now, actor=self.actor)
            action = ChangeAction.REACTIVATE if changes.get("active") == (False, True) else ChangeAction.UPDATE
            self.log("zone", key, action, changes)
        return zone

    def agencies(self) -> dict[str, Agency]:
        rows, keep = {}, set()
        for cfg in self.site.agencies:
            rows[cfg.id] = self.upsert(Agency, "agency", cfg.id, {"code": cfg.id}, {"name": cfg.name, "active": True})
            keep.add(rows[cfg.id].id)
        self.deactivate_missing(Agency, "agency", keep, lambda r: r.code)
        return rows

    def staff(self, units: dict[str, Unit], desks: dict[str, Desk], agencies: dict[str, Agency]) -> None:
        keep = set()
        for unit_cfg in self.site.units:
            for cfg in unit_cfg.staff:
                row = self.upsert(
                    Staff, "staff", cfg.id, {"code": cfg.id},
                    {
                        "unit_id": units[unit_cfg.id].id, "full_name": cfg.name, "title": cfg.title, "email": cfg.email,
                        "default_desk_id": desks[cfg.desk].id if cfg.desk else None, "category": cfg.category,
                        "agency_id": agencies[cfg.agency].id if cfg.agency else None, "is_leader": cfg.leader,
                        "active": True, "managed_by": "config",
                    },
                )
                keep.add(row.id)
        # People from a staff list import or edited on the staff page are not the file's to remove.
        keep.update(self.session.scalars(select(Staff.id).where(Staff.managed_by.in_(("import", "web")),
                                                                Staff.active.is_(True))))
        self.deactivate_missing(Staff, "staff", keep, lambda r: r.code)

    def thresholds(self, units: dict[str, Unit], desks: dict[str, Desk]) -> None:
        site_values = DEFAULT_ALERTS.model_copy(update=self.site.alerts.model_dump(exclude_none=True))
        wanted: dict[tuple[int | None, int | None], tuple[str, Alerts]] = {(None, None): ("site", site_values)}
        for unit_cfg in self.site.units:
            if unit_cfg.alerts is not None:
                wanted[(units[unit_cfg.id].id, None)] = (f"unit {unit_cfg.id}", unit_cfg.alerts)
            for desk_cfg in unit_cfg.desks:
                if desk_cfg.alerts is not None:
                    wanted[(None, desks[desk_cfg.id].id)] = (f"desk {desk_cfg.id}", desk_cfg.alerts)
        for (unit_id, desk_id), (key, values) in wanted.items():
            self.upsert(AlertThreshold, "alert_thresholds", key, {"unit_id": unit_id, "desk_id": desk_id},
                        {name: getattr(values, name) for name in ALERT_FIELDS})
        for row in self.session.scalars(select(AlertThreshold)):
            if (row.unit_id, row.desk_id) not in wanted:
                self.log("alert_thresholds", f"unit_id={row.unit_id} desk_id={row.desk_id}", ChangeAction.DELETE, None)
                self.session.delete(row)

    def vision_settings(self) -> None:
        """The ``[vision]`` table, stored whole for the sampler (it reads it at every reconcile)."""
        config = self.site.vision.model_dump(mode="json")
        weights = config["detector"].get("weights")
        if weights and not Path(weights).is_absolute():  # relative to the config file, like file: camera URLs
            config["detector"]["weights"] = str((self.base_dir / weights).resolve())
        self._settings_row(VisionSettings, "vision_settings", config)

    def scoring_settings(self) -> None:
        """The ``[scoring]`` table, stored whole: scores computed in the web or the CLI read it."""
        self._settings_row(ScoringSettings, "scoring_settings", self.site.scoring.model_dump(mode="json"))

    def inspection_settings(self) -> None:
        """The ``[inspection]`` table, stored whole: every inspection record printed later reads it."""
        self._settings_row(InspectionSettings, "inspection_settings", self.site.inspection.model_dump(mode="json"))

    def _settings_row(self, model: type[VisionSettings] | type[ScoringSettings] | type[InspectionSettings],
                      kind: str, config: dict[str, Any]) -> None:
        """Store a whole settings table in its single row (id 1), logging what changed."""
        row = self.session.get(model, 1)
        if row is None:
            self.session.add(model(id=1, config=config, changed_at=self.now, changed_by=self.actor))
            self.log(kind, "site", ChangeAction.CREATE, {"config": (None, config)})
        elif row.config != config:
            changes = {key: (row.config.get(key), value) for key, value in config.items()
                       if row.config.get(key) != value}
            row.config, row.changed_at, row.changed_by = config, self.now, self.actor
            self.log(kind, "site", ChangeAction.UPDATE, changes)

    def overrides(self, units: dict[str, Unit]) -> None:
        wanted = set()
        for cfg in self.site.overrides:
            unit_id = units[cfg.unit].id if cfg.unit else None
            sessions = [list(s) for s in cfg.sessions] if cfg.sessions else None
            row = self.upsert(
                HoursOverride, "hours_override", f"{cfg.unit or '*'} {cfg.day} {cfg.kind.value}",
                {"unit_id": unit_id, "day": cfg.day, "kind": cfg.kind},
                {
                    "sessions": sessions, "decision_ref": cfg.decision, "effective_from": cfg.effective_from,
                    "note": cfg.note,
                },
                cfg.decision,
            )
            wanted.add(row.id)
        for row in self.session.scalars(select(HoursOverride)):
            if row.id not in wanted:
                self.log("hours_override", f"{row.unit_id or '*'} {row.day} {row.kind.value}", ChangeAction.DELETE,
                         None)
                self.session.delete(row)

    def run(self) -> ImportReport:
        profiles = self.hours_profiles()
        units = self.units(profiles)
        desks = self.desks(units, profiles)
        self.cameras_and_zones(units, desks)
        self.vision_settings()
        self.scoring_settings()
        self.inspection_settings()
        self.staff(units, desks, self.agencies())
        self.thresholds(units, desks)
        self.overrides(units)
        self.session.flush()
        return self.report


def import_site(session: Session, site: SiteConfig, *, actor: str, base_dir: Path, now: datetime) -> ImportReport:
    """Upsert ``site`` into the database inside the caller's transaction."""
    return _Importer(session, site, actor=actor, base_dir=base_dir, now=now).run()
