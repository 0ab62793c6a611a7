"""The audit of many desk-sessions at once: runs, then the rules per official, then day facts. Pure.

The database side (audit/services/audit_run.py) and the benchmark (bench/audit_scale.py) both feed this module
plain arrays, so what is measured is what runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from audit.rules.findings import (
    CAMERA_GAP,
    EXCUSED,
    UNIT_ABSENCE,
    Draft,
    RuleSettings,
    Run,
    UnitAbsenceRule,
    camera_gaps,
    empty_session,
    excuse,
    session_findings,
)
from audit.rules.timeline import (
    ABSENT,
    PRESENT,
    STATE_NAMES,
    UNKNOWN,
    US_PER_MINUTE,
    Observations,
    Runs,
    Sessions,
    runs,
)


@dataclass(frozen=True)
class SessionPlan:
    """Scheduled sessions with their context: per row the desk index, local day, session number, officials expected."""

    sessions: Sessions
    day: Sequence[date]
    number: Sequence[int]  # 0 = first session of the day (morning), 1 = the next …
    staff: Sequence[tuple[int, ...]]  # official ids expected at the desk in that session (may be empty)


@dataclass(frozen=True)
class Proposal:
    """A rule hit placed in context: which desk (index), official (None: unit-level), day and session."""

    desk: int
    staff: int | None
    day: date
    session_number: int | None
    draft: Draft


@dataclass
class AuditResult:
    proposals: list[Proposal]
    runs: Runs
    official_minutes: dict[tuple[int, int, date], dict[str, float]] = field(default_factory=dict)  # (staff, desk, day)


def audit(observations: Observations, plan: SessionPlan, *, settings: Sequence[RuleSettings],
          excused: Mapping[int, Sequence[tuple[int, int]]], max_gap_us: int, long_queue_length: int = 8,
          cameras: Sequence[bool] | None = None, units: Sequence[int] | None = None,
          unit_absence: UnitAbsenceRule | None = None) -> AuditResult:
    """Every finding of the planned sessions.

    Args:
        observations: All samples of the desks, sorted by desk then time.
        plan: The sessions to judge.
        settings: Rule settings per desk index.
        excused: Per official id, excused intervals (µs).
        max_gap_us: How long one sample stands for at most.
        cameras: Per desk index, whether the desk has a camera (no camera: no coverage-gap finding).
        units: Per desk index, its unit (any key); with ``unit_absence``, a session most of a unit's desks spent
            empty makes one unit notice instead of personal findings.
    """
    cut = runs(observations, plan.sessions, max_gap_us=max_gap_us, long_queue_length=long_queue_length)
    bounds = cut.bounds() if len(cut) else np.zeros(1, dtype=np.int64)
    with_absence = np.zeros(len(plan.sessions), dtype=bool)
    if len(cut):
        with_absence[np.unique(cut.session[cut.state == ABSENT])] = True
    sums = _state_minutes(cut, len(plan.sessions))
    columns = (cut.start.tolist(), cut.end.tolist(), cut.state.tolist(), cut.queue_max.tolist())
    proposals: list[Proposal] = []
    minutes: dict[tuple[int, int, date], dict[str, float]] = {}
    for i in range(len(plan.sessions)):
        staff = plan.staff[i]
        desk = int(plan.sessions.desk[i])
        session_runs = None
        for official in staff:
            totals = minutes.setdefault((official, desk, plan.day[i]), _zero())
            leave = excused.get(official)
            if leave and _overlaps(leave, int(plan.sessions.start[i]), int(plan.sessions.end[i])):
                if session_runs is None:
                    session_runs = _session_runs(columns, bounds, i)
                mine = excuse(session_runs, _overlapping(leave, session_runs))
                _count(totals, mine)
            else:
                mine = None
                for name, value in zip(_STATES, sums[i]):
                    totals[name] += value
                totals["scheduled"] += float(sums[i].sum())
            if with_absence[i]:
                if mine is None:
                    if session_runs is None:
                        session_runs = _session_runs(columns, bounds, i)
                    mine = session_runs
                for draft in session_findings(mine, settings[desk]):
                    proposals.append(Proposal(desk, official, plan.day[i], plan.number[i], draft))
        if not staff and with_absence[i]:
            for draft in session_findings(_session_runs(columns, bounds, i), settings[desk]):
                proposals.append(Proposal(desk, None, plan.day[i], plan.number[i], draft))
    if units is not None and unit_absence is not None:
        proposals = _unit_absences(proposals, plan, columns, bounds, with_absence, sums, settings, units,
                                   unit_absence)
    proposals += _gap_proposals(cut, plan, settings, cameras)
    return AuditResult(proposals, cut, minutes)


def _unit_absences(proposals: list[Proposal], plan: SessionPlan, columns: Sequence[np.ndarray], bounds: np.ndarray,
                   with_absence: np.ndarray, sums: np.ndarray, settings: Sequence[RuleSettings],
                   units: Sequence[int], rule: UnitAbsenceRule) -> list[Proposal]:
    """Per unit, day and session number: when ``rule`` holds, its proposals give way to one unit notice."""
    groups: dict[tuple[int, date, int], tuple[list[int], list[int]]] = {}  # → (observed, empty) session rows
    for i in range(len(plan.sessions)):
        if sums[i][0] + sums[i][1] <= 0:  # nothing known: a dead camera is no evidence of an empty room
            continue
        desk = int(plan.sessions.desk[i])
        observed, empty = groups.setdefault((units[desk], plan.day[i], plan.number[i]), ([], []))
        observed.append(i)
        if with_absence[i] and empty_session(_session_runs(columns, bounds, i), settings[desk]):
            empty.append(i)
    notices: list[Proposal] = []
    silenced: set[tuple[int, date, int | None]] = set()
    for (_, day, number), (observed, empty) in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        if not rule.holds(len(empty), len(observed)):
            continue
        desks = sorted({int(plan.sessions.desk[i]) for i in observed})
        silenced.update((desk, day, number) for desk in desks)
        start = min(int(plan.sessions.start[i]) for i in observed)
        end = max(int(plan.sessions.end[i]) for i in observed)
        draft = Draft(UNIT_ABSENCE, start, end, (end - start) / US_PER_MINUTE, None, {
            "empty_desks": sorted(int(plan.sessions.desk[i]) for i in empty), "observed_desks": len(observed),
            "share": round(len(empty) / len(observed), 3), "rule": {"share": rule.share,
                                                                  "min_desks": rule.min_desks}})
        notices.append(Proposal(desks[0], None, day, number, draft))
    kept = [p for p in proposals if (p.desk, p.day, p.session_number) not in silenced]
    return kept + notices


def desk_day_table(result: AuditResult, plan: SessionPlan) -> pd.DataFrame:
    """One row per desk index and day: scheduled, present, absent, unknown minutes, first and last seen (µs), queue."""
    cut = result.runs
    if not len(cut):
        return pd.DataFrame(columns=["desk", "day", "scheduled", "present", "absent", "unknown", "first_seen",
                                     "last_seen", "longest_absence", "queue_max", "queue_area", "queue_long"])
    length = (cut.end - cut.start) / US_PER_MINUTE
    frame = pd.DataFrame({
        "desk": plan.sessions.desk[cut.session],
        "day": np.asarray(plan.day, dtype=object)[cut.session],
        "present": np.where(cut.state == PRESENT, length, 0.0),
        "absent": np.where(cut.state == ABSENT, length, 0.0),
        "unknown": np.where(cut.state == UNKNOWN, length, 0.0),
        "seen_from": np.where(cut.state == PRESENT, cut.start, np.iinfo(np.int64).max),
        "seen_to": np.where(cut.state == PRESENT, cut.end, np.iinfo(np.int64).min),
        "queue_max": np.where(cut.state == UNKNOWN, -1, cut.queue_max),
        "queue_area": cut.queue_area,
        "queue_long": cut.queue_long / US_PER_MINUTE,
    })
    grouped = frame.groupby(["desk", "day"], sort=True)
    table = grouped.agg(present=("present", "sum"), absent=("absent", "sum"), unknown=("unknown", "sum"),
                        first_seen=("seen_from", "min"), last_seen=("seen_to", "max"),
                        longest_absence=("absent", "max"), queue_max=("queue_max", "max"),
                        queue_area=("queue_area", "sum"), queue_long=("queue_long", "sum")).reset_index()
    table["scheduled"] = table["present"] + table["absent"] + table["unknown"]
    table.loc[table["first_seen"] == np.iinfo(np.int64).max, ["first_seen", "last_seen"]] = None
    table.loc[table["queue_max"] < 0, "queue_max"] = None
    return table


_STATES = tuple(STATE_NAMES[code] for code in (PRESENT, ABSENT, UNKNOWN))


def _state_minutes(cut: Runs, n_sessions: int) -> np.ndarray:
    """Per session, present / absent / unknown minutes (one row each)."""
    length = (cut.end - cut.start) / US_PER_MINUTE
    return np.stack([np.bincount(cut.session, weights=np.where(cut.state == code, length, 0.0), minlength=n_sessions)
                     for code in (PRESENT, ABSENT, UNKNOWN)], axis=1) if len(cut) else np.zeros((n_sessions, 3))


def _session_runs(columns: Sequence[np.ndarray], bounds: np.ndarray, i: int) -> list[Run]:
    return [Run(*values) for values in zip(*(c[bounds[i]:bounds[i + 1]] for c in columns))]


def _overlaps(intervals: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and b > start for a, b in intervals)


def _overlapping(intervals: Sequence[tuple[int, int]], session_runs: list[Run]) -> list[tuple[int, int]]:
    if not intervals or not session_runs:
        return []
    lo, hi = session_runs[0].start, session_runs[-1].end
    return [(a, b) for a, b in intervals if a < hi and b > lo]


def _zero() -> dict[str, float]:
    return {"scheduled": 0.0, "present": 0.0, "absent": 0.0, "unknown": 0.0, "excused": 0.0}


def _count(totals: dict[str, float], session_runs: list[Run]) -> None:
    names = {**STATE_NAMES, EXCUSED: "excused"}
    for run in session_runs:
        minutes = run.length / US_PER_MINUTE
        totals["scheduled"] += minutes
        totals[names[run.state]] += minutes


def _gap_proposals(cut: Runs, plan: SessionPlan, settings: Sequence[RuleSettings],
                   cameras: Sequence[bool] | None) -> list[Proposal]:
    """One camera-gap proposal per desk-day with long unknown stretches (unit-level)."""
    if not len(cut):
        return []
    unknown = np.flatnonzero(cut.state == UNKNOWN)
    by_day: dict[tuple[int, date], list[tuple[int, Run]]] = {}
    for j in unknown.tolist():
        i = int(cut.session[j])
        desk = int(plan.sessions.desk[i])
        if cameras is not None and not cameras[desk]:
            continue
        by_day.setdefault((desk, plan.day[i]), []).append(
            (i, Run(int(cut.start[j]), int(cut.end[j]), UNKNOWN)))
    found = []
    for (desk, day), items in sorted(by_day.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        draft = camera_gaps([run for _, run in items], settings[desk])
        if draft is not None:
            found.append(Proposal(desk, None, day, None, draft))
    return found


__all__ = ["CAMERA_GAP", "AuditResult", "Proposal", "SessionPlan", "audit", "desk_day_table"]
