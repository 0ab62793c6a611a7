"""A short-lived, per-process cache for what many requests ask for again and again: the desk wall, a month's
scores, the unit tree and who a session or token belongs to.

The wall is recomputed for every viewer every 20 s although it changes only when a camera is sampled
(every 30 s or more); a month's scores change when they are computed (nightly, or on a report). With
``CACHE_SECONDS`` > 0 (``deskaudit run web`` sets 5; ``--cache`` changes it) a result is shared
by the requests that ask for the same key within that many seconds; the key always holds the
exact set of units the result covers, so nobody receives another scope's data. Only one request
computes a stale entry; the others asking for the same key wait for it instead of computing it again.
The app's default is 0 (no caching), so tests that change data between requests see every change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")


class TTLCache:
    """Values by key for ``seconds`` (monotonic clock); at most ``max_entries`` (expired ones go first)."""

    def __init__(self, seconds: float, max_entries: int = 256):
        self.seconds, self.max_entries = seconds, max_entries
        self._values: dict[Hashable, tuple[float, object]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        found = self._values.get(key)
        if found is not None and found[0] > time.monotonic():
            return found[1]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self._values.get(key)  # another request may have built it while this one waited
            if found is not None and found[0] > time.monotonic():
                return found[1]
            value = build()
            with self._guard:
                self._make_room()
                self._values[key] = (time.monotonic() + self.seconds, value)
            return value

    def clear(self) -> None:
        with self._guard:
            self._values.clear()

    def _make_room(self) -> None:
        if len(self._values) < self.max_entries:
            return
        now = time.monotonic()
        for key in [k for k, (expires, _) in self._values.items() if expires <= now]:
            del self._values[key]
            self._locks.pop(key, None)
        while len(self._values) >= self.max_entries:
            key = min(self._values, key=lambda k: self._values[k][0])
            del self._values[key]
            self._locks.pop(key, None)


def cached(name: str, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, shared for the app's ``CACHE_SECONDS`` by requests with the same ``(name, key)``."""
    seconds = float(current_app.config.get("CACHE_SECONDS") or 0)
    if seconds <= 0:
        return build()
    caches = current_app.extensions.setdefault("deskaudit.caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, TTLCache(seconds))
    return cache.get(key, build)
