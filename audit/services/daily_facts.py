"""Daily facts of every desk of a site (or of one unit) for one local day, read from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.facts import DeskDayFacts, desk_day_facts
from audit.services.calendars import NoHoursProfile, calendar_for
from audit.services.thresholds import desk_thresholds
from models.enums import local_zone
from models.observing import Observation, desk_health, desk_queue
from models.org import Desk, Unit

COLUMNS = ["desk_id", "observed_at", "health", "presence", "queue_count"]


@dataclass(frozen=True)
class DeskDay:
    """One desk's facts for one day, with what they were computed from."""

    unit_code: str
    desk_code: str
    desk_id: int
    day: date
    intervals: tuple[tuple[datetime, datetime], ...]
    schedule_reason: str
    facts: DeskDayFacts


def scope_units(session: Session, unit_code: str | None) -> list[Unit]:
    """The active units of a scope: ``unit_code`` and the units below it, or every unit; by code."""
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)
    if unit_code is not None:
        query = query.where(Unit.id.in_(unit_and_descendants(session, unit_code)))
    return list(session.scalars(query))


def unit_and_descendants(session: Session, code: str) -> list[int]:
    """Ids of the unit ``code`` and every unit below it.

    Raises:
        LookupError: no unit has that code.
    """
    root = session.scalars(select(Unit).where(Unit.code == code)).one_or_none()
    if root is None:
        raise LookupError(f"no unit with code {code!r}")
    found, todo = [], [root]
    while todo:
        unit = todo.pop()
        found.append(unit.id)
        todo.extend(unit.children)
    return found


def desk_days(session: Session, day: date, *, unit_code: str | None = None,
              max_gap: timedelta = timedelta(minutes=2)) -> list[DeskDay]:
    """Facts of every active desk (of ``unit_code`` and the units below it, or of the whole site) on ``day``.

    The day is local to each desk's unit; desks without an hours profile get no scheduled time.
    Unattended spans use the desk's ``unattended_minutes`` alert threshold (site → units → desk).
    """
    query = select(Desk).join(Unit, Desk.unit_id == Unit.id).where(Desk.active.is_(True)).order_by(Unit.code, Desk.code)
    if unit_code is not None:
        query = query.where(Desk.unit_id.in_(unit_and_descendants(session, unit_code)))
    desks = list(session.scalars(query))
    if not desks:
        return []
    windows = {}
    for desk in desks:
        zone = local_zone(desk.unit.timezone)
        start = datetime.combine(day, datetime.min.time(), zone).astimezone(timezone.utc)
        windows[desk.id] = (start, start + timedelta(days=1))
    first = min(w[0] for w in windows.values()) - max_gap
    last = max(w[1] for w in windows.values())
    rows = session.execute(
        select(Observation.desk_id, Observation.observed_at, desk_health(), Observation.presence, desk_queue())
        .where(Observation.desk_id.in_([d.id for d in desks]), Observation.observed_at >= first,
               Observation.observed_at < last)).all()
    frame = pd.DataFrame([(r[0], r[1], str(r[2]), str(r[3]), r[4]) for r in rows], columns=COLUMNS)
    by_desk = dict(tuple(frame.groupby("desk_id"))) if not frame.empty else {}
    thresholds = desk_thresholds(session, desks)
    found = []
    for desk in desks:
        try:
            calendar = calendar_for(session, desk.unit, desk)
            intervals = tuple((i.start, i.end) for i in calendar.intervals(day, saturday_desk=desk.saturday_reception))
            _, reason = calendar.sessions_on(day, saturday_desk=desk.saturday_reception)
        except NoHoursProfile as error:
            intervals, reason = (), str(error)
        observed = by_desk.get(desk.id, pd.DataFrame(columns=COLUMNS))
        facts = desk_day_facts(observed, intervals, max_gap=max_gap,
                               unattended_minutes=thresholds[desk.id].unattended_minutes)
        found.append(DeskDay(desk.unit.code, desk.code, desk.id, day, intervals, reason, facts))
    return found

