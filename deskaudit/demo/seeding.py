"""Write a scripted observation history into the database, so reports and pages have data on a fresh machine.

The last N working days up to a given day, for every enabled camera over every active desk (its own
cameras and room cameras whose zones name it): the rows of ``deskaudit.demo.history``, one per camera
and desk, with the desk's combined view, the desk's presence changes, one excused morning of leave and monthly dossier
statistics per official. Re-running for the same days replaces what an earlier run wrote there.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from audit.services.calendars import NoHoursProfile, calendar_for
from audit.services.coverage import desk_cameras
from deskaudit.demo.history import (
    SEED_MODEL_ID,
    CameraProfile,
    DayScript,
    DeskProfile,
    EventKind,
    ScriptedEvent,
    script_days,
)
from models.base import utcnow
from models.checklists import Inspection
from models.enums import DEFAULT_TIMEZONE, AbsenceKind, CameraHealth, local_zone
from models.hours import ExcusedAbsence
from models.observing import Observation, PresenceEvent
from models.org import Desk, Staff, Unit
from models.scoring import DossierStat

MAX_DAYS = 366
CHUNK = 5000
EXCUSE_REF = "Đơn nghỉ phép số 12/ĐNP (ví dụ)"
EXCUSE_NOTE = "Dữ liệu mẫu: nghỉ phép buổi sáng (demo-seed)"
STATS_SOURCE = "dữ liệu mẫu (demo-seed)"
WINDOWS_PER_QUERY = 50

Progress = Callable[[int, int], None]


class SeedConflict(ValueError):
    """The days to seed hold observations that a real sampler wrote; seeding would replace them."""


class NoWorkingDays(LookupError):
    """No desk has scheduled hours on enough days before the day asked for."""


@dataclass(frozen=True)
class SeededEvent:
    """A scripted event and the desk-day it belongs to."""

    desk: str
    day: date
    event: ScriptedEvent


@dataclass(frozen=True)
class SeedReport:
    """What a seeding run wrote: the days, counts of rows and of scripted events."""

    days: tuple[date, ...]
    desks: int
    cameras: int
    observations: int
    presence_events: int
    replaced_observations: int
    dossier_stats: int
    excused: tuple[str, date] | None  # (staff code, day) of the excused morning
    events: tuple[SeededEvent, ...]
    inspections: int = 0  # final inspection records written (one per unit with desks)

    def count(self, kind: EventKind) -> int:
        return sum(1 for e in self.events if e.event.kind is kind)


@dataclass
class _Target:
    """An active desk to seed: what the model needs, the ids of the cameras over it by code, and its scheduled
    intervals by local day."""

    desk: Desk
    profile: DeskProfile
    cameras: dict[str, int]
    intervals: dict[date, list[tuple[datetime, datetime]]] = field(repr=False)
    official: Staff | None  # the first active official whose usual desk this is


def seed_history(session: Session, *, days: int, until: date, seed: int = 2026, progress: Progress | None = None,
                 force: bool = False) -> SeedReport:
    """Seed ``days`` working days on or before ``until`` (see the module docstring).

    Raises:
        ValueError: ``days`` outside 1..366, or a negative ``seed``.
        NoWorkingDays: fewer than ``days`` working days found.
        SeedConflict: the days hold observations not written by seeding, and ``force`` is not set.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be within 1..{MAX_DAYS}, got {days}")
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0, got {seed}")
    targets = _targets(session, until, days)
    chosen = _working_days(targets, days=days, until=until)
    windows = _day_windows(targets, chosen)
    camera_ids = sorted({camera_id for t in targets for camera_id in t.cameras.values()})
    if not force:
        _refuse_real_rows(session, camera_ids, windows)
    replaced = _clear(session, camera_ids, windows)
    excused = _excused_pick(targets, chosen, seed)
    observations = presence = 0
    events: list[SeededEvent] = []
    done, total = 0, len(chosen) * len(targets)
    buffer: list[dict] = []
    for target in targets:
        absent = {excused[1]: {0}} if excused and excused[0] is target else None
        scripts = script_days(target.profile, [(d, target.intervals.get(d, [])) for d in chosen], seed=seed,
                              absent_sessions=absent)
        for script in scripts:
            rows, changes = _rows_of(target, script)
            buffer.extend(rows)
            observations += len(rows)
            if changes:
                session.execute(insert(PresenceEvent), changes)
                presence += len(changes)
            if len(buffer) >= CHUNK:
                session.execute(insert(Observation.__table__), buffer)
                buffer = []
            events.extend(SeededEvent(target.desk.code, script.day, e) for e in script.events)
            done += 1
            if progress is not None:
                progress(done, total)
    if buffer:
        session.execute(insert(Observation.__table__), buffer)
    excused_staff = _write_excuse(session, excused) if excused else None
    stats = _write_dossier_stats(session, chosen, until, seed)
    inspections = _write_inspections(session, targets, chosen, seed)
    return SeedReport(tuple(chosen), len(targets), len(camera_ids), observations, presence, replaced, stats,
                      (excused_staff.code, excused[1]) if excused_staff else None, tuple(events), inspections)


