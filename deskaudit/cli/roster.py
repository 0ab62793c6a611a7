"""``deskaudit roster``, ``leave`` and ``stats``: duty rosters, excused absence and one-stop dossier statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from audit.files.dossiers import import_dossier_stats
from audit.files.rosters import desks_of_unit, export_roster, import_excuses, import_roster, local_bound
from audit.files.tabular import ImportRejected, TableError, parse_date, parse_date_or_datetime, parse_month
from audit.services.rosters import KIND_LABELS, RosterError, add_excuse, add_pattern, excuses, expected_staff
from audit.services.task_results import add_alias, add_exemption
from deskaudit.cli.common import BadInput, database
from models.base import utcnow
from models.enums import local_zone
from models.hours import ExcusedAbsence
from models.org import Desk, Staff, Unit
from models.scoring import StaffAlias

SHOWN_IN = local_zone()
HALF_LABELS = {"morning": "sáng", "afternoon": "chiều"}


@contextmanager
def _bad_input() -> Iterator[None]:
    """Turn the audit layer's input errors into exit code 2; the surrounding transaction rolls back."""
    try:
        yield
    except (ImportRejected, TableError, RosterError) as error:
        raise BadInput(str(error)) from None
    except LookupError as error:  # an unknown unit code; a KeyError or IndexError is a bug, not input
        if isinstance(error, (KeyError, IndexError)):
            raise
        raise BadInput(str(error)) from None


def _parsed(parse: Callable) -> Callable:
    """A click callback parsing an option with ``parse`` (a ValueError becomes a usage error, exit 2)."""
    def convert(ctx, param, value):
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    return convert


DATE = _parsed(parse_date)
MOMENT = _parsed(parse_date_or_datetime)
MONTH = _parsed(parse_month)
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


# --- roster ------------------------------------------------------------------------------------

@click.group()
def roster() -> None:
    """Lịch trực quầy / duty rosters: who is expected at which desk each session."""


@roster.command(name="import")
@click.argument("file", type=EXISTING_FILE)
@click.option("--replace", is_flag=True, help="For each desk and day in the file, drop entries the file does not list.")
@click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first).")
def roster_import(file: Path, replace: bool, sheet: str | None) -> None:
    """Import FILE (CSV or XLSX: staff, desk, date, session[, note]); all rows or none."""
    with database() as session, _bad_input():
        report = import_roster(session, file, replace=replace, sheet=sheet)
    click.echo(str(report))


@roster.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "first", required=True, callback=DATE, metavar="DATE",
              help="First day (YYYY-MM-DD or dd/mm/yyyy).")
@click.option("--to", "last", required=True, callback=DATE, metavar="DATE", help="Last day, inclusive.")
@click.option("--unit", "unit_code", metavar="CODE", help="Only desks of this unit and the units below it.")
def roster_export(file: Path, first: date, last: date, unit_code: str | None) -> None:
    """Write the roster entries of a period to FILE (.csv or .xlsx), in the format `roster import` reads."""
    with database() as session, _bad_input():
        count = export_roster(session, file, first, last, unit_code=unit_code)
    click.echo(f"{file}: {count} dòng / rows")


@roster.group()
def pattern() -> None:
    """Lịch luân phiên / rotations of one official across desks."""


@pattern.command(name="add")
@click.argument("staff_code", metavar="STAFF")
@click.option("--desks", required=True, metavar="A,B,C", help="Desk codes in rotation order.")
@click.option("--every", "period_days", default=7, show_default=True, type=int, help="Days at each desk.")
@click.option("--from", "first", required=True, callback=DATE, metavar="DATE", help="First day of the rotation.")
@click.option("--to", "last", callback=DATE, metavar="DATE", help="Last day (default: open-ended).")
@click.option("--name", metavar="TEXT", help="A name for the rotation.")
def pattern_add(staff_code: str, desks: str, period_days: int, first: date, last: date | None,
                name: str | None) -> None:
    """Rotate STAFF across desks, changing desk every N days from a date."""
    with database() as session, _bad_input():
        made = add_pattern(session, staff_code, desks.split(","), period_days, first, last, name)
        click.echo(f"rotation {made.id}: {made.name}")


