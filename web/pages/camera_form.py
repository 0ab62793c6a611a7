"""The camera form of the cameras page: read and check what an admin submitted, then create or update the
camera with one change-log row. Credentials are write-only: never shown, logged only as ``"<changed>"``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.access import ChangeLog
from models.enums import ChangeAction
from models.org import Camera, Desk, Unit
from vision.presets import Preset
from vision.sources import url_problem
from vision.urls import split_credentials

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # the site config's camera id
CADENCE = (5, 3600)  # seconds, as the site config allows
TRANSPORTS = ("", "tcp", "udp")  # "": the site's [vision.acquisition] choice
SECRET = "<changed>"
FIELDS = ("unit_id", "desk_id", "name", "source_url", "cadence_seconds", "enabled", "purpose", "stream_options")


class FormError(ValueError):
    """A submitted value is not acceptable; ``field`` names the form field for the page."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CameraInput:
    """A checked camera form. ``username``/``password`` ``None`` keep the stored ones; ``clear_credentials``
    removes both."""

    code: str
    unit: Unit
    desk: Desk | None
    name: str
    url: str
    username: str | None
    password: str | None
    clear_credentials: bool
    cadence_seconds: int
    purpose: str
    enabled: bool
    stream_options: dict[str, Any] | None


def _text(form: Any, name: str, limit: int = 255) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise FormError(name, f"at most {limit} characters")
    return value


def parse_camera_form(session: Session, form: Any, unit_ids: set[int], camera: Camera | None) -> CameraInput:
    """The form as a ``CameraInput``, or ``FormError`` naming the first field that is wrong."""
    code = camera.code if camera is not None else _text(form, "code", 64)
    if not CODE.match(code):
        raise FormError("code", "letters, digits, '.', '_' or '-', starting with a letter or digit (at most 64)")
    if camera is None and session.scalars(select(Camera.id).where(Camera.code == code)).first() is not None:
        raise FormError("code", f"a camera {code!r} exists already")
    try:
        unit_id = int(form.get("unit") or 0)
    except ValueError:
        unit_id = 0
    unit = session.get(Unit, unit_id) if unit_id in unit_ids else None
    if unit is None or not unit.active:
        raise FormError("unit", "choose a unit")
    desk = None
    if desk_code := _text(form, "desk", 64):
        desk = session.scalars(select(Desk).where(Desk.unit_id == unit.id, Desk.code == desk_code,
                                                  Desk.active.is_(True))).first()
        if desk is None:
            raise FormError("desk", f"no active desk {desk_code!r} in unit {unit.code}")
    if camera is not None and (unit.id, desk.id if desk else None) != (camera.unit_id, camera.desk_id):
        zones = [z.name for z in camera.zones if z.active]
        if zones:
            raise FormError("desk", f"the camera's zones ({', '.join(zones)}) belong to its present desk: "
                                    "delete them in the zone editor before moving the camera")
    raw_url = _preset_url(form) if form.get("source") == "preset" else _text(form, "url", 2000)
    if not raw_url:
        raise FormError("url", "the camera's address is needed")
    url, url_user, url_password = split_credentials(raw_url)
    if problem := url_problem(url):
        raise FormError("url", problem)
    username = _text(form, "username") or url_user or None
    password = form.get("password") or url_password or None
    try:
        cadence = int(form.get("cadence_seconds") or 30)
    except ValueError:
        raise FormError("cadence_seconds", "a whole number of seconds") from None
    if not CADENCE[0] <= cadence <= CADENCE[1]:
        raise FormError("cadence_seconds", f"between {CADENCE[0]} and {CADENCE[1]} seconds")
    purpose = _text(form, "purpose", 1000)
    if not purpose:  # Decree 356/2025: the purpose of processing is stated for every camera
        raise FormError("purpose", "state what the camera is for (shown on the notice)")
    transport = form.get("rtsp_transport") or ""
    if transport not in TRANSPORTS:
        raise FormError("rtsp_transport", "tcp, udp or the site's default")
    options = {k: v for k, v in {"keep_open": True if form.get("keep_open") else None,
                                 "rtsp_transport": transport or None,
                                 "verify_tls": None if form.get("verify_tls") else False}.items() if v is not None}
    return CameraInput(code, unit, desk, _text(form, "name") or code, url, username, password,
                       bool(form.get("clear_credentials")), cadence, purpose, bool(form.get("enabled")),
                       options or None)


def _preset_url(form: Any) -> str:
    """The URL of the vendor preset chosen on the form (``vision/presets.py``)."""
    try:
        channel = int(form.get("preset_channel") or 1)
        port = int(form["preset_port"]) if (form.get("preset_port") or "").strip() else None
    except ValueError:
        raise FormError("preset", "channel and port are whole numbers") from None
    try:
        return Preset(vendor=form.get("preset_vendor") or "", host=_text(form, "preset_host"), channel=channel,
                      stream="sub" if form.get("preset_stream") == "sub" else "main",
                      snapshot=bool(form.get("preset_snapshot")), port=port).url()
    except ValueError as error:
        raise FormError("preset", str(error)) from None


def save_camera(session: Session, camera: Camera | None, data: CameraInput, *, actor: str, now: datetime) -> Camera:
    """Create or update the camera and log the fields that changed (credentials as ``"<changed>"``)."""
    desired = {"unit_id": data.unit.id, "desk_id": data.desk.id if data.desk else None, "name": data.name,
               "source_url": data.url, "cadence_seconds": data.cadence_seconds, "enabled": data.enabled,
               "purpose": data.purpose, "stream_options": data.stream_options}
    secrets: dict[str, str | None] = {}
    if data.clear_credentials:
        secrets = {"username": None, "password": None}
    for name in ("username", "password"):
        if getattr(data, name) is not None:
            secrets[name] = getattr(data, name)
    if camera is None:
        camera = Camera(code=data.code, managed_by="web", active=True, **desired, **secrets)
        session.add(camera)
        changes = {k: [None, v] for k, v in desired.items() if v is not None}
        changes.update({k: SECRET for k, v in secrets.items() if v})
        action = ChangeAction.CREATE
    else:
        changes = {k: [getattr(camera, k), v] for k, v in desired.items() if getattr(camera, k) != v}
        changes.update({k: SECRET for k, v in secrets.items() if getattr(camera, k) != v})
        for name in (*desired, *secrets):
            setattr(camera, name, {**desired, **secrets}[name])
        action = ChangeAction.UPDATE
    if changes:
        session.add(ChangeLog(at=now, actor=actor, source="web", entity_type="camera", entity_key=data.code,
                              action=action, changes=changes))
    session.flush()
    return camera


def form_values(camera: Camera) -> dict[str, Any]:
    """What the edit form shows of a stored camera: never the password, and the user name only as set/unset."""
    options = camera.stream_options or {}
    return {"code": camera.code, "unit": camera.unit_id, "desk": camera.desk.code if camera.desk else "",
            "name": camera.name, "url": camera.source_url, "has_username": bool(camera.username),
            "has_password": bool(camera.password), "cadence_seconds": camera.cadence_seconds,
            "purpose": camera.purpose, "enabled": camera.enabled, "keep_open": bool(options.get("keep_open")),
            "rtsp_transport": options.get("rtsp_transport") or "", "verify_tls": options.get("verify_tls", True),
            "managed_by": camera.managed_by}
