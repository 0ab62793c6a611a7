"""``/me``: an official's own page (a staff account): what is asked of them and by when, their notices, their
findings, inspections and monitoring results, and their own timeline of the last working days."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, update

from audit.services.audit_run import day_facts
from models.access import Notification
from models.checklists import Inspection
from models.enums import FindingStatus, InspectionStatus, local_zone
from models.findings import Finding
from models.org import Staff, Unit
from models.scoring import Score
from web.db import get_session
from web.pages.review_data import KIND_LABELS, STATUS_LABELS
from web.read import now_utc
from web.scope import own_inspections, own_staff_id

bp = Blueprint("me", __name__)
TIMELINE_DAYS = 14  # calendar days looked back for the timeline
NOTICES_SHOWN = 30


def _official() -> Staff:
    own = own_staff_id()
    official = get_session().get(Staff, own) if own is not None else None
    if official is None:
        abort(404)
    return official


@bp.get("/me")
def index():
    session = get_session()
    official = _official()
    now = now_utc()
    today = now.astimezone(local_zone()).date()
    notices = session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(NOTICES_SHOWN)).all()
    asked = session.scalars(select(Finding).where(Finding.staff_id == official.id,
                                                  Finding.status == FindingStatus.AWAITING_EXPLANATION)
                            .order_by(Finding.explanation_due, Finding.id)).all()
    inspections = session.scalars(select(Inspection).where(own_inspections(),
                                                           Inspection.status == InspectionStatus.FINAL)
                                  .order_by(Inspection.started_at.desc()).limit(20)).all()
    months = session.scalars(select(Score.month).where(Score.staff_id == official.id)
                             .order_by(Score.month.desc())).all()
    unit = session.get(Unit, official.unit_id)
    days = [today - timedelta(days=i) for i in range(TIMELINE_DAYS, 0, -1)]
    facts = day_facts(session, days, unit_code=unit.code).officials
    mine = facts[facts["staff_id"] == official.id].sort_values("day") if len(facts) else facts
    timeline = [dict(row) for _, row in mine.iterrows()]
    return render_template("me/index.html", official=official, unit=unit, notices=notices, asked=asked,
                           inspections=inspections, months=months, timeline=timeline, today=today,
                           KIND_LABELS=KIND_LABELS, STATUS_LABELS=STATUS_LABELS)


@bp.post("/me/read")
def read_all():
    """Mark the official's notices read."""
    session = get_session()
    _official()
    session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                               Notification.read_at.is_(None)).values(read_at=now_utc()))
    session.commit()
    return redirect(url_for(".index"))
