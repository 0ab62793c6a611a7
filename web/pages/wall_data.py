"""What the live pages read: the desk tiles of the wall, one desk's day, the queue heatmap.

Every function takes the unit ids in scope (or a desk already checked) and ``now`` as arguments,
so the pages show one consistent moment and tests can fix it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from audit.rules.facts import DeskDayFacts, desk_day_facts
from audit.rules.timeline import STATE_NAMES, UNKNOWN, Observations, Sessions, runs, state_codes
from audit.services.audit_run import MAX_GAP
from audit.services.calendars import CalendarCache
from audit.services.desk_status import live_desks
from audit.services.thresholds import desk_thresholds
from models.alerts import Alert
from models.enums import AlertStatus, CameraHealth, local_zone
from models.findings import Finding
from models.observing import Observation, desk_health, desk_queue
from models.org import Camera, Desk, Staff, Unit
from web.scope import withheld

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CALENDAR_TTL_S = 60
SLOT_SLACK = timedelta(hours=1)  # a sample is taken within its slot's cadence: slot_at ≤ observed_at
HEATMAP_HOURS = tuple(range(7, 18))  # 07:00–17:59
HEATMAP_WEEKDAYS = tuple(range(6))  # Monday–Saturday


def calendars() -> CalendarCache:
    """Working calendars shared by the app's requests for ``CALENDAR_TTL_S`` (the wall asks every 20 s per viewer)."""
    return CalendarCache(CALENDAR_TTL_S, current_app.extensions.setdefault("deskaudit.wall_calendars", {}))


def zone_of(desk: Desk) -> ZoneInfo:
    return local_zone(desk.unit.timezone)


# --- the wall -------------------------------------------------------------------------------------


@dataclass
class Tile:
    """One desk on the wall as of ``now``."""

    desk_id: int
    desk_code: str
    desk_name: str
    field: str
    unit_code: str
    unit_name: str
    status: str
    minutes: int | None = None  # how long absent (scheduled minutes) or how long without a fresh sample
    problem: str | None = None  # camera health ("offline", …), "stale" or "none"
    queue: int | None = None
    last_observed_at: datetime | None = None
    open_alerts: int = 0
    cameras: tuple[str, ...] = ()
    threshold_minutes: int = 15


def desk_tiles(session: Session, unit_ids: frozenset[int], now: datetime) -> list[Tile]:
    """A tile per active desk of ``unit_ids``, by unit code then desk code (``audit.services.desk_status``)."""
    desks = list(session.scalars(
        select(Desk).join(Unit, Desk.unit_id == Unit.id)
        .where(Desk.active.is_(True), Unit.active.is_(True), Desk.unit_id.in_(sorted(unit_ids)))
        .options(joinedload(Desk.unit))))
    if not desks:
        return []
    live = live_desks(session, desks, now, calendars=calendars())
    alerts = dict(session.execute(
        select(Alert.desk_id, func.count()).where(Alert.status != AlertStatus.RESOLVED,
                                                  Alert.desk_id.in_([d.id for d in desks]))
        .group_by(Alert.desk_id)).all())
    tiles = []
    for desk in sorted(desks, key=lambda d: (d.unit.code, _natural(d.name), d.code)):
        found = live[desk.id]
        status = found.status
        tiles.append(Tile(desk.id, desk.code, desk.name, desk.field, desk.unit.code, desk.unit.name, status.status,
                          minutes=status.minutes, problem=status.problem, queue=status.queue,
                          last_observed_at=status.observed_at, open_alerts=alerts.get(desk.id, 0),
                          cameras=found.cameras, threshold_minutes=found.thresholds.unattended_minutes))
    return tiles


# --- one desk's day -------------------------------------------------------------------------------


@dataclass
class DeskDay:
    """One desk's local day: presence runs over a display window, sessions, queue samples, facts, findings."""

    desk: Desk
    day: date
    zone: ZoneInfo
    start: datetime  # the display window
    end: datetime
    intervals: list[tuple[datetime, datetime]]
    segments: list[tuple[datetime, datetime, str]]  # present / absent / unknown
    queue: list[list[tuple[datetime, int]]]  # unbroken runs of healthy queue samples
    facts: DeskDayFacts
    # with the official's name, and whether it is withheld from the user (web/scope.py ``withheld``)
    findings: list[tuple[Finding, str | None, bool]] = field(default_factory=list)
    evidence: list[tuple[int, datetime]] = field(default_factory=list)  # observation id, when
    previous_day: date | None = None
    next_day: date | None = None
    threshold_minutes: int = 15

    @property
    def withheld(self) -> int:
        """How many of the day's findings name no official to the user (unconfirmed proposals)."""
        return sum(1 for *_, hidden in self.findings if hidden)


