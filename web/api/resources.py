"""Read endpoints of the organisation: units and desks. Every query is limited to the caller's units."""

from __future__ import annotations

from sqlalchemy import func, select

from models.org import Desk, Unit
from web.api import bp, page_args, paginated
from web.api.openapi import document
from web.db import get_session
from web.scope import visible_unit_ids

UNIT = {"type": "object", "required": ["id", "code", "name", "level"], "properties": {
    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
    "level": {"type": "string"}, "parent_code": {"type": ["string", "null"]}, "active": {"type": "boolean"}}}
DESK = {"type": "object", "required": ["id", "code", "unit_code", "name"], "properties": {
    "id": {"type": "integer"}, "code": {"type": "string"}, "unit_code": {"type": "string"},
    "name": {"type": "string"}, "field": {"type": "string"}, "saturday_reception": {"type": "boolean"},
    "active": {"type": "boolean"}}}


def unit_json(unit: Unit, codes: dict[int, str]) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level.value,
            "parent_code": codes.get(unit.parent_id), "active": unit.active}


def desk_json(desk: Desk, unit_code: str) -> dict:
    return {"id": desk.id, "code": desk.code, "unit_code": unit_code, "name": desk.name, "field": desk.field,
            "saturday_reception": desk.saturday_reception, "active": desk.active}


@bp.get("/units")
@document("/units", "get", "Units in your scope", tag="organisation", response=UNIT, paginated=True)
def list_units():
    page, per_page = page_args()
    db = get_session()
    visible = sorted(visible_unit_ids())
    query = select(Unit).where(Unit.id.in_(visible)).order_by(Unit.code)
    total = db.scalar(select(func.count()).select_from(Unit).where(Unit.id.in_(visible)))
    codes = dict(db.execute(select(Unit.id, Unit.code)).all())
    rows = db.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return paginated([unit_json(u, codes) for u in rows], total, page, per_page)


@bp.get("/desks")
@document("/desks", "get", "Desks of the units in your scope", tag="organisation", response=DESK, paginated=True,
          params=[{"name": "unit", "in": "query", "schema": {"type": "string"}, "description": "unit code"}])
def list_desks():
    from flask import request

    page, per_page = page_args()
    db = get_session()
    query = (select(Desk, Unit.code).join(Unit, Desk.unit_id == Unit.id)
             .where(Desk.unit_id.in_(sorted(visible_unit_ids()))))
    if request.args.get("unit"):
        query = query.where(Unit.code == request.args["unit"])
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.execute(query.order_by(Unit.code, Desk.code).limit(per_page).offset((page - 1) * per_page)).all()
    return paginated([desk_json(d, code) for d, code in rows], total, page, per_page)
