"""``deskaudit calendar DAY``: a day's working sessions for a unit or desk, or why the day is off."""

from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select

from audit.rules.calendar import ProfileVersion, Season, WorkingCalendar
from audit.rules.national_days import national_year
from audit.services.calendars import NoHoursProfile, calendar_for
from deskaudit.cli.common import BadInput, database
from models.org import Desk, Unit

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def _parse(value: str) -> date:
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"DAY {value!r}: expected YYYY-MM-DD or DD/MM/YYYY") from None


@click.command(name="calendar")
@click.argument("day_text", metavar="DAY")
@click.option("--unit", "unit_code", metavar="CODE", help="The unit's calendar (its hours and days off).")
@click.option("--desk", "desk_code", metavar="CODE", help="The desk's calendar (its hours, its Saturday reception).")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"day", "working", "sessions": [["07:30", "11:30"], …], "reason"}.')
def calendar(day_text: str, unit_code: str | None, desk_code: str | None, as_json: bool) -> None:
    """The sessions of DAY (YYYY-MM-DD or DD/MM/YYYY), or why it is not a working day.

    Without --unit or --desk: the national days off and make-up days with the default hours (Monday to Friday,
    07:30–11:30 and 13:00–17:00), no database needed.
    """
    day = _parse(day_text)
    if unit_code and desk_code:
        raise BadInput("give --unit or --desk, not both")
    if unit_code or desk_code:
        with database() as session:
            desk = None
            if desk_code:
                desk = session.scalars(select(Desk).where(Desk.code == desk_code)).first()
                if desk is None:
                    raise BadInput(f"--desk {desk_code!r}: no such desk")
                unit = desk.unit
            else:
                unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
                if unit is None:
                    raise BadInput(f"--unit {unit_code!r}: no such unit")
            try:
                working = calendar_for(session, unit, desk)
            except NoHoursProfile as error:
                raise BadInput(str(error)) from None
            sessions, reason = working.sessions_on(day, saturday_desk=bool(desk and desk.saturday_reception))
    else:
        sessions, reason = WorkingCalendar([ProfileVersion((Season("mac-dinh"),))]).sessions_on(day)
    spans = [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in sessions]
    if as_json:
        click.echo(json.dumps({"day": day.isoformat(), "working": bool(spans), "sessions": spans, "reason": reason},
                              ensure_ascii=False))
        return
    label = "working day" if spans else "not a working day"
    click.echo(f"{WEEKDAYS_VI[day.weekday()]} {day:%d/%m/%Y}: {label}")
    for start, end in spans:
        click.echo(f"  {start}–{end}")
    click.echo(f"  reason: {reason}")
    national = national_year(day.year).days.get(day)
    if national is not None:
        click.echo(f"  source: {national.source}")
