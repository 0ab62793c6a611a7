"""``deskaudit replay``: run a video through the live-camera pipeline and print one JSON line per sample."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from deskaudit.cli.common import BadInput, Failure
from deskaudit.settings import load_settings


@click.command()
@click.argument("video", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--zones", "zones_file", type=click.Path(path_type=Path, dir_okay=False),
              help='Zones JSON: {"zones": [{"name", "kind": staff|queue|exclude, "polygon": [[x, y], …]}]}, 0..1.')
@click.option("--every", type=float, default=5.0, show_default=True, help="Seconds of video between samples.")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]), default="openvino", show_default=True,
              help="Detector backend (onnx/openvino are exported once and cached).")
@click.option("--imgsz", type=int, default=640, show_default=True,
              help="Detector input size (long side, multiple of 32).")
@click.option("--conf", "confidence", type=float, default=0.25, show_default=True, help="Minimum person confidence.")
@click.option("--reference", type=click.Path(path_type=Path, dir_okay=False),
              help="Reference image of the camera view; enables the 'moved' check.")
@click.option("--weights", type=click.Path(path_type=Path, dir_okay=False),
              help="Weights file to use instead of the verified cached yolov8n.pt (must match its sha256).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def replay(video: Path, zones_file: Path | None, every: float, backend: str, imgsz: int, confidence: float,
           reference: Path | None, weights: Path | None, progress: bool | None) -> None:
    """Replay VIDEO through source → health → detector → zones → presence.

    Prints one JSON object per sample on stdout, at t = 0, EVERY, 2·EVERY, … to the end:
    {"t", "frame", "health", "persons", "zones", "staff", "queue", "presence", …}.
    """
    import cv2

    from vision.detector import DetectorError, DetectorSettings, YoloDetector
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
    try:
        settings = DetectorSettings(backend=backend, imgsz=imgsz, confidence=confidence)
    except ValueError as error:
        raise BadInput(str(error)) from None
    try:
        zones = load_zones_json(zones_file) if zones_file else DeskZones([])
    except ZoneError as error:
        raise BadInput(f"zones: {error}") from None
    health = HealthMonitor()
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
    pipeline = CameraPipeline(detector, zones, health=health)
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
