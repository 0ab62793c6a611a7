"""Working-hours calendar: when is a desk scheduled to be staffed?

Pure: no database, no clock. A day's sessions come from, in order of precedence:

1. an override for the desk's unit on that day (one for the unit wins over one for every unit):
   ``holiday`` → closed; ``custom_hours`` → its sessions; ``makeup_workday`` → the season's normal
   weekday sessions, whatever the weekday (ngày làm bù);
2. a national make-up working day (a Saturday worked in exchange for a bridge day off, as the
   Government announces for the civil service) → the season's normal weekday sessions;
3. a national day off (Tết, Hùng Kings, 30/4, 1/5, 2/9, days off in lieu and swapped days) → closed;
   both from ``audit/rules/national_days.py``: the shipped table of announced years, else ``holidays``;
4. the profile version in force that day (the latest ``effective_from`` on or before it), and in it
   the season whose date range holds the day (the narrowest when ranges nest): its sessions on its
   weekdays, and its Saturday sessions for desks that receive citizens on Saturdays.

Times are local to the profile's time zone; answers about instants take and give aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from audit.rules.national_days import national_year
from models.enums import DEFAULT_TIMEZONE

SATURDAY = 5
WORKWEEK = frozenset(range(5))  # Monday..Friday


class OverrideKind(StrEnum):
    """Values match the site config and the database."""

    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"
    CUSTOM_HOURS = "custom_hours"


Span = tuple[time, time]


@dataclass(frozen=True)
class Season:
    """Sessions for a recurring range of the year, ``start``..``end`` as (month, day), may wrap."""

    name: str
    start: tuple[int, int] = (1, 1)
    end: tuple[int, int] = (12, 31)
    weekdays: frozenset[int] = WORKWEEK
    sessions: tuple[Span, ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    saturday_sessions: tuple[Span, ...] = ()
    by_weekday: tuple[tuple[int, tuple[Span, ...]], ...] = ()  # when weekdays differ: (weekday, sessions)

    def sessions_for(self, weekday: int) -> tuple[Span, ...]:
        """Sessions on a weekday (0 = Monday) of this season; empty when it is not a working day."""
        if self.by_weekday:
            return dict(self.by_weekday).get(weekday, ())
        return self.sessions if weekday in self.weekdays else ()

    def workday_sessions(self) -> tuple[Span, ...]:
        """What a make-up working day is worked with: the first working weekday's sessions."""
        for weekday in range(7):
            if sessions := self.sessions_for(weekday):
                return sessions
        return ()

    def holds(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end  # wraps the new year, e.g. 10-17 .. 04-15

    def length_days(self) -> int:
        """Days the range covers in a leap year (to prefer the narrowest of nested seasons)."""
        start, end = date(2024, *self.start), date(2024, *self.end)
        return (end - start).days + 1 if start <= end else 366 - (start - end).days + 1


@dataclass(frozen=True)
class ProfileVersion:
    """One hours decision: its seasons, in force from ``effective_from`` (``None`` = always)."""

    seasons: tuple[Season, ...]
    effective_from: date | None = None
    decision_ref: str | None = None


@dataclass(frozen=True)
class Override:
    """A dated exception for one unit (``unit=None``: every unit), with the decision behind it."""

    day: date
    kind: OverrideKind
    sessions: tuple[Span, ...] = ()
    unit: str | None = None
    decision_ref: str | None = None
    effective_from: date | None = None


@dataclass(frozen=True)
class Interval:
    """A scheduled stretch of a desk, as aware datetimes, and why it is scheduled."""

    start: datetime
    end: datetime
    reason: str = field(default="", compare=False)

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


class WorkingCalendar:
    """The schedule of one unit's desks under one hours profile and the overrides that apply."""

    def __init__(
        self,
        versions: Sequence[ProfileVersion],
        *,
        timezone: str = DEFAULT_TIMEZONE,
        unit: str | None = None,
        overrides: Iterable[Override] = (),
        public_holidays: bool = True,
    ) -> None:
        if not versions:
            raise ValueError("a working calendar needs at least one profile version")
        self.versions = sorted(versions, key=lambda v: v.effective_from or date.min)
        self.zone = ZoneInfo(timezone)
        self.unit = unit
        self.public_holidays = public_holidays
        self._overrides: dict[date, Override] = {}
        for override in overrides:
            if override.unit not in (None, unit):
                continue
            current = self._overrides.get(override.day)
            if current is None or (current.unit is None and override.unit is not None):
                self._overrides[override.day] = override

    def working_day_after(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (a day with sessions at an ordinary desk).

        Raises:
            ValueError: ``count`` below 1, or no working day within two years (a calendar with no hours).
        """
        if count < 1:
            raise ValueError(f"working days: {count} is not a count of days (1 or more)")
        current, found = day, 0
        for _ in range(2 * 366):
            current += timedelta(days=1)
            if self.sessions_on(current)[0]:
                found += 1
                if found == count:
                    return current
        raise ValueError(f"no {count} working days after {day.isoformat()} in the calendar of {self.unit}")

    def sessions_on(self, day: date, *, saturday_desk: bool = False) -> tuple[tuple[Span, ...], str]:
        """The local sessions of a desk on ``day`` and the reason (for evidence and pages)."""
        season = self._season(day)
        override = self._overrides.get(day)
        if override is not None:
            ref = f" ({override.decision_ref})" if override.decision_ref else ""
            if override.kind is OverrideKind.HOLIDAY:
                return (), f"unit holiday{ref}"
            if override.kind is OverrideKind.CUSTOM_HOURS:
                return tuple(override.sessions), f"special hours{ref}"
            return (season.workday_sessions() if season else ()), f"make-up working day{ref}"
        if self.public_holidays:
            national = national_year(day.year)
            if worked := national.workday(day):
                return (season.workday_sessions() if season else ()), f"national make-up working day: {worked.name}"
            if off := national.day_off(day):
                return (), f"public holiday: {off.name}"
        if season is None:
            return (), "no season of the hours profile covers this day"
        if sessions := season.sessions_for(day.weekday()):
            return sessions, f"season {season.name}"
        if day.weekday() == SATURDAY and saturday_desk and season.saturday_sessions:
            return season.saturday_sessions, f"Saturday reception, season {season.name}"
        return (), "not a working day"

    def intervals(self, day: date, *, saturday_desk: bool = False) -> list[Interval]:
        """Scheduled intervals of a desk on the local ``day``, as aware datetimes in the unit's zone."""
        sessions, reason = self.sessions_on(day, saturday_desk=saturday_desk)
        return [
            Interval(datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone), reason)
            for start, end in sessions
        ]

    def intervals_between(self, start: datetime, end: datetime, *, saturday_desk: bool = False,
                          max_days: int = 31) -> list[tuple[datetime, datetime]]:
        """Scheduled intervals of the local days from ``start`` to ``end`` (at most ``max_days`` before ``end``).

        The cap keeps an absence that began weeks ago cheap to judge: a month of schedule says enough.
        """
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        day = max(day, last - timedelta(days=max_days))
        found = []
        while day <= last:
            found += [(i.start, i.end) for i in self.intervals(day, saturday_desk=saturday_desk)]
            day += timedelta(days=1)
        return found

    def is_scheduled(self, at: datetime, *, saturday_desk: bool = False) -> bool:
        """Is a desk expected to be staffed at the aware instant ``at``?"""
        if at.tzinfo is None:
            raise ValueError(f"is_scheduled needs an aware datetime, got naive {at}")
        local = at.astimezone(self.zone)
        return any(i.contains(at) for i in self.intervals(local.date(), saturday_desk=saturday_desk))

    def scheduled_minutes(self, start: date, end: date, *, saturday_desk: bool = False) -> float:
        """Scheduled minutes of a desk over the local days ``start``..``end`` inclusive."""
        total = 0.0
        day = start
        while day <= end:
            total += sum((i.end - i.start).total_seconds() / 60
                         for i in self.intervals(day, saturday_desk=saturday_desk))
            day += timedelta(days=1)
        return total

    def _season(self, day: date) -> Season | None:
        version = self._version(day)
        holding = [s for s in version.seasons if s.holds(day)]
        return min(holding, key=Season.length_days) if holding else None

    def _version(self, day: date) -> ProfileVersion:
        in_force = [v for v in self.versions if v.effective_from is None or v.effective_from <= day]
        return in_force[-1] if in_force else self.versions[0]
