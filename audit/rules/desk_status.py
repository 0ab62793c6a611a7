"""A desk's live status: staffed, away, unattended for N scheduled minutes, excused, camera fault, outside hours.

One decision for the desk wall, the alert rules and the MQTT desk state. Pure: plain values in,
time comes in as ``now``. In order (the first that holds wins):

1. **no camera** — nothing watches the desk;
2. **camera problem** — no camera over the desk can speak for it: each has no sample yet (``none``),
   or its latest sample is not ``ok`` (``offline``, ``frozen``, ``dark``, …), or, in working hours, its
   latest sample is stale (``stale``: older than ``stale_after``, the sampler stopped); the first
   camera's problem is given. A camera fault is never absence. A desk seen by several cameras (its
   own, a room camera) is judged by those that can speak, so it is unknown only when none can;
3. **outside hours** — the desk is not scheduled now (a desk without an hours profile never is);
4. by presence — the latest presence change (the tracker's confirmed state, and since when), or the
   newest sample's when no change is recorded: present → **staffed**; absent → **excused** when every
   official expected at the desk now is on an excused absence, else **unattended** once absent
   ≥ ``unattended_minutes`` *scheduled* minutes since the change, else **away** (also when no change
   records when the absence began); anything else → **unknown**.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import attrgetter

from audit.rules.thresholds import Thresholds
from models.enums import CameraHealth, PresenceState

STAFFED, AWAY, UNATTENDED, EXCUSED = "staffed", "away", "unattended", "excused"
CAMERA_PROBLEM, NO_CAMERA, OFF_HOURS, UNKNOWN = "camera_problem", "no_camera", "off_hours", "unknown"
STATUSES = (STAFFED, AWAY, UNATTENDED, EXCUSED, CAMERA_PROBLEM, NO_CAMERA, OFF_HOURS, UNKNOWN)
CAMERA_FAULTS = frozenset({CAMERA_PROBLEM, NO_CAMERA})

STALE_CADENCES = 3  # a latest sample older than this many cadences says nothing about now …
STALE_FLOOR = timedelta(minutes=3)  # … nor one older than 3 minutes, whatever the cadence (a restart, a slow slot)


@dataclass(frozen=True)
class CameraLatest:
    """One camera of the desk and its latest sample at ``now`` (``at`` is ``None`` before its first sample)."""

    cadence_seconds: int
    at: datetime | None = None
    health: str | None = None
    presence: str = PresenceState.UNKNOWN.value
    queue: int | None = None


@dataclass(frozen=True)
class PresenceChange:
    """The desk's latest presence change at ``now``: the state it changed to, and when."""

    state: str
    at: datetime


@dataclass(frozen=True)
class DeskNow:
    """What is known about one desk now.

    Args:
        cameras: The desk's enabled cameras with their latest samples (in camera code order).
        change: The latest presence change at ``now`` (``None`` when none is recorded): the desk's presence.
        scheduled: The desk's scheduled intervals (aware) covering now, and back to the latest change when
            that is an absence (its scheduled minutes are counted).
        excused: Every official expected at the desk now is on an excused absence (leave, công tác, training).
    """

    cameras: Sequence[CameraLatest]
    change: PresenceChange | None = None
    scheduled: Sequence[tuple[datetime, datetime]] = ()
    excused: bool = False


@dataclass(frozen=True)
class LiveStatus:
    """A desk's status now, with its numbers.

    Args:
        status: One of ``STATUSES``.
        minutes: Absent (scheduled minutes) for away/unattended/excused; for a camera problem in working
            hours, minutes since its latest sample; otherwise ``None``.
        problem: For a camera problem: the camera's health (``offline``, …), ``stale`` or ``none``.
        queue: People counted waiting in the newest sample (``None`` when it was not ``ok``).
        waiting: Unattended while at least ``unattended_queue_min`` people wait.
        since: When the absence began (``None`` unless absent with a recorded change).
        observed_at: When the newest sample was taken.
        in_hours: The desk is scheduled now.
    """

    status: str
    minutes: int | None = None
    problem: str | None = None
    queue: int | None = None
    waiting: bool = False
    since: datetime | None = None
    observed_at: datetime | None = None
    in_hours: bool = False

    @property
    def camera_fault(self) -> bool:
        return self.status in CAMERA_FAULTS


def stale_after(cadence_seconds: int) -> timedelta:
    """How old a camera's latest sample may be and still say something about now."""
    return max(timedelta(seconds=STALE_CADENCES * cadence_seconds), STALE_FLOOR)


def scheduled_minutes(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> float:
    """Minutes of ``start``..``end`` that fall inside the scheduled ``intervals``."""
    total = 0.0
    for a, b in intervals:
        overlap = (min(b, end) - max(a, start)).total_seconds()
        if overlap > 0:
            total += overlap / 60
    return total


def desk_status(desk: DeskNow, th: Thresholds, now: datetime) -> LiveStatus:
    """The live status of ``desk`` at ``now`` (aware), judged with the desk's thresholds ``th``."""
    if not desk.cameras:
        return LiveStatus(NO_CAMERA)
    in_hours = any(a <= now < b for a, b in desk.scheduled)
    usable: list[CameraLatest] = []
    problems: list[tuple[str, int | None]] = []
    for camera in desk.cameras:
        if camera.at is None:
            problems.append(("none", None))
        elif camera.health != CameraHealth.OK:
            problems.append((str(camera.health), _minutes(now - camera.at) if in_hours else None))
        elif in_hours and now - camera.at > stale_after(camera.cadence_seconds):
            problems.append(("stale", _minutes(now - camera.at)))
        else:
            usable.append(camera)
    newest = max(usable or [c for c in desk.cameras if c.at is not None], key=attrgetter("at"), default=None)
    seen = LiveStatus(UNKNOWN, queue=newest.queue if newest else None, observed_at=newest.at if newest else None,
                      in_hours=in_hours)
    if not usable:
        problem, minutes = problems[0]
        return replace(seen, status=CAMERA_PROBLEM, problem=problem, minutes=minutes)
    assert newest is not None
    if not in_hours:
        return replace(seen, status=OFF_HOURS)
    change = desk.change
    presence = change.state if change is not None else newest.presence
    if presence == PresenceState.PRESENT:
        return replace(seen, status=STAFFED)
    if presence != PresenceState.ABSENT:
        return seen
    since = change.at if change is not None else None
    minutes = int(scheduled_minutes(desk.scheduled, since, now)) if since is not None else None
    absent = replace(seen, minutes=minutes, since=since)
    if desk.excused:
        return replace(absent, status=EXCUSED)
    if minutes is None or minutes < th.unattended_minutes:
        return replace(absent, status=AWAY)
    return replace(absent, status=UNATTENDED, waiting=seen.queue is not None and seen.queue >= th.unattended_queue_min)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
