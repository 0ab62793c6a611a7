"""The zone editor's data: the zones a camera's editor sends, checked by the one set of zone rules
(``vision.zones``) and by the desk rules of the camera (a room camera's staff and queue zones name a desk of its
unit; a desk camera's zones are its desk's), then written with their versions and the change log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.services.coverage import desks_of_cameras
from audit.services.zone_review import flag_zones
from models.access import ChangeLog
from models.enums import ChangeAction, ZoneKind
from models.org import Camera, Desk, Zone
from vision.zones import ZoneError, ZoneRule, zone_set

COUNTED = (ZoneKind.STAFF, ZoneKind.QUEUE)


class ZoneInputError(ValueError):
    """The zones sent by the editor are not acceptable; the message is for the user."""


@dataclass(frozen=True)
class ZoneInput:
    name: str
    kind: ZoneKind
    polygon: list[list[float]]
    desk_id: int | None = None
    anchor: str | None = None
    overlap: float | None = None


def desk_choices(session: Session, camera: Camera) -> list[dict]:
    """The desks a zone of ``camera`` may belong to: its own desk, or (a room camera) the active desks of its unit,
    each with its colour index in the editor."""
    if camera.desk_id is not None:
        desks = [camera.desk] if camera.desk is not None else []
    else:
        desks = list(session.scalars(select(Desk).where(Desk.unit_id == camera.unit_id, Desk.active.is_(True))
                                     .order_by(Desk.code)))
    return [{"id": d.id, "code": d.code, "name": d.name, "colour": i % 8} for i, d in enumerate(desks)]


def desks_filmed(session: Session, camera_ids: Iterable[int]) -> dict[int, list[Desk]]:
    """Per camera id, the desks it films (its own, and those its staff and queue zones name), by code."""
    ids = desks_of_cameras(session, camera_ids)
    wanted = {d for found in ids.values() for d in found}
    desks = {d.id: d for d in session.scalars(select(Desk).where(Desk.id.in_(wanted)))} if wanted else {}
    found: dict[int, list[Desk]] = defaultdict(list)
    for camera_id, desk_ids in ids.items():
        found[camera_id] = sorted((desks[d] for d in desk_ids if d in desks), key=lambda d: d.code)
    return found


def zone_json(zone: Zone) -> dict:
    """A stored zone as the editor draws it."""
    return {"name": zone.name, "kind": zone.kind.value, "polygon": zone.polygon,
            "desk": zone.desk.code if zone.desk is not None else None, "anchor": zone.anchor,
            "overlap": zone.overlap}


def parse_zones(payload: object, camera: Camera | None = None,
                desks: list[dict] | None = None) -> tuple[list[ZoneInput], str | None]:
    """Validate ``{"zones": [{"name", "kind", "polygon", "desk"?, "anchor"?, "overlap"?}], "note"}``: every rule,
    before anything is written. ``camera`` and ``desks`` (``desk_choices``) give the desk rules; without them the
    zones are a desk camera's, naming no desk."""
    if not isinstance(payload, dict) or not isinstance(payload.get("zones"), list):
        raise ZoneInputError(_("Dữ liệu gửi lên phải có danh sách “zones”."))
    unknown = sorted(set(payload) - {"zones", "note"})
    if unknown:
        raise ZoneInputError(_("Khoá không hợp lệ: %(keys)s.", keys=", ".join(map(str, unknown))))
    note = payload.get("note")
    if note is not None and not isinstance(note, str):
        raise ZoneInputError(_("Ghi chú phải là văn bản."))
    room = camera is not None and camera.desk_id is None
    try:  # the one set of zone rules (vision/zones.py); a room camera needs no staff zone for every desk
        checked = zone_set(payload["zones"], decimals=4, require_staff=not room)
    except ZoneError as error:
        raise ZoneInputError(_zone_message(error)) from None
    by_code = {d["code"]: d["id"] for d in desks or []}
    zones = []
    for zone in checked.zones:
        kind = ZoneKind(zone.kind.value)
        desk_id = None
        if kind in COUNTED:
            if room:
                if zone.desk is None:
                    raise ZoneInputError(_("Vùng “%(name)s”: camera phòng cần chọn quầy cho vùng cán bộ và vùng "
                                           "chờ.", name=zone.name))
                if zone.desk not in by_code:
                    raise ZoneInputError(_("Vùng “%(name)s”: quầy “%(desk)s” không thuộc đơn vị của camera.",
                                           name=zone.name, desk=zone.desk))
                desk_id = by_code[zone.desk]
            else:
                own = camera.desk_id if camera is not None else None
                if zone.desk is not None and by_code.get(zone.desk) != own:
                    raise ZoneInputError(_("Vùng “%(name)s”: vùng của camera quầy thuộc chính quầy đó; không "
                                           "chọn quầy “%(desk)s”.", name=zone.name, desk=zone.desk))
                desk_id = own
        zones.append(ZoneInput(zone.name, kind, [list(p) for p in zone.polygon], desk_id,
                               zone.anchor.value if zone.anchor else None, zone.overlap))
    return zones, (note.strip()[:1000] or None) if note else None


