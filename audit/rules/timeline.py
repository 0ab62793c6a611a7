"""Observations of many desks cut into runs per scheduled session, in one vectorised pass. Pure: numpy only.

Each observation stands for the time from when it was taken until the next one of the same desk,
at most ``max_gap``. Inside each session, time no observation covers, and time the camera was not
``ok``, is *unknown*. A run is a maximal stretch of one state inside one session; the rules
(audit/rules/findings.py) and the month facts read runs, never single samples, so a month of 1,000 desks at
two samples a minute stays a few hundred thousand runs.

Times are integer microseconds since the Unix epoch (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from models.enums import CameraHealth, PresenceState

UNKNOWN, PRESENT, ABSENT = 0, 1, 2  # state codes of the vectorised arrays
STATE_NAMES = {UNKNOWN: PresenceState.UNKNOWN.value, PRESENT: PresenceState.PRESENT.value,
               ABSENT: PresenceState.ABSENT.value}
US_PER_MINUTE = 60_000_000
Pieces = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # session, start, end, state, queue


@dataclass(frozen=True)
class Sessions:
    """Scheduled sessions, one row each: which desk (an index), start and end (µs), sorted by desk then start."""

    desk: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.desk)


@dataclass(frozen=True)
class Observations:
    """Samples, one row each: desk index, time (µs), state code, queue count (NaN when unknown)."""

    desk: np.ndarray
    at: np.ndarray
    state: np.ndarray
    queue: np.ndarray

    def __len__(self) -> int:
        return len(self.desk)


@dataclass(frozen=True)
class Runs:
    """Runs of one state inside one session, ordered by session then time.

    ``queue_max`` is -1 where no queue was counted; ``queue_area`` is queue × µs and ``queue_time``
    the µs with a counted queue (for time-weighted means); ``queue_long`` the µs with a queue of at
    least the long-queue length.
    """

    session: np.ndarray
    start: np.ndarray
    end: np.ndarray
    state: np.ndarray
    queue_max: np.ndarray
    queue_area: np.ndarray
    queue_long: np.ndarray
    queue_time: np.ndarray

    def __len__(self) -> int:
        return len(self.session)

    def bounds(self) -> np.ndarray:
        """Index of each session's first run, plus the total (``bounds[i]:bounds[i+1]`` are session i's runs)."""
        return np.searchsorted(self.session, np.arange(self.session.max() + 2 if len(self) else 1))


def state_codes(health: Iterable[str] | np.ndarray, presence: Iterable[str] | np.ndarray) -> np.ndarray:
    """State codes of samples from their health and presence texts: anything but a healthy present/absent is unknown."""
    health, presence = np.asarray(health, dtype=str), np.asarray(presence, dtype=str)
    return np.where(health != CameraHealth.OK.value, UNKNOWN,
                    np.where(presence == PresenceState.PRESENT.value, PRESENT,
                             np.where(presence == PresenceState.ABSENT.value, ABSENT, UNKNOWN))).astype(np.int8)


def runs(observations: Observations, sessions: Sessions, *, max_gap_us: int, long_queue_length: int = 8) -> Runs:
    """Cut the observations into runs per session (every session gets at least one run, maybe unknown).

    Observations must be sorted by desk then time; sessions by desk then start, without overlaps.
    """
    if len(sessions) == 0:
        empty = np.array([], dtype=np.int64)
        return Runs(empty, empty, empty, empty.astype(np.int8), empty, empty.astype(float), empty, empty)
    t0 = min(int(sessions.start.min()), int(observations.at.min()) if len(observations) else int(sessions.start.min()))
    t1 = max(int(sessions.end.max()), int(observations.at.max()) + max_gap_us if len(observations) else 0)
    span = t1 - t0 + 1  # desks live in separate key ranges: key = desk × span + (t − t0)
    s_start = sessions.desk.astype(np.int64) * span + (sessions.start - t0)
    s_end = sessions.desk.astype(np.int64) * span + (sessions.end - t0)
    pieces = _observed_pieces(observations, s_start, s_end, t0, span, max_gap_us)
    session, start, end, state, queue = _with_unknown_gaps(pieces, s_start, s_end)
    order = np.lexsort((start, session))
    session, start, end, state, queue = session[order], start[order], end[order], state[order], queue[order]
    start_us = start - sessions.desk[session].astype(np.int64) * span + t0
    end_us = end - sessions.desk[session].astype(np.int64) * span + t0
    return _run_length(session, start_us, end_us, state, queue, long_queue_length)


def _observed_pieces(obs: Observations, s_start: np.ndarray, s_end: np.ndarray, t0: int, span: int,
                     max_gap_us: int) -> Pieces:
    """Each observation's segment intersected with the session(s) it touches (at most the next two)."""
    if len(obs) == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty, empty.astype(np.int8), empty.astype(float)
    key = obs.desk.astype(np.int64) * span + (obs.at - t0)
    seg_end = key + max_gap_us
    np.minimum(seg_end[:-1], np.where(obs.desk[1:] == obs.desk[:-1], key[1:], seg_end[:-1]), out=seg_end[:-1])
    sentinel = np.iinfo(np.int64).max
    starts, ends = np.append(s_start, sentinel), np.append(s_end, sentinel)  # "no session" is one past the last
    first = np.searchsorted(s_end, key, side="right")  # the first session ending after the sample
    lo, hi = np.maximum(key, starts[first]), np.minimum(seg_end, ends[first])
    keep = hi > lo
    parts = [[first[keep]], [lo[keep]], [hi[keep]], [obs.state[keep]], [obs.queue[keep]]]
    spill = np.flatnonzero(seg_end > ends[first])  # segments reaching past their session: rare, into the next
    if len(spill):
        nxt = np.minimum(first[spill] + 1, len(s_start))
        lo2, hi2 = np.maximum(key[spill], starts[nxt]), np.minimum(seg_end[spill], ends[nxt])
        ok = (hi2 > lo2) & (nxt < len(s_start))
        for part, values in zip(parts, (nxt[ok], lo2[ok], hi2[ok], obs.state[spill][ok], obs.queue[spill][ok])):
            part.append(values)
    session, start, end, state, queue = (np.concatenate(p) for p in parts)
    return session, start, end, state, queue


