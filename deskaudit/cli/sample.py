"""``deskaudit sample --once``: sample every enabled camera now and store what each saw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from deskaudit import paths
from deskaudit.cli.common import BadInput, Failure, database
from deskaudit.settings import load_settings

if TYPE_CHECKING:
    from schedules.sampling import SampleResult
    from vision.detector import YoloDetector


@click.command()
@click.option("--once", is_flag=True, help="Sample each camera once now, ignoring working hours, and exit.")
@click.option("--camera", "camera_code", metavar="CODE", help="Only this camera (its code in the site config).")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]),
              help="Detector backend (onnx/openvino are exported once and cached); default: the site config's "
                   "[vision.detector] backend, openvino if it names none.")
@click.option("--weights", type=click.Path(path_type=Path, dir_okay=False),
              help="Weights file to use instead of the verified cached yolov8n.pt (must match its sha256).")
def sample(once: bool, camera_code: str | None, backend: str, weights: Path | None) -> None:
    """Sample enabled cameras and write one observation per camera, desk and sampling slot.

    A slot already sampled is not sampled again. Camera faults (offline, dark, covered, …) are
    results, not errors: they are stored and the exit code stays 0. The site config's [vision]
    settings, as last imported, apply.
    """
    from schedules.sampling import Sampler, UnknownCamera, enabled_cameras
    from schedules.vision_settings import sampling_settings, stored_vision

    if not once:
        raise BadInput("only `deskaudit sample --once` exists for now; "
                       "for continuous sampling use `deskaudit run sampler`")
    with database() as session:
        try:
            cameras = enabled_cameras(session, camera_code)
        except UnknownCamera as error:
            raise BadInput(str(error)) from None
        if not cameras:
            click.echo("no enabled camera: nothing to sample", err=True)
            return
        vision = stored_vision(session)
        sampler = Sampler(build_detector(backend, weights, vision), data_dir=paths.data_dir(),
                          settings=sampling_settings(vision))
        sampler.sample_all(session, datetime.now(timezone.utc), cameras,
                           on_result=lambda result: click.echo(format_result(result)))


def build_detector(backend: str | None, weights: Path | None, vision: Mapping[str, Any] | None = None
                   ) -> YoloDetector:
    """The process's one person detector, loaded and warmed up; any failure is exit 1.

    ``vision``: the site config's [vision] table (its detector settings and weights); ``backend`` and
    ``weights`` given on the command line win.
    """
    from schedules.vision_settings import detector_settings, weights_choice
    from vision.detector import DetectorError, YoloDetector
    from vision.weights import WeightsError, resolve_weights

    settings = load_settings()
    models_dir = settings.cache_path / "models"
    configured, sha256 = weights_choice(vision)
    try:
        chosen = detector_settings(vision, backend=backend)
    except ValueError as error:
        raise BadInput(f"[vision.detector]: {error}") from None
    try:
        weights_path = resolve_weights(configured_path=weights or configured,
                                       expected_sha256=None if weights else sha256,
                                       cache_dir=models_dir, official=settings.weights_official)
        detector = YoloDetector(weights_path, chosen, export_dir=models_dir,
                                ultralytics_dir=settings.cache_path / "ultralytics")
        detector.warm_up()
    except (WeightsError, DetectorError) as error:
        raise Failure(f"detector: {error}") from None
    return detector


def format_result(result: SampleResult) -> str:
    """``TV-HT-CAM  ok  persons=5 staff=2 queue=1 presence=unknown  48 ms``."""

    def count(value: int | None) -> str:
        return "-" if value is None else str(value)

    line = (f"{result.camera_code}  {result.health}  persons={count(result.persons)} staff={count(result.staff_count)} "
            f"queue={count(result.queue_count)} presence={result.presence}  {count(result.latency_ms)} ms")
    if result.error:
        line += f"  ({result.error})"
    if not result.written:
        line += f"  [already sampled in slot {result.slot_at:%H:%M:%S} UTC: nothing new written]"
    return line
