"""Camera acquisition: N live RTSP cameras through the real sampler at a 30 s cadence — CPU per camera of each
way of reading RTSP, side by side in one run.

- **Cameras**: a GStreamer RTSP server (Debian's ``/usr/bin/python3``, PyGObject) serves N mounts of a
  pre-encoded file, no re-encoding: 1080p H.264, 25 fps, GOP 50, 4 Mbit/s with sensor-like temporal noise (a
  Hikvision main stream), or D1 704×576 at 768 kbit/s (a sub-stream), made once with ffmpeg from
  ``vtest.avi`` into ``~/.cache/deskaudit/bench``. Each camera plays the file in real time onto a local UDP
  port and its mount relays that as live shared media (no re-encoding), kept prepared by a demux-only ffmpeg
  client: a camera is live between connections, a per-sample client joins mid-GOP, and a client's
  ``Range: npt=0-`` cannot rewind it (a shared *file* mount would seek back to its first keyframe for every
  client, and every sample would read ``frozen``). Each camera has its own loopback address (127.1.x.y), so
  ``max_sessions_per_host`` counts it as its own host, as a camera on a LAN.
- **Sampler**: the real ``SamplerService`` (APScheduler, a job per camera at its slot offset, health,
  zones, presence, blurred snapshots, observations on a fresh SQLite file) with the real detector
  (yolov8n, the default backend), or ``--detector none`` (no model: acquisition alone).
- **Ways of reading** (``--kinds``): ``per-sample`` (the default: connect, first keyframe, decode it, close),
  ``keep-open`` (``keep_open = true``: the session stays, only a keyframe is decoded per sample) and
  ``opencv`` (the OpenCV keep-open reader the sampler used before: decodes every frame).

Each phase warms up for one cadence, then measures ``--minutes``: the CPU of this process (the whole sampler,
all its threads), the farm's own CPU apart, samples due and stored, their health, and for the PyAV
readers the wait for the keyframe (a sampled frame is at most that old plus the connect time).

    .venv/bin/python bench/camera_acquisition.py                                   # 16 cameras, 1080p and D1
    .venv/bin/python bench/camera_acquisition.py --cameras 48 --streams 1080p --kinds per-sample
"""

from __future__ import annotations

import argparse
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

from sqlalchemy import select as sql_select  # noqa: E402
from sqlalchemy import text  # noqa: E402

import vision.sources.rtsp as rtsp_module  # noqa: E402
from models import Camera, Observation  # noqa: E402
from models.db import make_engine, session_factory, sqlite_url  # noqa: E402
from sampler_load import create_site  # noqa: E402  (bench/ is on sys.path)
from schedules.sampling import Sampler, SamplingSettings  # noqa: E402
from schedules.service import SamplerService  # noqa: E402
from vision.detections import Detections  # noqa: E402
from vision.sources.capture import OpenCvRtspSource  # noqa: E402

VIDEO = Path(os.environ.get("DESKAUDIT_BENCH_VIDEO", ROOT.parent / "shared" / "data" / "vtest.avi"))
STREAMS = {  # name → (file, ffmpeg video filter and rate options)
    "1080p": ("cam1080.mp4", "scale=1920:1080,fps=25,noise=alls=6:allf=t", ["-b:v", "4M", "-maxrate", "4M",
                                                                            "-bufsize", "8M"]),
    "d1": ("camd1.mp4", "scale=704:576,fps=25,noise=alls=6:allf=t", ["-b:v", "768k", "-maxrate", "768k",
                                                                     "-bufsize", "1536k"]),
}
KINDS = ("per-sample", "keep-open", "opencv")
TARGET_PCT = 0.4  # of one core per camera: 500 cameras on a 2-vCPU box
SERVER = r"""
import sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
path, count, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
server = GstRtspServer.RTSPServer()
server.set_address("0.0.0.0")  # each camera is reached on its own loopback address (127.1.x.y)
server.set_service("0")
mounts = server.get_mount_points()
senders = []
caps = "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96"
for index in range(count):
    port = base + 2 * index
    # The "camera": the pre-encoded file played in real time onto a local UDP port, whoever watches.
    sender = Gst.parse_launch('filesrc location="%s" ! qtdemux ! h264parse config-interval=-1 '
                              '! rtph264pay pt=96 config-interval=-1 ! udpsink host=127.0.0.1 port=%d sync=true'
                              % (path, port))
    sender.set_state(Gst.State.PLAYING)
    senders.append(sender)
    # Its RTSP server: a live source, so a client's "Range: npt=0-" cannot rewind it (a shared file
    # source would seek back to the first keyframe for every client, and every sample would look frozen).
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch('( udpsrc address=127.0.0.1 port=%d buffer-size=8388608 caps="%s" ! rtph264depay '
                       '! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )' % (port, caps))
    factory.set_shared(True)
    mounts.add_factory("/cam%d" % index, factory)
if server.attach(None) == 0:
    sys.exit("cannot listen")
print("READY", server.get_bound_port(), flush=True)
GLib.MainLoop().run()
"""


