"""The web load benchmark's simulated days: every desk over one working day's sessions as numpy arrays (presence,
queue, when each sample was taken), the rows the sampler would have written for them, and the alerts the
alert rules would have raised from the simulated spells. bench/web_data.py writes them into the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np

from models.enums import AlertKind, AlertStatus, Severity

if TYPE_CHECKING:
    from web_data import RowWriter

US = 1_000_000
PRESENT, ABSENT, UNKNOWN = 0, 1, 2
STATE_TEXT = np.array(["present", "absent", "unknown"], dtype=object)
HEALTH_TEXT = np.array(["ok", "ok", "offline"], dtype=object)  # by state: an unknown sample is a camera that is down

@dataclass(frozen=True)
class Site:
    """The desks as arrays (one camera and one official each), in the order the simulation uses."""

    desk_ids: np.ndarray
    camera_ids: np.ndarray
    unit_ids: np.ndarray
    desk_codes: list[str]
    desk_names: list[str]
    camera_codes: list[str]
    offsets_us: np.ndarray  # the sampler's fixed offset of each camera inside a slot
    cadence: int


# --- one simulated working day --------------------------------------------------------------------


@dataclass
class Day:
    """All desks over one day's sessions: a column per sampling slot."""

    slot_us: np.ndarray  # (K,)
    session_of: np.ndarray  # (K,) index of the session
    session_end_us: list[int]
    state: np.ndarray  # (n, K) PRESENT / ABSENT / UNKNOWN
    queue: np.ndarray  # (n, K)
    others: np.ndarray  # (n, K) people in view who are neither staff nor queue
    observed_us: np.ndarray  # (n, K)
    keep: np.ndarray  # (n, K) sampled by ``cutoff``


