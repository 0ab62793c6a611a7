"""Local video files as a camera: the demo, replays, and tests run on real footage this way."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from vision.frames import Frame, SourceEnded, SourceError
from vision.sources.base import SourceBase, log

_MAX_SKIP_S = 60.0


class FileSource(SourceBase):
    """Frames of a video file, in order (``read``) or at chosen times (``frame_at``).

    ``index`` counts frames from the start of the file and ``position_s = index / fps``; with
    ``loop=True`` both start again at 0 on each pass. ``realtime=True`` makes ``read`` behave like a
    live camera: it waits until a frame's time has come and, when the caller is late, skips to the
    newest due frame instead of handing over old ones.

    Attributes:
        fps: Frames per second the container declares.
        frame_count: The container's frame count, or ``None``. A hint only: some containers
            estimate it from the duration, and a truncated file still declares the full count.
        width, height: Frame size in pixels.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        realtime: bool = False,
        loop: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = Path(path)
        self.description = f"file:{self.path}"
        self.realtime = realtime
        self.loop = loop
        self._clock = clock
        self._sleep = sleep
        self._cap: cv2.VideoCapture | None = None
        if not self.path.is_file():
            why = "is not a file" if self.path.exists() else "no such file"
            raise SourceError(f"{self.path}: {why}")
        if not os.access(self.path, os.R_OK):
            raise SourceError(f"{self.path}: not readable (permissions)")
        self._cap = self._open()
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS))
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count: int | None = count if count > 0 else None
        if not (math.isfinite(self.fps) and self.fps > 0) or self.width <= 0 or self.height <= 0:
            self.close()
            raise SourceError(f"{self.path}: no usable video stream "
                              f"(fps {self.fps:g}, size {self.width}×{self.height})")
        self._next_index = 0  # index of the frame the next grab() yields
        self._ended = False
        self._started_at: float | None = None  # realtime: clock reading at which position 0 was due
        log.debug("%s: opened, %d×%d at %g fps, ~%s frames", self.description, self.width, self.height,
                  self.fps, self.frame_count or "?")

    def _open(self) -> cv2.VideoCapture:
        # FFmpeg explicitly: other backends (image sequences, GStreamer) grab and seek differently.
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.path}: cannot be opened as a video (not a video, or an unsupported/corrupt file)")
        return cap

    def _rewind(self) -> None:
        """Back to frame 0 by reopening: seeking H.264 by frame number lands on the wrong frame."""
        if self._started_at is not None:  # the next pass is due right after this one
            self._started_at += self._next_index / self.fps
        self._cap.release()
        self._cap = self._open()
        self._next_index = 0
        self._ended = False

    def _grab(self, *, wrap: bool) -> None:
        """Advance one frame without converting it to BGR; at the end wrap around or raise ``SourceEnded``."""
        if self._cap is None:
            raise SourceError(f"{self.description}: closed")
        # The end is sticky: after a read error in a truncated file FFmpeg may resync and hand
        # over garbage from later bytes, so the first failure is the end of the video.
        if not self._ended and self._cap.grab():
            self._next_index += 1
            return
        self._ended = True
        if wrap and self._next_index > 0:
            log.debug("%s: end after %d frames, looping", self.description, self._next_index)
            self._rewind()
            self._grab(wrap=False)
            return
        raise SourceEnded(f"{self.description}: end of video after {self._next_index} frames "
                          f"({self._next_index / self.fps:.1f} s)")

    def _hand_over(self) -> Frame:
        ok, image = self._cap.retrieve()
        if not ok or image is None:
            self._ended = True
            raise SourceError(f"{self.description}: frame {self._next_index - 1} cannot be decoded")
        index = self._next_index - 1
        return Frame(image=image, captured_at=self._clock(), index=index, position_s=index / self.fps)

    def _pace(self) -> None:
        """Realtime: wait for the next frame's time, or skip the frames whose time has passed."""
        now = self._clock()
        if self._started_at is None:
            self._started_at = now - self._next_index / self.fps
        due = self._started_at + self._next_index / self.fps
        if due > now:
            self._sleep(due - now)
            return
        behind = int((now - self._started_at) * self.fps) - self._next_index
        if behind > _MAX_SKIP_S * self.fps:  # the caller paused for long: re-anchor, don't grab minutes of video
            self._started_at = now - self._next_index / self.fps
            return
        for _ in range(behind):
            self._grab(wrap=self.loop)

    def read(self) -> Frame:
        """The next frame; ``SourceEnded`` after the last one unless looping."""
        if self._cap is None:
            raise SourceError(f"{self.description}: closed")
        if self.realtime:
            self._pace()
        self._grab(wrap=self.loop)
        return self._hand_over()

    def frame_at(self, t_s: float) -> Frame:
        """The frame shown at ``t_s`` seconds from the start.

        Forward moves ``grab()`` the frames in between without converting them, so sampling a
        replay at 0, every, 2·every… costs one pass over the file. Going back reopens the file.
        The next ``read()`` continues after the returned frame.
        """
        if not math.isfinite(t_s) or t_s < 0:
            raise ValueError(f"{self.description}: frame_at needs a time ≥ 0 s, got {t_s!r}")
        if self._cap is None:
            raise SourceError(f"{self.description}: closed")
        target = math.floor(t_s * self.fps + 1e-6)  # the epsilon absorbs 0.3 * 10 = 2.9999…
        if target < self._next_index:
            self._rewind()
        try:
            while self._next_index <= target:
                self._grab(wrap=False)
        except SourceEnded:
            raise SourceEnded(f"{self.description}: ends after {self._next_index} frames "
                              f"({self._next_index / self.fps:.1f} s), before t={t_s:g} s") from None
        self._started_at = None  # realtime pacing restarts from here
        return self._hand_over()

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