def latest_day(session: Session, desk: Desk, now: datetime) -> date:
    """The local day of the desk's latest observation (today when it has none)."""
    at = session.scalar(select(func.max(Observation.slot_at)).where(Observation.desk_id == desk.id))
    return (at or now).astimezone(zone_of(desk)).date()


def desk_day(session: Session, desk: Desk, day: date) -> DeskDay:
    """Everything the desk's day page shows for the local ``day``."""
    zone, calendar = zone_of(desk), calendars().of(session, desk)
    intervals = [(i.start, i.end) for i in calendar.intervals(day, saturday_desk=desk.saturday_reception)
                 ] if calendar is not None else []
    day_start = datetime.combine(day, time(0), zone)
    day_end = datetime.combine(day + timedelta(days=1), time(0), zone)
    rows = session.execute(
        select(Observation.id, Observation.observed_at, desk_health().label("health"), Observation.presence,
               desk_queue().label("queue_count"), Observation.snapshot_path, Observation.camera_id)
        .where(Observation.desk_id == desk.id, Observation.slot_at >= day_start - MAX_GAP - SLOT_SLACK,
               Observation.slot_at < day_end, Observation.observed_at >= day_start - MAX_GAP,
               Observation.observed_at < day_end)
        .order_by(Observation.observed_at, Observation.id)).all()
    inside = [r for r in rows if r.observed_at >= day_start]
    start = min([datetime.combine(day, time(7), zone)] + [a for a, _ in intervals]
                + [r.observed_at for r in inside[:1]])
    end = max([datetime.combine(day, time(17), zone)] + [b for _, b in intervals]
              + [r.observed_at for r in inside[-1:]])
    start, end = _hour_floor(start, zone), min(_hour_ceil(end, zone), day_end)
    thresholds = desk_thresholds(session, [desk])[desk.id]
    threshold = thresholds.unattended_minutes
    frame = pd.DataFrame([(r.observed_at, str(r.health), str(r.presence), r.queue_count) for r in rows],
                         columns=["observed_at", "health", "presence", "queue_count"])
    facts = desk_day_facts(frame, intervals, max_gap=MAX_GAP, unattended_minutes=threshold,
                           queue_min=thresholds.unattended_queue_min,
                           long_queue_length=thresholds.long_queue_length)
    findings = list(session.execute(
        select(Finding, Staff.full_name).outerjoin(Staff, Finding.staff_id == Staff.id)
        .where(Finding.desk_id == desk.id, Finding.day == day).order_by(Finding.starts_at, Finding.id)).all())
    before = session.scalar(select(func.max(Observation.slot_at)).where(  # slot_at: the indexed column
        Observation.desk_id == desk.id, Observation.slot_at < day_start))
    after = session.scalar(select(func.min(Observation.slot_at)).where(
        Observation.desk_id == desk.id, Observation.slot_at >= day_end))
    return DeskDay(
        desk=desk, day=day, zone=zone, start=start, end=end, intervals=intervals,
        segments=presence_segments(rows, start, end), queue=_queue_runs(inside), facts=facts,
        findings=[(f, None, True) if withheld(f.status, f.staff_id) else (f, name, False) for f, name in findings],
        evidence=[(r.id, r.observed_at) for r in inside if r.snapshot_path],
        previous_day=before.astimezone(zone).date() if before else None,
        next_day=after.astimezone(zone).date() if after else None, threshold_minutes=threshold)


