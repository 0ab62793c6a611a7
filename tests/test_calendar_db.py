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


def test_a_new_hours_decision_keeps_the_earlier_days_hours(site, cli_runner, tmp_path):
    """A decision with a later effective date is a new version: the days before it keep the hours they were
    audited with, the days from it take the new hours; importing it again changes nothing."""
    from models.access import ChangeLog

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'decision = "QĐ 1234/QĐ-UBND ngày 20/6/2025 (ví dụ)"\neffective_from = 2025-07-01',
        'decision = "QĐ 45/QĐ-UBND ngày 20/11/2026 (ví dụ)"\neffective_from = 2026-12-01', 1,
    ).replace('sessions = [["07:30", "11:30"], ["13:00", "17:00"]]\n  saturday_sessions',
              'sessions = [["07:00", "11:00"], ["13:30", "17:00"]]\n  saturday_sessions', 1)
    assert "QĐ 45/QĐ-UBND" in text and '["07:00", "11:00"]' in text
    changed = tmp_path / "site.toml"
    changed.write_text(text, encoding="utf-8")
    before = calendar(site, "NA-TRUONGVINH", "TV-DD")[0].scheduled_minutes(
        datetime(2026, 11, 2).date(), datetime(2026, 11, 30).date())
    result = cli_runner.invoke(cli, ["config", "import", str(changed)])
    assert result.exit_code == 0, result.output
    site.expire_all()
    cal, _ = calendar(site, "NA-TRUONGVINH", "TV-DD")
    assert cal.scheduled_minutes(datetime(2026, 11, 2).date(), datetime(2026, 11, 30).date()) == before
    assert not cal.is_scheduled(at("2026-11-23", "07:10")) and cal.is_scheduled(at("2026-11-23", "11:15"))
    assert cal.is_scheduled(at("2026-12-07", "07:10")) and not cal.is_scheduled(at("2026-12-07", "11:15"))
    logged = site.scalars(select(ChangeLog).where(ChangeLog.entity_type == "hours_profile",
                                                  ChangeLog.entity_key == "hanh-chinh-2025")).all()
    assert any((c.changes or {}).get("sessions_effective_from") == [None, "2026-12-01"] for c in logged)
    count = len(logged)
    assert cli_runner.invoke(cli, ["config", "import", str(changed)]).exit_code == 0
    again = site.scalars(select(ChangeLog).where(ChangeLog.entity_type == "hours_profile",
                                                 ChangeLog.entity_key == "hanh-chinh-2025")).all()
    assert len(again) == count
