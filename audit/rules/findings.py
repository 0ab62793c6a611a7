"""Finding rules: what one official's session (or one desk's day) says, from its runs. Pure: no database, no clock.

A session's runs are present, absent or unknown (audit/rules/timeline.py). For one official, time covered
by an excused absence (leave, official trip, training) becomes *excused*. Only observed absence
makes a personal finding: unknown and excused time never do, and are never counted in its minutes.

Per session, in order:

* **absent a whole session**: no presence, no excused time, at most ``unknown_tolerance`` unknown
  (the sampler's first sample comes a few seconds after the session starts), some absence;
* **late arrival**: an absence at the start of the session (after any excused time) longer than
  ``late_grace_minutes``;
* **early leave**: an absence reaching the end of the session (before any excused time), after the
  official was seen in that session, longer than ``early_leave_grace_minutes``;
* **unattended** (or **unattended while citizens wait**, when at least ``queue_min`` people waited):
  any other absence longer than ``unattended_minutes`` (docs/AUDIT.md: "quá 15 phút", strictly more).

An absence across lunch is judged in each session: leaving before lunch is an early leave, coming
back late after it a late arrival, as inspectors record them. Unknown stretches shorter than
``unknown_tolerance`` at the edges of a session do not hide a late arrival or an early leave.

The desk-level rule, **camera coverage gap**, lists unknown stretches of at least
``camera_gap_minutes`` in a desk's day; it is a unit finding, never a personal one.

The unit-level rule, **unit-wide absence** (``UnitAbsenceRule``): when most of a unit's observed desks are empty for
the same whole session, that session makes no personal finding at all, only one notice for the unit ("kiểm tra
lịch"): the signature of a day off the calendar does not know, or of a power cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.rules.timeline import ABSENT, PRESENT, UNKNOWN, US_PER_MINUTE

EXCUSED = 3
RULE_VERSION = "2026.1"

# The one Vietnamese name of each finding kind (the web's translatable copy is tested against it).
KIND_VI = {
    "late_arrival": "Đi muộn",
    "early_leave": "Về sớm",
    "unattended": "Vắng quầy",
    "absent_session": "Vắng cả buổi",
    "unattended_queue": "Vắng quầy khi có người dân chờ",
    "camera_gap": "Camera không quan sát được",
    "unit_absence": "Cả đơn vị vắng cả buổi: kiểm tra lịch làm việc",
}

LATE_ARRIVAL, EARLY_LEAVE, UNATTENDED = "late_arrival", "early_leave", "unattended"
ABSENT_SESSION, UNATTENDED_QUEUE, CAMERA_GAP = "absent_session", "unattended_queue", "camera_gap"
UNIT_ABSENCE = "unit_absence"  # a notice for a unit, never personal


@dataclass(frozen=True)
class RuleSettings:
    """Thresholds of the rules, in minutes (unattended, queue and camera-gap come from the unit's alert thresholds)."""

    late_grace_minutes: float = 5
    early_leave_grace_minutes: float = 5
    unattended_minutes: float = 15
    queue_min: int = 1
    camera_gap_minutes: float = 10
    unknown_tolerance_minutes: float = 2

    def us(self, name: str) -> int:
        minutes: float = getattr(self, name)
        return round(minutes * US_PER_MINUTE)


@dataclass(frozen=True)
class Run:
    """A stretch of one state in one session: µs bounds, state code, the longest queue seen (-1: none)."""

    start: int
    end: int
    state: int
    queue_max: int = -1

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Draft:
    """A rule hit, before it becomes a Finding: kind, µs bounds, observed minutes, the longest queue."""

    kind: str
    start: int
    end: int
    minutes: float
    queue_max: int | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)


def excuse(runs: Sequence[Run], excused: Sequence[tuple[int, int]]) -> list[Run]:
    """The runs with every stretch inside an excused interval turned into excused time."""
    if not excused:
        return list(runs)
    cuts = sorted(excused)
    result: list[Run] = []
    for run in runs:
        position = run.start
        for a, b in cuts:
            if b <= position or a >= run.end:
                continue
            if a > position:
                result.append(Run(position, a, run.state, run.queue_max))
            result.append(Run(max(a, position), min(b, run.end), EXCUSED, -1))
            position = min(b, run.end)
            if position >= run.end:
                break
        if position < run.end:
            result.append(Run(position, run.end, run.state, run.queue_max))
    return _merged(result)


