"""Camera URLs from a vendor's conventions: vendor, host, channel and main or sub stream, instead of a path
typed by hand. Pure: it builds URLs and talks to nothing.

- ``hikvision`` (HiLook and other OEMs): RTSP ``/Streaming/Channels/{N}01`` (main), ``{N}02`` (sub);
  snapshot ``/ISAPI/Streaming/channels/{N}01/picture``.
- ``dahua``, ``kbvision`` (a Dahua OEM): RTSP ``/cam/realmonitor?channel=N&subtype=0`` (main), ``1`` (sub);
  snapshot ``/cgi-bin/snapshot.cgi?channel=N``.
- ``uniview``: RTSP ``/unicast/cN/s0/live`` (main), ``s1`` (sub); snapshot ``/images/snapshot.jpg`` (channel 1).
- ``onvif`` (any ONVIF Profile S device): ``onvif://host[:port]/?channel=N&stream=main|sub`` or ``&snapshot=1``.

``onvif://`` is resolved when the camera is opened, through the device's GetStreamUri / GetSnapshotUri
(``vision/onvif.py``). Credentials are never part of a built URL: they stay the camera's own keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

VENDORS = ("hikvision", "dahua", "kbvision", "uniview", "onvif")
STREAMS = ("main", "sub")
RTSP_PORT, HTTP_PORT, HTTPS_PORT, ONVIF_PORT = 554, 80, 443, 80
MAX_CHANNEL = 256

Stream = Literal["main", "sub"]


@dataclass(frozen=True)
class Preset:
    """What identifies a vendor camera's stream.

    Attributes:
        vendor: One of ``VENDORS``.
        host: Name or address (IPv6 literals without brackets).
        channel: 1-based; an NVR's channel, or 1 for a camera.
        stream: ``main`` (full resolution) or ``sub`` (the lighter sub-stream, enough for counting people).
        snapshot: The HTTP snapshot URL instead of the RTSP stream.
        port: The RTSP port, or the HTTP port for a snapshot or ONVIF; the vendor's default when ``None``.
        https: Snapshots over https (NVRs with a self-signed certificate also need ``verify_tls = false``).
    """

    vendor: str
    host: str
    channel: int = 1
    stream: Stream = "main"
    snapshot: bool = False
    port: int | None = None
    https: bool = False

    def __post_init__(self) -> None:
        if self.vendor not in VENDORS:
            raise ValueError(f"unknown camera vendor {self.vendor!r}; use one of {', '.join(VENDORS)}")
        host = (self.host or "").strip()
        if not host or any(c in host for c in "/?#@ ") or host.startswith("["):
            raise ValueError(f"host {self.host!r}: a name or an address, without scheme, path or credentials")
        if isinstance(self.channel, bool) or not isinstance(self.channel, int) or not 1 <= self.channel <= MAX_CHANNEL:
            raise ValueError(f"channel {self.channel!r}: a number 1..{MAX_CHANNEL}")
        if self.stream not in STREAMS:
            raise ValueError(f"stream {self.stream!r}: main or sub")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValueError(f"port {self.port!r}: 1..65535")
        if self.vendor == "uniview" and self.snapshot and self.channel != 1:
            raise ValueError("uniview: the snapshot URL serves channel 1 only; use the RTSP stream for other channels")

    def url(self) -> str:
        """The camera URL the site config and the sampler take."""
        return build_snapshot_url(self) if self.snapshot else build_stream_url(self)


def _netloc(host: str, port: int | None, default: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port in (None, default) else f"{shown}:{port}"


def build_stream_url(preset: Preset) -> str:
    """The RTSP URL (or the ``onvif://`` address) of the preset's channel and stream."""
    n, sub = preset.channel, preset.stream == "sub"
    if preset.vendor == "onvif":
        query = urlencode({"channel": n, "stream": preset.stream})
        return f"onvif://{_netloc(preset.host, preset.port, ONVIF_PORT)}/?{query}"
    where = _netloc(preset.host, preset.port, RTSP_PORT)
    if preset.vendor == "hikvision":
        return f"rtsp://{where}/Streaming/Channels/{n}0{2 if sub else 1}"
    if preset.vendor in ("dahua", "kbvision"):
        return f"rtsp://{where}/cam/realmonitor?channel={n}&subtype={1 if sub else 0}"
    return f"rtsp://{where}/unicast/c{n}/s{1 if sub else 0}/live"  # uniview


def build_snapshot_url(preset: Preset) -> str:
    """The HTTP(S) snapshot URL of the preset's channel (or the ``onvif://`` address asking for one)."""
    n = preset.channel
    if preset.vendor == "onvif":
        query = urlencode({"channel": n, "snapshot": 1})
        return f"onvif://{_netloc(preset.host, preset.port, ONVIF_PORT)}/?{query}"
    scheme = "https" if preset.https else "http"
    where = _netloc(preset.host, preset.port, HTTPS_PORT if preset.https else HTTP_PORT)
    if preset.vendor == "hikvision":
        return f"{scheme}://{where}/ISAPI/Streaming/channels/{n}01/picture"
    if preset.vendor in ("dahua", "kbvision"):
        return f"{scheme}://{where}/cgi-bin/snapshot.cgi?channel={n}"
    return f"{scheme}://{where}/images/snapshot.jpg"  # uniview
