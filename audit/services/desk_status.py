"""What a desk's live status needs, read from the database for a set of desks at ``now``.

One reader for the desk wall and the sampler's alert rules (and so the MQTT desk state): each
desk's enabled cameras with their latest sample, its latest presence change, its schedule, its
thresholds and whether every official expected at it now is on an excused absence (rosters and
rotations through ``rosters.expected_staff``). The decision itself is ``audit/rules/desk_status.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from audit.rules.desk_status import CameraLatest, DeskNow, LiveStatus, PresenceChange, desk_status
from audit.rules.thresholds import Thresholds
from audit.services.calendars import CalendarCache
from audit.services.coverage import desk_cameras
from audit.services.rosters import excused_desks
from audit.services.thresholds import desk_thresholds
from models.enums import PresenceState
from models.observing import Observation, PresenceEvent, desk_health, desk_queue
from models.org import Camera, Desk


@dataclass(frozen=True)
class DeskLive:
    """One desk now: what its status was judged from, its thresholds, its camera codes, and the status."""

    now: DeskNow
    thresholds: Thresholds
    cameras: tuple[str, ...]
    status: LiveStatus


def live_desks(session: Session, desks: Sequence[Desk], now: datetime, *,
               calendars: CalendarCache | None = None) -> dict[int, DeskLive]:
    """Per desk id, its live status at ``now`` (aware); a few queries whatever the number of desks.

    ``calendars`` may be shared between calls (hours change rarely); without it each call builds its own.
    """
    now = now.astimezone(timezone.utc)
    if not desks:
        return {}
    calendars = calendars or CalendarCache(ttl_s=float("inf"))  # built once per call
    ids = [d.id for d in desks]
    cameras = desk_cameras(session, ids)
    latest = _latest_observations(session, [(c.id, c.desk_id) for found in cameras.values() for c in found], now)
    changes = _latest_changes(session, ids, now)
    thresholds = desk_thresholds(session, desks)
    excused = excused_desks(session, desks, now)
    found = {}
    for desk in desks:
        change = changes.get(desk.id)
        calendar = calendars.of(session, desk)
        absent = change is not None and change.state == PresenceState.ABSENT  # only absence needs its schedule
        scheduled = calendar.intervals_between(change.at if absent else now, now,
                                               saturday_desk=desk.saturday_reception) if calendar else []
        facts = DeskNow(tuple(_camera(c, latest.get((c.id, desk.id))) for c in cameras[desk.id]), change, scheduled,
                        desk.id in excused)
        th = thresholds[desk.id]
        found[desk.id] = DeskLive(facts, th, tuple(c.code for c in cameras[desk.id]), desk_status(facts, th, now))
    return found


def _camera(camera, row) -> CameraLatest:
    if row is None:
        return CameraLatest(camera.cadence_seconds)
    return CameraLatest(camera.cadence_seconds, row.observed_at, str(row.health), str(row.presence), row.queue_count)


def _latest_observations(session: Session, pairs: list[tuple[int, int]], now: datetime) -> dict[tuple[int, int], tuple]:
    """The latest observation of each (camera, desk) at ``now``, as plain rows with the desk's view (a faulty
    camera's row reads ``ok`` while another camera of the desk was healthy). One index lookup per camera finds
    its latest slot; a sample writes every desk it films in that slot."""
    if not pairs:
        return {}
    camera_ids = sorted({camera_id for camera_id, _ in pairs})
    newest = (select(Observation.slot_at).where(Observation.camera_id == Camera.id, Observation.slot_at <= now)
              .order_by(Observation.slot_at.desc()).limit(1).correlate(Camera).scalar_subquery())
    slots = [(camera_id, slot) for camera_id, slot in
             session.execute(select(Camera.id, newest).where(Camera.id.in_(camera_ids))) if slot is not None]
    if not slots:
        return {}
    rows = session.execute(
        select(Observation.camera_id, Observation.desk_id, Observation.observed_at, desk_health().label("health"),
               Observation.presence, desk_queue().label("queue_count"))
        .where(tuple_(Observation.camera_id, Observation.slot_at).in_(slots)))
    wanted = set(pairs)
    return {(row.camera_id, row.desk_id): row for row in rows if (row.camera_id, row.desk_id) in wanted}


def _latest_changes(session: Session, desk_ids: list[int], now: datetime) -> dict[int, PresenceChange]:
    """The latest presence change of each desk at ``now``."""
    newest = (select(PresenceEvent.id).where(PresenceEvent.desk_id == Desk.id, PresenceEvent.at <= now)
              .order_by(PresenceEvent.at.desc(), PresenceEvent.id.desc()).limit(1).correlate(Desk).scalar_subquery())
    ids = [i for (i,) in session.execute(select(newest).select_from(Desk).where(Desk.id.in_(desk_ids)))
           if i is not None]
    rows = session.execute(select(PresenceEvent.desk_id, PresenceEvent.at, PresenceEvent.state)
                           .where(PresenceEvent.id.in_(ids))) if ids else ()
    return {row.desk_id: PresenceChange(str(row.state), row.at) for row in rows}

