"""Shared pieces of the review pages (findings, inspections, scores, reports): scope, months, files, labels.

Every helper limits what it returns to the signed-in user's units (web/scope.py); a unit, file or
month outside what the user may see is a 404, a malformed value a 400.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.scoring import BadMonth, month_bounds
from models.access import AccessLog, User
from models.enums import Classification, DecisionAction, FindingKind, FindingStatus, InspectionStatus, ItemResult, Role
from models.org import Unit
from web.scope import ADMIN_ROLES, subtree, visible_unit_ids

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PER_PAGE = 50
ADMIN_ROLES_AND_INSPECTOR = (*ADMIN_ROLES, Role.INSPECTOR)  # may recompute stored scores

STATUS_LABELS = {
    FindingStatus.PROPOSED: _l("Đề xuất"),
    FindingStatus.AWAITING_EXPLANATION: _l("Chờ giải trình"),
    FindingStatus.CONFIRMED: _l("Đã xác nhận"),
    FindingStatus.DISMISSED: _l("Đã bác bỏ"),
}
KIND_LABELS = {
    FindingKind.LATE_ARRIVAL: _l("Đến muộn"),
    FindingKind.EARLY_LEAVE: _l("Về sớm"),
    FindingKind.UNATTENDED: _l("Vắng quầy"),
    FindingKind.ABSENT_SESSION: _l("Vắng cả buổi"),
    FindingKind.UNATTENDED_QUEUE: _l("Vắng quầy khi có người dân chờ"),
    FindingKind.CAMERA_GAP: _l("Camera không quan sát được"),
}
ACTION_LABELS = {
    DecisionAction.REQUEST_EXPLANATION: _l("Yêu cầu giải trình"),
    DecisionAction.CONFIRM: _l("Xác nhận vi phạm"),
    DecisionAction.DISMISS: _l("Bác bỏ"),
    DecisionAction.REOPEN: _l("Mở lại"),
}
RESULT_LABELS = {
    ItemResult.PASS: _l("Đạt"),
    ItemResult.FAIL: _l("Không đạt"),
    ItemResult.NOT_APPLICABLE: _l("Không áp dụng"),
}
INSPECTION_STATUS_LABELS = {InspectionStatus.DRAFT: _l("Dự thảo"), InspectionStatus.FINAL: _l("Đã ký (chính thức)")}
CLASS_LABELS = {
    Classification.EXCELLENT: _l("Hoàn thành xuất sắc nhiệm vụ"),
    Classification.GOOD: _l("Hoàn thành tốt nhiệm vụ"),
    Classification.COMPLETED: _l("Hoàn thành nhiệm vụ"),
    Classification.NOT_COMPLETED: _l("Không hoàn thành nhiệm vụ"),
}
UNCLASSIFIED = _l("Chưa đủ dữ liệu xếp loại")


def now_utc() -> datetime:
    """The time of the request (rules get it as an argument; the web is where it is read)."""
    return datetime.now(timezone.utc)


def previous_month(now: datetime) -> str:
    """The month before ``now`` in local time, as YYYY-MM (the default of the scores and reports pages)."""
    local = now.astimezone(LOCAL)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_arg(value: str | None, default: str) -> str:
    """``value`` when it is a real YYYY-MM month, ``default`` when empty; 400 otherwise."""
    month = (value or "").strip() or default
    try:
        month_bounds(month)
    except BadMonth:
        abort(400, description=_("Tháng «%(month)s» không hợp lệ: cần dạng YYYY-MM, ví dụ 2026-03.", month=month))
    return month


def month_or_404(month: str) -> str:
    """A month in a URL path: a malformed one names no page (404)."""
    try:
        month_bounds(month)
    except BadMonth:
        abort(404)
    return month


def month_window(month: str) -> tuple[datetime, datetime]:
    """UTC instants of the first local midnight of ``month`` and of the month after."""
    first, last = month_bounds(month)
    start = datetime(first.year, first.month, 1, tzinfo=LOCAL)
    after = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=LOCAL)
    return start.astimezone(timezone.utc), after.astimezone(timezone.utc)


def visible_units(session: Session) -> list[Unit]:
    """Active units the user may see, by code."""
    return list(session.scalars(select(Unit).where(Unit.id.in_(sorted(visible_unit_ids())),
                                                   Unit.active.is_(True)).order_by(Unit.code)))


def unit_in_scope(session: Session, code: str) -> Unit:
    """The unit ``code`` if the user may see it; 404 otherwise (another commune's code leaks nothing)."""
    unit = session.scalars(select(Unit).where(Unit.code == code)).one_or_none()
    if unit is None or unit.id not in visible_unit_ids():
        abort(404)
    return unit


def scope_unit(session: Session, code: str | None) -> Unit | None:
    """The unit a score or report covers: ``code`` when given and visible; else the user's scope.

    None means every unit and is only returned for admins; any other user falls back to the first unit
    they hold (a user who holds none sees nothing: 404).
    """
    if code:
        return unit_in_scope(session, code.strip())
    if current_user.role is Role.ADMIN:
        return None
    held = sorted((u for u in current_user.units if u.id in visible_unit_ids()), key=lambda u: u.code)
    if not held:
        abort(404)
    return session.get(Unit, held[0].id)


def units_below(session: Session, unit: Unit | None) -> list[int]:
    """Ids of ``unit`` and the units below it that the user may see (every visible unit for None)."""
    visible = visible_unit_ids()
    if unit is None:
        return sorted(visible)
    return sorted(subtree([unit.id]) & visible)


def acting_user(session: Session) -> User:
    """The signed-in user's row (the workflow records decisions against it)."""
    return session.get(User, current_user.id)


def log_access(session: Session, action: str, object_type: str, object_id: str | int, **detail) -> None:
    """Add an access-log row (evidence view or export) for the signed-in user; the caller commits."""
    session.add(AccessLog(at=now_utc(), user_id=current_user.id, username=current_user.username, action=action,
                          object_type=object_type, object_id=str(object_id), remote_addr=request.remote_addr,
                          detail=detail or None))


def data_dir() -> Path | None:
    """Where snapshots and inspection photos live (app config DATA_DIR, else $DESKAUDIT_DATA_DIR)."""
    configured = current_app.config.get("DATA_DIR") or os.environ.get("DESKAUDIT_DATA_DIR")
    return Path(configured) if configured else None


def stored_file(relative: str | None) -> Path | None:
    """The file ``relative`` to the data dir, if it exists and does not escape the data dir."""
    base = data_dir()
    if not relative or base is None:
        return None
    root = base.resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def image_mimetype(path: Path) -> str:
    return "image/png" if path.suffix.lower() == ".png" else "image/jpeg"


def ascii_name(text: str) -> str:
    """A file-name-safe ASCII form of ``text`` (Vietnamese letters lose their marks, đ → d)."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", plain).strip("-") or "file"


def page_arg() -> int:
    """``?page=`` from 1; a bad value is a 400."""
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        abort(400, description=_("Số trang phải là số nguyên dương."))
    if page < 1:
        abort(400, description=_("Số trang phải là số nguyên dương."))
    return page


def class_label(classification: Classification | None):
    return CLASS_LABELS.get(classification, UNCLASSIFIED) if classification else UNCLASSIFIED
