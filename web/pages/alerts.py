"""Alerts of the units in scope (open and acknowledged, newest first) and acknowledging them.

Acknowledging is ``audit.services.alerts.acknowledge``, as in the CLI and the API: an open alert
becomes acknowledged (which stops its escalation), a second acknowledgement changes nothing, and a
resolved alert cannot be acknowledged.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from audit.services.alerts import AlertResolved
from audit.services.alerts import acknowledge as acknowledge_alert
from models.access import User
from models.alerts import Alert
from models.enums import AlertKind, AlertStatus, local_zone
from models.org import Camera, Desk, Unit
from web.db import get_session
from web.i18n import lang
from web.read import now_utc, scoped_or_404, units_under, visible_units
from web.scope import REVIEW_ROLES, can, roles_required

bp = Blueprint("alerts_page", __name__, url_prefix="/alerts")
LIMIT = 500
STATUS_FILTERS = {"active": (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED), "open": (AlertStatus.OPEN,),
                  "acknowledged": (AlertStatus.ACKNOWLEDGED,)}
STATUS_LABELS = {"open": _l("Đang mở"), "acknowledged": _l("Đã tiếp nhận"), "resolved": _l("Đã kết thúc")}
KIND_LABELS = {"unattended": _l("Quầy không có người"),
               "unattended_queue": _l("Quầy không có người khi có người dân chờ"),
               "camera_fault": _l("Camera gặp sự cố"), "long_queue": _l("Hàng chờ kéo dài")}
SEVERITY_LABELS = {"info": _l("Thông tin"), "warning": _l("Cảnh báo"), "critical": _l("Nghiêm trọng")}


@bp.get("")
def index():
    session = get_session()
    status = request.args.get("status") or "active"
    kind = request.args.get("kind") or ""
    code = request.args.get("unit") or ""
    if status not in STATUS_FILTERS:
        abort(400, _("Trạng thái lọc không hợp lệ: %(value)s.", value=status))
    if kind and kind not in {k.value for k in AlertKind}:
        abort(400, _("Loại cảnh báo không hợp lệ: %(value)s.", value=kind))
    acknowledger = aliased(User)
    query = (select(Alert, Unit, Desk, Camera.code, acknowledger.username)
             .join(Unit, Alert.unit_id == Unit.id)
             .outerjoin(Desk, Alert.desk_id == Desk.id)
             .outerjoin(Camera, Alert.camera_id == Camera.id)
             .outerjoin(acknowledger, Alert.acknowledged_by_id == acknowledger.id)
             .where(Alert.unit_id.in_(sorted(units_under(code))), Alert.status.in_(STATUS_FILTERS[status]))
             .order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(LIMIT + 1))
    if kind:
        query = query.where(Alert.kind == AlertKind(kind))
    rows = session.execute(query).all()
    return render_template(
        "alerts/index.html", rows=rows[:LIMIT], more=len(rows) > LIMIT, status=status, kind=kind, unit_code=code,
        units=visible_units(), can_acknowledge=can(*REVIEW_ROLES), message_of=message_of, desk_url=desk_url,
        status_labels=STATUS_LABELS, kind_labels=KIND_LABELS, severity_labels=SEVERITY_LABELS,
        status_filters=[("active", _("Đang mở và đã tiếp nhận")), ("open", STATUS_LABELS["open"]),
                        ("acknowledged", STATUS_LABELS["acknowledged"])])


def message_of(alert: Alert) -> str:
    """The alert's message in the user's language (the English text is kept in the details)."""
    if lang() == "en" and alert.details and alert.details.get("message_en"):
        return alert.details["message_en"]
    return alert.message or ""


def desk_url(alert: Alert, desk: Desk, unit: Unit) -> str:
    """The desk's day timeline on the local day the alert opened."""
    day = alert.opened_at.astimezone(local_zone(unit.timezone)).date()
    return url_for("wall.desk_day", desk_code=desk.code, day=day.isoformat())


@bp.post("/<int:alert_id>/acknowledge")
@roles_required(*REVIEW_ROLES)
def acknowledge(alert_id: int):
    """Mark an open alert acknowledged by the signed-in user, then go back to the list."""
    session = get_session()
    alert = scoped_or_404(session.get(Alert, alert_id))
    try:
        changed = acknowledge_alert(session, alert, current_user.id, now_utc())
    except AlertResolved:
        flash(_("Cảnh báo #%(id)s đã kết thúc, không cần tiếp nhận.", id=alert.id))
    else:
        if changed:
            session.commit()
            flash(_("Đã tiếp nhận cảnh báo #%(id)s.", id=alert.id))
        else:
            flash(_("Cảnh báo #%(id)s đã được tiếp nhận trước đó.", id=alert.id))
    return redirect(_back(request.form.get("next")))


def _back(target: str | None) -> str:
    """Back to the alert list the form was on (only a path of this page is followed)."""
    if target and target.startswith("/alerts") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("alerts_page.index")
