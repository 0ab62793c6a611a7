"""Probe a camera once: what it sends (codec, size, frame rate, keyframe interval), how fast, and whether
the picture is usable — the check an installer runs before a camera goes into the site config.

Credentials never appear in a report or an error. The snapshot a probe hands back is blurred as a whole
(``blurred_snapshot``): a probe runs no detector, so nothing tells where the people are.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cv2
import numpy as np

from vision.frames import SourceError
from vision.health import Health, HealthMonitor, HealthReport, HealthThresholds
from vision.privacy import mask_zones
from vision.sources import SCHEMES, open_source
from vision.sources.base import Target
from vision.sources.httpcam import HttpSnapshotSource, MjpegSource
from vision.sources.rtsp import DEFAULT_TRANSPORT, RTSP_SCHEMES, grab
from vision.urls import mask_credentials, split_credentials
from vision.zones import DeskZones

GOP_WAIT_S = 12.0  # long enough for a 10 s keyframe interval (some NVRs are set to 250 frames at 25 fps)
SNAPSHOT_BLOCKS = 48  # the probe snapshot's mosaic: 48 blocks across, then smoothed (layout shows, faces do not)


@dataclass(frozen=True)
class ProbeReport:
    """What one probe of a camera found.

    Attributes:
        url: The URL probed, credentials masked.
        kind: ``rtsp``, ``http-snapshot``, ``mjpeg``, ``file`` or ``device``.
        codec: Video codec (``h264``, ``hevc``, ``jpeg``, …), if known.
        width, height: Size of the decoded frame.
        fps: Nominal frame rate, or the one measured between two keyframes; ``None`` if unknown.
        keyframe_interval: Frames from one keyframe to the next (RTSP; ``None``: not seen in time).
        keyframe_interval_s: The same in seconds.
        connect_s: Seconds to open the connection.
        first_frame_s: Seconds from the open connection to the first decoded frame.
        health: ``Health`` of that frame (one frame: ``frozen`` and ``moved`` need a history).
        health_reason: Why, when not ``ok``.
        image: The decoded frame, not blurred: store only ``blurred_snapshot(image)``.
    """

    url: str
    kind: str
    codec: str | None
    width: int
    height: int
    fps: float | None
    keyframe_interval: int | None
    keyframe_interval_s: float | None
    connect_s: float
    first_frame_s: float
    health: Health
    health_reason: str | None
    image: np.ndarray = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The report without the image, for ``--json`` and the web page."""
        return {"url": self.url, "kind": self.kind, "codec": self.codec, "width": self.width, "height": self.height,
                "fps": None if self.fps is None else round(self.fps, 2),
                "keyframe_interval": self.keyframe_interval,
                "keyframe_interval_s": None if self.keyframe_interval_s is None else round(self.keyframe_interval_s, 2),
                "connect_s": round(self.connect_s, 3), "first_frame_s": round(self.first_frame_s, 3),
                "health": self.health.value, "health_reason": self.health_reason}


class ProbeFailed(SourceError):
    """The camera could not be probed; the message says why in words an installer can act on."""


