"""A camera as the sampler sees it (plain values from its database rows) and opening its frame source
so that any failure reads as an ``offline`` sample, never as an exception."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from vision.frames import Frame, FrameSource, SourceEnded, SourceError
from vision.sources import HostSessions, open_source
from vision.sources.rtsp import DEFAULT_TRANSPORT
from vision.urls import mask_credentials
from vision.zones import DeskZones

log = logging.getLogger("deskaudit.schedules.cameras")


@dataclass(frozen=True)
class CameraSpec:
    """One enabled camera: where to read it and which zones to count. Credentials never reach ``repr``.

    ``desk_id``: a desk camera's desk (``None`` for a room camera). ``desks``: the desks in view, by code, as the
    zones name them (``zones.count_by_desk`` keys) → their ids. ``health_overrides``: this camera's own health
    thresholds over the site's. ``keep_open``/``rtsp_transport``: how an RTSP stream is read (vision.sources.rtsp);
    ``verify_tls``: ``False`` accepts a self-signed https certificate.
    """

    id: int
    code: str
    desk_id: int | None
    url: str
    cadence_seconds: int
    zones: DeskZones = field(repr=False)
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    reference_frame_path: str | None = None
    unit_id: int | None = None
    desks: dict[str, int] = field(default_factory=dict)
    health_overrides: dict[str, float] = field(default_factory=dict)
    keep_open: bool = False
    rtsp_transport: str | None = None  # None: the site's [vision.acquisition] transport
    verify_tls: bool = True

    def reference_image(self, data_dir: Path) -> np.ndarray | None:
        """The reference view for the ``moved`` check (relative paths are under ``data_dir``), if readable."""
        if not self.reference_frame_path:
            return None
        path = Path(self.reference_frame_path)
        path = path if path.is_absolute() else Path(data_dir) / path
        image = cv2.imread(str(path))
        if image is None:
            log.warning("camera %s: reference frame %s is not a readable image; 'moved' check off", self.code, path)
        return image


class UnavailableSource:
    """Stands in for a camera that could not be opened: every read fails with the reason."""

    def __init__(self, description: str, reason: str) -> None:
        self.description = description
        self.reason = reason

    def read(self) -> Frame:
        raise SourceError(self.reason)

    def close(self) -> None:
        pass


class NoEndSource:
    """A file that has run out reads as a camera with no frame (``offline``), not the end of a replay."""

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.description = source.description

    def read(self) -> Frame:
        try:
            return self.source.read()
        except SourceEnded as error:
            raise SourceError(f"no frame: {error}") from None

    def close(self) -> None:
        self.source.close()


def open_camera(camera: CameraSpec, *, base_dir: Path | None = None, open_timeout_s: float = 5.0,
                read_timeout_s: float = 5.0, live_files: bool = False, transport: str | None = None,
                sessions: HostSessions | None = None) -> FrameSource:
    """The camera's frame source, or an ``UnavailableSource`` saying why it could not be opened.

    ``live_files``: a video file plays in real time and loops, as a live camera would for a source
    kept open between samples (opened per sample, a file always shows its first frame).
    """
    description = mask_credentials(camera.url)
    try:
        source = open_source(camera.url, username=camera.username, password=camera.password, base_dir=base_dir,
                             open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s,
                             realtime=live_files, loop=live_files, keep_open=camera.keep_open,
                             transport=transport or camera.rtsp_transport or DEFAULT_TRANSPORT, sessions=sessions,
                             verify_tls=camera.verify_tls)
    except SourceError as error:
        reason = mask_credentials(str(error))
    except (OSError, ValueError) as error:  # a malformed URL or a system error: still only a camera fault
        reason = mask_credentials(f"{description}: cannot open: {error}")
    else:
        return NoEndSource(source)
    for secret in (camera.password, camera.username):
        if secret:  # belt and braces: an error that echoed a credential outside a URL
            reason = reason.replace(secret, "***")
    log.info("camera %s: cannot open: %s", camera.code, reason)
    return UnavailableSource(description, reason)
