"""What pages and the API read through: the clock, months, the units in scope, stored files, the access log.

Both faces of the web ask the same questions, so each has one answer here:

- *now* is the app's ``CLOCK`` setting when one is given (tests, demos), else the wall clock, in UTC;
- a month is a ``YYYY-MM`` key of FIRST_YEAR..LAST_YEAR (the arithmetic is audit/rules/scoring.py's);
- ``?unit=CODE`` covers that unit and the units below it, within what the user may see;
- an object of a unit outside the user's scope is *not found*, exactly like one that does not exist;
- stored snapshots and photos live under the app's ``DATA_DIR`` and never outside it;
- each view of evidence and each export is a row of the access log, stamped with *now*.

Pages and the API word their own errors (Vietnamese pages, English JSON naming the field): helpers that refuse
take the ``message`` and ``status`` to stop the request with; without a message the error has its default text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, NoReturn, TypeVar

from flask import abort, current_app, request, send_file
from flask_login import current_user
from sqlalchemy import select

from audit.files.attachments import AttachmentError, attachment_suffix, save_attachment
from audit.rules.scoring import BadMonth, is_quarter, month_before, period_bounds
from models.access import AccessLog, User
from models.enums import local_zone
from models.org import Desk, Staff, Unit
from web.db import get_session
from web.scope import owns, subtree, visible_unit_ids

LOCAL = local_zone()
FIRST_YEAR, LAST_YEAR = 1970, 2100  # dates outside are refused before they reach a calendar or the database
LATEST_SNAPSHOTS = Path("snapshots", "latest")  # under DATA_DIR: the sampler's latest frame of each camera
SAFE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # the site config's code pattern: one path segment
Row = TypeVar("Row")


# --- the clock -----------------------------------------------------------------------------------


def now_utc() -> datetime:
    """Now, in UTC: the app's ``CLOCK`` (a callable returning an aware datetime) stands in for the wall clock."""
    clock = current_app.config.get("CLOCK")
    return clock().astimezone(timezone.utc) if clock else datetime.now(timezone.utc)


# --- months --------------------------------------------------------------------------------------


def is_month(text: str) -> bool:
    """Is ``text`` a month key YYYY-MM of FIRST_YEAR..LAST_YEAR (what pages and the API accept)?"""
    return is_period(text) and not is_quarter(text)


def is_period(text: str) -> bool:
    """Is ``text`` a month (YYYY-MM) or a quarter (YYYY-Qn) of FIRST_YEAR..LAST_YEAR (what the scores pages accept)?"""
    try:
        first, _ = period_bounds(text)
    except BadMonth:
        return False
    return FIRST_YEAR <= first.year <= LAST_YEAR


def previous_period(at: datetime, kind: str) -> str:
    """The month, or the quarter (``kind`` = "quarter"), before the one ``at`` falls in, local time."""
    if kind != "quarter":
        return previous_month(at)
    day = at.astimezone(LOCAL).date()
    quarter = (day.month - 1) // 3 + 1
    return f"{day.year}-Q{quarter - 1}" if quarter > 1 else f"{day.year - 1}-Q4"


def previous_month(at: datetime) -> str:
    """The month before ``at`` in local time, as YYYY-MM (what the scores and reports pages open on)."""
    return month_before(at.astimezone(LOCAL).date())


# --- units in scope ------------------------------------------------------------------------------


def _refuse(status: int, message: str | None) -> NoReturn:
    abort(status, message)  # no message: the status's default text, which names nothing


def scoped_or_404(obj: Row | None, unit_id_of: Callable[[Row], int | None] = lambda o: o.unit_id,
                  message: str | None = None, status: int = 404) -> Row:
    """``obj`` when it exists, belongs to a unit the user may see and, for a staff user, is their own; 404 (or
    ``status``) otherwise."""
    if obj is None or unit_id_of(obj) not in visible_unit_ids() or not owns(obj):
        _refuse(status, message)
    return obj


def unit_in_scope(code: str, message: str | None = None, status: int = 404) -> Unit:
    """The unit ``code`` if the user may see it (another commune's code is as unknown as a typo)."""
    unit = get_session().scalar(select(Unit).where(Unit.code == code))
    return scoped_or_404(unit, lambda u: u.id, message, status)