def media(stream: str) -> Path:
    """The pre-encoded stream, made once (60 s encoded, looped without re-encoding to 10 minutes)."""
    name, video_filter, rate = STREAMS[stream]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deskaudit" / "bench"
    target = cache / name
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    print(f"encoding {stream} once into {target} (a few minutes) …", flush=True)
    once = cache / f"once-{name}"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(VIDEO), "-t", "60",
                    "-vf", video_filter, "-c:v", "libx264", "-preset", "veryfast", *rate, "-g", "50",
                    "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-an", str(once)], check=True)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", "9", "-i", str(once),
                    "-c", "copy", str(target)], check=True)
    once.unlink()
    return target


class Farm:
    """The RTSP server with ``count`` mounts of ``path``, each kept playing by a demux-only client."""

    def __init__(self, path: Path, count: int) -> None:
        base = 20000 + 2 * (os.getpid() % 10000)  # UDP ports of the cameras' live streams
        self.server = subprocess.Popen(["/usr/bin/python3", "-c", SERVER, str(path), str(count), str(base)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.server.stdout], [], [], 30)
        line = self.server.stdout.readline() if ready else ""
        if not line.startswith("READY"):
            self.server.kill()
            raise RuntimeError(f"RTSP farm did not start: {line} {self.server.stderr.read()[-800:]}")
        self.port = int(line.split()[1])
        self.keepalive = [subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp",
                                            "-i", self.url(i), "-c", "copy", "-f", "null", "-"],
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL) for i in range(count)]
        time.sleep(3)  # every mount playing

    def url(self, index: int) -> str:
        """Camera ``index`` on its own loopback address, so each is its own host, as cameras on a LAN are
        (max_sessions_per_host counts per host; all on 127.0.0.1 would look like one NVR)."""
        return f"rtsp://127.1.{index // 250}.{index % 250 + 1}:{self.port}/cam{index}"

    def cpu_s(self) -> tuple[float, float]:
        """CPU seconds so far of the server, and of the keep-alive clients together."""
        return _proc_cpu(self.server.pid), sum(_proc_cpu(p.pid) for p in self.keepalive)

    def stop(self) -> None:
        for process in [*self.keepalive, self.server]:
            process.send_signal(signal.SIGTERM)
        for process in [*self.keepalive, self.server]:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class NoPeople:
    """``--detector none``: acquisition, health, zones and writes without the model."""

    model_id = "none@0"

    def detect(self, image):
        height, width = image.shape[:2]
        return Detections.from_boxes([], (width, height))


class OpenCvSampler(Sampler):
    """The sampler as it read RTSP before: OpenCV keeps the stream open and decodes every frame."""

    def open(self, camera, *, live_files: bool = False):
        return OpenCvRtspSource(camera.url, open_timeout_s=self.settings.open_timeout_s,
                                read_timeout_s=self.settings.read_timeout_s)


