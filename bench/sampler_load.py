"""Sampler load: N cameras on the real ``SamplerService`` for M simulated minutes — lateness, memory.

Runs the continuous sampler as ``deskaudit run sampler`` does (APScheduler, one job per camera at
its fixed ``slot_offset``, the bounded worker pool, reconcile and alert jobs, a fresh SQLite file in
WAL mode, blurred snapshots) over units × desks open all day, with two stand-ins at the process
boundaries:

- frames: N frames decoded once from vtest.avi (768×576), shared read-only by every camera; each
  camera reads the next one on every sample, from its own starting point (so none looks frozen);
- detector: the person boxes the real model finds in those frames (computed once, in a child
  process, so the model's memory is not counted here), returned after ``--latency-ms`` of sleep
  under one lock — the real detector serialises inference the same way.

Measures, per sample, lateness = when the job started − when it was due (slot start + the camera's
offset); per camera, slots with no observation (the first, partial slot excluded) and duplicates;
RSS every few seconds, its peak, whether it stays flat, and what ``malloc_trim`` gives back at the end.

``--speedup S`` divides the cadence, the camera offsets, the detector latency and the service's
intervals by S, so the schedule and the detector's load ratio are the simulated ones; lateness is
reported in simulated seconds (real × S). Database writes, health checks and snapshots are not
scaled (they cost S times more of each simulated second), so S > 1 is pessimistic.

    .venv/bin/python bench/sampler_load.py [--cameras 500] [--minutes 10] [--cadence 30] [--speedup 1]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from datetime import time as dt_time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

import schedules.service as service_module  # noqa: E402
from detect_throughput import CANDIDATES, load_frames  # noqa: E402  (bench/ is on sys.path)
from models import migrate  # noqa: E402
from models.db import make_engine, session_factory, sqlite_url  # noqa: E402
from models.enums import UnitLevel, ZoneKind  # noqa: E402
from models.hours import HoursProfile, HoursSession  # noqa: E402
from models.observing import Observation  # noqa: E402
from models.org import Camera, Desk, Unit, Zone  # noqa: E402
from schedules.sampling import Sampler, SamplingSettings, slot_start  # noqa: E402
from schedules.service import SamplerService  # noqa: E402
from vision.detections import Detections  # noqa: E402
from vision.frames import Frame  # noqa: E402

# The example site's desk camera zones (config/example-site.toml), normalised 0..1 as stored.
STAFF_ZONE = [[0.70, 0.30], [1.00, 0.30], [1.00, 0.75], [0.70, 0.75]]
QUEUE_ZONE = [[0.35, 0.30], [0.70, 0.30], [0.70, 0.70], [0.35, 0.70]]
SCRIPTED_BOXES = [[620, 200, 684, 345]]  # one officer at the desk (tests/test_sampler_service.py)
DESKS_PER_UNIT = 10


# --- stand-ins at the process boundaries -------------------------------------------------------

class SlowBoxesDetector:
    """Boxes found beforehand in each shared frame, handed back after the real model's latency."""

    model_id = "bench-fake@0/none/0"

    def __init__(self, frames: list[np.ndarray], boxes: list[list], latency_s: float) -> None:
        self.boxes_by_frame = {id(image): frame_boxes for image, frame_boxes in zip(frames, boxes)}
        self.latency_s = latency_s
        self._lock = threading.Lock()  # YoloDetector._infer_lock: one inference at a time

    def detect(self, image: np.ndarray) -> Detections:
        boxes = self.boxes_by_frame[id(image)]  # only the shared frames ever reach it
        with self._lock:
            time.sleep(self.latency_s)
        return Detections.from_boxes(boxes, (image.shape[1], image.shape[0]))


class MemorySource:
    """A live camera over the shared frames: each read hands over the next one (no copy)."""

    def __init__(self, code: str, frames: list[np.ndarray], start: int) -> None:
        self.description = f"memory:{code}"
        self.frames = frames
        self.index = start

    def read(self) -> Frame:
        self.index += 1
        return Frame(self.frames[self.index % len(self.frames)], time.monotonic(), self.index)

    def close(self) -> None:
        pass


