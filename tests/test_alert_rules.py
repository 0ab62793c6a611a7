"""Alert rules at their boundaries: a fixed clock, facts built by hand, no database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from audit.rules.alerts import raised
from audit.rules.desk_status import CameraLatest, DeskNow, PresenceChange, scheduled_minutes
from audit.rules.thresholds import Thresholds
from deskaudit.siteconfig.schema import DEFAULT_ALERTS
from models.enums import AlertKind, Severity
from schedules.alerting.rules import CameraFacts, DeskFacts, Reading, camera_condition, desk_conditions

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

HN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = (2026, 3, 2)  # a Monday


def local(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(*DAY, hh, mm, ss, tzinfo=HN)


SESSIONS = [(local(7, 30), local(11, 30)), (local(13, 0), local(17, 0))]
TH = Thresholds()


def readings(start: datetime, end: datetime, presence="absent", health="ok", queue=0, every_s=30) -> list[Reading]:
    found, at = [], start
    while at <= end:
        found.append(Reading(at, health, presence, queue if health == "ok" else None))
        at += timedelta(seconds=every_s)
    return found


def desk(rows, absent_since=None, scheduled=SESSIONS, excused=False) -> DeskFacts:
    """One camera (every 30 s) whose latest sample is the last of ``rows``; absent since ``absent_since``."""
    latest = rows[-1]
    camera = CameraLatest(30, latest.at, latest.health, latest.presence, latest.queue)
    change = PresenceChange("absent", absent_since) if absent_since is not None else None
    return DeskFacts(1, 10, "DC-HT", "Quầy số 1", rows, DeskNow((camera,), change, scheduled, excused))


def kinds(conditions) -> list[str]:
    return sorted(str(c.kind) for c in conditions)


def test_defaults_match_the_site_config_defaults():
    assert Thresholds() == Thresholds(**DEFAULT_ALERTS.model_dump())


def test_layers_override_in_order_and_none_inherits():
    th = Thresholds.layered([{"unattended_minutes": 20, "long_queue_length": 6}, None,
                             {"unattended_minutes": None, "long_queue_length": 5}])
    assert (th.unattended_minutes, th.long_queue_length, th.camera_fault_minutes) == (20, 5, 10)
    with pytest.raises(ValueError, match="unattended_minutes"):
        Thresholds.layered([{"unattended_minutes": 0}])


@pytest.mark.parametrize("now, expected", [
    (local(9, 14, 59), []),  # 14 min 59 s: below 15
    (local(9, 15), ["unattended"]),  # exactly 15 minutes
    (local(9, 40), ["unattended"]),
])
def test_unattended_boundary(now, expected):
    since = local(9, 0)
    facts = desk(readings(since, now), absent_since=since)
    found = desk_conditions(facts, TH, now)
    assert kinds(found) == expected
    if found:
        assert found[0].severity == Severity.WARNING and found[0].since == since
        assert "không có người" in found[0].message and "unattended" in found[0].message_en


@pytest.mark.parametrize("now, expected_minutes", [
    (local(13, 4), None),  # 10 min before lunch + 4 after: 14 scheduled minutes
    (local(13, 5), 15),
    (local(13, 30), 40),
])
def test_unattended_counts_scheduled_minutes_only_across_lunch(now, expected_minutes):
    since = local(11, 20)
    rows = readings(since, local(11, 30)) + readings(local(13, 0), now)
    found = desk_conditions(desk(rows, absent_since=since), TH, now)
    if expected_minutes is None:
        assert found == []
    else:
        assert [c.details["minutes"] for c in found] == [expected_minutes]


def test_no_unattended_alert_outside_working_hours():
    since = local(11, 0)
    now = local(12, 10)
    assert desk_conditions(desk(readings(since, now), absent_since=since), TH, now) == []


def test_no_unattended_alert_during_an_excused_absence():
    since = local(8, 0)
    now = local(9, 0)
    assert desk_conditions(desk(readings(since, now), absent_since=since, excused=True), TH, now) == []


def test_camera_fault_is_never_an_unattended_desk():
    """Presence unknown (camera not ok) for an hour: no unattended alert, whatever happened before."""
    since = local(8, 0)
    now = local(9, 0)
    rows = readings(since, now, presence="unknown", health="offline")
    assert desk_conditions(desk(rows, absent_since=since), TH, now) == []


def test_stale_readings_say_nothing_about_now():
    since = local(8, 0)
    rows = readings(since, local(8, 40))
    assert desk_conditions(desk(rows, absent_since=since), TH, local(8, 44)) == []
    assert kinds(desk_conditions(desk(rows, absent_since=since), TH, local(8, 42))) == ["unattended"]


@pytest.mark.parametrize("queue, kind, severity", [
    (0, AlertKind.UNATTENDED, Severity.WARNING),
    (1, AlertKind.UNATTENDED_QUEUE, Severity.CRITICAL),
    (4, AlertKind.UNATTENDED_QUEUE, Severity.CRITICAL),
])
def test_unattended_with_a_waiting_queue_is_critical(queue, kind, severity):
    since = local(9, 0)
    now = local(9, 20)
    [found] = desk_conditions(desk(readings(since, now, queue=queue), absent_since=since), TH, now)
    assert (found.kind, found.severity) == (kind, severity)
    assert found.key == "desk:10:unattended"  # one condition, upgraded in place
    if queue:
        assert f"{queue} người đang chờ" in found.message


@pytest.mark.parametrize("minutes, expected", [(19, []), (20, ["long_queue"]), (45, ["long_queue"])])
def test_long_queue_boundary(minutes, expected):
    now = local(10, 0)
    since = now - timedelta(minutes=minutes)
    rows = readings(since - timedelta(minutes=5), since - timedelta(seconds=30), presence="present", queue=3)
    rows += readings(since, now, presence="present", queue=8)
    found = desk_conditions(desk(rows), TH, now)
    assert kinds(found) == expected
    if found:
        assert found[0].since == since and "Hàng chờ 8 người" in found[0].message


def test_a_camera_fault_breaks_a_long_queue_run():
    now = local(10, 0)
    rows = readings(local(9, 20), local(9, 44), presence="present", queue=9)
    rows += readings(local(9, 44, 30), local(9, 45), health="offline", presence="unknown")
    rows += readings(local(9, 45, 30), now, presence="present", queue=9)
    assert desk_conditions(desk(rows), TH, now) == []


@pytest.mark.parametrize("minutes, expected", [(9, False), (10, True), (120, True)])
def test_camera_fault_boundary(minutes, expected):
    now = local(10, 0)
    since = now - timedelta(minutes=minutes)
    facts = CameraFacts(1, 10, "DC-HT", 7, "DC-HT-CAM", Reading(now, "offline", "unknown"), since)
    found = camera_condition(facts, TH, now)
    assert (found is not None) is expected
    if found:
        assert (found.kind, found.key, found.camera_id) == (AlertKind.CAMERA_FAULT, "camera:7:fault", 7)
        assert "mất tín hiệu" in found.message and "offline" in found.message_en


def test_a_healthy_camera_has_no_fault():
    now = local(10, 0)
    facts = CameraFacts(1, 10, "DC-HT", 7, "DC-HT-CAM", Reading(now, "ok", "present", 0), now - timedelta(hours=1))
    assert camera_condition(facts, TH, now) is None


def test_scheduled_minutes_and_raised():
    assert scheduled_minutes(SESSIONS, local(11, 0), local(13, 30)) == 60
    assert scheduled_minutes(SESSIONS, local(6, 0), local(18, 0)) == 480
    assert scheduled_minutes(SESSIONS, local(11, 30), local(13, 0)) == 0
    assert [raised(s) for s in Severity] == [Severity.WARNING, Severity.CRITICAL, Severity.CRITICAL]


def test_rules_take_utc_and_local_instants_alike():
    since = local(9, 0).astimezone(timezone.utc)
    now = local(9, 30).astimezone(timezone.utc)
    assert kinds(desk_conditions(desk(readings(since, now), absent_since=since), TH, now)) == ["unattended"]
