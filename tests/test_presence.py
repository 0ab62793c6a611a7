"""Presence hysteresis, table-driven. A sample is written P (staff seen), A (nobody), U (camera fault)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from vision.presence import PresencePolicy, PresenceState, PresenceTracker

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

P, A, U = "P", "A", "U"
S = {"present": PresenceState.PRESENT, "absent": PresenceState.ABSENT, "unknown": PresenceState.UNKNOWN}


def run(samples: str, policy: PresencePolicy | None = None, every: float = 30.0):
    """Feed samples every ``every`` seconds; return the state after each and the transitions."""
    tracker = PresenceTracker(policy)
    states, transitions = [], []
    for i, s in enumerate(samples):
        staff = {P: 1, A: 0, U: None}[s]
        transitions += tracker.update(i * every, staff, healthy=s != U)
        states.append(tracker.state.value[0].upper())
    return "".join(states), [(t.at, t.previous.value, t.current.value) for t in transitions]


@pytest.mark.parametrize(
    "samples, states",
    [
        # Starts unknown; two sightings make the desk present.
        ("PP", "UP"),
        # Absence needs 4 of the last 5 samples.
        ("PPAAA", "UPPPP"),
        ("PPAAAA", "UPPPPA"),
        # Flapping (someone hidden behind a citizen half the time) never reads as absence.
        ("PAPAPAPAPA", "UUPPPPPPPP"),
        # Away two samples in three: the fourth absence in five samples counts, the next two sightings undo it.
        ("PPAPAAPAAP", "UPPPPPPPAP"),
        # Back at the desk: two sightings restore presence.
        ("PPAAAAPP", "UPPPPAAP"),
        # A camera fault window: 3 unknowns of 5 make the desk unknown, never absent.
        ("PPUUU", "UPPPU"),
        ("AAAAUUU", "UUUAAAU"),
        # Two faulty samples inside a presence stretch change nothing.
        ("PPUPUPP", "UPPPPPP"),
        # After the fault clears, evidence has to build up again.
        ("PPUUUAAAA", "UPPPUUUUA"),
        ("UUUPP", "UUUUU"),
        ("UUUPPP", "UUUUUP"),
    ],
)
def test_hysteresis_table(samples, states):
    assert run(samples)[0] == states


def test_transitions_carry_the_time_of_the_deciding_sample():
    _, transitions = run("PPAAAAPP")
    assert transitions == [(30.0, "unknown", "present"), (150.0, "present", "absent"), (210.0, "absent", "present")]


def test_datetimes_work_and_a_long_gap_makes_the_desk_unknown():
    start = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
    tracker = PresenceTracker(PresencePolicy(max_gap_s=600))
    for i in range(3):
        tracker.update(start + timedelta(seconds=30 * i), 1, healthy=True)
    assert tracker.state is PresenceState.PRESENT
    # Lunch: next sample 90 minutes later. Nobody looked in between.
    after_lunch = start + timedelta(minutes=91)
    transitions = tracker.update(after_lunch, 0, healthy=True)
    assert [(t.at, t.current) for t in transitions] == [
        (start + timedelta(seconds=60) + timedelta(seconds=600), PresenceState.UNKNOWN)
    ]
    assert tracker.state is PresenceState.UNKNOWN


def test_out_of_order_samples_are_refused():
    tracker = PresenceTracker()
    tracker.update(100.0, 1, healthy=True)
    with pytest.raises(ValueError, match="out of order"):
        tracker.update(50.0, 1, healthy=True)


def test_min_staff():
    tracker = PresenceTracker(PresencePolicy(min_staff=2))
    for i in range(4):
        tracker.update(float(i), 1, healthy=True)  # one person is not enough at a two-officer desk
    assert tracker.state is PresenceState.ABSENT
    tracker.update(4.0, 2, healthy=True)
    tracker.update(5.0, 2, healthy=True)
    assert tracker.state is PresenceState.PRESENT


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"window": 0}, "window must be ≥ 1"),
        ({"k_absent": 6}, "k_absent must be within 1..window"),
        ({"k_present": 1, "k_absent": 3}, "must exceed window"),
        ({"min_staff": 0}, "min_staff"),
    ],
)
def test_bad_policy(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PresencePolicy(**kwargs)


def test_states_match_the_database_vocabulary():
    from models.enums import PresenceState as Stored

    assert {s.value for s in PresenceState} == {s.value for s in Stored}
