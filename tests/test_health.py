"""Camera health classifiers on synthetic frames and frames of the real footage."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.health import Health, HealthMonitor, HealthThresholds

pytestmark = pytest.mark.pure  # the pure core: no database, no network, no model

EXCERPT = Path(__file__).parent / "data" / "vtest-excerpt.mp4"


@pytest.fixture(scope="module")
def footage():
    capture = cv2.VideoCapture(str(EXCERPT))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert len(frames) >= 150
    return frames


def noisy(image: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """What a real sensor adds to every frame of a still scene."""
    rng = np.random.default_rng(seed)
    return np.clip(image.astype(np.float32) + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def test_real_footage_is_ok(footage):
    monitor = HealthMonitor(reference=footage[0])
    verdicts = [monitor.check(frame).health for frame in footage[::10]]
    assert verdicts == [Health.OK] * len(verdicts)


def test_dark(footage):
    monitor = HealthMonitor()
    night = noisy(np.full((576, 768, 3), 8, np.uint8), 3, 1)
    assert monitor.check(night).health is Health.DARK
    dimmed = (footage[0] * 0.1).astype(np.uint8)  # lights off: scene barely visible
    assert monitor.check(dimmed).health is Health.DARK
    assert monitor.check(footage[5]).health is Health.OK


@pytest.mark.parametrize("level, sigma", [(90, 2), (200, 2), (120, 12)])
def test_covered_lens_has_no_texture(level, sigma):
    monitor = HealthMonitor()
    taped = noisy(np.full((576, 768, 3), level, np.uint8), sigma, level)
    report = monitor.check(taped)
    assert report.health is Health.COVERED
    assert report.metrics["edge_fraction"] < HealthThresholds().covered_edges


def test_covered_by_a_blurred_hand(footage):
    hand = cv2.GaussianBlur(footage[0], (0, 0), 60)  # something right against the lens
    assert HealthMonitor().check(hand).health is Health.COVERED
    slightly_soft = cv2.GaussianBlur(footage[0], (0, 0), 3)  # a lens a little out of focus still sees
    assert HealthMonitor().check(slightly_soft).health is Health.OK


def test_frozen_after_k_identical_samples(footage):
    monitor = HealthMonitor(HealthThresholds(frozen_samples=3))
    frame = footage[40]
    assert [monitor.check(frame.copy()).health for _ in range(4)] == [Health.OK, Health.OK,
                                                                      Health.FROZEN, Health.FROZEN]
    # The picture moves again: the camera is back.
    assert monitor.check(footage[60]).health is Health.OK


def test_empty_still_desk_with_sensor_noise_is_not_frozen(footage):
    monitor = HealthMonitor()
    still = footage[0]
    verdicts = [monitor.check(noisy(still, 2.0, seed)).health for seed in range(6)]
    assert verdicts == [Health.OK] * 6


def test_offline_resets_the_frozen_run(footage):
    monitor = HealthMonitor(HealthThresholds(frozen_samples=3))
    monitor.check(footage[0])
    monitor.check(footage[0])
    assert monitor.offline("no frame within 5 s").health is Health.OFFLINE
    assert monitor.check(footage[0]).health is Health.OK


def shifted(image: np.ndarray, dx: float, dy: float = 0.0, angle: float = 0.0, scale: float = 1.0) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    matrix[:, 2] += (dx * width, dy * height)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize(
    "change",
    [
        {"dx": 0.12},  # knocked sideways
        {"dx": 0.05},  # nudged
        {"dx": 0.0, "dy": 0.10},  # tilted down
        {"dx": 0.0, "angle": 8.0},  # rotated
        {"dx": 0.0, "scale": 1.25},  # zoomed
    ],
)
def test_moved_camera(footage, change):
    monitor = HealthMonitor(reference=footage[0])
    view = shifted(footage[30], **change)
    verdicts = [monitor.check(noisy(view, 1.0, seed)).health for seed in range(3)]
    assert verdicts == [Health.OK, Health.MOVED, Health.MOVED]  # one sample is not enough


def test_moved_sees_a_different_scene(footage):
    monitor = HealthMonitor(HealthThresholds(moved_samples=1), reference=footage[0])
    other_room = cv2.flip(footage[0], 1)
    assert monitor.check(other_room).health is Health.MOVED


def test_people_walking_through_do_not_move_the_camera(footage):
    monitor = HealthMonitor(HealthThresholds(moved_samples=1), reference=footage[0])
    assert all(monitor.check(frame).health is Health.OK for frame in footage[::7])


def test_no_reference_no_moved_check(footage):
    monitor = HealthMonitor(HealthThresholds(moved_samples=1))
    assert monitor.check(cv2.flip(footage[0], 1)).health is Health.OK


def test_health_values_match_the_database_vocabulary():
    from models.enums import CameraHealth

    assert {h.value for h in Health} == {h.value for h in CameraHealth}
