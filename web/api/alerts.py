"""Alerts through the API: list, read, acknowledge (which stops escalation)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from audit.services.alerts import AlertResolved, acknowledge
from models.access import User
from models.alerts import Alert
from models.enums import AlertKind, AlertStatus, Severity
from models.org import Camera, Desk
from web.api import bp, page_args, page_of, paginated, total_of
from web.api.common import (
    INT,
    OPT_STR,
    OPT_TIME,
    STR,
    TIME,
    arg,
    arg_choice,
    arg_units,
    enum_schema,
    fail,
    id_param,
    iso,
    json_body,
    obj,
    query_param,
    scoped,
    unit_codes,
    visible_desk,
)
from web.api.openapi import document
from web.db import get_session
from web.read import now_utc
from web.scope import REVIEW_ROLES, roles_required

ALERT = obj({"id": INT, "unit_code": STR, "desk_code": OPT_STR, "camera_code": OPT_STR, "kind": enum_schema(AlertKind),
             "severity": enum_schema(Severity), "status": enum_schema(AlertStatus), "opened_at": TIME,
             "acknowledged_at": OPT_TIME, "acknowledged_by": OPT_STR, "escalated_at": OPT_TIME,
             "resolved_at": OPT_TIME, "message": OPT_STR, "message_en": OPT_STR,
             "details": {"type": "object"}})


LISTED = (select(Alert.id, Alert.unit_id, Alert.kind, Alert.severity, Alert.status, Alert.opened_at,
                 Alert.acknowledged_at, Alert.escalated_at, Alert.resolved_at, Alert.message, Alert.details,
                 Desk.code.label("desk_code"), Camera.code.label("camera_code"),
                 User.username.label("acknowledged_by"))
          .outerjoin(Desk, Alert.desk_id == Desk.id).outerjoin(Camera, Alert.camera_id == Camera.id)
          .outerjoin(User, Alert.acknowledged_by_id == User.id))  # one statement for a page, no lookups after


def alerts_json(rows) -> list[dict]:
    """Alerts as the API shows them, from rows of ``LISTED`` (each with its desk, camera and user names)."""
    codes = unit_codes()
    found = []
    for alert in rows:
        details = dict(alert.details or {})
        message_en = details.pop("message_en", None)
        found.append({
            "id": alert.id, "unit_code": codes[alert.unit_id], "desk_code": alert.desk_code,
            "camera_code": alert.camera_code, "kind": alert.kind.value, "severity": alert.severity.value,
            "status": alert.status.value, "opened_at": iso(alert.opened_at),
            "acknowledged_at": iso(alert.acknowledged_at), "acknowledged_by": alert.acknowledged_by,
            "escalated_at": iso(alert.escalated_at), "resolved_at": iso(alert.resolved_at),
            "message": alert.message, "message_en": message_en, "details": details})
    return found


def alert_json(alert_id: int) -> dict:
    return alerts_json(get_session().execute(LISTED.where(Alert.id == alert_id)).all())[0]


@bp.get("/alerts")
@document("/alerts", "get", "Alerts of your units, newest first", tag="alerts", response=ALERT, paginated=True,
          params=[query_param("status", "open, acknowledged or resolved", enum_schema(AlertStatus)),
                  query_param("kind", "alert kind", enum_schema(AlertKind)),
                  query_param("unit", "unit code (that unit and the units below it)"),
                  query_param("desk", "desk code")])
def list_alerts():
    page, per_page = page_args()
    status, kind = arg_choice("status", AlertStatus), arg_choice("kind", AlertKind)
    units, desk_code = arg_units(), arg("desk")
    query = select(Alert.id).where(Alert.unit_id.in_(units))
    if status is not None:
        query = query.where(Alert.status == status)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    if desk_code is not None:
        query = query.where(Alert.desk_id == visible_desk(desk_code).id)
    total = total_of(query)
    shown = page_of(query.order_by(Alert.opened_at.desc(), Alert.id.desc()), page, per_page).subquery()
    rows = get_session().execute(LISTED.join(shown, shown.c.id == Alert.id)
                                 .order_by(Alert.opened_at.desc(), Alert.id.desc())).all()
    return paginated(alerts_json(rows), total, page, per_page)


@bp.get("/alerts/<int:alert_id>")
@document("/alerts/{id}", "get", "One alert", tag="alerts", response=ALERT, params=[id_param(what="alert id")])
def get_alert(alert_id: int):
    return jsonify(alert_json(scoped(Alert, alert_id, "alert").id))


@bp.post("/alerts/<int:alert_id>/acknowledge")
@document("/alerts/{id}/acknowledge", "post", "Acknowledge an open alert (admin, inspector, manager); "
          "acknowledging twice changes nothing, a resolved alert is a 409", tag="alerts", response=ALERT,
          params=[id_param(what="alert id")], errors=(409,))
@roles_required(*REVIEW_ROLES)
def acknowledge_alert(alert_id: int):
    json_body(set(), optional_body=True)
    alert = scoped(Alert, alert_id, "alert")
    try:
        changed = acknowledge(get_session(), alert, current_user.id, now_utc())
    except AlertResolved:
        fail(409, f"alert #{alert.id} is already resolved: nothing to acknowledge")
    if changed:
        get_session().commit()
    return jsonify(alert_json(alert.id))
