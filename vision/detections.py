"""One neutral detections type that every detector backend produces and the rest of the code reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PERSON_CLASS_ID = 0  # COCO "person"


@dataclass(frozen=True)
class Detections:
    """Boxes in pixel coordinates of the frame they came from.

    Attributes:
        xyxy: ``N×4`` float32 array of ``x1, y1, x2, y2`` in pixels.
        confidence: ``N`` float32 scores in 0..1.
        class_id: ``N`` int32 class ids (COCO ids; 0 = person).
        frame_size: ``(width, height)`` of the frame, to normalise coordinates.
    """

    xyxy: np.ndarray = field(repr=False)
    confidence: np.ndarray = field(repr=False)
    class_id: np.ndarray = field(repr=False)
    frame_size: tuple[int, int]

    def __post_init__(self) -> None:
        n = len(self.xyxy)
        if self.xyxy.shape != (n, 4) or self.confidence.shape != (n,) or self.class_id.shape != (n,):
            raise ValueError(
                f"inconsistent detections: xyxy {self.xyxy.shape}, confidence {self.confidence.shape}, "
                f"class_id {self.class_id.shape}"
            )

    @classmethod
    def empty(cls, frame_size: tuple[int, int]) -> Detections:
        """No detections in a frame of ``frame_size``."""
        return cls(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int32), frame_size
        )

    @classmethod
    def from_boxes(
        cls,
        boxes: list[tuple[float, float, float, float]] | np.ndarray,
        frame_size: tuple[int, int],
        confidence: list[float] | np.ndarray | None = None,
        class_id: list[int] | np.ndarray | None = None,
    ) -> Detections:
        """Build from plain pixel boxes (fakes and tests); persons with confidence 1 by default."""
        xyxy = np.asarray(boxes, np.float32).reshape(-1, 4)
        n = len(xyxy)
        conf = np.ones(n, np.float32) if confidence is None else np.asarray(confidence, np.float32)
        cls_ = np.full(n, PERSON_CLASS_ID, np.int32) if class_id is None else np.asarray(class_id, np.int32)
        return cls(xyxy, conf, cls_, frame_size)

    @classmethod
    def from_ultralytics(cls, result: Any) -> Detections:
        """Convert one ``ultralytics.engine.results.Results``."""
        height, width = result.orig_shape[:2]
        boxes = result.boxes
        if boxes is None or len(boxes) == 0:
            return cls.empty((int(width), int(height)))
        data = boxes.data.cpu().numpy() if hasattr(boxes.data, "cpu") else np.asarray(boxes.data)
        return cls(
            data[:, :4].astype(np.float32),
            data[:, 4].astype(np.float32),
            data[:, 5].astype(np.int32),
            (int(width), int(height)),
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, mask: np.ndarray | slice) -> Detections:
        """The subset selected by a boolean mask, index array or slice."""
        return Detections(self.xyxy[mask], self.confidence[mask], self.class_id[mask], self.frame_size)

    def persons(self) -> Detections:
        """Only the person class."""
        return self[self.class_id == PERSON_CLASS_ID]

    def bottom_centers(self, normalised: bool = True) -> np.ndarray:
        """``N×2`` points where each person stands (bottom-centre of the box), 0..1 by default."""
        points = np.stack([(self.xyxy[:, 0] + self.xyxy[:, 2]) / 2, self.xyxy[:, 3]], axis=1)
        if normalised:
            width, height = self.frame_size
            points = points / np.array([width, height], np.float32)
        return points.astype(np.float32).reshape(-1, 2)
