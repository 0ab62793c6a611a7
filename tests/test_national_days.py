"""The civil service's national days: the shipped table for 2025–2027, the package beyond it, overrides above both."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from audit.rules.calendar import Override, OverrideKind, ProfileVersion, Season, WorkingCalendar
from audit.rules.national_days import (
    CalendarTableError,
    DayKind,
    YearStatus,
    national_year,
    parse_table,
    public_holiday,
    shipped_years,
)

pytestmark = pytest.mark.pure

STANDARD = ProfileVersion((Season("ca-nam"),))


def working(day: date, **kwargs) -> bool:
    return bool(WorkingCalendar([STANDARD], **kwargs).sessions_on(day)[0])


def test_2026_new_year_friday_is_off_and_saturday_10_1_is_worked():
    assert not working(date(2026, 1, 2))  # Friday 2/1/2026, swapped (VPCP 12729/VPCP-KGVX)
    sessions, reason = WorkingCalendar([STANDARD]).sessions_on(date(2026, 1, 10))
    assert sessions == ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    assert "make-up" in reason and "02/01/2026" in reason
    assert "12729/VPCP-KGVX" in national_year(2026).days[date(2026, 1, 2)].source
    assert working(date(2026, 1, 5)) and not working(date(2026, 1, 3))


@pytest.mark.parametrize(("first", "last"), [(date(2026, 2, 14), date(2026, 2, 22))])
def test_tet_2026_is_nine_days_off(first, last):
    day = first
    while day <= last:
        assert not working(day), day
        day += timedelta(days=1)
    assert working(first - timedelta(days=1)) and working(last + timedelta(days=1))


@pytest.mark.parametrize(
    ("day", "is_working"),
    [
        (date(2026, 8, 22), True),  # Saturday worked for Monday 31/8
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        (date(2026, 4, 27), False),  # Hùng Kings on Sunday 26/4: Monday off in lieu
        (date(2025, 4, 26), True),  # Saturday worked for Friday 2/5/2025
        (date(2025, 5, 2), False),
        (date(2025, 1, 27), False),  # Tết Ất Tỵ
        (date(2027, 5, 3), False),  # 1/5/2027 is a Saturday: Monday off in lieu
        (date(2027, 2, 5), False),
    ],
)
def test_swapped_days(day, is_working):
    assert working(day) is is_working


def test_every_shipped_day_has_a_vietnamese_name_and_a_source_whatever_the_locale(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert set(shipped_years()) == {2025, 2026, 2027}
    assert shipped_years()[2027].status is YearStatus.PROVISIONAL
    for year in shipped_years().values():
        for entry in year.days.values():
            assert entry.name and entry.source
    assert public_holiday(date(2026, 1, 1)) == "Tết Dương lịch"
    national_year.cache_clear()
    try:
        beyond = national_year(2028)  # not shipped: the package, in Vietnamese, marked as unchecked
        assert beyond.status is YearStatus.PACKAGE
        assert beyond.days[date(2028, 1, 1)].name == "Tết Dương lịch"
        assert "chưa đối chiếu" in beyond.days[date(2028, 9, 2)].source
    finally:
        national_year.cache_clear()


def test_a_shipped_year_does_not_ask_the_package():
    # The package (0.109) does not know the 2/1/2026 swap; the table does and wins.
    import holidays

    assert date(2026, 1, 2) not in holidays.country_holidays("VN", years=2026)
    assert national_year(2026).days[date(2026, 1, 2)].kind is DayKind.OFF


def test_an_override_makes_a_listed_holiday_a_working_day_and_a_later_announcement_a_day_off():
    overrides = [
        Override(date(2026, 11, 24), OverrideKind.MAKEUP_WORKDAY, decision_ref="CV 5/UBND"),
        Override(date(2027, 2, 11), OverrideKind.HOLIDAY, decision_ref="TB của Bộ Nội vụ"),
    ]
    calendar = WorkingCalendar([STANDARD], unit="U", overrides=overrides)
    assert not working(date(2026, 11, 24))
    sessions, reason = calendar.sessions_on(date(2026, 11, 24))
    assert len(sessions) == 2 and "CV 5/UBND" in reason
    assert calendar.sessions_on(date(2027, 2, 11)) == ((), "unit holiday (TB của Bộ Nội vụ)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[years]]\nyear = 2030\nstatus = "maybe"', "status must be"),
        (('[[years]]\nyear = 2030\nstatus = "announced"\n[[years.days]]\ndate = 2031-01-01\nkind = "off"\n'
         'name = "x"\nsource = "y"'), "a date of 2030"),
        (('[[years]]\nyear = 2030\nstatus = "announced"\n[[years.days]]\ndate = 2030-01-01\nkind = "off"\n'
         'name = "x"'), "needs a name and its source"),
        (('[[years]]\nyear = 2030\nstatus = "announced"\n[[years.days]]\ndate = 2030-01-02\nkind = "workday"\n'
         'name = "x"\nsource = "y"'), "weekend"),
        (('[[years]]\nyear = 2030\nstatus = "announced"\n[[years.days]]\ndate = 2030-01-01\nkind = "holiday"\n'
         'name = "x"\nsource = "y"'), "kind must be"),
    ],
)
def test_a_malformed_table_names_the_entry(text, message):
    with pytest.raises(CalendarTableError, match=message) as raised:
        parse_table(text, "t.toml")
    assert "t.toml: years[0] (2030)" in str(raised.value)
