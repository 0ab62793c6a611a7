"""A desk's live status (audit.rules.desk_status), case by case: plain values in, no database, a fixed clock.

The wall, the alert rules and the MQTT desk state all show this one decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from audit.rules.desk_status import (
    AWAY,
    CAMERA_PROBLEM,
    EXCUSED,
    NO_CAMERA,
    OFF_HOURS,
    STAFFED,
    STATUSES,
    UNATTENDED,
    UNKNOWN,
    CameraLatest,
    DeskNow,
    LiveStatus,
    PresenceChange,
    desk_status,
    stale_after,
)
from audit.rules.thresholds import Thresholds

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=VN)  # a Monday


SESSIONS = ((at(7, 30), at(11, 30)), (at(13, 0), at(17, 0)))
TH = Thresholds()


def cam(seen: datetime | None, presence: str = "present", health: str = "ok", queue: int | None = 0,
        cadence: int = 30) -> CameraLatest:
    """A camera whose latest sample was taken at ``seen`` (``None``: never sampled)."""
    if seen is None:
        return CameraLatest(cadence)
    return CameraLatest(cadence, seen, health, presence if health == "ok" else "unknown",
                        queue if health == "ok" else None)


def absent_since(when: datetime) -> PresenceChange:
    return PresenceChange("absent", when)


CASES = [
    # (id, desk, now, thresholds, expected status, expected numbers)
    ("nothing watches the desk", DeskNow(()), at(9, 0), TH, NO_CAMERA, {}),
    ("never sampled", DeskNow((cam(None),), None, SESSIONS), at(9, 0), TH, CAMERA_PROBLEM, {"problem": "none"}),
    ("never sampled, outside hours too", DeskNow((cam(None),), None, SESSIONS), at(12, 0), TH, CAMERA_PROBLEM,
     {"problem": "none"}),
    ("offline 12 min ago", DeskNow((cam(at(8, 48), health="offline"),), None, SESSIONS), at(9, 0), TH,
     CAMERA_PROBLEM, {"problem": "offline", "minutes": 12, "queue": None}),
    ("frozen", DeskNow((cam(at(8, 59, 30), health="frozen"),), None, SESSIONS), at(9, 0), TH, CAMERA_PROBLEM,
     {"problem": "frozen", "minutes": 0}),
    ("dark, outside hours: no minutes", DeskNow((cam(at(11, 50), health="dark"),), None, SESSIONS), at(12, 0), TH,
     CAMERA_PROBLEM, {"problem": "dark", "minutes": None, "in_hours": False}),
    ("a camera fault is never absence", DeskNow((cam(at(8, 59, 30), health="covered"),), absent_since(at(8, 0)),
                                                 SESSIONS), at(9, 0), TH, CAMERA_PROBLEM, {"problem": "covered"}),
    ("one of two cameras faulty: the other watches the desk",
     DeskNow((cam(at(8, 59, 30), queue=3), cam(at(8, 59, 40), health="moved")), None, SESSIONS), at(9, 0), TH,
     STAFFED, {"problem": None, "queue": 3, "observed_at": at(8, 59, 30)}),
    ("a room camera never sampled: the desk's own camera speaks",
     DeskNow((cam(at(8, 59, 30), presence="absent"), cam(None)), absent_since(at(8, 40)), SESSIONS), at(9, 0), TH,
     UNATTENDED, {"minutes": 20}),
    ("one camera stale, the other fresh", DeskNow((cam(at(8, 50)), cam(at(8, 59, 30), presence="absent")),
                                                  absent_since(at(8, 55)), SESSIONS), at(9, 0), TH, AWAY,
     {"minutes": 5, "observed_at": at(8, 59, 30)}),
    ("both cameras faulty: the first one's problem", DeskNow((cam(at(8, 50)), cam(at(8, 59, 30), health="dark")),
                                                             absent_since(at(8, 0)), SESSIONS), at(9, 0), TH,
     CAMERA_PROBLEM, {"problem": "stale", "minutes": 10}),
    ("stale: 4 min without a sample", DeskNow((cam(at(8, 56)),), None, SESSIONS), at(9, 0), TH, CAMERA_PROBLEM,
     {"problem": "stale", "minutes": 4}),
    ("2 min without a sample is not stale", DeskNow((cam(at(8, 58)),), None, SESSIONS), at(9, 0), TH, STAFFED, {}),
    ("a 5-min camera: 14 min is not stale", DeskNow((cam(at(8, 46), cadence=300),), None, SESSIONS), at(9, 0), TH,
     STAFFED, {}),
    ("a 5-min camera: 16 min is stale", DeskNow((cam(at(8, 44), cadence=300),), None, SESSIONS), at(9, 0), TH,
     CAMERA_PROBLEM, {"problem": "stale", "minutes": 16}),
    ("silent over lunch is no problem", DeskNow((cam(at(11, 29, 30)),), None, SESSIONS), at(12, 15), TH, OFF_HOURS,
     {"in_hours": False}),
    ("outside hours", DeskNow((cam(at(17, 59, 30), presence="absent"),), absent_since(at(17, 0)), SESSIONS),
     at(18, 0), TH, OFF_HOURS, {}),
    ("no hours profile: never scheduled", DeskNow((cam(at(8, 59, 30), presence="absent"),), absent_since(at(8, 0))),
     at(9, 0), TH, OFF_HOURS, {}),
    ("staffed", DeskNow((cam(at(8, 59, 30), queue=2),), PresenceChange("present", at(8, 0)), SESSIONS), at(9, 0), TH,
     STAFFED, {"queue": 2, "observed_at": at(8, 59, 30), "in_hours": True}),
    ("staffed by someone while the holder is on leave", DeskNow((cam(at(8, 59, 30)),), None, SESSIONS, excused=True),
     at(9, 0), TH, STAFFED, {}),
    ("away 10 min", DeskNow((cam(at(8, 59, 30), presence="absent", queue=1),), absent_since(at(8, 50)), SESSIONS),
     at(9, 0), TH, AWAY, {"minutes": 10, "since": at(8, 50), "waiting": False}),
    ("away 14 min 59 s", DeskNow((cam(at(9, 14, 30), presence="absent"),), absent_since(at(9, 0)), SESSIONS),
     at(9, 14, 59), TH, AWAY, {"minutes": 14}),
    ("unattended at exactly 15 min", DeskNow((cam(at(9, 14, 30), presence="absent"),), absent_since(at(9, 0)),
                                             SESSIONS), at(9, 15), TH, UNATTENDED,
     {"minutes": 15, "since": at(9, 0), "waiting": False, "queue": 0}),
    ("unattended while 3 wait", DeskNow((cam(at(9, 29, 30), presence="absent", queue=3),), absent_since(at(9, 0)),
                                        SESSIONS), at(9, 30), TH, UNATTENDED,
     {"minutes": 30, "queue": 3, "waiting": True}),
    ("3 waiting under a queue minimum of 4", DeskNow((cam(at(9, 29, 30), presence="absent", queue=3),),
                                                     absent_since(at(9, 0)), SESSIONS), at(9, 30),
     Thresholds(unattended_queue_min=4), UNATTENDED, {"waiting": False}),
    ("30 min under its own 45", DeskNow((cam(at(9, 29, 30), presence="absent"),), absent_since(at(9, 0)), SESSIONS),
     at(9, 30), Thresholds(unattended_minutes=45), AWAY, {"minutes": 30}),
    ("only scheduled minutes count: 10 before lunch + 4", DeskNow((cam(at(13, 3, 30), presence="absent"),),
                                                                  absent_since(at(11, 20)), SESSIONS),
     at(13, 4), TH, AWAY, {"minutes": 14}),
    ("… and 10 + 5 after lunch", DeskNow((cam(at(13, 4, 30), presence="absent"),), absent_since(at(11, 20)),
                                        SESSIONS), at(13, 5), TH, UNATTENDED, {"minutes": 15}),
    ("absent, nobody recorded since when", DeskNow((cam(at(9, 59, 30), presence="absent"),), None, SESSIONS),
     at(10, 0), TH, AWAY, {"minutes": None, "since": None}),
    ("the latest change speaks, not a sample (present)", DeskNow((cam(at(9, 59, 30), presence="absent"),),
                                                                 PresenceChange("present", at(8, 0)), SESSIONS),
     at(10, 0), TH, STAFFED, {}),
    ("the latest change speaks, not a sample (absent)", DeskNow((cam(at(8, 59, 30)),), absent_since(at(8, 30)),
                                                                SESSIONS), at(9, 0), TH, UNATTENDED, {"minutes": 30}),
    ("a change to unknown", DeskNow((cam(at(8, 59, 30)),), PresenceChange("unknown", at(8, 59)), SESSIONS),
     at(9, 0), TH, UNKNOWN, {}),
    ("excused: every expected official on leave", DeskNow((cam(at(9, 59, 30), presence="absent", queue=2),),
                                                          absent_since(at(8, 0)), SESSIONS, excused=True),
     at(10, 0), TH, EXCUSED, {"minutes": 120, "waiting": False, "queue": 2}),
    ("excused but the camera is offline", DeskNow((cam(at(9, 59, 30), health="offline"),), absent_since(at(8, 0)),
                                                  SESSIONS, excused=True), at(10, 0), TH, CAMERA_PROBLEM, {}),
    ("excused, outside hours", DeskNow((cam(at(12, 0), presence="absent"),), absent_since(at(8, 0)), SESSIONS,
                                       excused=True), at(12, 0), TH, OFF_HOURS, {}),
    ("presence not yet known", DeskNow((cam(at(8, 59, 30), presence="unknown"),), None, SESSIONS), at(9, 0), TH,
     UNKNOWN, {}),
    ("without a change the newest of two cameras speaks", DeskNow((cam(at(8, 59), presence="absent"),
                                                                   cam(at(8, 59, 30), queue=4)), None, SESSIONS),
     at(9, 0), TH, STAFFED, {"queue": 4, "observed_at": at(8, 59, 30)}),
    ("UTC instants alike", DeskNow((cam(at(9, 29, 30).astimezone(timezone.utc), presence="absent"),),
                                   absent_since(at(9, 0).astimezone(timezone.utc)), SESSIONS),
     at(9, 30).astimezone(timezone.utc), TH, UNATTENDED, {"minutes": 30}),
]


@pytest.mark.parametrize("desk, now, th, status, numbers", [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_live_status(desk, now, th, status, numbers):
    found = desk_status(desk, th, now)
    assert found.status == status
    for name, value in numbers.items():
        assert getattr(found, name) == value, name


def test_every_status_has_a_case():
    assert {case[4] for case in CASES} == set(STATUSES)


@pytest.mark.parametrize("status, fault", [(s, s in (CAMERA_PROBLEM, NO_CAMERA)) for s in STATUSES])
def test_camera_faults_are_not_presence(status, fault):
    assert LiveStatus(status).camera_fault is fault


@pytest.mark.parametrize("cadence, after", [(1, timedelta(minutes=3)), (30, timedelta(minutes=3)),
                                            (60, timedelta(minutes=3)), (90, timedelta(minutes=4, seconds=30)),
                                            (300, timedelta(minutes=15))])
def test_stale_after_three_cadences_and_at_least_three_minutes(cadence, after):
    assert stale_after(cadence) == after
