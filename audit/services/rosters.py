"""Who is expected at which desk each session (roster entries, rotations, usual desks) and excused absence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from audit.files.tabular import header_key as fold
from models.enums import AbsenceKind, local_zone
from models.enums import Session as DaySession
from models.hours import ExcusedAbsence, RosterEntry, RosterPattern
from models.org import Desk, Staff

HALVES = ("morning", "afternoon")
# off-site work needs a written assignment
NEEDS_DOCUMENT = frozenset({AbsenceKind.OFFICIAL_TRIP, AbsenceKind.TRAINING})

ABSENCE_KINDS: dict[str, AbsenceKind] = {  # accepted spellings (folded: lower case, no accents) → kind
    **{kind.value: kind for kind in AbsenceKind},
    "nghi phep": AbsenceKind.LEAVE, "phep": AbsenceKind.LEAVE,
    "cong tac": AbsenceKind.OFFICIAL_TRIP,
    "dao tao": AbsenceKind.TRAINING, "boi duong": AbsenceKind.TRAINING, "dao tao boi duong": AbsenceKind.TRAINING,
    "om": AbsenceKind.SICK, "nghi om": AbsenceKind.SICK,
    "khac": AbsenceKind.OTHER,
}
KIND_LABELS = {AbsenceKind.LEAVE: "nghỉ phép", AbsenceKind.OFFICIAL_TRIP: "công tác", AbsenceKind.TRAINING: "đào tạo",
               AbsenceKind.SICK: "ốm", AbsenceKind.OTHER: "khác"}


class RosterError(ValueError):
    """A roster or absence change that cannot be made; the message names the offending value."""


class UnknownStaff(RosterError):
    """No (active) official with that code."""


class UnknownDesk(RosterError):
    """No desk with that code."""


class InvalidExcuse(RosterError):
    """An excused absence with a bad period, kind or a missing document."""


class InvalidPattern(RosterError):
    """A rotation with no desks, a bad period or dates in the wrong order."""


def pattern_desk(starts_on: date, period_days: int, desk_sequence: Sequence[str], day: date,
                 ends_on: date | None = None) -> str | None:
    """The desk code a rotation puts its official on for ``day`` (None outside its dates)."""
    if period_days < 1:
        raise ValueError(f"rotation period of {period_days} days: it must be at least 1")
    if not desk_sequence or day < starts_on or (ends_on is not None and day > ends_on):
        return None
    return desk_sequence[((day - starts_on).days // period_days) % len(desk_sequence)]


def absence_kind(value: str | AbsenceKind) -> AbsenceKind:
    """An absence kind from its English value or Vietnamese name (nghỉ phép, công tác, đào tạo, ốm, khác)."""
    if isinstance(value, AbsenceKind):
        return value
    kind = ABSENCE_KINDS.get(fold(value)) or ABSENCE_KINDS.get(fold(value).replace(" ", "_"))
    if kind is None:
        raise InvalidExcuse(f"{value!r} is not an absence kind (leave/nghỉ phép, official_trip/công tác, "
                            "training/đào tạo, sick/ốm, other/khác)")
    return kind


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def half_of(local: datetime) -> str:
    """The half-day ("morning"/"afternoon") a local time falls in: a session before noon is the morning."""
    return HALVES[0] if local.hour < 12 else HALVES[1]


def halves_of(session_value: DaySession) -> tuple[str, ...]:
    """The half-days a roster session covers: all_day is both morning and afternoon."""
    return HALVES if session_value == DaySession.ALL_DAY else (DaySession(session_value).value,)


def expected_staff(session: Session, desk_ids: Iterable[int], first: date,
                   last: date) -> dict[tuple[int, date, str], frozenset[int]]:
    """Active officials expected at each desk, each day, each half ("morning"/"afternoon").

    Precedence per desk and session: explicit roster entries (all_day covers both halves), else the
    rotations that land on the desk, else the desk's usual holders (``Staff.default_desk_id``) who are
    not rostered to another desk that session. An official's own entry that session outranks their
    rotation. Four queries, whatever the number of desks and days. Every key is present (maybe empty).
    """
    ids = sorted(set(desk_ids))
    days = _days(first, last)
    if not ids or not days:
        return {}
    holders: dict[int, set[int]] = defaultdict(set)
    for staff_id, desk_id in session.execute(select(Staff.id, Staff.default_desk_id).where(
            Staff.active.is_(True), Staff.default_desk_id.in_(ids))):
        holders[desk_id].add(staff_id)
    holder_ids = set().union(*holders.values()) if holders else set()
    patterns = session.scalars(
        select(RosterPattern).join(Staff, Staff.id == RosterPattern.staff_id)
        .where(Staff.active.is_(True), RosterPattern.starts_on <= last,
               or_(RosterPattern.ends_on.is_(None), RosterPattern.ends_on >= first))).all()
    watched = holder_ids | {p.staff_id for p in patterns}  # whose entries elsewhere matter here

    # (staff, day, half) → desks, from entries (explicit) and from rotations
    entered: dict[tuple[int, date, str], set[int]] = defaultdict(set)
    for staff_id, desk_id, day, half in session.execute(
            select(RosterEntry.staff_id, RosterEntry.desk_id, RosterEntry.day, RosterEntry.session)
            .join(Staff, Staff.id == RosterEntry.staff_id)
            .where(Staff.active.is_(True), RosterEntry.day >= first, RosterEntry.day <= last,
                   or_(RosterEntry.desk_id.in_(ids), RosterEntry.staff_id.in_(sorted(watched) or [-1])))):
        for name in halves_of(half):
            entered[(staff_id, day, name)].add(desk_id)
    codes = {code for p in patterns for code in p.desk_sequence}
    desk_of_code = dict(session.execute(select(Desk.code, Desk.id).where(Desk.code.in_(codes))).all()) if codes else {}
    rotated: dict[tuple[int, date, str], set[int]] = defaultdict(set)
    for pattern in patterns:
        for day in days:
            desk_id = desk_of_code.get(pattern_desk(pattern.starts_on, pattern.period_days, pattern.desk_sequence,
                                                    day, pattern.ends_on))
            if desk_id is None:
                continue
            for name in HALVES:
                if (pattern.staff_id, day, name) not in entered:
                    rotated[(pattern.staff_id, day, name)].add(desk_id)

    at_desk_entered: dict[tuple[int, date, str], set[int]] = defaultdict(set)
    for (staff_id, day, name), desks in entered.items():
        for desk_id in desks:
            at_desk_entered[(desk_id, day, name)].add(staff_id)
    at_desk_rotated: dict[tuple[int, date, str], set[int]] = defaultdict(set)
    for (staff_id, day, name), desks in rotated.items():
        for desk_id in desks:
            at_desk_rotated[(desk_id, day, name)].add(staff_id)

    found = {}
    for desk_id in ids:
        for day in days:
            for name in HALVES:
                key = (desk_id, day, name)
                staff = at_desk_entered.get(key) or at_desk_rotated.get(key)
                if not staff:
                    staff = {s for s in holders.get(desk_id, ())
                             if not ((entered.get((s, day, name), set()) | rotated.get((s, day, name), set()))
                                     - {desk_id})}
                found[key] = frozenset(staff)
    return found


# --- excused absence -------------------------------------------------------------------------

@dataclass(frozen=True)
class Excuse:
    """An excused absence as the rules see it: aware UTC period, kind and authorising document."""

    staff_id: int
    starts_at: datetime
    ends_at: datetime
    kind: AbsenceKind
    document_ref: str | None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.starts_at < end and self.ends_at > start


def as_utc(value: datetime) -> datetime:
    """A database timestamp as aware UTC (naive values are UTC by the storage convention)."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def excuses(session: Session, staff_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, list[Excuse]]:
    """Excused absences overlapping [start, end) per official, sorted by start; one query."""
    ids = sorted(set(staff_ids))
    if not ids:
        return {}
    found: dict[int, list[Excuse]] = defaultdict(list)
    rows = session.execute(
        select(ExcusedAbsence.staff_id, ExcusedAbsence.starts_at, ExcusedAbsence.ends_at, ExcusedAbsence.kind,
               ExcusedAbsence.document_ref)
        .where(ExcusedAbsence.staff_id.in_(ids), ExcusedAbsence.starts_at < end, ExcusedAbsence.ends_at > start)
        .order_by(ExcusedAbsence.staff_id, ExcusedAbsence.starts_at, ExcusedAbsence.id))
    for staff_id, starts_at, ends_at, kind, document_ref in rows:
        found[staff_id].append(Excuse(staff_id, as_utc(starts_at), as_utc(ends_at), AbsenceKind(kind), document_ref))
    return dict(found)