@roster.command()
@click.option("--day", required=True, callback=DATE, metavar="DATE", help="The day (YYYY-MM-DD or dd/mm/yyyy).")
@click.option("--unit", "unit_code", metavar="CODE", help="Only desks of this unit and the units below it.")
def show(day: date, unit_code: str | None) -> None:
    """Each desk and session of DAY with the officials expected there (excused ones marked)."""
    with database() as session, _bad_input():
        query = (select(Desk).join(Unit, Unit.id == Desk.unit_id).where(Desk.active.is_(True))
                 .order_by(Unit.code, Desk.code))
        ids = desks_of_unit(session, unit_code)
        if ids is not None:
            query = query.where(Desk.id.in_(ids))
        desks = list(session.scalars(query))
        expected = expected_staff(session, [d.id for d in desks], day, day)
        people = set().union(*expected.values()) if expected else set()
        names = {staff_id: f"{code} {name}" for staff_id, code, name in session.execute(
            select(Staff.id, Staff.code, Staff.full_name).where(Staff.id.in_(people)))}
        start = datetime.combine(day, time(0), SHOWN_IN).astimezone(timezone.utc)
        away = excuses(session, people, start - timedelta(days=1), start + timedelta(days=2))
        if not desks:
            click.echo("không có quầy nào / no desks")
        for desk in desks:
            zone = local_zone(desk.unit.timezone)
            midnight = datetime.combine(day, time(0), zone)
            for half, (a, b) in (("morning", (0, 12)), ("afternoon", (12, 24))):
                window = (midnight + timedelta(hours=a), midnight + timedelta(hours=b))
                shown = []
                for staff_id in sorted(expected[(desk.id, day, half)], key=names.get):
                    kinds = [KIND_LABELS[e.kind] for e in away.get(staff_id, []) if e.overlaps(*window)]
                    shown.append(names[staff_id] + (f" ({', '.join(kinds)})" if kinds else ""))
                click.echo(f"{desk.code:<12} {HALF_LABELS[half]:<6} {'; '.join(shown) or '— không ai / nobody'}")


# --- leave -------------------------------------------------------------------------------------

@click.group()
def leave() -> None:
    """Vắng có lý do / excused absence: leave, official trips, training, sickness."""


def _zone_of(session, staff_code: str) -> ZoneInfo:
    zone = session.scalar(select(Unit.timezone).join(Staff, Staff.unit_id == Unit.id).where(Staff.code == staff_code))
    return local_zone(zone)


@leave.command(name="add")
@click.argument("staff_code", metavar="STAFF")
@click.option("--kind", required=True, metavar="KIND",
              help="leave/nghỉ phép, official_trip/công tác, training/đào tạo, sick/ốm, other/khác.")
@click.option("--from", "first", required=True, callback=MOMENT, metavar="DT",
              help="Start, local time (a bare date: from 00:00 that day).")
@click.option("--to", "last", required=True, callback=MOMENT, metavar="DT",
              help="End, local time (a bare date: until the end of that day).")
@click.option("--doc", "document_ref", metavar="REF", help="Document reference (required for công tác and đào tạo).")
@click.option("--note", metavar="TEXT", help="Free text.")
@click.option("--by", "created_by", metavar="USER", help="Who records it.")
def leave_add(staff_code: str, kind: str, first, last, document_ref: str | None, note: str | None,
              created_by: str | None) -> None:
    """Record an excused absence of STAFF."""
    with database() as session, _bad_input():
        zone = _zone_of(session, staff_code)
        made = add_excuse(session, staff_code, kind, local_bound(first, zone, end=False),
                          local_bound(last, zone, end=True), document_ref, note, created_by)
        click.echo(f"absence {made.id}: {staff_code} {KIND_LABELS[made.kind]} {_period(made.starts_at, made.ends_at)}")


@leave.command(name="import")
@click.argument("file", type=EXISTING_FILE)
@click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first).")
@click.option("--by", "created_by", metavar="USER", help="Who records them.")
def leave_import(file: Path, sheet: str | None, created_by: str | None) -> None:
    """Import FILE (CSV or XLSX: staff, kind, from, to[, document, note]); all rows or none."""
    with database() as session, _bad_input():
        report = import_excuses(session, file, sheet=sheet, created_by=created_by)
    click.echo(str(report))


def _period(start: datetime, end: datetime) -> str:
    return f"{start.astimezone(SHOWN_IN):%d/%m/%Y %H:%M} – {end.astimezone(SHOWN_IN):%d/%m/%Y %H:%M}"


@leave.command(name="list")
@click.option("--from", "first", callback=DATE, metavar="DATE", help="First day (default: today).")
@click.option("--to", "last", callback=DATE, metavar="DATE",
              help="Last day, inclusive (default: 30 days after --from).")
