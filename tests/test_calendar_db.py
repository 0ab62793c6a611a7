"""Calendars built from the imported example site, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from audit.services.calendars import calendar_for
from conftest import EXAMPLE_CONFIG
from deskaudit.cli import cli
from models.org import Desk, Unit


@pytest.fixture
def site(cli_runner, monkeypatch, migrated_url, session_for):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    assert cli_runner.invoke(cli, ["config", "import", str(EXAMPLE_CONFIG)]).exit_code == 0
    with session_for() as session:
        yield session


def calendar(session, unit_code, desk_code=None):
    unit = session.scalars(select(Unit).where(Unit.code == unit_code)).one()
    desk = session.scalars(select(Desk).where(Desk.code == desk_code)).one() if desk_code else None
    return calendar_for(session, unit, desk), desk


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=timezone.utc) - timedelta(hours=7)


@pytest.mark.parametrize(
    "unit, desk, day, hhmm, scheduled",
    [
        ("NA-TRUONGVINH", "TV-DD", "2026-11-23", "11:45", False),  # standard hours: lunch from 11:30
        ("NA-DIENCHAU", "DC-DD", "2026-11-23", "11:45", True),  # winter hours: morning to 12:00
        ("NA-DIENCHAU", "DC-DD", "2026-06-15", "07:10", True),  # summer hours: from 07:00
        ("NA-TRUONGVINH", "TV-DD", "2026-06-15", "07:10", False),
        ("NA-TRUONGVINH", "TV-HT", "2026-11-28", "09:00", True),  # Saturday reception desk
        ("NA-TRUONGVINH", "TV-DD", "2026-11-28", "09:00", False),
        ("NA-TRUONGVINH", "TV-DD", "2026-12-26", "09:00", True),  # make-up Saturday for every unit
        ("NA-DIENCHAU", "DC-DD", "2026-12-26", "09:00", True),
        ("NA-DIENCHAU", "DC-DD", "2026-12-30", "09:00", False),  # that unit's own day off
        ("NA-TRUONGVINH", "TV-DD", "2026-12-30", "09:00", True),
        ("NA-TRUONGVINH", "TV-DD", "2026-11-24", "09:00", False),  # public holiday
    ],
)
def test_example_site_calendar(site, unit, desk, day, hhmm, scheduled):
    cal, desk_row = calendar(site, unit, desk)
    assert cal.is_scheduled(at(day, hhmm), saturday_desk=desk_row.saturday_reception) is scheduled


def test_reasons_name_the_decision(site):
    cal, _ = calendar(site, "NA-DIENCHAU")
    sessions, reason = cal.sessions_on(datetime(2026, 12, 30).date())
    assert sessions == () and "QĐ 99/QĐ-UBND" in reason