def working_days(session: Session, *, days: int, until: date) -> list[date]:
    """The last ``days`` days on or before ``until`` when any active desk is scheduled, oldest first.

    Raises:
        NoWorkingDays: fewer found in the look-back window.
    """
    return _working_days(_targets(session, until, days), days=days, until=until)


def _working_days(targets: Sequence[_Target], *, days: int, until: date) -> list[date]:
    """``working_days`` on targets already read."""
    found = sorted({d for t in targets for d, spans in t.intervals.items() if spans and d <= until}, reverse=True)
    if len(found) < days:
        raise NoWorkingDays(f"only {len(found)} working day(s) of the active desks found in the "
                            f"{_lookback(days)} days up to {until}, {days} asked for (hours profiles missing?)")
    return sorted(found[:days])


def _lookback(days: int) -> int:
    """Calendar days searched for ``days`` working days (weekends, Tết and other holidays included)."""
    return days * 2 + 30


def _targets(session: Session, until: date, days: int) -> list[_Target]:
    """Active desks with the enabled cameras over them and their scheduled intervals over the look-back window."""
    desks = session.scalars(select(Desk).join(Unit, Desk.unit_id == Unit.id).where(Desk.active.is_(True))
                            .order_by(Unit.code, Desk.code)).all()
    officials: dict[int, Staff] = {}
    for staff in session.scalars(select(Staff).where(Staff.active.is_(True), Staff.default_desk_id.is_not(None))
                                 .order_by(Staff.code)):
        officials.setdefault(staff.default_desk_id, staff)
    over = desk_cameras(session, [d.id for d in desks])
    targets = []
    for desk in desks:
        cameras = {c.code: c for c in over.get(desk.id, [])}
        try:
            calendar = calendar_for(session, desk.unit, desk)
        except NoHoursProfile:
            continue
        intervals = {}
        for back in range(_lookback(days)):
            day = until - timedelta(days=back)
            spans = calendar.intervals(day, saturday_desk=desk.saturday_reception)
            if spans:
                intervals[day] = [(s.start.astimezone(timezone.utc), s.end.astimezone(timezone.utc)) for s in spans]
        profile = DeskProfile(desk.code, desk.field,
                              tuple(CameraProfile(c.code, c.cadence_seconds) for c in cameras.values()),
                              desk.unit.timezone or DEFAULT_TIMEZONE)
        targets.append(_Target(desk, profile, {code: c.id for code, c in cameras.items()}, intervals,
                               officials.get(desk.id)))
    return targets


def _day_windows(targets: Sequence[_Target], chosen: Sequence[date]) -> list[tuple[datetime, datetime]]:
    """The seeded days as UTC windows from local midnight to midnight (in every unit's zone)."""
    zones = {t.profile.timezone for t in targets} or {DEFAULT_TIMEZONE}
    windows = set()
    for name in zones:
        zone = ZoneInfo(name)
        for day in chosen:
            start = datetime.combine(day, time(0), zone)
            windows.add((start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)))
    return sorted(windows)


def _within(column, windows: Sequence[tuple[datetime, datetime]]):
    """``column`` inside any of the windows, in batches of conditions (long OR lists are slow to plan)."""
    for first in range(0, len(windows), WINDOWS_PER_QUERY):
        yield or_(*(and_(column >= a, column < b) for a, b in windows[first:first + WINDOWS_PER_QUERY]))