def simulate_day(site: Site, day: date, sessions: list[tuple[datetime, datetime]], seed: int, *, cutoff_us: int,
                 final: bool) -> Day:
    """Late arrivals, breaks, unattended spells, early leaves, whole absences, camera outages and queues.

    On the ``final`` day a few cameras have been down since early morning (open camera-fault alerts).
    """
    rng = np.random.default_rng([seed, day.toordinal()])
    n, cad = len(site.desk_ids), site.cadence
    slots, owner, ends, parts = [], [], [], []
    for number, (start, end) in enumerate(sessions):
        a, b = int(start.timestamp()), int(end.timestamp())
        grid = np.arange(-(-a // cad) * cad, b, cad, dtype=np.int64)
        slots.append(grid * US)
        owner.append(np.full(grid.size, number))
        ends.append(b * US)
        minute = (grid - a) / 60.0
        length = (b - a) / 60.0
        state = np.zeros((n, grid.size), dtype=np.int8)

        def spell(probability, start_min, length_min, what=ABSENT, *, minute=minute, state=state):
            chosen = rng.random(n) < probability
            inside = chosen[:, None] & (minute >= start_min[:, None]) & (minute < (start_min + length_min)[:, None])
            state[inside] = what

        zero = np.zeros(n)
        spell(0.15 if number == 0 else 0.08, zero, rng.uniform(2, 25, n))  # late
        spell(0.60, rng.uniform(20, length - 40, n), rng.uniform(2, 12, n))  # a short break
        spell(0.06, rng.uniform(20, length - 60, n), rng.uniform(16, 45, n))  # unattended
        early = rng.uniform(6, 30, n)
        spell(0.05, length - early, early)  # early leave
        spell(0.004, zero, np.full(n, length + 1))  # absent the whole session
        spell(0.02, rng.uniform(0, length - 10, n), rng.uniform(10, 90, n), UNKNOWN)  # camera outage
        if final and number == 0:
            down = rng.random(n) < 0.03
            state[down[:, None] & (minute >= rng.uniform(0, 30, n)[:, None])] = UNKNOWN
        parts.append(state)
    slot_us = np.concatenate(slots)
    state = np.concatenate(parts, axis=1)
    if final and len(parts) > 1:  # a camera down in the morning stays down
        state[(parts[0][:, -1] == UNKNOWN)[:, None] & (np.concatenate(owner) > 0)[None, :]] = UNKNOWN
    local_hour = ((slot_us // US + 7 * 3600) % 86_400) / 3600.0
    mean = 0.4 + 2.2 * np.exp(-((local_hour - 9.5) / 1.4) ** 2) + 1.2 * np.exp(-((local_hour - 14.5) / 1.3) ** 2)
    busy = np.where(rng.random(n) < 0.3, 0.3, rng.uniform(0.6, 1.6, n))
    queue = np.minimum(rng.poisson(busy[:, None] * mean[None, :]), 15)
    others = (rng.random(state.shape) < 0.08).astype(np.int64)
    observed = slot_us[None, :] + site.offsets_us[:, None] + rng.integers(50_000, 400_000, state.shape)
    return Day(slot_us, np.concatenate(owner), ends, state, queue, others, observed, observed <= cutoff_us)


def observation_rows(writer: RowWriter, site: Site, day: Day, after_us: np.ndarray | None = None):
    """The day's observations in the order the sampler writes them (slot by slot), as DB-API tuples."""
    pick = day.keep if after_us is None else day.keep & (day.observed_us > after_us[:, None])
    cols, rows = np.nonzero(pick.T)  # time-major
    if cols.size == 0:
        return []
    state = day.state[rows, cols]
    unknown = state == UNKNOWN
    staff = (state == PRESENT).astype(np.int64)
    queue = day.queue[rows, cols]
    persons = staff + queue + day.others[rows, cols]
    latency = 18 + (day.observed_us[rows, cols] % 9)

    def counts(values):
        return np.where(unknown, None, values).tolist()

    model = np.where(unknown, None, "yolov8n-openvino-bf16").tolist()
    error = np.where(unknown, "no frame within 5.0 s", None).tolist()
    return list(zip(site.camera_ids[rows].tolist(), site.desk_ids[rows].tolist(),
                    writer.stamps(day.slot_us[cols]).tolist(), writer.stamps(day.observed_us[rows, cols]).tolist(),
                    HEALTH_TEXT[state].tolist(), STATE_TEXT[state].tolist(), counts(persons), counts(staff),
                    counts(queue), counts(latency), model, error))


OBSERVATION_COLUMNS = ("camera_id", "desk_id", "slot_at", "observed_at", "health", "presence", "persons",
                       "staff_count", "queue_count", "latency_ms", "model_id", "error")
EVENT_COLUMNS = ("desk_id", "camera_id", "at", "state", "previous_state")


def event_rows(writer: RowWriter, site: Site, day: Day, carry: np.ndarray, after_us: np.ndarray | None = None):
    """A presence event at each change of state (``carry``: each desk's state before the day; updated)."""
    state = np.where(day.keep, day.state, -1)
    before = np.concatenate([carry[:, None], state[:, :-1]], axis=1)
    changed = day.keep & (state != before)
    if after_us is not None:
        changed &= day.observed_us > after_us[:, None]
    cols, rows = np.nonzero(changed.T)
    last = np.where(day.keep.any(axis=1), day.state[np.arange(len(carry)), day.keep.sum(axis=1) - 1], carry)
    carry[:] = last
    if cols.size == 0:
        return []
    previous = before[rows, cols]
    return list(zip(site.desk_ids[rows].tolist(), site.camera_ids[rows].tolist(),
                    writer.stamps(day.observed_us[rows, cols]).tolist(), STATE_TEXT[day.state[rows, cols]].tolist(),
                    np.where(previous >= 0, STATE_TEXT[np.maximum(previous, 0)], None).tolist()))


# --- alerts from the simulated spells -------------------------------------------------------------


def _at(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(us))


def _runs(mask: np.ndarray):
    """(row, first column, column after the last) of every run of True along each row."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)
    _, ends = np.nonzero(step == -1)
    return zip(rows.tolist(), starts.tolist(), ends.tolist())


@dataclass
class AlertMaker:
    """Alerts as the alert rules would have left them: unattended ≥ 15 min in hours, a camera down ≥ 10 min."""

    site: Site
    admin_id: int
    seed: int
    pending_fault: dict[int, int] = field(default_factory=dict)  # desk index → down since (µs), across days
    rows: list[dict] = field(default_factory=list)

    def day(self, day: Day, ordinal: int, cutoff_us: int, final: bool) -> None:
        rng = np.random.default_rng([self.seed, ordinal, 1])
        for number, session_end in enumerate(day.session_end_us):
            cols = np.flatnonzero(day.session_of == number)
            mask = (day.state[:, cols] == ABSENT) & day.keep[:, cols]
            for r, a, b in _runs(mask):
                since = int(day.observed_us[r, cols[a]])
                cut = b == len(cols) or not day.keep[r, cols[b]]
                ongoing = cut and session_end > cutoff_us
                end = None if ongoing else (session_end if b == len(cols) else int(day.observed_us[r, cols[b]]))
                queue = int(day.queue[r, cols[a:b]].max())
                self._add(rng, AlertKind.UNATTENDED_QUEUE if queue else AlertKind.UNATTENDED, r, since, end,
                          cutoff_us, 15, queue)
        down = (day.state == UNKNOWN) & day.keep
        for r, since in list(self.pending_fault.items()):
            if day.keep[r, 0] and not down[r, 0]:
                self._add(rng, AlertKind.CAMERA_FAULT, r, since, int(day.observed_us[r, 0]), cutoff_us, 10, 0)
                del self.pending_fault[r]
        for r, a, b in _runs(down):
            since = self.pending_fault.pop(r, None) if a == 0 else None
            since = since if since is not None else int(day.observed_us[r, a])
            if b < down.shape[1] and day.keep[r, b]:
                self._add(rng, AlertKind.CAMERA_FAULT, r, since, int(day.observed_us[r, b]), cutoff_us, 10, 0)
            elif final:
                self._add(rng, AlertKind.CAMERA_FAULT, r, since, None, cutoff_us, 10, 0)
            else:
                self.pending_fault[r] = since

    def finish(self, cutoff_us: int) -> None:
        """Cameras still down at the end of the data keep their alert open."""
        rng = np.random.default_rng([self.seed, 0, 1])
        for r, since in self.pending_fault.items():
            self._add(rng, AlertKind.CAMERA_FAULT, r, since, None, cutoff_us, 10, 0)
        self.pending_fault.clear()

    def _add(self, rng, kind: AlertKind, r: int, since: int, end: int | None, cutoff_us: int, threshold: int,
             queue: int) -> None:
        minutes = ((end if end is not None else cutoff_us) - since) // (60 * US)
        if minutes < threshold:
            return
        opened = since + threshold * 60 * US
        severity = Severity.CRITICAL if kind == AlertKind.UNATTENDED_QUEUE else Severity.WARNING
        acknowledged = opened + int(rng.uniform(1, 12) * 60 * US) if rng.random() < 0.6 else None
        if acknowledged is not None and acknowledged > (end if end is not None else cutoff_us):
            acknowledged = None
        escalated = None
        if acknowledged is None and (end if end is not None else cutoff_us) - opened >= 30 * 60 * US:
            escalated, severity = opened + 30 * 60 * US, Severity.CRITICAL
        site, desk = self.site, f"{self.site.desk_names[r]} ({self.site.desk_codes[r]})"
        if kind == AlertKind.CAMERA_FAULT:
            key, camera = f"camera:{int(site.camera_ids[r])}:fault", int(site.camera_ids[r])
            message = (f"Camera {site.camera_codes[r]} (quầy {site.desk_codes[r]}) không hoạt động: mất tín hiệu "
                       f"trong {minutes} phút")
            details = {"minutes": int(minutes), "health": "offline", "threshold_minutes": threshold}
        else:
            key, camera = f"desk:{int(site.desk_ids[r])}:unattended", None
            message = f"Quầy {desk} không có người {minutes} phút trong giờ làm việc"
            message += f", {queue} người đang chờ" if queue else ""
            details = {"minutes": int(minutes), "queue": queue, "threshold_minutes": threshold}
        status = AlertStatus.RESOLVED if end is not None else (
            AlertStatus.ACKNOWLEDGED if acknowledged is not None else AlertStatus.OPEN)
        self.rows.append(dict(
            unit_id=int(site.unit_ids[r]), desk_id=int(site.desk_ids[r]), camera_id=camera, kind=kind,
            severity=severity, status=status, condition_key=key, opened_at=_at(opened),
            acknowledged_at=_at(acknowledged) if acknowledged else None,
            acknowledged_by_id=self.admin_id if acknowledged else None,
            escalated_at=_at(escalated) if escalated else None, resolved_at=_at(end) if end is not None else None,
            message=message, details=details))
