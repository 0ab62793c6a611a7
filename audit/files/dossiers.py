"""Import of monthly one-stop dossier statistics per official or desk, including the one-stop software's own
export ("tình hình giải quyết TTHC"): a two-row merged header ("Đã giải quyết: Trước hạn / Đúng hạn / Quá hạn",
"Đang giải quyết: Trong hạn / Quá hạn"), often an .xls file, one row per officer account or full name.

An official's cell is read as a staff code, else an alias (officer account or name, ``stats alias add``), else
a full name that fits exactly one official. Total rows ("Tổng cộng") are skipped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.files.rosters import DESK, STAFF
from audit.files.tabular import (
    HEADER_SEARCH_ROWS,
    Column,
    ImportRejected,
    RowError,
    cell_text,
    header_key,
    parse_count,
    parse_month,
    read_records,
    read_table,
)
from models.org import Desk, Staff
from models.scoring import DossierStat, StaffAlias

COUNTS = ("received", "on_time", "late", "not_yet_due", "early", "pending_overdue", "failed", "reception_late")
COUNT_COLUMNS = (
    Column("received", ("tiếp nhận", "số tiếp nhận", "hồ sơ tiếp nhận", "tong tiep nhan", "tổng số tiếp nhận",
                        "tổng số hồ sơ tiếp nhận", "số hồ sơ tiếp nhận")),
    Column("on_time", ("đúng hạn", "trả đúng hạn", "giải quyết đúng hạn", "đã giải quyết đúng hạn")),
    Column("late", ("trễ hạn", "quá hạn", "trả trễ hạn", "giải quyết trễ hạn", "đã giải quyết quá hạn",
                    "đã giải quyết trễ hạn")),
    Column("not_yet_due", ("chưa đến hạn", "chưa đến hạn trả", "đang giải quyết trong hạn")),
    Column("early", ("trước hạn", "đã giải quyết trước hạn", "giải quyết trước hạn"), required=False),
    Column("pending_overdue", ("đang giải quyết quá hạn", "đang giải quyết trễ hạn", "chưa giải quyết quá hạn"),
           required=False),
    Column("failed", ("không đạt", "sai sót", "trả lại do sai sót"), required=False),
    Column("reception_late", ("tiếp nhận quá hạn", "tiếp nhận trễ hạn"), required=False),
)
OPTIONAL_COUNTS = frozenset({"early", "pending_overdue", "failed", "reception_late"})
OFFICER = Column("staff", (*STAFF.aliases, "tài khoản", "tai khoan", "account", "tên đăng nhập"), required=False)
OFFICER_NAME = Column("staff_name", ("họ và tên", "họ tên", "tên cán bộ", "cán bộ xử lý", "người xử lý",
                                     "cán bộ tiếp nhận", "công chức"), required=False)
ROLE = Column("role", ("vai trò", "vai tro", "nhiệm vụ"), required=False)
ROLES = {"tiep nhan": "reception", "reception": "reception", "giai quyet": "processing", "xu ly": "processing",
         "processing": "processing"}
TOTAL_ROWS = frozenset({"tong", "tong cong", "tong so", "cong", "total"})
GROUPS = {  # the export's merged groups and the sub-headers each must have
    "da giai quyet": ("Trước hạn", "Đúng hạn", "Quá hạn"),
    "dang giai quyet": ("Trong hạn", "Quá hạn"),
}


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
    return (Column("month", ("thang", "tháng", "kỳ"), required=month is None), OFFICER, OFFICER_NAME,
            Column(DESK.name, DESK.aliases, required=False), ROLE, *COUNT_COLUMNS)


def _person(row) -> str:
    """The cell that names the row's official: the code or account, else the full name."""
    return row["staff"] or row["staff_name"]


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_problems(records: list[list[object]]) -> list[RowError]:
    """A two-row header whose merged groups lack their sub-headers, or carry unknown ones, named by row and column.

    Only the export's own groups are checked ("Đã giải quyết", "Đang giải quyết"); a file without them passes.
    """
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        starts = [(i, header_key(cell_text(v))) for i, v in enumerate(record) if header_key(cell_text(v)) in GROUPS]
        if not starts:
            continue
        below = records[index + 1] if index + 1 < len(records) else []
        errors = []
        for i, group in starts:
            wanted = {header_key(text) for text in GROUPS[group]}
            found: set[str] = set()
            j = i
            while j < max(len(record), len(below)):
                upper = cell_text(record[j]) if j < len(record) else ""
                lower = cell_text(below[j]) if j < len(below) else ""
                if j > i and (upper or not lower):
                    break
                key = header_key(lower)
                if key and key not in wanted:
                    errors.append(RowError(index + 2, _letter(j), f"sub-header {lower!r} under "
                                           f"{cell_text(record[i])!r}: expected {', '.join(GROUPS[group])}"))
                found.add(key)
                j += 1
            for missing in sorted(wanted - found):
                errors.append(RowError(index + 2, _letter(i), f"group {cell_text(record[i])!r} has no sub-header "
                                       f"{next(t for t in GROUPS[group] if header_key(t) == missing)!r} on the row "
                                       f"below it (a broken two-row header)"))
        return errors
    return []


