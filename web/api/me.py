"""``GET /api/v1/me``: who the caller is, and for a staff account their official, notices and what is asked."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from models.access import Notification
from models.enums import FindingStatus, Role
from models.findings import Finding
from models.org import Staff, Unit
from web.api import bp
from web.api.common import INT, OPT_STR, STR, TIME, iso, obj
from web.api.openapi import document
from web.db import get_session
from web.scope import own_staff_id

NOTICE = obj({"id": INT, "created_at": TIME, "kind": STR, "subject": STR, "body": STR, "link": OPT_STR,
              "read": {"type": "boolean"}})
ASKED = obj({"finding_id": INT, "kind": STR, "day": STR, "explanation_due": OPT_STR})
OFFICIAL = {"type": ["object", "null"], "additionalProperties": False, "required": ["code", "full_name", "unit_code"],
            "properties": {"code": STR, "full_name": STR, "unit_code": STR}}
ME = obj({"username": STR, "role": {"type": "string", "enum": [r.value for r in Role]}, "full_name": OPT_STR,
          "official": OFFICIAL, "notifications": {"type": "array", "items": NOTICE},
          "awaiting_explanation": {"type": "array", "items": ASKED}})


@bp.get("/me")
@document("/me", "get", "The caller: role, and for a staff account its official, its latest 50 notices and the "
          "findings awaiting its explanation with their deadlines", tag="users", response=ME)
def me():
    db = get_session()
    own = own_staff_id()
    official, notices, asked = None, [], []
    if own is not None:
        row = db.execute(select(Staff.code, Staff.full_name, Unit.code).join(Unit, Staff.unit_id == Unit.id)
                         .where(Staff.id == own)).first()
        official = {"code": row[0], "full_name": row[1], "unit_code": row[2]} if row else None
        notices = [{"id": n.id, "created_at": iso(n.created_at), "kind": n.kind, "subject": n.subject,
                    "body": n.body, "link": n.link, "read": n.read_at is not None}
                   for n in db.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                       .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(50))]
        asked = [{"finding_id": f.id, "kind": f.kind.value, "day": f.day.isoformat(),
                  "explanation_due": f.explanation_due.isoformat() if f.explanation_due else None}
                 for f in db.scalars(select(Finding).where(Finding.staff_id == own,
                                                           Finding.status == FindingStatus.AWAITING_EXPLANATION)
                                     .order_by(Finding.explanation_due, Finding.id))]
    return jsonify({"username": current_user.username, "role": current_user.role.value,
                    "full_name": current_user.full_name, "official": official, "notifications": notices,
                    "awaiting_explanation": asked})
