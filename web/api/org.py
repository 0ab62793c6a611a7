"""Cameras through the API: what each watches, how often, and its latest health. Never credentials or URLs."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from audit.services.coverage import desk_cameras, desks_of_cameras
from models.enums import CameraHealth, ZoneKind
from models.observing import Observation
from models.org import Camera, Desk, Unit, Zone
from web.api import bp, page_args, page_of, paginated, total_of
from web.api.common import (
    BOOL,
    INT,
    OPT_NUM,
    OPT_STR,
    OPT_TIME,
    STR,
    TIME,
    arg,
    arg_units,
    enum_schema,
    id_param,
    iso,
    obj,
    query_param,
    scoped,
    unit_codes,
    value_of,
    visible_desk,
)
from web.api.openapi import document
from web.db import get_session

CAMERA = obj({"id": INT, "code": STR, "name": STR, "desk_code": OPT_STR, "unit_code": STR,
              "desks": {"type": "array", "items": STR}, "enabled": BOOL,
              "active": BOOL, "cadence_seconds": INT, "purpose": STR,
              "health": enum_schema(CameraHealth, nullable=True), "health_at": OPT_TIME})
ZONE = obj({"name": STR, "kind": enum_schema(ZoneKind), "polygon": {"type": "array", "items": {
    "type": "array", "items": {"type": "number"}}}, "desk": OPT_STR, "anchor": OPT_STR, "overlap": OPT_NUM,
    "version": INT, "changed_by": STR, "changed_at": TIME, "active": BOOL})
CAMERA_DETAIL = obj({**CAMERA["properties"], "zones": {"type": "array", "items": ZONE}})


def latest_health(camera_ids: list[int]) -> dict[int, tuple[CameraHealth, object]]:
    """The health and time of each camera's latest sample (one index look-up per camera, not a scan)."""
    if not camera_ids:
        return {}
    newest = (select(Observation.slot_at).where(Observation.camera_id == Camera.id)
              .order_by(Observation.slot_at.desc()).limit(1).correlate(Camera).scalar_subquery())
    latest = select(Camera.id.label("camera_id"), newest.label("slot_at")).where(Camera.id.in_(camera_ids)).subquery()
    rows = get_session().execute(
        select(Observation.camera_id, Observation.health, Observation.observed_at)
        .join(latest, (Observation.camera_id == latest.c.camera_id) & (Observation.slot_at == latest.c.slot_at)))
    return {camera_id: (health, at) for camera_id, health, at in rows}


def camera_json(camera: Camera, desk: Desk | None, health: tuple | None, desks: list[str] | None = None) -> dict:
    """A camera as API clients see it: no source URL, user name or password, ever. ``desk_code`` is null for a
    room camera; ``desks`` are the desks it films (its own, or those its zones name)."""
    state, at = health or (None, None)
    return {"id": camera.id, "code": camera.code, "name": camera.name, "desk_code": desk.code if desk else None,
            "unit_code": unit_codes()[camera.unit_id], "desks": desks if desks is not None else
            ([desk.code] if desk else []), "enabled": camera.enabled, "active": camera.active,
            "cadence_seconds": camera.cadence_seconds, "purpose": camera.purpose, "health": value_of(state),
            "health_at": iso(at)}


@bp.get("/cameras")
@document("/cameras", "get", "Cameras of your units with their latest health (never credentials nor URLs)",
          tag="organisation", response=CAMERA, paginated=True,
          params=[query_param("unit", "unit code (that unit and the units below it)"),
                  query_param("desk", "desk code")])
def list_cameras():
    page, per_page = page_args()
    db = get_session()
    query = (select(Camera, Desk).outerjoin(Desk, Camera.desk_id == Desk.id)
             .where(Camera.unit_id.in_(arg_units())))
    if (code := arg("desk")) is not None:  # every camera that films the desk, room cameras too
        desk_id = visible_desk(code).id
        query = query.where(Camera.id.in_([c.id for c in desk_cameras(db, [desk_id], enabled_only=False)[desk_id]]))
    total = total_of(query)
    rows = db.execute(page_of(query.join(Unit, Camera.unit_id == Unit.id)
                              .order_by(Unit.code, Desk.code.is_(None), Desk.code, Camera.code), page, per_page)).all()
    health = latest_health([camera.id for camera, _ in rows])
    filmed = _desk_codes([camera.id for camera, _ in rows])
    return paginated([camera_json(camera, desk, health.get(camera.id), filmed.get(camera.id, []))
                      for camera, desk in rows], total, page, per_page)


def _desk_codes(camera_ids: list[int]) -> dict[int, list[str]]:
    ids = desks_of_cameras(get_session(), camera_ids)
    codes = dict(get_session().execute(select(Desk.id, Desk.code).where(
        Desk.id.in_({d for found in ids.values() for d in found}))).all()) if ids else {}
    return {camera_id: sorted(codes[d] for d in found if d in codes) for camera_id, found in ids.items()}


@bp.get("/cameras/<int:camera_id>")
@document("/cameras/{id}", "get", "One camera with its zones and latest health", tag="organisation",
          response=CAMERA_DETAIL, params=[id_param(what="camera id")])
def get_camera(camera_id: int):
    db = get_session()
    camera = scoped(Camera, camera_id, "camera", lambda c: c.unit_id)
    zones = db.scalars(select(Zone).where(Zone.camera_id == camera.id).order_by(Zone.name)).all()
    return jsonify({**camera_json(camera, camera.desk, latest_health([camera.id]).get(camera.id),
                                  _desk_codes([camera.id]).get(camera.id, [])),
                    "zones": [{"name": z.name, "kind": z.kind.value, "polygon": z.polygon,
                               "desk": z.desk.code if z.desk else None, "anchor": z.anchor, "overlap": z.overlap,
                               "version": z.version, "changed_by": z.changed_by, "changed_at": iso(z.changed_at),
                               "active": z.active}
                            for z in zones]})
