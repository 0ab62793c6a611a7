"""What the cameras saw: observations of a desk over a time range, and a desk's presence on one day."""

from __future__ import annotations

from datetime import timedelta

from flask import jsonify
from sqlalchemy import bindparam, func, select

from audit.services.daily_facts import desk_days
from models.enums import DEFAULT_TIMEZONE, CameraHealth, PresenceState
from models.observing import Observation, PresenceEvent
from models.org import Camera, Desk
from web.api import bp, page_args, paginated
from web.api.common import (
    BOOL,
    DAY,
    DAY_SCHEMA,
    INT,
    NUM,
    OPT_INT,
    OPT_NUM,
    OPT_STR,
    OPT_TIME,
    STR,
    TIME,
    TIME_SCHEMA,
    arg,
    day_range,
    enum_schema,
    fail,
    iso,
    obj,
    parse_day,
    parse_time,
    query_param,
    unit_codes,
    visible_desk,
)
from web.api.openapi import document
from web.db import get_session
from web.read import scoped_or_404

MAX_RANGE = timedelta(days=31)
OBSERVATION = obj({"id": INT, "unit_code": STR, "desk_code": STR, "camera_code": STR, "slot_at": TIME,
                   "observed_at": TIME, "health": enum_schema(CameraHealth), "presence": enum_schema(PresenceState),
                   "persons": OPT_INT, "staff_count": OPT_INT, "queue_count": OPT_INT,
                   "desk_health": enum_schema(CameraHealth), "desk_queue": OPT_INT, "has_snapshot": BOOL})
SPAN = obj({"start": TIME, "end": TIME, "minutes": NUM, "queue_max": OPT_INT})
FACTS = obj({"scheduled_minutes": NUM, "present_minutes": NUM, "absent_minutes": NUM, "unknown_minutes": NUM,
             "staffed_rate": OPT_NUM, "first_seen": OPT_TIME, "last_seen": OPT_TIME,
             "longest_absence_minutes": NUM, "queue_max": OPT_INT, "queue_mean": OPT_NUM,
             "unattended": {"type": "array", "items": SPAN}})
EVENT = obj({"at": TIME, "state": enum_schema(PresenceState), "previous_state": enum_schema(PresenceState,
                                                                                            nullable=True),
             "camera_code": OPT_STR, "reason": OPT_STR})
PRESENCE = obj({"unit_code": STR, "desk_code": STR, "desk_id": INT, "day": DAY, "schedule_reason": OPT_STR,
                "sessions": {"type": "array", "items": obj({"start": TIME, "end": TIME})},
                "facts": {"oneOf": [FACTS, {"type": "null"}]},
                "state_at_start": enum_schema(PresenceState, nullable=True),
                "events": {"type": "array", "items": EVENT}})
DESK_PARAM = query_param("desk", "desk code", required=True, example="TV-HT")


OBSERVATION_FIELDS = (Observation.id, Observation.slot_at, Observation.observed_at, Observation.health,
                      Observation.presence, Observation.persons, Observation.staff_count, Observation.queue_count,
                      Observation.snapshot_path, Observation.desk_health, Observation.desk_queue)


# Built once (the most asked-for list: a desk's day): building and keying a statement costs more than running it.
DESK_BY_CODE = select(Desk.id, Desk.unit_id, Desk.code).where(Desk.code == bindparam("code"))
IN_RANGE = (Observation.desk_id == bindparam("desk_id"), Observation.slot_at >= bindparam("start"),
            Observation.slot_at < bindparam("end"))
COUNT_OBSERVATIONS = select(func.count()).select_from(Observation).where(*IN_RANGE)
PAGE_OF_OBSERVATIONS = (select(*OBSERVATION_FIELDS, Camera.code.label("camera_code"))  # plain rows, not ORM objects
                        .join(Camera, Observation.camera_id == Camera.id).where(*IN_RANGE)
                        .order_by(Observation.slot_at, Observation.camera_id)
                        .limit(bindparam("limit")).offset(bindparam("offset")))


def observation_json(row, unit_code: str, desk_code: str, camera_code: str) -> dict:
    """An observation (an ORM row or a row of OBSERVATION_FIELDS) as the API shows it."""
    return {"id": row.id, "unit_code": unit_code, "desk_code": desk_code, "camera_code": camera_code,
            "slot_at": iso(row.slot_at), "observed_at": iso(row.observed_at), "health": row.health.value,
            "presence": row.presence.value, "persons": row.persons, "staff_count": row.staff_count,
            "queue_count": row.queue_count,
            # the desk's view from all its cameras at that moment (rows from before it was stored: this camera's)
            "desk_health": (row.desk_health or row.health).value,
            "desk_queue": row.desk_queue if row.desk_health is not None else row.queue_count,
            "has_snapshot": row.snapshot_path is not None}


