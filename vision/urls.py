"""Camera URLs: split credentials out, put them back at connect time, mask them everywhere else."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]*@)")


def mask_credentials(text: str) -> str:
    """Replace every ``user:pass@`` in a URL (or in any text containing URLs) with ``***@``."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``rtsp://u:p@host/x`` → (``rtsp://host/x``, ``u``, ``p``); URL-encoded names are decoded."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return clean, username, password


def join_credentials(url: str, username: str | None, password: str | None) -> str:
    """The URL a frame source connects to; never log its result."""
    if not username and not password:
        return url
    parts = urlsplit(url)
    userinfo = quote(username or "", safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment))


def resolve_file_url(url: str, base_dir: Path) -> str:
    """``file:footage/a.mp4`` (relative to ``base_dir``) or ``file:///abs/a.mp4`` → ``file:///abs/a.mp4``."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return url
    raw = (unquote(parts.netloc + parts.path) if parts.netloc and not url.lower().startswith("file:///")
           else unquote(parts.path))
    path = Path(raw)
    if not path.is_absolute():
        path = (Path(base_dir) / path).resolve()
    return "file://" + str(path)