def _with_unknown_gaps(pieces: Pieces, s_start: np.ndarray, s_end: np.ndarray) -> Pieces:
    """The observed pieces plus unknown pieces for every stretch of a session they leave uncovered."""
    session, start, end, state, queue = pieces
    order = np.lexsort((start, session))
    session, start, end, state, queue = session[order], start[order], end[order], state[order], queue[order]
    n_sessions = len(s_start)
    counts = np.bincount(session, minlength=n_sessions)
    new_session = np.ones(len(session), dtype=bool)
    new_session[1:] = session[1:] != session[:-1]
    previous_end = np.empty_like(start)
    previous_end[1:] = end[:-1]
    previous_end[new_session] = s_start[session[new_session]]
    lead = start > previous_end  # uncovered stretch before this piece
    last = np.ones(len(session), dtype=bool)
    last[:-1] = session[1:] != session[:-1]
    trail = last & (end < s_end[session])
    empty = counts == 0
    g_session = np.concatenate([session[lead], session[trail], np.flatnonzero(empty)])
    g_start = np.concatenate([previous_end[lead], end[trail], s_start[empty]])
    g_end = np.concatenate([start[lead], s_end[session[trail]], s_end[empty]])
    return (np.concatenate([session, g_session]), np.concatenate([start, g_start]), np.concatenate([end, g_end]),
            np.concatenate([state, np.full(len(g_session), UNKNOWN, dtype=state.dtype)]),
            np.concatenate([queue, np.full(len(g_session), np.nan)]))


def _run_length(session: np.ndarray, start: np.ndarray, end: np.ndarray, state: np.ndarray, queue: np.ndarray,
                long_queue_length: int) -> Runs:
    """Merge touching pieces of the same state and session into runs, with their queue figures."""
    boundary = np.ones(len(session), dtype=bool)
    boundary[1:] = (session[1:] != session[:-1]) | (state[1:] != state[:-1]) | (start[1:] != end[:-1])
    heads = np.flatnonzero(boundary)
    length = end - start
    known = ~np.isnan(queue)
    q = np.where(known, queue, -1.0)
    area = np.where(known, queue, 0.0) * length
    long_us = np.where(known & (q >= long_queue_length), length, 0)
    known_us = np.where(known, length, 0)
    tails = np.append(heads[1:], len(session)) - 1
    return Runs(
        session=session[heads],
        start=start[heads],
        end=end[tails],
        state=state[heads].astype(np.int8),
        queue_max=np.maximum.reduceat(q, heads).astype(np.int64) if len(heads) else np.array([], np.int64),
        queue_area=np.add.reduceat(area, heads) if len(heads) else np.array([], float),
        queue_long=np.add.reduceat(long_us, heads) if len(heads) else np.array([], np.int64),
        queue_time=np.add.reduceat(known_us, heads) if len(heads) else np.array([], np.int64),
    )
