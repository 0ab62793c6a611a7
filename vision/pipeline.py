"""One camera sample, the same for a live camera and a replayed video: source → health → detector
→ zones → presence."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from vision.detections import Detections
from vision.detector import DetectorError, PersonDetector
from vision.frames import Frame, FrameSource, SourceEnded, SourceError
from vision.health import Health, HealthMonitor, HealthReport
from vision.presence import PresencePolicy, PresenceState, PresenceTracker, Transition
from vision.zones import DeskZones, ZoneKind

log = logging.getLogger("deskaudit.vision.pipeline")


@dataclass(frozen=True)
class DeskCount:
    """What one sample counted for one desk in view: ``None`` where the camera has no zone of that kind for it."""

    staff_count: int | None
    queue_count: int | None
    zones: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """What one sample of one camera found.

    Counts are ``None`` whenever the camera was not ``ok``: nobody looked, so nothing was counted.
    """

    at: datetime | float
    health: Health
    health_reason: str
    presence: PresenceState
    transitions: tuple[Transition, ...]
    latency_ms: float
    model_id: str
    frame_index: int | None = None
    position_s: float | None = None
    persons: int | None = None
    zones: dict[str, int] = field(default_factory=dict)
    staff_count: int | None = None
    queue_count: int | None = None
    health_metrics: dict[str, float] = field(default_factory=dict, repr=False)
    desks: dict[str | None, DeskCount] = field(default_factory=dict)  # per desk in view (zones.desks()), when ok
    frame: Frame | None = field(default=None, repr=False)
    detections: Detections | None = field(default=None, repr=False)


class CameraPipeline:
    """Turns frames of one camera into samples; keeps that camera's health and presence state.

    One frame is one detection pass, counted for every desk in view (``Sample.desks``). ``presence`` follows
    the whole view (a desk camera, a replay); a room camera's desks each get their own tracker from
    ``desk_tracker``, fed by the caller, who may combine several cameras of one desk.
    """

    def __init__(
        self,
        detector: PersonDetector,
        zones: DeskZones,
        *,
        health: HealthMonitor | None = None,
        presence: PresencePolicy | None = None,
    ) -> None:
        self.detector = detector
        self.zones = zones
        self.health = health or HealthMonitor()
        self.presence = PresenceTracker(presence)
        self.policy = self.presence.policy
        self._has_staff_zone = bool(zones.of_kind(ZoneKind.STAFF))
        self._has_queue_zone = bool(zones.of_kind(ZoneKind.QUEUE))
        self._desk_kinds = {desk: {z.kind for z in zones.zones if z.desk == desk} for desk in zones.desks()}
        self._trackers: dict[str | None, PresenceTracker] = {}

    def desk_tracker(self, desk: str | None) -> PresenceTracker:
        """The presence tracker of one desk in view (kept between samples like the camera's own)."""
        if desk not in self._trackers:
            self._trackers[desk] = PresenceTracker(self.policy)
        return self._trackers[desk]

    def sample(self, source: FrameSource, at: datetime | float) -> Sample:
        """Read the freshest frame from ``source`` and process it; a failed read is ``offline``.

        ``SourceEnded`` (end of a file) propagates: there is nothing left to sample.
        """
        started = time.perf_counter()
        try:
            frame = source.read()
        except SourceEnded:
            raise
        except SourceError as error:
            log.info("%s: no frame: %s", source.description, error)
            return self._unknown(self.health.offline(str(error)), at, started)
        return self.process(frame, at, started=started)

    def process(self, frame: Frame, at: datetime | float, *, started: float | None = None) -> Sample:
        """Classify, detect and count one frame taken at ``at``."""
        started = time.perf_counter() if started is None else started
        report = self.health.check(frame.image)
        if not report.ok:
            return self._unknown(report, at, started, frame)
        try:
            detections = self.detector.detect(frame.image)
        except DetectorError as error:
            log.error("detector failed: %s", error)
            return self._unknown(HealthReport(Health.ERROR, report.metrics, str(error)), at, started, frame)
        counts = self.zones.count(detections)
        # Without a staff zone nobody can be at the desk or away from it: presence stays unknown.
        staff = counts.staff_count if self._has_staff_zone else None
        queue = counts.queue_count if self._has_queue_zone else None
        desks = {desk: DeskCount(c.staff_count if ZoneKind.STAFF in self._desk_kinds[desk] else None,
                                 c.queue_count if ZoneKind.QUEUE in self._desk_kinds[desk] else None, c.per_zone)
                 for desk, c in self.zones.count_by_desk(detections).items()}
        transitions = self.presence.update(at, staff, healthy=True)
        return Sample(
            at=at,
            health=Health.OK,
            health_reason="",
            presence=self.presence.state,
            transitions=tuple(transitions),
            latency_ms=(time.perf_counter() - started) * 1000,
            model_id=self.detector.model_id,
            frame_index=frame.index,
            position_s=frame.position_s,
            persons=len(detections),
            zones=counts.per_zone,
            staff_count=staff,
            queue_count=queue,
            health_metrics=report.metrics,
            desks=desks,
            frame=frame,
            detections=detections,
        )

    def _unknown(self, report: HealthReport, at: datetime | float, started: float,
                 frame: Frame | None = None) -> Sample:
        transitions = self.presence.update(at, None, healthy=False)
        return Sample(
            at=at,
            health=report.health,
            health_reason=report.reason,
            presence=self.presence.state,
            transitions=tuple(transitions),
            latency_ms=(time.perf_counter() - started) * 1000,
            model_id=self.detector.model_id,
            frame_index=None if frame is None else frame.index,
            position_s=None if frame is None else frame.position_s,
            health_metrics=report.metrics,
            frame=frame,
        )
