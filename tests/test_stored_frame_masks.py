"""Mask and exclude zones are pixelated in every stored frame; stored frames are never world-readable."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from fakecams import BoxesDetector, example_site_loader
from schedules.sampling import Sampler, enabled_cameras
from schedules.snapshots import latest_snapshot_path, render_snapshot, write_jpeg_atomically
from vision.detections import Detections
from vision.frames import Frame
from vision.privacy import BlurPolicy, mask_zones
from vision.zones import DeskZones, Zone

AT = datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc)
W, H = 640, 480
COUNTER = [(0.25, 0.5), (0.75, 0.5), (0.75, 0.75), (0.25, 0.75)]  # pixels x 160–480, y 240–360


def checkerboard(cell: int = 2) -> np.ndarray:
    """Fine black-and-white text-like detail everywhere."""
    y, x = np.mgrid[0:H, 0:W]
    return np.repeat((((x // cell + y // cell) % 2) * 255).astype(np.uint8)[..., None], 3, axis=2)


def blocky(patch: np.ndarray, block: int) -> bool:
    """Every aligned ``block``×``block`` cell of ``patch`` is one colour."""
    h, w = patch.shape[:2]
    cells = patch[: h - h % block, : w - w % block].reshape(h // block, block, w // block, block, 3)
    return bool((cells.max(axis=(1, 3)) == cells.min(axis=(1, 3))).all())


@pytest.mark.pure
@pytest.mark.parametrize("kind", ["mask", "exclude"])
def test_a_mask_or_exclude_zone_is_pixelated_and_nothing_else(kind):
    image = checkerboard()
    zones = DeskZones([Zone.build("ban", "staff", [(0, 0), (0.2, 0), (0.2, 0.2)]),
                       Zone.build("quay", kind, COUNTER)])
    out = mask_zones(image, zones)
    block = max(8, W // 40)  # 16 px
    inside = out[240 + block:360 - block, 160 + block:480 - block]
    assert not np.array_equal(inside, image[240 + block:360 - block, 160 + block:480 - block])
    assert blocky(out[240:352, 160:480], block)  # the inside, on the mosaic's grid: one colour per block
    assert np.array_equal(out[:230], image[:230]) and np.array_equal(out[370:], image[370:])
    assert np.array_equal(out[:, :150], image[:, :150])


@pytest.mark.pure
def test_no_mask_zone_leaves_the_frame_as_it_is_and_blur_settings_cannot_turn_masks_off():
    image = checkerboard()
    plain = DeskZones([Zone.build("ban", "staff", COUNTER)])
    assert np.array_equal(mask_zones(image, plain), image)
    masked = DeskZones([Zone.build("quay", "mask", COUNTER)])
    nobody = Detections.from_boxes([], (W, H))
    lenient = BlurPolicy(blur_queue=False)
    out = render_snapshot(image, nobody, masked, lenient)
    assert blocky(out[256:336, 176:464], max(8, W // 40))
    # a frame without detections is blurred whole, and the mask is applied before that blur too
    assert render_snapshot(image, None, masked, lenient).shape == image.shape


def test_stored_frames_are_0640_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_jpeg_atomically(checkerboard(), tmp_path / "snapshots" / "latest" / "CAM.jpg")
        again = write_jpeg_atomically(checkerboard(), path)  # replacing keeps the mode
    finally:
        os.umask(old)
    assert stat.S_IMODE(again.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "snapshots" / "latest").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "snapshots").stat().st_mode) == 0o750


class StillSource:
    description = "still image"

    def __init__(self, image):
        self.image = image

    def read(self):
        return Frame(image=self.image, captured_at=0.0, index=0)

    def close(self):
        pass


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, AT)


def test_the_sampler_stores_masked_frames_without_world_read(site, tmp_path):
    def with_mask(raw):
        camera = next(c for u in raw["units"] for d in u.get("desks", []) for c in d.get("cameras", [])
                      if c["id"] == "TV-HT-CAM")
        camera["zones"].append({"name": "mat-quay", "kind": "mask", "polygon": [list(p) for p in COUNTER]})

    factory = site(with_mask)
    data_dir = tmp_path / "data"
    image = checkerboard(8)  # 8-px cells survive JPEG; a 16-px mosaic block averages four of them to grey
    old = os.umask(0o022)
    try:
        with factory.begin() as session:
            (camera,) = enabled_cameras(session, "TV-HT-CAM")
            result = Sampler(BoxesDetector([]), data_dir=data_dir).sample(session, camera, AT,
                                                                        source=StillSource(image))
    finally:
        os.umask(old)
    latest = latest_snapshot_path(data_dir, "TV-HT-CAM")
    evidence = data_dir / result.evidence
    for stored in (latest, evidence):
        assert stat.S_IMODE(stored.stat().st_mode) == 0o640, stored
        frame = cv2.imread(str(stored))
        region = frame[256:336, 176:464].astype(int)
        # JPEG smooths block edges a little; the checkerboard itself (±127 around grey) is gone
        assert region.std() < 40 < image[256:336, 176:464].astype(int).std()
        assert frame[20:100, 20:100].astype(int).std() > 60  # outside the mask the detail is kept
    assert stat.S_IMODE(evidence.parent.stat().st_mode) == 0o750
