"""Audit at scale: a month of 1,000 desks sampled twice a minute — facts, findings and scores — against a
naive row-by-row baseline on the same data, in the same run.

The data is synthetic but shaped like the sampler's: 22 working days, two sessions a day (07:30–11:30,
13:00–17:00 Asia/Ho_Chi_Minh), a sample every 30 s with a per-desk offset, late arrivals, breaks,
unattended spells (some with a queue), early leaves, whole absent sessions and camera outages. One
official per desk; a few are on leave for a morning.

Both paths produce the same thing from the same arrays: per desk-day scheduled / present / absent /
unknown minutes, the personal and unit-level findings, and each official's month score (every
proposed finding counted as if confirmed, the worst case for the arithmetic):

- **vectorised** (what deskaudit runs): ``audit.rules.engine.audit`` over chunks of desks — numpy cuts the
  samples into runs, the rules run per session on a handful of runs;
- **naive**: one Python loop over every sample building the same runs, then the same rules.

The two must agree exactly (checked). Prints seconds, samples per second, peak RSS and the ratio.

    .venv/bin/python bench/audit_scale.py [--desks 1000] [--days 22] [--every 30] [--chunk 100] [--skip-naive]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.rules.annual import CapPool, Official, PeriodResult, cap_proposals, classify_year
from audit.rules.engine import SessionPlan, audit, desk_day_table
from audit.rules.findings import RuleSettings, Run, camera_gaps, excuse, session_findings
from audit.rules.general import general_result
from audit.rules.scoring import (
    classify,
    discipline_raw,
    total_points,
)
from audit.rules.tasks import TaskRow, task_points
from audit.rules.timeline import ABSENT, PRESENT, UNKNOWN, US_PER_MINUTE, Observations, Sessions
from models.enums import StaffCategory

M = US_PER_MINUTE
DEDUCTION = {"late_arrival": 2, "unattended": 3, "unattended_queue": 3, "absent_session": 10, "early_leave": 2}
SESSIONS_UTC = ((30, 270), (360, 600))  # minutes after 00:00 UTC: 07:30–11:30 and 13:00–17:00 at UTC+7


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def working_days(count: int, start: date = date(2026, 3, 2)) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def make_month(desks: int, days: list[date], every_s: int, seed: int = 7):
    """Samples of every desk for every day, sorted by desk then time; sessions; leave per official."""
    rng = np.random.default_rng(seed)
    per_session = (240 * 60) // every_s
    n_sessions = desks * len(days) * 2
    desk_of = np.repeat(np.arange(desks, dtype=np.int64), len(days) * 2)
    day_us = np.array([(d - date(1970, 1, 1)).days * 86_400 * 1_000_000 for d in days], dtype=np.int64)
    starts = (np.tile(np.repeat(day_us, 2), desks)
              + np.tile(np.array([SESSIONS_UTC[0][0], SESSIONS_UTC[1][0]]) * M, desks * len(days)))
    ends = starts + 240 * M
    offset = rng.integers(0, every_s, desks)[desk_of] * 1_000_000
    grid = np.arange(per_session, dtype=np.int64) * every_s * 1_000_000
    at = (starts + offset)[:, None] + grid[None, :]
    minute = (at - starts[:, None]) / M
    state = np.full(at.shape, PRESENT, dtype=np.int8)
    busy = np.where(rng.random(n_sessions) < 0.4, 0.0, rng.uniform(0.3, 2.0, n_sessions))  # quiet and busy sessions
    queue = np.clip(rng.poisson(busy[:, None], at.shape), 0, 12).astype(np.float32)

    def spell(probability, lo, hi, where, what=ABSENT):
        chosen = rng.random(n_sessions) < probability
        length = rng.uniform(lo, hi, n_sessions)
        start = {"start": np.zeros(n_sessions), "end": 240 - length,
                 "middle": rng.uniform(20, 200, n_sessions)}[where]
        inside = chosen[:, None] & (minute >= start[:, None]) & (minute < (start + length)[:, None])
        state[inside] = what

    spell(0.15, 2, 25, "start")            # late arrivals
    spell(0.60, 2, 12, "middle")           # short breaks
    spell(0.06, 16, 45, "middle")          # unattended spells
    spell(0.05, 6, 30, "end")              # early leaves
    spell(0.02, 60, 180, "middle", UNKNOWN)  # camera outages
    spell(0.004, 240, 241, "start")        # absent a whole session
    queue[state == UNKNOWN] = np.nan
    leave = {}
    for official in rng.choice(desks, size=max(1, desks // 50), replace=False).tolist():
        d = int(rng.integers(0, len(days)))
        first = starts[official * len(days) * 2 + 2 * d]
        leave[official] = [(int(first) - 60 * M, int(first) + 240 * M)]
    observations = Observations(np.repeat(desk_of, per_session), at.ravel(), state.ravel(), queue.ravel())
    plan_days = [days[(i // 2) % len(days)] for i in range(n_sessions)]
    plan = SessionPlan(Sessions(desk_of, starts, ends), day=plan_days, number=[i % 2 for i in range(n_sessions)],
                       staff=[(int(d),) for d in desk_of.tolist()])
    return observations, plan, leave


def month_scores(proposals, officials: int) -> dict[int, tuple]:
    """Each official's month with audit/rules/scoring.py: every proposal treated as confirmed (the worst case),
    synthetic dossier counts for the task results, Decree 335 levels, and the 20 % cap proposal of a year of such
    months (agencies of 20 desks)."""
    lost: dict[int, list[int]] = {o: [] for o in range(officials)}
    for official, kind in proposals:
        if official is not None:
            lost[official].append(DEDUCTION.get(kind, 0))
    items, parts = [], []
    for o in range(officials):
        raw = discipline_raw(lost[o])
        general = general_result(raw).points
        total = total_points(general, task_points([TaskRow(on_time=80 + o % 40, late=o % 9, not_yet_due=o % 5)]))
        items.append(Official(f"CB{o:05d}", f"CB{o:05d}", f"U{o // 20}", StaffCategory.CONG_CHUC, f"A{o // 20}", None,
                              (PeriodResult("2026-03", total, raw, 10560.0, 10560.0, 10560.0),)))
        parts.append((raw, general, total, classify(total)))
    proposals_over = cap_proposals([classify_year(item) for item in items], CapPool.GOOD)
    return {o: (*parts[o], bool(proposals_over[o].over_cap)) for o in range(officials)}


def vectorised(observations: Observations, plan: SessionPlan, leave, settings, chunk: int, every_s: int):
    desks = int(plan.sessions.desk.max()) + 1
    proposals, facts = [], []
    for lo in range(0, desks, chunk):
        hi = min(desks, lo + chunk)
        o_lo, o_hi = np.searchsorted(observations.desk, [lo, hi])
        s_lo, s_hi = np.searchsorted(plan.sessions.desk, [lo, hi])
        part_obs = Observations(observations.desk[o_lo:o_hi] - lo, observations.at[o_lo:o_hi],
                                observations.state[o_lo:o_hi], observations.queue[o_lo:o_hi].astype(float))
        part_plan = SessionPlan(Sessions(plan.sessions.desk[s_lo:s_hi] - lo, plan.sessions.start[s_lo:s_hi],
                                         plan.sessions.end[s_lo:s_hi]),
                                day=plan.day[s_lo:s_hi], number=plan.number[s_lo:s_hi],
                                staff=[tuple(s - lo for s in staff) for staff in plan.staff[s_lo:s_hi]])
        result = audit(part_obs, part_plan, settings=[settings] * (hi - lo),
                       excused={k - lo: v for k, v in leave.items() if lo <= k < hi}, max_gap_us=2 * M * every_s // 30)
        table = desk_day_table(result, part_plan)
        table["desk"] += lo
        facts.append(table[["scheduled", "present", "absent", "unknown"]].to_numpy(dtype=float))
        proposals += [(p.desk + lo, None if p.staff is None else p.staff + lo, p.day, p.draft.kind,
                       round(p.draft.minutes, 3)) for p in result.proposals]
    totals = np.concatenate(facts).sum(axis=0)
    return proposals, totals


def naive(observations: Observations, plan: SessionPlan, leave, settings, every_s: int):
    """Row by row: walk every sample once, building each session's runs by hand, then the same rules."""
    max_gap = 2 * M * every_s // 30
    desk, at, state = observations.desk.tolist(), observations.at.tolist(), observations.state.tolist()
    queue = observations.queue.tolist()
    s_desk, s_start, s_end = plan.sessions.desk.tolist(), plan.sessions.start.tolist(), plan.sessions.end.tolist()
    proposals, totals = [], [0.0, 0.0, 0.0, 0.0]
    gaps: dict[tuple[int, date], list[Run]] = {}
    i, n = 0, len(at)
    for k in range(len(s_desk)):
        d, a, b = s_desk[k], s_start[k], s_end[k]
        while i < n and (desk[i] < d or (desk[i] == d and at[i] < a - max_gap)):
            i += 1
        pieces, cursor, j = [], a, i
        while j < n and desk[j] == d and at[j] < b:
            nxt = at[j + 1] if j + 1 < n and desk[j + 1] == d else None
            end = min(at[j] + max_gap, nxt) if nxt is not None else at[j] + max_gap
            lo, hi = max(at[j], a), min(end, b)
            if hi > lo:
                if lo > cursor:
                    pieces.append([cursor, lo, UNKNOWN, -1])
                q = -1 if queue[j] != queue[j] else int(queue[j])
                s = state[j] if state[j] != UNKNOWN else UNKNOWN
                if pieces and pieces[-1][2] == s and pieces[-1][1] == lo:
                    pieces[-1][1] = hi
                    pieces[-1][3] = max(pieces[-1][3], q)
                else:
                    pieces.append([lo, hi, s, q])
                cursor = hi
            j += 1
        if cursor < b:
            if pieces and pieces[-1][2] == UNKNOWN and pieces[-1][1] == cursor:
                pieces[-1][1] = b
            else:
                pieces.append([cursor, b, UNKNOWN, -1])
        session_runs = [Run(p[0], p[1], p[2], -1 if p[2] == UNKNOWN else p[3]) for p in pieces]
        for run in session_runs:
            totals[{PRESENT: 1, ABSENT: 2, UNKNOWN: 3}[run.state]] += run.length / M
            totals[0] += run.length / M
            if run.state == UNKNOWN:
                gaps.setdefault((d, plan.day[k]), []).append(run)
        for official in plan.staff[k]:
            mine = excuse(session_runs, [(x, y) for x, y in leave.get(official, ()) if x < b and y > a])
            for draft in session_findings(mine, settings):
                proposals.append((d, official, plan.day[k], draft.kind, round(draft.minutes, 3)))
    for (d, day), items in sorted(gaps.items()):
        draft = camera_gaps(items, settings)
        if draft is not None:
            proposals.append((d, None, day, draft.kind, round(draft.minutes, 3)))
    return proposals, np.array(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--desks", type=int, default=1000)
    parser.add_argument("--days", type=int, default=22)
    parser.add_argument("--every", type=int, default=30, help="seconds between samples")
    parser.add_argument("--chunk", type=int, default=100, help="desks per vectorised batch")
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    settings = RuleSettings()
    t = time.perf_counter()
    observations, plan, leave = make_month(args.desks, working_days(args.days), args.every)
    print(f"data: {args.desks} desks × {args.days} days × "
          f"{len(observations) // (args.desks * args.days):,} samples/day "
          f"= {len(observations):,} samples, {len(plan.sessions):,} sessions "
          f"(generated in {time.perf_counter() - t:.1f} s, RSS peak so far {peak_rss_mb():,.0f} MB)")
    gc.collect()
    before = peak_rss_mb()
    t = time.perf_counter()
    fast, fast_totals = vectorised(observations, plan, leave, settings, args.chunk, args.every)
    fast_scores = month_scores([(o, k) for _, o, _, k, _ in fast], args.desks)
    fast_s = time.perf_counter() - t
    fast_peak = peak_rss_mb()
    kinds = Counter(k for *_, k, _ in fast)
    print(f"vectorised: {fast_s:6.2f} s  {len(observations) / fast_s / 1e6:5.2f} M samples/s  "
          f"peak RSS {fast_peak:,.0f} MB (+{fast_peak - before:,.0f} MB over the data)")
    print(f"            findings {len(fast):,}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())))
    print(f"            minutes scheduled {fast_totals[0]:,.0f}, present {fast_totals[1]:,.0f}, "
          f"absent {fast_totals[2]:,.0f}, unknown {fast_totals[3]:,.0f}")
    classes = Counter(str(c) for *_, c in fast_scores.values())
    mean_total = sum(t for _, _, t, _ in fast_scores.values()) / len(fast_scores)
    print(f"            {len(fast_scores):,} officials scored, mean total {mean_total:.2f}; "
          + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
    if args.skip_naive:
        return
    t = time.perf_counter()
    slow, slow_totals = naive(observations, plan, leave, settings, args.every)
    slow_scores = month_scores([(o, k) for _, o, _, k, _ in slow], args.desks)
    slow_s = time.perf_counter() - t
    print(f"naive:      {slow_s:6.2f} s  {len(observations) / slow_s / 1e6:5.2f} M samples/s  "
          f"peak RSS {peak_rss_mb():,.0f} MB")
    same = sorted(fast, key=str) == sorted(slow, key=str) and fast_scores == slow_scores \
        and np.allclose(fast_totals, slow_totals)
    print(f"ratio: vectorised is {slow_s / fast_s:.1f}× faster; results identical: {same}")
    if not same:
        missing = set(map(str, slow)) ^ set(map(str, fast))
        print(f"  {len(missing)} differing findings, e.g. {sorted(missing)[:5]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
