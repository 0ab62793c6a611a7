"""RTSP cameras through PyAV (FFmpeg), at the cost of a sample, not of a stream.

By default a read connects, reads to the first keyframe, decodes that one frame and closes
(``RtspSource``): between samples the camera costs nothing. With ``keep_open`` the session stays up
and its packets are read as they come (``KeptRtspSource``), but still only the newest keyframe is
decoded, and only when a sample is due. Either way a sampled frame is at most one GOP old, plus
the connect time. H.264 and H.265 (most new Hikvision and Dahua cameras) are decoded; TCP or UDP
transport. At most ``HostSessions.limit`` sessions are open at once to one host (an NVR's limit).
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

import av
import av.error
import numpy as np

from vision.frames import Frame, SourceError
from vision.sources.backoff import Backoff
from vision.sources.base import SourceBase, Target, log
from vision.sources.hosts import SHARED, HostSessions, host_of
from vision.sources.live import LiveSource

RTSP_SCHEMES = ("rtsp", "rtsps")
TRANSPORTS = ("tcp", "udp")
DEFAULT_TRANSPORT = "tcp"
PROBE_BYTES = 64 * 1024  # the SDP names the codec and its parameters; a little probing is enough
ANALYZE_US = 500_000


@dataclass(frozen=True)
class Grab:
    """One decoded keyframe and what was learnt on the way (for ``camera probe``).

    Attributes:
        image: ``H×W×3`` BGR.
        codec: The decoder's name (``h264``, ``hevc``, …).
        fps: The stream's nominal frame rate, if it says.
        connect_s: Seconds to open the session (RTSP DESCRIBE/SETUP/PLAY and probing).
        first_frame_s: Seconds from the open session to the decoded keyframe.
        packets: Packets read to reach it (those before it were skipped undecoded).
        gop_packets, gop_s: The keyframe interval in frames and seconds, when measured.
    """

    image: np.ndarray
    codec: str
    fps: float | None
    connect_s: float
    first_frame_s: float
    packets: int
    gop_packets: int | None = None
    gop_s: float | None = None


def _check_rtsp(target: Target, transport: str) -> None:
    scheme = urlsplit(target.url).scheme.lower()
    if scheme not in RTSP_SCHEMES:
        raise SourceError(f"{target.description}: an RTSP camera needs rtsp:// or rtsps://, not {scheme or '(none)'}:")
    if transport not in TRANSPORTS:
        raise SourceError(f"{target.description}: RTSP transport is tcp or udp, not {transport!r}")


def _problem(target: Target, error: BaseException, elapsed_s: float, timeout_s: float, transport: str) -> str:
    """Why the session could not be opened, in words a site admin can act on (never the credentials:
    FFmpeg's own messages hold the URL it was given)."""
    if isinstance(error, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return "wrong or missing username/password (the camera answered 401/403)"
    if isinstance(error, av.error.HTTPNotFoundError):
        return "no such stream on the camera (404): check the path or channel"
    if isinstance(error, av.error.HTTPClientError | av.error.HTTPServerError):
        return f"the camera refused the stream ({type(error).__name__.removeprefix('HTTP').removesuffix('Error')})"
    if isinstance(error, av.error.ConnectionRefusedError):
        return "connection refused: nothing listens on that port"
    if getattr(error, "errno", None) == errno.EPROTONOSUPPORT:  # FFmpeg's reading of 461 Unsupported Transport
        other = "udp" if transport == "tcp" else "tcp"
        return f"the camera does not stream over {transport} (461 Unsupported transport): try rtsp_transport = {other}"
    reach = _reachable(target, timeout_s)
    if reach is not None:
        return reach
    if elapsed_s >= timeout_s * 0.9:
        return f"connected, but no RTSP answer or no stream within {timeout_s:g} s"
    return f"not a playable RTSP stream ({type(error).__name__})"


def _reachable(target: Target, timeout_s: float) -> str | None:
    """``None`` if a TCP connection to the camera's RTSP port opens, else why not."""
    parts = urlsplit(target.url)
    port = parts.port or (322 if parts.scheme.lower() == "rtsps" else 554)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=min(timeout_s, 3.0)):
            return None
    except TimeoutError:
        return f"unreachable: no answer from {host_of(target.url)} within {min(timeout_s, 3.0):g} s"
    except ConnectionRefusedError:
        return "connection refused: nothing listens on that port"
    except OSError as error:
        return f"unreachable ({error.strerror or type(error).__name__})"


def open_session(target: Target, *, transport: str, open_timeout_s: float, read_timeout_s: float):
    """An open PyAV container on the camera and its video stream, or ``SourceError`` saying why not."""
    options = {"rtsp_transport": transport, "probesize": str(PROBE_BYTES), "analyzeduration": str(ANALYZE_US),
               "timeout": str(int(read_timeout_s * 1_000_000)), "allowed_media_types": "video"}
    started = time.monotonic()
    try:
        container = av.open(target.connect_url(), options=options, timeout=(open_timeout_s, read_timeout_s))
    except av.error.FFmpegError as error:
        raise SourceError(_problem(target, error, time.monotonic() - started, open_timeout_s, transport)) from None
    except OSError as error:
        raise SourceError(f"cannot open ({error.strerror or type(error).__name__})") from None
    if not container.streams.video:
        container.close()
        raise SourceError("the stream has no video")
    stream = container.streams.video[0]
    if stream.codec_context is None or not getattr(stream.codec_context, "name", None):
        container.close()
        raise SourceError("unsupported codec: the stream's video cannot be decoded here")
    context = stream.codec_context
    context.thread_count = 1  # frame threads would hold the one frame back until more arrive
    return container, stream


def decode_keyframe(context: Any, packet: Any) -> np.ndarray | None:
    """The BGR image of one keyframe packet, alone (a decoder that holds frames back is drained and reset)."""
    frames = context.decode(packet)
    if not frames:
        frames = context.decode(None)
        context.flush_buffers()
    return frames[-1].to_ndarray(format="bgr24") if frames else None


@dataclass(frozen=True)
class Keyframe:
    """The first keyframe of a session, decoded, and (when asked) the distance to the next one.

    Attributes:
        image: ``H×W×3`` BGR.
        packets: Packets read to reach it (those before it were skipped undecoded).
        decoded_at: ``time.monotonic()`` when it was decoded.
        gop_packets: Frames from it to the next keyframe, the keyframe interval (``None``: not measured).
        gop_s: The same interval in stream seconds, from the packets' timestamps.
    """

    image: np.ndarray
    packets: int
    decoded_at: float
    gop_packets: int | None = None
    gop_s: float | None = None


def first_keyframe(container: Any, stream: Any, *, timeout_s: float, gop_timeout_s: float = 0.0) -> Keyframe:
    """Read to the first keyframe and decode it alone; the packets before it are not decoded.

    With ``gop_timeout_s`` the read goes on, undecoded, to the next keyframe (for ``camera probe``).
    """
    deadline = time.monotonic() + timeout_s
    packets = 0
    found: Keyframe | None = None
    pts: Any = None
    try:
        for packet in container.demux(stream):
            packets += 1
            if found is None:
                if packet.is_keyframe and packet.size:
                    image = decode_keyframe(stream.codec_context, packet)
                    if image is not None:
                        found, pts = Keyframe(image, packets, time.monotonic()), packet.pts
                        if gop_timeout_s <= 0:
                            return found
                        deadline = time.monotonic() + gop_timeout_s
                if found is None and time.monotonic() > deadline:
                    raise SourceError(f"no keyframe within {timeout_s:g} s ({packets} packets)")
                continue
            if packet.is_keyframe and packet.size:
                seconds = (float((packet.pts - pts) * stream.time_base)
                           if packet.pts is not None and pts is not None and stream.time_base else None)
                return Keyframe(found.image, found.packets, found.decoded_at, packets - found.packets, seconds)
            if time.monotonic() > deadline:
                return found
    except av.error.FFmpegError as error:
        if found is not None:
            return found
        if isinstance(error, av.error.InvalidDataError | av.error.UndefinedError) and packets:
            raise SourceError(f"frame could not be decoded ({stream.codec_context.name})") from None
        raise SourceError(f"stream stopped before a keyframe ({type(error).__name__})") from None
    if found is not None:
        return found
    raise SourceError("stream ended before a keyframe")


def _fps(stream: Any) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(Fraction(rate)) if rate else None


def grab(target: Target, *, transport: str = DEFAULT_TRANSPORT, open_timeout_s: float = 5.0,
         read_timeout_s: float = 5.0, sessions: HostSessions | None = None, gop_timeout_s: float = 0.0) -> Grab:
    """Connect, read to the first keyframe, decode it, close: one sample of an RTSP camera.

    ``gop_timeout_s`` > 0 also reads on to the next keyframe to measure the keyframe interval (a probe).
    """
    _check_rtsp(target, transport)
    host = host_of(target.url)
    with (sessions or SHARED).session(host, open_timeout_s):
        started = time.monotonic()
        container, stream = open_session(target, transport=transport, open_timeout_s=open_timeout_s,
                                         read_timeout_s=read_timeout_s)
        try:
            opened = time.monotonic()
            key = first_keyframe(container, stream, timeout_s=read_timeout_s, gop_timeout_s=gop_timeout_s)
            return Grab(key.image, stream.codec_context.name, _fps(stream), opened - started,
                        key.decoded_at - opened, key.packets, key.gop_packets, key.gop_s)
        finally:
            container.close()


class RtspSource(SourceBase):
    """An RTSP(S) camera opened per read: connect, first keyframe, decode, close.

    A failed read waits out a ``Backoff`` delay before the camera is dialled again (reads meanwhile
    fail at once with the last reason), so a dead camera is not hammered whatever the cadence.
    """

    kind = "rtsp"

    def __init__(self, url: str, *, open_timeout_s: float = 5.0, read_timeout_s: float = 5.0,
                 backoff: Backoff | None = None, username: str | None = None, password: str | None = None,
                 transport: str = DEFAULT_TRANSPORT, sessions: HostSessions | None = None) -> None:
        self.target = Target.parse(url, username, password)
        _check_rtsp(self.target, transport)
        self.description = self.target.description
        self.open_timeout_s, self.read_timeout_s = open_timeout_s, read_timeout_s
        self.transport = transport
        self.sessions = sessions or SHARED
        self.backoff = backoff or Backoff()
        self.last_error: str | None = None
        self.last_grab: Grab | None = None
        self._retry_at = 0.0
        self._count = 0
        self._closed = False

    def read(self) -> Frame:
        if self._closed:
            raise SourceError(f"{self.description}: closed")
        now = time.monotonic()
        if self.last_error and now < self._retry_at:
            raise SourceError(f"{self.description}: {self.last_error} (next try in {self._retry_at - now:.0f} s)")
        try:
            got = grab(self.target, transport=self.transport, open_timeout_s=self.open_timeout_s,
                       read_timeout_s=self.read_timeout_s, sessions=self.sessions)
        except SourceError as error:
            reason = self.target.redact(str(error))
            if reason != self.last_error:
                log.warning("%s: %s", self.description, reason)
            self.last_error = reason
            self._retry_at = time.monotonic() + self.backoff.next_delay()
            raise SourceError(f"{self.description}: {reason}") from None
        if self.last_error:
            log.info("%s: reconnected", self.description)
        self.last_error = None
        self.backoff.reset()
        self.last_grab = got
        self._count += 1
        return Frame(image=got.image, captured_at=time.monotonic(), index=self._count - 1)

    def close(self) -> None:
        self._closed = True


class KeptRtspSource(LiveSource):
    """An RTSP(S) camera whose session stays open (``keep_open``): packets are read as they come, the newest
    keyframe is kept undecoded, and a read decodes it. Reconnects with backoff like every live source."""

    kind = "rtsp-kept"

    def __init__(self, url: str, *, open_timeout_s: float = 5.0, read_timeout_s: float = 5.0,
                 backoff: Backoff | None = None, username: str | None = None, password: str | None = None,
                 transport: str = DEFAULT_TRANSPORT, sessions: HostSessions | None = None) -> None:
        self.target = Target.parse(url, username, password)
        _check_rtsp(self.target, transport)
        super().__init__(self.target.description, read_timeout_s=read_timeout_s, backoff=backoff)
        self.open_timeout_s = open_timeout_s
        self.transport = transport
        self.sessions = sessions or SHARED
        self._wanted = threading.Event()
        self.decoded = 0  # keyframes decoded: one per read, whatever the stream's frame rate
        self._start()

    def _redact(self, text: str) -> str:
        return self.target.redact(text)

    def _session(self) -> None:
        host = host_of(self.target.url)
        with self.sessions.session(host, self.open_timeout_s):
            container, stream = open_session(self.target, transport=self.transport,
                                             open_timeout_s=self.open_timeout_s, read_timeout_s=self.read_timeout_s)
            try:
                self._pump(container, stream)
            finally:
                container.close()

    def _pump(self, container: Any, stream: Any) -> None:
        keyframe = None
        try:
            for packet in container.demux(stream):
                if self._stopping.is_set():
                    return
                if packet.is_keyframe and packet.size:
                    keyframe = packet
                if keyframe is not None and self._wanted.is_set():
                    self._wanted.clear()
                    image = decode_keyframe(stream.codec_context, keyframe)
                    if image is None:
                        raise SourceError(f"frame could not be decoded ({stream.codec_context.name})")
                    self.decoded += 1
                    self._publish(image)
        except av.error.FFmpegError as error:
            raise SourceError(f"stream stopped delivering ({type(error).__name__})") from None

    def read(self) -> Frame:
        """The newest keyframe, decoded now (waiting up to ``read_timeout_s`` for one)."""
        self._wanted.set()
        return super().read()
