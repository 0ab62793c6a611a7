"""HTTP cameras: a JPEG snapshot per read, or an MJPEG stream whose newest picture a thread keeps."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import cv2
import httpx
import numpy as np

from vision.frames import Frame, SourceError
from vision.sources.backoff import Backoff
from vision.sources.base import SourceBase, Target, log
from vision.sources.httpclient import CameraHttp
from vision.sources.live import LiveSource

HTTP_SCHEMES = ("http", "https")
_MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024
_MAX_MJPEG_PART_BYTES = 8 * 1024 * 1024
_SOI, _EOI = b"\xff\xd8\xff", b"\xff\xd9"  # JPEG start (with the next marker's 0xFF) and end


def _check_http(target: Target) -> Target:
    scheme = urlsplit(target.url).scheme.lower()
    if scheme not in HTTP_SCHEMES:
        raise SourceError(f"{target.description}: an HTTP camera needs http:// or https://, not {scheme or '(none)'}:")
    try:
        httpx.URL(target.url)
    except httpx.InvalidURL as error:
        raise SourceError(f"{target.description}: not a valid URL ({target.redact(str(error))})") from None
    return target


def probe_content_type(target: Target, timeout_s: float, *, verify_tls: bool = True) -> str:
    """The Content-Type an HTTP camera answers with, to tell a snapshot URL from an MJPEG stream."""
    try:
        with (CameraHttp(target, connect_timeout_s=timeout_s, read_timeout_s=timeout_s, verify_tls=verify_tls) as http,
              http.get() as response):
            return str(response.headers.get("Content-Type", "")).split(";")[0].strip().lower()
    except SourceError as error:
        raise SourceError(f"{target.description}: {error}") from error


class HttpSnapshotSource(SourceBase):
    """One JPEG per ``read()`` from a snapshot URL (what ONVIF calls the snapshot URI).

    Args:
        url: ``http://`` or ``https://`` address of the snapshot.
        timeout_s: The whole picture must have arrived by then (checked between reads, each waiting at most this).
        open_timeout_s: Connecting may take this long (default ``timeout_s``).
        username, password: Answered with Digest or Basic, whichever the camera asks for.
        verify_tls: ``False`` accepts an https camera's self-signed certificate (many NVRs have one).
    """

    def __init__(self, url: str, *, timeout_s: float = 5.0, username: str | None = None,
                 password: str | None = None, open_timeout_s: float | None = None, verify_tls: bool = True) -> None:
        self.target = _check_http(Target.parse(url, username, password))
        self.description = self.target.description
        self.timeout_s = timeout_s
        self._http = CameraHttp(self.target, connect_timeout_s=timeout_s if open_timeout_s is None else open_timeout_s,
                                read_timeout_s=timeout_s, verify_tls=verify_tls)  # kept: connections and nonces reused
        self._index = -1
        self._closed = False

    def _fetch(self) -> bytes:
        deadline = time.monotonic() + self.timeout_s  # one deadline for the whole body, checked between reads
        with self._http.get() as response:
            body = bytearray()
            for chunk in self._http.chunks(response):
                body += chunk
                if len(body) > _MAX_SNAPSHOT_BYTES:
                    raise SourceError(f"response larger than {_MAX_SNAPSHOT_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise SourceError(f"no response within {self.timeout_s:g} s")
            return bytes(body)

    def read(self) -> Frame:
        if self._closed:
            raise SourceError(f"{self.description}: closed")
        try:
            body = self._fetch()
        except SourceError as error:
            raise SourceError(f"{self.description}: {error}") from error
        image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR) if body else None
        if image is None:
            raise SourceError(f"{self.description}: response is not a decodable image ({len(body)} bytes)")
        self._index += 1
        return Frame(image=image, captured_at=time.monotonic(), index=self._index)

    def close(self) -> None:
        self._closed = True
        self._http.close()


class _JpegScanner:
    """Cuts whole JPEGs (SOI … EOI) out of a byte stream, whatever boundaries the camera writes.

    Cameras get multipart boundaries and part headers wrong often enough that markers are the
    safer cut. A JPEG carrying an EXIF thumbnail would be cut at the thumbnail's end and fail
    to decode on read; MJPEG cameras do not send those.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scanned = 0  # bytes after SOI already searched for EOI

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        found: list[bytes] = []
        while True:
            start = self._buf.find(_SOI)
            if start < 0:
                del self._buf[: max(0, len(self._buf) - len(_SOI) + 1)]  # a marker may straddle reads
                self._scanned = 0
                return found
            if start:
                del self._buf[:start]
                self._scanned = 0
            end = self._buf.find(_EOI, max(len(_SOI), self._scanned - 1))
            if end < 0:
                self._scanned = len(self._buf)
                if len(self._buf) > _MAX_MJPEG_PART_BYTES:
                    raise SourceError(f"no JPEG end within {_MAX_MJPEG_PART_BYTES} bytes")
                return found
            found.append(bytes(self._buf[: end + 2]))
            del self._buf[: end + 2]
            self._scanned = 0


