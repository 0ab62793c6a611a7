"""At most K camera sessions open at once per host: an NVR serves a few streams at a time, and one more is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from vision.frames import SourceError

DEFAULT_SESSIONS_PER_HOST = 4


def host_of(url: str) -> str:
    """``host:port`` of a camera URL (credentials dropped), the key sessions are counted by."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


class HostSessions:
    """A counting semaphore per host, shared by every source a sampler opens.

    Args:
        limit: Sessions allowed at once per host (≥ 1); a source waits up to its open timeout for a free one.
    """

    def __init__(self, limit: int = DEFAULT_SESSIONS_PER_HOST) -> None:
        if limit < 1:
            raise ValueError(f"sessions per host must be ≥ 1, got {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._open: dict[str, int] = {}

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._slots:
                self._slots[host] = threading.BoundedSemaphore(self.limit)
                self._open[host] = 0
            return self._slots[host]

    def acquire(self, host: str, timeout_s: float) -> None:
        """Take one of ``host``'s sessions, or raise ``SourceError`` after ``timeout_s``."""
        if not self._slot(host).acquire(timeout=max(0.0, timeout_s)):
            raise SourceError(f"{host}: {self.limit} session(s) already open to this host "
                              f"(max_sessions_per_host); none freed within {timeout_s:g} s")
        with self._lock:
            self._open[host] += 1

    def release(self, host: str) -> None:
        with self._lock:
            self._open[host] -= 1
        self._slots[host].release()

    @contextmanager
    def session(self, host: str, timeout_s: float) -> Iterator[None]:
        """One session to ``host`` for the ``with`` block."""
        self.acquire(host, timeout_s)
        try:
            yield
        finally:
            self.release(host)

    def open_now(self, host: str) -> int:
        """Sessions to ``host`` open at this moment."""
        with self._lock:
            return self._open.get(host, 0)


SHARED = HostSessions()  # the default for sources opened without a sampler's own
