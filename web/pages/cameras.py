"""Cameras: health history from observations, fault spans, and the zone editor on the latest snapshot.

Credentials and source URLs never reach a template: views hand over only the fields they show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, jsonify, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from models.access import ChangeLog
from models.enums import DEFAULT_TIMEZONE, local_zone
from models.org import Camera, Desk, Unit, Zone
from web.db import get_session
from web.formatting import ZONE_KIND_LABELS
from web.pages.cameras_data import (
    DEFAULT_SIZE,
    HEALTHS,
    ZoneInputError,
    day_bounds,
    desk_choices,
    desks_filmed,
    fault_spans,
    health_mixes,
    image_size,
    latest_observations,
    parse_zones,
    save_zones,
    snapshot_file,
    zone_json,
)
from web.pages.review_data import image_mimetype
from web.read import log_access, now_utc
from web.scope import ADMIN_ROLES, DECIDE_ROLES, can, visible_unit_ids

bp = Blueprint("cameras_page", __name__, url_prefix="/cameras")
EDIT_ROLES = DECIDE_ROLES  # admins and inspectors draw zones; managers and viewers look
SUMMARY_DAYS, HISTORY_DAYS = 7, 14
HEALTH_LABELS = {
    "ok": _l("Bình thường"), "offline": _l("Mất kết nối"), "frozen": _l("Hình bị đứng"), "dark": _l("Quá tối"),
    "covered": _l("Bị che"), "moved": _l("Bị xoay lệch"), "error": _l("Lỗi khác"),
}
CHANGE_ACTIONS = {"create": _l("Tạo mới"), "update": _l("Sửa"), "deactivate": _l("Ngừng dùng"),
                  "reactivate": _l("Dùng lại"), "delete": _l("Xoá")}


@bp.context_processor
def labels():
    return {"HEALTHS": HEALTHS, "HEALTH_LABELS": HEALTH_LABELS, "ZONE_KINDS": ZONE_KIND_LABELS,
            "CHANGE_ACTIONS": CHANGE_ACTIONS, "minutes": _minutes,
            "shift_day": lambda day, step: (day + timedelta(days=step)).isoformat()}


def _last_day() -> date:
    """``?until=`` (yyyy-mm-dd or dd/mm/yyyy), the last day shown; today by default."""
    raw = (request.args.get("until") or "").strip()
    today = now_utc().astimezone(local_zone()).date()
    if not raw:
        return today
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    flash(_("Ngày “%(value)s” không hợp lệ (dd/mm/yyyy); đang hiển thị đến hôm nay.", value=raw[:20]))
    return today


def _camera_or_404(code: str) -> Camera:
    """The camera with this code when its unit is visible; 404 otherwise (also for other units)."""
    camera = get_session().scalars(
        select(Camera).where(Camera.code == code, Camera.unit_id.in_(sorted(visible_unit_ids())))
        .options(joinedload(Camera.desk), joinedload(Camera.unit))
    ).first()
    if camera is None:
        abort(404)
    return camera


def _camera_view(camera: Camera, filmed: dict[int, list[Desk]] | None = None) -> dict:
    """What a page may show of a camera: never ``source_url``, user name or password. A room camera (no desk
    of its own) lists the desks it films."""
    desk, unit = camera.desk, camera.unit
    if filmed is None:
        filmed = desks_filmed(get_session(), [camera.id])
    desks = [{"code": d.code, "name": d.name} for d in filmed.get(camera.id, [])]
    return {"id": camera.id, "code": camera.code, "name": camera.name, "enabled": camera.enabled,
            "active": camera.active, "cadence_seconds": camera.cadence_seconds, "purpose": camera.purpose,
            "room": desk is None, "desks": desks,
            "desk_code": desk.code if desk else None, "desk_name": desk.name if desk else None,
            "desk_field": desk.field if desk else None, "unit_code": unit.code, "unit_name": unit.name}


@bp.get("")
def index():
    db = get_session()
    cameras = db.scalars(
        select(Camera).join(Unit, Camera.unit_id == Unit.id).outerjoin(Desk, Camera.desk_id == Desk.id)
        .where(Camera.unit_id.in_(sorted(visible_unit_ids())), Camera.active.is_(True))
        .options(joinedload(Camera.desk), joinedload(Camera.unit))
        .order_by(Unit.code, Desk.code.is_(None), Desk.code, Camera.code)
    ).all()
    filmed = desks_filmed(db, [c.id for c in cameras])
    last_day = _last_day()
    days = day_bounds(last_day, SUMMARY_DAYS, DEFAULT_TIMEZONE)
    ids = [c.id for c in cameras]
    mixes = health_mixes(db, ids, [days[0][1], days[-1][2]])
    latest = latest_observations(db, ids)
    rows = [{**_camera_view(c, filmed), "mix": mixes.get((c.id, 0)), "latest": latest.get(c.id)} for c in cameras]
    return render_template("cameras/index.html", rows=rows, first_day=days[0][0], last_day=last_day,
                           can_admin=can(*ADMIN_ROLES))


@bp.get("/<code>")
def detail(code: str):
    db = get_session()
    camera = _camera_or_404(code)
    last_day = _last_day()
    days = day_bounds(last_day, HISTORY_DAYS, DEFAULT_TIMEZONE)
    edges = [start for _day, start, _end in days] + [days[-1][2]]
    mixes = health_mixes(db, [camera.id], edges)
    history = [{"day": day, "mix": mixes.get((camera.id, i))} for i, (day, _s, _e) in enumerate(days)]
    spans = fault_spans(db, camera, since=days[0][1])
    zones = db.scalars(select(Zone).where(Zone.camera_id == camera.id).order_by(Zone.active.desc(), Zone.name)).all()
    changes = db.scalars(
        select(ChangeLog).where(ChangeLog.entity_type == "zone",
                                ChangeLog.entity_key.startswith(f"{camera.code}/", autoescape=True))
        .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(10)
    ).all()
    latest = latest_observations(db, [camera.id]).get(camera.id)
    return render_template("cameras/detail.html", camera=_camera_view(camera), history=history, spans=spans,
                           zones=zones, changes=changes, latest=latest, last_day=last_day,
                           first_day=days[0][0], can_edit=can(*EDIT_ROLES), can_admin=can(*ADMIN_ROLES))


@bp.get("/<code>/zones")
def zones(code: str):
    db = get_session()
    camera = _camera_or_404(code)
    found = snapshot_file(camera)
    size = (image_size(found[0]) if found else None) or DEFAULT_SIZE
    rows = db.scalars(select(Zone).where(Zone.camera_id == camera.id, Zone.active.is_(True))
                      .options(joinedload(Zone.desk)).order_by(Zone.name)).all()
    choices = desk_choices(db, camera)
    colour = {d["code"]: d["colour"] for d in choices}
    zones_json = [{**zone_json(z), "colour": colour.get(z.desk.code) if z.desk else None} for z in rows]
    return render_template("cameras/zones.html", camera=_camera_view(camera), zones=rows, zones_json=zones_json,
                           desks=choices, has_image=found is not None, image_kind=found[1] if found else None,
                           width=size[0], height=size[1], can_edit=can(*EDIT_ROLES))


@bp.post("/<code>/zones")
def save(code: str):
    db = get_session()
    camera = _camera_or_404(code)
    if not can(*EDIT_ROLES):
        abort(403)
    payload = request.get_json(silent=True)
    try:
        zones, note = parse_zones(payload, camera, desk_choices(db, camera))
    except ZoneInputError as error:
        return jsonify(ok=False, message=str(error)), 422
    try:
        logged = save_zones(db, camera, zones, actor=current_user.username, note=note, now=now_utc())
        db.commit()
    except IntegrityError:
        db.rollback()
        return jsonify(ok=False, message=_("Vùng vừa được người khác thay đổi; hãy tải lại trang.")), 409
    active = db.scalars(select(Zone).where(Zone.camera_id == camera.id, Zone.active.is_(True))).all()
    return jsonify(ok=True, version=max((z.version for z in active), default=0), changed=len(logged),
                   zones=[{"name": z.name, "kind": z.kind.value, "version": z.version,
                           "desk": z.desk.code if z.desk else None}
                          for z in sorted(active, key=lambda z: z.name)])


@bp.get("/<code>/snapshot.jpg")
def snapshot(code: str):
    db = get_session()
    camera = _camera_or_404(code)
    found = snapshot_file(camera)
    if found is None:
        abort(404)
    path, kind = found
    log_access("evidence.view", "camera_snapshot", camera.code, snapshot=kind)
    db.commit()
    response = send_file(path, mimetype=image_mimetype(path), max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response


def _minutes(value: float) -> str:
    """A duration in whole minutes, '<1' for under a minute."""
    return "<1" if value < 1 else f"{round(value):d}"
