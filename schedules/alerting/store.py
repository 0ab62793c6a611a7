"""The sampler's alert job: facts from the database → conditions → alerts and their deliveries.

``AlertBook.evaluate`` runs in the sampler process (a job of its own, never inside a camera job):
it reads each monitored desk's recent observations, applies the rules, lets the alert operations
(``audit/services/alerts.py``) open, update, upgrade, escalate and resolve alerts — one open alert
per condition key — and queues one delivery per channel for each event. Everything it needs lives
in the database, so open alerts carry over a restart or a crash unchanged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.rules.alerts import Condition
from audit.rules.calendar import WorkingCalendar
from audit.services import alerts as operations
from audit.services.calendars import NoHoursProfile, calendar_for
from audit.services.thresholds import desk_thresholds
from models.alerts import Alert, AlertDelivery
from models.enums import AlertStatus, CameraHealth, DeliveryStatus, PresenceState
from models.enums import Session as DaySession
from models.hours import ExcusedAbsence, RosterEntry
from models.observing import Observation, PresenceEvent
from models.org import Camera, Desk, Staff, Unit
from audit.rules.thresholds import Thresholds
from schedules.alerting.rules import CameraFacts, DeskFacts, Reading, camera_condition, desk_conditions

log = logging.getLogger("deskaudit.schedules.alerts")

IN_APP = "in_app"
CALENDAR_TTL = timedelta(minutes=5)


@dataclass
class Evaluation:
    """What one evaluation found and did."""

    conditions: list[Condition] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)  # (alert id, event)
    desk_states: dict[tuple[str, str], dict] = field(default_factory=dict)  # (unit code, desk code) → state


class AlertBook:
    """Evaluates the alert rules over the database and keeps the alerts table in step.

    Args:
        channels: Names of the configured delivery channels; each alert event is queued for each.
        stale_after: A desk whose latest observation is older than this has no unattended or queue condition.
    """

    def __init__(self, channels: Sequence[str] = (), *, stale_after: timedelta = timedelta(minutes=3)) -> None:
        self.channels = tuple(channels)
        self.stale_after = stale_after
        self._calendars: dict[int, tuple[datetime, WorkingCalendar | None]] = {}

    # --- evaluation --------------------------------------------------------------------------------

    def evaluate(self, session: Session, now: datetime) -> Evaluation:
        """Apply the rules at ``now`` (aware) and bring the alerts in line; the caller commits."""
        now = now.astimezone(timezone.utc)
        result = Evaluation()
        desks = list(session.scalars(
            select(Desk).join(Unit, Desk.unit_id == Unit.id)
            .where(Desk.active.is_(True), Desk.id.in_(select(Camera.desk_id).where(Camera.enabled.is_(True),
                                                                                      Camera.active.is_(True))))
            .order_by(Desk.id)))
        thresholds = desk_thresholds(session, desks)
        lookback = max((t.long_queue_minutes for t in thresholds.values()), default=20) + 5
        readings = self._readings(session, [d.id for d in desks], now - timedelta(minutes=lookback))
        absent_since = self._absent_since(session, [d.id for d in desks])
        excused = self._excused(session, desks, now)
        for desk in desks:
            th = thresholds[desk.id]
            rows = readings.get(desk.id, [])
            since = absent_since.get(desk.id)
            if since is None and rows and rows[-1].presence == PresenceState.ABSENT:
                since = _trailing_absent_start(rows)
            facts = DeskFacts(desk.unit_id, desk.id, desk.code, desk.name, rows, since,
                              self._scheduled(session, desk, since or now, now), desk.id in excused, self.stale_after)
            result.conditions += desk_conditions(facts, th, now)
            latest = rows[-1] if rows else None
            result.desk_states[(desk.unit.code, desk.code)] = {
                "presence": latest.presence if latest else PresenceState.UNKNOWN.value,
                "queue": latest.queue if latest else None,
                "health": latest.health if latest else None,
                "at": latest.at.isoformat() if latest else None,
            }
        for camera, desk in self._cameras(session):
            facts = self._camera_facts(session, camera, desk)
            condition = camera_condition(facts, thresholds.get(desk.id, Thresholds()), now)
            if condition is not None:
                result.conditions.append(condition)
        result.events = self.apply(session, result.conditions, now, thresholds)
        open_kinds = defaultdict(list)
        for alert, desk_code, unit_code in session.execute(
                select(Alert, Desk.code, Unit.code).join(Desk, Alert.desk_id == Desk.id).join(Unit, Alert.unit_id == Unit.id)
                .where(Alert.status != AlertStatus.RESOLVED)):
            open_kinds[(unit_code, desk_code)].append(str(alert.kind))
        for key, state in result.desk_states.items():
            state["open_alerts"] = sorted(open_kinds.get(key, []))
        return result

    # --- lifecycle ---------------------------------------------------------------------------------

    def apply(self, session: Session, conditions: Sequence[Condition], now: datetime,
              thresholds: Mapping[int, Thresholds] | None = None) -> list[tuple[int, str]]:
        """Bring the alerts in line with ``conditions`` (``audit.services.alerts.apply``) and queue each event."""
        events = operations.apply(session, conditions, now, thresholds)
        for alert, event in events:
            self.enqueue(session, alert.id, event, now)
        session.flush()
        return [(alert.id, event) for alert, event in events]

    def enqueue(self, session: Session, alert_id: int, event: str, now: datetime) -> None:
        """Queue ``event`` of ``alert_id`` for every channel; the in-app channel is the alert row itself."""
        session.add(AlertDelivery(alert_id=alert_id, channel=IN_APP, event=event, status=DeliveryStatus.SENT,
                                  attempts=1, sent_at=now))
        for channel in self.channels:
            session.add(AlertDelivery(alert_id=alert_id, channel=channel, event=event, status=DeliveryStatus.PENDING,
                                      attempts=0, next_attempt_at=now))

    # --- facts -------------------------------------------------------------------------------------

    @staticmethod
    def _readings(session: Session, desk_ids: list[int], since: datetime) -> dict[int, list[Reading]]:
        found: dict[int, list[Reading]] = defaultdict(list)
        if not desk_ids:
            return found
        query = (select(Observation.desk_id, Observation.observed_at, Observation.health, Observation.presence,
                        Observation.queue_count)
                 .where(Observation.desk_id.in_(desk_ids), Observation.slot_at >= since - timedelta(minutes=5),
                        Observation.observed_at >= since)
                 .order_by(Observation.desk_id, Observation.observed_at, Observation.id))
        for desk_id, at, health, presence, queue in session.execute(query):
            found[desk_id].append(Reading(at, str(health), str(presence), queue))
        return found

    @staticmethod
    def _absent_since(session: Session, desk_ids: list[int]) -> dict[int, datetime]:
        """When each desk's latest presence event made it absent (desks whose latest event is absent)."""
        if not desk_ids:
            return {}
        latest = (select(PresenceEvent.desk_id, func.max(PresenceEvent.at).label("at"))
                  .where(PresenceEvent.desk_id.in_(desk_ids)).group_by(PresenceEvent.desk_id).subquery())
        rows = session.execute(
            select(PresenceEvent.desk_id, PresenceEvent.at, PresenceEvent.state)
            .join(latest, (PresenceEvent.desk_id == latest.c.desk_id) & (PresenceEvent.at == latest.c.at)))
        return {desk_id: at for desk_id, at, state in rows if state == PresenceState.ABSENT}

    @staticmethod
    def _excused(session: Session, desks: Sequence[Desk], now: datetime) -> set[int]:
        """Desks whose every expected official is on an excused absence at ``now``."""
        ids = [desk.id for desk in desks]
        wanted = {}  # desk id → (local day, session of the day): each desk in its unit's zone
        for desk in desks:
            local = now.astimezone(_zone(desk))
            wanted[desk.id] = (local.date(), DaySession.MORNING if local.hour < 12 else DaySession.AFTERNOON)
        rostered: dict[int, set[int]] = defaultdict(set)
        for desk_id, staff_id, day, half in session.execute(
                select(RosterEntry.desk_id, RosterEntry.staff_id, RosterEntry.day, RosterEntry.session).where(
                    RosterEntry.desk_id.in_(ids), RosterEntry.day.in_({d for d, _ in wanted.values()}))):
            if day == wanted[desk_id][0] and half in (wanted[desk_id][1], DaySession.ALL_DAY):
                rostered[desk_id].add(staff_id)
        usual: dict[int, set[int]] = defaultdict(set)
        for staff_id, desk_id in session.execute(select(Staff.id, Staff.default_desk_id).where(
                Staff.default_desk_id.in_(ids), Staff.active.is_(True))):
            usual[desk_id].add(staff_id)
        expected = {desk_id: rostered.get(desk_id) or usual.get(desk_id) for desk_id in ids}
        expected = {desk_id: staff for desk_id, staff in expected.items() if staff}
        everyone = set().union(*expected.values()) if expected else set()
        if not everyone:
            return set()
        away = set(session.scalars(select(ExcusedAbsence.staff_id).where(
            ExcusedAbsence.staff_id.in_(everyone), ExcusedAbsence.starts_at <= now, ExcusedAbsence.ends_at > now)))
        return {desk_id for desk_id, staff in expected.items() if staff <= away}

    def _scheduled(self, session: Session, desk: Desk, start: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
        calendar = self._calendar(session, desk, now)
        if calendar is None:
            return []
        first = start.astimezone(calendar.zone).date()
        last = now.astimezone(calendar.zone).date()
        if (last - first).days > 31:  # an absence older than a month: a month of schedule is enough to judge
            first = last - timedelta(days=31)
        intervals, day = [], first
        while day <= last:
            intervals += [(i.start, i.end) for i in calendar.intervals(day, saturday_desk=desk.saturday_reception)]
            day += timedelta(days=1)
        return intervals

    def _calendar(self, session: Session, desk: Desk, now: datetime) -> WorkingCalendar | None:
        cached = self._calendars.get(desk.id)
        if cached is not None and now - cached[0] < CALENDAR_TTL:
            return cached[1]
        try:
            calendar = calendar_for(session, desk.unit, desk)
        except NoHoursProfile as error:
            log.warning("desk %s: %s; no unattended or queue alerts", desk.code, error)
            calendar = None
        self._calendars[desk.id] = (now, calendar)
        return calendar

    @staticmethod
    def _cameras(session: Session) -> list[tuple[Camera, Desk]]:
        return list(session.execute(
            select(Camera, Desk).join(Desk, Camera.desk_id == Desk.id)
            .where(Camera.enabled.is_(True), Camera.active.is_(True), Desk.active.is_(True)).order_by(Camera.id)))

    @staticmethod
    def _camera_facts(session: Session, camera: Camera, desk: Desk) -> CameraFacts:
        latest = session.execute(
            select(Observation.observed_at, Observation.health, Observation.presence, Observation.queue_count)
            .where(Observation.camera_id == camera.id).order_by(Observation.slot_at.desc()).limit(1)).first()
        reading = None if latest is None else Reading(latest[0], str(latest[1]), str(latest[2]), latest[3])
        fault_since = None
        if reading is not None and not reading.ok:
            last_ok = session.scalar(select(func.max(Observation.slot_at)).where(
                Observation.camera_id == camera.id, Observation.health == CameraHealth.OK))
            query = select(func.min(Observation.observed_at)).where(Observation.camera_id == camera.id)
            if last_ok is not None:
                query = query.where(Observation.slot_at > last_ok)
            fault_since = session.scalar(query)
        return CameraFacts(desk.unit_id, desk.id, desk.code, camera.id, camera.code, reading, fault_since)


def _trailing_absent_start(rows: Sequence[Reading]) -> datetime | None:
    since = None
    for reading in reversed(rows):
        if reading.presence != PresenceState.ABSENT:
            break
        since = reading.at
    return since


def _zone(desk: Desk) -> ZoneInfo:
    return ZoneInfo(desk.unit.timezone or "Asia/Ho_Chi_Minh")
