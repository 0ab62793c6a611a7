"""Daily facts of one desk from its observations and its scheduled intervals. Pure: no database, no clock.

Computed from the runs of audit/rules/timeline.py, like the findings, so a page and a finding never
disagree about what was seen.

Each observation stands for the time from when it was taken until the next one, at most
``max_gap`` (a sampler that stopped, a camera job that failed: that time is *unknown*). Only
scheduled time counts. Time is *unknown* when the camera was not ``ok`` or nothing was observed, and
unknown time is left out of every denominator (docs/AUDIT.md): it is never absence.

An absence that runs through unscheduled time (the lunch break) is one span; its minutes are the
scheduled minutes inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from audit.rules.timeline import (
    ABSENT,
    PRESENT,
    UNKNOWN,
    US_PER_MINUTE,
    Observations,
    Runs,
    Sessions,
    runs,
    state_codes,
)


@dataclass(frozen=True)
class Span:
    """A stretch of absence inside scheduled time: wall-clock bounds, scheduled minutes, the longest queue seen."""

    start: datetime
    end: datetime
    minutes: float
    queue_max: int | None = None


@dataclass(frozen=True)
class DeskDayFacts:
    """What one desk's day looked like inside its scheduled time (minutes are floats)."""

    scheduled_minutes: float
    present_minutes: float
    absent_minutes: float
    unknown_minutes: float
    first_seen: datetime | None
    last_seen: datetime | None
    longest_absence_minutes: float
    unattended: tuple[Span, ...] = ()  # absences of at least ``unattended_minutes``
    unattended_with_queue: tuple[Span, ...] = ()  # … during which someone waited
    queue_max: int | None = None
    queue_mean: float | None = None  # time-weighted, over healthy scheduled time
    queue_long_minutes: float = 0.0  # minutes with a queue of at least ``long_queue_length``
    absences: tuple[Span, ...] = field(default=(), repr=False)  # every absence, any length

    @property
    def observed_minutes(self) -> float:
        """Scheduled minutes that are not unknown: the denominator of every rate."""
        return self.present_minutes + self.absent_minutes

    @property
    def staffed_rate(self) -> float | None:
        """Present share of the observed scheduled time; ``None`` when nothing was observed."""
        return self.present_minutes / self.observed_minutes if self.observed_minutes else None


def desk_day_facts(observations: pd.DataFrame, intervals: Sequence[tuple[datetime, datetime]], *,
                   max_gap: timedelta = timedelta(minutes=2), unattended_minutes: float = 15,
                   queue_min: int = 1, long_queue_length: int = 8) -> DeskDayFacts:
    """The facts of one desk-day, from the same runs the finding rules read (audit/rules/timeline.py).

    Args:
        observations: Columns ``observed_at`` (aware UTC), ``health``, ``presence``, ``queue_count``;
            the desk's observations of the day (any order; a few before the first interval are fine).
        intervals: The desk's scheduled intervals that day (aware, non-overlapping).
        max_gap: How long one observation stands for at most.
        unattended_minutes: Absences at least this long are listed as unattended spans.
        queue_min: A queue at least this long during an absence makes it unattended-with-queue.
        long_queue_length: Minutes with a queue at least this long are counted.
    """
    bounds = sorted((_us(a), _us(b)) for a, b in intervals if b > a)
    if not bounds:
        return DeskDayFacts(0.0, 0.0, 0.0, 0.0, None, None, 0.0)
    sessions = Sessions(np.zeros(len(bounds), dtype=np.int64), np.array([a for a, _ in bounds], dtype=np.int64),
                        np.array([b for _, b in bounds], dtype=np.int64))
    cut = runs(_observations(observations), sessions, max_gap_us=_us_delta(max_gap),
               long_queue_length=long_queue_length)
    length = cut.end - cut.start
    seen, absent, known = cut.state == PRESENT, cut.state == ABSENT, cut.state != UNKNOWN
    absences = _absence_spans(cut, bounds)
    queue_time = int(cut.queue_time[known].sum())
    queued = known & (cut.queue_max >= 0)
    return DeskDayFacts(
        scheduled_minutes=_minutes(sum(b - a for a, b in bounds)),
        present_minutes=_minutes(length[seen].sum()),
        absent_minutes=_minutes(length[absent].sum()),
        unknown_minutes=_minutes(length[~known].sum()),
        first_seen=_time(cut.start[seen].min()) if seen.any() else None,
        last_seen=_time(cut.end[seen].max()) if seen.any() else None,
        longest_absence_minutes=max((s.minutes for s in absences), default=0.0),
        unattended=tuple(s for s in absences if s.minutes >= unattended_minutes),
        unattended_with_queue=tuple(s for s in absences if s.minutes >= unattended_minutes
                                    and s.queue_max is not None and s.queue_max >= queue_min),
        queue_max=int(cut.queue_max[queued].max()) if queued.any() else None,
        queue_mean=float(cut.queue_area[known].sum() / queue_time) if queue_time else None,
        queue_long_minutes=_minutes(cut.queue_long[known].sum()),
        absences=tuple(absences),
    )


def _observations(frame: pd.DataFrame) -> Observations:
    """The frame as the timeline's arrays (one desk), sorted by time; unhealthy samples are unknown."""
    if frame.empty:
        empty = np.array([], dtype=np.int64)
        return Observations(empty, empty, empty.astype(np.int8), empty.astype(float))
    frame = frame.sort_values("observed_at", kind="stable")
    at = pd.to_datetime(frame["observed_at"], utc=True).to_numpy(dtype="datetime64[us]").astype(np.int64)
    state = state_codes(frame["health"].astype(str).to_numpy(), frame["presence"].astype(str).to_numpy())
    queue = pd.to_numeric(frame["queue_count"], errors="coerce").to_numpy(dtype=float, copy=True)
    queue[state == UNKNOWN] = np.nan
    return Observations(np.zeros(len(at), dtype=np.int64), at, state, queue)


def _absence_spans(cut: Runs, bounds: Sequence[tuple[int, int]]) -> list[Span]:
    """Absent runs merged while nothing scheduled lies between them (lunch); minutes are scheduled minutes."""
    spans: list[list[Any]] = []  # start, end, µs, open, queue max
    for start, end, state, queue in zip(cut.start.tolist(), cut.end.tolist(), cut.state.tolist(),
                                        cut.queue_max.tolist()):
        if state != ABSENT:
            if spans:
                spans[-1][3] = False  # closed: something else (present, unknown) came next
            continue
        queue = queue if queue >= 0 else None
        if spans and spans[-1][3] and _scheduled_between(bounds, spans[-1][1], start) == 0:
            last = spans[-1]
            last[1], last[2] = end, last[2] + (end - start)
            last[4] = queue if last[4] is None else (last[4] if queue is None else max(last[4], queue))
        else:
            spans.append([start, end, end - start, True, queue])
    return [Span(_time(s), _time(e), _minutes(n), q) for s, e, n, _, q in spans]


def _scheduled_between(bounds: Sequence[tuple[int, int]], a: int, b: int) -> int:
    return sum(max(0, min(y, b) - max(x, a)) for x, y in bounds)


def _us(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: scheduled intervals must be aware")
    return pd.Timestamp(at).value // 1000


def _us_delta(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _time(us: float) -> datetime:
    return pd.Timestamp(int(us), unit="us", tz="UTC").to_pydatetime()


def _minutes(us: float) -> float:
    return float(us) / US_PER_MINUTE
