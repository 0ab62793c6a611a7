"""Roster and excused-absence files (CSV/XLSX) in and out: every row checked first, then all written or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.files.tabular import (
    Column,
    ImportRejected,
    RowError,
    parse_date,
    parse_date_or_datetime,
    read_table,
    write_table,
)
from audit.services.rosters import KIND_LABELS, NEEDS_DOCUMENT, RosterError, absence_kind, fold, halves_of
from models.enums import DEFAULT_TIMEZONE, AbsenceKind
from models.enums import Session as DaySession
from models.hours import ExcusedAbsence, RosterEntry
from models.org import Desk, Staff, Unit

STAFF = Column("staff", ("staff_code", "ma_can_bo", "mã cán bộ", "can bo", "cán bộ"))
DESK = Column("desk", ("desk_code", "quay", "quầy", "ma quay", "mã quầy"))
ROSTER_COLUMNS = (STAFF, DESK, Column("date", ("ngay", "ngày")), Column("session", ("buoi", "buổi", "ca")),
                  Column("note", ("ghi chu", "ghi chú"), required=False))
EXPORT_HEADER = ("staff", "staff_name", "desk", "date", "session", "note")
EXCUSE_COLUMNS = (STAFF, Column("kind", ("loai", "loại", "ly do", "lý do")),
                  Column("from", ("tu", "từ", "tu ngay", "từ ngày", "starts_at")),
                  Column("to", ("den", "đến", "den ngay", "đến ngày", "ends_at")),
                  Column("document", ("document_ref", "van ban", "văn bản", "so van ban", "số văn bản"),
                         required=False),
                  Column("note", ("ghi chu", "ghi chú"), required=False))
SESSIONS = {
    "morning": DaySession.MORNING, "sang": DaySession.MORNING, "buoi sang": DaySession.MORNING,
    "afternoon": DaySession.AFTERNOON, "chieu": DaySession.AFTERNOON, "buoi chieu": DaySession.AFTERNOON,
    "all day": DaySession.ALL_DAY, "ca ngay": DaySession.ALL_DAY, "day": DaySession.ALL_DAY,
}
_HALF_VI = {"morning": "buổi sáng", "afternoon": "buổi chiều"}


@dataclass(frozen=True)
class RosterImportReport:
    """What a roster import did: rows read, entries added, already there, removed by replace."""

    source: str
    rows_read: int
    added: int
    unchanged: int
    replaced: int

    def __str__(self) -> str:
        return (f"{self.source}: {self.rows_read} dòng đọc, {self.added} thêm mới, {self.unchanged} đã có, "
                f"{self.replaced} bị thay thế / {self.rows_read} rows read, {self.added} added, "
                f"{self.unchanged} unchanged, {self.replaced} replaced")


@dataclass(frozen=True)
class ExcuseImportReport:
    """What an excused-absence import did."""

    source: str
    rows_read: int
    added: int
    unchanged: int

    def __str__(self) -> str:
        return (f"{self.source}: {self.rows_read} dòng đọc, {self.added} thêm mới, {self.unchanged} đã có / "
                f"{self.rows_read} rows read, {self.added} added, {self.unchanged} unchanged")


def parse_session(text: str) -> DaySession:
    """morning/afternoon/all_day or sáng/chiều/cả ngày (accents optional); raises ValueError naming the text."""
    found = SESSIONS.get(fold(text))
    if found is None:
        raise ValueError(f"{text!r} is not a session (morning/sáng, afternoon/chiều, all_day/cả ngày)")
    return found


def _by_code(session: Session, model, codes: set[str]) -> dict:
    return ({row.code: row for row in session.scalars(select(model).where(model.code.in_(sorted(codes))))}
            if codes else {})


def _staff_error(code: str, staff: Staff | None) -> str | None:
    if not code:
        return "empty (an official's code is required)"
    if staff is None:
        return f"no official with code {code!r}"
    return f"official {code!r} is inactive" if not staff.active else None


@dataclass(frozen=True)
class _Line:
    row: int
    staff: Staff
    desk: Desk
    day: date
    session: DaySession

    @property
    def key(self) -> tuple[int, int, date, DaySession]:
        return (self.desk.id, self.day, self.session, self.staff.id)


def _roster_lines(session: Session, table) -> tuple[list[_Line], list[RowError]]:
    staff = _by_code(session, Staff, {r["staff"] for r in table.rows})
    desks = _by_code(session, Desk, {r["desk"] for r in table.rows})
    lines, errors = [], []
    for row in table.rows:
        problems = []
        if message := _staff_error(row["staff"], staff.get(row["staff"])):
            problems.append(RowError(row.number, "staff", message))
        desk = desks.get(row["desk"])
        if not row["desk"] or desk is None or not desk.active:
            problems.append(RowError(row.number, "desk", "empty (a desk code is required)" if not row["desk"] else
                                     f"no desk with code {row['desk']!r}" if desk is None else
                                     f"desk {row['desk']!r} is inactive"))
        day = half = None
        try:
            day = parse_date(row["date"])
        except ValueError as error:
            problems.append(RowError(row.number, "date", str(error)))
        try:
            half = parse_session(row["session"])
        except ValueError as error:
            problems.append(RowError(row.number, "session", str(error)))
        errors += problems
        if not problems:
            lines.append(_Line(row.number, staff[row["staff"]], desk, day, half))
    return lines, errors


def _clashes(lines: list[_Line], existing: list[RosterEntry]) -> list[RowError]:
    """Duplicate rows, and an official on two desks (or twice on one) in the same half-day."""
    errors, seen, holding = [], {}, {}
    for line in lines:
        if line.key in seen:
            errors.append(RowError(line.row, None, f"duplicate of row {seen[line.key]}"))
            continue
        seen[line.key] = line.row
        for half in halves_of(line.session):
            other = holding.setdefault((line.staff.id, line.day, half), line)
            if other is line:
                continue
            if other.desk.id == line.desk.id:
                errors.append(RowError(line.row, "session", f"{line.session.value} overlaps row {other.row} "
                                       f"({other.session.value}) for {line.staff.code} at {line.desk.code}"))
            else:
                errors.append(RowError(line.row, "desk", f"{line.staff.code} is on two desks {_HALF_VI[half]} "
                                       f"{line.day:%d/%m/%Y}: {line.desk.code} here, "
                                       f"{other.desk.code} on row {other.row}"))
            break
    for entry in existing:
        for half in halves_of(entry.session):
            line = holding.get((entry.staff_id, entry.day, half))
            if line is not None and line.desk.id != entry.desk_id:
                errors.append(RowError(line.row, "desk", f"{line.staff.code} is already rostered at {entry.desk.code} "
                                       f"{_HALF_VI[half]} {entry.day:%d/%m/%Y} (roster in the database; replace "
                                       f"that desk's day or remove the entry first)"))
                break
    return errors


def import_roster(session: Session, path: str | Path, *, replace: bool = False, sheet: str | None = None,
                  source: str | None = None) -> RosterImportReport:
    """Import roster entries; with ``replace`` the (desk, day) pairs the file covers hold only what it lists.

    Raises:
        TableError: the file cannot be read as a table.
        ImportRejected: any bad row (every one is listed); nothing is written.
    """
    table = read_table(path, ROSTER_COLUMNS, sheet=sheet, source=source)
    lines, errors = _roster_lines(session, table)
    covered = {(line.desk.id, line.day) for line in lines}
    on_file = {line.key for line in lines}
    others = []
    if lines:
        first, last = min(line.day for line in lines), max(line.day for line in lines)
        others = [e for e in session.scalars(select(RosterEntry).where(
            RosterEntry.staff_id.in_(sorted({line.staff.id for line in lines})),
            RosterEntry.day >= first, RosterEntry.day <= last))
            if (e.desk_id, e.day, e.session, e.staff_id) not in on_file
            and not (replace and (e.desk_id, e.day) in covered)]
    errors += _clashes(lines, others)
    if errors:
        raise ImportRejected(table.source, errors)
    added = unchanged = replaced = 0
    if lines:
        present = {(e.desk_id, e.day, e.session, e.staff_id): e for e in session.scalars(select(RosterEntry).where(
            RosterEntry.desk_id.in_(sorted({d for d, _ in covered})),
            RosterEntry.day >= first, RosterEntry.day <= last))
            if (e.desk_id, e.day) in covered}
        if replace:
            for key, entry in present.items():
                if key not in on_file:
                    session.delete(entry)
                    replaced += 1
            session.flush()
        for key in dict.fromkeys(line.key for line in lines):
            if key in present:
                unchanged += 1
                continue
            desk_id, day, half, staff_id = key
            session.add(RosterEntry(staff_id=staff_id, desk_id=desk_id, day=day, session=half,
                                    source=table.source[:255]))
            added += 1
        session.flush()
    return RosterImportReport(table.source, len(table.rows), added, unchanged, replaced)


def desks_of_unit(session: Session, unit_code: str | None) -> list[int] | None:
    """Ids of the desks of ``unit_code`` and the units below it (None: every desk); LookupError if unknown."""
    if unit_code is None:
        return None
    from audit.services.daily_facts import unit_and_descendants

    return list(session.scalars(select(Desk.id).where(Desk.unit_id.in_(unit_and_descendants(session, unit_code)))))


def export_roster(session: Session, path: str | Path, first: date, last: date, *, unit_code: str | None = None) -> int:
    """Write the roster entries of [first, last] (of one unit and below, or all) in the import format; returns rows."""
    if last < first:
        raise RosterError(f"period ends {last} before it starts {first}")
    query = (select(Staff.code, Staff.full_name, Desk.code, RosterEntry.day, RosterEntry.session)
             .join(Staff, Staff.id == RosterEntry.staff_id).join(Desk, Desk.id == RosterEntry.desk_id)
             .where(RosterEntry.day >= first, RosterEntry.day <= last)
             .order_by(RosterEntry.day, Desk.code, RosterEntry.session, Staff.code))
    desk_ids = desks_of_unit(session, unit_code)
    if desk_ids is not None:
        query = query.where(RosterEntry.desk_id.in_(desk_ids))
    rows = [(code, name, desk, day, str(half), "") for code, name, desk, day, half in session.execute(query)]
    return write_table(path, EXPORT_HEADER, rows, sheet="Lịch trực")


# --- excused absence ---------------------------------------------------------------------------

def local_bound(value: date | datetime, zone: ZoneInfo, *, end: bool) -> datetime:
    """A period bound as aware UTC: a bare date is the start of that local day, or of the next one for an end."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone).astimezone(timezone.utc)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0, 0), zone).astimezone(timezone.utc)


