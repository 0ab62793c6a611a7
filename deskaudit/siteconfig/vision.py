"""The ``[vision]`` table of the site config turned into the vision pipeline's own settings: the same
conversion the sampler applies to the stored table (``schedules/vision_settings.py``)."""

from __future__ import annotations

from deskaudit.siteconfig.schema import VisionConfig
from schedules.vision_settings import detector_settings as _detector
from schedules.vision_settings import sampling_settings
from vision.detector import DetectorSettings
from vision.health import HealthThresholds
from vision.presence import PresencePolicy


def detector_settings(config: VisionConfig) -> DetectorSettings:
    return _detector(config.model_dump(mode="json"))


def health_thresholds(config: VisionConfig) -> HealthThresholds:
    return sampling_settings(config.model_dump(mode="json")).health


def presence_policy(config: VisionConfig) -> PresencePolicy:
    return sampling_settings(config.model_dump(mode="json")).presence
