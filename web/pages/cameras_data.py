"""Camera pages' data: health mix per day from observations, fault spans, snapshot files, zone edits.

Kept apart from the views so each stays short; nothing here renders or reads the request (files are found
under the app's DATA_DIR through web/read.py).
"""

from __future__ import annotations

import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models.enums import CameraHealth
from models.observing import Observation
from models.org import Camera
from web.read import data_dir, latest_snapshot

HEALTHS = tuple(health.value for health in CameraHealth)  # in the vocabulary's order: ok first
DEFAULT_SIZE = (1600, 900)  # the placeholder canvas, 16:9
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


@dataclass
class HealthMix:
    """How many samples of a camera were in each health state over one period."""

    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, health: str) -> float:
        return 100.0 * self.counts.get(health, 0) / self.total if self.total else 0.0

    def segments(self) -> list[tuple[str, float, float, float]]:
        """(health, start, width, percent) on a 0..100 scale, in HEALTHS order, empty states left out."""
        found, start = [], 0.0
        for health in HEALTHS:
            pct = self.percent(health)
            if pct > 0:
                found.append((health, round(start, 3), round(pct, 3), pct))
                start += pct
        return found


def day_bounds(last_day: date, days: int, tz: str) -> list[tuple[date, datetime, datetime]]:
    """The ``days`` local days ending with ``last_day``, each as (day, start, end) in UTC."""
    zone = ZoneInfo(tz)
    found = []
    for offset in range(days - 1, -1, -1):
        day = last_day - timedelta(days=offset)
        start = datetime.combine(day, time(), zone).astimezone(timezone.utc)
        end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(timezone.utc)
        found.append((day, start, end))
    return found


def health_mixes(session: Session, camera_ids: list[int], edges: list[datetime]) -> dict[tuple[int, int], HealthMix]:
    """Sample counts by health per (camera id, period index) for the periods between consecutive ``edges``; a room
    camera's sample (one row per desk it films) counts once."""
    mixes: dict[tuple[int, int], HealthMix] = {}
    if not camera_ids or len(edges) < 2:
        return mixes
    period = case(*[(Observation.slot_at < edge, i) for i, edge in enumerate(edges[1:])], else_=len(edges) - 1)
    inner = (select(Observation.camera_id.label("camera_id"), period.label("period"),
                    Observation.health.label("health"), Observation.slot_at.label("slot_at"))
             .where(Observation.camera_id.in_(camera_ids), Observation.slot_at >= edges[0],
                    Observation.slot_at < edges[-1])
             .subquery())
    rows = session.execute(select(inner.c.camera_id, inner.c.period, inner.c.health,
                                  func.count(func.distinct(inner.c.slot_at)))
                           .group_by(inner.c.camera_id, inner.c.period, inner.c.health))
    for camera_id, index, health, count in rows:
        mixes.setdefault((camera_id, int(index)), HealthMix()).counts[str(health)] += count
    return mixes


def latest_observations(session: Session, camera_ids: list[int]) -> dict[int, Observation]:
    """The newest observation of each camera (one indexed look-up per camera)."""
    found = {}
    for camera_id in camera_ids:
        row = session.scalars(select(Observation).where(Observation.camera_id == camera_id)
                              .order_by(Observation.slot_at.desc()).limit(1)).first()
        if row is not None:
            found[camera_id] = row
    return found


@dataclass
class FaultSpan:
    """Consecutive samples of one camera in the same faulty state."""

    health: str
    start: datetime
    end: datetime
    samples: int
    reason: str | None

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def fault_spans(session: Session, camera: Camera, since: datetime, limit: int = 20,
                max_rows: int = 20000) -> list[FaultSpan]:
    """The latest faulty spans of ``camera`` since ``since``, newest first.

    Samples join a span while they follow each other within 1.5 sampling periods and share the state;
    a span ends one period after its last sample.
    """
    rows = session.execute(select(Observation.slot_at, Observation.health, Observation.error)
                           .where(Observation.camera_id == camera.id, Observation.slot_at >= since,
                                  Observation.health != CameraHealth.OK)
                           .order_by(Observation.slot_at.desc()).limit(max_rows)).all()
    period = timedelta(seconds=max(camera.cadence_seconds or 30, 1))
    spans: list[FaultSpan] = []
    for slot_at, health, error in reversed(rows):
        health = str(health)
        last = spans[-1] if spans else None
        if last is not None and last.health == health and slot_at - (last.end - period) <= period * 1.5:
            last.end, last.samples = slot_at + period, last.samples + 1
            continue
        spans.append(FaultSpan(health, slot_at, slot_at + period, 1, safe_reason(error, camera)))
    return list(reversed(spans))[:limit]


def safe_reason(text: str | None, camera: Camera) -> str | None:
    """A fault reason fit to show: URLs and the camera's secrets removed (a library may echo them)."""
    if not text:
        return None
    text = _URL.sub("…", text)
    for secret in (camera.password, camera.username, camera.source_url):
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text[:200]


# -- snapshot files ---------------------------------------------------------------------------------
def snapshot_file(camera: Camera) -> tuple[Path, str] | None:
    """The latest blurred snapshot, else the camera's reference frame, as (path, kind); None if neither."""
    latest, base = latest_snapshot(camera.code), data_dir()
    if latest is not None:
        return latest, "latest"
    if base is not None and camera.reference_frame_path:
        reference = Path(camera.reference_frame_path)
        reference = reference if reference.is_absolute() else base / reference
        if reference.is_file() and reference.suffix.lower() in (".jpg", ".jpeg", ".png"):
            return reference, "reference"
    return None


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a JPEG or PNG from its header; None when unreadable."""
    try:
        with path.open("rb") as handle:
            head = handle.read(24)
            if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
                return struct.unpack(">II", head[16:24])
            if not head.startswith(b"\xff\xd8"):
                return None
            handle.seek(2)
            while True:
                marker = handle.read(4)
                if len(marker) < 4 or marker[0] != 0xFF:
                    return None
                kind, length = marker[1], struct.unpack(">H", marker[2:])[0]
                if kind in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                    height, width = struct.unpack(">xHH", handle.read(5))
                    return (width, height) if width and height else None
                handle.seek(length - 2, 1)
    except (OSError, struct.error):
        return None


# -- zones: web/pages/zones_data.py (re-exported for the page and its tests) ----------------------
from web.pages.zones_data import (  # noqa: E402
    ZoneInput,
    ZoneInputError,
    desk_choices,
    desks_filmed,
    parse_zones,
    save_zones,
    zone_json,
)

__all__ = ["ZoneInput", "ZoneInputError", "desk_choices", "desks_filmed", "parse_zones", "save_zones", "zone_json"]
