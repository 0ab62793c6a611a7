"""Read endpoints of the organisation: units and desks. Every query is limited to the caller's units.

Importing this module registers every endpoint of ``/api/v1`` on the blueprint (the imports at the end).
"""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import func, select

from audit.services.coverage import desk_cameras
from models.org import Desk, Staff, Unit
from web.api import bp, page_args, page_of, paginated, total_of
from web.api.common import (
    BOOL,
    CODE_SCHEMA,
    INT,
    OPT_STR,
    STR,
    arg_units,
    id_param,
    obj,
    path_code,
    query_param,
    scoped,
    unit_codes,
    visible_unit,
)
from web.api.openapi import document
from web.db import get_session
from web.scope import visible_unit_ids

UNIT = obj({"id": INT, "code": STR, "unit_code": STR, "name": STR, "level": STR, "parent_code": OPT_STR,
            "active": BOOL})
UNIT_DETAIL = obj({**UNIT["properties"], "children": {"type": "array", "items": STR}, "desks": INT, "officials": INT})
DESK = obj({"id": INT, "code": STR, "unit_code": STR, "name": STR, "field": STR, "saturday_reception": BOOL,
            "active": BOOL})
OFFICIAL = obj({"code": STR, "full_name": STR, "title": OPT_STR, "active": BOOL})
DESK_DETAIL = obj({**DESK["properties"], "cameras": {"type": "array", "items": STR},
                   "officials": {"type": "array", "items": OFFICIAL}})
UNIT_FILTER = query_param("unit", "unit code: that unit and the units below it (404 when it is not one of yours)")


def unit_json(unit: Unit, codes: dict[int, str]) -> dict:
    return {"id": unit.id, "code": unit.code, "unit_code": unit.code, "name": unit.name, "level": unit.level.value,
            "parent_code": codes.get(unit.parent_id), "active": unit.active}


DESK_FIELDS = (Desk.id, Desk.code, Desk.unit_id, Desk.name, Desk.field, Desk.saturday_reception, Desk.active)


def desk_json(desk, unit_code: str) -> dict:
    """A desk (an ORM row or a row of DESK_FIELDS) as the API shows it."""
    return {"id": desk.id, "code": desk.code, "unit_code": unit_code, "name": desk.name, "field": desk.field,
            "saturday_reception": desk.saturday_reception, "active": desk.active}


@bp.get("/units")
@document("/units", "get", "Units in your scope", tag="organisation", response=UNIT, paginated=True)
def list_units():
    page, per_page = page_args()
    db = get_session()
    query = select(Unit).where(Unit.id.in_(sorted(visible_unit_ids())))
    total = total_of(query)
    rows = db.scalars(page_of(query.order_by(Unit.code), page, per_page)).all()
    return paginated([unit_json(u, unit_codes()) for u in rows], total, page, per_page)


@bp.get("/units/<code>")
@document("/units/{code}", "get", "One unit: its parent, the units below it, how many desks and officials",
          tag="organisation", response=UNIT_DETAIL,
          params=[{"name": "code", "in": "path", "required": True, "schema": CODE_SCHEMA, "example": "NA-TRUONGVINH",
                   "description": "unit code"}])
def get_unit(code: str):
    unit = visible_unit(path_code(code, "code", "unit"), "code")
    db = get_session()
    children = db.scalars(select(Unit.code).where(Unit.parent_id == unit.id, Unit.id.in_(sorted(visible_unit_ids())))
                          .order_by(Unit.code)).all()
    desks = db.scalar(select(func.count()).select_from(Desk).where(Desk.unit_id == unit.id))
    officials = db.scalar(select(func.count()).select_from(Staff).where(Staff.unit_id == unit.id,
                                                                         Staff.active.is_(True)))
    return jsonify({**unit_json(unit, unit_codes()), "children": list(children), "desks": desks,
                    "officials": officials})


@bp.get("/desks")
@document("/desks", "get", "Desks of the units in your scope", tag="organisation", response=DESK, paginated=True,
          params=[UNIT_FILTER])
def list_desks():
    page, per_page = page_args()
    db = get_session()
    query = select(*DESK_FIELDS).where(Desk.unit_id.in_(arg_units()))  # plain rows, not ORM objects
    total = total_of(query)
    codes = unit_codes()
    rows = db.execute(page_of(query.join(Unit, Desk.unit_id == Unit.id).order_by(Unit.code, Desk.code),
                              page, per_page)).all()
    return paginated([desk_json(d, codes[d.unit_id]) for d in rows], total, page, per_page)


@bp.get("/desks/<int:desk_id>")
@document("/desks/{id}", "get", "One desk with its cameras and the officials it is the default desk of",
          tag="organisation", response=DESK_DETAIL, params=[id_param(what="desk id")])
def get_desk(desk_id: int):
    desk = scoped(Desk, desk_id, "desk")
    db = get_session()
    cameras = [c.code for c in desk_cameras(db, [desk.id], enabled_only=False)[desk.id]]  # room cameras too
    officials = db.scalars(select(Staff).where(Staff.default_desk_id == desk.id).order_by(Staff.code)).all()
    return jsonify({**desk_json(desk, unit_codes()[desk.unit_id]), "cameras": list(cameras),
                    "officials": [{"code": s.code, "full_name": s.full_name, "title": s.title, "active": s.active}
                                  for s in officials]})


from web.api import activity, alerts, inspections, me, org, review, scores  # noqa: E402,F401  (register their endpoints)
