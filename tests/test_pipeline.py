"""The camera pipeline with fakes at its edges: fake detector, scripted frame source, real frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import EXCERPT
from vision.detections import Detections
from vision.detector import DetectorError
from vision.frames import Frame, SourceEnded, SourceError
from vision.health import Health, HealthMonitor
from vision.pipeline import CameraPipeline
from vision.presence import PresenceState
from vision.zones import DeskZones, Zone

WIDTH, HEIGHT = 768, 576


class FakeDetector:
    """Hands out scripted boxes, one list per call."""

    model_id = "fake@0/none/0"

    def __init__(self, script):
        self.script = list(script)
        self.calls = 0

    def detect(self, image):
        boxes = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if boxes == "boom":
            raise DetectorError("fake@0: inference failed: out of memory")
        return Detections.from_boxes(boxes, (image.shape[1], image.shape[0]))


class ScriptedSource:
    """Each read hands over the next scripted item: a frame, an error to raise, or the end."""

    description = "scripted:camera"

    def __init__(self, items):
        self.items = list(items)
        self.index = 0

    def read(self):
        item = self.items.pop(0) if self.items else SourceEnded("end")
        if isinstance(item, Exception):
            raise item
        self.index += 1
        return Frame(item, float(self.index), self.index)

    def close(self):
        pass


@pytest.fixture(scope="module")
def frames():
    capture = cv2.VideoCapture(str(EXCERPT))
    out = []
    for _ in range(120):
        ok, frame = capture.read()
        assert ok
        out.append(frame)
    return out[::12]


ZONES = DeskZones([
    Zone.build("ban", "staff", [(0.7, 0.0), (1.0, 0.0), (1.0, 1.0), (0.7, 1.0)]),
    Zone.build("hang-cho", "queue", [(0.0, 0.0), (0.7, 0.0), (0.7, 1.0), (0.0, 1.0)]),
])
AT_DESK = (600, 100, 700, 400)  # feet x = 650 px = 0.85 → staff zone
IN_QUEUE = (100, 100, 200, 400)


def test_healthy_samples_count_and_decide_presence(frames):
    detector = FakeDetector([[AT_DESK, IN_QUEUE, IN_QUEUE], [AT_DESK], [], [], [], []])
    pipeline = CameraPipeline(detector, ZONES)
    source = ScriptedSource(frames[:6])
    samples = [pipeline.sample(source, at=30.0 * i) for i in range(6)]
    first = samples[0]
    assert (first.health, first.persons, first.staff_count, first.queue_count) == (Health.OK, 3, 1, 2)
    assert first.zones == {"ban": 1, "hang-cho": 2}
    assert [s.presence for s in samples] == [PresenceState.UNKNOWN, PresenceState.PRESENT, PresenceState.PRESENT,
                                             PresenceState.PRESENT, PresenceState.PRESENT, PresenceState.ABSENT]
    assert [(t.at, t.current) for s in samples for t in s.transitions] == [
        (30.0, PresenceState.PRESENT), (150.0, PresenceState.ABSENT)
    ]
    assert all(s.model_id == "fake@0/none/0" and s.latency_ms >= 0 for s in samples)


def test_offline_camera_is_unknown_never_absent(frames):
    errors = [SourceError("rtsp://***@10.0.0.5/cam: no frame within 5 s")] * 4
    detector = FakeDetector([[]])
    pipeline = CameraPipeline(detector, ZONES)
    source = ScriptedSource([frames[0], frames[1], *errors])
    samples = [pipeline.sample(source, at=float(i)) for i in range(6)]
    assert [s.health for s in samples] == [Health.OK, Health.OK] + [Health.OFFLINE] * 4
    assert all(s.staff_count is None and s.persons is None for s in samples[2:])
    assert samples[-1].presence is PresenceState.UNKNOWN
    assert PresenceState.ABSENT not in [s.presence for s in samples]
    assert detector.calls == 2  # no detection without a frame
    assert "no frame within 5 s" in samples[2].health_reason


def test_dark_frames_skip_detection_and_are_unknown(frames):
    detector = FakeDetector([[AT_DESK]])
    pipeline = CameraPipeline(detector, ZONES)
    black = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    source = ScriptedSource([frames[0], frames[1], black, black, black])
    samples = [pipeline.sample(source, at=float(i)) for i in range(5)]
    assert [s.health for s in samples] == [Health.OK, Health.OK, Health.DARK, Health.DARK, Health.DARK]
    assert detector.calls == 2
    assert samples[-1].presence is PresenceState.UNKNOWN


def test_detector_failure_is_an_error_sample_not_a_crash(frames):
    pipeline = CameraPipeline(FakeDetector(["boom"]), ZONES)
    sample = pipeline.sample(ScriptedSource([frames[0]]), at=0.0)
    assert sample.health is Health.ERROR and "out of memory" in sample.health_reason
    assert sample.presence is PresenceState.UNKNOWN


def test_end_of_file_propagates(frames):
    pipeline = CameraPipeline(FakeDetector([[]]), ZONES)
    with pytest.raises(SourceEnded):
        pipeline.sample(ScriptedSource([]), at=0.0)


def test_moved_camera_makes_presence_unknown(frames):
    from vision.health import HealthThresholds

    health = HealthMonitor(HealthThresholds(moved_samples=1), reference=frames[0])
    pipeline = CameraPipeline(FakeDetector([[AT_DESK]]), ZONES, health=health)
    turned = [cv2.flip(frame, 1) for frame in frames[3:6]]  # the camera now faces the other wall
    samples = [pipeline.sample(ScriptedSource([f]), at=float(i)) for i, f in enumerate([frames[1], frames[2], *turned])]
    assert [s.health for s in samples] == [Health.OK, Health.OK, Health.MOVED, Health.MOVED, Health.MOVED]
    assert samples[-1].presence is PresenceState.UNKNOWN


def test_without_a_staff_zone_presence_stays_unknown(frames):
    pipeline = CameraPipeline(FakeDetector([[AT_DESK]]), DeskZones([]))
    samples = [pipeline.sample(ScriptedSource([f]), at=float(i)) for i, f in enumerate(frames[:4])]
    assert [s.persons for s in samples] == [1] * 4
    assert all(s.staff_count is None and s.queue_count is None for s in samples)
    assert all(s.presence is PresenceState.UNKNOWN for s in samples)
