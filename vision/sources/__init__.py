"""Frame sources for every camera URL the site config accepts, chosen by ``open_source`` from the scheme.

| URL | source |
|---|---|
| ``rtsp://…``, ``rtsps://…`` | ``RtspSource`` (a keyframe per read), ``KeptRtspSource`` with ``keep_open`` |
| ``http(s)://…`` | ``MjpegSource`` or ``HttpSnapshotSource``, decided once by the Content-Type |
| ``onvif://host/?channel=N&stream=main`` | the device's own RTSP or snapshot URL (``vision/onvif.py``), then as above |
| ``file:relative/or/abs``, ``file:///abs``, a plain path | ``FileSource`` |
| ``device:0``, ``usb:0``, ``device:/dev/video2`` | ``DeviceSource`` |
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from vision.frames import Frame, FrameSource, SourceEnded, SourceError
from vision.sources.backoff import Backoff
from vision.sources.base import Target
from vision.sources.capture import DeviceSource, OpenCvRtspSource
from vision.sources.file import FileSource
from vision.sources.hosts import HostSessions
from vision.sources.httpcam import HTTP_SCHEMES, HttpSnapshotSource, MjpegSource, open_http
from vision.sources.rtsp import DEFAULT_TRANSPORT, RTSP_SCHEMES, KeptRtspSource, RtspSource
from vision.urls import mask_credentials, resolve_file_url

__all__ = [
    "SCHEMES", "Backoff", "DeviceSource", "FileSource", "Frame", "FrameSource", "HostSessions", "HttpSnapshotSource",
    "KeptRtspSource", "MjpegSource", "OpenCvRtspSource", "RtspSource", "SourceEnded", "SourceError", "open_source",
    "url_problem",
]

DEVICE_SCHEMES = ("device", "usb")
SCHEMES = (*RTSP_SCHEMES, *HTTP_SCHEMES, "onvif", "file", *DEVICE_SCHEMES)  # and a plain path, without a scheme


def _device_index(url: str) -> int | str:
    """``device:0`` → 0; ``device:/dev/video2`` (or ``device:///dev/video2``) → that path."""
    parts = urlsplit(url)
    rest = unquote(parts.netloc + parts.path) if parts.netloc else unquote(parts.path)
    if rest.isdigit():
        return int(rest)
    if rest.startswith("/"):
        return rest
    raise SourceError(f"{url}: a device URL is device:N (N = 0, 1, …) or device:/dev/videoN")


def url_problem(url: str) -> str | None:
    """Why a camera URL cannot work (its scheme, a missing host or path), or ``None``: one check for the site
    config and the cameras page."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return f"unsupported URL scheme {scheme or '(none)'!r}; use one of {', '.join(SCHEMES)}"
    if scheme in (*RTSP_SCHEMES, *HTTP_SCHEMES, "onvif") and not parts.hostname:
        return "URL has no host"
    if scheme in ("file", *DEVICE_SCHEMES) and not (parts.path or parts.netloc):
        return f"{scheme}: URL needs a path"
    return None


def open_source(
    url: str | os.PathLike[str],
    *,
    username: str | None = None,
    password: str | None = None,
    realtime: bool = False,
    loop: bool = False,
    base_dir: str | os.PathLike[str] | None = None,
    open_timeout_s: float = 5.0,
    read_timeout_s: float = 5.0,
    backoff: Backoff | None = None,
    keep_open: bool = False,
    transport: str = DEFAULT_TRANSPORT,
    sessions: HostSessions | None = None,
    verify_tls: bool = True,
) -> FrameSource:
    """The frame source for a camera URL from the site config.

    Args:
        url: Camera URL (see the module table) or a path to a video file.
        username, password: Credentials kept out of the URL (the config's separate keys).
        realtime, loop: For video files only; see ``FileSource``.
        base_dir: What relative ``file:`` URLs are relative to (the config file's folder); default cwd.
        open_timeout_s, read_timeout_s: Network sources: connect, and wait for a frame.
        backoff: Reconnect delays for live sources (a fresh default ``Backoff`` each when ``None``).
        keep_open: RTSP only: keep the session between reads (still one decoded keyframe per read).
        transport: RTSP only: ``tcp`` or ``udp``.
        sessions: RTSP only: the per-host session limit shared with other sources (default: one per process).
        verify_tls: HTTP cameras only: ``False`` accepts a self-signed https certificate (many NVRs);
            other sources ignore it.

    Raises:
        SourceError: Unsupported scheme, a file that cannot be opened, or an HTTP camera that
            does not answer at open time (its kind — snapshot or MJPEG — is decided then).
    """
    text = os.fspath(url)
    scheme = urlsplit(text).scheme.lower()
    if scheme == "onvif":  # the device names its own RTSP or snapshot URL (resolved at most every 10 minutes)
        from vision.onvif import resolve

        resolved = resolve(text, username, password, timeout_s=max(open_timeout_s, 5.0))
        if urlsplit(resolved).scheme.lower() not in (*RTSP_SCHEMES, *HTTP_SCHEMES):
            raise SourceError(f"{mask_credentials(text)}: the device answered a {mask_credentials(resolved)!r} URI")
        return open_source(resolved, username=username, password=password, open_timeout_s=open_timeout_s,
                           read_timeout_s=read_timeout_s, backoff=backoff, keep_open=keep_open, transport=transport,
                           sessions=sessions, verify_tls=verify_tls)
    if scheme in RTSP_SCHEMES:
        kind = KeptRtspSource if keep_open else RtspSource
        return kind(text, open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s, backoff=backoff,
                    username=username, password=password, transport=transport, sessions=sessions)
    if scheme in HTTP_SCHEMES:
        return open_http(Target.parse(text, username, password), open_timeout_s=open_timeout_s,
                         read_timeout_s=read_timeout_s, backoff=backoff, verify_tls=verify_tls)
    if scheme in DEVICE_SCHEMES:
        return DeviceSource(_device_index(text), read_timeout_s=read_timeout_s, backoff=backoff)
    if scheme == "file":
        resolved = resolve_file_url(text, Path(base_dir) if base_dir is not None else Path.cwd())
        # resolve_file_url already decoded %-escapes; decoding again would corrupt a literal "%20".
        return FileSource(resolved.removeprefix("file://"), realtime=realtime, loop=loop)
    if scheme == "":
        path = Path(text)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        return FileSource(path, realtime=realtime, loop=loop)
    raise SourceError(f"{mask_credentials(text)}: unsupported camera URL scheme {scheme!r}; "
                      f"use one of {', '.join(SCHEMES)}")
