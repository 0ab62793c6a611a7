"""The sampler's alert job: facts from the database → conditions → alerts and their deliveries.

``AlertBook.evaluate`` runs in the sampler process (a job of its own, never inside a camera job):
it reads each monitored desk's live status (``audit/services/desk_status.py``, the wall's reader)
and recent observations, applies the rules, lets the alert operations (``audit/services/alerts.py``)
open, update, upgrade, escalate and resolve alerts — one open alert per condition key — and queues
one delivery per channel for each event. Everything it needs lives in the database, so open alerts
carry over a restart or a crash unchanged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from audit.rules.alerts import Condition
from audit.rules.thresholds import Thresholds
from audit.services import alerts as operations
from audit.services.calendars import CalendarCache
from audit.services.coverage import desk_cameras, desks_of_cameras
from audit.services.desk_status import live_desks
from models.alerts import Alert, AlertDelivery
from models.enums import AlertStatus, CameraHealth, DeliveryStatus, PresenceState
from models.observing import Observation, desk_health, desk_queue
from models.org import Camera, Desk, Unit
from schedules.alerting.rules import CameraFacts, DeskFacts, Reading, camera_condition, desk_conditions

log = logging.getLogger("deskaudit.schedules.alerts")

IN_APP = "in_app"
CALENDAR_TTL_S = 300  # hours change rarely; a changed profile is followed within 5 minutes


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
    """

    def __init__(self, channels: Sequence[str] = ()) -> None:
        self.channels = tuple(channels)
        self._calendars = CalendarCache(CALENDAR_TTL_S)

    # --- evaluation --------------------------------------------------------------------------------

    def evaluate(self, session: Session, now: datetime) -> Evaluation:
        """Apply the rules at ``now`` (aware) and bring the alerts in line; the caller commits."""
        now = now.astimezone(timezone.utc)
        result = Evaluation()
        candidates = list(session.scalars(select(Desk.id).where(Desk.active.is_(True))))
        filmed = desk_cameras(session, candidates)
        desks = list(session.scalars(
            select(Desk).join(Unit, Desk.unit_id == Unit.id)
            .where(Desk.id.in_([desk_id for desk_id, cameras in filmed.items() if cameras])).order_by(Desk.id)))
        live = live_desks(session, desks, now, calendars=self._calendars)
        thresholds = {desk_id: found.thresholds for desk_id, found in live.items()}
        lookback = max((t.long_queue_minutes for t in thresholds.values()), default=20) + 5
        readings = self._readings(session, [d.id for d in desks], now - timedelta(minutes=lookback))
        for desk in desks:
            found, rows = live[desk.id], readings.get(desk.id, [])
            facts = DeskFacts(desk.unit_id, desk.id, desk.code, desk.name, rows, found.now)
            result.conditions += desk_conditions(facts, found.thresholds, now)
            latest = rows[-1] if rows else None
            result.desk_states[(desk.unit.code, desk.code)] = {
                "status": found.status.status,
                "presence": latest.presence if latest else PresenceState.UNKNOWN.value,
                "queue": latest.queue if latest else None,
                "health": latest.health if latest else None,
                "at": latest.at.isoformat() if latest else None,
            }
        for camera, desk in self._cameras(session):
            seen = self._camera_facts(session, camera, desk)
            covered = [d for d in desks_of_cameras(session, [camera.id]).get(camera.id, []) if d in thresholds]
            condition = camera_condition(seen, thresholds.get(desk.id if desk else covered[0] if covered else -1,
                                                               Thresholds()), now)
            if condition is not None:
                result.conditions.append(condition)
        result.events = self.apply(session, result.conditions, now, thresholds)
        open_kinds = defaultdict(list)
        for alert, desk_code, unit_code in session.execute(
                select(Alert, Desk.code, Unit.code).join(Desk, Alert.desk_id == Desk.id)
                .join(Unit, Alert.unit_id == Unit.id).where(Alert.status != AlertStatus.RESOLVED)):
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
        query = (select(Observation.desk_id, Observation.observed_at, desk_health(), Observation.presence,
                        desk_queue())
                 .where(Observation.desk_id.in_(desk_ids), Observation.slot_at >= since - timedelta(minutes=5),
                        Observation.observed_at >= since)
                 .order_by(Observation.desk_id, Observation.observed_at, Observation.id))
        for desk_id, at, health, presence, queue in session.execute(query):
            found[desk_id].append(Reading(at, str(health), str(presence), queue))
        return found

    @staticmethod
    def _cameras(session: Session) -> list[tuple[Camera, Desk | None]]:
        """Enabled cameras of active desks, and room cameras (no desk) of active units."""
        return list(session.execute(
            select(Camera, Desk).join(Unit, Camera.unit_id == Unit.id).outerjoin(Desk, Camera.desk_id == Desk.id)
            .where(Camera.enabled.is_(True), Camera.active.is_(True), Unit.active.is_(True),
                   or_(Camera.desk_id.is_(None), Desk.active.is_(True))).order_by(Camera.id)))

    @staticmethod
    def _camera_facts(session: Session, camera: Camera, desk: Desk | None) -> CameraFacts:
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
        if desk is None:  # a room camera: a fault of the unit's camera, naming the desks it films
            codes = session.scalars(select(Desk.code).where(Desk.id.in_(
                desks_of_cameras(session, [camera.id]).get(camera.id, []))).order_by(Desk.code)).all()
            return CameraFacts(camera.unit_id, None, ", ".join(codes) or None, camera.id, camera.code, reading,
                               fault_since)
        return CameraFacts(desk.unit_id, desk.id, desk.code, camera.id, camera.code, reading, fault_since)
