"""What every source shares: the logger, credential handling that never leaks, and context-manager plumbing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from vision.frames import SourceError
from vision.urls import join_credentials, mask_credentials, split_credentials

log = logging.getLogger("deskaudit.vision.sources")


@dataclass(frozen=True)
class Target:
    """A network camera address with its credentials kept apart from everything that gets shown.

    Attributes:
        url: The address without credentials.
        username: From the URL or given separately; never shown.
        password: From the URL or given separately; never shown.
    """

    url: str
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, username: str | None = None, password: str | None = None) -> Target:
        """Accept credentials in the URL *or* as arguments (as the site config does), not both."""
        clean, url_user, url_password = split_credentials(url)
        if (url_user or url_password) and (username or password):
            raise SourceError(f"{mask_credentials(url)}: credentials given both in the URL and as username/password")
        if url_user or url_password:
            return cls(clean, url_user, url_password)
        return cls(clean, username or None, password or None)

    @property
    def has_credentials(self) -> bool:
        return bool(self.username or self.password)

    @property
    def description(self) -> str:
        """The URL as logs and pages show it: ``rtsp://***@host/path`` when credentials are set."""
        if not self.has_credentials:
            return self.url
        parts = urlsplit(self.url)
        return self.url.replace(f"{parts.scheme}://", f"{parts.scheme}://***@", 1)

    def connect_url(self) -> str:
        """The URL with credentials, for the connect call only; never log it."""
        return join_credentials(self.url, self.username, self.password)

    def redact(self, text: str) -> str:
        """``text`` (often a library's error message) with every form of the credentials hidden."""
        text = mask_credentials(text)
        # A library may echo the secret outside URL form; hide the raw and the %-encoded spelling too.
        # (The user name is not secret, and masking e.g. "admin" would garble paths like /admin/.)
        secret = self.password
        if secret and len(secret) >= 3:  # a 1–2 character password would mask unrelated text
            text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
        return text


class SourceBase:
    """Context-manager support and a credential-free repr for every frame source."""

    description: str

    def close(self) -> None:  # pragma: no cover - every source overrides it
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r})"
