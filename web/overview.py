"""Site overview: units, desks, cameras and zones as imported; a health probe."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from models import Camera, Desk, Staff, Unit
from models.migrate import head_revision
from web.db import get_session
from web.scope import visible_unit_ids

bp = Blueprint("overview", __name__)


@bp.get("/units")
def index():
    session = get_session()
    units = session.scalars(
        select(Unit)
        .where(Unit.active.is_(True), Unit.id.in_(sorted(visible_unit_ids())))
        .options(selectinload(Unit.desks).selectinload(Desk.cameras).selectinload(Camera.zones))
        .order_by(Unit.code)
    ).all()
    staff_counts = dict(
        session.execute(select(Staff.unit_id, func.count()).where(Staff.active.is_(True)).group_by(Staff.unit_id)).all()
    )
    return render_template("overview.html", units=units, staff_counts=staff_counts)


@bp.get("/healthz")
def healthz():
    """Liveness, for a load balancer or systemd: the process answers. No sign-in, no data."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers and its schema is the one this code expects. No sign-in; only the
    checks' outcomes, never a URL, a revision or an error text."""
    try:
        revision = get_session().execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 — any database problem means not ready
        return jsonify(status="error", checks={"database": "unreachable or not migrated"}), 503
    if revision != head_revision():
        return jsonify(status="error", checks={"database": "schema not at this version: run deskaudit db upgrade"}), 503
    return jsonify(status="ok", checks={"database": "ok"})
