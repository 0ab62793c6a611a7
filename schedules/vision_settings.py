"""The site's ``[vision]`` settings as the config import stored them (``VisionSettings``, one row) turned into the
sampler's and the detector's own settings. One conversion, for ``run sampler`` (at start and at every reconcile),
``sample --once`` and ``replay --config``; a camera's own ``health`` table is applied over them per camera
(``Sampler.pipeline_for``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from sqlalchemy.orm import Session

from models.observing import VisionSettings
from schedules.sampling import SamplingSettings
from vision.detector import DetectorSettings
from vision.health import HealthThresholds
from vision.presence import PresencePolicy

HEALTH_FIELDS = frozenset(f.name for f in fields(HealthThresholds))
DETECTOR_FIELDS = ("backend", "imgsz", "confidence", "iou", "threads")


def stored_vision(session: Session) -> dict[str, Any] | None:
    """The ``[vision]`` table of the last config import, as plain values (``None``: never imported)."""
    row = session.get(VisionSettings, 1)
    return None if row is None else dict(row.config)


def sampling_settings(vision: Mapping[str, Any] | None, base: SamplingSettings | None = None) -> SamplingSettings:
    """``base`` (default: the defaults) with ``[vision.health]``, ``[vision.presence]`` and
    ``[vision.acquisition]`` applied."""
    base = base or SamplingSettings()
    if not vision:
        return base
    health = dict(vision.get("health") or {})
    read_timeout = health.pop("read_timeout_s", None)
    thresholds = replace(base.health, **{k: v for k, v in health.items() if k in HEALTH_FIELDS})
    presence = PresencePolicy(**vision["presence"]) if vision.get("presence") else base.presence
    acquisition = vision.get("acquisition") or {}
    return replace(base, health=thresholds, presence=presence,
                   read_timeout_s=base.read_timeout_s if read_timeout is None else float(read_timeout),
                   max_sessions_per_host=int(acquisition.get("max_sessions_per_host", base.max_sessions_per_host)),
                   rtsp_transport=str(acquisition.get("rtsp_transport", base.rtsp_transport)))


def detector_settings(vision: Mapping[str, Any] | None, *, backend: str | None = None) -> DetectorSettings:
    """``[vision.detector]`` as ``DetectorSettings``; ``backend`` (a command-line choice) wins over the file's."""
    detector = dict((vision or {}).get("detector") or {})
    values = {k: detector[k] for k in DETECTOR_FIELDS if detector.get(k) is not None}
    if backend is not None:
        values["backend"] = backend
    return DetectorSettings(**values)


def weights_choice(vision: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """``[vision.detector]``'s ``weights`` path and ``weights_sha256`` (either may be ``None``)."""
    detector = (vision or {}).get("detector") or {}
    return detector.get("weights"), detector.get("weights_sha256")
