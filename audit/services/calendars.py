"""Build a desk's working calendar from the database (hours profiles, sessions, overrides)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, time
from time import monotonic

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from audit.rules.calendar import Override, OverrideKind, ProfileVersion, Season, Span, WorkingCalendar
from models.hours import HoursOverride, HoursProfile, HoursSession
from models.org import Desk, Unit

log = logging.getLogger("deskaudit.audit.calendars")


class NoHoursProfile(LookupError):
    """Neither the desk, its unit nor any parent unit has an hours profile."""


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def versions_of(profile: HoursProfile) -> list[ProfileVersion]:
    """The profile's hours decisions, each with its seasons, oldest first (a profile without rows: one empty)."""
    by_version: dict[date | None, list[HoursSession]] = defaultdict(list)
    for row in profile.sessions:
        by_version[row.effective_from].append(row)
    if not by_version:
        return [ProfileVersion((), profile.effective_from, profile.decision_ref)]
    return [ProfileVersion(seasons_of(rows), effective_from, rows[0].decision_ref or
                           (profile.decision_ref if effective_from == profile.effective_from else None))
            for effective_from, rows in sorted(by_version.items(), key=lambda item: item[0] or date.min)]


def seasons_of(sessions: Iterable[HoursSession]) -> tuple[Season, ...]:
    """Session rows of one decision regrouped into seasons (weekday sessions and Saturday reception)."""
    rows: dict[tuple[str, str, str], list[HoursSession]] = defaultdict(list)
    for row in sessions:
        rows[(row.season, row.season_from, row.season_to)].append(row)
    seasons = []
    for (name, start, end), items in sorted(rows.items()):
        weekly: dict[int, list[Span]] = defaultdict(list)
        saturday: list[Span] = []
        for row in sorted(items, key=lambda r: (r.weekday, r.start_time)):
            if row.flagged_desks_only:
                saturday.append((row.start_time, row.end_time))
            else:
                weekly[row.weekday].append((row.start_time, row.end_time))
        seasons.append(Season(
            name=name,
            start=_month_day(start),
            end=_month_day(end),
            weekdays=frozenset(weekly),
            sessions=(),
            saturday_sessions=tuple(saturday),
            by_weekday=tuple((weekday, tuple(spans)) for weekday, spans in sorted(weekly.items())),
        ))
    return tuple(seasons)


def profile_for(session: Session, unit: Unit, desk: Desk | None = None) -> HoursProfile:
    """The desk's own profile, else its unit's, else the nearest parent unit's."""
    profile_id = desk.hours_profile_id if desk is not None else None
    current: Unit | None = unit
    while profile_id is None and current is not None:
        profile_id = current.hours_profile_id
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    if profile_id is None:
        raise NoHoursProfile(f"unit {unit.code}: no hours profile on the desk, the unit or its parents")
    return session.get(HoursProfile, profile_id)


def calendar_for(session: Session, unit: Unit, desk: Desk | None = None, *,
                 public_holidays: bool = True) -> WorkingCalendar:
    """The working calendar of a unit (and desk), with the overrides for it and for every unit."""
    profile = profile_for(session, unit, desk)
    rows = session.scalars(
        select(HoursOverride).where(or_(HoursOverride.unit_id == unit.id, HoursOverride.unit_id.is_(None)))
    )
    overrides = [
        Override(
            day=row.day,
            kind=OverrideKind(row.kind.value),
            sessions=tuple(_spans(row.sessions or [])),
            unit=unit.code if row.unit_id is not None else None,
            decision_ref=row.decision_ref,
            effective_from=row.effective_from,
        )
        for row in rows
    ]
    return WorkingCalendar(versions_of(profile), timezone=profile.timezone, unit=unit.code, overrides=overrides,
                           public_holidays=public_holidays)


class CalendarCache:
    """Working calendars of desks, one per (unit, hours profile), rebuilt after ``ttl_s`` seconds.

    Hours change rarely and the wall and the alert rules ask every few seconds, so a calendar is
    built once per ``ttl_s``. ``store`` lets several caches share what they built (the web app's
    requests share one). ``None`` stands for a desk without an hours profile: it has no working time.
    """

    def __init__(self, ttl_s: float, store: dict | None = None):
        self.ttl_s = ttl_s
        self._store = {} if store is None else store

    def of(self, session: Session, desk: Desk) -> WorkingCalendar | None:
        key = (desk.unit_id, desk.hours_profile_id)
        built = self._store.get(key)
        if built is None or monotonic() - built[0] > self.ttl_s:
            try:
                calendar = calendar_for(session, desk.unit, desk)
            except NoHoursProfile as error:
                log.warning("desk %s: %s; it has no working time", desk.code, error)
                calendar = None
            built = self._store[key] = (monotonic(), calendar)
        return built[1]


def _spans(pairs: list) -> list[Span]:
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in pairs]


__all__ = ["CalendarCache", "NoHoursProfile", "calendar_for", "profile_for", "seasons_of", "versions_of"]