class MemorySampler(Sampler):
    """The real ``Sampler`` whose cameras are ``MemorySource``s over ``frames``."""

    frames: list[np.ndarray] = []  # noqa: RUF012  (replaced per instance before a camera opens, never mutated)

    def open(self, camera, *, live_files: bool = False) -> MemorySource:
        return MemorySource(camera.code, self.frames, zlib.crc32(camera.code.encode()) % len(self.frames))


@dataclass
class Records:
    """What the bench keeps per sample: compact arrays, so the bench's own memory stays out of the figures."""

    started: array = field(default_factory=lambda: array("d"))  # real epoch seconds
    lateness: array = field(default_factory=lambda: array("d"))  # real seconds
    ended: array = field(default_factory=lambda: array("d"))  # real epoch seconds
    taken: int = 0  # samples that found their slot already sampled
    displaced: int = 0  # samples that started so late they landed in the next slot
    lock: threading.Lock = field(default_factory=threading.Lock)


class MeasuredService(SamplerService):
    """The real service with in-memory cameras, recording when each sample job starts and ends."""

    def __init__(self, frames, offsets: dict[str, float], cadence_s: int, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sampler = MemorySampler(self.sampler.detector, data_dir=self.sampler.data_dir,
                                     settings=self.sampler.settings)
        self.sampler.frames = frames
        self.offsets = offsets
        self.cadence_s = cadence_s
        self.records = Records()
        self.events: Counter = Counter()

    def start(self) -> int:
        count = super().start()
        self.scheduler.add_listener(self._count_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR)
        return count

    def _count_event(self, event) -> None:
        self.events[{EVENT_JOB_MISSED: "missed", EVENT_JOB_MAX_INSTANCES: "max_instances",
                     EVENT_JOB_ERROR: "error"}[event.code]] += 1

    def _sample_camera(self, code: str):
        started = time.time()
        # Runs later than the cadence are dropped by APScheduler (misfire grace = cadence), so the
        # due time is the latest offset point at or before now.
        lateness = (started - self.offsets[code]) % self.cadence_s
        result = super()._sample_camera(code)  # one that raises is counted by the error listener
        ended = time.time()
        due_slot = slot_start(datetime.fromtimestamp(started - lateness, timezone.utc), self.cadence_s)
        with self.records.lock:
            r = self.records
            r.started.append(started)
            r.lateness.append(lateness)
            r.ended.append(ended)
            if result is not None:
                r.taken += not result.written
                r.displaced += result.slot_at != due_slot
        return result


# --- setup -------------------------------------------------------------------------------------

def person_boxes(video: Path, count: int) -> list[list]:
    """What the real model (torch backend) finds in the frames, computed in a child process (same frames)."""
    child = subprocess.run([sys.executable, __file__, "--emit-boxes", "--video", str(video), "--frames", str(count)],
                           capture_output=True, text=True, timeout=600)
    if child.returncode != 0:
        raise RuntimeError(f"person boxes: child process failed: {child.stderr.strip()[-1500:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def emit_boxes(video: Path, count: int, step: int) -> None:
    """Child process: print the person boxes of each frame as one JSON line."""
    from deskaudit import paths
    from vision.detector import DetectorSettings, YoloDetector
    from vision.weights import resolve_weights

    detector = YoloDetector(resolve_weights(cache_dir=paths.cache_dir() / "models", allow_download=False),
                            DetectorSettings(backend="torch"))
    boxes = [np.asarray(detector.detect(frame).xyxy).round(1).tolist() for frame in load_frames(video, count, step)]
    print(json.dumps(boxes))


def create_site(url: str, cameras: int, desks_per_unit: int, cadence_s: int) -> None:
    """Units × desks, one camera per desk with the example site's staff and queue zones, open all day
    every day (the run is the busy part of a working day, whenever it is run)."""
    migrate.upgrade(url)
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    with session_factory(engine).begin() as session:
        hours = HoursProfile(code="ca-ngay", name="Cả ngày (bench)", sessions=[
            HoursSession(season="ca-nam", season_from="01-01", season_to="12-31", weekday=day,
                         start_time=dt_time(0, 0), end_time=dt_time(23, 59)) for day in range(7)])
        session.add(hours)
        session.flush()
        units = [Unit(code=f"U{u:03d}", name=f"Bộ phận một cửa {u:03d}", level=UnitLevel.COMMUNE,
                      hours_profile_id=hours.id)
                 for u in range(math.ceil(cameras / desks_per_unit))]
        session.add_all(units)
        session.flush()
        desks = [Desk(code=f"{units[i // desks_per_unit].code}-Q{i % desks_per_unit:02d}",
                      unit_id=units[i // desks_per_unit].id, name=f"Quầy {i % desks_per_unit + 1}", field="Hộ tịch")
                 for i in range(cameras)]
        session.add_all(desks)
        session.flush()
        rows = [Camera(code=f"{desk.code}-CAM", desk_id=desk.id, name=f"Camera {desk.name}",
                       source_url=f"memory://{desk.code}", cadence_seconds=cadence_s, purpose="bench")
                for desk in desks]
        session.add_all(rows)
        session.flush()
        session.add_all(Zone(camera_id=camera.id, name=name, kind=kind, polygon=polygon, changed_by="bench",
                             changed_at=now)
                        for camera in rows
                        for name, kind, polygon in (("ban", ZoneKind.STAFF, STAFF_ZONE),
                                                    ("hang-cho", ZoneKind.QUEUE, QUEUE_ZONE)))
    engine.dispose()


# --- memory ------------------------------------------------------------------------------------

def proc_status_kb(field_name: str) -> int:
    """A ``kB`` field of /proc/self/status (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field_name}")


class RssSampler(threading.Thread):
    """VmRSS every ``every_s`` seconds, as ``(epoch seconds, MB)``."""

    def __init__(self, every_s: float) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.every_s = every_s
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.time(), proc_status_kb("VmRSS") / 1024))
            self._halt.wait(self.every_s)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def trimmed_rss_mb() -> float | None:
    """VmRSS after glibc's ``malloc_trim(0)``: freed heap that glibc kept goes back to the system."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return None
    return proc_status_kb("VmRSS") / 1024


def rss_at(samples: list[tuple[float, float]], t0: float, t1: float) -> float:
    """Median RSS (MB) of the samples taken within ``[t0, t1]``."""
    return float(np.median([mb for t, mb in samples if t0 <= t <= t1] or [math.nan]))


# --- the run -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    cameras: int
    slots: int  # full slots measured per camera
    cadence_s: int  # real
    speedup: float
    latency_s: float  # real
    sim_cadence_s: float


def run(plan: Plan, args, frames: list[np.ndarray], boxes: list[list], tmp: Path) -> None:
    url = sqlite_url(tmp / "deskaudit.sqlite3")
    create_site(url, plan.cameras, DESKS_PER_UNIT, plan.cadence_s)
    engine = make_engine(url)
    factory = session_factory(engine)
    real_offset = service_module.slot_offset

    def scaled_offset(code: str, cadence_s: int) -> float:
        """The simulated schedule: each camera's offset at the simulated cadence, in real seconds."""
        return real_offset(code, cadence_s * plan.speedup) / plan.speedup

    service_module.slot_offset = scaled_offset
    with factory() as session:
        codes = list(session.scalars(select(Camera.code)))
    detector = SlowBoxesDetector(frames, boxes, plan.latency_s)
    service = MeasuredService(frames, {c: scaled_offset(c, plan.cadence_s) for c in codes}, plan.cadence_s,
                              factory, detector, tmp / "data", respect_hours=False, workers=args.workers,
                              settings=simulated_settings(plan.speedup),
                              reconcile_every_s=30 / plan.speedup, alert_every_s=20 / plan.speedup)  # the defaults
    rss = RssSampler(min(5.0, max(0.5, plan.slots * plan.cadence_s / 120)))
    rss.start()
    time.sleep(min(1.0, rss.every_s * 2))
    baseline_mb = proc_status_kb("VmRSS") / 1024
    cpu0, wall0 = time.process_time(), time.time()
    try:
        service.start()
        first = slot_start(datetime.now(timezone.utc), plan.cadence_s).timestamp() + plan.cadence_s
        end = first + plan.slots * plan.cadence_s
        progress(service, rss, plan, first, end)
        trimmed = trimmed_rss_mb()  # before stop() frees the cameras' pipelines
    finally:
        stop_at = time.time()
        service.stop()
        drained = time.time() - stop_at
        service_module.slot_offset = real_offset
        cpu, wall = time.process_time() - cpu0, time.time() - wall0
        rss.stop()
    report(plan, service, factory, rss.samples, first, end, baseline_mb, trimmed, cpu, wall, drained)
    engine.dispose()


def simulated_settings(speedup: float) -> SamplingSettings:
    """The default sampling settings, with the evidence snapshot interval in simulated time."""
    every = SamplingSettings().evidence_every_s
    return SamplingSettings(evidence_every_s=every / speedup if every else every)


def progress(service: MeasuredService, rss: RssSampler, plan: Plan, first: float, end: float) -> None:
    """Wait for the end of the run, printing a progress line now and then."""
    every_s = max(2.0, min(15.0, (end - first) / 40))
    print(f"  lining up: the first full slot starts in {first - time.time():.1f} s real", file=sys.stderr, flush=True)
    next_line = first + every_s
    while (now := time.time()) < end:
        time.sleep(min(0.2, end - now))
        if time.time() < next_line:
            continue
        next_line += every_s
        r, since = service.records, time.time() - 2 * plan.cadence_s
        recent = [late for started, late in zip(r.started, r.lateness) if started >= since]
        p95 = np.percentile(recent, 95) * plan.speedup if recent else math.nan
        sim = max(0.0, time.time() - first) * plan.speedup
        print(f"  sim {sim / 60:5.1f}/{(end - first) * plan.speedup / 60:.1f} min  samples {len(r.started):6d}  "
              f"lateness p95 (last 2 slots) {p95:6.2f} s sim  RSS {rss.samples[-1][1]:6.1f} MB  "
              f"dropped {service.events['missed'] + service.events['max_instances']}", file=sys.stderr, flush=True)


def report(plan, service, factory, rss_samples, first, end, baseline_mb, trimmed, cpu, wall, drained) -> None:
    s, r = plan.speedup, service.records
    started, lateness, ended = (np.frombuffer(a, np.float64) for a in (r.started, r.lateness, r.ended))
    due = started - lateness
    in_run = (due >= first) & (due < end)  # the first, partial slot left out
    late, duration = lateness[in_run] * s, (ended - started)[in_run]
    slot_of = np.floor((due[in_run] - first) / plan.cadence_s)
    slot_ends = [ended[in_run][slot_of == k] for k in range(plan.slots)]
    done_into_slot = [(e.max() - first - k * plan.cadence_s) * s for k, e in enumerate(slot_ends) if e.size]
    window = (datetime.fromtimestamp(first, timezone.utc), datetime.fromtimestamp(end, timezone.utc))
    with factory() as session:
        written = session.scalar(select(func.count()).select_from(Observation)
                                 .where(Observation.slot_at >= window[0], Observation.slot_at < window[1]))
        cameras = session.scalar(select(func.count()).select_from(Camera))
        duplicates = session.scalar(select(func.count()).select_from(
            select(Observation.camera_id).group_by(Observation.camera_id, Observation.slot_at)
            .having(func.count() > 1).subquery()))
        health = dict(session.execute(select(Observation.health, func.count()).group_by(Observation.health)).all())
        latency_ms = np.array(session.scalars(select(Observation.latency_ms).where(
            Observation.latency_ms.is_not(None), Observation.slot_at >= window[0])).all(), np.float64)
    expected = cameras * plan.slots
    budget = plan.cameras / plan.sim_cadence_s

    def pct(values, q: float) -> float:
        return float(np.percentile(values, q)) if len(values) else math.nan

    print()
    print(f"sampler load: {plan.cameras} cameras, cadence {plan.sim_cadence_s:g} s, "
          f"{plan.slots * plan.sim_cadence_s / 60:g} simulated min ({plan.slots} full slots per camera), "
          f"detector {plan.latency_s * s * 1000:g} ms under one lock, speedup {s:g} (real cadence {plan.cadence_s} s, "
          f"real detector {plan.latency_s * 1000:g} ms), "
          f"{service.workers or min(service_module.MAX_WORKERS, plan.cameras)} workers, SQLite WAL")
    print(f"machine: {len(os.sched_getaffinity(0))} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(f"budget : {budget:.1f} samples/s; inference alone holds the detector lock "
          f"{budget * plan.latency_s * s * 100:.0f} % of the time")
    print()
    print(f"lateness (simulated s) : p50 {pct(late, 50):.2f}  p95 {pct(late, 95):.2f}  max {late.max():.2f}   "
          f"(real s: p50 {pct(late, 50) / s:.2f}  p95 {pct(late, 95) / s:.2f}  max {late.max() / s:.2f}; "
          f"{late.size} samples)")
    print(f"slot done after (sim s): p50 {pct(done_into_slot, 50):.2f}  max {max(done_into_slot):.2f} "
          f"of {plan.sim_cadence_s:g}  (when the last sample of a slot ended, from the slot start)")
    print(f"time in a sample job   : p50 {pct(duration, 50) * 1000:.1f}  p95 {pct(duration, 95) * 1000:.1f}  "
          f"max {duration.max() * 1000:.1f} ms real; stored latency_ms p50 {pct(latency_ms, 50):.0f}  "
          f"p95 {pct(latency_ms, 95):.0f} ms (read + health + waiting for and holding the detector)")
    print(f"throughput             : {late.size / (end - first):.2f} samples/s real = "
          f"{late.size / (end - first) / s:.2f} samples/s simulated (budget {budget:.2f})")
    print(f"observations           : {written} of {expected} expected in the full slots; {sum(health.values())} in all "
          f"(the first, partial slot included)")
    print(f"missed slots           : {expected - written}   (APScheduler dropped {service.events['missed']} runs as "
          f"misfired, {service.events['max_instances']} at max instances; {r.displaced} samples started so late "
          f"they landed in the next slot)")
    print(f"duplicates             : {duplicates} (camera, slot) pairs stored twice; "
          f"{r.taken} samples found their slot already sampled")
    print(f"errors                 : {service.events['error']} job errors; health "
          f"{dict(sorted((str(k), v) for k, v in health.items()))}")
    print(f"CPU                    : {cpu:.0f} s CPU in {wall:.0f} s = {cpu / wall * 100:.0f} % of one core, "
          f"{cpu / len(started) * 1000:.1f} ms real per sample, the sleeping fake detector using none "
          f"(stop() drained the queue in {drained:.1f} s)")
    report_memory(plan, rss_samples, first, end, baseline_mb, trimmed, started, lateness)


def report_memory(plan, samples, first, end, baseline_mb, trimmed, started, lateness) -> None:
    s = plan.speedup
    print()
    print("sim min | samples | lateness p50    p95    max (sim s) | RSS MB at the end")
    minute = 60 / s  # real seconds per simulated minute
    for m in range(math.ceil((end - first) / minute)):
        t0, t1 = first + m * minute, first + (m + 1) * minute
        late = lateness[(started >= t0) & (started < t1)] * s
        figures = (f"{np.percentile(late, 50):12.2f} {np.percentile(late, 95):6.2f} {late.max():6.2f}"
                   if late.size else " " * 26)
        print(f"{m:3d}–{m + 1:<3d} | {late.size:7d} | {figures}         | "
              f"{rss_at(samples, t1 - min(minute, 5), t1 + 0.5):6.1f}")
    quarter = rss_at(samples, first + 0.2 * (end - first), first + 0.3 * (end - first))
    final = rss_at(samples, end - 0.1 * (end - first), end)
    second = [(t, mb) for t, mb in samples if first + 0.5 * (end - first) <= t <= end]
    slope = np.polyfit([(t - first) * s / 60 for t, _ in second], [mb for _, mb in second], 1)[0]
    growth = final - quarter
    kept_heap = trimmed is not None and trimmed <= quarter + 1.0  # what grew was freed heap, not live objects
    flat = growth <= max(5.0, 0.03 * quarter) or kept_heap
    # VmHWM is updated lazily (per-thread RSS counters), so a sampled VmRSS may top it by a little.
    hwm = max(proc_status_kb("VmHWM") / 1024, max(mb for _, mb in samples))
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"memory: RSS before start {baseline_mb:.1f} MB (the shared frames, no model); peak {hwm:.1f} MB "
          f"(VmHWM or the highest sample; ru_maxrss {maxrss:.1f} MB)")
    print(f"        RSS at 25 % of the run {quarter:.1f} MB, at the end {final:.1f} MB: {growth:+.1f} MB; "
          f"second half slope {slope:+.2f} MB per simulated min → {'FLAT' if flat else 'NOT FLAT'} "
          f"(flat: growth ≤ max(5 MB, 3 %), or ≤ the 25 % figure + 1 MB after malloc_trim)")
    if trimmed is not None:
        print(f"        at the end, after malloc_trim(0): {trimmed:.1f} MB ({trimmed - quarter:+.1f} MB against 25 %): "
              + ("the growth was freed heap that glibc had kept" if kept_heap else "live memory grew"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=500)
    parser.add_argument("--minutes", type=float, default=10, help="simulated minutes measured (full slots)")
    parser.add_argument("--cadence", type=int, default=30, help="simulated seconds between samples of a camera")
    parser.add_argument("--speedup", type=float, default=1, help="simulated seconds per real second")
    parser.add_argument("--latency-ms", type=float, default=25, help="simulated inference time per frame")
    parser.add_argument("--workers", type=int, default=None, help="camera jobs at once (default: the service's)")
    parser.add_argument("--video", type=Path, default=next((p for p in CANDIDATES if p.exists()), CANDIDATES[-1]))
    parser.add_argument("--frames", type=int, default=60, help="frames decoded, spread over the video")
    parser.add_argument("--boxes", choices=["model", "scripted"], default="model",
                        help="model: what yolov8n finds in each frame; scripted: one officer at the desk")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and snapshots")
    parser.add_argument("--emit-boxes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    step = max(1, int(cv2.VideoCapture(str(args.video)).get(cv2.CAP_PROP_FRAME_COUNT)) // args.frames)
    if args.emit_boxes:
        emit_boxes(args.video, args.frames, step)
        return

    cadence_real = args.cadence / args.speedup
    if cadence_real < 1 or abs(cadence_real - round(cadence_real)) > 1e-9:
        parser.error(f"--cadence {args.cadence} / --speedup {args.speedup:g} = {cadence_real:g} s: must be a whole "
                     "number of seconds ≥ 1 (cameras store whole seconds)")
    slots = round(args.minutes * 60 / args.cadence)
    plan = Plan(args.cameras, slots, round(cadence_real), args.speedup, args.latency_ms / 1000 / args.speedup,
                args.cadence)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # a warning per dropped run; they are counted

    frames = load_frames(args.video, args.frames, step)
    for frame in frames:
        frame.flags.writeable = False  # shared by every camera: nothing may draw on them
    boxes = person_boxes(args.video, args.frames) if args.boxes == "model" else [SCRIPTED_BOXES] * len(frames)
    persons = [len(b) for b in boxes]
    print(f"{args.video.name}: {len(frames)} frames of {frames[0].shape[1]}×{frames[0].shape[0]}, every {step}th; "
          f"persons per frame ({args.boxes}) min {min(persons)} median {int(np.median(persons))} max {max(persons)}",
          flush=True)
    data = (contextlib.nullcontext(tempfile.mkdtemp(prefix="sampler-load-")) if args.keep
            else tempfile.TemporaryDirectory(prefix="sampler-load-"))
    with data as tmp:
        print(f"database and snapshots in {tmp}{' (kept)' if args.keep else ''}; running {plan.slots} slots of "
              f"{plan.cadence_s} s real, after up to one slot to line up …", flush=True)
        run(plan, args, frames, boxes, Path(tmp))


if __name__ == "__main__":
    main()
