"""The site config's [vision] settings take effect: in `sample --once`, in `run sampler` (also when changed,
at the next reconcile), in `replay --config`, and a camera's own `health` table overrides them for it."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from deskaudit.cli import cli
from fakecams import BoxesDetector, example_site_loader
from models.enums import CameraHealth, PresenceState
from models.observing import Observation, VisionSettings
from models.org import Camera
from schedules.sampling import Sampler, enabled_cameras
from schedules.service import SamplerService
from schedules.vision_settings import detector_settings, sampling_settings, stored_vision

AT = datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc)
AT_DESK = [620, 200, 684, 345]  # feet in TV-HT-CAM's staff zone
ALWAYS_DARK = {"health": {"dark_p95": 255.0}}  # "dark when the 95th percentile of luma is below 255"


def _camera(raw, code):
    return next(c for u in raw["units"] for d in u.get("desks", []) for c in d.get("cameras", []) if c["id"] == code)


def _vision(**tables):
    def mutate(raw):
        raw["vision"] = tables
    return mutate


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, AT)


@pytest.fixture
def fake_cli_detector(monkeypatch):
    """`build_detector` replaced by a fake; what it was asked for is kept."""
    asked = []
    sample_module = sys.modules["deskaudit.cli.sample"]

    def build(backend, weights, vision=None):
        asked.append((backend, detector_settings(vision, backend=backend)))
        return BoxesDetector([AT_DESK])

    monkeypatch.setattr(sample_module, "build_detector", build)
    return asked


def _health(factory, code):
    with factory() as session:
        return [(o.health, o.staff_count) for o in session.scalars(
            select(Observation).join(Camera, Camera.id == Observation.camera_id).where(Camera.code == code))]


def test_sample_once_applies_the_health_thresholds(site, migrated_url, monkeypatch, cli_runner, fake_cli_detector):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    factory = site(_vision(**ALWAYS_DARK, detector={"imgsz": 320, "confidence": 0.5}))
    result = cli_runner.invoke(cli, ["sample", "--once", "--camera", "TV-HT-CAM"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("TV-HT-CAM  dark  persons=- staff=- queue=-")
    assert _health(factory, "TV-HT-CAM") == [(CameraHealth.DARK, None)]
    (backend, chosen), = fake_cli_detector
    assert backend is None and (chosen.backend, chosen.imgsz, chosen.confidence) == ("openvino", 320, 0.5)


def test_without_the_table_the_defaults_apply(site, migrated_url, monkeypatch, cli_runner, fake_cli_detector):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    factory = site()
    result = cli_runner.invoke(cli, ["sample", "--once", "--camera", "TV-HT-CAM", "--backend", "torch"])
    assert result.exit_code == 0, result.output
    assert _health(factory, "TV-HT-CAM") == [(CameraHealth.OK, 1)]
    (backend, chosen), = fake_cli_detector
    assert (backend, chosen.backend, chosen.imgsz) == ("torch", "torch", 640)  # the command line wins


def test_a_camera_of_a_dim_room_overrides_the_site_thresholds(site, tmp_path):
    def dim_room(raw):
        _vision(**ALWAYS_DARK)(raw)
        _camera(raw, "TV-HT-CAM")["health"] = {"dark_p95": 0.0}

    factory = site(dim_room)
    with factory() as session:
        sampler = Sampler(BoxesDetector([AT_DESK]), data_dir=tmp_path,
                          settings=sampling_settings(stored_vision(session)))
        cameras = {c.code: c for c in enabled_cameras(session)}
        assert cameras["TV-HT-CAM"].health_overrides == {"dark_p95": 0.0}
        for code in ("TV-HT-CAM", "TV-DD-CAM"):
            sampler.sample(session, cameras[code], AT)
        session.commit()
    assert _health(factory, "TV-HT-CAM") == [(CameraHealth.OK, 1)]
    assert [h for h, _ in _health(factory, "TV-DD-CAM")] == [CameraHealth.DARK]


def test_the_presence_rule_decides_how_many_samples_make_present(site, tmp_path):
    eager = {"presence": {"window": 3, "k_present": 1, "k_absent": 3, "k_unknown": 2}}
    for tables, expected in (({}, [PresenceState.UNKNOWN, PresenceState.PRESENT]),
                             (eager, [PresenceState.PRESENT, PresenceState.PRESENT])):
        factory = site(_vision(**tables))
        with factory() as session:
            session.execute(Observation.__table__.delete())
            sampler = Sampler(BoxesDetector([AT_DESK]), data_dir=tmp_path,
                              settings=sampling_settings(stored_vision(session)))
            (camera,) = enabled_cameras(session, "TV-HT-CAM")
            states = [sampler.sample(session, camera, AT.replace(second=7 + 30 * i) if i else AT).presence
                      for i in range(2)]
            session.commit()
        assert states == expected, tables


def test_a_changed_table_takes_effect_at_the_next_reconcile(site, tmp_path):
    factory = site()
    with factory.begin() as session:
        session.execute(update(Camera).values(cadence_seconds=5))
    service = SamplerService(factory, BoxesDetector([AT_DESK]), tmp_path / "data", respect_hours=False,
                             reconcile_every_s=3600)
    try:
        service.start()
        service.scheduler.pause()  # only the samples this test takes
        first = service._sample_camera("TV-HT-CAM")
        assert first.health == "ok"
        with factory.begin() as session:
            row = session.get(VisionSettings, 1)
            row.config = {**row.config, "health": {**row.config["health"], "dark_p95": 255.0}}
        before = service.sampler.settings.health.dark_p95
        service.reconcile()
        assert (before, service.sampler.settings.health.dark_p95) == (40.0, 255.0)
        time.sleep(5.1)  # the next slot of the 5 s camera
        second = service._sample_camera("TV-HT-CAM")
        assert second.health == "dark" and second.staff_count is None
    finally:
        service.stop()


def test_replay_takes_the_vision_table_of_a_config_file(example_raw, write_config, cli_runner, monkeypatch,
                                                        tmp_path):
    """`replay --config` builds the detector and the health monitor from the file's [vision] table."""
    example_raw["vision"] = {**ALWAYS_DARK, "detector": {"imgsz": 320}}
    config = write_config(example_raw)
    seen = {}

    class Fake(BoxesDetector):
        def __init__(self, weights, settings, **_):
            super().__init__([AT_DESK])
            seen["settings"] = settings

        def warm_up(self, *_):
            pass

    monkeypatch.setattr("vision.detector.YoloDetector", Fake)
    monkeypatch.setattr("vision.weights.resolve_weights", lambda **_: tmp_path / "w.pt")
    from conftest import REPO

    video = REPO / "tests" / "data" / "vtest-excerpt.mp4"
    result = cli_runner.invoke(cli, ["replay", str(video), "--every", "5", "--config", str(config),
                                     "--no-progress"])
    assert result.exit_code == 0, result.output
    assert seen["settings"].imgsz == 320
    lines = [line for line in result.output.splitlines() if line.startswith("{")]
    assert lines and all('"health": "dark"' in line for line in lines)


def test_a_relative_weights_path_is_stored_relative_to_the_config_file(site, tmp_path):
    factory = site(_vision(detector={"weights": "models/custom.pt", "weights_sha256": "0" * 64}))
    with factory() as session:
        stored = stored_vision(session)["detector"]["weights"]
    assert stored == str((tmp_path / "models" / "custom.pt").resolve())  # the config file is written in tmp_path
