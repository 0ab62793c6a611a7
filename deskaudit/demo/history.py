"""A scripted model of a desk's working day for the demo: the official, the queue and the camera → observation rows.

Pure and deterministic: no database, no clock; the same seed, desk and day always give the same
script, whatever range of days is asked for. Samples lie only inside the scheduled intervals, at
each slot's start plus the camera's fixed offset, like the real sampler; lunch has no samples.
What is scripted (late arrivals, breaks, unattended spells, early leaves, absent sessions, camera
outages and frozen spells) is listed as events beside the rows, so a test or a summary can check
the rows against it.

A desk may be filmed by several cameras (its own, a room camera over several desks): each row then
carries the desk's view as the sampler stores it (``vision.presence.combine_views``: healthy when any
camera's latest sample, within 1.5 of its cadences, was; staff and queue the largest healthy count),
and the desk's presence and its changes follow that view, not one camera's.
"""

from __future__ import annotations

import unicodedata
import zlib
from bisect import bisect_right
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

import numpy as np

from models.enums import DEFAULT_TIMEZONE, CameraHealth, PresenceState

SEED_MODEL_ID = "demo-seed"  # model_id of every seeded observation: tells them from a real sampler's
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
OK, OFFLINE, FROZEN = CameraHealth.OK.value, CameraHealth.OFFLINE.value, CameraHealth.FROZEN.value
PRESENT, ABSENT, UNKNOWN = PresenceState.PRESENT.value, PresenceState.ABSENT.value, PresenceState.UNKNOWN.value
OFFSET_SPREAD = 0.8  # as the sampler: camera offsets spread over this share of the cadence
UNKNOWN_AFTER_MS = 600_000  # as the presence tracker's max_gap_s: unwatched for this long → unknown
SPAN_DAYS = 22  # each span of this many working days gets at least one outage per camera
MINUTE = 60_000

P_ABSENT_SESSION = 0.008
P_LATE = (0.12, 0.06)  # first session of the day, later sessions
P_EARLY_LEAVE = (0.03, 0.07)  # earlier sessions, last session of the day
P_UNATTENDED_WITH_QUEUE = 0.5
P_SECOND_STAFF = 0.04
BREAKS_PER_SESSION = 1.0
BUSY_FIELDS = ("dat dai", "tu phap")


class EventKind(StrEnum):
    """What the script made happen; values are plain words for summaries and tests."""

    LATE_ARRIVAL = "late_arrival"
    EARLY_LEAVE = "early_leave"
    BREAK = "break"
    UNATTENDED = "unattended"
    ABSENT_SESSION = "absent_session"
    OUTAGE = "outage"
    FROZEN = "frozen"


@dataclass(frozen=True)
class CameraProfile:
    """A camera over the desk: its code fixes its offset within each sampling slot."""

    code: str
    cadence_seconds: int = 30

    @property
    def offset_ms(self) -> int:
        """Milliseconds into each slot at which the camera is sampled (the sampler's own rule)."""
        return round((zlib.crc32(self.code.encode()) % 1000) / 1000 * self.cadence_seconds * OFFSET_SPREAD * 1000)


@dataclass(frozen=True)
class DeskProfile:
    """What the model needs of a desk: its field (busy fields get longer queues), cameras and time zone."""

    code: str
    field: str = ""
    cameras: tuple[CameraProfile, ...] = ()
    timezone: str = DEFAULT_TIMEZONE

    @property
    def busy(self) -> bool:
        """Land (Đất đai) and justice (Tư pháp) desks see the most citizens."""
        plain = unicodedata.normalize("NFD", self.field.replace("đ", "d").replace("Đ", "D"))
        plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
        return any(name in plain for name in BUSY_FIELDS)


@dataclass(frozen=True)
class ScriptedEvent:
    """One scripted happening, ``start``..``end`` (aware UTC); camera faults name their camera."""

    kind: EventKind
    start: datetime
    end: datetime
    camera: str | None = None
    with_queue: bool = False  # unattended spells: citizens waited throughout
    excused: bool = False  # absent sessions covered by an excused absence

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True, slots=True)
class ObservationRow:
    """One sample as the sampler would store it; counts are ``None`` unless the camera was ``ok``.

    ``presence`` and the ``desk_*`` fields are the desk's, from all its cameras at that moment; with one
    camera they are the camera's own.
    """

    observed_at: datetime
    slot_at: datetime
    health: str
    presence: str
    persons: int | None
    staff_count: int | None
    queue_count: int | None
    latency_ms: int | None
    desk_health: str | None = None
    desk_staff: int | None = None
    desk_queue: int | None = None


