"""The ``[vision]`` table of the site config turned into the vision pipeline's own settings."""

from __future__ import annotations

from dataclasses import replace

from deskaudit.siteconfig.schema import VisionConfig
from vision.detector import DetectorSettings
from vision.health import HealthThresholds
from vision.presence import PresencePolicy


def detector_settings(config: VisionConfig) -> DetectorSettings:
    d = config.detector
    return DetectorSettings(backend=d.backend, imgsz=d.imgsz, confidence=d.confidence, iou=d.iou, threads=d.threads)


def health_thresholds(config: VisionConfig) -> HealthThresholds:
    h = config.health
    return replace(
        HealthThresholds(),
        dark_p95=h.dark_p95,
        covered_edges=h.covered_edges,
        frozen_samples=h.frozen_samples,
        moved_samples=h.moved_samples,
        moved_screen_overlap=h.moved_screen_overlap,
        moved_max_shift=h.moved_max_shift,
    )


def presence_policy(config: VisionConfig) -> PresencePolicy:
    return PresencePolicy(**config.presence.model_dump())
