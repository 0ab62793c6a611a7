"""The one frame type every source produces, and the source interface the pipeline reads through."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


class SourceError(Exception):
    """A frame source failed (cannot open, timed out, bad data); the message never holds credentials."""


class SourceEnded(SourceError):
    """A finite source (a video file) has no more frames."""


@dataclass(frozen=True)
class Frame:
    """One decoded BGR image with where it came from in time.

    Attributes:
        image: ``H×W×3`` uint8 BGR array (OpenCV's layout).
        captured_at: Monotonic seconds (``time.monotonic()``) when the source handed it over.
        index: Frame number within the source (0-based; for live sources a running count).
        position_s: Seconds from the start of a file; ``None`` for live sources.
    """

    image: np.ndarray = field(repr=False)
    captured_at: float
    index: int
    position_s: float | None = None

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@runtime_checkable
class FrameSource(Protocol):
    """Anything that hands over the freshest frame on demand.

    ``read()`` returns the latest frame or raises ``SourceError`` (``SourceEnded`` at the end of a
    file). It never blocks longer than the source's read timeout. ``close()`` is idempotent.
    """

    description: str  # credential-free, for logs and pages

    def read(self) -> Frame: ...

    def close(self) -> None: ...