@click.option("--unit", "unit_code", metavar="CODE", help="Only officials of this unit and the units below it.")
def leave_list(first: date | None, last: date | None, unit_code: str | None) -> None:
    """Excused absences overlapping a period: id, official, kind, from – to (local time), document, note."""
    first = first or utcnow().astimezone(SHOWN_IN).date()
    last = last or first + timedelta(days=30)
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    start = datetime.combine(first, time(0), SHOWN_IN).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time(0), SHOWN_IN).astimezone(timezone.utc)
    with database() as session, _bad_input():
        query = (select(ExcusedAbsence, Staff.code, Staff.full_name).join(Staff, Staff.id == ExcusedAbsence.staff_id)
                 .where(ExcusedAbsence.starts_at < end, ExcusedAbsence.ends_at > start)
                 .order_by(ExcusedAbsence.starts_at, Staff.code))
        if unit_code is not None:
            from audit.services.daily_facts import unit_and_descendants

            query = query.where(Staff.unit_id.in_(unit_and_descendants(session, unit_code)))
        rows = session.execute(query).all()
        if not rows:
            click.echo("không có / none")
        for absence, code, name in rows:
            click.echo(f"{absence.id:>6}  {code:<12} {name:<24} {KIND_LABELS[absence.kind]:<10} "
                       f"{_period(absence.starts_at, absence.ends_at)}  {absence.document_ref or '-'}"
                       + (f"  {absence.note}" if absence.note else ""))


# --- stats -------------------------------------------------------------------------------------

@click.group()
def stats() -> None:
    """Thống kê hồ sơ một cửa / one-stop dossier statistics."""


@stats.command(name="import")
@click.argument("file", type=EXISTING_FILE)
@click.option("--month", callback=MONTH, metavar="YYYY-MM",
              help="The month of every row whose month cell is blank (or with no month column).")
@click.option("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first).")
def stats_import(file: Path, month: str | None, sheet: str | None) -> None:
    """Import FILE (month, staff or desk, received, on_time, late, not_yet_due; optional early, pending_overdue,
    failed, role), or the one-stop software's export as it comes (.xls too); all rows or none."""
    with database() as session, _bad_input():
        report = import_dossier_stats(session, file, now=utcnow(), month=month, sheet=sheet)
    click.echo(str(report))


@stats.group(name="alias")
def stats_alias() -> None:
    """Officer accounts and names the one-stop export uses for an official (matched without accents or case)."""


@stats_alias.command(name="add")
@click.argument("alias")
@click.argument("staff_code", metavar="STAFF")
def stats_alias_add(alias: str, staff_code: str) -> None:
    """Record that the export lists official STAFF as ALIAS (an account such as hoa.nt, or a name)."""
    with database() as session, _bad_input():
        try:
            add_alias(session, alias, staff_code, now=utcnow())
        except ValueError as error:
            raise BadInput(str(error)) from None
    click.echo(f"{alias.strip()} → {staff_code}")


@stats_alias.command(name="list")
def stats_alias_list() -> None:
    """One line per alias: the alias as given and the official's code and name."""
    with database() as session:
        rows = session.execute(select(StaffAlias.shown, Staff.code, Staff.full_name)
                               .join(Staff, Staff.id == StaffAlias.staff_id).order_by(Staff.code, StaffAlias.shown))
        shown = [f"{alias:<28} {code:<12} {name}" for alias, code, name in rows]
    click.echo("\n".join(shown) if shown else "không có / none")


@stats.command(name="exempt")
@click.argument("staff_code", metavar="STAFF")
@click.option("--month", callback=MONTH, required=True, metavar="YYYY-MM", help="The month of the products.")
@click.option("--late", type=click.IntRange(min=0), default=0, show_default=True,
              help="Late occurrences exempted (their progress points are not lost).")
@click.option("--failed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Failed products exempted (their quality points are not lost).")
@click.option("--ref", "reference", required=True, metavar="DOC",
              help="The document of the competent authority confirming the objective cause.")
@click.option("--note", default=None, help="Free text kept with the exemption.")
@click.option("--by", "actor", default="cli", show_default=True, metavar="USER", help="Who records it (change log).")
def stats_exempt(staff_code: str, month: str, late: int, failed: int, reference: str, note: str | None,
                 actor: str) -> None:
    """Exempt late or failed products of STAFF's month for an objective cause (Decree 335/2025, Art. 14)."""
    with database() as session, _bad_input():
        try:
            add_exemption(session, staff_code, month, late=late, failed=failed, reference=reference, note=note,
                          by=actor, now=utcnow())
        except ValueError as error:
            raise BadInput(str(error)) from None
    click.echo(f"Đã ghi miễn trừ cho {staff_code} tháng {month}: {late} lần chậm, {failed} sản phẩm không đạt, theo "
               f"{reference.strip()} (tính lại: deskaudit scores compute {month})")
