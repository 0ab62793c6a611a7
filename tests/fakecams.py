"""Cameras for tests, real protocols on 127.0.0.1: an HTTP snapshot/MJPEG camera and a GStreamer RTSP server.

Import what you need from a test module (``tests/`` is on ``sys.path``)::

    from fakecams import FakeHttpCamera, RtspTestServer, http_camera, rtsp_server  # fixtures too
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import random
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import pytest

VIDEO = Path(__file__).resolve().parent / "data" / "vtest-excerpt.mp4"
IN_CI = os.environ.get("CI", "").lower() == "true"


@functools.lru_cache(maxsize=8)
def jpeg_frames(count: int = 20, step: int = 10, video: Path = VIDEO) -> tuple[bytes, ...]:
    """JPEGs of real footage: frames 0, step, 2·step… of ``video`` (cached; decoding costs ~0.3 s)."""
    cap = cv2.VideoCapture(str(video))
    jpegs = []
    index = 0
    while len(jpegs) < count:
        ok, image = cap.read()
        if not ok:
            break
        if index % step == 0:
            jpegs.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
        index += 1
    cap.release()
    assert jpegs, f"no frames in {video}"
    return tuple(jpegs)


# --- HTTP camera ----------------------------------------------------------------------------

def self_signed_certificate() -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made once per test run by the ``openssl`` command."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    return _self_signed_certificate()


@functools.lru_cache(maxsize=1)
def _self_signed_certificate() -> tuple[Path, Path]:
    folder = Path(tempfile.mkdtemp(prefix="fake-camera-tls-"))
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


class _CameraServer(ThreadingHTTPServer):
    """The fake camera's server; with ``tls`` set, each connection's handshake runs in its own thread."""

    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except OSError:  # the client refused the certificate
            return
        try:
            super().finish_request(request, client_address)
        finally:
            request.close()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class FakeHttpCamera:
    """An IP camera on 127.0.0.1 whose behaviour a test switches at run time through ``mode``.

    Modes (any request path):
        ``sequence``: each request gets the next JPEG of ``frames`` (cycling).
        ``same``: always ``frames[0]`` (a frozen camera).
        ``garbage``: 200 ``image/jpeg`` with random bytes.
        ``hang``: accepts, then says nothing for ``hang_s`` (or until the mode changes).
        ``error``: HTTP 500.
        ``missing``: HTTP 404.
        ``mjpeg``: a ``multipart/x-mixed-replace`` stream of ``frames`` at ``fps``, cycling; switching
            the mode away stalls the stream (``hang``) or ends it (anything else).
    With ``username``/``password`` set, every request must log in first: ``auth="basic"`` answers 401
    with a Basic challenge, ``auth="digest"`` with an RFC 7616 Digest one (MD5, qop=auth) whose answer is
    checked in full (hash, ``uri`` = the path asked for, a nonce this camera issued, a rising ``nc``).
    ``redirects`` maps a path to the ``Location`` a 302 sends it to (after the login check).
    ``tls=True`` serves https with a self-signed certificate. ``seen`` lists ``(path, Authorization)``
    of every request, to check what a client sent before and after a challenge.
    """

    MODES = ("sequence", "same", "garbage", "hang", "error", "missing", "mjpeg")
    REALM = "IP Camera"

    def __init__(self, frames=None, *, mode="sequence", username=None, password=None, auth="basic", redirects=None,
                 tls=False, fps=10.0, hang_s=30.0):
        self.frames = list(frames if frames is not None else jpeg_frames())
        self.mode = mode
        self.username, self.password, self.auth = username, password, auth
        self.redirects = dict(redirects or {})
        self.fps, self.hang_s = fps, hang_s
        self.requests = 0  # how many requests arrived (any mode), for "was it asked at all" checks
        self.seen: list[tuple[str, str | None]] = []
        self.mjpeg_parts_sent = 0
        self._next = 0
        self._nonces: dict[str, int] = {}  # nonce issued → highest nc answered with it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _CameraServer(("127.0.0.1", 0), self._handler_class())
        if tls:
            self._server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._server.tls.load_cert_chain(*self_signed_certificate())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),  # fast stop()
                                        name="fake-http-camera", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/snapshot.jpg", *, with_credentials: bool = False) -> str:
        auth = f"{self.username}:{self.password}@" if with_credentials and self.username else ""
        scheme = "https" if self._server.tls else "http"
        return f"{scheme}://{auth}127.0.0.1:{self.port}{path}"

    def start(self) -> FakeHttpCamera:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes hanging and streaming handlers
        if self._thread.is_alive():  # shutdown() would wait forever for a loop that never ran
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeHttpCamera:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _next_jpeg(self) -> bytes:
        with self._lock:
            jpeg = self.frames[self._next % len(self.frames)]
            self._next += 1
            return jpeg

    def _authorised(self, header: str | None, path: str) -> bool:
        if not self.username:
            return True
        if self.auth == "digest":
            return self._digest_answered(header or "", path)
        expected = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
        return header == f"Basic {expected}"

    def _challenge(self) -> str:
        if self.auth != "digest":
            return 'Basic realm="fakecam"'
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces[nonce] = 0
        return f'Digest realm="{self.REALM}", nonce="{nonce}", qop="auth", algorithm=MD5'

    def _digest_answered(self, header: str, path: str) -> bool:
        """RFC 7616 §3.4.1 with MD5 and qop=auth, as a Hikvision or Dahua camera checks it."""
        scheme, _, rest = header.partition(" ")
        if scheme.lower() != "digest":
            return False
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        nonce, nc = fields.get("nonce", ""), fields.get("nc", "")
        if (fields.get("username") != self.username or fields.get("realm") != self.REALM or fields.get("uri") != path
                or fields.get("qop") != "auth" or fields.get("algorithm", "MD5").upper() != "MD5"):
            return False
        ha1 = _md5(f"{self.username}:{self.REALM}:{self.password or ''}")
        ha2 = _md5(f"GET:{path}")
        expected = _md5(f"{ha1}:{nonce}:{nc}:{fields.get('cnonce', '')}:auth:{ha2}")
        with self._lock:
            count = int(nc, 16) if nc and all(c in "0123456789abcdefABCDEF" for c in nc) else 0
            if nonce not in self._nonces or count <= self._nonces[nonce]:  # unknown nonce, or a replayed count
                return False
            if not hmac.compare_digest(fields.get("response", ""), expected):
                return False
            self._nonces[nonce] = count
            return True

    def _handler_class(self):
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: bytes, content_type: str = "image/jpeg", extra=()) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization")
                with camera._lock:
                    camera.requests += 1
                    camera.seen.append((self.path, authorization))
                if not camera._authorised(authorization, self.path):
                    self._send(401, b"login required", "text/plain", [("WWW-Authenticate", camera._challenge())])
                    return
                if self.path in camera.redirects:
                    self._send(302, b"moved", "text/plain", [("Location", camera.redirects[self.path])])
                    return
                mode = camera.mode
                if mode == "hang":
                    deadline = time.monotonic() + camera.hang_s
                    while camera.mode == "hang" and time.monotonic() < deadline and not camera._stop.wait(0.05):
                        pass
                    return  # close without a response
                if mode == "error":
                    self._send(500, b"internal error: secret stack trace", "text/plain")
                elif mode == "missing":
                    self._send(404, b"no such page", "text/plain")
                elif mode == "garbage":
                    self._send(200, random.randbytes(5000))
                elif mode == "same":
                    self._send(200, camera.frames[0])
                elif mode == "mjpeg":
                    self._stream()
                else:
                    self._send(200, camera._next_jpeg())

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=fakecamframe")
                self.end_headers()
                try:
                    while not camera._stop.is_set():
                        if camera.mode == "hang":
                            camera._stop.wait(0.05)
                            continue
                        if camera.mode != "mjpeg":
                            return
                        jpeg = camera._next_jpeg()
                        self.wfile.write(b"--fakecamframe\r\nContent-Type: image/jpeg\r\n"
                                         + f"Content-Length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\r\n")
                        self.wfile.flush()
                        camera.mjpeg_parts_sent += 1
                        camera._stop.wait(1 / camera.fps)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away

        return Handler


@pytest.fixture
def http_camera():
    """A running ``FakeHttpCamera`` serving real footage as snapshots; switch ``.mode`` as needed."""
    with FakeHttpCamera() as camera:
        yield camera


# --- RTSP camera: tests/rtspcam.py (re-exported here for the tests that import it from fakecams) ---------

from rtspcam import RtspTestServer, _rtsp_available, ensure_rtsp_packages, rtsp_server  # noqa: E402, F401

# --- detector and site fakes for sampler tests -----------------------------------------------

class BoxesDetector:
    """A ``PersonDetector`` that finds the same scripted persons (pixel boxes) in every frame."""

    model_id = "fake@0/none/0"

    def __init__(self, boxes=()):
        self.boxes = [list(box) for box in boxes]
        self.calls = 0

    def detect(self, image):
        from vision.detections import Detections

        self.calls += 1
        return Detections.from_boxes(self.boxes, (image.shape[1], image.shape[0]))


def example_site_loader(example_raw, write_config, session_for, at, adjust=None):
    """A function importing the example site (optionally mutated) at ``at``; returns the session
    factory. ``adjust(session)`` runs in the same transaction after the import."""
    from deskaudit.siteconfig import load_site_config
    from deskaudit.siteconfig.importer import import_site

    def load(mutate=None):
        raw = example_raw
        if mutate:
            mutate(raw)
        loaded = load_site_config(write_config(raw))
        with session_for.begin() as session:
            import_site(session, loaded.site, actor="test", base_dir=loaded.path.parent, now=at)
            if adjust is not None:
                adjust(session)
        return session_for

    return load


def observe(factory, code, start, end, *, presence="present", health="ok", queue=0, every_s: int = 30) -> None:
    """Observations of camera ``code`` every ``every_s`` from ``start`` to ``end`` inclusive (written directly)."""
    from sqlalchemy import select

    from models.enums import CameraHealth, PresenceState
    from models.observing import Observation
    from models.org import Camera
    from schedules.sampling import slot_start

    with factory.begin() as session:
        camera = session.scalars(select(Camera).filter_by(code=code)).one()
        at = start
        while at <= end:
            ok = health == CameraHealth.OK
            session.add(Observation(camera_id=camera.id, desk_id=camera.desk_id, slot_at=slot_start(at, every_s),
                                    observed_at=at, health=health, presence=presence if ok else PresenceState.UNKNOWN,
                                    persons=(queue + (presence == PresenceState.PRESENT)) if ok else None,
                                    staff_count=int(presence == PresenceState.PRESENT) if ok else None,
                                    queue_count=queue if ok else None))
            at += timedelta(seconds=every_s)
