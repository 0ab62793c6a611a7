"""Cameras managed on the cameras page: an admin adds or edits one, anyone who draws zones tests its connection
("Kiểm tra kết nối", the same probe as ``deskaudit camera probe``). Every change goes to the change log."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models.access import ChangeLog
from models.org import Camera, Desk, Unit
from web.db import get_session
from web.pages.camera_form import TRANSPORTS, FormError, form_values, parse_camera_form, save_camera
from web.read import log_access, now_utc
from web.scope import ADMIN_ROLES, DECIDE_ROLES, can, visible_unit_ids

bp = Blueprint("camera_admin", __name__, url_prefix="/cameras")
PROBE_TIMEOUT_S, PROBE_GOP_WAIT_S = 6.0, 6.0  # a request waits at most about their sum
PRESET_FIELDS = ("preset_vendor", "preset_host", "preset_channel", "preset_stream", "preset_snapshot", "preset_port")
FIELD_LABELS = {"preset": "Mẫu theo hãng","code": "Mã camera", "unit": "Đơn vị", "desk": "Quầy", "url": "Địa chỉ (URL)",
                "cadence_seconds": "Chu kỳ lấy mẫu", "purpose": "Mục đích", "rtsp_transport": "Giao thức RTSP"}


@bp.context_processor
def labels():
    from web.pages.cameras import HEALTH_LABELS

    return {"HEALTH_LABELS": HEALTH_LABELS}


def _camera(code: str) -> Camera:
    camera = get_session().scalars(
        select(Camera).where(Camera.code == code, Camera.unit_id.in_(sorted(visible_unit_ids())))
        .options(joinedload(Camera.desk), joinedload(Camera.unit))
    ).first()
    if camera is None:
        abort(404)
    return camera


def _choices() -> dict[str, Any]:
    db = get_session()
    ids = sorted(visible_unit_ids())
    units = db.scalars(select(Unit).where(Unit.id.in_(ids), Unit.active.is_(True)).order_by(Unit.code)).all()
    desks = db.scalars(select(Desk).where(Desk.unit_id.in_(ids), Desk.active.is_(True)).order_by(Desk.code)).all()
    from vision.presets import VENDORS

    return {"units": units, "desks": desks, "TRANSPORTS": TRANSPORTS, "VENDORS": VENDORS}


def _form_from_request() -> dict[str, Any]:
    form = request.form
    return {"code": form.get("code", ""), "unit": int(form.get("unit") or 0) if (form.get("unit") or "").isdigit()
            else 0, "desk": form.get("desk", ""), "name": form.get("name", ""), "url": form.get("url", ""),
            "cadence_seconds": form.get("cadence_seconds", "30"), "purpose": form.get("purpose", ""),
            "enabled": bool(form.get("enabled")), "keep_open": bool(form.get("keep_open")),
            "rtsp_transport": form.get("rtsp_transport", ""), "verify_tls": bool(form.get("verify_tls")),
            "source": form.get("source", "url"), **{k: form.get(k, "") for k in PRESET_FIELDS}}


def run_probe(url: str, username: str | None, password: str | None, options: dict | None) -> dict[str, Any]:
    """The probe's report for the page: the figures, or the reason it failed, and a blurred snapshot."""
    from vision.probe import ProbeFailed, probe, snapshot_jpeg

    options = options or {}
    try:
        report = probe(url, username=username, password=password, transport=options.get("rtsp_transport") or "tcp",
                       verify_tls=options.get("verify_tls", True), timeout_s=PROBE_TIMEOUT_S,
                       gop_wait_s=PROBE_GOP_WAIT_S)
    except (ProbeFailed, ValueError) as error:
        return {"ok": False, "error": str(error)}
    image = base64.b64encode(snapshot_jpeg(report.image, quality=80)).decode("ascii")
    return {"ok": True, **report.as_dict(), "snapshot": f"data:image/jpeg;base64,{image}"}


def _render_form(camera: Camera | None, values: dict[str, Any], *, probe: dict | None = None,
                 error: FormError | None = None, status: int = 200):
    changes = []
    if camera is not None:
        changes = get_session().scalars(
            select(ChangeLog).where(ChangeLog.entity_type == "camera", ChangeLog.entity_key == camera.code)
            .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()).limit(20)).all()
    return render_template("cameras/edit.html", camera=camera, values=values, probe=probe, error=error,
                           field_labels=FIELD_LABELS, changes=changes, **_choices()), status


def _submit(camera: Camera | None):
    if not can(*ADMIN_ROLES):
        abort(403)
    db = get_session()
    values = {**(form_values(camera) if camera else {}), **_form_from_request()}
    try:
        data = parse_camera_form(db, request.form, visible_unit_ids(), camera)
    except FormError as error:
        return _render_form(camera, values, error=error, status=422)
    if request.form.get("action") == "probe":
        username = data.username if data.username is not None else (camera.username if camera else None)
        password = data.password if data.password is not None else (camera.password if camera else None)
        if data.clear_credentials:
            username = password = None
        result = run_probe(data.url, username, password, data.stream_options)
        log_access("camera.probe", "camera", data.code, ok=result["ok"])
        db.commit()
        return _render_form(camera, values, probe=result)
    saved = save_camera(db, camera, data, actor=current_user.username, now=now_utc())
    db.commit()
    flash(_("Đã lưu camera %(code)s.", code=saved.code))
    return redirect(url_for("cameras_page.detail", code=saved.code))


@bp.get("/new")
def new():
    if not can(*ADMIN_ROLES):
        abort(403)
    return _render_form(None, {"cadence_seconds": 30, "enabled": True, "verify_tls": True})


@bp.post("/new")
def create():
    return _submit(None)


@bp.get("/<code>/edit")
def edit(code: str):
    if not can(*ADMIN_ROLES):
        abort(403)
    camera = _camera(code)
    return _render_form(camera, form_values(camera))


@bp.post("/<code>/edit")
def update(code: str):
    return _submit(_camera(code))


@bp.post("/<code>/probe")
def probe(code: str):
    """Kiểm tra kết nối of a stored camera, with its stored credentials and stream options."""
    if not can(*DECIDE_ROLES):
        abort(403)
    camera = _camera(code)
    result = run_probe(camera.source_url, camera.username, camera.password, camera.stream_options)
    log_access("camera.probe", "camera", camera.code, ok=result["ok"])
    get_session().commit()
    return render_template("cameras/probe.html", camera=camera, probe=result, can_admin=can(*ADMIN_ROLES))
