"""The lean input and output stages around a YOLO forward pass, persons only.

Same arithmetic as ultralytics' own letterbox, class-wise NMS and box rescaling, without the
per-call setup of ``model.predict`` (which costs more than the rest of a deskaudit sample).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from vision.detections import PERSON_CLASS_ID

_PAD_VALUE = 114  # ultralytics' letterbox grey


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the network input: ``input = frame * ratio + (pad_x, pad_y)``."""

    ratio: float
    pad_x: float
    pad_y: float


class InputBuffers(threading.local):
    """Per-thread reusable input arrays: a fresh 3.7 MB array per sample costs page faults and cold
    caches that show up as a slower forward pass."""

    def __init__(self) -> None:
        self.resized: dict[tuple[int, int], np.ndarray] = {}
        self.blob: dict[tuple[int, int], np.ndarray] = {}

    def get(self, store: dict, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        array = store.get(shape[:2])
        if array is None or array.shape != shape:
            array = store[shape[:2]] = np.empty(shape, dtype)
        return array


_BUFFERS = InputBuffers()


def letterbox(image: np.ndarray, shape: tuple[int, int], *, reuse: bool = True) -> tuple[np.ndarray, Letterbox]:
    """BGR ``image`` resized to fit ``shape`` (height, width) and centred on ultralytics' grey.

    With ``reuse`` the result may share a per-thread buffer that the next call overwrites.
    """
    height, width = image.shape[:2]
    out_h, out_w = shape
    ratio = min(out_h / height, out_w / width)
    new_w, new_h = round(width * ratio), round(height * ratio)
    if (new_w, new_h) == (width, height):
        resized = image
    else:
        dst = _BUFFERS.get(_BUFFERS.resized, (new_h, new_w, 3), np.uint8) if reuse else None
        resized = cv2.resize(image, (new_w, new_h), dst=dst, interpolation=cv2.INTER_LINEAR)
    pad_x, pad_y = (out_w - new_w) / 2, (out_h - new_h) / 2
    if (new_w, new_h) != (out_w, out_h):
        top, bottom = round(pad_y - 0.1), round(pad_y + 0.1)
        left, right = round(pad_x - 0.1), round(pad_x + 0.1)
        resized = cv2.copyMakeBorder(resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(_PAD_VALUE,) * 3)
        pad_x, pad_y = left, top
    return resized, Letterbox(ratio, float(pad_x), float(pad_y))


def letterbox_blob(image: np.ndarray, shape: tuple[int, int], *, reuse: bool = True) -> tuple[torch.Tensor, Letterbox]:
    """BGR ``image`` → ``1×3×H×W`` float RGB tensor in 0..1, letterboxed to ``shape``.

    With ``reuse`` the tensor shares a per-thread buffer that the next call overwrites: use it
    before preparing the next frame.
    """
    resized, box = letterbox(image, shape, reuse=reuse)
    out_h, out_w = shape
    blob = _BUFFERS.get(_BUFFERS.blob, (1, 3, out_h, out_w), np.float32) if reuse else None
    return torch.from_numpy(to_blob(resized, blob)), box


def to_blob(image: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """BGR ``H×W×3`` uint8 → ``1×3×H×W`` float32 RGB in 0..1 (into ``out`` when given).

    Plane by plane: the same values as ``cv2.dnn.blobFromImage(image, 1/255, swapRB=True)`` at a
    tenth of its time, because each copy runs over contiguous memory.
    """
    height, width = image.shape[:2]
    blob = np.empty((1, 3, height, width), np.float32) if out is None else out
    for channel, plane in enumerate(reversed(cv2.split(image))):
        np.multiply(plane, np.float32(1 / 255.0), out=blob[0, channel], dtype=np.float32)
    return blob


def person_boxes(
    raw: torch.Tensor | np.ndarray | list | tuple,
    box: Letterbox,
    frame_size: tuple[int, int],
    *,
    confidence: float,
    iou: float,
    max_det: int = 300,
) -> tuple[np.ndarray, np.ndarray]:
    """``(xyxy, scores)`` of persons in frame pixels from a YOLOv8-style ``1×(4+C)×N`` output.

    A box is a person when person is its best class and that score exceeds ``confidence`` (as in
    ultralytics with ``classes=[0]``); overlapping persons are suppressed above ``iou``. A
    ``1×5×N`` output (box, person score already zeroed where another class wins) is accepted too.
    """
    if isinstance(raw, (list, tuple)):
        raw = raw[0]
    preds = raw.numpy() if isinstance(raw, torch.Tensor) else np.asarray(raw)
    preds = preds[0]  # (4 + classes) × anchors
    candidates = np.flatnonzero(preds[4 + PERSON_CLASS_ID] > confidence)
    if len(candidates):
        selected = preds[:, candidates]
        if len(preds) > 5:  # all classes: keep anchors whose best class is person
            selected = selected[:, selected[4:].argmax(0) == PERSON_CLASS_ID]
    if not len(candidates) or not selected.shape[1]:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    cx, cy, w, h = selected[0], selected[1], selected[2], selected[3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)
    scores = np.ascontiguousarray(selected[4 + PERSON_CLASS_ID], np.float32)
    keep = nms(boxes, scores, iou)[:max_det]
    xyxy, scores = boxes[keep], scores[keep]
    xyxy[:, [0, 2]] = (xyxy[:, [0, 2]] - box.pad_x) / box.ratio
    xyxy[:, [1, 3]] = (xyxy[:, [1, 3]] - box.pad_y) / box.ratio
    width, height = frame_size
    xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, width)
    xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, height)
    return xyxy, scores


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best score first (``torchvision.ops.nms``'s
    rule: drop a box overlapping a kept one by IoU > ``iou``). A frame has a few dozen candidates,
    where plain numpy beats a call into torch."""
    order = np.argsort(-scores, kind="stable")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while len(order):
        best, rest = order[0], order[1:]
        keep.append(best)
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        ratio = overlap / (areas[best] + areas[rest] - overlap + 1e-9)
        order = rest[ratio <= iou]
    return np.array(keep, np.int64)
