"""Person detector: ultralytics YOLO behind the neutral ``Detections`` type, fully offline.

Backends: ``torch`` (the verified ``.pt``), ``onnx`` and ``openvino`` (exported once from the verified
``.pt`` into the models cache, for the exact input shape the camera needs, and checked against the
sha256 recorded at export before every load).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vision.detections import PERSON_CLASS_ID, Detections
from vision.weights import sha256_file

log = logging.getLogger("deskaudit.vision.detector")

BACKENDS = ("torch", "onnx", "openvino")
_STRIDE = 32


class DetectorError(Exception):
    """The detector could not be loaded, exported or run."""


class PersonDetector(Protocol):
    """What the pipeline needs from any detector (a fake in unit tests, YOLO in production)."""

    model_id: str

    def detect(self, image: np.ndarray) -> Detections: ...


@dataclass(frozen=True)
class DetectorSettings:
    """How to run the detector; defaults documented in docs/VISION.md.

    Attributes:
        backend: ``torch``, ``onnx`` or ``openvino``.
        imgsz: Long side of the network input in pixels (multiple of 32).
        confidence: Minimum person score kept.
        iou: Non-maximum suppression overlap threshold.
        threads: CPU threads for inference; ``None`` = every core available to this process
            (torch), or the backend's own choice (OpenVINO, ONNX Runtime: all cores).
    """

    backend: str = "openvino"
    imgsz: int = 640
    confidence: float = 0.25
    iou: float = 0.7
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"detector backend {self.backend!r} is not one of {', '.join(BACKENDS)}")
        if self.imgsz < _STRIDE or self.imgsz % _STRIDE:
            raise ValueError(f"detector imgsz must be a positive multiple of {_STRIDE}, got {self.imgsz}")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"detector confidence must be within (0, 1), got {self.confidence}")
        if not 0.0 < self.iou <= 1.0:
            raise ValueError(f"detector iou must be within (0, 1], got {self.iou}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"detector threads must be ≥ 1, got {self.threads}")


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity and container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_offline(config_dir: Path) -> None:
    """Set ultralytics' offline switches before it is imported (no DNS, no pip, no settings sync).

    ``config_dir`` holds ultralytics' own settings file unless ``YOLO_CONFIG_DIR`` already says where.
    """
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    os.environ.setdefault("YOLO_VERBOSE", "false")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))
    Path(os.environ["YOLO_CONFIG_DIR"]).mkdir(parents=True, exist_ok=True)


def input_shape(width: int, height: int, imgsz: int) -> tuple[int, int]:
    """``(height, width)`` of the network input: long side ``imgsz``, short side rounded up to 32."""
    scale = imgsz / max(width, height)

    def fit(side: int) -> int:
        return min(imgsz, int(np.ceil(side * scale / _STRIDE)) * _STRIDE)

    return fit(height), fit(width)


class YoloDetector:
    """ultralytics YOLO restricted to persons; loads lazily, one model per input shape."""

    def __init__(self, weights: Path | str, settings: DetectorSettings | None = None, *, export_dir: Path | None = None,
                 ultralytics_dir: Path | None = None) -> None:
        """``export_dir`` keeps ONNX/OpenVINO exports (default: beside the weights); ultralytics' settings go to
        ``ultralytics_dir``, by default ``ultralytics/`` beside ``export_dir`` (the cache's, for ``<cache>/models``)."""
        self.weights = Path(weights)
        if not self.weights.is_file():
            raise DetectorError(f"weights {self.weights}: no such file")
        self.settings = settings or DetectorSettings()
        self.export_dir = export_dir or self.weights.parent
        self.weights_sha256 = sha256_file(self.weights)
        self.model_id = f"{self.weights.stem}@{self.weights_sha256[:12]}/{self.settings.backend}/{self.settings.imgsz}"
        self._models: dict[tuple[int, int], Any] = {}
        self._runners: dict[tuple[tuple[int, int], int, int], Any] = {}
        self._lock = threading.Lock()
        self._infer_lock = threading.Lock()
        self._threads_set = False
        configure_offline(ultralytics_dir or self.export_dir.parent / "ultralytics")

    def detect(self, image: np.ndarray) -> Detections:
        """Persons in one BGR frame."""
        from vision.yolo_io import person_boxes

        height, width = image.shape[:2]
        runner = self._runner_for(input_shape(width, height, self.settings.imgsz), image)
        try:
            # One sample at a time per detector: runners reuse their input and output buffers.
            with self._infer_lock:
                prepared, box = runner.prepare(image)
                raw = runner.infer(prepared)
                xyxy, scores = person_boxes(
                    raw, box, (width, height), confidence=self.settings.confidence, iou=self.settings.iou
                )
        except Exception as error:
            raise DetectorError(f"{self.model_id}: inference failed: {error}") from error
        return Detections(xyxy, scores, np.full(len(xyxy), PERSON_CLASS_ID, np.int32), (width, height))

    def runner_for_frame(self, width: int, height: int) -> Any:
        """The forward-pass runner used for frames of this size (the benchmark times it bare)."""
        shape = input_shape(width, height, self.settings.imgsz)
        return self._runner_for(shape, np.zeros((height, width, 3), np.uint8))

    def _runner_for(self, shape: tuple[int, int], image: np.ndarray) -> Any:
        key = (shape, image.shape[1], image.shape[0])
        with self._lock:
            runner = self._runners.get(key)
        if runner is not None:
            return runner
        from vision.runners import OpenVinoRunner, UltralyticsRunner

        if self.settings.backend == "openvino":
            try:
                path = cached_export(self.weights, self.weights_sha256, "openvino", shape, self.export_dir,
                                     self._export)
                runner = OpenVinoRunner(path, shape, threads=self.settings.threads)
            except DetectorError:
                raise
            except Exception as error:
                raise DetectorError(f"{self.model_id}: cannot load the OpenVINO model: {error}") from error
            self._set_threads_once()
        else:
            runner = UltralyticsRunner(self._predictor_for(shape, image), shape)
        with self._lock:
            self._runners[key] = runner
        return runner

    def predict_with_ultralytics(self, image: np.ndarray) -> Detections:
        """The same detection through ``model.predict`` (slower; a cross-check for the lean path)."""
        height, width = image.shape[:2]
        shape = input_shape(width, height, self.settings.imgsz)
        results = self._predictor_model(shape).predict(
            image, imgsz=list(shape), conf=self.settings.confidence, iou=self.settings.iou,
            classes=[PERSON_CLASS_ID], device="cpu", verbose=False,
        )
        return Detections.from_ultralytics(results[0]).persons()

    def _predictor_for(self, shape: tuple[int, int], image: np.ndarray) -> Any:
        """The model's ultralytics predictor, set up by one ``predict`` call the first time."""
        model = self._predictor_model(shape)
        if getattr(model, "predictor", None) is None:
            try:
                model.predict(image, imgsz=list(shape), classes=[PERSON_CLASS_ID], device="cpu", verbose=False)
            except Exception as error:
                raise DetectorError(f"{self.model_id}: first inference failed: {error}") from error
            self._set_threads_once()
        return model.predictor

    def _predictor_model(self, shape: tuple[int, int]) -> Any:
        return self._model_for(shape)

    def warm_up(self, width: int = 768, height: int = 576) -> None:
        """Load (exporting if needed) and run once, so the first real sample is not slow."""
        self.detect(np.zeros((height, width, 3), np.uint8))

    def _set_threads_once(self) -> None:
        # ultralytics sets torch to cores − 1 threads on its first predict; set ours after it.
        if self._threads_set:
            return
        import torch

        if self.settings.backend == "torch":
            torch.set_num_threads(self.settings.threads or available_cores())
        else:
            # torch only runs the tiny NMS here; more threads would spin-wait against the backend's own.
            torch.set_num_threads(1)
        self._threads_set = True

    def _model_for(self, shape: tuple[int, int]) -> Any:
        key = shape if self.settings.backend != "torch" else (0, 0)
        with self._lock:
            if key not in self._models:
                self._models[key] = self._load(shape)
            return self._models[key]

    def _load(self, shape: tuple[int, int]) -> Any:
        from ultralytics import YOLO

        quiet_ultralytics()

        backend = self.settings.backend
        try:
            if backend == "torch":
                return YOLO(str(self.weights), task="detect")
            path = cached_export(self.weights, self.weights_sha256, backend, shape, self.export_dir, self._export)
            return YOLO(str(path), task="detect")
        except DetectorError:
            raise
        except Exception as error:
            raise DetectorError(f"{self.model_id}: cannot load {backend} model: {error}") from error

    def _export(self, source: Path, backend: str, shape: tuple[int, int]) -> Path:
        from ultralytics import YOLO

        if backend == "openvino":
            opt_out_openvino_telemetry()
        log.info("exporting %s to %s at %sx%s (once; cached)", source.name, backend, shape[1], shape[0])
        exported = YOLO(str(source), task="detect").export(
            format=backend, imgsz=list(shape), dynamic=False, half=False, device="cpu", verbose=False
        )
        return Path(exported)


def cached_export(
    weights: Path,
    weights_sha256: str,
    backend: str,
    shape: tuple[int, int],
    export_dir: Path,
    export: Callable[[Path, str, tuple[int, int]], Path],
) -> Path:
    """Path of an exported model for ``shape``, exporting it once; verified against its manifest."""
    stem = f"{weights.stem}-{weights_sha256[:12]}-{shape[1]}x{shape[0]}"
    target = export_dir / (f"{stem}.onnx" if backend == "onnx" else f"{stem}_openvino_model")
    manifest = export_dir / f"{stem}.{backend}.json"
    if target.exists() and manifest.is_file():
        recorded = json.loads(manifest.read_text())
        if recorded.get("source_sha256") == weights_sha256 and recorded.get("sha256") == tree_sha256(target):
            return target
        log.warning("export %s does not match its manifest; exporting again", target)
    export_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=export_dir) as tmp:
        source = Path(tmp) / weights.name
        shutil.copyfile(weights, source)
        if sha256_file(source) != weights_sha256:
            raise DetectorError(f"{weights}: changed while being copied for export")
        produced = export(source, backend, shape)
        _replace(produced, target)
    manifest.write_text(json.dumps({"source_sha256": weights_sha256, "backend": backend,
                                    "shape": list(shape), "sha256": tree_sha256(target)}, indent=2))
    return target


def _replace(produced: Path, target: Path) -> None:
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    os.replace(produced, target)


def tree_sha256(path: Path) -> str:
    """sha256 of a file, or of a directory's files (names and contents, in sorted order)."""
    if path.is_file():
        return sha256_file(path)
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(item.relative_to(path)).encode())
        digest.update(sha256_file(item).encode())
    return digest.hexdigest()


def quiet_ultralytics() -> None:
    """Send ultralytics' console logging to stderr: stdout belongs to our JSON-lines output."""
    for handler in logging.getLogger("ultralytics").handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)


def opt_out_openvino_telemetry() -> None:
    """Record the documented opt-out (``~/intel/openvino_telemetry`` = 0) unless a choice exists."""
    consent = Path.home() / "intel" / "openvino_telemetry"
    try:
        if not consent.exists():
            consent.parent.mkdir(parents=True, exist_ok=True)
            consent.write_text("0")
    except OSError as error:
        log.warning("could not record the OpenVINO telemetry opt-out at %s: %s", consent, error)