def presence_segments(rows, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    """Runs of present / absent / unknown over ``start``..``end``, cut the way the audit cuts them."""
    at = np.array([_us(r.observed_at) for r in rows], dtype=np.int64)
    state = state_codes([str(r.health) for r in rows], [str(r.presence) for r in rows])
    queue = np.array([np.nan if r.queue_count is None else float(r.queue_count) for r in rows], dtype=float)
    queue[state == UNKNOWN] = np.nan
    cut = runs(Observations(np.zeros(len(at), dtype=np.int64), at, state, queue),
               Sessions(np.zeros(1, dtype=np.int64), np.array([_us(start)]), np.array([_us(end)])),
               max_gap_us=_us_delta(MAX_GAP))
    return [(_at(a), _at(b), STATE_NAMES[int(s)]) for a, b, s in zip(cut.start.tolist(), cut.end.tolist(),
                                                                      cut.state.tolist())]


def _queue_runs(rows) -> list[list[tuple[datetime, int]]]:
    """Healthy queue counts, split where a sample is unhealthy or missing for longer than the gap."""
    found: list[list[tuple[datetime, int]]] = []
    previous = None
    for row in rows:
        usable = row.health == CameraHealth.OK and row.queue_count is not None
        if usable:
            if not found or previous is None or row.observed_at - previous > MAX_GAP:
                found.append([])
            found[-1].append((row.observed_at, row.queue_count))
            previous = row.observed_at
        else:
            previous = None
    return found


# --- queue heatmap --------------------------------------------------------------------------------


@dataclass
class Heatmap:
    """Mean queue per local weekday (0 = Monday) and hour over the desks in scope; ``None`` where nothing was seen."""

    weeks: int
    first_day: date | None
    last_day: date | None
    cells: dict[tuple[int, int], float | None]
    desks: int = 0

    @property
    def peak(self) -> float:
        return max((v for v in self.cells.values() if v is not None), default=0.0)


def queue_heatmap(session: Session, unit_ids: frozenset[int], weeks: int, now: datetime) -> Heatmap:
    """Mean queue by local weekday × hour over the last ``weeks`` weeks of observations up to ``now``.

    Time-weighted: each healthy sample stands for its camera's cadence, so a camera that samples
    twice as often does not weigh twice as much. Summed per sampling slot in SQL (the slot index
    gives the rows in order, no sort), then per hour here. All units in scope share one time zone
    (Vietnam's); the first desk's is used.
    """
    desks = {d.id: zone_of(d) for d in session.scalars(
        select(Desk).options(joinedload(Desk.unit)).where(Desk.unit_id.in_(sorted(unit_ids))))}
    cells: dict[tuple[int, int], float | None] = {(w, h): None for w in HEATMAP_WEEKDAYS for h in HEATMAP_HOURS}
    latest = _latest_slot(session, list(desks), now)
    if latest is None:
        return Heatmap(weeks, None, None, cells)
    zone = next(iter(desks.values()))
    last_day = latest.astimezone(zone).date()
    first_day = last_day - timedelta(days=7 * weeks - 1)
    rows = session.execute(
        select(Observation.slot_at, func.sum(desk_queue() * Camera.cadence_seconds),
               func.sum(Camera.cadence_seconds))
        .join(Camera, Camera.id == Observation.camera_id)
        # "+ 0": the desk filter must not pick the (desk, slot) index, which reads each desk's rows apart
        .where((Observation.desk_id + 0).in_(list(desks)), desk_health() == CameraHealth.OK.value,
               desk_queue().is_not(None), Observation.slot_at <= now,
               Observation.slot_at >= datetime.combine(first_day, time(0), zone),
               Observation.slot_at < datetime.combine(last_day + timedelta(days=1), time(0), zone))
        .group_by(Observation.slot_at)).all()
    weighted: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for slot, queue_seconds, seconds in rows:
        local = slot.astimezone(zone)
        key = (local.weekday(), local.hour)
        if key in cells and seconds:
            weighted[key][0] += float(queue_seconds)
            weighted[key][1] += float(seconds)
    for key, (queue_seconds, seconds) in weighted.items():
        cells[key] = queue_seconds / seconds
    return Heatmap(weeks, first_day, last_day, cells, desks=len(desks))


def _latest_slot(session: Session, desk_ids: list[int], now: datetime) -> datetime | None:
    """The latest sampling slot of the desks up to ``now`` (one index lookup per desk)."""
    if not desk_ids:
        return None
    newest = (select(Observation.slot_at).where(Observation.desk_id == Desk.id, Observation.slot_at <= now)
              .order_by(Observation.slot_at.desc()).limit(1).correlate(Desk).scalar_subquery())
    found = [at for (at,) in session.execute(select(newest).select_from(Desk).where(Desk.id.in_(desk_ids)))
             if at is not None]
    return max(found, default=None)


def _natural(text: str) -> tuple:
    """'Quầy số 10' after 'Quầy số 2'."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def _hour_floor(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone).replace(minute=0, second=0, microsecond=0)


def _hour_ceil(at: datetime, zone: ZoneInfo) -> datetime:
    floor = _hour_floor(at, zone)
    return floor if floor == at else floor + timedelta(hours=1)


def _us(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


def _us_delta(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _at(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))
