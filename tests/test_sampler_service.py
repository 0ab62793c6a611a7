"""``deskaudit run sampler``: the continuous sampler on the example site's file cameras (SQLite and PostgreSQL)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from deskaudit.cli import cli
from fakecams import BoxesDetector, example_site_loader
from models.enums import CameraHealth
from models.observing import Observation
from models.org import Camera
from schedules.sampling import enabled_cameras, slot_start
from schedules.service import (
    ALERTS_JOB_ID,
    CATCH_UP_SUFFIX,
    NIGHTLY_AUDIT_JOB_ID,
    RECONCILE_JOB_ID,
    RETENTION_JOB_ID,
    SamplerService,
    camera_job_id,
    intended_slot,
    slot_offset,
)

SERVICE_JOBS = [ALERTS_JOB_ID, NIGHTLY_AUDIT_JOB_ID, RECONCILE_JOB_ID, RETENTION_JOB_ID]

AT = datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc)  # 09:15:07 in Hà Nội, a Monday
SUNDAY = datetime(2026, 3, 1, 2, 15, 7, tzinfo=timezone.utc)
AT_DESK = [620, 200, 684, 345]
MISSING = "file:///nonexistent/deskaudit/missing-footage.mp4"


class FakeDetector(BoxesDetector):
    """One officer at the desk in every frame."""

    def __init__(self, boxes=(AT_DESK,)):
        super().__init__(boxes)


class BrokenDetector(FakeDetector):
    """A bug, not a ``DetectorError``: the camera job raises."""

    def detect(self, image):
        raise RuntimeError("boom in the detector")


def _camera(raw, code):
    return next(c for u in raw["units"] for d in u.get("desks", []) for c in d.get("cameras", []) if c["id"] == code)


@pytest.fixture
def site(example_raw, write_config, session_for):
    """The example site imported, every camera at a 1 s cadence; returns the session factory."""
    return example_site_loader(example_raw, write_config, session_for, AT,
                               adjust=lambda session: session.execute(update(Camera).values(cadence_seconds=1)))


@pytest.fixture
def service_for(tmp_path):
    made = []

    def make(factory, detector=None, **options):
        options.setdefault("respect_hours", False)
        service = SamplerService(factory, detector or FakeDetector(), tmp_path / "data", **options)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


def _codes(factory) -> list[str]:
    with factory() as session:
        return [c.code for c in enabled_cameras(session)]


def _per_camera(factory) -> dict[str, list[Observation]]:
    with factory() as session:
        codes = dict(session.execute(select(Camera.id, Camera.code)).all())
        rows = session.scalars(select(Observation).order_by(Observation.slot_at)).all()
    by_code: dict[str, list[Observation]] = {}
    for row in rows:
        by_code.setdefault(codes[row.camera_id], []).append(row)
    return by_code


def _wait_for(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_every_enabled_camera_is_sampled_once_per_slot(site, service_for):
    factory = site(lambda raw: _camera(raw, "DC-XH-CAM").update(enabled=False))
    codes = _codes(factory)
    service = service_for(factory)
    assert service.start() == len(codes) >= 2
    assert service.job_ids() == sorted([*SERVICE_JOBS, *(camera_job_id(c) for c in codes)])
    assert _wait_for(lambda: all(len(_per_camera(factory).get(c, [])) >= 2 for c in codes), 6)
    service.stop()
    observed = _per_camera(factory)
    assert sorted(observed) == sorted(codes)  # the disabled camera was never sampled
    for rows in observed.values():
        slots = Counter((r.desk_id, r.slot_at) for r in rows)  # a room camera: one row per desk in view
        assert max(slots.values()) == 1
        assert all(r.health is CameraHealth.OK and r.persons == 1 for r in rows)  # live footage: never "frozen"


def test_reconcile_follows_the_database_without_a_restart(site, service_for):
    factory = site(lambda raw: _camera(raw, "DC-XH-CAM").update(enabled=False))
    service = service_for(factory, reconcile_every_s=1)
    service.start()
    assert camera_job_id("TV-HT-CAM") in service.job_ids() and camera_job_id("DC-XH-CAM") not in service.job_ids()

    with factory.begin() as session:
        session.execute(update(Camera).where(Camera.code == "TV-HT-CAM").values(enabled=False))
        session.execute(update(Camera).where(Camera.code == "DC-XH-CAM").values(enabled=True))
        session.execute(update(Camera).where(Camera.code == "TV-DD-CAM").values(cadence_seconds=7))
    assert _wait_for(lambda: camera_job_id("DC-XH-CAM") in service.job_ids(), 3)
    assert camera_job_id("TV-HT-CAM") not in service.job_ids()
    assert service.scheduler.get_job(camera_job_id("TV-DD-CAM")).trigger.interval_length == 7
    assert service.scheduler.get_job(camera_job_id("DC-XH-CAM")).trigger.interval_length == 1
    assert _wait_for(lambda: len(_per_camera(factory).get("DC-XH-CAM", [])) >= 1, 3)
    before = len(_per_camera(factory).get("TV-HT-CAM", []))
    time.sleep(1.5)
    assert len(_per_camera(factory).get("TV-HT-CAM", [])) == before


def test_job_ids_and_offsets_are_deterministic():
    assert camera_job_id("TV-HT-CAM") == "camera:TV-HT-CAM"
    assert slot_offset("TV-HT-CAM", 30) == slot_offset("TV-HT-CAM", 30)
    assert 0 <= slot_offset("TV-HT-CAM", 30) < 24 and 0 <= slot_offset("X", 1) < 0.8
    offsets = sorted(slot_offset(f"CAM-{n:03d}", 30) for n in range(500))
    assert offsets[50] < 4 and offsets[-50] > 19  # 500 cameras spread over the slot, not bunched at its start


def test_a_late_start_counts_for_the_slot_it_was_scheduled_in():
    offset = slot_offset("TV-HT-CAM", 30)
    slot = datetime(2026, 3, 2, 2, 15, 0, tzinfo=timezone.utc)
    for late in (0, 0.2, 5, 29.9 - offset):
        started = slot + timedelta(seconds=offset + late)
        assert intended_slot("TV-HT-CAM", 30, started) == slot


@pytest.fixture
def slow_site(example_raw, write_config, session_for):
    """The example site imported, every camera at a 60 s cadence; returns the session factory."""
    return example_site_loader(example_raw, write_config, session_for, AT,
                               adjust=lambda session: session.execute(update(Camera).values(cadence_seconds=60)))


def test_a_camera_whose_slot_time_has_passed_at_start_is_sampled_soon_once(slow_site, service_for, monkeypatch):
    monkeypatch.setattr("schedules.service.CATCH_UP_SPREAD_S", 1.0)
    monkeypatch.setattr("schedules.service.slot_offset", lambda code, cadence: 0.0)  # every slot time: its start
    factory = slow_site()
    codes = _codes(factory)
    into_slot = (datetime.now(timezone.utc) - slot_start(datetime.now(timezone.utc), 60)).total_seconds()
    if into_slot > 50:  # keep the next regular run (the next slot's start) at least 10 s away
        time.sleep(60.5 - into_slot)
    slot = slot_start(datetime.now(timezone.utc), 60)
    service = service_for(factory)
    service.start()
    # Without the catch-up the first samples would come at the next slot's start, 10–60 s later: waiting up to 8 s
    # (the catch-up spread is 1 s; a loaded machine needs the rest) still tells the catch-up from that run.
    assert _wait_for(lambda: sorted(_per_camera(factory)) == sorted(codes), 8)
    time.sleep(0.5)
    for rows in _per_camera(factory).values():  # once, for the slot it ran in (a room camera: once per desk)
        assert {r.slot_at.replace(tzinfo=timezone.utc) for r in rows} == {slot}
        assert len(rows) == len({r.desk_id for r in rows})
    assert service.job_ids() == sorted([*SERVICE_JOBS, *(camera_job_id(c) for c in codes)])


def test_no_catch_up_before_a_cameras_slot_time(slow_site, service_for):
    factory = slow_site()
    at_slot_start = datetime(2026, 3, 2, 2, 15, 0, tzinfo=timezone.utc)
    service = service_for(factory, clock=lambda: at_slot_start)
    service.start()
    codes = [code for code in _codes(factory) if slot_offset(code, 60) > 0]
    assert codes and all(service.scheduler.get_job(camera_job_id(c) + CATCH_UP_SUFFIX) is None for c in codes)


@pytest.mark.parametrize("now, sampled", [(SUNDAY, False), (AT, True)])
def test_working_hours_decide_whether_a_desk_is_sampled(site, service_for, now, sampled):
    factory = site()
    codes = _codes(factory)
    service = service_for(factory, respect_hours=True, clock=lambda: now)
    service.start()
    if sampled:  # a fixed clock stays in one slot: one observation per camera
        assert _wait_for(lambda: len(_per_camera(factory)) == len(codes), 5)
        time.sleep(1.2)
    else:
        time.sleep(2.5)
    service.stop()
    observed = _per_camera(factory)
    assert sorted(observed) == (sorted(codes) if sampled else [])
    for rows in observed.values():  # one sample (a room camera writes it for each desk in view)
        assert len({r.slot_at for r in rows}) == 1 and len(rows) == len({r.desk_id for r in rows})
        assert all(r.observed_at == now for r in rows)


def test_a_failing_camera_job_is_recorded_and_the_others_keep_running(site, service_for, caplog):
    factory = site(lambda raw: _camera(raw, "TV-HT-CAM").update(url=MISSING))
    codes = _codes(factory)
    service = service_for(factory, BrokenDetector())
    service.start()
    assert _wait_for(lambda: all(len(_per_camera(factory).get(c, [])) >= 2 for c in codes), 6)
    assert service.scheduler.running and len(service.job_ids()) == len(codes) + len(SERVICE_JOBS)
    service.stop()
    observed = _per_camera(factory)
    assert {r.health for r in observed["TV-HT-CAM"]} == {CameraHealth.OFFLINE}  # never reached the detector
    for code in set(codes) - {"TV-HT-CAM"}:
        rows = observed[code]
        assert {r.health for r in rows} == {CameraHealth.ERROR}
        assert all("RuntimeError: boom in the detector" in r.error for r in rows)
        assert max(Counter((r.desk_id, r.slot_at) for r in rows).values()) == 1
    assert any("boom in the detector" in r.getMessage() for r in caplog.records)


# --- the command line -------------------------------------------------------------------------------------

def test_run_sampler_on_an_unmigrated_database_is_a_failure(cli_runner, monkeypatch, tmp_path):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = cli_runner.invoke(cli, ["run", "sampler"])
    assert result.exit_code == 1 and "deskaudit db upgrade" in result.output


def test_run_sampler_starts_samples_and_stops(site, migrated_url, cli_runner, monkeypatch):
    factory = site()
    codes = _codes(factory)
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    sample_module = sys.modules["deskaudit.cli.sample"]  # the attribute `deskaudit.cli.sample` is the command
    monkeypatch.setattr(sample_module, "build_detector", lambda backend, weights, vision=None: FakeDetector())

    def briefly(service):
        service.start()
        _wait_for(lambda: len(_per_camera(factory)) == len(codes), 5)
        service.stop()

    monkeypatch.setattr(SamplerService, "run_forever", briefly)
    result = cli_runner.invoke(cli, ["run", "sampler", "--ignore-hours", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"deskaudit sampler: {len(codes)} camera(s), sampling around the clock")
    assert sorted(_per_camera(factory)) == sorted(codes)
