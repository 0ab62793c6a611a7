"""Shared pieces of the review pages (findings, inspections, scores, reports): labels and the pages' wording.

What pages and the API share (clock, months, scope, files, access log) is web/read.py; here are the pages'
own request parsing on top of it: a malformed month or page number is a 400 in Vietnamese, a month in a
URL path that names no page a 404.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.enums import Classification, DecisionAction, FindingKind, FindingStatus, InspectionStatus, ItemResult, Role
from models.org import Unit
from web.db import get_session
from web.read import is_month, is_period, unit_in_scope
from web.scope import ADMIN_ROLES, visible_unit_ids

PER_PAGE = 50
ADMIN_ROLES_AND_INSPECTOR = (*ADMIN_ROLES, Role.INSPECTOR)  # may recompute stored scores

STATUS_LABELS = {
    FindingStatus.PROPOSED: _l("Đề xuất"),
    FindingStatus.AWAITING_EXPLANATION: _l("Chờ giải trình"),
    FindingStatus.CONFIRMED: _l("Đã xác nhận"),
    FindingStatus.DISMISSED: _l("Đã bác bỏ"),
}
KIND_LABELS = {
    FindingKind.LATE_ARRIVAL: _l("Đi muộn"),
    FindingKind.EARLY_LEAVE: _l("Về sớm"),
    FindingKind.UNATTENDED: _l("Vắng quầy"),
    FindingKind.ABSENT_SESSION: _l("Vắng cả buổi"),
    FindingKind.UNATTENDED_QUEUE: _l("Vắng quầy khi có người dân chờ"),
    FindingKind.CAMERA_GAP: _l("Camera không quan sát được"),
    FindingKind.UNIT_ABSENCE: _l("Cả đơn vị vắng cả buổi: kiểm tra lịch làm việc"),
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
BAND_LABELS = {  # a unit's figure by its band, never a Decree 335 class (audit.rules.scoring.BAND_VI)
    Classification.EXCELLENT: _l("từ 90 điểm"),
    Classification.GOOD: _l("từ 70 đến dưới 90 điểm"),
    Classification.COMPLETED: _l("từ 50 đến dưới 70 điểm"),
    Classification.NOT_COMPLETED: _l("dưới 50 điểm"),
}


def month_arg(value: str | None, default: str) -> str:
    """``value`` when it is a real YYYY-MM month, ``default`` when empty; 400 otherwise."""
    month = (value or "").strip() or default
    if not is_month(month):
        abort(400, description=_("Tháng “%(month)s” không hợp lệ: cần dạng YYYY-MM, ví dụ 2026-03.", month=month))
    return month


def period_arg(value: str | None, default: str) -> str:
    """``value`` when it is a real month (YYYY-MM) or quarter (YYYY-Qn), ``default`` when empty; 400 otherwise."""
    period = (value or "").strip() or default
    if not is_period(period):
        abort(400, description=_("Kỳ “%(month)s” không hợp lệ: cần dạng YYYY-MM (tháng) hoặc YYYY-Qn (quý), ví dụ "
                                 "2026-03 hoặc 2026-Q1.", month=period))
    return period


def period_or_404(period: str) -> str:
    """A month or quarter in a URL path: a malformed one names no page (404)."""
    if not is_period(period):
        abort(404)
    return period


def month_or_404(month: str) -> str:
    """A month in a URL path: a malformed one names no page (404)."""
    if not is_month(month):
        abort(404)
    return month


def scope_unit(code: str | None) -> Unit | None:
    """The unit a score or report covers: ``code`` when given and visible; else the user's scope.

    None means every unit and is only returned for admins; any other user falls back to the first unit
    they hold (a user who holds none sees nothing: 404).
    """
    if code:
        return unit_in_scope(code.strip())
    if current_user.role is Role.ADMIN:
        return None
    held = sorted((u for u in current_user.units if u.id in visible_unit_ids()), key=lambda u: u.code)
    if not held:
        abort(404)
    return get_session().get(Unit, held[0].id)


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


def band_label(classification: Classification | None):
    return BAND_LABELS[classification] if classification else "—"
