"""Inspections (kiểm tra công vụ) through the API: list, read, and record one with its checklist results
(audit/services/inspections.py), optionally finalized (signed) in the same request."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy import case, func, select

from audit.rules.scoring import month_window
from audit.services.inspections import (
    BASIS_LIMIT,
    InspectionError,
    ItemOutcome,
    deductions_of,
    finalize,
    record_inspection,
)
from audit.services.staff_voice import VoiceError, reply_to_inspection
from models.checklists import ChecklistItem, ChecklistTemplate, Inspection, InspectionResult
from models.enums import DEFAULT_TIMEZONE, InspectionStatus, ItemResult, ItemScope
from models.org import Desk, Staff
from web.api import bp, page_args, page_of, paginated, total_of
from web.api.common import (
    CODE_SCHEMA,
    INT,
    MONTH_SCHEMA,
    NUM,
    OPT_STR,
    OPT_TIME,
    STR,
    TIME,
    TIME_SCHEMA,
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
    parse_time,
    query_param,
    scoped,
    unit_codes,
    visible_unit,
)
from web.api.openapi import document
from web.db import get_session
from web.read import LOCAL, acting_user, now_utc
from web.scope import DECIDE_ROLES, EXPLAIN_ROLES, own_inspections, own_staff_id, roles_required

INSPECTION = obj({"id": INT, "unit_code": STR, "desk_code": OPT_STR, "staff_code": OPT_STR, "inspector_name": STR,
                  "record_number": OPT_STR, "basis": OPT_STR, "started_at": TIME, "ended_at": OPT_TIME,
                  "status": enum_schema(InspectionStatus), "note": OPT_STR, "checklist": STR, "checklist_version": INT,
                  "result_count": INT, "failed_count": INT})
RESULT = obj({"id": INT, "number": INT, "text_vi": STR, "text_en": STR, "scope": enum_schema(ItemScope),
              "result": enum_schema(ItemResult), "occurrences": INT, "note": OPT_STR, "staff_code": OPT_STR})
DEDUCTION = obj({"inspection_result_id": INT, "staff_code": OPT_STR, "points": NUM, "reason": STR})
INSPECTION_DETAIL = obj({**INSPECTION["properties"], "results": {"type": "array", "items": RESULT},
                         "deductions": {"type": "array", "items": DEDUCTION}})
NOTE = {"type": ["string", "null"], "maxLength": 4000}
OPT_CODE = {**CODE_SCHEMA, "type": ["string", "null"]}
ITEM_BODY = {"type": "object", "required": ["number", "result"], "additionalProperties": False, "properties": {
    "number": {"type": "integer", "minimum": 1, "maximum": 1000},
    "result": {"type": "string", "description": "pass, fail, na (or đạt, không đạt, không áp dụng)",
               "examples": ["fail"]},
    "occurrences": {"type": "integer", "minimum": 1, "maximum": 1000}, "note": NOTE, "staff": OPT_CODE}}
INSPECTION_BODY = {"type": "object", "required": ["unit", "started_at", "items"], "additionalProperties": False,
                   "properties": {
                       "unit": CODE_SCHEMA, "desk": OPT_CODE, "staff": OPT_CODE, "started_at": TIME_SCHEMA,
                       "ended_at": {**TIME_SCHEMA, "type": ["string", "null"]},
                       "record_number": {"type": ["string", "null"], "maxLength": 64}, "note": NOTE,
                       "basis": {"type": ["string", "null"], "maxLength": BASIS_LIMIT,
                                 "description": "the inspection's decision or plan, the record's last \"Căn cứ\" "
                                                "line (none: the site's [inspection] basis)"},
                       "items": {"type": "array", "items": ITEM_BODY, "maxItems": 200},
                       "finalize": {"type": "boolean", "default": False}},
                   "examples": [{"unit": "NA-TRUONGVINH", "desk": "TV-HT", "staff": "CB-TV-01",
                                 "started_at": "2026-03-31T07:45:00+07:00", "record_number": "12/BB-KTCV",
                                 "basis": "Quyết định số 12/QĐ-SNV ngày 02 tháng 3 năm 2026 của Giám đốc Sở Nội vụ "
                                          "về việc kiểm tra công vụ",
                                 "items": [{"number": 5, "result": "fail", "note": "Không đeo thẻ"},
                                           {"number": 13, "result": "pass"}], "finalize": True}]}
BODY_KEYS = set(INSPECTION_BODY["properties"])
ITEM_KEYS = set(ITEM_BODY["properties"])


def inspections_json(rows: list[Inspection]) -> list[dict]:
    db = get_session()
    desks = dict(db.execute(select(Desk.id, Desk.code).where(Desk.id.in_({i.desk_id for i in rows} - {None}))).all())
    staff = dict(db.execute(select(Staff.id, Staff.code)
                            .where(Staff.id.in_({i.staff_id for i in rows} - {None}))).all())
    templates = {t.id: t for t in db.scalars(select(ChecklistTemplate)
                                             .where(ChecklistTemplate.id.in_({i.template_id for i in rows})))}
    counts = {i: (n, failed) for i, n, failed in db.execute(
        select(InspectionResult.inspection_id, func.count(),
               func.sum(case((InspectionResult.result == ItemResult.FAIL, 1), else_=0)))
        .where(InspectionResult.inspection_id.in_([i.id for i in rows])).group_by(InspectionResult.inspection_id))}
    return [{
        "id": i.id, "unit_code": unit_codes()[i.unit_id], "desk_code": desks.get(i.desk_id),
        "staff_code": staff.get(i.staff_id), "inspector_name": i.inspector_name, "record_number": i.record_number,
        "basis": i.basis, "started_at": iso(i.started_at), "ended_at": iso(i.ended_at), "status": i.status.value,
        "note": i.note,
        "checklist": templates[i.template_id].code, "checklist_version": templates[i.template_id].version,
        "result_count": counts.get(i.id, (0, 0))[0], "failed_count": int(counts.get(i.id, (0, 0))[1] or 0)}
        for i in rows]


def inspection_detail(inspection: Inspection) -> dict:
    db = get_session()
    items = {item.id: item for item in db.scalars(select(ChecklistItem)
                                                  .where(ChecklistItem.template_id == inspection.template_id))}
    own = own_staff_id()  # a staff user reads their own results and the unit's, not a colleague's
    results = sorted((r for r in inspection.results if own is None or r.staff_id in (own, None)),
                     key=lambda r: (items[r.item_id].number, r.staff_id or 0))
    deductions = [d for d in deductions_of(inspection) if own is None or d.staff_id in (own, None)]
    staff = dict(db.execute(select(Staff.id, Staff.code).where(
        Staff.id.in_({r.staff_id for r in results} | {d.staff_id for d in deductions} - {None}))).all())
    return {
        **inspections_json([inspection])[0],
        "results": [{"id": r.id, "number": items[r.item_id].number, "text_vi": items[r.item_id].text_vi,
                   "text_en": items[r.item_id].text_en, "scope": items[r.item_id].scope.value,
                   "result": r.result.value, "occurrences": r.occurrences, "note": r.note,
                   "staff_code": staff.get(r.staff_id)} for r in results],
        "deductions": [{"inspection_result_id": d.result.id, "staff_code": staff.get(d.staff_id),
                        "points": number(d.points), "reason": d.reason} for d in deductions],
    }


@bp.get("/inspections")
@document("/inspections", "get", "Inspections of your units, newest first", tag="inspections", response=INSPECTION,
          paginated=True, params=[query_param("unit", "unit code (that unit and the units below it)"),
                                  query_param("month", "local month YYYY-MM of the visit", MONTH_SCHEMA),
                                  query_param("status", "draft or final", enum_schema(InspectionStatus))])
def list_inspections():
    page, per_page = page_args()
    status = arg_choice("status", InspectionStatus)
    month = arg_month()
    query = select(Inspection).where(Inspection.unit_id.in_(arg_units()), own_inspections())
    if status is not None:
        query = query.where(Inspection.status == status)
    if month is not None:
        first, after = month_window(month, LOCAL)
        query = query.where(Inspection.started_at >= first, Inspection.started_at < after)
    db = get_session()
    total = total_of(query)
    rows = db.scalars(page_of(query.order_by(Inspection.started_at.desc(), Inspection.id.desc()), page,
                              per_page)).all()
    return paginated(inspections_json(list(rows)), total, page, per_page)


@bp.get("/inspections/<int:inspection_id>")
@document("/inspections/{id}", "get", "One inspection with its item results and the deductions they make",
          tag="inspections", response=INSPECTION_DETAIL, params=[id_param(what="inspection id")])
def get_inspection(inspection_id: int):
    return jsonify(inspection_detail(scoped(Inspection, inspection_id, "inspection")))


REPLY = obj({"id": INT, "inspection_id": INT, "staff_code": STR, "text": STR, "submitted_at": TIME})
REPLY_BODY = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
    "text": {"type": "string", "pattern": "\\S", "maxLength": 4000},
    "staff_code": {**OPT_CODE, "description": "the official replying (not for a staff account: it replies for "
                                             "itself)"}},
    "examples": [{"text": "Tôi đồng ý với kết quả; thẻ công chức bị mất, đã làm đơn cấp lại."}]}


@bp.post("/inspections/<int:inspection_id>/reply")
@document("/inspections/{id}/reply", "post", "An inspected official's reply to a FINAL record's results, until its "
          "reply day (a staff account for itself; admin, inspector, manager for a named official)",
          tag="inspections", response=REPLY, body=REPLY_BODY, params=[id_param(what="inspection id")], status=201,
          errors=(409,))
@roles_required(*EXPLAIN_ROLES)
def reply_inspection(inspection_id: int):
    body = json_body({"text", "staff_code"}, {"text"})
    text = body_text(body, "text", required=True)
    staff_code = body_text(body, "staff_code", max_length=64)
    inspection = scoped(Inspection, inspection_id, "inspection")
    db = get_session()
    try:
        answer = reply_to_inspection(db, inspection.id, text, now=now_utc(), by=acting_user(), staff_code=staff_code)
        db.commit()
    except VoiceError as error:
        db.rollback()
        fail(409, str(error))
    code = db.scalar(select(Staff.code).where(Staff.id == answer.staff_id))
    return jsonify({"id": answer.id, "inspection_id": inspection.id, "staff_code": code, "text": answer.text,
                    "submitted_at": iso(answer.submitted_at)}), 201


@bp.post("/inspections")
@document("/inspections", "post", "Record an inspection (admin, inspector): checklist results per item, a draft "
          "unless finalize is true (a final record is never changed). Times without an offset are "
          f"{DEFAULT_TIMEZONE}", tag="inspections", response=INSPECTION_DETAIL, body=INSPECTION_BODY, status=201)
@roles_required(*DECIDE_ROLES)
def create_inspection():
    body = json_body(BODY_KEYS, {"unit", "started_at", "items"})
    unit_code = body_text(body, "unit", required=True, max_length=64)
    started_at = parse_time(body["started_at"], "started_at")
    ended_at = parse_time(body["ended_at"], "ended_at") if body.get("ended_at") is not None else None
    if not isinstance(body.get("finalize", False), bool):
        fail(400, "finalize: expected true or false")
    texts = {"desk_code": body_text(body, "desk", max_length=255), "note": body_text(body, "note"),
             "staff_code": body_text(body, "staff", max_length=255),
             "record_number": body_text(body, "record_number", max_length=64),
             "basis": body_text(body, "basis", max_length=BASIS_LIMIT)}
    outcomes = _outcomes(body["items"])
    unit = visible_unit(unit_code, "unit", status=422)  # a unit outside your scope is as unknown as a typo
    db = get_session()
    try:
        inspection = record_inspection(
            db, unit_code=unit.code, inspector_name=current_user.full_name or current_user.username,
            inspector_user_id=current_user.id, started_at=started_at, ended_at=ended_at, outcomes=outcomes, **texts)
        if body.get("finalize"):
            finalize(db, inspection.id, now_utc())
        db.commit()
    except InspectionError as error:
        db.rollback()
        fail(422, str(error))
    return jsonify(inspection_detail(inspection)), 201


def _outcomes(items) -> list[ItemOutcome]:
    """The body's items as outcomes; shapes and types are checked here, values by record_inspection."""
    if not isinstance(items, list):
        fail(400, "items: expected a list of {number, result, occurrences?, note?, staff?}")
    found = []
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            fail(400, f"{where}: expected an object with number and result")
        unknown = sorted(set(item) - ITEM_KEYS)
        if unknown:
            fail(400, f"{where}.{unknown[0]}: unknown field (allowed: {', '.join(sorted(ITEM_KEYS))})")
        for key in ("number", "result"):
            if item.get(key) is None:
                fail(400, f"{where}.{key}: required")
        for key in ("number", "occurrences"):
            value = item.get(key, 1)
            if isinstance(value, bool) or not isinstance(value, int):
                fail(400, f"{where}.{key}: expected a whole number, got {value!r}")
            if not 1 <= value <= 1000:
                fail(422, f"{where}.{key}: {value} must be between 1 and 1000")
        found.append(ItemOutcome(
            number=item["number"], result=body_text(item, "result", required=True, max_length=64,
                                                    label=f"{where}.result"),
            occurrences=item.get("occurrences", 1), note=body_text(item, "note", label=f"{where}.note"),
            staff_code=body_text(item, "staff", max_length=255, label=f"{where}.staff")))
    return found
