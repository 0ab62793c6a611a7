"""Replay a video file through the live-camera pipeline, one sample every N seconds of video time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from vision.frames import Frame, SourceEnded
from vision.pipeline import CameraPipeline, Sample
from vision.sources import FileSource


class SampledFile:
    """A ``FrameSource`` over a file that hands out the frame at t = 0, every, 2·every, … per read.

    It is what a live camera looks like to the pipeline when one sample is taken every ``every``
    seconds, so replay exercises exactly the live code path.
    """

    def __init__(self, source: FileSource, every: float) -> None:
        if not every > 0 or not math.isfinite(every):
            raise ValueError(f"sampling interval must be a positive number of seconds, got {every}")
        self.source = source
        self.every = float(every)
        self.description = source.description
        self.samples_taken = 0

    @property
    def next_time(self) -> float:
        # Multiplying, not accumulating, keeps t exact for long videos (0.1 + 0.1 + … drifts).
        return round(self.samples_taken * self.every, 6)

    def read(self) -> Frame:
        t = self.next_time
        self.samples_taken += 1
        return self.source.frame_at(t)

    def expected_samples(self) -> int | None:
        """How many samples the whole file should give, from its metadata (may be approximate)."""
        if not self.source.frame_count:
            return None
        duration = self.source.frame_count / self.source.fps
        return math.floor((duration - 1e-9) / self.every) + 1

    def close(self) -> None:
        self.source.close()


def replay(pipeline: CameraPipeline, sampled: SampledFile) -> Iterator[Sample]:
    """Samples at t = 0, every, 2·every, … until the file ends; a failed read is an offline sample."""
    while True:
        t = sampled.next_time
        try:
            yield pipeline.sample(sampled, at=t)
        except SourceEnded:
            return


def sample_record(sample: Sample) -> dict[str, Any]:
    """The JSON object printed for one replay sample (keys ``t``, ``frame``, ``health``,
    ``persons`` and ``zones`` are a stable contract; more may be added)."""
    return {
        "t": sample.at,
        "frame": sample.frame_index,
        "health": sample.health.value,
        "persons": sample.persons,
        "zones": sample.zones,
        "staff": sample.staff_count,
        "queue": sample.queue_count,
        "presence": sample.presence.value,
        "transitions": [
            {"at": tr.at, "from": tr.previous.value, "to": tr.current.value} for tr in sample.transitions
        ],
        "health_reason": sample.health_reason or None,
        "latency_ms": round(sample.latency_ms, 1),
        "model_id": sample.model_id,
    }
