"""The lean YOLO input/output stages against OpenCV's and ultralytics' own arithmetic (no model)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from vision.yolo_io import Letterbox, letterbox_blob, person_boxes, to_blob


def test_blob_matches_opencv():
    image = np.random.default_rng(1).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    np.testing.assert_allclose(to_blob(image), cv2.dnn.blobFromImage(image, 1 / 255.0, swapRB=True), atol=1e-7)


@pytest.mark.parametrize("size, shape, pad", [((768, 576), (480, 640), (0, 0)), ((1280, 720), (384, 640), (0, 12))])
def test_letterbox_fits_and_centres(size, shape, pad):
    width, height = size
    tensor, box = letterbox_blob(np.zeros((height, width, 3), np.uint8), shape)
    assert tuple(tensor.shape) == (1, 3, *shape)
    assert (box.pad_x, box.pad_y) == pad
    assert box.ratio == pytest.approx(640 / width)
    if pad[1]:
        assert tensor[0, 0, 0, 0].item() == pytest.approx(114 / 255)  # ultralytics' grey border


def raw_output(rows):
    """A 1×84×N YOLOv8 output: each row is (cx, cy, w, h, {class: score})."""
    out = torch.zeros(1, 84, len(rows))
    for i, (cx, cy, w, h, scores) in enumerate(rows):
        out[0, :4, i] = torch.tensor([cx, cy, w, h])
        for cls, score in scores.items():
            out[0, 4 + cls, i] = score
    return out


def test_person_boxes_keep_persons_suppress_overlaps_and_rescale():
    raw = raw_output([
        (100, 100, 40, 80, {0: 0.9}),
        (102, 101, 40, 80, {0: 0.8}),  # the same person again: suppressed
        (300, 200, 40, 80, {0: 0.6, 56: 0.7}),  # more chair than person: not a person
        (500, 300, 40, 80, {0: 0.2}),  # too unsure
        (400, 100, 40, 80, {0: 0.5}),
    ])
    xyxy, scores = person_boxes(raw, Letterbox(0.5, 0.0, 10.0), (1280, 960), confidence=0.25, iou=0.7)
    assert scores.tolist() == pytest.approx([0.9, 0.5])
    np.testing.assert_allclose(xyxy[0], [160, 100, 240, 260])  # (80..120, 60..140) minus pad, ÷ 0.5
    assert person_boxes(raw_output([]), Letterbox(1, 0, 0), (10, 10), confidence=0.25, iou=0.7)[0].shape == (0, 4)


def test_nms_agrees_with_torchvision():
    import torchvision

    from vision.yolo_io import nms

    rng = np.random.default_rng(7)
    for _ in range(20):
        xy = rng.uniform(0, 500, (40, 2)).astype(np.float32)
        wh = rng.uniform(20, 150, (40, 2)).astype(np.float32)
        boxes = np.concatenate([xy, xy + wh], axis=1)
        scores = rng.uniform(0.25, 1.0, 40).astype(np.float32)
        expected = torchvision.ops.nms(torch.from_numpy(boxes), torch.from_numpy(scores), 0.5).numpy()
        assert nms(boxes, scores, 0.5).tolist() == expected.tolist()
