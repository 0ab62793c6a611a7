"""The scripted demo history: deterministic, inside working hours only, and its rows agree with its events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from deskaudit.demo.history import SPAN_DAYS, CameraProfile, DeskProfile, EventKind, script_day, script_days

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

HN = ZoneInfo("Asia/Ho_Chi_Minh")
LAND = DeskProfile("TV-DD", "Đất đai", (CameraProfile("TV-DD-CAM", 30), CameraProfile("TV-DD-CAM2", 60)))
CULTURE = DeskProfile("DC-XH", "Văn hoá – Xã hội", (CameraProfile("DC-XH-CAM", 30),))
AWAY = {EventKind.LATE_ARRIVAL, EventKind.EARLY_LEAVE, EventKind.BREAK, EventKind.UNATTENDED, EventKind.ABSENT_SESSION}


def weekdays(count: int, first: date = date(2026, 3, 2)) -> list[tuple[date, list[tuple[datetime, datetime]]]]:
    """``count`` Mondays-to-Fridays from ``first`` with 07:30–11:30 and 13:00–17:00 (aware UTC)."""
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append((day, [(_utc(day, 7, 30), _utc(day, 11, 30)), (_utc(day, 13, 0), _utc(day, 17, 0))]))
        day += timedelta(days=1)
    return days


def _utc(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), HN).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def month():
    return list(script_days(LAND, weekdays(SPAN_DAYS), seed=2026))


def rows_of(script, camera=None):
    return [r for c in script.cameras if camera in (None, c.camera) for r in c.rows]


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    days = weekdays(5)
    assert list(script_days(LAND, days, seed=7)) == list(script_days(LAND, days, seed=7))
    assert list(script_days(LAND, days, seed=7)) != list(script_days(LAND, days, seed=8))
    assert script_day(CULTURE, *days[0], seed=3) == script_day(CULTURE, *days[0], seed=3)


def test_samples_lie_only_inside_the_intervals_one_per_slot_at_the_camera_offset(month):
    for script in month:
        for camera, cadence in (("TV-DD-CAM", 30), ("TV-DD-CAM2", 60)):
            rows = rows_of(script, camera)
            offset = CameraProfile(camera, cadence).offset_ms / 1000
            assert 0 <= offset < cadence
            for a, b in script.intervals:
                inside = [r for r in rows if a <= r.observed_at < b]
                assert len(inside) == (b - a).total_seconds() / cadence  # 480 or 240 per 4-hour session
                assert (inside[0].observed_at - a).total_seconds() < cadence  # first sample right after the start
            assert all(any(a <= r.observed_at < b for a, b in script.intervals) for r in rows)  # nothing at lunch
            for r in rows:
                assert r.slot_at.timestamp() % cadence == 0
                assert offset <= (r.observed_at - r.slot_at).total_seconds() < cadence
            assert len({r.slot_at for r in rows}) == len(rows)


def test_counts_are_null_unless_the_camera_is_ok_and_presence_follows_the_desk_view(month):
    rows = [r for s in month for r in rows_of(s)]
    assert {r.health for r in rows} == {"ok", "offline", "frozen"}
    for r in rows:
        if r.health != "ok":
            assert (r.persons, r.staff_count, r.queue_count) == (None, None, None)
        else:
            assert r.persons == r.staff_count + r.queue_count and r.queue_count >= 0
            assert r.desk_health == "ok" and r.desk_staff >= r.staff_count and r.desk_queue >= r.queue_count
        if r.desk_health != "ok":  # no camera over the desk was healthy: unknown, never absent
            assert (r.desk_health, r.presence, r.desk_staff, r.desk_queue) == (r.health, "unknown", None, None)
        else:
            assert r.presence == ("present" if r.desk_staff >= 1 else "absent")


def test_a_desk_with_two_cameras_stays_known_while_one_is_down(month):
    """An outage of one camera leaves the desk watched by the other: its rows there carry the desk's view."""
    covered = [r for s in month for r in rows_of(s) if r.health != "ok" and r.desk_health == "ok"]
    assert covered and all(r.presence in ("present", "absent") and r.desk_staff is not None for r in covered)
    for script in month:
        for event in script.events_of(EventKind.OUTAGE):
            others = [r for r in rows_of(script) if r.health == "ok" and event.start <= r.observed_at < event.end]
            if others:  # the other camera worked meanwhile: the desk was not unknown throughout
                assert any(r.desk_health == "ok" for r in rows_of(script, event.camera)
                           if event.start <= r.observed_at < event.end)
    # one camera: the desk's view is the camera's own
    single = [r for s in script_days(CULTURE, weekdays(3), seed=2026) for r in rows_of(s)]
    assert all((r.desk_health, r.desk_staff, r.desk_queue) == (r.health, r.staff_count, r.queue_count)
               for r in single)


def test_every_camera_has_an_outage_of_one_to_three_hours_in_a_22_day_run(month):
    outages = [e for s in month for e in s.events_of(EventKind.OUTAGE)]
    assert sorted({e.camera for e in outages}) == ["TV-DD-CAM", "TV-DD-CAM2"]
    assert all(60 <= e.minutes <= 180 for e in outages)
    assert any(s.events_of(EventKind.FROZEN) for s in month)
    for script in month:
        for event in script.events_of(EventKind.OUTAGE) + script.events_of(EventKind.FROZEN):
            inside = [r for r in rows_of(script, event.camera) if event.start <= r.observed_at < event.end]
            assert inside and {r.health for r in inside} == {"offline" if event.kind is EventKind.OUTAGE else "frozen"}