def empty_session(runs: Sequence[Run], settings: RuleSettings) -> bool:
    """Was the desk (or the official) absent the whole session: some absence, no presence, no excused time, at most
    ``unknown_tolerance`` unknown?"""
    return (any(r.state == ABSENT for r in runs) and not any(r.state in (PRESENT, EXCUSED) for r in runs)
            and sum(r.length for r in runs if r.state == UNKNOWN) <= settings.us("unknown_tolerance_minutes"))


@dataclass(frozen=True)
class UnitAbsenceRule:
    """A unit-wide absence: at least ``share`` of a unit's observed desks empty for a whole session, with at least
    ``min_desks`` observed. It reads as an unrecorded holiday or a power cut, not as personal absences."""

    share: float = 0.75
    min_desks: int = 2

    def holds(self, empty: int, observed: int) -> bool:
        return observed >= self.min_desks and empty >= self.share * observed


def session_findings(runs: Sequence[Run], settings: RuleSettings) -> list[Draft]:
    """Personal findings of one official's session (runs already excused where the official was excused)."""
    if not runs:
        return []
    absent = sum(r.length for r in runs if r.state == ABSENT)
    if not absent:
        return []
    if empty_session(runs, settings):
        first, last = runs[0].start, runs[-1].end
        return [Draft(ABSENT_SESSION, first, last, absent / US_PER_MINUTE, _queue(runs),
                      {"session_minutes": (last - first) / US_PER_MINUTE})]
    tolerance = settings.us("unknown_tolerance_minutes")

    def transparent(run: Run) -> bool:
        return run.state == EXCUSED or (run.state == UNKNOWN and run.length <= tolerance)

    found = []
    for i, run in enumerate(runs):
        if run.state != ABSENT:
            continue
        at_start = all(transparent(r) for r in runs[:i])
        at_end = all(transparent(r) for r in runs[i + 1:])
        seen_before = any(r.state == PRESENT for r in runs[:i])
        queue = run.queue_max if run.queue_max >= 0 else None
        minutes = run.length / US_PER_MINUTE
        if at_start and not at_end:
            if run.length > settings.us("late_grace_minutes"):
                found.append(Draft(LATE_ARRIVAL, run.start, run.end, minutes, queue))
        elif at_end and seen_before:
            if run.length > settings.us("early_leave_grace_minutes"):
                found.append(Draft(EARLY_LEAVE, run.start, run.end, minutes, queue))
        elif run.length > settings.us("unattended_minutes"):
            waited = queue is not None and queue >= settings.queue_min
            found.append(Draft(UNATTENDED_QUEUE if waited else UNATTENDED, run.start, run.end, minutes, queue))
    return found


def camera_gaps(runs: Sequence[Run], settings: RuleSettings) -> Draft | None:
    """The desk-day's unknown stretches of at least ``camera_gap_minutes`` as one unit-level finding, if any."""
    gaps = [r for r in runs if r.state == UNKNOWN and r.length >= settings.us("camera_gap_minutes")]
    if not gaps:
        return None
    total = sum(r.length for r in gaps)
    return Draft(CAMERA_GAP, gaps[0].start, gaps[-1].end, total / US_PER_MINUTE, None,
                 {"gaps": [[r.start, r.end] for r in gaps]})


def _merged(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for run in runs:
        if run.length <= 0:
            continue
        if out and out[-1].state == run.state and out[-1].end == run.start:
            last = out[-1]
            out[-1] = Run(last.start, run.end, run.state, max(last.queue_max, run.queue_max))
        else:
            out.append(run)
    return out


def _queue(runs: Sequence[Run]) -> int | None:
    best = max((r.queue_max for r in runs if r.state == ABSENT), default=-1)
    return best if best >= 0 else None
