"""A real, live RTSP camera for the tests: GStreamer's RTSP server under Debian's Python, replaying real footage."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

VIDEO = Path(__file__).resolve().parent / "data" / "vtest-excerpt.mp4"
IN_CI = os.environ.get("CI", "").lower() == "true"


SYSTEM_PYTHON = "/usr/bin/python3"
RTSP_APT_PACKAGES = (
    "python3-gi", "gir1.2-gst-rtsp-server-1.0", "gstreamer1.0-rtsp", "gstreamer1.0-plugins-base",
    "gstreamer1.0-plugins-good", "gstreamer1.0-plugins-ugly", "gstreamer1.0-plugins-bad", "gstreamer1.0-libav",
)
_GI_CHECK = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"

# Runs under Debian's Python (PyGObject is a Debian package, not in the venv). The camera's "sensor" is a
# pipeline of its own that plays the file in real time, looping, into an intervideosink, whether or not
# anyone watches; the RTSP media encodes from that live feed. So a client that connects per sample sees
# the scene as it is now, as with a real camera, never the file's first frame again (a false "frozen").
_SERVER_SCRIPT = r"""
import os, sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
Gst.init(None)
video, port, path, codec, gop, size = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
width, height = size.split("x")
user, password = os.environ.get("FAKECAM_USER", ""), os.environ.get("FAKECAM_PASSWORD", "")
feed = Gst.parse_launch('filesrc location="%s" ! decodebin ! videoconvert ! intervideosink channel=cam'
                        % video.replace('"', '\\"'))
def on_message(bus, message):
    if message.type == Gst.MessageType.EOS:
        feed.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, 0)
bus = feed.get_bus()
bus.add_signal_watch()
bus.connect("message", on_message)
feed.set_state(Gst.State.PLAYING)
feed.get_state(10 * Gst.SECOND)  # the feed plays before the camera answers (else its first frames are black)
encoders = {
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d "
            "! rtph264pay name=pay0 pt=96 config-interval=1",
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=%d "
            "! rtph265pay name=pay0 pt=96 config-interval=1",
    "jpeg2000": "openjpegenc ! rtpj2kpay name=pay0 pt=96",
}
encoder = encoders[codec] % gop if "%d" in encoders[codec] else encoders[codec]
launch = ("( intervideosrc channel=cam ! video/x-raw,framerate=10/1,width=%s,height=%s ! videoconvert ! "
          % (width, height) + encoder + " )")
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(launch)
factory.set_shared(True)
lower = {"tcp": GstRtsp.RTSPLowerTrans.TCP, "udp": GstRtsp.RTSPLowerTrans.UDP}
allowed = [lower[name] for name in os.environ.get("FAKECAM_TRANSPORTS", "tcp,udp").split(",")]
protocols = allowed[0]
for more in allowed[1:]:
    protocols |= more
factory.set_protocols(protocols)
if user:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "viewer")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role_from_structure(Gst.Structure.from_string(
        "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])
    factory.set_permissions(permissions)
server.get_mount_points().add_factory(path, factory)
if server.attach(None) == 0:
    sys.exit("cannot listen on 127.0.0.1:%s" % port)
print("READY", server.get_bound_port(), flush=True)
GLib.MainLoop().run()
"""


def rtsp_packages_installed() -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", _GI_CHECK], capture_output=True, timeout=60).returncode == 0


def ensure_rtsp_packages() -> None:
    """Install Debian's GStreamer RTSP server packages unless they are importable already (needs root)."""
    if rtsp_packages_installed():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(f"GStreamer RTSP server missing; as root: apt-get install -y {' '.join(RTSP_APT_PACKAGES)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", *RTSP_APT_PACKAGES], check=True, env=env,
                   capture_output=True, timeout=900)
    if not rtsp_packages_installed():
        raise RuntimeError("GStreamer RTSP server still not importable after apt-get install")


class RtspTestServer:
    """A real, live RTSP camera on 127.0.0.1 replaying ``video`` at 10 fps (``codec`` h264, h265 or jpeg2000,
    a keyframe every ``gop`` frames, over the ``transports`` it allows); ``kill()`` it to play a dead camera.

    The port chosen at the first ``start()`` is kept, so ``restart()`` brings the camera back at
    the same URL — what a reconnecting client needs to see.
    """

    def __init__(self, video: Path = VIDEO, *, username=None, password=None, path="/cam", codec="h264", gop=20,
                 transports=("tcp", "udp")):
        self.video, self.path, self.codec, self.gop = Path(video), path, codec, gop
        self.transports = tuple(transports)
        self.username, self.password = username, password
        self.port = 0
        self._process: subprocess.Popen | None = None
        # the log outlives this call: the server's stderr across restarts, removed by close()
        self._log = tempfile.NamedTemporaryFile(prefix="fake-rtsp-", suffix=".log", delete=False)  # noqa: SIM115

    def _size(self) -> str:
        """``WxH`` of the video: the live feed keeps the file's size."""
        import cv2

        capture = cv2.VideoCapture(str(self.video))
        try:
            return f"{int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))}x{int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))}"
        finally:
            capture.release()

    def url(self, *, with_credentials: bool = False) -> str:
        auth = f"{self.username}:{self.password}@" if with_credentials and self.username else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}{self.path}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 20.0) -> RtspTestServer:
        env = dict(os.environ, FAKECAM_USER=self.username or "", FAKECAM_PASSWORD=self.password or "",
                   FAKECAM_TRANSPORTS=",".join(self.transports))
        deadline = time.monotonic() + timeout_s
        while True:  # right after a kill the old listener may linger for a moment
            self._process = subprocess.Popen(
                [SYSTEM_PYTHON, "-c", _SERVER_SCRIPT, str(self.video), str(self.port), self.path, self.codec,
                 str(self.gop), self._size()],
                stdout=subprocess.PIPE, stderr=self._log, env=env, text=True)
            line = self._ready_line(deadline)
            if line.startswith("READY "):
                self.port = int(line.split()[1])
                return self
            self._process.kill()
            self._process.wait()
            if time.monotonic() > deadline:
                raise RuntimeError(f"RTSP test server did not start: {self.log_tail()}")
            time.sleep(0.2)

    def _ready_line(self, deadline: float) -> str:
        stdout = self._process.stdout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([stdout], [], [], 0.1)
            if ready:
                return stdout.readline()
            if self._process.poll() is not None:
                return ""
        return ""

    def connections(self) -> int:
        """Client TCP connections to the server established now (from /proc/net/tcp)."""
        wanted = f"{self.port:04X}"
        count = 0
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if local.endswith(":" + wanted) and state == "01":
                count += 1
        return count

    def kill(self) -> None:
        """SIGKILL: the camera vanishes mid-stream, as on a power cut."""
        if self.running:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def restart(self) -> RtspTestServer:
        self.kill()
        return self.start()

    def stop(self) -> None:
        self.kill()
        if self._process is not None and self._process.stdout:
            self._process.stdout.close()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def log_tail(self, chars: int = 2000) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-chars:]

    def __enter__(self) -> RtspTestServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _rtsp_available() -> None:
    try:
        ensure_rtsp_packages()
    except (RuntimeError, subprocess.SubprocessError) as error:
        if IN_CI:
            pytest.fail(f"CI=true but the RTSP test server cannot be set up: {error}")
        pytest.skip(str(error))


@pytest.fixture
def rtsp_server():
    """A running ``RtspTestServer`` without auth (installs the Debian packages on first use)."""
    _rtsp_available()
    with RtspTestServer() as server:
        yield server
