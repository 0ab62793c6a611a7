"""Daily facts of a desk at their boundaries: observations built by hand, a scheduled day, no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from audit.rules.facts import desk_day_facts

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def hn(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=HN)


DAY = [(hn(7, 30), hn(11, 30)), (hn(13, 0), hn(17, 0))]  # 480 scheduled minutes


def observed(*runs) -> pd.DataFrame:
    """``runs``: (start, end, presence, health, queue) — one observation every 30 s, start inclusive, end exclusive."""
    rows = []
    for start, end, presence, health, queue in runs:
        at = start
        while at < end:
            ok = health == "ok"
            rows.append({"observed_at": at, "health": health, "presence": presence if ok else "unknown",
                         "queue_count": queue if ok else None})
            at += timedelta(seconds=30)
    return pd.DataFrame(rows, columns=["observed_at", "health", "presence", "queue_count"])


def run(start, end, presence="present", health="ok", queue=0):
    return (start, end, presence, health, queue)


def test_a_full_day_present():
    facts = desk_day_facts(observed(run(hn(7, 30), hn(11, 30)), run(hn(13, 0), hn(17, 0))), DAY)
    assert (facts.scheduled_minutes, facts.present_minutes, facts.absent_minutes, facts.unknown_minutes) == (
        480, 480, 0, 0)
    assert (facts.first_seen, facts.last_seen) == (hn(7, 30), hn(17, 0))
    assert facts.staffed_rate == 1 and facts.unattended == ()


@pytest.mark.parametrize("minutes, listed", [(14.5, False), (15, True), (16, True)])
def test_unattended_span_at_exactly_n_minutes(minutes, listed):
    gone = hn(9, 0)
    back = gone + timedelta(minutes=minutes)
    facts = desk_day_facts(observed(run(hn(7, 30), gone), run(gone, back, "absent"), run(back, hn(11, 30))),
                           [DAY[0]])
    assert facts.longest_absence_minutes == minutes
    assert [s.minutes for s in facts.unattended] == ([minutes] if listed else [])
    if listed:
        assert (facts.unattended[0].start, facts.unattended[0].end) == (gone, back)


def test_an_absence_across_lunch_is_one_span_of_scheduled_minutes():
    facts = desk_day_facts(observed(run(hn(7, 30), hn(11, 20)), run(hn(11, 20), hn(11, 30), "absent"),
                                    run(hn(13, 0), hn(13, 6), "absent"), run(hn(13, 6), hn(17, 0))), DAY)
    [span] = facts.absences
    assert (span.start, span.end, span.minutes) == (hn(11, 20), hn(13, 6), 16)
    assert [s.minutes for s in facts.unattended] == [16]
    assert facts.absent_minutes == 16 and facts.unknown_minutes == 0


def test_a_camera_outage_is_unknown_time_never_absence():
    facts = desk_day_facts(observed(run(hn(7, 30), hn(9, 0)), run(hn(9, 0), hn(10, 0), health="offline"),
                                    run(hn(10, 0), hn(11, 30))), [DAY[0]])
    assert (facts.present_minutes, facts.absent_minutes, facts.unknown_minutes) == (180, 0, 60)
    assert facts.unattended == () and facts.staffed_rate == 1  # unknown is out of the denominator


def test_an_outage_splits_absences():
    """Absent, then the camera fails, then absent again: two spans, neither bridged by unknown time."""
    facts = desk_day_facts(observed(run(hn(8, 0), hn(8, 10), "absent"), run(hn(8, 10), hn(8, 20), health="dark"),
                                    run(hn(8, 20), hn(8, 30), "absent")), [(hn(8, 0), hn(8, 30))])
    assert [s.minutes for s in facts.absences] == [10, 10] and facts.unattended == ()


def test_time_without_observations_is_unknown():
    """The sampler stopped from 09:00 to 10:00: each observation stands for at most max_gap."""
    runs = observed(run(hn(7, 30), hn(9, 0)), run(hn(10, 0), hn(11, 30)))
    facts = desk_day_facts(runs, [DAY[0]], max_gap=timedelta(seconds=30))
    assert facts.present_minutes == 180 and facts.unknown_minutes == 60
    facts = desk_day_facts(runs, [DAY[0]], max_gap=timedelta(minutes=2))  # the last sample before stands 2 min
    assert facts.present_minutes == 181.5 and facts.unknown_minutes == 58.5


def test_nothing_observed():
    facts = desk_day_facts(observed(), DAY)
    assert (facts.unknown_minutes, facts.first_seen, facts.staffed_rate, facts.queue_max) == (480, None, None, None)


def test_no_scheduled_time_a_holiday():
    facts = desk_day_facts(observed(run(hn(8, 0), hn(9, 0))), [])
    assert (facts.scheduled_minutes, facts.present_minutes, facts.first_seen) == (0, 0, None)


def test_first_and_last_seen_inside_scheduled_time_only():
    facts = desk_day_facts(observed(run(hn(7, 0), hn(7, 45), "absent"), run(hn(7, 45), hn(11, 0)),
                                    run(hn(11, 0), hn(11, 30), "absent"), run(hn(13, 0), hn(16, 40)),
                                    run(hn(16, 40), hn(17, 30), "absent")), DAY)
    assert (facts.first_seen, facts.last_seen) == (hn(7, 45), hn(16, 40))


def test_queue_figures_and_unattended_with_queue():
    facts = desk_day_facts(observed(run(hn(8, 0), hn(8, 30), queue=2), run(hn(8, 30), hn(8, 50), "absent", queue=3),
                                    run(hn(8, 50), hn(9, 0), queue=9)), [(hn(8, 0), hn(9, 0))], long_queue_length=8)
    assert facts.queue_max == 9 and facts.queue_long_minutes == 10
    assert facts.queue_mean == pytest.approx((2 * 30 + 3 * 20 + 9 * 10) / 60)
    [span] = facts.unattended_with_queue
    assert (span.minutes, span.queue_max) == (20, 3)
