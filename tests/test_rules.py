"""Finding rules at their boundaries, on sampled timelines (pure: no database)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from audit.rules.engine import SessionPlan, audit
from audit.rules.findings import EXCUSED, RuleSettings, Run, excuse, session_findings
from audit.rules.timeline import ABSENT, PRESENT, UNKNOWN, US_PER_MINUTE, Observations, Sessions, runs

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

M = US_PER_MINUTE
DAY = date(2026, 3, 2)
MORNING = (7 * 60 + 30, 11 * 60 + 30)  # minutes of the day
AFTERNOON = (13 * 60, 17 * 60)
OFFICIAL = 41
DEFAULT_SETTINGS = RuleSettings()  # frozen, so one shared default is safe


def day(script, *, every_s=30, offset_s=0, sessions=(MORNING, AFTERNOON), excused=(), settings=DEFAULT_SETTINGS,
        staff=(OFFICIAL,)):
    """Run the rules over one desk-day: ``script`` lists (from minute, to minute, state, queue) overriding 'present'.

    Samples are taken every ``every_s`` inside the sessions only (like the sampler), ``offset_s`` after each slot.
    """
    times = []
    for a, b in sessions:
        times.append(np.arange(a * M + offset_s * 1_000_000, b * M, every_s * 1_000_000, dtype=np.int64))
    at = np.concatenate(times)
    minute = at / M
    state = np.full(len(at), PRESENT, dtype=np.int8)
    queue = np.zeros(len(at))
    for a, b, what, waiting in script:
        inside = (minute >= a) & (minute < b)
        state[inside] = what
        queue[inside] = waiting
    queue[state == UNKNOWN] = np.nan
    observations = Observations(np.zeros(len(at), dtype=np.int64), at, state, queue)
    plan = SessionPlan(Sessions(np.zeros(len(sessions), dtype=np.int64), np.array([a * M for a, _ in sessions]),
                                np.array([b * M for _, b in sessions])),
                       day=[DAY] * len(sessions), number=list(range(len(sessions))), staff=[staff] * len(sessions))
    result = audit(observations, plan, settings=[settings], excused={OFFICIAL: [(a * M, b * M) for a, b in excused]},
                   max_gap_us=2 * M, cameras=[True])
    return [(p.draft.kind, round(p.draft.minutes, 2), p.session_number, p.staff) for p in result.proposals]


def at(hh, mm):
    return hh * 60 + mm


def test_a_good_day_has_no_finding():
    assert day([]) == []


@pytest.mark.parametrize("absent_minutes, expected", [
    (15, []),  # exactly N: "quá 15 phút" means more than 15
    (15.5, [("unattended", 15.5, 0, OFFICIAL)]),
    (40, [("unattended", 40, 0, OFFICIAL)]),
])
def test_unattended_at_exactly_n_minutes(absent_minutes, expected):
    start = at(9, 0)
    assert day([(start, start + absent_minutes, ABSENT, 0)]) == expected


def test_unattended_threshold_is_the_units():
    script = [(at(9, 0), at(9, 18), ABSENT, 0)]
    assert day(script, settings=RuleSettings(unattended_minutes=20)) == []
    assert day(script, settings=RuleSettings(unattended_minutes=15)) == [("unattended", 18, 0, OFFICIAL)]


def test_unattended_while_citizens_wait():
    script = [(at(9, 0), at(9, 10), ABSENT, 0), (at(9, 10), at(9, 25), ABSENT, 3)]
    assert day(script) == [("unattended_queue", 25, 0, OFFICIAL)]
    assert day(script, settings=RuleSettings(queue_min=4)) == [("unattended", 25, 0, OFFICIAL)]


@pytest.mark.parametrize("late, expected", [
    (5, []),  # within the grace
    (5.5, [("late_arrival", 5.5, 0, OFFICIAL)]),
    (40, [("late_arrival", 40, 0, OFFICIAL)]),  # late, not "unattended", even when long
])
def test_late_arrival_boundaries(late, expected):
    assert day([(MORNING[0], MORNING[0] + late, ABSENT, 0)]) == expected


def test_the_samplers_offset_does_not_hide_a_late_arrival():
    """The first sample of a session comes up to a cadence late; that unknown moment is not counted, nor does it
    excuse."""
    assert day([(MORNING[0], at(7, 45), ABSENT, 0)], offset_s=25) == [("late_arrival", 15.0, 0, OFFICIAL)]


def test_early_leave_and_the_afternoon_late_arrival():
    script = [(at(11, 10), MORNING[1], ABSENT, 0), (AFTERNOON[0], at(13, 4), ABSENT, 0)]
    assert day(script) == [("early_leave", 20, 0, OFFICIAL)]  # 4 minutes late after lunch is within the grace


def test_a_span_crossing_lunch_is_judged_in_each_session():
    """11:20 → 13:12: leaving before lunch and coming back late, not one 112-minute "unattended"."""
    script = [(at(11, 20), MORNING[1], ABSENT, 2), (AFTERNOON[0], at(13, 12), ABSENT, 0)]
    assert day(script) == [("early_leave", 10, 0, OFFICIAL), ("late_arrival", 12, 1, OFFICIAL)]


def test_absent_a_whole_session():
    assert day([(*AFTERNOON, ABSENT, 1)]) == [("absent_session", 240, 1, OFFICIAL)]


def test_a_camera_outage_makes_no_personal_finding():
    """The camera dies at 9:00 for two hours: nothing personal, one unit-level coverage gap."""
    script = [(at(9, 0), at(11, 0), UNKNOWN, 0)]
    assert day(script) == [("camera_gap", 120, None, None)]


def test_an_outage_over_a_whole_session_is_not_an_absence():
    assert day([(*AFTERNOON, UNKNOWN, 0)]) == [("camera_gap", 240, None, None)]


def test_absence_around_an_outage_counts_only_what_was_seen():
    """Absent 9:00–9:10, camera down 9:10–10:00, absent 10:00–10:20: two short absences, none over 15 minutes."""
    script = [(at(9, 0), at(9, 10), ABSENT, 0), (at(9, 10), at(10, 0), UNKNOWN, 0), (at(10, 0), at(10, 12), ABSENT, 0)]
    assert day(script) == [("camera_gap", 50, None, None)]


def test_an_outage_at_the_start_hides_the_arrival():
    """Camera down 7:30–8:00, then absent until 8:30: at least 30 minutes unattended, but no lateness is claimed."""
    script = [(MORNING[0], at(8, 0), UNKNOWN, 0), (at(8, 0), at(8, 30), ABSENT, 0)]
    assert day(script) == [("unattended", 30, 0, OFFICIAL), ("camera_gap", 30, None, None)]


def test_leave_covering_part_of_a_session():
    """On leave until 9:30, then arrives at 9:50: 20 minutes late after the leave, nothing before it."""
    script = [(MORNING[0], at(9, 50), ABSENT, 0)]
    assert day(script, excused=[(MORNING[0], at(9, 30))]) == [("late_arrival", 20, 0, OFFICIAL)]
    assert day(script, excused=[(MORNING[0], at(9, 48))]) == []


def test_leave_for_the_whole_session_makes_no_finding():
    assert day([(*MORNING, ABSENT, 0)], excused=[(at(7, 0), at(12, 0))]) == []


def test_leave_ending_mid_session_without_coming_back():
    """Leave until 10:00, never seen afterwards: the 90 observed minutes are unattended, not a whole-session absence."""
    assert day([(*MORNING, ABSENT, 0)], excused=[(MORNING[0], at(10, 0))]) == [("unattended", 90, 0, OFFICIAL)]


def test_a_desk_nobody_is_expected_at_gets_a_unit_finding():
    assert day([(at(9, 0), at(9, 30), ABSENT, 0)], staff=()) == [("unattended", 30, 0, None)]


def test_two_officials_one_on_leave():
    script = [(at(9, 0), at(9, 30), ABSENT, 0)]
    found = day(script, staff=(OFFICIAL, 42), excused=[(at(8, 0), at(12, 0))])
    assert found == [("unattended", 30, 0, 42)]


def test_hourly_samples_do_not_invent_absences():
    """A sampler that stops for 10 minutes between samples: the gap beyond two minutes is unknown, not absent."""
    assert day([], every_s=600) == []


def test_excuse_splits_runs():
    runs_ = [Run(0, 60, ABSENT), Run(60, 100, PRESENT)]
    assert excuse(runs_, [(30, 70)]) == [Run(0, 30, ABSENT), Run(30, 70, EXCUSED), Run(70, 100, PRESENT)]


def test_runs_cover_every_session_exactly():
    at_ = np.array([0, 30, 60, 500], dtype=np.int64) * M
    observations = Observations(np.zeros(4, dtype=np.int64), at_, np.array([1, 2, 1, 1], dtype=np.int8),
                                np.array([0.0, 1.0, 0.0, 0.0]))
    sessions = Sessions(np.zeros(2, dtype=np.int64), np.array([0, 400]) * M, np.array([120, 600]) * M)
    cut = runs(observations, sessions, max_gap_us=40 * M)
    got = [(int(s), int(a / M), int(b / M), int(st)) for s, a, b, st in zip(cut.session, cut.start, cut.end, cut.state)]
    assert got == [(0, 0, 30, PRESENT), (0, 30, 60, ABSENT), (0, 60, 100, PRESENT), (0, 100, 120, UNKNOWN),
                   (1, 400, 500, UNKNOWN), (1, 500, 540, PRESENT), (1, 540, 600, UNKNOWN)]


def test_session_findings_with_no_absence():
    assert session_findings([Run(0, 10 * M, PRESENT)], RuleSettings()) == []
