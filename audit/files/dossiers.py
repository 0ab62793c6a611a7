"""Import of monthly one-stop dossier statistics (received / on time / late / not yet due) per official or desk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.files.rosters import DESK, STAFF
from audit.files.tabular import Column, ImportRejected, RowError, parse_count, parse_month, read_table
from models.org import Desk, Staff
from models.scoring import DossierStat

COUNTS = ("received", "on_time", "late", "not_yet_due")
COUNT_COLUMNS = (
    Column("received", ("tiếp nhận", "số tiếp nhận", "hồ sơ tiếp nhận", "tong tiep nhan")),
    Column("on_time", ("đúng hạn", "trả đúng hạn", "giải quyết đúng hạn")),
    Column("late", ("trễ hạn", "quá hạn", "trả trễ hạn", "giải quyết trễ hạn")),
    Column("not_yet_due", ("chưa đến hạn", "chưa đến hạn trả")),
)


@dataclass(frozen=True)
class DossierImportReport:
    """What a statistics import did: rows read, rows added, rows whose counts changed or not, its batch id."""

    source: str
    rows_read: int
    added: int
    updated: int
    unchanged: int
    batch: str

    def __str__(self) -> str:
        return (f"{self.source}: {self.rows_read} dòng đọc, {self.added} thêm mới, {self.updated} cập nhật, "
                f"{self.unchanged} không đổi / {self.rows_read} rows read, {self.added} added, {self.updated} updated, "
                f"{self.unchanged} unchanged (batch {self.batch})")


def _columns(month: str | None) -> tuple[Column, ...]:
    return (Column("month", ("thang", "tháng", "kỳ"), required=month is None),
            Column(STAFF.name, STAFF.aliases, required=False), Column(DESK.name, DESK.aliases, required=False),
            *COUNT_COLUMNS)


def _owner(row, staff: dict[str, Staff], desks: dict[str, Desk]) -> tuple[tuple[int, int | None, int | None] | None,
                                                                          RowError | None]:
    """(unit, desk, staff) ids of a row's staff or desk code, or the error saying why not."""
    staff_code, desk_code = row["staff"], row["desk"]
    if staff_code and desk_code:
        return None, RowError(row.number, None, f"both staff {staff_code!r} and desk {desk_code!r}: give exactly one")
    if not staff_code and not desk_code:
        return None, RowError(row.number, None, "neither staff nor desk: give exactly one code")
    if staff_code:
        person = staff.get(staff_code)
        if person is None:
            return None, RowError(row.number, "staff", f"no official with code {staff_code!r}")
        return (person.unit_id, None, person.id), None
    desk = desks.get(desk_code)
    if desk is None:
        return None, RowError(row.number, "desk", f"no desk with code {desk_code!r}")
    return (desk.unit_id, desk.id, None), None


def import_dossier_stats(session: Session, path: str | Path, *, now: datetime, month: str | None = None,
                         sheet: str | None = None, source: str | None = None) -> DossierImportReport:
    """Import dossier counts, replacing those already stored for the same month and official or desk.

    ``month`` (YYYY-MM or MM/YYYY) applies to rows whose month cell is blank (or to a file without
    that column); a row naming another month is an error. Officials who have since left are accepted:
    statistics are history. The counts may add up to more than ``received`` (dossiers received in an
    earlier month are resolved in this one).

    Raises:
        ValueError: ``month`` itself is not a month, or ``now`` is naive.
        TableError: the file cannot be read as a table.
        ImportRejected: any bad row (every one is listed); nothing is written.
    """
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass an aware datetime (UTC)")
    given = parse_month(month) if month is not None else None
    table = read_table(path, _columns(given), sheet=sheet, source=source)
    if not {"staff", "desk"} & table.columns:
        raise ImportRejected(table.source, [RowError(1, "staff", "missing column: the file needs a staff "
                                                    f"({', '.join(STAFF.aliases)}) or a desk "
                                                    f"({', '.join(DESK.aliases)}) column")])
    staff = {s.code: s for s in session.scalars(select(Staff).where(Staff.code.in_({r["staff"] for r in table.rows})))}
    desks = {d.code: d for d in session.scalars(select(Desk).where(Desk.code.in_({r["desk"] for r in table.rows})))}
    errors, lines, seen = [], [], {}
    for row in table.rows:
        problems = []
        row_month = None
        try:
            row_month = parse_month(row["month"]) if row["month"] else given
            if row_month is None:
                problems.append(RowError(row.number, "month",
                                         "empty (give the month in the file or for the whole file)"))
            elif given is not None and row_month != given:
                problems.append(RowError(row.number, "month",
                                         f"{row['month']!r} differs from the month given ({given})"))
        except ValueError as error:
            problems.append(RowError(row.number, "month", str(error)))
        owner, problem = _owner(row, staff, desks)
        if problem is not None:
            problems.append(problem)
        counts = {}
        for name in COUNTS:
            try:
                counts[name] = parse_count(row[name])
            except ValueError as error:
                problems.append(RowError(row.number, name, str(error)))
        if not problems:
            key = (row_month, *owner)
            if key in seen:
                problems.append(RowError(row.number, None, f"duplicate of row {seen[key]} (same month and "
                                         f"{'staff' if owner[2] else 'desk'})"))
            seen.setdefault(key, row.number)
            lines.append((key, counts))
        errors += problems
    if errors:
        raise ImportRejected(table.source, errors)
    return _store(session, table, lines, now)


def _store(session: Session, table, lines, now: datetime) -> DossierImportReport:
    batch = uuid.uuid4().hex
    stored = {}
    if lines:
        stored = {(s.month, s.unit_id, s.desk_id, s.staff_id): s for s in session.scalars(select(DossierStat).where(
            DossierStat.month.in_({k[0] for k, _ in lines}), DossierStat.unit_id.in_({k[1] for k, _ in lines})))}
    added = updated = 0
    stamp = {"source_file": table.source[:255], "import_batch": batch, "imported_at": now}
    for (month, unit_id, desk_id, staff_id), counts in lines:
        row = stored.get((month, unit_id, desk_id, staff_id))
        if row is None:
            session.add(DossierStat(month=month, unit_id=unit_id, desk_id=desk_id, staff_id=staff_id,
                                    **counts, **stamp))
            added += 1
            continue
        if any(getattr(row, name) != value for name, value in counts.items()):
            updated += 1
        for name, value in {**counts, **stamp}.items():
            setattr(row, name, value)
    session.flush()
    return DossierImportReport(table.source, len(table.rows), added, updated, len(lines) - added - updated, batch)
