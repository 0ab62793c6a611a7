"""The working-hours calendar, table-driven: lunch breaks, holidays, make-up days, seasons, overrides."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from audit.rules.calendar import Override, OverrideKind, ProfileVersion, Season, WorkingCalendar

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

HCM = "Asia/Ho_Chi_Minh"  # UTC+7, no daylight saving
STANDARD = ProfileVersion((Season("ca-nam", saturday_sessions=((time(7, 30), time(11, 30)),)),))
# Nghệ An style: summer and winter hours (winter 17/10–15/4 wraps the new year).
SEASONAL = ProfileVersion((
    Season("mua-he", (4, 16), (10, 16), sessions=((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))),
    Season("mua-dong", (10, 17), (4, 15), sessions=((time(7, 30), time(12, 0)), (time(13, 30), time(17, 0)))),
))


def local(day: str, hhmm: str) -> datetime:
    """A Vietnamese wall-clock time (UTC+7) as the UTC instant the database stores."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=timezone.utc) - timedelta(hours=7)


@pytest.mark.parametrize(
    "day, hhmm, scheduled",
    [
        ("2026-11-23", "07:29", False),  # Monday, before opening
        ("2026-11-23", "07:30", True),
        ("2026-11-23", "11:29", True),
        ("2026-11-23", "11:30", False),  # lunch break starts
        ("2026-11-23", "12:45", False),
        ("2026-11-23", "13:00", True),
        ("2026-11-23", "16:59", True),
        ("2026-11-23", "17:00", False),
        ("2026-11-24", "09:00", False),  # Ngày Văn hóa Việt Nam (from 2026)
        ("2026-02-17", "09:00", False),  # Tết
        ("2026-02-23", "09:00", True),  # back after Tết
        ("2026-04-27", "09:00", False),  # Hùng Kings fell on Sunday: Monday off in lieu
        ("2026-08-31", "09:00", False),  # bridge day off before 2/9 …
        ("2026-08-22", "09:00", True),  # … worked on Saturday 22/8 instead
        ("2026-11-22", "09:00", False),  # Sunday
        ("2026-11-28", "09:00", False),  # Saturday, desk without Saturday reception
    ],
)
def test_standard_hours(day, hhmm, scheduled):
    calendar = WorkingCalendar([STANDARD], timezone=HCM)
    assert calendar.is_scheduled(local(day, hhmm)) is scheduled


def test_saturday_reception_only_for_flagged_desks():
    calendar = WorkingCalendar([STANDARD], timezone=HCM)
    saturday = date(2026, 11, 28)
    assert calendar.intervals(saturday) == []
    (morning,) = calendar.intervals(saturday, saturday_desk=True)
    assert (morning.start.hour, morning.start.minute, morning.end.hour) == (7, 30, 11)
    assert calendar.is_scheduled(local("2026-11-28", "10:00"), saturday_desk=True)
    assert not calendar.is_scheduled(local("2026-11-28", "14:00"), saturday_desk=True)


@pytest.mark.parametrize(
    "day, hhmm, scheduled",
    [
        ("2026-10-16", "07:10", True),  # last day of summer hours: opens 07:00
        ("2026-10-16", "11:45", False),
        ("2026-10-19", "07:10", False),  # Monday, winter hours: opens 07:30
        ("2026-10-19", "11:45", True),  # and the morning runs to 12:00
        ("2026-01-05", "11:45", True),  # winter wraps the new year
        ("2026-04-16", "07:10", True),  # summer again
        ("2026-10-19", "13:15", False),
    ],
)
def test_season_switch(day, hhmm, scheduled):
    calendar = WorkingCalendar([SEASONAL], timezone=HCM)
    assert calendar.is_scheduled(local(day, hhmm)) is scheduled


