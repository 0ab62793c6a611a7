"""Presence of staff at a desk: a pure k-of-n hysteresis state machine with an honest ``unknown``.

Each sample is one vote: *present* (enough people in the staff zone), *absent* (nobody there, camera
healthy) or *unknown* (camera not ``ok``). Over the last ``window`` votes the desk becomes

- ``unknown`` when at least ``k_unknown`` votes are unknown (a faulty camera is never absence);
- ``absent`` when at least ``k_absent`` votes are absent;
- ``present`` when at least ``k_present`` votes are present;

checked in that order, otherwise the state stays as it is (hysteresis). Absence needs more evidence
than presence on purpose: a person briefly hidden by a citizen must not be recorded as away.
A gap longer than ``max_gap_s`` between samples (sampler stopped, lunch break) forgets the window
and makes the desk ``unknown``.
Time comes in as an argument; there is no clock in here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class PresenceState(StrEnum):
    """The desk's state; values match the database."""

    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"



@dataclass(frozen=True)
class PresencePolicy:
    """k-of-n thresholds. Defaults at a 30 s cadence: present after 2 of the last 5 samples (≥ 30 s),
    absent after 4 of 5 (≥ 1.5 min), unknown after 3 of 5 faulty samples."""

    window: int = 5
    k_present: int = 2
    k_absent: int = 4
    k_unknown: int = 3
    min_staff: int = 1
    max_gap_s: float = 600.0

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"presence window must be ≥ 1, got {self.window}")
        for name in ("k_present", "k_absent", "k_unknown"):
            k = getattr(self, name)
            if not 1 <= k <= self.window:
                raise ValueError(f"presence {name} must be within 1..window ({self.window}), got {k}")
        if self.k_present + self.k_absent <= self.window:
            # Otherwise one window could hold enough votes for both states at once.
            raise ValueError(
                f"presence k_present + k_absent must exceed window ({self.window}), "
                f"got {self.k_present} + {self.k_absent}"
            )
        if self.min_staff < 1:
            raise ValueError(f"presence min_staff must be ≥ 1, got {self.min_staff}")


@dataclass(frozen=True)
class Transition:
    """The desk changed state at ``at`` (the time of the sample that decided it)."""

    at: datetime | float
    previous: PresenceState
    current: PresenceState


def vote(staff_count: int | None, healthy: bool, min_staff: int = 1) -> PresenceState:
    """One sample's vote: unknown unless the camera is healthy and the count exists."""
    if not healthy or staff_count is None:
        return PresenceState.UNKNOWN
    return PresenceState.PRESENT if staff_count >= min_staff else PresenceState.ABSENT


@dataclass(frozen=True)
class CameraView:
    """What one camera saw of one desk in its latest sample: healthy or not, and its counts (``None``: that
    camera has no zone of that kind for the desk, or was not healthy)."""

    healthy: bool
    staff_count: int | None = None
    queue_count: int | None = None


def combine_views(views: Iterable[CameraView]) -> CameraView:
    """A desk seen by several cameras, as one view: healthy when any camera was; staff and queue the largest
    count of a healthy camera (a person seen by two cameras counts once; ``None`` when none counted).

    So the desk is staffed if any healthy camera sees an official in its staff zone, and unknown only when
    none of its cameras was healthy.
    """
    healthy = [v for v in views if v.healthy]
    staff = [v.staff_count for v in healthy if v.staff_count is not None]
    queue = [v.queue_count for v in healthy if v.queue_count is not None]
    return CameraView(bool(healthy), max(staff) if staff else None, max(queue) if queue else None)


class PresenceTracker:
    """k-of-n hysteresis over a desk's samples; starts ``unknown`` (no evidence yet)."""

    def __init__(self, policy: PresencePolicy | None = None) -> None:
        self.policy = policy or PresencePolicy()
        self.state = PresenceState.UNKNOWN
        self._votes: deque[PresenceState] = deque(maxlen=self.policy.window)
        self._last_at: datetime | float | None = None

    def update(self, at: datetime | float, staff_count: int | None, healthy: bool) -> list[Transition]:
        """Feed one sample taken at ``at``; return the transitions it caused (usually none).

        After a gap longer than ``max_gap_s`` the old evidence is dropped and the desk is
        ``unknown`` from ``max_gap_s`` after the previous sample: nobody looked in between.
        """
        transitions: list[Transition] = []
        if self._last_at is not None:
            gap = _seconds_between(self._last_at, at)
            if gap < 0:
                raise ValueError(f"samples out of order: {at} is before {self._last_at}")
            if gap > self.policy.max_gap_s:
                self._votes.clear()
                if self.state is not PresenceState.UNKNOWN:
                    lapsed = _plus_seconds(self._last_at, self.policy.max_gap_s)
                    transitions.append(Transition(lapsed, self.state, PresenceState.UNKNOWN))
                    self.state = PresenceState.UNKNOWN
        self._last_at = at
        self._votes.append(vote(staff_count, healthy, self.policy.min_staff))
        new = self._decide()
        if new is not self.state:
            transitions.append(Transition(at, self.state, new))
            self.state = new
        return transitions

    def restore(
        self,
        samples: Iterable[tuple[datetime | float, int | None, bool]],
        state: PresenceState,
    ) -> None:
        """Resume from stored evidence, e.g. after a restart: ``samples`` are ``(at, staff_count, healthy)``
        oldest first, and ``state`` is the state they left the desk in.

        Only the votes after the last gap longer than ``max_gap_s`` count (``update`` would have dropped
        the older ones), at most ``window`` of them. A gap between the last sample and the next
        ``update`` is handled by ``update`` as usual. No samples: a fresh tracker in ``state``.
        """
        votes: list[PresenceState] = []
        last_at: datetime | float | None = None
        for at, staff_count, healthy in samples:
            if last_at is not None:
                gap = _seconds_between(last_at, at)
                if gap < 0:
                    raise ValueError(f"samples out of order: {at} is before {last_at}")
                if gap > self.policy.max_gap_s:
                    votes.clear()
            votes.append(vote(staff_count, healthy, self.policy.min_staff))
            last_at = at
        self._votes = deque(votes[-self.policy.window:], maxlen=self.policy.window)
        self._last_at = last_at
        self.state = PresenceState(state)

    def _decide(self) -> PresenceState:
        p = self.policy
        counts = dict.fromkeys(PresenceState, 0)
        for v in self._votes:
            counts[v] += 1
        if counts[PresenceState.UNKNOWN] >= p.k_unknown:
            return PresenceState.UNKNOWN
        if counts[PresenceState.ABSENT] >= p.k_absent:
            return PresenceState.ABSENT
        if counts[PresenceState.PRESENT] >= p.k_present:
            return PresenceState.PRESENT
        return self.state


def _plus_seconds(at: datetime | float, seconds: float) -> datetime | float:
    if isinstance(at, datetime):
        return at + timedelta(seconds=seconds)
    return float(at) + seconds


def _seconds_between(earlier: datetime | float, later: datetime | float) -> float:
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        return (later - earlier).total_seconds()
    if isinstance(earlier, (int, float)) and isinstance(later, (int, float)):
        return float(later) - float(earlier)
    raise TypeError(f"sample times must all be datetimes or all be seconds, got {earlier!r} and {later!r}")