def test_a_late_arrival_shows_no_presence_until_the_official_arrives(month):
    late = [(s, e) for s in month for e in s.events_of(EventKind.LATE_ARRIVAL)]
    assert late, "a month without one late arrival"
    for script, event in late:
        assert event.start in [a for a, _ in script.intervals] and 5 <= event.minutes <= 25
        before = [r for r in rows_of(script) if event.start <= r.observed_at < event.end]
        assert before and all(r.presence != "present" for r in before)
        after = [r for r in rows_of(script) if event.end <= r.observed_at < event.end + timedelta(minutes=5)
                 and r.health == "ok"]
        assert all(r.presence == "present" for r in after)


def test_absence_in_the_rows_is_always_a_scripted_event_and_the_reverse(month):
    """An ok row is absent exactly when a late arrival, break, unattended spell, early leave or absent session
    covers it; for 1.5 cadences after the official leaves, the other camera's last look may still count."""
    lag = timedelta(seconds=1.5 * max(c.cadence_seconds for c in LAND.cameras))
    for script in month:
        away = [e for e in script.events if e.kind in AWAY]
        for r in rows_of(script):
            if r.health == "ok" and not any(e.start <= r.observed_at < e.start + lag for e in away):
                assert (r.presence == "absent") == any(e.start <= r.observed_at < e.end for e in away), (script.day, r)


def test_unattended_spells_last_16_to_45_minutes_and_say_whether_citizens_waited(month):
    spells = [(s, e) for s in month for e in s.events_of(EventKind.UNATTENDED)]
    assert 2 <= len(spells) <= 4  # a few a month
    assert all(16 <= e.minutes <= 45 for _, e in spells)
    for script, event in spells:
        inside = [r for r in rows_of(script) if event.start <= r.observed_at < event.end and r.health == "ok"]
        if event.with_queue:
            assert all(r.queue_count >= 1 for r in inside)
        else:
            assert all(r.queue_count == 0 for r in inside)


def test_breaks_early_leaves_and_whole_sessions_are_within_their_ranges(month):
    events = [e for s in month for e in s.events]
    assert all(2 <= e.minutes <= 10 for e in events if e.kind is EventKind.BREAK)
    assert all(10 <= e.minutes <= 30 for e in events if e.kind is EventKind.EARLY_LEAVE)
    for script in month:
        for event in script.events_of(EventKind.EARLY_LEAVE):
            assert event.end in [b for _, b in script.intervals]
        for event in script.events_of(EventKind.ABSENT_SESSION):
            assert (event.start, event.end) in script.intervals


def test_a_forced_absent_morning_is_an_excused_whole_session():
    days = weekdays(3)
    scripts = list(script_days(CULTURE, days, seed=2026, absent_sessions={days[1][0]: {0}}))
    [event] = [e for e in scripts[1].events_of(EventKind.ABSENT_SESSION) if e.excused]
    morning = scripts[1].intervals[0]
    assert (event.start, event.end, event.excused) == (*morning, True)
    rows = [r for r in rows_of(scripts[1]) if morning[0] <= r.observed_at < morning[1]]
    assert rows and all(r.presence in ("absent", "unknown") for r in rows)


def test_the_queue_peaks_in_the_morning_and_is_longer_at_busy_desks():
    days = weekdays(10)

    def mean_queue(desk, start_h, end_h):
        counts = [r.queue_count for s in script_days(desk, days, seed=11) for r in rows_of(s)
                  if r.queue_count is not None and start_h <= _local_hour(r.observed_at) < end_h]
        return sum(counts) / len(counts)

    land = DeskProfile("TV-DD", "Đất đai", (CameraProfile("TV-DD-CAM", 60),))
    culture = DeskProfile("DC-XH", "Văn hoá – Xã hội", (CameraProfile("DC-XH-CAM", 60),))
    assert land.busy and DeskProfile("X", "Tư pháp – Hộ tịch").busy and not culture.busy
    assert mean_queue(land, 8.5, 10.5) > 1.5 * mean_queue(land, 13, 17)
    assert mean_queue(land, 7.5, 17) > 1.5 * mean_queue(culture, 7.5, 17)


def _local_hour(at: datetime) -> float:
    return (at.hour + 7) % 24 + at.minute / 60  # Asia/Ho_Chi_Minh is UTC+7 all year


def test_presence_changes_follow_the_rows(month):
    """One sequence of changes per desk, over the rows of all its cameras, each naming the camera that showed it."""
    for script in month:
        rows = sorted(rows_of(script), key=lambda r: r.observed_at)
        by_time = {r.observed_at: r.presence for r in rows}
        previous = "unknown"
        for change in script.changes:
            assert change.previous_state == previous and change.state != previous
            assert change.camera in {c.code for c in LAND.cameras}
            if change.at in by_time:
                assert by_time[change.at] == change.state
            else:  # nobody looked for ten minutes (lunch, evening): unknown
                assert change.state == "unknown"
            previous = change.state
        assert previous == "unknown"  # every day ends unknown, so days stand alone
        flips = sum(1 for a, b in pairwise(r.presence for r in rows) if a != b)
        assert len(script.changes) >= flips


def test_a_day_without_intervals_has_no_rows_and_bad_input_is_refused():
    empty = script_day(LAND, date(2026, 3, 7), [])
    assert empty.intervals == () and all(c.rows == () for c in empty.cameras) and empty.events == ()
    with pytest.raises(ValueError, match="naive"):
        script_day(LAND, date(2026, 3, 2), [(datetime(2026, 3, 2, 7, 30), datetime(2026, 3, 2, 11, 30))])
    with pytest.raises(ValueError, match="seed"):
        script_day(LAND, *weekdays(1)[0], seed=-1)
