"""Findings through the API: list and read them (with evidence, explanations, decisions), record the official's
explanation, and decide (request explanation, confirm, dismiss, reopen) through audit/services/workflow.py.

Below the inspector role the official of an unconfirmed proposal is withheld (web/scope.py ``withheld``): its
``staff_code`` and ``staff_name`` are null with ``staff_withheld`` true, a list says how many it withholds, and
``?staff=`` finds only the findings that name their official to the caller."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from audit.rules.scoring import month_bounds
from audit.services.workflow import WorkflowError, decide, explain
from audit.services.zone_review import needs_review
from models.access import User
from models.enums import DecisionAction, FindingKind, FindingStatus
from models.findings import Finding, FindingEvidence
from models.observing import Observation
from models.org import Desk, Staff
from web.api import bp, page_args, page_of, paginated, total_of
from web.api.common import (
    BOOL,
    DAY,
    INT,
    MONTH_SCHEMA,
    OPT_INT,
    OPT_NUM,
    OPT_STR,
    OPT_TIME,
    STR,
    TIME,
    arg,
    arg_choice,
    arg_month,
    arg_units,
    body_text,
    enum_schema,
    fail,
    id_param,
    iso,
    json_body,
    number,
    obj,
    query_param,
    scoped,
    unit_codes,
    usernames,
    visible_desk,
)
from web.api.openapi import document
from web.db import get_session
from web.read import acting_user, log_access, now_utc, staff_in_scope
from web.scope import (
    DECIDE_ROLES,
    EXPLAIN_ROLES,
    REVIEW_ROLES,
    can,
    own_findings,
    roles_required,
    sees_every_official,
    withheld,
    withheld_findings,
)

ZONE_VERSIONS = {"type": ["object", "null"], "additionalProperties": {"type": "integer", "minimum": 1},
                 "description": "the zones the finding was computed under: {\"CAMERA/zone\": version}"}
WITHHELD = {"type": "boolean", "description": "the finding is about an official your role is not told of until it "
                                              "is confirmed (staff_code and staff_name are null)"}
FINDING = obj({"id": INT, "unit_code": STR, "desk_code": OPT_STR, "staff_code": OPT_STR, "staff_name": OPT_STR,
               "staff_withheld": WITHHELD,
               "day": DAY, "kind": enum_schema(FindingKind), "status": enum_schema(FindingStatus),
               "starts_at": OPT_TIME, "ends_at": OPT_TIME, "minutes": OPT_INT, "proposed_deduction": OPT_NUM,
               "checklist_item_number": OPT_INT, "summary": OPT_STR, "rule_version": STR,
               "zone_versions": ZONE_VERSIONS, "review_reason": OPT_STR, "review_flagged_at": OPT_TIME,
               "needs_review": BOOL, "decided_by": OPT_STR, "decided_at": OPT_TIME, "decision_reason": OPT_STR})
EVIDENCE = obj({"id": INT, "observation_id": OPT_INT, "observed_at": OPT_TIME, "snapshot_path": OPT_STR,
                "note": OPT_STR})
EXPLANATION = obj({"id": INT, "finding_id": INT, "staff_code": OPT_STR, "text": STR, "attachment_ref": OPT_STR,
                   "submitted_at": TIME, "submitted_by": OPT_STR})
DECISION = obj({"id": INT, "action": enum_schema(DecisionAction), "from_status": enum_schema(FindingStatus),
                "to_status": enum_schema(FindingStatus), "reason": OPT_STR, "decided_by": OPT_STR,
                "decided_at": TIME})
FINDING_DETAIL = obj({**FINDING["properties"], "details": {"type": ["object", "null"]},
                      "evidence": {"type": "array", "items": EVIDENCE},
                      "explanations": {"type": "array", "items": EXPLANATION},
                      "decisions": {"type": "array", "items": DECISION}})
EXPLAIN_BODY = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
    "text": {"type": "string", "pattern": "\\S", "maxLength": 4000},
    "attachment_ref": {"type": ["string", "null"], "maxLength": 255}},
    "examples": [{"text": "Tôi được triệu tập họp theo Giấy mời số 12/GM-UBND.", "attachment_ref": "12/GM-UBND"}]}
DECIDE_BODY = {"type": "object", "required": ["action"], "additionalProperties": False, "properties": {
    "action": enum_schema(DecisionAction), "reason": {"type": ["string", "null"], "maxLength": 4000}},
    "if": {"properties": {"action": {"enum": ["confirm", "dismiss", "reopen"]}}},
    "then": {"required": ["reason"], "properties": {"reason": {"type": "string", "pattern": "\\S"}}},
    "examples": [{"action": "request_explanation"}, {"action": "confirm", "reason": "Giải trình không có căn cứ."}]}


def finding_json(f, desk_code: str | None, staff_code: str | None, staff_name: str | None,
                 decided_by: str | None, codes: dict[int, str] | None = None) -> dict:
    """A finding (an ORM row, or a row of its LISTED columns) as the API shows it to the signed-in user."""
    hidden = withheld(f.status, f.staff_id)
    if hidden:
        staff_code = staff_name = None
    return {
        "id": f.id, "unit_code": (codes or unit_codes())[f.unit_id], "desk_code": desk_code, "staff_code": staff_code,
        "staff_name": staff_name, "staff_withheld": hidden, "day": f.day.isoformat(), "kind": f.kind.value,
        "status": f.status.value,
        "starts_at": iso(f.starts_at), "ends_at": iso(f.ends_at), "minutes": f.minutes,
        "proposed_deduction": number(f.proposed_deduction), "checklist_item_number": f.checklist_item_number,
        "summary": f.summary, "rule_version": f.rule_version, "zone_versions": f.zone_versions,
        "review_reason": f.review_reason, "review_flagged_at": iso(f.review_flagged_at),
        "needs_review": needs_review(f), "decided_by": decided_by,
        "decided_at": iso(f.decided_at), "decision_reason": f.decision_reason}


def findings_json(rows: list[Finding]) -> list[dict]:
    db = get_session()
    desks = dict(db.execute(select(Desk.id, Desk.code).where(Desk.id.in_({f.desk_id for f in rows} - {None}))).all())
    staff = {i: (c, n) for i, c, n in db.execute(
        select(Staff.id, Staff.code, Staff.full_name).where(Staff.id.in_({f.staff_id for f in rows} - {None})))}
    users = usernames(f.decided_by_id for f in rows)
    return [finding_json(f, desks.get(f.desk_id), *staff.get(f.staff_id, (None, None)), users.get(f.decided_by_id))
            for f in rows]


# A page of findings in one statement: their columns (plain rows, not ORM objects) and the names they refer to.
LISTED = (select(Finding.id, Finding.unit_id, Finding.staff_id, Finding.day, Finding.kind, Finding.status,
                 Finding.starts_at, Finding.ends_at, Finding.minutes, Finding.proposed_deduction,
                 Finding.checklist_item_number, Finding.summary, Finding.rule_version, Finding.zone_versions,
                 Finding.review_reason, Finding.review_flagged_at, Finding.decided_at, Finding.decision_reason,
                 Desk.code.label("desk_code"), Staff.code.label("staff_code"),
                 Staff.full_name.label("staff_name"), User.username.label("decided_by_name"))
          .outerjoin(Desk, Finding.desk_id == Desk.id).outerjoin(Staff, Finding.staff_id == Staff.id)
          .outerjoin(User, Finding.decided_by_id == User.id))


def explanation_json(explanation, staff_codes: dict[int, str], users: dict[int, str]) -> dict:
    """An explanation; ``staff_codes`` holds only the officials the user may be told of."""
    return {"id": explanation.id, "finding_id": explanation.finding_id,
            "staff_code": staff_codes.get(explanation.staff_id), "text": explanation.text,
            "attachment_ref": explanation.attachment_ref, "submitted_at": iso(explanation.submitted_at),
            "submitted_by": users.get(explanation.submitted_by_id)}


@bp.get("/findings")
@document("/findings", "get", "Findings of your units, newest day first; below the inspector role the official of "
          "an unconfirmed proposal is withheld and counted in `staff_withheld`", tag="findings", response=FINDING,
          paginated=True, list_extra={"staff_withheld": {
              "type": "integer", "minimum": 0,
              "description": "how many of the listed findings (all pages) withhold their official from you"}},
          params=[
              query_param("unit", "unit code (that unit and the units below it)"),
              query_param("status", "finding status", enum_schema(FindingStatus)),
              query_param("month", "local month YYYY-MM of the finding's day", MONTH_SCHEMA),
              query_param("kind", "finding kind", enum_schema(FindingKind)),
              query_param("desk", "desk code"),
              query_param("staff", "official's code (below the inspector role: their confirmed findings only)")])
def list_findings():
    page, per_page = page_args()
    status, kind = arg_choice("status", FindingStatus), arg_choice("kind", FindingKind)
    month = arg_month()
    units, desk_code, staff_code = arg_units(), arg("desk"), arg("staff")
    query = select(Finding.id).where(Finding.unit_id.in_(units), own_findings())
    if status is not None:
        query = query.where(Finding.status == status)
    if kind is not None:
        query = query.where(Finding.kind == kind)
    if month is not None:
        first, last = month_bounds(month)
        query = query.where(Finding.day >= first, Finding.day <= last)
    if desk_code is not None:
        query = query.where(Finding.desk_id == visible_desk(desk_code).id)
    if staff_code is not None:
        official = staff_in_scope(staff_code, f"staff: no official {staff_code!r} in your units")
        query = query.where(Finding.staff_id == official.id, ~withheld_findings())
    total = total_of(query)
    hidden = 0 if sees_every_official() else total_of(query.where(withheld_findings()))
    shown = page_of(query.order_by(Finding.day.desc(), Finding.id.desc()), page, per_page).subquery()
    rows = get_session().execute(LISTED.join(shown, shown.c.id == Finding.id)
                                 .order_by(Finding.day.desc(), Finding.id.desc())).all()
    codes = unit_codes()
    return paginated([finding_json(r, r.desk_code, r.staff_code, r.staff_name, r.decided_by_name, codes)
                      for r in rows], total, page, per_page, staff_withheld=hidden)


@bp.get("/findings/<int:finding_id>")
@document("/findings/{id}", "get", "One finding with its evidence, the official's explanations and every decision "
          "(each read is written to the access log)", tag="findings", response=FINDING_DETAIL,
          params=[id_param(what="finding id")])
def get_finding(finding_id: int):
    finding = scoped(Finding, finding_id, "finding")
    db = get_session()
    evidence = db.execute(select(FindingEvidence, Observation.observed_at)
                          .outerjoin(Observation, FindingEvidence.observation_id == Observation.id)
                          .where(FindingEvidence.finding_id == finding.id).order_by(FindingEvidence.id)).all()
    explanations = sorted(finding.explanations, key=lambda e: (e.submitted_at, e.id))
    decisions = sorted(finding.decisions, key=lambda d: (d.decided_at, d.id))
    named = set() if withheld(finding.status, finding.staff_id) else {e.staff_id for e in explanations} - {None}
    staff_codes = dict(db.execute(select(Staff.id, Staff.code).where(Staff.id.in_(named))).all())
    users = usernames([*(e.submitted_by_id for e in explanations), *(d.decided_by_id for d in decisions)])
    body = {
        **findings_json([finding])[0], "details": finding.details,
        "evidence": [{"id": e.id, "observation_id": e.observation_id, "observed_at": iso(at),
                      "snapshot_path": e.snapshot_path, "note": e.note} for e, at in evidence],
        "explanations": [explanation_json(e, staff_codes, users) for e in explanations],
        "decisions": [{"id": d.id, "action": d.action.value, "from_status": d.from_status.value,
                       "to_status": d.to_status.value, "reason": d.reason, "decided_by": users.get(d.decided_by_id),
                       "decided_at": iso(d.decided_at)} for d in decisions],
    }
    log_access("api.finding.view", "finding", finding.id, evidence=len(evidence))
    db.commit()
    return jsonify(body)


@bp.post("/findings/<int:finding_id>/explanation")
@document("/findings/{id}/explanation", "post", "Record the official's explanation (giải trình) of a finding that "
          "awaits one (admin, inspector, manager; a staff account: its own, until the deadline)", tag="findings",
          response=EXPLANATION, body=EXPLAIN_BODY,
          params=[id_param(what="finding id")], status=201, errors=(409,))
@roles_required(*EXPLAIN_ROLES)
def explain_finding(finding_id: int):
    body = json_body({"text", "attachment_ref"}, {"text"})
    text = body_text(body, "text", required=True)
    attachment = body_text(body, "attachment_ref", max_length=255)
    finding = scoped(Finding, finding_id, "finding")
    db = get_session()
    try:
        explanation = explain(db, finding.id, text, now=now_utc(), by=acting_user(),
                            attachment_ref=attachment)
        db.commit()
    except WorkflowError as error:
        db.rollback()
        fail(409, str(error))
    staff_codes = {finding.staff_id: db.scalar(select(Staff.code).where(Staff.id == finding.staff_id))} \
        if finding.staff_id and not withheld(finding.status, finding.staff_id) else {}
    return jsonify(explanation_json(explanation, staff_codes, usernames([explanation.submitted_by_id]))), 201


@bp.post("/findings/<int:finding_id>/decision")
@document("/findings/{id}/decision", "post", "Decide on a finding: request_explanation (admin, inspector, manager); "
          "confirm, dismiss, reopen (admin, inspector; a reason is required). A step the finding's status does not "
          "allow is a 409", tag="findings", response=FINDING, body=DECIDE_BODY,
          params=[id_param(what="finding id")], errors=(409,))
@roles_required(*REVIEW_ROLES)
def decide_finding(finding_id: int):
    body = json_body({"action", "reason"}, {"action"})
    action_text = body["action"]
    if not isinstance(action_text, str):
        fail(400, f"action: expected text, got {type(action_text).__name__}")
    if action_text not in {a.value for a in DecisionAction}:
        fail(422, f"action: {action_text!r} is not one of {', '.join(a.value for a in DecisionAction)}")
    action = DecisionAction(action_text)
    reason = body_text(body, "reason", required=action is not DecisionAction.REQUEST_EXPLANATION)
    if action is not DecisionAction.REQUEST_EXPLANATION and not can(*DECIDE_ROLES):
        fail(403, f"action: your role may not {action.value} findings (only admins and inspectors)")
    finding = scoped(Finding, finding_id, "finding")
    db = get_session()
    try:
        decide(db, finding.id, action, by=acting_user(), now=now_utc(), reason=reason)
        db.commit()
    except WorkflowError as error:
        db.rollback()
        fail(409, str(error))
    return jsonify(findings_json([finding])[0])