def _refuse_real_rows(session: Session, camera_ids: list[int], windows) -> None:
    """Raise ``SeedConflict`` if observations not written by seeding lie inside the windows."""
    if not camera_ids:
        return
    real = or_(Observation.model_id.is_(None), Observation.model_id != SEED_MODEL_ID)
    count, first, models = 0, None, set()
    for inside in _within(Observation.slot_at, windows):
        where = (Observation.camera_id.in_(camera_ids), inside, real)
        found, earliest = session.execute(select(func.count(), func.min(Observation.slot_at)).where(*where)).one()
        if found:
            count += found
            first = earliest if first is None else min(first, earliest)
            models.update(session.scalars(select(Observation.model_id).where(*where).distinct().limit(5)))
    if count:
        names = ", ".join(sorted(m or "không rõ" for m in models))
        raise SeedConflict(
            f"{count} quan sát thật (model {names}) đã có trong những ngày cần tạo, "
            f"sớm nhất {first:%Y-%m-%d %H:%M} UTC; "
            f"dùng --force để thay thế / {count} real observations lie in the days to seed; --force replaces them")


def _clear(session: Session, camera_ids: list[int], windows) -> int:
    """Delete these cameras' observations and presence events (and seeded leave) inside the days; count observations."""
    deleted = 0
    if not camera_ids:
        return deleted
    for inside in _within(Observation.slot_at, windows):
        deleted += session.execute(delete(Observation).where(Observation.camera_id.in_(camera_ids), inside)
                                   .execution_options(synchronize_session=False)).rowcount or 0
    for inside in _within(PresenceEvent.at, windows):
        session.execute(delete(PresenceEvent).where(PresenceEvent.camera_id.in_(camera_ids), inside)
                        .execution_options(synchronize_session=False))
    for inside in _within(ExcusedAbsence.starts_at, windows):
        session.execute(delete(ExcusedAbsence).where(ExcusedAbsence.created_by == SEED_MODEL_ID, inside)
                        .execution_options(synchronize_session=False))
    return deleted


def _rows_of(target: _Target, script: DayScript) -> tuple[list[dict], list[dict]]:
    """Observation and presence-event values of one scripted desk-day."""
    rows, changes = [], []
    desk_id = target.desk.id
    for camera_day in script.cameras:
        camera_id = target.cameras[camera_day.camera]
        for r in camera_day.rows:
            rows.append(dict(camera_id=camera_id, desk_id=desk_id, slot_at=r.slot_at, observed_at=r.observed_at,
                             health=r.health, presence=r.presence, persons=r.persons, staff_count=r.staff_count,
                             queue_count=r.queue_count, latency_ms=r.latency_ms, desk_health=r.desk_health,
                             desk_staff=r.desk_staff, desk_queue=r.desk_queue, model_id=SEED_MODEL_ID,
                             snapshot_path=None, error=None if r.health == CameraHealth.OK else _ERRORS[r.health]))
        changes.extend(dict(desk_id=desk_id, camera_id=camera_id, at=c.at, state=c.state,
                            previous_state=c.previous_state, reason=SEED_MODEL_ID) for c in camera_day.changes)
    return rows, changes


_ERRORS = {CameraHealth.OFFLINE: "no frame (scripted outage, demo-seed)",
           CameraHealth.FROZEN: "frame unchanged (scripted, demo-seed)"}


def _excused_pick(targets: Sequence[_Target], chosen: Sequence[date], seed: int) -> tuple[_Target, date] | None:
    """A desk with an official and a day near the middle of the range on which its morning is excused leave."""
    staffed = [t for t in targets if t.official is not None]
    if not staffed or not chosen:
        return None
    rng = np.random.default_rng([seed, 7])
    target = staffed[int(rng.integers(len(staffed)))]
    middle = len(chosen) // 2
    for day in sorted(chosen, key=lambda d: abs(chosen.index(d) - middle)):
        if target.intervals.get(day):
            return target, day
    return None


