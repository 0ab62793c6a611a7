"""A room camera over several desks, and a desk seen by two cameras: one detection per frame, one observation
per desk in view, staffed if any healthy camera sees an official, unknown only when none was healthy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from audit.services.coverage import desk_cameras
from audit.services.daily_facts import desk_days
from fakecams import BoxesDetector, example_site_loader
from models.enums import CameraHealth, PresenceState
from models.observing import Observation
from models.org import Camera, Desk
from schedules.sampling import Sampler, enabled_cameras

AT = datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc)  # 09:15:07 in Hà Nội, a Monday
MISSING = "file:///nonexistent/deskaudit/missing-footage.mp4"
# vtest is 768×576. The room camera: TV-DD's counter on the left, TV-MC's on the right; queues below.
AT_DD = [100, 50, 200, 200]  # inside dd-can-bo, outside TV-DD-CAM's own staff zone (x ≥ 0.70)
IN_MC_QUEUE = [500, 300, 560, 500]  # feet at (0.69, 0.87)
ROOM = {
    "id": "TV-PHONG", "name": "Camera phòng một cửa", "url": "file:../tests/data/vtest-excerpt.mp4",
    "purpose": "Giám sát khu vực tiếp nhận hồ sơ (Nghị định 118/2025/NĐ-CP)", "cadence_seconds": 30,
    "zones": [
        {"name": "dd-can-bo", "kind": "staff", "desk": "TV-DD", "polygon": [[0, 0], [0.5, 0], [0.5, 0.4], [0, 0.4]]},
        {"name": "mc-can-bo", "kind": "staff", "desk": "TV-MC", "polygon": [[0.5, 0], [1, 0], [1, 0.4], [0.5, 0.4]]},
        {"name": "dd-hang", "kind": "queue", "desk": "TV-DD", "polygon": [[0, 0.4], [0.5, 0.4], [0.5, 1], [0, 1]]},
        {"name": "mc-hang", "kind": "queue", "desk": "TV-MC", "polygon": [[0.5, 0.4], [1, 0.4], [1, 1], [0.5, 1]]},
        {"name": "mat-quay", "kind": "mask", "polygon": [[0.4, 0.38], [0.6, 0.38], [0.6, 0.42], [0.4, 0.42]]},
    ],
}


def _with_room(raw, dd_camera_url=None):
    unit = next(u for u in raw["units"] if u["id"] == "NA-TRUONGVINH")
    unit["desks"].append({"id": "TV-MC", "name": "Quầy số 9", "field": "Một cửa liên thông"})
    unit["cameras"] = [dict(ROOM)]
    for desk in unit["desks"]:
        for camera in desk.get("cameras", []):
            camera["enabled"] = camera["id"] == "TV-DD-CAM"
            if camera["id"] == "TV-DD-CAM" and dd_camera_url:
                camera["url"] = dd_camera_url


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, AT)


def _rows(session, desk_code):
    return session.execute(
        select(Observation, Camera.code).join(Camera, Camera.id == Observation.camera_id)
        .join(Desk, Desk.id == Observation.desk_id).where(Desk.code == desk_code)
        .order_by(Observation.observed_at, Camera.code)).all()


def test_one_room_camera_sample_is_one_detection_and_a_row_per_desk(site, tmp_path):
    factory = site(_with_room)
    detector = BoxesDetector([AT_DD, IN_MC_QUEUE])
    with factory() as session:
        (room,) = enabled_cameras(session, "TV-PHONG")
        assert room.desk_id is None and sorted(room.desks) == ["TV-DD", "TV-MC"]
        result = Sampler(detector, data_dir=tmp_path).sample(session, room, AT)
        session.commit()
        assert detector.calls == 1
        assert [r.written for r in result.desks] == [True, True]
        dd, mc = _rows(session, "TV-DD"), _rows(session, "TV-MC")
    assert [(code, o.health, o.staff_count, o.queue_count, o.persons) for o, code in dd] == [
        ("TV-PHONG", CameraHealth.OK, 1, 0, 2)]
    assert [(code, o.health, o.staff_count, o.queue_count, o.desk_queue) for o, code in mc] == [
        ("TV-PHONG", CameraHealth.OK, 0, 1, 1)]
    # the slot is sampled once: a second call writes nothing and detects nothing
    with factory() as session:
        again = Sampler(detector, data_dir=tmp_path).sample(session, room, AT + timedelta(seconds=5))
        assert not again.written and len(again.desks) == 2 and detector.calls == 1


def test_a_desk_is_staffed_if_any_healthy_camera_sees_an_official(site, tmp_path):
    """TV-DD's own camera sees nobody at its counter; the room camera sees the official: present."""
    factory = site(_with_room)
    sampler = Sampler(BoxesDetector([AT_DD]), data_dir=tmp_path)
    with factory() as session:
        cameras = {c.code: c for c in enabled_cameras(session)}
        for i in range(3):
            at = AT + timedelta(seconds=30 * i)
            sampler.sample(session, cameras["TV-PHONG"], at)
            sampler.sample(session, cameras["TV-DD-CAM"], at + timedelta(seconds=1))
            session.commit()
        rows = _rows(session, "TV-DD")
    own = [o for o, code in rows if code == "TV-DD-CAM"]
    assert [o.staff_count for o in own] == [0, 0, 0]  # its own zone is empty...
    assert [o.desk_staff for o in own] == [1, 1, 1]  # ...but the desk's vote counts the room camera's official
    assert rows[-1][0].presence == PresenceState.PRESENT