def probe(url: str, *, username: str | None = None, password: str | None = None,
          transport: str = DEFAULT_TRANSPORT, verify_tls: bool = True, timeout_s: float = 8.0,
          gop_wait_s: float = GOP_WAIT_S, base_dir: str | os.PathLike[str] | None = None,
          thresholds: HealthThresholds | None = None) -> ProbeReport:
    """Connect to a camera, decode one frame and say what came.

    Args:
        url: A camera URL as the site config takes it; credentials in it are split out and never shown.
        username, password: Credentials (these win over any in the URL).
        transport: RTSP over ``tcp`` or ``udp``.
        verify_tls: ``False`` accepts an https camera's self-signed certificate.
        timeout_s: Connecting, and waiting for the first frame, may each take this long.
        gop_wait_s: RTSP: how long to read on to the next keyframe to measure the keyframe interval.
        base_dir: What relative ``file:`` URLs are relative to.
        thresholds: The health thresholds to judge the frame by (the site's, or a camera's own).

    Raises:
        ValueError: Not a camera URL (its scheme).
        ProbeFailed: With the reason (wrong password, unreachable, no such path, unsupported codec, …).
    """
    clean, url_user, url_password = split_credentials(url)
    username, password = username or url_user, password or url_password
    shown = mask_credentials(clean)
    scheme = urlsplit(clean).scheme.lower()
    if scheme and scheme not in SCHEMES:
        raise ValueError(f"{shown}: not a camera URL (scheme {scheme!r}); use one of {', '.join(SCHEMES)}")
    target = Target.parse(clean, username, password)
    try:
        if scheme in RTSP_SCHEMES:
            got = grab(target, transport=transport, open_timeout_s=timeout_s, read_timeout_s=timeout_s,
                       gop_timeout_s=gop_wait_s)
            fps = got.fps or (got.gop_packets / got.gop_s if got.gop_packets and got.gop_s else None)
            gop_s = got.gop_s or (got.gop_packets / fps if got.gop_packets and fps else None)
            return _report(shown, "rtsp", got.codec, got.image, fps, got.gop_packets, gop_s,
                           got.connect_s, got.first_frame_s, thresholds)
        started = time.monotonic()
        source = open_source(clean, username=username, password=password, base_dir=base_dir,
                             open_timeout_s=timeout_s, read_timeout_s=timeout_s, verify_tls=verify_tls)
        try:
            opened = time.monotonic()
            frame = source.read()
            read_s = time.monotonic() - opened
        finally:
            source.close()
    except SourceError as error:
        raise ProbeFailed(target.redact(_without_prefix(str(error), target))) from None
    kind, codec = _kind_of(source, scheme)
    return _report(shown, kind, codec, frame.image, getattr(source, "fps", None), None, None,
                   opened - started, read_s, thresholds)


def _report(shown: str, kind: str, codec: str | None, image: np.ndarray, fps: float | None,
            gop: int | None, gop_s: float | None, connect_s: float, first_frame_s: float,
            thresholds: HealthThresholds | None) -> ProbeReport:
    health: HealthReport = HealthMonitor(thresholds).check(image)
    height, width = image.shape[:2]
    return ProbeReport(shown, kind, codec, width, height, fps, gop, gop_s, connect_s, first_frame_s,
                       health.health, health.reason or None, image)


def _kind_of(source: object, scheme: str) -> tuple[str, str | None]:
    if isinstance(source, HttpSnapshotSource):
        return "http-snapshot", "jpeg"
    if isinstance(source, MjpegSource):
        return "mjpeg", "mjpeg"
    if scheme in ("device", "usb"):
        return "device", None
    return "file", None


def _without_prefix(message: str, target: Target) -> str:
    """Sources prefix their errors with the camera's description; a probe report names the URL once."""
    prefix = f"{target.description}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def blurred_snapshot(image: np.ndarray, zones: DeskZones | None = None, *, blocks: int = SNAPSHOT_BLOCKS) -> np.ndarray:
    """A copy of a probed frame safe to keep: mask zones pixelated, then the whole frame reduced to a coarse
    mosaic and smoothed, so the view's framing shows but no face or document does."""
    out = mask_zones(image, zones)
    height, width = out.shape[:2]
    across = max(1, min(blocks, width))
    down = max(1, round(height * across / width))
    small = cv2.resize(out, (across, down), interpolation=cv2.INTER_AREA)
    mosaic = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(mosaic, (0, 0), sigmaX=max(1.0, width / across / 2))


def snapshot_jpeg(image: np.ndarray, *, quality: int = 85) -> bytes:
    """``blurred_snapshot(image)`` as JPEG bytes."""
    ok, data = cv2.imencode(".jpg", blurred_snapshot(image), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any BGR frame
        raise ValueError("cannot encode the snapshot")
    return data.tobytes()


def save_snapshot(image: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write ``blurred_snapshot(image)`` as a JPEG."""
    out = Path(path)
    out.write_bytes(snapshot_jpeg(image))
    return out