@dataclass
class Phase:
    stream: str
    kind: str
    cameras: int
    minutes: float
    sampler_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    keepalive_cpu_s: float = 0.0
    wall_s: float = 0.0
    due: int = 0
    stored: int = 0
    health: Counter | None = None
    keyframe_waits: list[float] | None = None
    errors: Counter | None = None
    load: float = 0.0

    @property
    def pct_per_camera(self) -> float:
        return 100 * self.sampler_cpu_s / self.wall_s / self.cameras

    @property
    def per_box(self) -> int:
        return int(2 * 100 / self.pct_per_camera) if self.pct_per_camera else 0


def detector_for(name: str, threads: int | None = None):
    """The real detector as the site config's ``[vision.detector]`` would build it (``threads`` set there)."""
    if name == "none":
        return NoPeople()
    from deskaudit.cli.sample import build_detector

    return build_detector(None, None, {"detector": {"threads": threads}} if threads else None)


def run_phase(stream: str, kind: str, cameras: int, minutes: float, cadence: int, detector, tmp: Path) -> Phase:
    phase = Phase(stream, kind, cameras, minutes)
    farm = Farm(media(stream), cameras)
    url = sqlite_url(tmp / f"{stream}-{kind}.sqlite3")
    create_site(url, cameras, 10, cadence)
    engine = make_engine(url)
    with engine.begin() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT code FROM cameras ORDER BY id"))]
        for index, code in enumerate(codes):
            conn.execute(text("UPDATE cameras SET source_url = :u, stream_options = :o WHERE code = :c"),
                         {"u": farm.url(index), "c": code,
                          "o": '{"keep_open": true}' if kind == "keep-open" else None})
    waits: list[float] = []
    real_grab = rtsp_module.grab

    def timed_grab(*args, **kwargs):
        got = real_grab(*args, **kwargs)
        waits.append(got.first_frame_s)
        return got

    rtsp_module.grab = timed_grab
    service = SamplerService(session_factory(engine), detector, tmp / f"data-{stream}-{kind}", respect_hours=False,
                             settings=SamplingSettings(), vision_from_db=False)
    if kind == "opencv":
        service.sampler = OpenCvSampler(detector, data_dir=service.sampler.data_dir, settings=service.sampler.settings)
    try:
        service.start()
        time.sleep(cadence + 5)  # every camera sampled once: connections made, the model warm
        waits.clear()
        usage0, farm0, wall0 = resource.getrusage(resource.RUSAGE_SELF), farm.cpu_s(), time.time()
        started = datetime.now(timezone.utc)
        time.sleep(minutes * 60)
        usage1, farm1, wall1 = resource.getrusage(resource.RUSAGE_SELF), farm.cpu_s(), time.time()
        ended = datetime.now(timezone.utc)
        phase.load = os.getloadavg()[0]
    finally:
        service.stop()
        rtsp_module.grab = real_grab
        farm.stop()
    phase.sampler_cpu_s = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    phase.server_cpu_s, phase.keepalive_cpu_s = farm1[0] - farm0[0], farm1[1] - farm0[1]
    phase.wall_s = wall1 - wall0
    with session_factory(engine)() as session:
        rows = session.execute(sql_select(Observation.health, Observation.error)
                               .join(Camera, Observation.camera_id == Camera.id)
                               .where(Observation.observed_at >= started, Observation.observed_at < ended)).all()
    phase.due = int(cameras * phase.wall_s // cadence)
    phase.stored = len(rows)
    phase.health = Counter(str(getattr(h, "value", h)) for h, _ in rows)
    phase.errors = Counter(_generic(e) for _, e in rows if e)
    phase.keyframe_waits = sorted(waits)
    engine.dispose()
    return phase


def _generic(error: str) -> str:
    """An observation's error without the camera's address, so that equal reasons count together."""
    return error.split(": ", 1)[1] if error.startswith("rtsp://") and ": " in error else error


def report(phases: list[Phase]) -> None:
    print()
    print("| stream | reader | cameras | sampler CPU, % of a core | per camera | cameras per 2 vCPU "
          "| samples due → stored | health | keyframe wait p50 / max | farm CPU (server + keep-alive) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for p in phases:
        health = ", ".join(f"{k} {v}" for k, v in sorted((p.health or {}).items())) or "none"
        waits = p.keyframe_waits or []
        wait = f"{waits[len(waits) // 2]:.2f} / {waits[-1]:.2f} s" if waits else "—"
        farm = f"{100 * p.server_cpu_s / p.wall_s:.0f} % + {100 * p.keepalive_cpu_s / p.wall_s:.0f} %"
        print(f"| {p.stream} | {p.kind} | {p.cameras} | {100 * p.sampler_cpu_s / p.wall_s:.1f} % "
              f"| {p.pct_per_camera:.2f} % | {p.per_box} | {p.due} → {p.stored} | {health} | {wait} | {farm} "
              f"| {p.load:.1f} |")
    by = {(p.stream, p.kind): p for p in phases}
    for stream in dict.fromkeys(p.stream for p in phases):
        base = by.get((stream, "opencv"))
        for kind in ("per-sample", "keep-open"):
            new = by.get((stream, kind))
            if base and new and new.pct_per_camera:
                ratio = base.pct_per_camera / new.pct_per_camera
                print(f"{stream}: {kind} costs {new.pct_per_camera:.2f} % of a core per camera, "
                      f"OpenCV keep-open {base.pct_per_camera:.2f} %: {ratio:.1f}× less")
        for kind in ("per-sample", "keep-open"):
            new = by.get((stream, kind))
            if new:
                verdict = "meets" if new.pct_per_camera <= TARGET_PCT else "misses"
                print(f"{stream} {kind}: {verdict} the target of {TARGET_PCT} % per camera "
                      f"(500 cameras per 2-vCPU box); this run projects {new.per_box}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=2.0, help="Measured minutes per phase (after warm-up).")
    parser.add_argument("--cadence", type=int, default=30)
    parser.add_argument("--streams", default="1080p,d1", help="Comma-separated: 1080p, d1.")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"Comma-separated: {', '.join(KINDS)}.")
    parser.add_argument("--detector", choices=["yolo", "none"], default="yolo")
    parser.add_argument("--detector-threads", type=int, default=None, metavar="N",
                        help="[vision.detector] threads (default: every core).")
    args = parser.parse_args()
    streams = [s for s in args.streams.split(",") if s]
    kinds = [k for k in args.kinds.split(",") if k]
    for name in (*streams, *kinds):
        if name not in (*STREAMS, *KINDS):
            parser.error(f"unknown stream or reader {name!r}")
    for tool in ("ffmpeg", "/usr/bin/python3"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed (apt-get install ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 …; "
                     "scripts/services.sh installs them)")
    detector = detector_for(args.detector, args.detector_threads)
    print(f"camera acquisition: {args.cameras} cameras, cadence {args.cadence} s, {args.minutes:g} min per phase, "
          f"detector {getattr(detector, 'model_id', args.detector)}"
          f"{f' on {args.detector_threads} thread(s)' if args.detector_threads else ''}, {os.cpu_count()} CPUs",
          flush=True)
    phases = []
    with tempfile.TemporaryDirectory(prefix="deskaudit-acq-") as tmp:
        for stream in streams:
            for kind in kinds:
                print(f"… {stream} {kind}", flush=True)
                phases.append(run_phase(stream, kind, args.cameras, args.minutes, args.cadence, detector, Path(tmp)))
                p = phases[-1]
                print(f"    {100 * p.sampler_cpu_s / p.wall_s:.1f} % of a core, {p.pct_per_camera:.2f} % per camera, "
                      f"{p.stored}/{p.due} samples, {dict(p.health or {})}", flush=True)
                for reason, count in (p.errors or Counter()).most_common(3):
                    print(f"    {count} × {reason}", flush=True)
    report(phases)


if __name__ == "__main__":
    main()
