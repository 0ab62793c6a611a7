"""Daily facts of the example site's desks, read from the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from audit.services.daily_facts import desk_days
from fakecams import example_site_loader, observe
from models.enums import CameraHealth, PresenceState

HN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 3, 2)  # a Monday


def hn(hh: int, mm: int, ss: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=HN).astimezone(timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, hn(0, 0))()


def test_a_morning_of_three_desks_and_the_unit_thresholds(site):
    observe(site, "TV-HT-CAM", hn(7, 30), hn(8, 59, 30))
    observe(site, "TV-HT-CAM", hn(9, 0), hn(9, 19, 30), presence=PresenceState.ABSENT, queue=2)
    observe(site, "TV-HT-CAM", hn(9, 20), hn(11, 29, 30))
    observe(site, "TV-DD-CAM", hn(7, 30), hn(8, 59, 30))
    observe(site, "TV-DD-CAM", hn(9, 0), hn(11, 29, 30), health=CameraHealth.OFFLINE)
    observe(site, "DC-HT-CAM", hn(7, 30), hn(8, 59, 30))  # Diễn Châu: unattended after 20 minutes
    observe(site, "DC-HT-CAM", hn(9, 0), hn(9, 17, 30), presence=PresenceState.ABSENT)
    observe(site, "DC-HT-CAM", hn(9, 18), hn(12, 0))

    with site() as session:
        found = {d.desk_code: d for d in desk_days(session, DAY, max_gap=timedelta(seconds=30))}
    assert sorted(found) == ["DC-DD", "DC-HT", "DC-XH", "TV-CT", "TV-DD", "TV-HT"]

    ht = found["TV-HT"].facts
    assert ht.scheduled_minutes == 480  # 07:30–11:30, 13:00–17:00
    assert (ht.present_minutes, ht.absent_minutes, ht.unknown_minutes) == (220, 20, 240)  # no afternoon data
    [span] = ht.unattended_with_queue
    assert (span.start, span.end, span.minutes, span.queue_max) == (hn(9, 0), hn(9, 20), 20, 2)
    assert (ht.first_seen, ht.last_seen) == (hn(7, 30), hn(11, 30))

    dd = found["TV-DD"].facts
    assert (dd.present_minutes, dd.absent_minutes, dd.unknown_minutes) == (90, 0, 390)  # the outage is unknown
    assert dd.unattended == () and dd.staffed_rate == 1

    dc = found["DC-HT"].facts
    assert dc.scheduled_minutes == 480 and dc.present_minutes == 252  # winter: 07:30–12:00, 13:30–17:00
    assert dc.longest_absence_minutes == 18 and dc.unattended == ()  # under Diễn Châu's 20 minutes
    assert found["DC-HT"].schedule_reason.startswith("season")


def test_one_unit_and_a_public_holiday(site):
    with site() as session:
        assert [d.desk_code for d in desk_days(session, DAY, unit_code="NA-TRUONGVINH")] == ["TV-CT", "TV-DD", "TV-HT"]
        assert len(desk_days(session, DAY, unit_code="NA")) == 6  # a province covers its communes
        with pytest.raises(LookupError, match="NOPE"):
            desk_days(session, DAY, unit_code="NOPE")
        holiday = desk_days(session, date(2026, 4, 30), unit_code="NA-TRUONGVINH")
    assert {d.facts.scheduled_minutes for d in holiday} == {0}
    assert all("public holiday" in d.schedule_reason for d in holiday)