def test_a_desk_is_unknown_only_when_none_of_its_cameras_is_healthy(site, tmp_path):
    factory = site(lambda raw: _with_room(raw, dd_camera_url=MISSING))
    sampler = Sampler(BoxesDetector([AT_DD]), data_dir=tmp_path)
    with factory() as session:
        cameras = {c.code: c for c in enabled_cameras(session)}
        for i in range(4):
            at = AT + timedelta(seconds=30 * i)
            sampler.sample(session, cameras["TV-PHONG"], at)
            sampler.sample(session, cameras["TV-DD-CAM"], at + timedelta(seconds=1))
            session.commit()
        rows = _rows(session, "TV-DD")
    offline = [o for o, code in rows if code == "TV-DD-CAM"]
    assert {o.health for o in offline} == {CameraHealth.OFFLINE}
    assert {o.desk_health for o in offline} == {CameraHealth.OK}  # the room camera was healthy in its slot
    assert [o.presence for o, _ in rows][-1] == PresenceState.PRESENT

    # the audit's timeline reads the desk's view: no unknown minutes from the offline camera's rows
    with factory() as session:
        day = AT.astimezone(timezone(timedelta(hours=7))).date()
        (dd,) = [d for d in desk_days(session, day, unit_code="NA-TRUONGVINH") if d.desk_code == "TV-DD"]
    assert dd.facts.present_minutes > 0

    # both cameras down: unknown
    factory = site(lambda raw: next(u for u in raw["units"] if u["id"] == "NA-TRUONGVINH")["cameras"][0].update(
        url=MISSING))  # the same site (already with the room camera), its room camera gone too
    with factory() as session:
        cameras = {c.code: c for c in enabled_cameras(session)}
        later = AT + timedelta(minutes=5)
        for i in range(4):
            at = later + timedelta(seconds=30 * i)
            sampler.sample(session, cameras["TV-PHONG"], at)
            sampler.sample(session, cameras["TV-DD-CAM"], at + timedelta(seconds=1))
            session.commit()
        rows = [o for o, _ in _rows(session, "TV-DD") if o.observed_at >= later]
    assert {o.desk_health for o in rows} == {CameraHealth.OFFLINE}
    assert rows[-1].presence == PresenceState.UNKNOWN


def test_coverage_names_the_cameras_of_each_desk(site):
    factory = site(_with_room)
    with factory() as session:
        ids = dict(session.execute(select(Desk.code, Desk.id)).all())
        found = desk_cameras(session, [ids["TV-DD"], ids["TV-MC"], ids["TV-HT"]], enabled_only=False)
        codes = {code: [c.code for c in found[ids[code]]] for code in ("TV-DD", "TV-MC", "TV-HT")}
    assert codes == {"TV-DD": ["TV-DD-CAM", "TV-PHONG"], "TV-MC": ["TV-PHONG"], "TV-HT": ["TV-HT-CAM"]}