def test_unit_overrides_win_and_carry_their_decision():
    overrides = [
        Override(date(2026, 11, 25), OverrideKind.HOLIDAY, unit=None, decision_ref="QĐ 12/UBND"),
        Override(date(2026, 11, 25), OverrideKind.CUSTOM_HOURS, ((time(8, 0), time(10, 0)),), unit="NA-TRUONGVINH",
                 decision_ref="QĐ 99/UBND"),
        Override(date(2026, 11, 29), OverrideKind.MAKEUP_WORKDAY, unit="NA-TRUONGVINH", decision_ref="TB 7"),
        Override(date(2026, 11, 26), OverrideKind.HOLIDAY, unit="NA-DIENCHAU"),  # another unit's day off
    ]
    truong_vinh = WorkingCalendar([STANDARD], timezone=HCM, unit="NA-TRUONGVINH", overrides=overrides)
    dien_chau = WorkingCalendar([STANDARD], timezone=HCM, unit="NA-DIENCHAU", overrides=overrides)
    sessions, reason = truong_vinh.sessions_on(date(2026, 11, 25))
    assert sessions == ((time(8, 0), time(10, 0)),) and "QĐ 99/UBND" in reason
    assert dien_chau.sessions_on(date(2026, 11, 25)) == ((), "unit holiday (QĐ 12/UBND)")
    assert truong_vinh.intervals(date(2026, 11, 26)) and not dien_chau.intervals(date(2026, 11, 26))
    # A make-up Sunday is worked with the normal weekday sessions.
    assert len(truong_vinh.intervals(date(2026, 11, 29))) == 2
    assert truong_vinh.is_scheduled(local("2026-11-29", "14:00"))
    assert not dien_chau.is_scheduled(local("2026-11-29", "14:00"))


def test_a_new_hours_decision_applies_from_its_effective_date():
    earlier = ProfileVersion((Season("cu"),), effective_from=date(2025, 1, 1), decision_ref="QĐ 1/2025")
    later = ProfileVersion(
        (Season("moi", sessions=((time(7, 0), time(11, 0)), (time(13, 30), time(17, 0)))),),
        effective_from=date(2026, 12, 1), decision_ref="QĐ 45/2026",
    )
    calendar = WorkingCalendar([later, earlier], timezone=HCM)
    assert not calendar.is_scheduled(local("2026-11-30", "07:10"))
    assert calendar.is_scheduled(local("2026-12-01", "07:10"))


def test_intervals_are_aware_and_minutes_add_up():
    calendar = WorkingCalendar([STANDARD], timezone=HCM)
    first = calendar.intervals(date(2026, 11, 23))[0]
    assert first.start.utcoffset().total_seconds() == 7 * 3600
    assert first.start.astimezone(timezone.utc) == datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
    # Week of 23–29/11/2026: five weekdays of 8 h, less Tuesday 24/11 (a public holiday).
    assert calendar.scheduled_minutes(date(2026, 11, 23), date(2026, 11, 29)) == 4 * 480


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="aware"):
        WorkingCalendar([STANDARD]).is_scheduled(datetime(2026, 11, 23, 9, 0))


def test_public_holidays_can_be_switched_off():
    calendar = WorkingCalendar([STANDARD], timezone=HCM, public_holidays=False)
    assert calendar.is_scheduled(local("2026-11-24", "09:00"))


def test_working_days_after_skip_weekends_holidays_and_days_off():
    calendar = WorkingCalendar([STANDARD], timezone=HCM, unit="U", overrides=[
        Override(day=date(2026, 3, 10), kind=OverrideKind.HOLIDAY, unit="U")])
    assert calendar.working_day_after(date(2026, 3, 5), 3) == date(2026, 3, 11)  # Fri 6, Mon 9, (Tue 10 off), Wed 11
    assert calendar.working_day_after(date(2026, 4, 28), 2) == date(2026, 5, 4)  # 30/4 and 1/5 are holidays
    assert calendar.working_day_after(date(2026, 3, 6), 1) == date(2026, 3, 9)
    with pytest.raises(ValueError, match="not a count of days"):
        calendar.working_day_after(date(2026, 3, 6), 0)
