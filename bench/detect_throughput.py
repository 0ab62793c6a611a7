"""Detector throughput on real footage: naive ultralytics loop vs the deskaudit pipeline vs bare inference.

Over the same decoded frames of vtest.avi, in one process, measures
  (a) naive   — ``YOLO(weights).predict(frame)`` with ultralytics defaults (torch, its own thread count,
                all 80 classes), logging off so printing is not what gets measured;
  (b) pipeline — one deskaudit sample per frame: camera health (with the moved check), person
                detection on the configured backend, zones, presence;
  (c) bare    — the same backend's forward pass alone, on an already prepared input tensor.
Each round times a whole pass of (a) over the frames, then a pass in which (b) and (c) alternate
frame by frame (so both meet the same machine); whole passes are timed, so occasional costly samples
count, and the median round gives frames/s. Prints the three figures and the ratios (b)/(a) (target ≥ 2.0) and
time(b)/time(c) (target ≤ 1.10).

    .venv/bin/python bench/detect_throughput.py [--video PATH] [--frames 40] [--rounds 5] [--backend openvino]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskaudit.settings import load_settings  # noqa: E402
from vision.detector import DetectorSettings, YoloDetector, available_cores  # noqa: E402
from vision.health import HealthMonitor  # noqa: E402
from vision.pipeline import CameraPipeline  # noqa: E402
from vision.sources import FileSource  # noqa: E402
from vision.weights import resolve_weights  # noqa: E402
from vision.zones import DeskZones, Zone  # noqa: E402

CANDIDATES = [ROOT.parent / "shared" / "data" / "vtest.avi", ROOT / "tests" / "data" / "vtest-excerpt.mp4"]


def load_frames(video: Path, count: int, step: int) -> list[np.ndarray]:
    """``count`` decoded frames, ``step`` frames apart, through the same file source the replay uses."""
    source = FileSource(video)
    try:
        return [source.frame_at(i * step / source.fps).image for i in range(count)]
    finally:
        source.close()


def time_pass(fn, items: list) -> float:
    """Seconds for one pass of ``fn`` over ``items``."""
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=next((p for p in CANDIDATES if p.exists()), CANDIDATES[-1]))
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--step", type=int, default=7, help="frames of video between measured frames")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--backend", default="openvino", choices=["torch", "onnx", "openvino"])
    args = parser.parse_args()

    settings = load_settings()
    weights = resolve_weights(cache_dir=settings.cache_path / "models", official=settings.weights_official)
    frames = load_frames(args.video, args.frames, args.step)
    height, width = frames[0].shape[:2]
    print(f"video {args.video.name}: {len(frames)} frames of {width}×{height}; {available_cores()} cores; "
          f"backend {args.backend}; {args.rounds} rounds", flush=True)

    from ultralytics import YOLO

    naive_model = YOLO(str(weights))
    naive = lambda frame: naive_model.predict(frame, verbose=False)  # noqa: E731

    detector = YoloDetector(weights, DetectorSettings(backend=args.backend), export_dir=settings.cache_path / "models")
    detector.warm_up(width, height)
    zones = DeskZones([
        Zone.build("ban-tiep-nhan", "staff", [(0.7, 0.0), (1.0, 0.0), (1.0, 1.0), (0.7, 1.0)]),
        Zone.build("hang-cho", "queue", [(0.3, 0.0), (0.7, 0.0), (0.7, 1.0), (0.3, 1.0)]),
    ])
    pipeline = CameraPipeline(detector, zones, health=HealthMonitor(reference=frames[0]))
    clock = iter(range(10**9))
    from vision.frames import Frame

    def per_sample(frame: np.ndarray) -> None:
        pipeline.process(Frame(frame, time.monotonic(), 0), at=float(next(clock)))

    # (c): the backend's forward pass alone, each frame's input prepared beforehand.
    runner = detector.runner_for_frame(width, height)
    prepared = [runner.prepare(frame, reuse=False)[0] for frame in frames]
    bare = runner.infer

    # (b) and (c) alternate frame by frame so both see the same machine (noise here moves a pass by
    # ±20 %); (a) is far slower and runs as whole passes between them.
    def paired_pass() -> tuple[float, float]:
        spent_b = spent_c = 0.0
        for frame, tensor in zip(frames, prepared):
            start = time.perf_counter()
            per_sample(frame)
            middle = time.perf_counter()
            bare(tensor)
            spent_b, spent_c = spent_b + middle - start, spent_c + time.perf_counter() - middle
        return spent_b, spent_c

    time_pass(naive, frames[:3])  # warm-up outside the measurement
    paired_pass()
    rounds: dict[str, list[float]] = {"naive": [], "pipeline": [], "bare": []}
    for round_no in range(args.rounds):
        rounds["naive"].append(time_pass(naive, frames))
        spent_b, spent_c = paired_pass()
        rounds["pipeline"].append(spent_b)
        rounds["bare"].append(spent_c)
        print(f"  round {round_no + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    ms = {name: 1000 * statistics.median(times) / len(frames) for name, times in rounds.items()}
    fps = {name: 1000 / value for name, value in ms.items()}
    print(f"(a) naive YOLO.predict, ultralytics defaults : {fps['naive']:6.2f} frames/s ({ms['naive']:.1f} ms)")
    print(f"(b) deskaudit pipeline per sample ({args.backend:8s}): {fps['pipeline']:6.2f} frames/s "
          f"({ms['pipeline']:.1f} ms)")
    print(f"(c) bare {args.backend} inference               : {fps['bare']:6.2f} frames/s ({ms['bare']:.1f} ms)")
    print(f"ratio (b)/(a) throughput : {fps['pipeline'] / fps['naive']:.2f}x   (target >= 2.0)")
    print(f"ratio (b)/(c) time       : {ms['pipeline'] / ms['bare']:.3f}    (target <= 1.10)")


if __name__ == "__main__":
    main()
