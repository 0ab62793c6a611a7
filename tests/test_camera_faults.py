"""Camera faults through the whole pipeline, on real protocols: each gives the right health, never a
crash, never an absence, and no credentials in any log line."""

from __future__ import annotations

import itertools
import logging
import time

import pytest

from fakecams import FakeHttpCamera, RtspTestServer, _rtsp_available, http_camera  # noqa: F401 (fixture)
from vision.detections import Detections
from vision.health import Health
from vision.pipeline import CameraPipeline
from vision.presence import PresenceState
from vision.sources import HttpSnapshotSource, RtspSource
from vision.zones import DeskZones, Zone

SECRET = "s3cr3t-Passw0rd"
ZONES = DeskZones([Zone.build("ban", "staff", [(0.7, 0.0), (1.0, 0.0), (1.0, 1.0), (0.7, 1.0)])])


class CountingDetector:
    """Stands in for YOLO: one officer at the desk in every frame it is given."""

    model_id = "fake@0/none/0"

    def __init__(self):
        self.calls = 0

    def detect(self, image):
        self.calls += 1
        height, width = image.shape[:2]
        return Detections.from_boxes([(0.8 * width, 0.2 * height, 0.9 * width, 0.6 * height)], (width, height))


def run(pipeline, source, samples, start=0.0, every=30.0):
    return [pipeline.sample(source, at=start + every * i) for i in range(samples)]


def assert_no_secret(caplog, *texts):
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in str(record.args or "")
    for text in texts:
        assert SECRET not in text


def test_http_camera_that_hangs_is_offline_then_recovers(http_camera, caplog):
    caplog.set_level(logging.DEBUG)
    source = HttpSnapshotSource(http_camera.url(), timeout_s=1.0)
    pipeline = CameraPipeline(CountingDetector(), ZONES)
    assert [s.health for s in run(pipeline, source, 2)] == [Health.OK, Health.OK]
    http_camera.mode = "hang"
    started = time.monotonic()
    hung = run(pipeline, source, 3, start=60)
    assert time.monotonic() - started < 3 * 1.0 + 3  # each read gives up after its timeout
    assert [s.health for s in hung] == [Health.OFFLINE] * 3
    assert hung[-1].presence is PresenceState.UNKNOWN
    http_camera.mode = "sequence"
    back = run(pipeline, source, 5, start=150)
    assert [s.health for s in back] == [Health.OK] * 5
    assert back[-1].presence is PresenceState.PRESENT
    source.close()


@pytest.mark.parametrize("mode", ["garbage", "error"])
def test_http_camera_returning_junk_is_offline(http_camera, mode):
    http_camera.mode = mode
    pipeline = CameraPipeline(CountingDetector(), ZONES)
    samples = run(pipeline, HttpSnapshotSource(http_camera.url(), timeout_s=2.0), 4)
    assert [s.health for s in samples] == [Health.OFFLINE] * 4
    assert pipeline.detector.calls == 0
    assert all(s.presence is PresenceState.UNKNOWN for s in samples)


def test_http_camera_serving_the_same_jpeg_forever_is_frozen(http_camera):
    http_camera.mode = "same"
    pipeline = CameraPipeline(CountingDetector(), ZONES)
    samples = run(pipeline, HttpSnapshotSource(http_camera.url(), timeout_s=2.0), 5)
    assert [s.health for s in samples] == [Health.OK, Health.OK, Health.FROZEN, Health.FROZEN, Health.FROZEN]
    assert samples[-1].presence is PresenceState.UNKNOWN  # a frozen picture is no evidence of anything


def test_wrong_credentials_are_offline_and_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    with FakeHttpCamera(username="viewer", password="right-one") as camera:
        url = camera.url().replace("http://", f"http://viewer:{SECRET}@")
        source = HttpSnapshotSource(url, timeout_s=2.0)
        samples = run(CameraPipeline(CountingDetector(), ZONES), source, 2)
        assert [s.health for s in samples] == [Health.OFFLINE] * 2
        assert "401" in samples[0].health_reason
        assert_no_secret(caplog, samples[0].health_reason, repr(source), source.description)
        good = HttpSnapshotSource(camera.url(), timeout_s=2.0, username="viewer", password="right-one")
        assert run(CameraPipeline(CountingDetector(), ZONES), good, 1)[0].health is Health.OK


@pytest.mark.slow
def test_rtsp_camera_killed_mid_run_and_restarted(caplog):
    caplog.set_level(logging.DEBUG)
    _rtsp_available()
    with RtspTestServer(username="viewer", password=SECRET) as server:
        source = RtspSource(server.url(), username="viewer", password=SECRET, open_timeout_s=5, read_timeout_s=3)
        try:
            pipeline = CameraPipeline(CountingDetector(), ZONES)
            clock = itertools.count(0.0, 30.0)
            first = _wait_for(pipeline, source, clock, Health.OK, deadline_s=30)
            assert first.frame is not None and first.frame.image.shape[:2] == (576, 768)
            server.kill()
            dead = _wait_for(pipeline, source, clock, Health.OFFLINE, deadline_s=15)
            assert dead.staff_count is None
            server.restart()
            back = _wait_for(pipeline, source, clock, Health.OK, deadline_s=45)
            assert back.staff_count == 1
            reasons = [dead.health_reason, repr(source), source.description]
        finally:
            source.close()
    assert_no_secret(caplog, *reasons)


def _wait_for(pipeline, source, clock, health, deadline_s):
    """Sample every 0.5 s (30 s apart on the sample clock) until the wanted health shows up."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        sample = pipeline.sample(source, at=next(clock))
        if sample.health is health:
            return sample
        time.sleep(0.5)
    pytest.fail(f"no {health.value} sample within {deadline_s} s (last: {sample.health.value}, {sample.health_reason})")
