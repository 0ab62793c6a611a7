"""Daily facts of one desk from its observations and its scheduled intervals. Pure: no database, no clock.

Each observation stands for the time from when it was taken until the next one, at most
``max_gap`` (a sampler that stopped, a camera job that failed: that time is *unknown*). Only
scheduled time counts. Time is *unknown* when the camera was not ``ok`` or nothing was observed, and
unknown time is left out of every denominator (DOMAIN.md): it is never absence.

An absence that runs through unscheduled time (the lunch break) is one span; its minutes are the
scheduled minutes inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"


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
    """The facts of one desk-day.

    Args:
        observations: Columns ``observed_at`` (aware UTC), ``health``, ``presence``, ``queue_count``;
            the desk's observations of the day (any order; a few before the first interval are fine).
        intervals: The desk's scheduled intervals that day (aware, non-overlapping).
        max_gap: How long one observation stands for at most.
        unattended_minutes: Absences at least this long are listed as unattended spans.
        queue_min: A queue at least this long during an absence makes it unattended-with-queue.
        long_queue_length: Minutes with a queue at least this long are counted.
    """
    bounds = sorted((_ns(a), _ns(b)) for a, b in intervals if b > a)
    scheduled_ns = sum(b - a for a, b in bounds)
    segments = _segments(observations, max_gap)
    clipped = _clip(segments, bounds)
    starts, ends, states, queues = clipped
    lengths = ends - starts
    present = lengths[states == PRESENT].sum()
    absent = lengths[states == ABSENT].sum()
    seen = states == PRESENT
    healthy = states != UNKNOWN
    absences = _absence_spans(starts, ends, states, queues, bounds)
    queue_known = healthy & ~np.isnan(queues)
    queue_time = lengths[queue_known].sum()
    return DeskDayFacts(
        scheduled_minutes=_minutes(scheduled_ns),
        present_minutes=_minutes(present),
        absent_minutes=_minutes(absent),
        unknown_minutes=_minutes(scheduled_ns - present - absent),
        first_seen=_time(starts[seen].min()) if seen.any() else None,
        last_seen=_time(ends[seen].max()) if seen.any() else None,
        longest_absence_minutes=max((s.minutes for s in absences), default=0.0),
        unattended=tuple(s for s in absences if s.minutes >= unattended_minutes),
        unattended_with_queue=tuple(s for s in absences if s.minutes >= unattended_minutes
                                    and s.queue_max is not None and s.queue_max >= queue_min),
        queue_max=int(queues[queue_known].max()) if queue_known.any() else None,
        queue_mean=float((queues[queue_known] * lengths[queue_known]).sum() / queue_time) if queue_time else None,
        queue_long_minutes=_minutes(lengths[queue_known & (np.nan_to_num(queues) >= long_queue_length)].sum()),
        absences=tuple(absences),
    )


def _segments(observations: pd.DataFrame, max_gap: timedelta) -> tuple[np.ndarray, ...]:
    """(start ns, end ns, state, queue) per observation, sorted; end = next start, at most ``max_gap`` later."""
    if observations.empty:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=object), np.array([], dtype=float)
    frame = observations.sort_values("observed_at", kind="stable")
    starts = pd.to_datetime(frame["observed_at"], utc=True).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    following = np.append(starts[1:], np.iinfo(np.int64).max)
    ends = np.minimum(following, starts + int(max_gap / timedelta(microseconds=1)) * 1000)
    health = frame["health"].astype(str).to_numpy()
    presence = frame["presence"].astype(str).to_numpy()
    states = np.where((health == "ok") & np.isin(presence, [PRESENT, ABSENT]), presence, UNKNOWN).astype(object)
    queues = pd.to_numeric(frame["queue_count"], errors="coerce").to_numpy(dtype=float, copy=True)
    queues[states == UNKNOWN] = np.nan
    return starts, ends, states, queues


def _clip(segments, bounds) -> tuple[np.ndarray, ...]:
    """The parts of the segments inside the scheduled bounds, in time order."""
    starts, ends, states, queues = segments
    parts = [[], [], [], []]
    for a, b in bounds:
        s, e = np.maximum(starts, a), np.minimum(ends, b)
        keep = e > s
        for part, values in zip(parts, (s[keep], e[keep], states[keep], queues[keep])):
            part.append(values)
    if not bounds:
        return np.array([], np.int64), np.array([], np.int64), np.array([], object), np.array([], float)
    return tuple(np.concatenate(p) for p in parts)


def _absence_spans(starts, ends, states, queues, bounds) -> list[Span]:
    """Absent parts merged while nothing scheduled lies between them; minutes are scheduled minutes."""
    spans: list[list] = []
    for start, end, state, queue in zip(starts, ends, states, queues):
        if state != ABSENT:
            if spans and spans[-1][3]:
                spans[-1][3] = False  # closed: something else (present, unknown) came next
            continue
        if spans and spans[-1][3] and _scheduled_between(bounds, spans[-1][1], start) == 0:
            last = spans[-1]
            last[1], last[2] = end, last[2] + (end - start)
            last[4] = _max_queue(last[4], queue)
        else:
            spans.append([start, end, end - start, True, _max_queue(None, queue)])
    return [Span(_time(s), _time(e), _minutes(n), q) for s, e, n, _, q in spans]


def _scheduled_between(bounds, a: int, b: int) -> int:
    return sum(max(0, min(y, b) - max(x, a)) for x, y in bounds)


def _max_queue(current: int | None, queue: float) -> int | None:
    if np.isnan(queue):
        return current
    return int(queue) if current is None else max(current, int(queue))


def _ns(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: scheduled intervals must be aware")
    return pd.Timestamp(at).as_unit("ns").value


def _time(ns) -> datetime:
    return pd.Timestamp(int(ns), tz="UTC").to_pydatetime()


def _minutes(ns) -> float:
    return float(ns) / 60e9
