"""The civil service's national days off and make-up working days (ngày nghỉ lễ, Tết; ngày làm bù).

Pure: data in, answers out. A year shipped in ``data/vn_civil_service_days.toml`` is answered from that table
alone, with each day's source; the ``holidays`` package (pinned in pyproject.toml) answers only the years the
table does not hold, and such an answer says so, because the package knows the Labour Code's days but not every
swap the Government announces for the civil service (2026: Friday 2/1 off, Saturday 10/1 worked).
Names are Vietnamese whatever the server's ``LANG``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

TABLE = "vn_civil_service_days.toml"
PACKAGE_SOURCE = "gói holidays (chưa đối chiếu với thông báo của Bộ Nội vụ)"


class DayKind(StrEnum):
    OFF = "off"
    WORKDAY = "workday"  # a weekend day worked in exchange for a bridge day off (ngày làm bù)


class YearStatus(StrEnum):
    ANNOUNCED = "announced"
    PROVISIONAL = "provisional"  # the Labour Code's days, at their usual dates; the plan is not announced
    PACKAGE = "package"  # not in the table: the ``holidays`` package's days


@dataclass(frozen=True)
class NationalDay:
    day: date
    kind: DayKind
    name: str
    source: str


@dataclass(frozen=True)
class NationalYear:
    year: int
    status: YearStatus
    source: str
    days: Mapping[date, NationalDay]

    def day_off(self, day: date) -> NationalDay | None:
        found = self.days.get(day)
        return found if found is not None and found.kind is DayKind.OFF else None

    def workday(self, day: date) -> NationalDay | None:
        found = self.days.get(day)
        return found if found is not None and found.kind is DayKind.WORKDAY else None


class CalendarTableError(ValueError):
    """The shipped table is malformed (a packaging fault, caught by the tests)."""


def parse_table(text: str, where: str = TABLE) -> dict[int, NationalYear]:
    """Years of a table in the shipped format; every entry checked, errors name the year and the entry."""
    years: dict[int, NationalYear] = {}
    for index, raw in enumerate(tomllib.loads(text).get("years", [])):
        year = raw.get("year")
        place = f"{where}: years[{index}] ({year})"
        if not isinstance(year, int) or year in years:
            raise CalendarTableError(f"{place}: a year must be an integer listed once")
        try:
            status = YearStatus(raw.get("status"))
        except ValueError:
            raise CalendarTableError(f"{place}: status must be 'announced' or 'provisional'") from None
        days: dict[date, NationalDay] = {}
        for number, entry in enumerate(raw.get("days", [])):
            days_place = f"{place}.days[{number}]"
            day = entry.get("date")
            if not isinstance(day, date) or day.year != year or day in days:
                raise CalendarTableError(f"{days_place}: a date of {year}, listed once (got {day!r})")
            try:
                kind = DayKind(entry.get("kind"))
            except ValueError:
                raise CalendarTableError(f"{days_place}: kind must be 'off' or 'workday'") from None
            name, source = entry.get("name"), entry.get("source")
            if not name or not source:
                raise CalendarTableError(f"{days_place}: every day needs a name and its source")
            if kind is DayKind.WORKDAY and day.weekday() < 5:
                raise CalendarTableError(f"{days_place}: a make-up working day falls on a weekend day")
            days[day] = NationalDay(day, kind, str(name), str(source))
        years[year] = NationalYear(year, status, str(raw.get("source") or ""), days)
    return years


@lru_cache(maxsize=1)
def shipped_years() -> dict[int, NationalYear]:
    text = resources.files("audit.rules").joinpath("data", TABLE).read_text(encoding="utf-8")
    return parse_table(text)


@lru_cache(maxsize=64)
def national_year(year: int) -> NationalYear:
    """The year's national days: the shipped table's, else the ``holidays`` package's."""
    shipped = shipped_years().get(year)
    return shipped if shipped is not None else _from_package(year)


def _from_package(year: int) -> NationalYear:
    import holidays

    days: dict[date, NationalDay] = {}
    for day, name in holidays.country_holidays("VN", years=year, language="vi").items():
        days[day] = NationalDay(day, DayKind.OFF, str(name), PACKAGE_SOURCE)
    for worked in _package_makeup_days(year):
        days[worked] = NationalDay(worked, DayKind.WORKDAY, "Ngày làm bù", PACKAGE_SOURCE)
    return NationalYear(year, YearStatus.PACKAGE, PACKAGE_SOURCE, days)


def _package_makeup_days(year: int) -> set[date]:
    """Saturdays worked for a bridge day off, from the package's table of special days off (entries
    ``(month, day, worked_month, worked_day[, worked_year])``); empty where the table is not there."""
    try:
        from holidays.countries.vietnam import VietnamStaticHolidays

        table: Mapping[int, Any] = VietnamStaticHolidays.special_public_holidays
    except (ImportError, AttributeError):
        return set()
    days = set()
    for listed in (year - 1, year, year + 1):  # 2015 lists a make-up day of 27/12/2014
        entries = table.get(listed, ())
        for entry in (entries,) if entries and isinstance(entries[0], int) else entries:
            if len(entry) >= 4:
                worked = date(entry[4] if len(entry) > 4 else listed, entry[2], entry[3])
                if worked.year == year:
                    days.add(worked)
    return days


def public_holiday(day: date) -> str | None:
    """The name of the national day off on ``day``, if it is one."""
    found = national_year(day.year).day_off(day)
    return found.name if found is not None else None


def national_makeup_days(year: int) -> frozenset[date]:
    return frozenset(d for d, entry in national_year(year).days.items() if entry.kind is DayKind.WORKDAY)


__all__ = ["CalendarTableError", "DayKind", "NationalDay", "NationalYear", "YearStatus", "national_makeup_days",
           "national_year", "parse_table", "public_holiday", "shipped_years"]