def excused_desks(session: Session, desks: Sequence[Desk], now: datetime) -> set[int]:
    """Ids of the desks whose every expected official (``expected_staff``) is on an excused absence at ``now``.

    A desk with nobody expected is not excused. Each desk's day and half-day are local to its unit.
    """
    wanted = {}
    for desk in desks:
        local = now.astimezone(local_zone(desk.unit.timezone))
        wanted[desk.id] = (local.date(), half_of(local))
    if not wanted:
        return set()
    days = {day for day, _ in wanted.values()}
    expected = expected_staff(session, list(wanted), min(days), max(days))
    staff = {desk_id: expected.get((desk_id, day, half), frozenset()) for desk_id, (day, half) in wanted.items()}
    everyone = set().union(*staff.values())
    away = set(excuses(session, everyone, now, now + timedelta(microseconds=1)))
    return {desk_id for desk_id, expected_here in staff.items() if expected_here and expected_here <= away}


def active_staff(session: Session, staff_code: str) -> Staff:
    """The active official with ``staff_code``; raises UnknownStaff otherwise."""
    staff = session.scalars(select(Staff).where(Staff.code == staff_code)).one_or_none()
    if staff is None:
        raise UnknownStaff(f"no official with code {staff_code!r}")
    if not staff.active:
        raise UnknownStaff(f"official {staff_code!r} is inactive")
    return staff


