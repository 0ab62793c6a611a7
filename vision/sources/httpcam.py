"""HTTP cameras: a JPEG snapshot per read, or an MJPEG stream whose newest picture a thread keeps."""

from __future__ import annotations

import base64
import http.client
import socket
import time
from urllib.parse import urlsplit

import cv2
import numpy as np

from vision.frames import Frame, SourceError
from vision.sources.backoff import Backoff
from vision.sources.base import SourceBase, Target, log
from vision.sources.live import LiveSource

HTTP_SCHEMES = ("http", "https")
_MAX_SNAPSHOT_BYTES = 20 * 1024 * 1024
_MAX_MJPEG_PART_BYTES = 8 * 1024 * 1024
_SOI, _EOI = b"\xff\xd8\xff", b"\xff\xd9"  # JPEG start (with the next marker's 0xFF) and end


def _check_http(target: Target) -> Target:
    scheme = urlsplit(target.url).scheme.lower()
    if scheme not in HTTP_SCHEMES:
        raise SourceError(f"{target.description}: an HTTP camera needs http:// or https://, not {scheme or '(none)'}:")
    return target


def _request(target: Target,
             timeout_s: float) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse, socket.socket]:
    """GET ``target``: its connection, response (headers read) and socket (to tighten timeouts later).

    http.client rather than urllib.request: a per-read deadline needs the socket, and urllib would
    route camera credentials through proxies from the environment and re-send them on redirects.
    """
    parts = urlsplit(target.url)
    connection_class = http.client.HTTPSConnection if parts.scheme.lower() == "https" else http.client.HTTPConnection
    conn = connection_class(parts.netloc, timeout=timeout_s)  # netloc: keeps [IPv6]:port intact
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": "deskaudit", "Accept": "image/jpeg, multipart/x-mixed-replace, */*"}
    if target.has_credentials:
        pair = f"{target.username or ''}:{target.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    try:
        conn.request("GET", path, headers=headers)
        sock = conn.sock  # getresponse() drops conn.sock on "Connection: close"; the socket lives on
        return conn, conn.getresponse(), sock
    except BaseException:
        conn.close()
        raise


def _status_problem(resp: http.client.HTTPResponse) -> str | None:
    """Why a response cannot carry a picture, from its status line only (never its body)."""
    if resp.status == 200:
        return None
    hint = " (wrong or missing username/password)" if resp.status in (401, 403) else ""
    return f"HTTP {resp.status} {resp.reason[:60]}{hint}".rstrip()


def _network_problem(error: Exception, timeout_s: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no response within {timeout_s:g} s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.HTTPException):
        return f"bad HTTP response ({type(error).__name__})"
    return str(error) or type(error).__name__


def probe_content_type(target: Target, timeout_s: float) -> str:
    """The Content-Type an HTTP camera answers with, to tell a snapshot URL from an MJPEG stream."""
    try:
        conn, resp, _ = _request(target, timeout_s)
    except (OSError, http.client.HTTPException) as error:
        raise SourceError(f"{target.description}: {target.redact(_network_problem(error, timeout_s))}") from error
    try:
        problem = _status_problem(resp)
        if problem:
            raise SourceError(f"{target.description}: {problem}")
        return (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
    finally:
        resp.close()
        conn.close()


class HttpSnapshotSource(SourceBase):
    """One JPEG per ``read()`` from a snapshot URL (what ONVIF calls the snapshot URI)."""

    def __init__(self, url: str, *, timeout_s: float = 5.0, username: str | None = None,
                 password: str | None = None) -> None:
        self.target = _check_http(Target.parse(url, username, password))
        self.description = self.target.description
        self.timeout_s = timeout_s
        self._index = -1
        self._closed = False

    def _fetch(self) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        conn, resp, sock = _request(self.target, self.timeout_s)
        try:
            problem = _status_problem(resp)
            if problem:
                raise SourceError(f"{self.description}: {problem}")
            body = bytearray()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)  # one deadline for the whole body, not per recv
                chunk = resp.read1(64 * 1024)
                if not chunk:
                    return bytes(body)
                body += chunk
                if len(body) > _MAX_SNAPSHOT_BYTES:
                    raise SourceError(f"{self.description}: response larger than {_MAX_SNAPSHOT_BYTES} bytes")
        finally:
            resp.close()
            conn.close()

    def read(self) -> Frame:
        if self._closed:
            raise SourceError(f"{self.description}: closed")
        try:
            body = self._fetch()
        except (OSError, http.client.HTTPException) as error:
            raise SourceError(f"{self.description}: "
                              f"{self.target.redact(_network_problem(error, self.timeout_s))}") from error
        image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR) if body else None
        if image is None:
            raise SourceError(f"{self.description}: response is not a decodable image ({len(body)} bytes)")
        self._index += 1
        return Frame(image=image, captured_at=time.monotonic(), index=self._index)

    def close(self) -> None:
        self._closed = True


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
        found = []
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
    """A ``multipart/x-mixed-replace`` MJPEG stream; the thread keeps the newest JPEG, ``read()`` decodes it."""

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
    ) -> None:
        self.target = _check_http(Target.parse(url, username, password))
        super().__init__(self.target.description, read_timeout_s=read_timeout_s, backoff=backoff)
        self.open_timeout_s = open_timeout_s
        self._start()

    def _redact(self, text: str) -> str:
        return self.target.redact(text)

    def _session(self) -> None:
        try:
            conn, resp, sock = _request(self.target, self.open_timeout_s)
        except (OSError, http.client.HTTPException) as error:
            raise SourceError(_network_problem(error, self.open_timeout_s)) from error
        try:
            problem = _status_problem(resp)
            if problem:
                raise SourceError(problem)
            content_type = resp.getheader("Content-Type") or ""
            if not content_type.lower().startswith("multipart/"):
                raise SourceError(f"not an MJPEG stream (Content-Type {content_type[:60]!r})")
            sock.settimeout(self.read_timeout_s)  # a stalled stream raises and reconnects
            scanner = _JpegScanner()
            while not self._stopping.is_set():
                try:
                    chunk = resp.read1(64 * 1024)
                except (OSError, http.client.HTTPException) as error:
                    raise SourceError(_network_problem(error, self.read_timeout_s)) from error
                if not chunk:
                    return
                for jpeg in scanner.feed(chunk):
                    self._publish(jpeg)
        finally:
            resp.close()
            conn.close()

    def _to_image(self, payload: bytes) -> np.ndarray:
        image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"{self.description}: stream frame is not a decodable JPEG ({len(payload)} bytes)")
        return image


def open_http(
    target: Target, *, open_timeout_s: float, read_timeout_s: float, backoff: Backoff | None
) -> HttpSnapshotSource | MjpegSource:
    """Ask the camera once what it serves: an MJPEG stream or one picture per request."""
    content_type = probe_content_type(target, open_timeout_s)
    if content_type.startswith("multipart/"):
        log.debug("%s: %s, reading as MJPEG", target.description, content_type)
        return MjpegSource(target.url, open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s,
                           backoff=backoff, username=target.username, password=target.password)
    if content_type.startswith("image/") or content_type in ("application/octet-stream", ""):
        log.debug("%s: %s, reading as snapshots", target.description, content_type or "no Content-Type")
        return HttpSnapshotSource(target.url, timeout_s=read_timeout_s, username=target.username,
                                  password=target.password)
    raise SourceError(f"{target.description}: serves {content_type!r}, not a JPEG snapshot or an MJPEG stream")
