"""Stored frames are blurred: OpenCV's Haar face detector finds faces before and none after."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vision.detections import Detections
from vision.privacy import BlurPolicy, blur_for_storage, head_regions
from vision.zones import DeskZones, Zone


def faces(image: np.ndarray) -> np.ndarray:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    assert not cascade.empty()
    found = cascade.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), scaleFactor=1.1, minNeighbors=5)
    return np.asarray(found).reshape(-1, 4)


@pytest.mark.slow
@pytest.mark.parametrize("image", ["zidane.jpg", "bus.jpg"])
def test_no_face_survives_blurring(yolo, assets, image):
    original = cv2.imread(str(assets / image))
    assert len(faces(original)) >= 2
    blurred = blur_for_storage(original, yolo().detect(original))
    assert len(faces(blurred)) == 0
    assert blurred.shape == original.shape and blurred is not original
    assert (original != cv2.imread(str(assets / image))).sum() == 0  # the input is left untouched


def test_head_regions_cover_the_top_of_each_box():
    detections = Detections.from_boxes([(100, 100, 160, 300)], (640, 480))  # standing person
    (x1, y1, x2, y2), = head_regions(detections, BlurPolicy(margin=0.0))
    assert (x1, y1, x2) == (100, 100, 160) and 155 <= y2 <= 165


def test_queue_zone_people_blurred_entirely_when_configured():
    image = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    detections = Detections.from_boxes([(20, 100, 80, 400), (500, 100, 560, 400)], (640, 480))
    zones = DeskZones([Zone.build("hang-cho", "queue", [(0, 0), (0.3, 0), (0.3, 1), (0, 1)])])
    out = blur_for_storage(image, detections, zones, BlurPolicy(blur_queue=True))
    lower_body = (slice(300, 400), slice(20, 80))
    staff_lower_body = (slice(300, 400), slice(500, 560))
    assert not np.array_equal(out[lower_body], image[lower_body])  # citizen: whole body
    assert np.array_equal(out[staff_lower_body], image[staff_lower_body])  # officer: head only
    kept = blur_for_storage(image, detections, zones, BlurPolicy(blur_queue=False))
    assert np.array_equal(kept[lower_body], image[lower_body])


def test_nothing_detected_nothing_changed():
    image = np.full((100, 100, 3), 50, np.uint8)
    assert np.array_equal(blur_for_storage(image, Detections.empty((100, 100))), image)