def import_excuses(session: Session, path: str | Path, *, created_by: str | None = None, sheet: str | None = None,
                   source: str | None = None) -> ExcuseImportReport:
    """Import excused absences (bare dates are whole local days); an identical one already stored is left alone.

    Raises:
        TableError: the file cannot be read as a table.
        ImportRejected: any bad row (every one is listed); nothing is written.
    """
    table = read_table(path, EXCUSE_COLUMNS, sheet=sheet, source=source)
    staff = _by_code(session, Staff, {r["staff"] for r in table.rows})
    zones = dict(session.execute(select(Unit.id, Unit.timezone)).all())
    errors, lines, seen = [], [], {}
    for row in table.rows:
        problems = []
        person = staff.get(row["staff"])
        if message := _staff_error(row["staff"], person):
            problems.append(RowError(row.number, "staff", message))
        kind = None
        try:
            kind = absence_kind(row["kind"])
        except RosterError as error:
            problems.append(RowError(row.number, "kind", str(error)))
        zone = ZoneInfo((zones.get(person.unit_id) if person else None) or DEFAULT_TIMEZONE)
        bounds = {}
        for column in ("from", "to"):
            try:
                bounds[column] = local_bound(parse_date_or_datetime(row[column]), zone, end=column == "to")
            except ValueError as error:
                problems.append(RowError(row.number, column, str(error)))
        if len(bounds) == 2 and bounds["to"] <= bounds["from"]:
            problems.append(RowError(row.number, "to", f"{row['to']!r} is not after {row['from']!r}"))
        if kind in NEEDS_DOCUMENT and not row["document"]:
            problems.append(RowError(row.number, "document", f"{kind.value} ({KIND_LABELS[kind]}) needs the reference "
                                     "of the written assignment (quyết định / giấy cử đi)"))
        if not problems:
            key = (person.id, kind, bounds["from"], bounds["to"])
            if key in seen:
                problems.append(RowError(row.number, None, f"duplicate of row {seen[key]}"))
            seen.setdefault(key, row.number)
            lines.append((key, row))
        errors += problems
    if errors:
        raise ImportRejected(table.source, errors)
    stored = set()
    if lines:
        keys = [key for key, _ in lines]
        stored = {(s, AbsenceKind(k), a, b) for s, k, a, b in session.execute(
            select(ExcusedAbsence.staff_id, ExcusedAbsence.kind, ExcusedAbsence.starts_at, ExcusedAbsence.ends_at)
            .where(ExcusedAbsence.staff_id.in_(sorted({k[0] for k in keys})),
                   ExcusedAbsence.starts_at >= min(k[2] for k in keys),
                   ExcusedAbsence.starts_at <= max(k[2] for k in keys)))}
    added = 0
    for (staff_id, kind, starts_at, ends_at), row in lines:
        if (staff_id, kind, starts_at, ends_at) in stored:
            continue
        session.add(ExcusedAbsence(staff_id=staff_id, kind=kind, starts_at=starts_at, ends_at=ends_at,
                                   document_ref=row["document"] or None, note=row["note"] or None,
                                   created_by=created_by))
        added += 1
    session.flush()
    return ExcuseImportReport(table.source, len(table.rows), added, len(lines) - added)
