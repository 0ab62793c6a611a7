"""Alerts through the API: list, read, acknowledge (which stops escalation)."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from models.alerts import Alert
from models.enums import AlertKind, AlertStatus, Severity
from models.org import Camera, Desk
from web.api import bp, page_args, page_of, paginated, total_of
from web.api.common import (INT, OPT_STR, OPT_TIME, STR, TIME, arg, arg_choice, enum_schema, fail, id_param,
                            iso, json_body, obj, query_param, scoped, unit_codes, usernames, visible,
                            visible_desk, visible_unit)
from web.api.openapi import document
from web.db import get_session
from web.scope import REVIEW_ROLES, roles_required

ALERT = obj({"id": INT, "unit_code": STR, "desk_code": OPT_STR, "camera_code": OPT_STR, "kind": enum_schema(AlertKind),
             "severity": enum_schema(Severity), "status": enum_schema(AlertStatus), "opened_at": TIME,
             "acknowledged_at": OPT_TIME, "acknowledged_by": OPT_STR, "escalated_at": OPT_TIME,
             "resolved_at": OPT_TIME, "message": OPT_STR, "message_en": OPT_STR,
             "details": {"type": "object"}})


def alerts_json(rows: list[Alert]) -> list[dict]:
    db = get_session()
    desks = dict(db.execute(select(Desk.id, Desk.code).where(Desk.id.in_({a.desk_id for a in rows} - {None}))).all())
    cameras = dict(db.execute(select(Camera.id, Camera.code)
                              .where(Camera.id.in_({a.camera_id for a in rows} - {None}))).all())
    users = usernames(a.acknowledged_by_id for a in rows)
    found = []
    for alert in rows:
        details = dict(alert.details or {})
        message_en = details.pop("message_en", None)
        found.append({
            "id": alert.id, "unit_code": unit_codes()[alert.unit_id], "desk_code": desks.get(alert.desk_id),
            "camera_code": cameras.get(alert.camera_id), "kind": alert.kind.value, "severity": alert.severity.value,
            "status": alert.status.value, "opened_at": iso(alert.opened_at),
            "acknowledged_at": iso(alert.acknowledged_at),
            "acknowledged_by": users.get(alert.acknowledged_by_id), "escalated_at": iso(alert.escalated_at),
            "resolved_at": iso(alert.resolved_at), "message": alert.message, "message_en": message_en,
            "details": details})
    return found


@bp.get("/alerts")
@document("/alerts", "get", "Alerts of your units, newest first", tag="alerts", response=ALERT, paginated=True,
          params=[query_param("status", "open, acknowledged or resolved", enum_schema(AlertStatus)),
                  query_param("kind", "alert kind", enum_schema(AlertKind)),
                  query_param("unit", "unit code"), query_param("desk", "desk code")])
def list_alerts():
    page, per_page = page_args()
    status, kind = arg_choice("status", AlertStatus), arg_choice("kind", AlertKind)
    unit_code, desk_code = arg("unit"), arg("desk")
    query = select(Alert).where(Alert.unit_id.in_(visible()))
    if status is not None:
        query = query.where(Alert.status == status)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    if unit_code is not None:
        query = query.where(Alert.unit_id == visible_unit(unit_code).id)
    if desk_code is not None:
        query = query.where(Alert.desk_id == visible_desk(desk_code).id)
    db = get_session()
    total = total_of(query)
    rows = db.scalars(page_of(query.order_by(Alert.opened_at.desc(), Alert.id.desc()), page, per_page)).all()
    return paginated(alerts_json(list(rows)), total, page, per_page)


@bp.get("/alerts/<int:alert_id>")
@document("/alerts/{id}", "get", "One alert", tag="alerts", response=ALERT, params=[id_param(what="alert id")])
def get_alert(alert_id: int):
    return jsonify(alerts_json([scoped(Alert, alert_id, "alert")])[0])


@bp.post("/alerts/<int:alert_id>/acknowledge")
@document("/alerts/{id}/acknowledge", "post", "Acknowledge an open alert (admin, inspector, manager); "
          "acknowledging twice changes nothing, a resolved alert is a 409", tag="alerts", response=ALERT,
          params=[id_param(what="alert id")], errors=(409,))
@roles_required(*REVIEW_ROLES)
def acknowledge_alert(alert_id: int):
    json_body(set(), optional_body=True)
    alert = scoped(Alert, alert_id, "alert")
    if alert.status == AlertStatus.RESOLVED:
        fail(409, f"alert #{alert.id} is already resolved: nothing to acknowledge")
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = datetime.now(timezone.utc)
        alert.acknowledged_by_id = current_user.id
        get_session().commit()
    return jsonify(alerts_json([alert])[0])