@dataclass(frozen=True, slots=True)
class PresenceChange:
    """A change of the desk's presence, at the sample that showed it; ``camera`` took that sample (or the
    last one before nobody looked for ``UNKNOWN_AFTER_MS``)."""

    at: datetime
    state: str
    previous_state: str
    camera: str = ""


@dataclass(frozen=True)
class CameraDay:
    """One camera's rows for one day, and the desk's presence changes its samples showed."""

    camera: str
    rows: tuple[ObservationRow, ...]
    changes: tuple[PresenceChange, ...]


@dataclass(frozen=True)
class DayScript:
    """One desk's scripted day: the intervals it was scheduled, what happened, what each camera stored."""

    desk: str
    day: date
    intervals: tuple[tuple[datetime, datetime], ...]
    events: tuple[ScriptedEvent, ...]
    cameras: tuple[CameraDay, ...]

    @property
    def changes(self) -> tuple[PresenceChange, ...]:
        """The desk's presence changes, whichever camera showed them, in time order."""
        return tuple(sorted((c for camera in self.cameras for c in camera.changes), key=lambda c: c.at))

    def events_of(self, kind: EventKind) -> tuple[ScriptedEvent, ...]:
        return tuple(e for e in self.events if e.kind is kind)

    def camera(self, code: str) -> CameraDay:
        for found in self.cameras:
            if found.camera == code:
                return found
        raise KeyError(f"desk {self.desk}: no camera {code!r} on {self.day}")


def script_days(desk: DeskProfile, days: Sequence[tuple[date, Sequence[tuple[datetime, datetime]]]], *,
                seed: int = 2026, absent_sessions: Mapping[date, Collection[int]] | None = None) -> Iterator[DayScript]:
    """Scripts of ``desk`` for ``days`` (local day, its scheduled intervals), oldest first, one day at a time.

    In every span of ``SPAN_DAYS`` of the desk's working days each camera has one outage and 2–4 frozen spells,
    and the desk 2–4 unattended spells, on days picked at random (see ``_picks`` for short spans).
    ``absent_sessions`` forces whole sessions (by index in the day) absent, e.g. a morning on leave.
    """
    ordered = sorted(days, key=lambda item: item[0])
    outages: dict[date, set[str]] = {}
    frozen: dict[date, set[str]] = {}
    spells: dict[date, int] = {}
    working = [day for day, intervals in ordered if intervals]
    for first in range(0, len(working), SPAN_DAYS):
        span = working[first:first + SPAN_DAYS]
        for day in _picks(_rng(seed, desk.code, span[0], 2), span, _few(seed, desk.code, span[0])):
            spells[day] = spells.get(day, 0) + 1
        for camera in desk.cameras:
            for day in _picks(_rng(seed, camera.code, span[0], 2), span, 1):
                outages.setdefault(day, set()).add(camera.code)
            for day in _picks(_rng(seed, camera.code, span[0], 3), span, _few(seed, camera.code, span[0])):
                frozen.setdefault(day, set()).add(camera.code)
    forced = absent_sessions or {}
    for day, intervals in ordered:
        yield script_day(desk, day, intervals, seed=seed, outage_cameras=outages.get(day, ()),
                         frozen_cameras=frozen.get(day, ()), unattended_spells=spells.get(day, 0),
                         absent_sessions=forced.get(day, ()))


def _few(seed: int, code: str, first: date) -> int:
    """How many spells (2–4) a desk or camera gets in the span that starts on ``first``."""
    return int(_rng(seed, code, first, 4).integers(2, 5))


def _picks(rng: np.random.Generator, span: Sequence[date], count: int) -> list[date]:
    """``count`` days drawn from the span; a span under three quarters of ``SPAN_DAYS`` keeps each draw only
    with a chance in proportion to its length (two days of history rarely hold an outage)."""
    positions = rng.integers(max(len(span), SPAN_DAYS) if len(span) < SPAN_DAYS * 3 // 4 else len(span),
                             size=count).tolist()
    return [span[p] for p in positions if p < len(span)]