@bp.get("/observations")
@document("/observations", "get", "Camera samples of one desk from `from` (inclusive) to `to` (exclusive), "
          f"at most 31 days; times without an offset are {DEFAULT_TIMEZONE}", tag="activity", response=OBSERVATION,
          paginated=True, params=[
              DESK_PARAM,
              query_param("from", "start, ISO 8601", TIME_SCHEMA, required=True,
                          example="2026-03-31T07:30:00+07:00"),
              query_param("to", "end, ISO 8601", TIME_SCHEMA, required=True,
                          example="2026-03-31T17:00:00+07:00")])
def list_observations():
    page, per_page = page_args()
    code = arg("desk", required=True)
    start = parse_time(arg("from", required=True), "from")
    end = parse_time(arg("to", required=True), "to")
    if end <= start:
        fail(400, f"to: {iso(end)} must be after from ({iso(start)})")
    if end - start > MAX_RANGE:
        fail(400, f"to: the range from {iso(start)} to {iso(end)} is longer than 31 days")
    db = get_session()
    desk = scoped_or_404(db.execute(DESK_BY_CODE, {"code": code}).first(),
                         message=f"desk: no desk {code!r} in your units")
    where = {"desk_id": desk.id, "start": start, "end": end}
    total = db.scalar(COUNT_OBSERVATIONS, where)
    rows = db.execute(PAGE_OF_OBSERVATIONS, {**where, "limit": per_page, "offset": (page - 1) * per_page}).all()
    unit_code = unit_codes()[desk.unit_id]
    return paginated([observation_json(row, unit_code, desk.code, row.camera_code) for row in rows], total, page,
                     per_page)


@bp.get("/presence")
@document("/presence", "get", "A desk's day: scheduled sessions, presence facts (minutes; unknown time is never "
          "absence) and the presence changes", tag="activity", response=PRESENCE,
          params=[DESK_PARAM, query_param("day", "local day", DAY_SCHEMA, required=True,
                                          example="2026-03-31")])
def desk_presence():
    code = arg("desk", required=True)
    day = parse_day(arg("day", required=True))
    desk = visible_desk(code)
    db = get_session()
    unit_code = unit_codes()[desk.unit_id]
    found = next((d for d in desk_days(db, day, unit_code=unit_code) if d.desk_id == desk.id), None)
    start, end = day_range(day, desk.unit.timezone)
    events = db.scalars(select(PresenceEvent).where(PresenceEvent.desk_id == desk.id, PresenceEvent.at >= start,
                                                    PresenceEvent.at < end)
                        .order_by(PresenceEvent.at, PresenceEvent.id)).all()
    cameras = dict(db.execute(select(Camera.id, Camera.code)
                              .where(Camera.id.in_({e.camera_id for e in events if e.camera_id}))).all())
    before = db.scalar(select(PresenceEvent.state).where(PresenceEvent.desk_id == desk.id, PresenceEvent.at < start)
                       .order_by(PresenceEvent.at.desc(), PresenceEvent.id.desc()).limit(1))
    return jsonify({
        "unit_code": unit_code, "desk_code": desk.code, "desk_id": desk.id, "day": day.isoformat(),
        "schedule_reason": found.schedule_reason if found else None,
        "sessions": [{"start": iso(a), "end": iso(b)} for a, b in (found.intervals if found else ())],
        "facts": facts_json(found.facts) if found else None,
        "state_at_start": before.value if before is not None else None,
        "events": [{"at": iso(e.at), "state": e.state.value,
                    "previous_state": e.previous_state.value if e.previous_state else None,
                    "camera_code": cameras.get(e.camera_id), "reason": e.reason} for e in events],
    })


def facts_json(facts) -> dict:
    return {
        "scheduled_minutes": round(facts.scheduled_minutes, 2), "present_minutes": round(facts.present_minutes, 2),
        "absent_minutes": round(facts.absent_minutes, 2), "unknown_minutes": round(facts.unknown_minutes, 2),
        "staffed_rate": None if facts.staffed_rate is None else round(facts.staffed_rate, 4),
        "first_seen": iso(facts.first_seen), "last_seen": iso(facts.last_seen),
        "longest_absence_minutes": round(facts.longest_absence_minutes, 2), "queue_max": facts.queue_max,
        "queue_mean": None if facts.queue_mean is None else round(facts.queue_mean, 2),
        "unattended": [{"start": iso(s.start), "end": iso(s.end), "minutes": round(s.minutes, 2),
                        "queue_max": s.queue_max} for s in facts.unattended],
    }