def desk_in_scope(code: str, message: str | None = None, status: int = 404) -> Desk:
    """The desk ``code`` if its unit is one the user may see."""
    return scoped_or_404(get_session().scalar(select(Desk).where(Desk.code == code)), message=message, status=status)


def staff_in_scope(code: str, message: str | None = None, status: int = 404) -> Staff:
    """The official ``code`` if their unit is one the user may see."""
    return scoped_or_404(get_session().scalar(select(Staff).where(Staff.code == code)), message=message,
                         status=status)


def units_under(code: str | None, message: str | None = None) -> frozenset[int]:
    """What ``?unit=CODE`` covers: ids of that unit and the units below it, within what the user may see.

    Without a code, every unit the user may see; a code the user may not see stops the request (404).
    """
    visible = visible_unit_ids()
    if not code:
        return visible
    return frozenset(subtree([unit_in_scope(code, message).id]) & visible)


def visible_units() -> list[Unit]:
    """The active units the user may see, by code (the choices of every unit filter)."""
    return list(get_session().scalars(select(Unit).where(Unit.id.in_(sorted(visible_unit_ids())),
                                                         Unit.active.is_(True)).order_by(Unit.code)))


def acting_user() -> User:
    """The signed-in user's row (workflow decisions and records name who did them)."""
    return get_session().get(User, current_user.id)


# --- stored files and who looked at them ---------------------------------------------------------


def data_dir() -> Path | None:
    """Where snapshots and inspection photos live: the app's ``DATA_DIR`` (create_app fills it in)."""
    configured = current_app.config.get("DATA_DIR")
    return Path(configured) if configured else None


def stored_file(relative: str | Path | None) -> Path | None:
    """The file ``relative`` to the data dir, if it exists and does not escape the data dir."""
    base = data_dir()
    if not relative or base is None:
        return None
    root = base.resolve()
    path = (root / relative).resolve()
    return path if root in path.parents and path.is_file() else None


def latest_snapshot(camera_code: str) -> Path | None:
    """The camera's latest blurred snapshot (``DATA_DIR/snapshots/latest/<CODE>.jpg``) when it exists."""
    base = data_dir()
    if base is None or not SAFE_CODE.fullmatch(camera_code):
        return None
    path = base / LATEST_SNAPSHOTS / f"{camera_code}.jpg"
    return path if path.is_file() else None


def log_access(action: str, object_type: str, object_id: object, **detail) -> None:
    """Add an access-log row (a view of evidence, an export) for the signed-in user; the caller commits."""
    get_session().add(AccessLog(at=now_utc(), user_id=current_user.id, username=current_user.username,
                                action=action, object_type=object_type, object_id=str(object_id),
                                remote_addr=request.remote_addr, detail=detail or None))


# --- scans an official attaches (an explanation, a reply) ----------------------------------------------------------


class Scan(NamedTuple):
    data: bytes
    filename: str


class ScanRefused(ValueError):
    """The uploaded scan is not acceptable; ``status`` is 413 when it is too large, else 400."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def uploaded_scan(field: str = "scan") -> Scan | None:
    """The PDF or JPEG scan uploaded in ``field``, checked against ATTACHMENT_MAX_BYTES; None when none was sent."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    data, limit = upload.read(), current_app.config["ATTACHMENT_MAX_BYTES"]
    try:
        attachment_suffix(data, upload.filename, limit)
    except AttachmentError as error:
        raise ScanRefused(str(error), 413 if len(data) > limit else 400) from None
    return Scan(data, upload.filename)


def keep_scan(scan: Scan, folder: str) -> str:
    """Store a checked scan under DATA_DIR/attachments/``folder``; its path relative to DATA_DIR."""
    directory = data_dir()
    if directory is None:
        raise RuntimeError("DATA_DIR is not set: there is nowhere to keep the scan")
    return save_attachment(directory, folder, scan.data, scan.filename, current_app.config["ATTACHMENT_MAX_BYTES"])


def send_scan(relative: str | None, download_name: str, object_type: str, object_id: object, **detail):
    """A stored scan as a download (404 when missing); who opened it goes to the access log."""
    path = stored_file(relative) if relative and relative.startswith("attachments/") else None
    if path is None:
        abort(404)
    log_access("view_attachment", object_type, object_id, **detail)
    get_session().commit()
    return send_file(path, mimetype="application/pdf" if path.suffix == ".pdf" else "image/jpeg",
                     download_name=f"{download_name}{path.suffix}", max_age=0)