def _write_excuse(session: Session, excused: tuple[_Target, date]) -> Staff:
    """The excused absence (leave, with its request) that covers the scripted absent morning."""
    target, day = excused
    official = target.official
    start, end = target.intervals[day][0]
    session.add(ExcusedAbsence(staff_id=official.id, kind=AbsenceKind.LEAVE, starts_at=start, ends_at=end,
                               document_ref=EXCUSE_REF, note=EXCUSE_NOTE, created_by=SEED_MODEL_ID))
    session.flush()
    return official


def _write_dossier_stats(session: Session, chosen: Sequence[date], until: date, seed: int) -> int:
    """Monthly dossier counts per official with a usual desk, for every month the days touch.

    Statistics imported from the one-stop software for the same month and official are kept as they are.
    """
    months = sorted({d.strftime("%Y-%m") for d in chosen})
    session.execute(delete(DossierStat).where(DossierStat.import_batch == SEED_MODEL_ID, DossierStat.month.in_(months))
                    .execution_options(synchronize_session=False))
    imported = set(session.execute(select(DossierStat.month, DossierStat.staff_id)
                                   .where(DossierStat.month.in_(months), DossierStat.staff_id.is_not(None))).all())
    officials = session.scalars(select(Staff).where(Staff.active.is_(True), Staff.default_desk_id.is_not(None))
                                .order_by(Staff.code)).all()
    now = utcnow()
    rows = []
    for month in months:
        current = month == until.strftime("%Y-%m")
        for official in officials:
            if (month, official.id) in imported:
                continue
            rng = np.random.default_rng([seed, int(month.replace("-", "")), zlib.crc32(official.code.encode()), 11])
            received = int(rng.integers(40, 161))
            late = round(received * float(rng.uniform(0, 0.08)))
            pending = round(received * float(rng.uniform(0.08, 0.2) if current else rng.uniform(0, 0.04)))
            rows.append(dict(month=month, unit_id=official.unit_id, desk_id=official.default_desk_id,
                             staff_id=official.id, received=received, on_time=received - late - pending, late=late,
                             not_yet_due=pending, source_file=STATS_SOURCE, import_batch=SEED_MODEL_ID,
                             imported_at=now))
    if rows:
        session.execute(insert(DossierStat), rows)
    return len(rows)


INSPECTOR = "Đoàn kiểm tra công vụ Sở Nội vụ (ví dụ)"
FAILS = (5, 6, 7, 18)  # badge, dress, nameplate, tidy desk: what unannounced checks find most often


def _write_inspections(session: Session, targets: Sequence[_Target], chosen: Sequence[date], seed: int) -> int:
    """One final inspection record per unit with desks, a few days before the end: headcount at 07:45,
    items 1 and 5–7 and 18 for each official, items 13 and 15 for the unit, a few failures by the seed."""
    from audit.services.inspections import ItemOutcome, finalize, record_inspection

    written = 0
    units: dict[int, list[_Target]] = {}
    for target in targets:
        if target.official is not None:
            units.setdefault(target.desk.unit_id, []).append(target)
    for group in units.values():
        unit = group[0].desk.unit
        day = chosen[max(0, len(chosen) - 3)]
        number = f"{unit.code}-{day:%Y%m%d}-MAU"
        if session.scalar(select(func.count()).select_from(Inspection).where(Inspection.record_number == number)):
            continue
        rng = np.random.default_rng([seed, zlib.crc32(number.encode())])
        outcomes = [ItemOutcome(13, "fail" if rng.random() < 0.5 else "pass",
                                note="Chưa niêm yết số điện thoại đường dây nóng"),
                    ItemOutcome(15, "pass")]
        for target in group:
            code = target.official.code
            outcomes.append(ItemOutcome(1, "pass", staff_code=code))
            for item in FAILS:
                outcomes.append(ItemOutcome(item, "fail" if rng.random() < 0.25 else "pass", staff_code=code))
        zone = local_zone(unit.timezone)
        started = datetime.combine(day, time(7, 45), zone)
        record = record_inspection(session, unit_code=unit.code, inspector_name=INSPECTOR, started_at=started,
                                   ended_at=started + timedelta(minutes=40), outcomes=outcomes, record_number=number,
                                   note="Dữ liệu mẫu (demo-seed): kiểm tra đột xuất, điểm danh lúc 07:45")
        finalize(session, record.id, started + timedelta(minutes=45))
        written += 1
    return written