class Officials:
    """Who a row's official cell names: a staff code, an alias (account or name), or a name that fits one."""

    def __init__(self, session: Session, cells: set[str]):
        self.by_code = {s.code: s for s in session.scalars(select(Staff).where(Staff.code.in_(cells)))}
        keys = {header_key(c) for c in cells}
        self.by_alias = {a.alias: s for a, s in session.execute(
            select(StaffAlias, Staff).join(Staff, StaffAlias.staff_id == Staff.id).where(StaffAlias.alias.in_(keys)))}
        self.by_name: dict[str, list[Staff]] = {}
        for person in session.scalars(select(Staff)):
            self.by_name.setdefault(header_key(person.full_name), []).append(person)

    def find(self, cell: str) -> tuple[Staff | None, str | None]:
        """The official, or why there is none."""
        if cell in self.by_code:
            return self.by_code[cell], None
        key = header_key(cell)
        if key in self.by_alias:
            return self.by_alias[key], None
        named = self.by_name.get(key, [])
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            return None, (f"name {cell!r} fits {', '.join(sorted(s.code for s in named))}: add an alias for "
                          f"the account (deskaudit stats alias add ALIAS STAFF)")
        return None, (f"no official with code, account or name {cell!r} (add one: deskaudit stats alias add "
                      f"{cell!r} STAFF)")


def _owner(row, officials: Officials, desks: dict[str, Desk]) -> tuple[tuple[int, int | None, int | None] | None,
                                                                      RowError | None]:
    """(unit, desk, staff) ids of a row's official or desk, or the error saying why not."""
    staff_code, desk_code = _person(row), row["desk"]
    if staff_code and desk_code:
        return None, RowError(row.number, None, f"both staff {staff_code!r} and desk {desk_code!r}: give exactly one")
    if not staff_code and not desk_code:
        return None, RowError(row.number, None, "neither staff nor desk: give exactly one code")
    if staff_code:
        person, why = officials.find(staff_code)
        if person is None:
            return None, RowError(row.number, "staff" if row["staff"] else "staff_name", why or "")
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
    broken = header_problems(read_records(path, sheet))
    if broken:
        raise ImportRejected(source or Path(path).name, broken)
    table = read_table(path, _columns(given), sheet=sheet, source=source)
    if not {"staff", "staff_name", "desk"} & table.columns:
        raise ImportRejected(table.source, [RowError(1, "staff", "missing column: the file needs a staff "
                                                    f"({', '.join(OFFICER.aliases)}), a name "
                                                    f"({', '.join(OFFICER_NAME.aliases)}) or a desk "
                                                    f"({', '.join(DESK.aliases)}) column")])
    rows = [r for r in table.rows if header_key(_person(r) or r["desk"]) not in TOTAL_ROWS]
    officials = Officials(session, {_person(r) for r in rows if _person(r)})
    desks = {d.code: d for d in session.scalars(select(Desk).where(Desk.code.in_({r["desk"] for r in rows})))}
    errors, lines, seen = [], [], {}
    for row in rows:
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
        owner, problem = _owner(row, officials, desks)
        if problem is not None:
            problems.append(problem)
        counts: dict[str, int | str] = {}
        for name in COUNTS:
            if name in OPTIONAL_COUNTS and not row[name]:
                counts[name] = 0
                continue
            try:
                counts[name] = parse_count(row[name])
            except ValueError as error:
                problems.append(RowError(row.number, name, str(error)))
        role = ROLES.get(header_key(row["role"])) if row["role"] else "processing"
        if role is None:
            problems.append(RowError(row.number, "role", f"{row['role']!r}: expected tiếp nhận (reception) or "
                                     f"giải quyết (processing)"))
        counts["role"] = role or "processing"
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
    return _store(session, table, lines, now, len(rows))


def _store(session: Session, table, lines, now: datetime, read: int) -> DossierImportReport:
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
    return DossierImportReport(table.source, read, added, updated, len(lines) - added - updated, batch)
