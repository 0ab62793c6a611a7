"""PresenceTracker.restore: a desk's k-of-n evidence survives a restart (rebuilt from stored samples)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from vision.presence import PresencePolicy, PresenceState, PresenceTracker

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

P, A, U = PresenceState.PRESENT, PresenceState.ABSENT, PresenceState.UNKNOWN
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _samples(rows):
    """``(seconds, staff_count, healthy)`` → ``(datetime, staff_count, healthy)``."""
    return [(T0 + timedelta(seconds=s), staff, healthy) for s, staff, healthy in rows]


@pytest.mark.parametrize("stored, state, next_sample, expected_state, expected_transitions", [
    pytest.param([], U, (0, 1, True), U, [], id="nothing-stored-one-vote-is-not-enough"),
    pytest.param([(0, 1, True)], U, (30, 1, True), P, [(30, U, P)], id="one-stored-vote-completes-k-present"),
    pytest.param([(0, 1, True), (30, 1, True)], P, (60, 0, True), P, [], id="present-survives-one-empty-sample"),
    pytest.param([(0, 0, True), (30, 0, True), (60, 0, True)], P, (90, 0, True), A, [(90, P, A)],
                 id="fourth-absent-vote-across-restart"),
    pytest.param([(0, None, False), (30, None, False)], P, (60, None, False), U, [(60, P, U)],
                 id="unhealthy-votes-restored-as-unknown"),
    pytest.param([(0, None, True), (30, None, True)], U, (60, None, True), U, [],
                 id="healthy-without-staff-zone-votes-unknown"),
    pytest.param([(0, 1, True), (1000, 0, True)], U, (1030, 1, True), U, [],
                 id="votes-before-a-long-gap-are-forgotten"),
    pytest.param([(0, 1, True), (30, 1, True)], P, (30 + 601, 1, True), U, [(30 + 600, P, U)],
                 id="gap-after-last-stored-sample-lapses-to-unknown"),
    pytest.param([(s, 0, True) for s in range(0, 300, 30)] + [(300, 1, True)], A, (330, 1, True), P,
                 [(330, A, P)], id="only-the-last-window-votes-count"),
])
def test_restore_then_update(stored, state, next_sample, expected_state, expected_transitions):
    tracker = PresenceTracker(PresencePolicy())
    tracker.restore(_samples(stored), state)
    at, staff, healthy = _samples([next_sample])[0]
    transitions = tracker.update(at, staff, healthy)
    assert tracker.state is expected_state
    assert [(t.at, t.previous, t.current) for t in transitions] == [
        (T0 + timedelta(seconds=s), prev, cur) for s, prev, cur in expected_transitions
    ]


def test_restore_matches_an_uninterrupted_tracker():
    rows = [(0, 1, True), (30, 0, True), (60, None, False), (90, 1, True), (120, 0, True), (150, 0, True)]
    live = PresenceTracker()
    for at, staff, healthy in _samples(rows[:4]):
        live.update(at, staff, healthy)
    resumed = PresenceTracker()
    resumed.restore(_samples(rows[:4]), live.state)
    for at, staff, healthy in _samples(rows[4:]):
        assert live.update(at, staff, healthy) == resumed.update(at, staff, healthy)
        assert live.state is resumed.state


@pytest.mark.parametrize("stored", [
    pytest.param([(30, 1, True), (0, 1, True)], id="out-of-order"),
])
def test_restore_refuses_out_of_order_samples(stored):
    with pytest.raises(ValueError, match="out of order"):
        PresenceTracker().restore(_samples(stored), U)


def test_restore_accepts_database_state_strings_and_seconds():
    tracker = PresenceTracker()
    tracker.restore([(0.0, 1, True), (30.0, 1, True)], "present")
    assert tracker.state is P
    assert tracker.update(40.0, 1, True) == []
