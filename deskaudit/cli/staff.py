"""``deskaudit staff``: the staff list (category, sending agency, leader flag) from and to CSV or XLSX."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from audit.files.staff import export_staff, import_staff
from audit.rules.scoring import CATEGORY_LABELS_VI, CLASSIFIED
from audit.services.daily_facts import unit_and_descendants
from deskaudit.cli.common import database
from deskaudit.cli.roster import EXISTING_FILE, _bad_input
from models.base import utcnow
from models.enums import StaffCategory
from models.org import Agency, Desk, Staff, Unit


@click.group()
def staff() -> None:
    """Danh sách cán bộ / staff: category (công chức …), sending agency, leader flag."""


@staff.command(name="import")
@click.argument("file", type=EXISTING_FILE)
@click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first).")
@click.option("--by", "actor", default="cli", show_default=True, metavar="USER", help="Who imports it (change log).")
def staff_import(file: Path, sheet: str | None, actor: str) -> None:
    """Import FILE (CSV or XLSX: code, name, unit[, desk, title, email, category, agency, leader]); all rows or
    none. category: cong_chuc (default), vien_chuc, can_bo, hop_dong, thue_ngoai, or their Vietnamese names."""
    with database() as session, _bad_input():
        report = import_staff(session, file, actor=actor, now=utcnow(), sheet=sheet)
    click.echo(str(report))


@staff.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
def staff_export(file: Path, unit_code: str | None) -> None:
    """Write the active staff to FILE (.csv or .xlsx), in the format `staff import` reads."""
    with database() as session, _bad_input():
        ids = sorted(unit_and_descendants(session, unit_code)) if unit_code else None
        count = export_staff(session, file, unit_ids=ids)
    click.echo(f"{file}: {count} dòng / rows")


@staff.command(name="list")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--json", "as_json", is_flag=True, help="JSON: a list of {code, name, unit, desk, category, agency, "
                                                      "leader, classified}.")
def staff_list(unit_code: str | None, as_json: bool) -> None:
    """One line per active person: code, name, unit, desk, category, sending agency, leader."""
    with database() as session, _bad_input():
        query = (select(Staff, Unit.code, Desk.code, Agency.code).join(Unit, Staff.unit_id == Unit.id)
                 .outerjoin(Desk, Staff.default_desk_id == Desk.id).outerjoin(Agency, Staff.agency_id == Agency.id)
                 .where(Staff.active.is_(True)).order_by(Staff.code))
        if unit_code:
            query = query.where(Staff.unit_id.in_(sorted(unit_and_descendants(session, unit_code))))
        rows = [{"code": s.code, "name": s.full_name, "unit": unit, "desk": desk, "category": s.category.value,
                 "agency": agency, "leader": s.is_leader, "classified": s.category in CLASSIFIED}
                for s, unit, desk, agency in session.execute(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        agency = row["agency"] or "(đơn vị)"
        leader = ", lãnh đạo" if row["leader"] else ""
        label = CATEGORY_LABELS_VI[StaffCategory(row["category"])]
        click.echo(f"{row['code']}  {row['name']}  {row['unit']}  {row['desk'] or '-'}  {label}{leader}  "
                   f"cơ quan quản lý: {agency}")
    click.echo(f"{len(rows)} người / people")