def check_excuse(kind: AbsenceKind, starts_at: datetime, ends_at: datetime, document_ref: str | None) -> None:
    """Raise InvalidExcuse when the period is naive or empty, or off-site work has no written assignment."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidExcuse(f"period {starts_at} – {ends_at} has no time zone")
    if ends_at <= starts_at:
        raise InvalidExcuse(f"ends {ends_at:%Y-%m-%d %H:%M %Z} before or when it starts "
                            f"({starts_at:%Y-%m-%d %H:%M %Z})")
    if kind in NEEDS_DOCUMENT and not (document_ref or "").strip():
        raise InvalidExcuse(f"{kind.value} ({KIND_LABELS[kind]}) needs the reference of the written assignment "
                            "(quyết định / giấy cử đi)")


def add_excuse(session: Session, staff_code: str, kind: str | AbsenceKind, starts_at: datetime, ends_at: datetime,
               document_ref: str | None = None, note: str | None = None,
               created_by: str | None = None) -> ExcusedAbsence:
    """Record an excused absence of an active official (stored UTC).

    Raises:
        UnknownStaff: no active official with that code.
        InvalidExcuse: bad kind, empty or naive period, official trip or training without a document.
    """
    staff = active_staff(session, staff_code)
    kind = absence_kind(kind)
    check_excuse(kind, starts_at, ends_at, document_ref)
    row = ExcusedAbsence(staff_id=staff.id, kind=kind, starts_at=starts_at.astimezone(timezone.utc),
                         ends_at=ends_at.astimezone(timezone.utc), document_ref=(document_ref or "").strip() or None,
                         note=(note or "").strip() or None, created_by=created_by)
    session.add(row)
    session.flush()
    return row


def add_pattern(session: Session, staff_code: str, desk_codes: Sequence[str], period_days: int, starts_on: date,
                ends_on: date | None = None, name: str | None = None) -> RosterPattern:
    """Record a rotation of an active official across existing desks.

    Raises:
        UnknownStaff: no active official with that code.
        UnknownDesk: a desk code that does not exist.
        InvalidPattern: no desks, a period under one day, or ``ends_on`` before ``starts_on``.
    """
    staff = active_staff(session, staff_code)
    codes = [code.strip() for code in desk_codes if code.strip()]
    if not codes:
        raise InvalidPattern("a rotation needs at least one desk")
    if period_days < 1:
        raise InvalidPattern(f"period of {period_days} days: it must be at least 1")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidPattern(f"ends on {ends_on} before it starts ({starts_on})")
    known = set(session.scalars(select(Desk.code).where(Desk.code.in_(codes))))
    missing = [code for code in codes if code not in known]
    if missing:
        raise UnknownDesk(f"no desk with code {', '.join(repr(c) for c in missing)}")
    pattern = RosterPattern(name=name or f"{staff_code}: {' → '.join(codes)} / {period_days} ngày", staff_id=staff.id,
                            desk_sequence=codes, period_days=period_days, starts_on=starts_on, ends_on=ends_on)
    session.add(pattern)
    session.flush()
    return pattern