class MjpegSource(LiveSource):
    """A ``multipart/x-mixed-replace`` MJPEG stream; the thread keeps the newest JPEG, ``read()`` decodes it.

    Login and ``verify_tls`` as for ``HttpSnapshotSource``; ``open_timeout_s`` is for connecting.
    """

    kind = "mjpeg"

    def __init__(
        self,
        url: str,
        *,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 5.0,
        backoff: Backoff | None = None,
        username: str | None = None,
        password: str | None = None,
        verify_tls: bool = True,
    ) -> None:
        self.target = _check_http(Target.parse(url, username, password))
        super().__init__(self.target.description, read_timeout_s=read_timeout_s, backoff=backoff)
        self.open_timeout_s = open_timeout_s
        self.verify_tls = verify_tls
        self._start()

    def _redact(self, text: str) -> str:
        return self.target.redact(text)

    def _session(self) -> None:
        # A client per session: the thread owns it, and a reconnect starts from a clean connection.
        with CameraHttp(self.target, connect_timeout_s=self.open_timeout_s, read_timeout_s=self.read_timeout_s,
                        verify_tls=self.verify_tls) as http, http.get() as response:
            content_type = response.headers.get("Content-Type", "")
            if not content_type.lower().startswith("multipart/"):
                raise SourceError(f"not an MJPEG stream (Content-Type {content_type[:60]!r})")
            scanner = _JpegScanner()
            for chunk in http.chunks(response):  # a stalled stream raises after the read timeout and reconnects
                for jpeg in scanner.feed(chunk):
                    self._publish(jpeg)
                if self._stopping.is_set():
                    return

    def _to_image(self, payload: bytes) -> np.ndarray:
        image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"{self.description}: stream frame is not a decodable JPEG ({len(payload)} bytes)")
        return image


def open_http(
    target: Target, *, open_timeout_s: float, read_timeout_s: float, backoff: Backoff | None, verify_tls: bool = True
) -> HttpSnapshotSource | MjpegSource:
    """Ask the camera once what it serves: an MJPEG stream or one picture per request."""
    content_type = probe_content_type(target, open_timeout_s, verify_tls=verify_tls)
    if content_type.startswith("multipart/"):
        log.debug("%s: %s, reading as MJPEG", target.description, content_type)
        return MjpegSource(target.url, open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s,
                           backoff=backoff, username=target.username, password=target.password, verify_tls=verify_tls)
    if content_type.startswith("image/") or content_type in ("application/octet-stream", ""):
        log.debug("%s: %s, reading as snapshots", target.description, content_type or "no Content-Type")
        return HttpSnapshotSource(target.url, timeout_s=read_timeout_s, open_timeout_s=open_timeout_s,
                                  username=target.username, password=target.password, verify_tls=verify_tls)
    raise SourceError(f"{target.description}: serves {content_type!r}, not a JPEG snapshot or an MJPEG stream")
