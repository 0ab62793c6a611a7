"""Live cameras: a background thread keeps only the newest frame and reconnects, so a read is never stale."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from vision.frames import Frame, SourceError
from vision.sources.backoff import Backoff
from vision.sources.base import SourceBase, log

_JOIN_S = 1.0  # close() waits this long for the thread; a blocked connect finishes on its own later


class _NewestSlot:
    """The newest payload a producer handed over; readers wait for one newer than they last saw."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._latest: tuple[Any, int, float] | None = None  # payload, index, captured_at
        self._index = -1
        self._closed = False

    def put(self, payload: Any) -> None:
        with self._cond:
            self._index += 1
            self._latest = (payload, self._index, time.monotonic())
            self._cond.notify_all()

    def wait_newer(self, seen: int, timeout_s: float) -> tuple[Any, int, float] | None:
        with self._cond:
            self._cond.wait_for(lambda: self._index > seen or self._closed, timeout_s)
            return self._latest if self._index > seen and not self._closed else None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._latest = None  # drop the image now; the thread may outlive close() a little
            self._cond.notify_all()


class LiveSource(SourceBase):
    """Base of every live source: subclasses implement ``_session`` and, if needed, ``_to_image``.

    ``_session`` connects, calls ``_publish`` for each frame until the stream fails (raise) or
    ends (return), and returns promptly once ``_stopping`` is set. The thread then waits a
    ``Backoff`` delay and calls it again, forever until ``close()``.

    Attributes:
        description: The credential-free address.
        last_error: Why the last session failed (credential-free), ``None`` while frames flow.
    """

    kind = "live"

    def __init__(self, description: str, *, read_timeout_s: float, backoff: Backoff | None) -> None:
        self.description = description
        self.read_timeout_s = read_timeout_s
        self.backoff = backoff or Backoff()
        self.last_error: str | None = None
        self._slot = _NewestSlot()
        self._seen = -1
        self._stopping = threading.Event()
        self._session_frames = 0
        self._thread = threading.Thread(target=self._run, name=f"deskaudit-{self.kind}", daemon=True)

    def _start(self) -> None:
        """Subclasses call this at the end of ``__init__``, once every attribute ``_session`` uses is set."""
        self._thread.start()

    # --- producer side (the thread) ---------------------------------------------------------

    def _session(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _redact(self, text: str) -> str:
        return text

    def _publish(self, payload: Any) -> None:
        if self._session_frames == 0:
            self.backoff.reset()  # a session that delivers is healthy, whatever came before
            level = "reconnected" if self.last_error else "connected"
            log.info("%s: %s", self.description, level)
            self.last_error = None
        self._session_frames += 1
        self._slot.put(payload)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._session_frames = 0
            try:
                self._session()
                reason = "stream ended"
            except Exception as error:  # noqa: BLE001 - a camera thread must survive anything
                reason = self._redact(str(error) or type(error).__name__)
            if self._stopping.is_set():
                break
            # A dead camera retries forever: say so once, then only when the reason changes.
            level = logging.DEBUG if reason == self.last_error else logging.WARNING
            self.last_error = reason
            delay = self.backoff.next_delay()
            log.log(level, "%s: %s; reconnecting in %.1f s", self.description, reason, delay)
            self._stopping.wait(delay)
        log.debug("%s: reader thread stopped", self.description)

    # --- consumer side ----------------------------------------------------------------------

    def _to_image(self, payload: Any) -> np.ndarray:
        return payload

    def read(self) -> Frame:
        """The newest frame captured since the previous read, waiting up to ``read_timeout_s``."""
        if self._stopping.is_set():
            raise SourceError(f"{self.description}: closed")
        got = self._slot.wait_newer(self._seen, self.read_timeout_s)
        if got is None:
            if self._stopping.is_set():
                raise SourceError(f"{self.description}: closed")
            why = f" (last error: {self.last_error})" if self.last_error else ""
            raise SourceError(f"{self.description}: no frame within {self.read_timeout_s:g} s{why}")
        payload, index, captured_at = got
        self._seen = index
        return Frame(image=self._to_image(payload), captured_at=captured_at, index=index)

    def close(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._slot.close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(_JOIN_S)
