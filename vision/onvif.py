"""ONVIF cameras: ``onvif://host[:port]/?channel=N&stream=main|sub[&snapshot=1]`` resolved to the device's
own RTSP or snapshot URL through GetProfiles and GetStreamUri / GetSnapshotUri (``onvif-zeep-async``).

Channels and streams: profiles are grouped by their video source, in the order the device lists the
sources (channel 1 is the first source); within a channel the profile with the largest resolution is
``main`` and the next one ``sub``. A resolved URL is kept for ``CACHE_S`` per camera and credentials, so a
camera sampled every 30 s costs one SOAP exchange every 10 minutes, not one per sample.

The library sets the root logger up (``logging.basicConfig``) when imported and deletes the proxy
variables from ``os.environ`` when a camera object is made; both are undone here, so using ONVIF never
changes the process's logging or environment.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vision.frames import SourceError
from vision.urls import mask_credentials

CACHE_S = 600.0
DEFAULT_PORT = 80
_cache: dict[tuple[str, str | None, str | None], tuple[float, str]] = {}
_lock = threading.Lock()
log = logging.getLogger("deskaudit.vision.onvif")


@contextmanager
def _host_untouched():
    """Undo what the library does to the process: root logging set up, proxy variables removed."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    environment = dict(os.environ)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for key in set(environment) - set(os.environ):
            os.environ[key] = environment[key]


def parse(url: str) -> tuple[str, int, int, str, bool]:
    """``onvif://host:port/?channel=N&stream=sub`` → (host, port, channel, stream, snapshot)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "onvif" or not parts.hostname:
        raise SourceError(f"{mask_credentials(url)}: an ONVIF camera is onvif://host[:port]/?channel=N&stream=main")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"channel", "stream", "snapshot"}
    if unknown:
        raise SourceError(f"{mask_credentials(url)}: unknown ONVIF URL parameter(s) {', '.join(sorted(unknown))}")
    try:
        channel = int(query.get("channel", "1"))
    except ValueError:
        channel = 0
    stream = query.get("stream", "main")
    if channel < 1 or stream not in ("main", "sub"):
        raise SourceError(f"{mask_credentials(url)}: channel is 1, 2, … and stream main or sub")
    return parts.hostname, parts.port or DEFAULT_PORT, channel, stream, query.get("snapshot") in ("1", "true")


def choose_profile(profiles: list[Any], channel: int, stream: str) -> Any:
    """The profile of ``channel``'s ``stream`` (module docstring), or ``SourceError`` naming what there is."""
    by_source: dict[str, list[Any]] = {}
    for profile in profiles:
        source = getattr(getattr(profile, "VideoSourceConfiguration", None), "SourceToken", None)
        if source is not None:
            by_source.setdefault(source, []).append(profile)
    if channel > len(by_source):
        raise SourceError(f"the device has {len(by_source)} channel(s), not {channel}")
    ranked = sorted(list(by_source.values())[channel - 1], key=_pixels, reverse=True)
    index = 0 if stream == "main" else 1
    if index >= len(ranked):
        raise SourceError(f"channel {channel} has no sub-stream profile (only {len(ranked)} profile)")
    return ranked[index]


def _pixels(profile: Any) -> int:
    resolution = getattr(getattr(profile, "VideoEncoderConfiguration", None), "Resolution", None)
    return int(getattr(resolution, "Width", 0) or 0) * int(getattr(resolution, "Height", 0) or 0)


def resolve(url: str, username: str | None, password: str | None, *, timeout_s: float = 10.0) -> str:
    """The RTSP or snapshot URL the device gives for an ``onvif://`` URL (cached ``CACHE_S``)."""
    key = (url, username, password)
    with _lock:
        found = _cache.get(key)
        if found is not None and time.monotonic() - found[0] < CACHE_S:
            return found[1]
    host, port, channel, stream, snapshot = parse(url)
    with _host_untouched():
        try:
            resolved = asyncio.run(asyncio.wait_for(
                _ask(host, port, username, password, channel, stream, snapshot), timeout_s))
        except SourceError:
            raise
        except TimeoutError:
            raise SourceError(f"no ONVIF answer from {host}:{port} within {timeout_s:g} s") from None
        except Exception as error:  # noqa: BLE001 — the library's errors, turned into reasons without secrets
            raise SourceError(_problem(error, host, port, password)) from None
    with _lock:
        _cache[key] = (time.monotonic(), resolved)
    log.debug("%s → %s", mask_credentials(url), mask_credentials(resolved))
    return resolved


async def _ask(host: str, port: int, username: str | None, password: str | None, channel: int, stream: str,
               snapshot: bool) -> str:
    from onvif import ONVIFCamera

    camera = ONVIFCamera(host, port, username or "", password or "", adjust_time=True)
    try:
        await camera.update_xaddrs()
        media = await camera.create_media_service()
        profile = choose_profile(list(await media.GetProfiles()), channel, stream)
        if snapshot:
            answer = await media.GetSnapshotUri({"ProfileToken": profile.token})
        else:
            answer = await media.GetStreamUri({"ProfileToken": profile.token, "StreamSetup": {
                "Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}})
        uri = getattr(answer, "Uri", None)
        if not uri:
            raise SourceError(f"the device gave no {'snapshot' if snapshot else 'stream'} URI for channel {channel}")
        return str(uri)
    finally:
        await camera.close()


def _problem(error: BaseException, host: str, port: int, password: str | None) -> str:
    from onvif.exceptions import ONVIFAuthError

    text = str(error)
    if password:
        text = text.replace(password, "***")
    lowered = text.lower()
    if isinstance(error, ONVIFAuthError) or "notauthorized" in lowered or "not authorized" in lowered \
            or "401" in lowered or "unauthorized" in lowered:
        return "wrong or missing username/password (the ONVIF device refused them)"
    if any(word in lowered for word in ("connect", "refused", "unreachable", "name or service", "timed out")):
        return f"unreachable: no ONVIF service at {host}:{port}"
    return f"ONVIF request failed ({type(error).__name__}: {mask_credentials(text)[:200]})"
