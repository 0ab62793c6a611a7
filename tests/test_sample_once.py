"""``deskaudit sample --once`` and the observation writes, on the example site (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import cv2
import pytest
from sqlalchemy import func, or_, select

from deskaudit.cli import cli
from fakecams import BoxesDetector, example_site_loader
from models.enums import CameraHealth, PresenceState
from models.observing import Observation, PresenceEvent
from models.org import Camera, Desk
from schedules.sampling import Sampler, SamplingSettings, UnknownCamera, enabled_cameras, slot_start
from schedules.snapshots import latest_snapshot_path

AT = datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc)  # 09:15:07 in Hà Nội, a Monday
# vtest is 768×576; TV-HT-CAM's staff zone is x 0.70–1.00, y 0.30–0.75, its queue zone x 0.35–0.70.
AT_DESK = [620, 200, 684, 345]  # feet at (0.85, 0.60)
IN_QUEUE = [320, 200, 370, 345]  # feet at (0.45, 0.60)
MISSING = "file:///nonexistent/deskaudit/missing-footage.mp4"


FakeDetector = BoxesDetector


@pytest.fixture
def site(example_raw, write_config, session_for):
    """The example site imported into the test database; returns a function to import a mutated copy."""
    return example_site_loader(example_raw, write_config, session_for, AT)


def _enabled_count(session) -> int:
    """Enabled desk cameras of active desks, and enabled room cameras."""
    query = (select(func.count()).select_from(Camera).outerjoin(Desk, Camera.desk_id == Desk.id)
             .where(Camera.enabled.is_(True), Camera.active.is_(True),
                    or_(Camera.desk_id.is_(None), Desk.active.is_(True))))
    return session.scalar(query)


def _observations(session):
    return session.scalars(select(Observation).order_by(Observation.camera_id, Observation.slot_at)).all()


def _camera(raw, code):
    return next(c for u in raw["units"] for d in u.get("desks", []) for c in d.get("cameras", []) if c["id"] == code)


@pytest.mark.parametrize("at, cadence, expected", [
    (datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc), 30, datetime(2026, 3, 2, 2, 15, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 2, 2, 15, 37, 999999, tzinfo=timezone.utc), 30,
     datetime(2026, 3, 2, 2, 15, 30, tzinfo=timezone.utc)),
    (datetime(2026, 3, 2, 9, 15, 59, tzinfo=timezone(timedelta(hours=7))), 60,
     datetime(2026, 3, 2, 2, 15, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 2, 2, 15, 44, tzinfo=timezone.utc), 45, datetime(2026, 3, 2, 2, 15, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 2, 2, 15, 45, tzinfo=timezone.utc), 45, datetime(2026, 3, 2, 2, 15, 45, tzinfo=timezone.utc)),
])
def test_slot_start_floors_to_the_cadence_in_utc(at, cadence, expected):
    slot = slot_start(at, cadence)
    assert slot == expected and slot.tzinfo is timezone.utc


def test_slot_start_refuses_naive_times():
    with pytest.raises(ValueError, match="naive"):
        slot_start(datetime(2026, 3, 2, 2, 15), 30)


def test_one_observation_per_enabled_camera_and_a_slot_is_sampled_once(site, tmp_path):
    factory = site(lambda raw: _camera(raw, "DC-XH-CAM").update(enabled=False))
    sampler = Sampler(FakeDetector([AT_DESK, IN_QUEUE]), data_dir=tmp_path / "data")
    with factory() as session:  # sample_all commits after each camera
        expected = _enabled_count(session)
        results = sampler.sample_all(session, AT)
    assert expected == len(results) >= 2 and "DC-XH-CAM" not in [r.camera_code for r in results]
    with factory() as session:
        rows = _observations(session)
        assert len(rows) == expected + 1  # the room camera DC-PHONG writes one row for each of its two desks
        assert len([r for r in rows if r.camera_id == _id(session, "DC-PHONG")]) == 2
        assert all(r.health is CameraHealth.OK and r.persons == 2 and r.error is None for r in rows)
        assert all(r.observed_at == AT
                   and r.slot_at == slot_start(AT, 60 if r.camera_id == _id(session, "TV-CT-CAM") else 30)
                   for r in rows)
        assert {r.model_id for r in rows} == {"fake@0/none/0"}
    ht = next(r for r in results if r.camera_code == "TV-HT-CAM")
    assert (ht.staff_count, ht.queue_count, ht.presence, ht.written) == (1, 1, "unknown", True)
    for result in results:
        image = cv2.imread(str(latest_snapshot_path(tmp_path / "data", result.camera_code)))
        assert image is not None and image.shape == (576, 768, 3)

    with factory() as session:  # same slot again: nothing new
        again = sampler.sample_all(session, AT + timedelta(seconds=5))
    assert [r.written for r in again] == [False] * expected
    with factory() as session:
        assert len(_observations(session)) == expected + 1


def _id(session, code):
    return session.scalar(select(Camera.id).where(Camera.code == code))


def test_one_camera_and_unknown_camera(site, tmp_path):
    factory = site()
    sampler = Sampler(FakeDetector([AT_DESK]), data_dir=tmp_path)
    with factory() as session:
        assert [r.camera_code for r in sampler.sample_all(session, AT, code="TV-DD-CAM")] == ["TV-DD-CAM"]
        with pytest.raises(UnknownCamera, match="'NOPE' does not exist"):
            enabled_cameras(session, "NOPE")
    with factory() as session:
        assert len(_observations(session)) == 1


def test_missing_footage_is_an_offline_observation_with_null_counts(site, tmp_path):
    factory = site(lambda raw: _camera(raw, "TV-HT-CAM").update(url=MISSING))
    detector = FakeDetector([AT_DESK])
    with factory() as session:
        result = Sampler(detector, data_dir=tmp_path).sample_all(session, AT, code="TV-HT-CAM")[0]
    assert (result.health, result.presence, result.persons, result.staff_count, result.queue_count) == (
        "offline", "unknown", None, None, None)
    assert "no such file" in result.error and result.snapshot is None
    assert detector.calls == 0
    with factory() as session:
        (row,) = _observations(session)
        assert row.health is CameraHealth.OFFLINE and row.persons is None and row.latency_ms is not None


def test_credentials_of_an_unreachable_camera_never_show(site, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)

    def unreachable(raw):
        _camera(raw, "TV-HT-CAM").update(url="http://127.0.0.1:9/snapshot.jpg", username="operator",
                                         password="s3cret-Pw")

    factory = site(unreachable)
    sampler = Sampler(FakeDetector([]), data_dir=tmp_path,
                      settings=SamplingSettings(open_timeout_s=1.0, read_timeout_s=1.0))
    with factory.begin() as session:
        (camera,) = enabled_cameras(session, "TV-HT-CAM")
        result = sampler.sample(session, camera, AT)
    assert result.health == "offline"
    shown = [result.error, repr(camera), *(r.getMessage() for r in caplog.records)]
    assert not [text for text in shown if "s3cret-Pw" in text]


def test_presence_survives_a_restart(site, tmp_path):
    """Two samples in consecutive slots, each by a new sampler (as after a restart): the second is present."""
    factory = site()
    for i in range(2):
        sampler = Sampler(FakeDetector([AT_DESK]), data_dir=tmp_path)  # new detector, pipeline and tracker
        with factory() as session:
            (result,) = sampler.sample_all(session, AT + timedelta(seconds=30 * i), code="TV-HT-CAM")
        assert result.written
    assert result.presence == "present"
    with factory() as session:
        presences = [r.presence for r in _observations(session)]
        events = session.scalars(select(PresenceEvent)).all()
    assert presences == [PresenceState.UNKNOWN, PresenceState.PRESENT]
    assert [(e.at, e.previous_state, e.state, e.camera_id is not None) for e in events] == [
        (AT + timedelta(seconds=30), PresenceState.UNKNOWN, PresenceState.PRESENT, True)]


def test_a_slot_written_by_a_racing_sampler_is_kept(site, tmp_path):
    """The existence check passes, then another process writes the slot first: theirs stands, no duplicate."""
    factory = site()

    class LateSampler(Sampler):
        checks = 0

        def _observation(self, session, camera_id, slot_at):
            LateSampler.checks += 1
            if LateSampler.checks == 1:  # the other process commits right after our check
                with factory.begin() as other:
                    other.add(Observation(camera_id=camera_id, desk_id=camera.desk_id, slot_at=slot_at,
                                          observed_at=AT, health=CameraHealth.DARK,
                                          presence=PresenceState.UNKNOWN, error="racing"))
                return None
            return super()._observation(session, camera_id, slot_at)

    with factory.begin() as session:
        (camera,) = enabled_cameras(session, "TV-HT-CAM")
        result = LateSampler(FakeDetector([AT_DESK]), data_dir=tmp_path).sample(session, camera, AT)
        assert not result.written and result.error == "racing"
    with factory() as session:
        assert [r.error for r in _observations(session)] == ["racing"]
        assert session.scalar(select(func.count()).select_from(PresenceEvent)) == 0


# --- the command line -------------------------------------------------------------------------------------

@pytest.fixture
def cli_site(site, migrated_url, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    return site


def test_sample_needs_once_and_a_known_camera(cli_site, cli_runner):
    cli_site()
    result = cli_runner.invoke(cli, ["sample"])
    assert result.exit_code == 2 and "deskaudit run sampler" in result.output
    result = cli_runner.invoke(cli, ["sample", "--once", "--camera", "NOPE"])
    assert result.exit_code == 2 and "NOPE" in result.output


def test_sample_on_an_unmigrated_database_is_a_failure(cli_runner, monkeypatch, tmp_path):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = cli_runner.invoke(cli, ["sample", "--once"])
    assert result.exit_code == 1 and "deskaudit db upgrade" in result.output


@pytest.mark.slow
def test_sample_once_with_the_real_detector(cli_site, cli_runner, tmp_path):
    factory = cli_site(lambda raw: _camera(raw, "DC-XH-CAM").update(url=MISSING))
    with factory() as session:
        expected = _enabled_count(session)

    one = cli_runner.invoke(cli, ["sample", "--once", "--camera", "TV-HT-CAM"])
    assert one.exit_code == 0, one.output
    assert one.output.startswith("TV-HT-CAM  ok  persons=") and len(one.output.splitlines()) == 1

    every = cli_runner.invoke(cli, ["sample", "--once"])
    assert every.exit_code == 0, every.output  # an offline camera is a result, not an error
    assert len(every.output.splitlines()) == expected
    assert "DC-XH-CAM  offline  persons=- staff=- queue=-" in every.output
    with factory() as session:
        rows = _observations(session)
        codes = dict(session.execute(select(Camera.id, Camera.code)).all())
    # TV-HT-CAM has two rows if its 30 s slot turned over between the two commands, else one.
    assert expected <= len(rows) <= expected + 1
    by_code = {codes[r.camera_id]: r for r in rows}  # the newest row per camera
    assert len(by_code) == expected
    assert by_code["DC-XH-CAM"].health is CameraHealth.OFFLINE and by_code["DC-XH-CAM"].persons is None
    assert all(r.health is CameraHealth.OK and r.persons >= 1 for code, r in by_code.items() if code != "DC-XH-CAM")
    assert all(r.model_id.startswith("yolov8n@") for code, r in by_code.items() if code != "DC-XH-CAM")
    from deskaudit import paths

    for code in by_code.keys() - {"DC-XH-CAM"}:
        assert cv2.imread(str(latest_snapshot_path(paths.data_dir(), code))) is not None

    # Again at once: cameras still in the same slot write nothing; the wall clock cannot be fixed
    # here, so a slot may end in between (the fake-detector test checks the strict case).
    again = cli_runner.invoke(cli, ["sample", "--once"])
    assert again.exit_code == 0, again.output
    fresh = [line for line in again.output.splitlines() if "already sampled" not in line]
    with factory() as session:
        assert len(_observations(session)) == len(rows) + len(fresh)
