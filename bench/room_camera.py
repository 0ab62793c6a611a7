"""A room camera over 4 desks against 4 desk cameras: detections, rows and time per sampling round.

Both run side by side in one process, on the same real footage, with the real detector and the real sampler
writing to a fresh SQLite database:

  (a) room  — one camera over 4 desks (a staff and a queue zone per desk): one frame, one detection pass,
              4 observation rows;
  (b) desks — 4 desk cameras, one per desk (the baseline: one camera per counter): 4 frames, 4 passes.

Prints detector calls per sample (the target: exactly 1 for the room camera), rows per round, and ms per round
with the ratio (a)/(b). Run: .venv/bin/python bench/room_camera.py [--rounds 30] [--backend openvino]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")
os.environ.setdefault("YOLO_VERBOSE", "false")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskaudit.settings import load_settings  # noqa: E402
from models import migrate  # noqa: E402
from models.db import make_engine, session_factory  # noqa: E402
from models.enums import UnitLevel, ZoneKind  # noqa: E402
from models.org import Camera, Desk, Unit, Zone  # noqa: E402
from schedules.sampling import Sampler, SamplingSettings, enabled_cameras  # noqa: E402
from vision.detector import DetectorSettings, YoloDetector  # noqa: E402
from vision.frames import Frame  # noqa: E402
from vision.sources import FileSource  # noqa: E402
from vision.weights import resolve_weights  # noqa: E402

CANDIDATES = [ROOT.parent / "shared" / "data" / "vtest.avi", ROOT / "tests" / "data" / "vtest-excerpt.mp4"]
START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
DESKS = 4


class CountingDetector:
    """The real detector, counting its passes."""

    def __init__(self, detector: YoloDetector) -> None:
        self.detector, self.calls, self.model_id = detector, 0, detector.model_id

    def detect(self, image):
        self.calls += 1
        return self.detector.detect(image)


class Frames:
    """Preloaded frames handed out in turn (decoding is not what is measured)."""

    description = "bench frames"

    def __init__(self, images) -> None:
        self.images, self.index = images, 0

    def read(self) -> Frame:
        image = self.images[self.index % len(self.images)]
        self.index += 1
        return Frame(image, time.monotonic(), self.index)

    def close(self) -> None:
        pass


def strip(i: int) -> list[list[float]]:
    """Desk ``i``'s quarter of the frame, as x bounds."""
    return [i / DESKS, (i + 1) / DESKS]


def seed(factory, video: Path) -> None:
    now = START
    with factory.begin() as session:
        unit = Unit(code="XA", name="Xã", level=UnitLevel.COMMUNE)
        session.add(unit)
        session.flush()
        desks = [Desk(code=f"XA-Q{i + 1}", unit_id=unit.id, name=f"Quầy {i + 1}", field="—") for i in range(DESKS)]
        session.add_all(desks)
        session.flush()
        url = f"file://{video}"
        room = Camera(code="XA-PHONG", unit_id=unit.id, desk_id=None, name="Phòng", source_url=url, purpose="bench")
        own = [Camera(code=f"{d.code}-CAM", unit_id=unit.id, desk_id=d.id, name=d.name, source_url=url,
                      purpose="bench") for d in desks]
        session.add_all([room, *own])
        session.flush()
        for i, desk in enumerate(desks):
            a, b = strip(i)
            for camera in (room, own[i]):
                for name, kind, y0, y1 in (("can-bo", ZoneKind.STAFF, 0.0, 0.5), ("hang", ZoneKind.QUEUE, 0.5, 1.0)):
                    session.add(Zone(camera_id=camera.id, desk_id=desk.id, name=f"q{i + 1}-{name}", kind=kind,
                                     polygon=[[a, y0], [b, y0], [b, y1], [a, y1]], changed_by="bench", changed_at=now))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--video", type=Path, default=next((p for p in CANDIDATES if p.exists()), CANDIDATES[-1]))
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--backend", default="openvino", choices=["torch", "onnx", "openvino"])
    args = parser.parse_args()

    settings = load_settings()
    weights = resolve_weights(cache_dir=settings.cache_path / "models", official=settings.weights_official)
    source = FileSource(args.video)
    try:
        images = [source.frame_at(i * 0.5).image for i in range(args.rounds)]
    finally:
        source.close()
    height, width = images[0].shape[:2]
    detector = YoloDetector(weights, DetectorSettings(backend=args.backend), export_dir=settings.cache_path / "models")
    detector.warm_up(width, height)
    counting = CountingDetector(detector)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        seed(factory, args.video.resolve())
        sampler = Sampler(counting, data_dir=Path(tmp), settings=SamplingSettings(evidence_every_s=None))
        with factory() as session:
            cameras = {c.code: c for c in enabled_cameras(session)}
        room = cameras.pop("XA-PHONG")
        pipelines = {code: sampler.pipeline_for(spec) for code, spec in [("XA-PHONG", room), *cameras.items()]}
        sources = {code: Frames(images) for code in pipelines}
        spent = {"room": [], "desks": []}
        calls = {"room": 0, "desks": 0}
        rows = {"room": 0, "desks": 0}
        with factory() as session:
            for n in range(args.rounds):
                at = START + timedelta(seconds=30 * n)
                for kind, specs in (("room", [room]), ("desks", list(cameras.values()))) if n % 2 else \
                        (("desks", list(cameras.values())), ("room", [room])):
                    before, started = counting.calls, time.perf_counter()
                    for spec in specs:
                        result = sampler.sample(session, spec, at, pipelines[spec.code], sources[spec.code])
                        session.commit()
                        rows[kind] += len(result.desks)
                    spent[kind].append(time.perf_counter() - started)
                    calls[kind] += counting.calls - before
        engine.dispose()

    ms = {kind: statistics.median(values) * 1000 for kind, values in spent.items()}
    print(f"video {args.video.name} {width}×{height}; backend {args.backend}; {args.rounds} rounds; {DESKS} desks")
    print(f"(a) room camera over {DESKS} desks : {calls['room'] / args.rounds:.2f} detections per sample, "
          f"{rows['room'] / args.rounds:.1f} rows per round, {ms['room']:7.1f} ms per round (median)")
    print(f"(b) {DESKS} desk cameras           : {calls['desks'] / args.rounds:.2f} detections per round, "
          f"{rows['desks'] / args.rounds:.1f} rows per round, {ms['desks']:7.1f} ms per round (median)")
    print(f"ratio (a)/(b) time per round : {ms['room'] / ms['desks']:.3f}   (one pass against {DESKS})")
    if calls["room"] != args.rounds:
        raise SystemExit(f"FAIL: the room camera ran {calls['room']} detections in {args.rounds} samples")


if __name__ == "__main__":
    main()