def _zone_message(error: ZoneError) -> str:
    """What the editor says about the first rule a zone broke (``error.loc`` is ``(zone, "polygon", point)``)."""
    loc, rule = error.loc, error.rule
    number = loc[0] + 1 if loc and isinstance(loc[0], int) else 0
    name = error.name or str(number)
    index = loc[2] + 1 if len(loc) > 2 and isinstance(loc[2], int) else 0
    if rule is ZoneRule.MISSING_KEYS:
        rule = {"name": ZoneRule.NAME, "kind": ZoneRule.KIND}.get(error.keys[0], ZoneRule.POINTS)
    if rule is ZoneRule.ENTRY:
        return _("Vùng số %(number)d không hợp lệ.", number=number)
    if rule is ZoneRule.UNKNOWN_KEYS:
        return _("Khoá không hợp lệ: %(keys)s.", keys=", ".join(error.keys))
    if rule is ZoneRule.NAME:
        return _("Vùng số %(number)d: tên phải có 1–64 ký tự, không chứa “/”.", number=number)
    if rule is ZoneRule.KIND:
        return _("Vùng “%(name)s”: loại phải là staff, queue hoặc exclude, hoặc mask (vùng che khi lưu ảnh).",
                 name=name)
    if rule is ZoneRule.DESK:
        return _("Vùng “%(name)s”: vùng loại trừ và vùng che không thuộc quầy nào; bỏ chọn quầy.", name=name)
    if rule is ZoneRule.MEMBERSHIP:
        return _("Vùng “%(name)s”: quy tắc tính người không hợp lệ (điểm neo bottom hoặc center, hoặc tỉ lệ "
                 "chồng lấn lớn hơn 0 và tối đa 1; chỉ chọn một).", name=name)
    if rule is ZoneRule.POINTS:
        return _("Vùng “%(name)s”: thiếu danh sách điểm.", name=name)
    if rule is ZoneRule.POINT:
        return _("Vùng “%(name)s”, điểm %(index)d: cần hai số [x, y].", name=name, index=index)
    if rule is ZoneRule.RANGE:
        return _("Vùng “%(name)s”, điểm %(index)d: toạ độ phải nằm trong 0..1.", name=name, index=index)
    if rule is ZoneRule.TOO_FEW_POINTS:
        count = len(error.value) if isinstance(error.value, list) else 0
        return _("Vùng “%(name)s”: cần ít nhất 3 điểm (hiện có %(count)d).", name=name, count=count)
    if rule is ZoneRule.TOO_MANY_POINTS:
        return _("Vùng “%(name)s”: tối đa 100 điểm.", name=name)
    if rule is ZoneRule.REPEATED_POINT:
        return _("Vùng “%(name)s”: điểm %(index)d trùng điểm liền trước.", name=name, index=index)
    if rule is ZoneRule.CROSSING:
        return _("Vùng “%(name)s”: các cạnh của đa giác cắt nhau.", name=name)
    if rule is ZoneRule.NO_AREA:
        return _("Vùng “%(name)s”: đa giác không có diện tích (các điểm thẳng hàng).", name=name)
    if rule is ZoneRule.DUPLICATE_NAME:
        return _("Tên vùng “%(name)s” bị trùng.", name=name)
    if rule is ZoneRule.TOO_MANY_ZONES:
        return _("Một camera có tối đa 20 vùng.")
    if rule is ZoneRule.NO_STAFF_ZONE:
        return _("Cần ít nhất một vùng cán bộ (staff).")
    return _("Dữ liệu gửi lên phải có danh sách “zones”.")  # ZoneRule.LIST: checked above already


def save_zones(session: Session, camera: Camera, zones: list[ZoneInput], *, actor: str, note: str | None,
               now: datetime) -> list[ChangeLog]:
    """Write the camera's zones: changed ones get version + 1, missing ones go inactive; one log row each."""
    existing = {z.name: z for z in session.scalars(select(Zone).where(Zone.camera_id == camera.id))}
    logged = []

    def log(name: str, action: ChangeAction, changes: dict) -> None:
        entry = ChangeLog(at=now, actor=actor, source="web", entity_type="zone", entity_key=f"{camera.code}/{name}",
                          action=action, changes={k: [_plain(b), _plain(a)] for k, (b, a) in changes.items()},
                          note=note)
        session.add(entry)
        logged.append(entry)

    for wanted in zones:
        row = existing.get(wanted.name)
        rule = {"desk_id": wanted.desk_id, "anchor": wanted.anchor, "overlap": wanted.overlap}
        if row is None:
            session.add(Zone(camera_id=camera.id, name=wanted.name, kind=wanted.kind, polygon=wanted.polygon,
                             version=1, changed_by=actor, changed_at=now, active=True, **rule))
            log(wanted.name, ChangeAction.CREATE, {"kind": (None, wanted.kind), "polygon": (None, wanted.polygon),
                                                   **{k: (None, v) for k, v in rule.items() if v is not None}})
            continue
        desired = (("kind", wanted.kind), ("polygon", wanted.polygon), *rule.items(), ("active", True))
        changes = {name: (getattr(row, name), value) for name, value in desired if getattr(row, name) != value}
        if changes:
            _apply(row, changes, actor, now)
            log(row.name, ChangeAction.REACTIVATE if "active" in changes else ChangeAction.UPDATE, changes)
    kept = {z.name for z in zones}
    for row in existing.values():
        if row.active and row.name not in kept:
            _apply(row, {"active": (True, False)}, actor, now)
            log(row.name, ChangeAction.DEACTIVATE, {"active": (True, False), "polygon": (row.polygon, None)})
    flag_zones(session, existing.values(), now=now, actor=actor)  # open findings made under older versions
    session.flush()
    return logged


def _apply(row: Zone, changes: dict, actor: str, now: datetime) -> None:
    for name, (_before, after) in changes.items():
        setattr(row, name, after)
    row.version += 1
    row.changed_by, row.changed_at = actor, now


def _plain(value):
    return value.value if isinstance(value, ZoneKind) else value
