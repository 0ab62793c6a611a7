"""``deskaudit replay``: run a video through the live-camera pipeline and print one JSON line per sample."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from deskaudit.cli.common import BadInput, Failure
from deskaudit.settings import load_settings


@click.command()
@click.argument("video", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--zones", "zones_file", type=click.Path(path_type=Path, dir_okay=False),
              help='Zones JSON: {"zones": [{"name", "kind": staff|queue|exclude, "polygon": [[x, y], …]}]}, 0..1.')
@click.option("--every", type=float, default=5.0, show_default=True, help="Seconds of video between samples.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="A site config whose [vision] settings (detector, health, presence) apply; the options below "
                   "win over it.")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]),
              help="Detector backend (onnx/openvino are exported once and cached) [default: openvino].")
@click.option("--imgsz", type=int, help="Detector input size (long side, multiple of 32) [default: 640].")
@click.option("--conf", "confidence", type=float, help="Minimum person confidence [default: 0.25].")
@click.option("--reference", type=click.Path(path_type=Path, dir_okay=False),
              help="Reference image of the camera view; enables the 'moved' check.")
@click.option("--weights", type=click.Path(path_type=Path, dir_okay=False),
              help="Weights file to use instead of the verified cached yolov8n.pt (must match its sha256).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def replay(video: Path, zones_file: Path | None, every: float, config_file: Path | None, backend: str | None,
           imgsz: int | None, confidence: float | None, reference: Path | None, weights: Path | None,
           progress: bool | None) -> None:
    """Replay VIDEO through source → health → detector → zones → presence.

    Prints one JSON object per sample on stdout, at t = 0, EVERY, 2·EVERY, … to the end:
    {"t", "frame", "health", "persons", "zones", "staff", "queue", "presence", …}.
    """
    import cv2

    from schedules.vision_settings import detector_settings, sampling_settings
    from vision.detector import DetectorError, YoloDetector
    from vision.frames import SourceError
    from vision.health import HealthMonitor
    from vision.pipeline import CameraPipeline
    from vision.replay import SampledFile, sample_record
    from vision.replay import replay as run_replay
    from vision.sources import FileSource
    from vision.weights import WeightsError, resolve_weights
    from vision.zones import DeskZones, ZoneError, load_zones_json

    if not every > 0:
        raise BadInput(f"--every must be a positive number of seconds, got {every}")
    vision = _vision_of(config_file)
    try:
        settings = detector_settings(vision, backend=backend)
        chosen = {k: v for k, v in (("imgsz", imgsz), ("confidence", confidence)) if v is not None}
        settings = replace(settings, **chosen)
    except (TypeError, ValueError) as error:
        raise BadInput(str(error)) from None
    sampling = sampling_settings(vision)
    try:
        zones = load_zones_json(zones_file) if zones_file else DeskZones([])
    except ZoneError as error:
        raise BadInput(f"zones: {error}") from None
    health = HealthMonitor(sampling.health)
    if reference is not None:
        image = cv2.imread(str(reference))
        if image is None:
            raise BadInput(f"--reference {reference}: not a readable image")
        health.set_reference(image)
    if not video.exists():
        raise BadInput(f"{video}: no such file")
    try:
        source = FileSource(video)
    except SourceError as error:
        raise BadInput(f"{video}: not a readable video: {error}") from None

    try:
        environment = load_settings()
        models_dir = environment.cache_path / "models"
        weights_path = resolve_weights(configured_path=weights, cache_dir=models_dir,
                                       official=environment.weights_official)
        detector = YoloDetector(weights_path, settings, export_dir=models_dir,
                                ultralytics_dir=environment.cache_path / "ultralytics")
        detector.warm_up(source.width, source.height)
    except (WeightsError, DetectorError) as error:
        source.close()
        raise Failure(str(error)) from None

    sampled = SampledFile(source, every)
    pipeline = CameraPipeline(detector, zones, health=health, presence=sampling.presence)
    show = sys.stderr.isatty() if progress is None else progress
    count = 0
    with click.progressbar(length=sampled.expected_samples() or 0, label="replay", file=sys.stderr,
                           hidden=not show) as bar:
        try:
            for sample in run_replay(pipeline, sampled):
                sys.stdout.write(json.dumps(sample_record(sample), ensure_ascii=False) + "\n")
                sys.stdout.flush()
                count += 1
                bar.update(1)
        finally:
            sampled.close()
    if count == 0:
        raise BadInput(f"{video}: no frame could be read (not a video, or empty)")
    click.echo(f"replay: {count} sample(s) from {video}", err=True)


def _vision_of(config_file: Path | None) -> dict | None:
    """The [vision] table of a site config file, checked like `config check` does (``None``: no file)."""
    if config_file is None:
        return None
    from deskaudit.siteconfig import ConfigError, load_site_config

    try:
        return load_site_config(config_file).site.vision.model_dump(mode="json")
    except ConfigError as error:
        raise BadInput(str(error)) from None