def script_day(desk: DeskProfile, day: date, intervals: Sequence[tuple[datetime, datetime]], *, seed: int = 2026,
               outage_cameras: Collection[str] = (), frozen_cameras: Collection[str] = (), unattended_spells: int = 0,
               absent_sessions: Collection[int] = ()) -> DayScript:
    """The script of one desk-day: ``outage_cameras`` get a 1–3 hour outage, ``frozen_cameras`` a 3–12 minute
    frozen spell, the official ``unattended_spells`` spells of 16–45 minutes away from the desk."""
    bounds = sorted((_ms(a), _ms(b)) for a, b in intervals if b > a)
    rng = _rng(seed, desk.code, day, 0)
    away, events = _official(rng, bounds, set(absent_sessions), unattended_spells)
    queue = _queue(rng, bounds, desk, day, events)
    helpers = _Windows([(s, e, True) for s, e, _ in queue.spans() if rng.random() < P_SECOND_STAFF])
    own = {}
    for camera in desk.cameras:
        camera_rng = _rng(seed, camera.code, day, 1)
        faults, fault_events = _faults(camera_rng, bounds, camera.code, camera.code in outage_cameras,
                                       camera.code in frozen_cameras)
        events.extend(fault_events)
        own[camera.code] = _rows(camera_rng, camera, bounds, away, faults, queue, helpers)
    rows, changes = _desk_view(desk.cameras, own)
    cameras = [CameraDay(c.code, rows[c.code], tuple(x for x in changes if x.camera == c.code)) for c in desk.cameras]
    events.sort(key=lambda e: (e.start, e.kind.value, e.camera or ""))
    return DayScript(desk.code, day, tuple((_dt(a), _dt(b)) for a, b in bounds), tuple(events), tuple(cameras))


class _Windows:
    """Disjoint ``[start, end)`` windows (ms) with a payload, looked up by instant."""

    def __init__(self, windows) -> None:
        ordered = sorted(windows)
        self.starts = [w[0] for w in ordered]
        self.windows = ordered

    def at(self, t: int):
        i = bisect_right(self.starts, t) - 1
        return self.windows[i][2] if i >= 0 and t < self.windows[i][1] else None


def _official(rng: np.random.Generator, bounds, forced_absent: set[int], spells: int):
    """When the official is away from the desk (windows in ms) and the events that explain it."""
    away, events = [], []
    draws = rng.random(len(bounds)).tolist()  # one per session, forced or not: the rest of the day stays the same
    absent = {i for i, draw in enumerate(draws) if i in forced_absent or draw < P_ABSENT_SESSION}
    attended = [i for i in range(len(bounds)) if i not in absent]
    spell_sessions = [attended[i] for i in rng.integers(len(attended), size=spells).tolist()] if attended else []
    for index, (a, b) in enumerate(bounds):
        if index in absent:
            away.append((a, b, EventKind.ABSENT_SESSION))
            events.append(_event(EventKind.ABSENT_SESSION, a, b, excused=index in forced_absent))
            continue
        arrive = a
        if rng.random() < P_LATE[0 if index == 0 else 1]:
            arrive = a + int(rng.integers(5, 26)) * MINUTE
            away.append((a, arrive, EventKind.LATE_ARRIVAL))
            events.append(_event(EventKind.LATE_ARRIVAL, a, arrive))
        leave = b
        if rng.random() < P_EARLY_LEAVE[1 if index == len(bounds) - 1 else 0]:
            leave = b - int(rng.integers(10, 31)) * MINUTE
            away.append((leave, b, EventKind.EARLY_LEAVE))
            events.append(_event(EventKind.EARLY_LEAVE, leave, b))
        taken: list[tuple[int, int]] = []
        wanted = [(EventKind.UNATTENDED, int(rng.integers(16, 46))) for _ in range(spell_sessions.count(index))]
        wanted += [(EventKind.BREAK, int(rng.integers(2, 11))) for _ in range(rng.poisson(BREAKS_PER_SESSION))]
        for kind, minutes in wanted:
            start = _place(rng, arrive, leave, minutes * MINUTE, taken)
            if start is None:
                continue
            taken.append((start, start + minutes * MINUTE))
            away.append((start, start + minutes * MINUTE, kind))
            with_queue = kind is EventKind.UNATTENDED and rng.random() < P_UNATTENDED_WITH_QUEUE
            events.append(_event(kind, start, start + minutes * MINUTE, with_queue=with_queue))
    return _Windows(away), events


