"""Staff lists in and out (CSV or XLSX): who each person is, where they sit, and who sent them.

One row per person: code, name, unit, and optionally desk, title, e-mail, category (công chức, viên chức,
cán bộ, hợp đồng lao động, dịch vụ thuê ngoài / bưu điện), sending agency (an agency of the site config)
and the leader flag; an optional column the file lacks leaves that field of a listed person as it is. All
rows or none: every bad cell is named by row and column and nothing is written.
People added or changed by an import are ``managed_by = "import"``: a site config import leaves them alone
unless the file lists their code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.files.tabular import Column, ImportRejected, RowError, read_table, write_table
from audit.files.tabular import header_key as fold
from audit.rules.scoring import CATEGORY_LABELS_VI
from models.access import ChangeLog
from models.enums import ChangeAction, StaffCategory
from models.org import Agency, Desk, Staff, Unit

STAFF_COLUMNS = (
    Column("code", ("staff", "staff_code", "ma can bo", "ma cong chuc", "ma")),
    Column("name", ("full_name", "ho ten", "ho va ten")),
    Column("unit", ("unit_code", "don vi", "ma don vi")),
    Column("desk", ("desk_code", "quay", "ma quay"), required=False),
    Column("title", ("chuc vu", "chuc danh"), required=False),
    Column("email", ("e mail", "thu dien tu"), required=False),
    Column("category", ("loai", "doi tuong", "loai can bo", "ngach"), required=False),
    Column("agency", ("agency_code", "co quan quan ly", "co quan cu", "co quan"), required=False),
    Column("leader", ("lanh dao", "la lanh dao"), required=False),
)
EXPORT_HEADER = ("code", "name", "unit", "desk", "title", "email", "category", "agency", "leader")
CATEGORY_WORDS: dict[str, StaffCategory] = {  # folded spellings → category
    **{fold(c.value): c for c in StaffCategory},
    **{fold(label): c for c, label in CATEGORY_LABELS_VI.items()},
    "cong chuc": StaffCategory.CONG_CHUC, "cc": StaffCategory.CONG_CHUC,
    "vien chuc": StaffCategory.VIEN_CHUC, "vc": StaffCategory.VIEN_CHUC,
    "can bo": StaffCategory.CAN_BO,
    "hop dong": StaffCategory.HOP_DONG, "hdld": StaffCategory.HOP_DONG, "hop dong lao dong": StaffCategory.HOP_DONG,
    "thue ngoai": StaffCategory.THUE_NGOAI, "dich vu thue ngoai": StaffCategory.THUE_NGOAI,
    "buu dien": StaffCategory.THUE_NGOAI, "nhan vien buu dien": StaffCategory.THUE_NGOAI,
}
YES = frozenset({"1", "x", "yes", "y", "true", "co", "la lanh dao", "lanh dao"})
NO = frozenset({"", "0", "no", "n", "false", "khong"})
FIELD_OF = {"desk": "default_desk_id", "title": "title", "email": "email", "category": "category",
            "agency": "agency_id", "leader": "is_leader"}  # optional column → the field it sets


@dataclass(frozen=True)
class StaffImportReport:
    """What a staff import did."""

    source: str
    rows_read: int
    added: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return (f"{self.source}: {self.rows_read} dòng đọc, {self.added} thêm mới, {self.updated} cập nhật, "
                f"{self.unchanged} không đổi / {self.rows_read} rows read, {self.added} added, "
                f"{self.updated} updated, {self.unchanged} unchanged")


def parse_category(text: str) -> StaffCategory:
    """A category by code or Vietnamese name (accents optional); ValueError names the accepted ones."""
    found = CATEGORY_WORDS.get(fold(text))
    if found is None:
        accepted = ", ".join(f"{c.value} ({CATEGORY_LABELS_VI[c]})" for c in StaffCategory)
        raise ValueError(f"{text!r} is not a staff category; accepted: {accepted}")
    return found


def parse_leader(text: str) -> bool:
    folded = fold(text)
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise ValueError(f"{text!r} is not yes or no (có/không, x, 1/0)")


def _by_code(session: Session, model, codes: set[str]) -> dict:
    return ({row.code: row for row in session.scalars(select(model).where(model.code.in_(sorted(codes))))}
            if codes else {})


def _wanted(session: Session, table) -> tuple[list[tuple[int, str, dict]], list[RowError]]:
    """(row number, code, desired fields) per good row, and every problem of the bad ones."""
    units = _by_code(session, Unit, {r["unit"] for r in table.rows})
    desks = _by_code(session, Desk, {r["desk"] for r in table.rows if r["desk"]})
    agencies = _by_code(session, Agency, {r["agency"] for r in table.rows if r["agency"]})
    seen: dict[str, int] = {}
    wanted, errors = [], []
    for row in table.rows:
        problems = []
        code = row["code"]
        if not code:
            problems.append(RowError(row.number, "code", "empty (a staff code is required)"))
        elif len(code) > 64:
            problems.append(RowError(row.number, "code", "longer than 64 characters"))
        elif code.casefold() in seen:
            problems.append(RowError(row.number, "code", f"{code!r} is also on row {seen[code.casefold()]}"))
        else:
            seen[code.casefold()] = row.number
        if not row["name"]:
            problems.append(RowError(row.number, "name", "empty (the full name is required)"))
        unit = units.get(row["unit"])
        if unit is None or not unit.active:
            problems.append(RowError(row.number, "unit", "empty (a unit code is required)" if not row["unit"] else
                                     f"no unit with code {row['unit']!r}" if unit is None else
                                     f"unit {row['unit']!r} is inactive"))
        desk = desks.get(row["desk"]) if row["desk"] else None
        if row["desk"]:
            if desk is None or not desk.active:
                problems.append(RowError(row.number, "desk", f"no desk with code {row['desk']!r}" if desk is None
                                         else f"desk {row['desk']!r} is inactive"))
            elif unit is not None and desk.unit_id != unit.id:
                problems.append(RowError(row.number, "desk", f"desk {row['desk']!r} is not a desk of unit "
                                         f"{row['unit']!r}"))
        category = StaffCategory.CONG_CHUC
        if row["category"]:
            try:
                category = parse_category(row["category"])
            except ValueError as error:
                problems.append(RowError(row.number, "category", str(error)))
        agency = agencies.get(row["agency"]) if row["agency"] else None
        if row["agency"] and (agency is None or not agency.active):
            known = ", ".join(sorted(session.scalars(select(Agency.code).where(Agency.active.is_(True))))) or "none"
            problems.append(RowError(row.number, "agency", f"no sending agency with code {row['agency']!r} "
                                     f"(known: {known}; agencies are listed in the site config's [[agencies]])"))
        leader = False
        try:
            leader = parse_leader(row["leader"])
        except ValueError as error:
            problems.append(RowError(row.number, "leader", str(error)))
        for name, limit in (("name", 255), ("title", 255), ("email", 255)):
            if len(row[name]) > limit:
                problems.append(RowError(row.number, name, f"longer than {limit} characters"))
        errors += problems
        if not problems:
            wanted.append((row.number, code, {
                "unit_id": unit.id, "full_name": row["name"], "title": row["title"] or None,
                "email": row["email"] or None, "default_desk_id": desk.id if desk else None, "category": category,
                "agency_id": agency.id if agency else None, "is_leader": leader, "active": True}))
    return wanted, errors


def _plain(value):
    return value.value if isinstance(value, StaffCategory) else value


def import_staff(session: Session, path: str | Path, *, actor: str, now: datetime, sheet: str | None = None,
                 source: str | None = None) -> StaffImportReport:
    """Add or update the people the file lists (by code); every change goes to the change log.

    Raises:
        TableError: the file cannot be read as a table.
        ImportRejected: any bad row (every one is listed); nothing is written.
    """
    table = read_table(path, STAFF_COLUMNS, sheet=sheet, source=source)
    wanted, errors = _wanted(session, table)
    if errors:
        raise ImportRejected(table.source, errors)
    existing = _by_code(session, Staff, {code for _, code, _ in wanted})
    absent = {field for column, field in FIELD_OF.items() if column not in table.columns}
    added = updated = unchanged = 0
    for _, code, desired in wanted:
        row = existing.get(code)
        if row is not None:  # a column the file does not have leaves that field as it is
            desired = {name: value for name, value in desired.items() if name not in absent}
        if row is None:
            session.add(Staff(code=code, managed_by="import", **desired))
            changes = {name: [None, _plain(value)] for name, value in desired.items() if value is not None}
            action = ChangeAction.CREATE
            added += 1
        else:
            changes = {name: [_plain(getattr(row, name)), _plain(value)] for name, value in desired.items()
                       if getattr(row, name) != value}
            if not changes:
                unchanged += 1
                continue
            action = ChangeAction.REACTIVATE if changes.get("active") == [False, True] else ChangeAction.UPDATE
            for name, value in desired.items():
                setattr(row, name, value)
            row.managed_by = "import"
            updated += 1
        session.add(ChangeLog(at=now, actor=actor, source="staff import", entity_type="staff", entity_key=code,
                              action=action, changes=changes, note=table.source[:255]))
    session.flush()
    return StaffImportReport(table.source, len(table.rows), added, updated, unchanged)


def export_staff(session: Session, path: str | Path, *, unit_ids: list[int] | None = None) -> int:
    """Write the active people (of ``unit_ids``, else all) to ``path`` in the format ``import_staff`` reads."""
    query = (select(Staff, Unit.code, Desk.code, Agency.code).join(Unit, Staff.unit_id == Unit.id)
             .outerjoin(Desk, Staff.default_desk_id == Desk.id).outerjoin(Agency, Staff.agency_id == Agency.id)
             .where(Staff.active.is_(True)).order_by(Staff.code))
    if unit_ids is not None:
        query = query.where(Staff.unit_id.in_(unit_ids))
    rows = [(s.code, s.full_name, unit, desk or "", s.title or "", s.email or "", s.category.value, agency or "",
             "x" if s.is_leader else "") for s, unit, desk, agency in session.execute(query)]
    write_table(path, EXPORT_HEADER, rows)
    return len(rows)
