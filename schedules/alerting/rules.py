"""Alert rules: what a desk's and a camera's recent facts mean, as conditions. Pure: time comes in.

A *condition* is something that holds right now (desk unattended for 17 scheduled minutes while
3 people wait; camera offline for 12 minutes). The alert operations (``audit/services/alerts.py``)
open one alert per condition key, keep it while the condition holds and resolve it when it clears.

Whether a desk is unattended is the desk's live status (``audit/rules/desk_status.py``), the same
decision the desk wall shows: a camera fault is never absence, only scheduled minutes count, and a
desk whose expected officials are all on an excused absence is excused, not unattended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from audit.rules.alerts import Condition, camera_fault_key, long_queue_key, unattended_key
from audit.rules.desk_status import UNATTENDED, DeskNow, LiveStatus, desk_status
from audit.rules.thresholds import Thresholds
from models.enums import AlertKind, CameraHealth, Severity

HEALTH_VI = {"offline": "mất tín hiệu", "frozen": "hình bị đứng", "dark": "quá tối", "covered": "bị che",
             "moved": "bị xoay lệch", "error": "lỗi xử lý"}


@dataclass(frozen=True)
class Reading:
    """One observation as the rules see it."""

    at: datetime
    health: str
    presence: str
    queue: int | None = None

    @property
    def ok(self) -> bool:
        return self.health == CameraHealth.OK


@dataclass(frozen=True)
class DeskFacts:
    """What is known about one desk now.

    Args:
        readings: The desk's observations (all its cameras) over at least the long-queue window, oldest first.
        now: What its live status is judged from (cameras' latest samples, presence change, schedule, excused).
    """

    unit_id: int
    desk_id: int
    desk_code: str
    desk_name: str
    readings: Sequence[Reading]
    now: DeskNow


@dataclass(frozen=True)
class CameraFacts:
    """What is known about one camera now: its latest reading and when its current fault began."""

    unit_id: int
    desk_id: int | None  # None: a room camera of the unit
    desk_code: str | None  # a room camera: the desks it films, "XA-Q1, XA-Q2"
    camera_id: int
    camera_code: str
    latest: Reading | None
    fault_since: datetime | None = None  # first non-ok observation after the last ok one


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def desk_conditions(desk: DeskFacts, th: Thresholds, now: datetime) -> list[Condition]:
    """The unattended (with or without a queue) and long-queue conditions of ``desk`` at ``now``."""
    status = desk_status(desk.now, th, now)
    found = []
    label = f"{desk.desk_name} ({desk.desk_code})"
    if status.status == UNATTENDED:
        found.append(_unattended(desk, status, th, label))
    since = _long_queue_since(desk.readings, th.long_queue_length)
    if (status.in_hours and not status.camera_fault and since is not None
            and now - since >= timedelta(minutes=th.long_queue_minutes)):
        minutes = minutes_between(since, now)
        queue = desk.readings[-1].queue
        details = {"minutes": minutes, "queue": queue, "threshold_length": th.long_queue_length,
                   "threshold_minutes": th.long_queue_minutes}
        found.append(Condition(
            long_queue_key(desk.desk_id), AlertKind.LONG_QUEUE, Severity.WARNING, desk.unit_id, desk.desk_id, None,
            since, f"Hàng chờ {queue} người tại quầy {label} kéo dài {minutes} phút",
            f"Queue of {queue} at desk {label} for {minutes} min", details))
    return found


def _unattended(desk: DeskFacts, status: LiveStatus, th: Thresholds, label: str) -> Condition:
    minutes, queue = status.minutes, status.queue
    assert status.since is not None  # an unattended desk has a recorded start
    details = {"minutes": minutes, "queue": queue, "threshold_minutes": th.unattended_minutes}
    message = f"Quầy {label} không có người {minutes} phút trong giờ làm việc"
    message_en = f"Desk {label} unattended for {minutes} min during working hours"
    if status.waiting:
        message += f", {queue} người đang chờ"
        message_en += f", {queue} waiting"
    return Condition(
        unattended_key(desk.desk_id), AlertKind.UNATTENDED_QUEUE if status.waiting else AlertKind.UNATTENDED,
        Severity.CRITICAL if status.waiting else Severity.WARNING, desk.unit_id, desk.desk_id, None,
        status.since, message, message_en, details)


def _long_queue_since(readings: Sequence[Reading], length: int) -> datetime | None:
    """Start of the unbroken run of healthy readings with a queue ≥ ``length`` that ends at the latest one."""
    since = None
    for reading in reversed(readings):
        if not reading.ok or reading.queue is None or reading.queue < length:
            break
        since = reading.at
    return since


def camera_condition(camera: CameraFacts, th: Thresholds, now: datetime) -> Condition | None:
    """The camera-fault condition: the camera has not been ``ok`` for ≥ ``camera_fault_minutes``."""
    latest = camera.latest
    if latest is None or latest.ok or camera.fault_since is None:
        return None
    minutes = minutes_between(camera.fault_since, now)
    if minutes < th.camera_fault_minutes:
        return None
    health = latest.health
    room = camera.desk_id is None
    where_vi = f"phòng, quầy {camera.desk_code}" if room else f"quầy {camera.desk_code}"
    where_en = f"room, desks {camera.desk_code}" if room else f"desk {camera.desk_code}"
    return Condition(
        camera_fault_key(camera.camera_id), AlertKind.CAMERA_FAULT, Severity.WARNING, camera.unit_id, camera.desk_id,
        camera.camera_id, camera.fault_since,
        f"Camera {camera.camera_code} ({where_vi}) không hoạt động: {HEALTH_VI.get(health, health)} "
        f"trong {minutes} phút",
        f"Camera {camera.camera_code} ({where_en}) not working: {health} for {minutes} min",
        {"minutes": minutes, "health": health, "threshold_minutes": th.camera_fault_minutes})