def _place(rng: np.random.Generator, arrive: int, leave: int, length: int, taken) -> int | None:
    """A whole-minute start for a spell inside ``arrive``..``leave``, 10 minutes clear of the edges and other spells."""
    margin = 10 * MINUTE
    first, last = arrive + margin, leave - margin - length
    if last < first:
        return None
    for _ in range(20):
        start = first + int(rng.integers(0, (last - first) // MINUTE + 1)) * MINUTE
        if all(start + length + margin <= s or start >= e + margin for s, e in taken):
            return start
    return None


class _Queue:
    """The desk's queue as a step function: (start ms, count) steps, each holding until the next."""

    def __init__(self, steps: list[tuple[int, int]], end: int) -> None:
        self.end = end
        self._set(steps)

    def _set(self, steps: list[tuple[int, int]]) -> None:
        self.steps = steps
        self._starts = [s for s, _ in steps]

    def at(self, t: int) -> int:
        i = bisect_right(self._starts, t) - 1
        return self.steps[i][1] if i >= 0 else 0

    def spans(self) -> list[tuple[int, int, int]]:
        ends = [*self._starts[1:], self.end]
        return [(s, e, v) for (s, v), e in zip(self.steps, ends)]

    def set_between(self, start: int, end: int, value) -> None:
        """Steps inside ``start``..``end`` get ``value(count)``; the steps around are split at the bounds."""
        steps = dict(self.steps)
        steps.setdefault(end, self.at(end))  # what held before goes on after ``end``
        steps.setdefault(start, self.at(start))
        for s in steps:
            if start <= s < end:
                steps[s] = value(steps[s])
        self._set(sorted(steps.items()))


def _queue(rng: np.random.Generator, bounds, desk: DeskProfile, day: date, events) -> _Queue:
    """Citizens waiting: a morning peak (8:30–10:30 local), a quieter afternoon, busier on land and justice desks."""
    if not bounds:
        return _Queue([], 0)
    zone = ZoneInfo(desk.timezone)
    scale = (1.0 if desk.busy else 0.45) * float(rng.uniform(0.7, 1.3)) * (1.2 if day.weekday() == 0 else 1.0)
    steps, t, end = [], bounds[0][0], bounds[-1][1]
    while t < end:
        local = _dt(t).astimezone(zone)
        mean = _queue_mean(local.hour + local.minute / 60) * scale * (0.6 if day.weekday() == 5 else 1.0)
        steps.append((t, int(rng.poisson(mean))))
        t += int(rng.integers(2, 7)) * MINUTE
    queue = _Queue(steps, end)
    for event in events:
        if event.kind is EventKind.UNATTENDED:
            bump = int(rng.integers(1, 4))
            queue.set_between(_ms(event.start), _ms(event.end),
                              (lambda v, bump=bump: max(v, bump)) if event.with_queue else (lambda v: 0))
    return queue


def _queue_mean(hour: float) -> float:
    """Mean queue length on a busy desk at a local hour of the day."""
    if hour < 8.5:
        return 1.2 + 1.8 * max(0.0, hour - 7.0) / 1.5
    if hour < 10.5:
        return 3.5
    if hour < 12.5:
        return 1.6
    if hour < 15.5:
        return 1.2
    return 0.6


def _faults(rng: np.random.Generator, bounds, code: str, outage: bool, frozen: bool):
    """A camera's fault windows (ms, health) for the day: maybe an outage of 1–3 h, maybe a frozen spell of 3–12 min."""
    windows, events = [], []
    if not bounds:
        return _Windows([]), events
    if outage:
        a, b = bounds[int(rng.integers(len(bounds)))]
        length = min(int(rng.integers(60, 181)) * MINUTE, b - a)
        start = a + int(rng.integers(0, (b - a - length) // MINUTE + 1)) * MINUTE
        windows.append((start, start + length, OFFLINE))
        events.append(_event(EventKind.OUTAGE, start, start + length, camera=code))
    if frozen:
        a, b = bounds[int(rng.integers(len(bounds)))]
        length = min(int(rng.integers(3, 13)) * MINUTE, b - a)
        start = a + int(rng.integers(0, (b - a - length) // MINUTE + 1)) * MINUTE
        if all(start + length <= s or start >= e for s, e, _ in windows):
            windows.append((start, start + length, FROZEN))
            events.append(_event(EventKind.FROZEN, start, start + length, camera=code))
    return _Windows(windows), events


def _rows(rng: np.random.Generator, camera: CameraProfile, bounds, away: _Windows, faults: _Windows,
          queue: _Queue, helpers: _Windows) -> tuple[ObservationRow, ...]:
    """The camera's samples inside the intervals: slot start plus the camera's offset plus a little latency."""
    cadence = camera.cadence_seconds * 1000
    offset = camera.offset_ms
    slots = []
    for a, b in bounds:
        slot = (a - offset) // cadence * cadence
        while slot + offset < b:
            if slot + offset >= a:
                slots.append(slot)
            slot += cadence
    jitter_max = max(1, min(400, cadence // 10))
    jitters = rng.integers(0, jitter_max, size=len(slots))
    latencies = rng.integers(30, 120, size=len(slots))
    rows = []
    for slot, jitter, latency in zip(slots, jitters.tolist(), latencies.tolist()):
        at = slot + offset + jitter
        health = faults.at(at)
        if health is not None:
            rows.append(ObservationRow(_dt(at), _dt(slot), health, UNKNOWN, None, None, None,
                                       None if health == OFFLINE else int(latency)))
            continue
        staff = 0 if away.at(at) is not None else 1 + (helpers.at(at) is not None)
        waiting = queue.at(at)
        rows.append(ObservationRow(_dt(at), _dt(slot), OK, PRESENT if staff else ABSENT, staff + waiting,
                                   staff, waiting, int(latency)))
    return tuple(rows)


def _desk_view(cameras: Sequence[CameraProfile], own: Mapping[str, tuple[ObservationRow, ...]]):
    """Each camera's rows with the desk's view filled in, and the desk's presence changes over all of them.

    As the sampler: at each sample, the desk combines this camera's view with the latest sample of each other
    camera, counted healthy only if taken within 1.5 of that camera's cadences; ``presence`` follows the
    combined view (the script has no k-of-n hysteresis: the official is there or not).
    """
    cadence = {c.code: c.cadence_seconds for c in cameras}
    merged = sorted(((r.observed_at, code, i) for code, rows in own.items() for i, r in enumerate(rows)))
    latest: dict[str, ObservationRow] = {}
    out: dict[str, list[ObservationRow]] = {code: list(rows) for code, rows in own.items()}
    ordered: list[tuple[str, ObservationRow]] = []
    for at, code, i in merged:
        row = own[code][i]
        views = [row] + [r for other, r in latest.items() if other != code
                         and (at - r.observed_at).total_seconds() <= cadence[other] * 1.5]
        healthy = [v for v in views if v.health == OK]
        staff = max((v.staff_count for v in healthy), default=None)
        queue = max((v.queue_count for v in healthy), default=None)
        presence = UNKNOWN if not healthy else PRESENT if staff else ABSENT
        combined = replace(row, presence=presence, desk_health=OK if healthy else row.health,
                           desk_staff=staff, desk_queue=queue)
        out[code][i] = combined
        latest[code] = row
        ordered.append((code, combined))
    return {code: tuple(rows) for code, rows in out.items()}, _changes(ordered)


def _changes(rows: Sequence[tuple[str, ObservationRow]]) -> tuple[PresenceChange, ...]:
    """Presence changes along the desk's rows (camera, row) in time order; unwatched for ``UNKNOWN_AFTER_MS``
    (lunch, night), the desk becomes unknown."""
    changes, state, last, last_camera = [], UNKNOWN, None, ""
    lapse = timedelta(milliseconds=UNKNOWN_AFTER_MS)
    for camera, row in rows:
        if last is not None and row.observed_at - last > lapse and state != UNKNOWN:
            changes.append(PresenceChange(last + lapse, UNKNOWN, state, last_camera))
            state = UNKNOWN
        if row.presence != state:
            changes.append(PresenceChange(row.observed_at, row.presence, state, camera))
            state = row.presence
        last, last_camera = row.observed_at, camera
    if last is not None and state != UNKNOWN:
        changes.append(PresenceChange(last + lapse, UNKNOWN, state, last_camera))
    return tuple(changes)


def _event(kind: EventKind, start: int, end: int, **extra) -> ScriptedEvent:
    return ScriptedEvent(kind, _dt(start), _dt(end), **extra)


def _rng(seed: int, code: str, day: date, stream: int) -> np.random.Generator:
    """A generator for one seed, desk or camera, day and purpose: independent of the range of days asked for."""
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0, got {seed}")
    return np.random.default_rng([seed, zlib.crc32(code.encode()), day.toordinal(), stream])


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: intervals must be aware")
    return (at - EPOCH) // timedelta(milliseconds=1)


def _dt(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)
