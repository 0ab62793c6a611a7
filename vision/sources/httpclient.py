"""How deskaudit talks HTTP to a camera: httpx, the camera's own auth scheme, credentials for its origin only."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Generator, Iterator
from contextlib import contextmanager

import httpx

from vision.frames import SourceError
from vision.sources.base import Target, log

MAX_REDIRECTS = 3
_HEADERS = {
    "User-Agent": "deskaudit",
    "Accept": "image/jpeg, multipart/x-mixed-replace, */*",
    "Accept-Encoding": "identity",  # a JPEG is compressed already; the size limits count what the camera sent
}


class CameraAuth(httpx.Auth):
    """Digest when the camera's 401 asks for Digest, Basic when it asks for Basic; nothing before it asks.

    Hikvision ISAPI and Dahua CGI answer Digest, older cameras Basic. Waiting for the challenge keeps a
    Digest camera on plain http from ever seeing the password in Basic's reversible form. Once a camera
    has asked, later requests answer in advance (Digest reuses its nonce), saving a round trip per read.
    """

    def __init__(self, username: str, password: str) -> None:
        self._digest = httpx.DigestAuth(username, password)
        self._basic = httpx.BasicAuth(username, password)
        self._scheme: str | None = None  # "digest" or "basic" once the camera has asked

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme == "digest":
            yield from self._answer_digest(request)  # reuses the nonce; a fresh challenge is answered inside
            return
        if self._scheme == "basic":
            request = self._with_basic(request)
        response = yield request
        asked = _challenge_scheme(response)
        if asked is None or asked == self._scheme:
            return  # not asked to log in, or the login just sent was refused: that 401 stands
        self._scheme = asked  # first contact, or a camera moved from Basic to Digest (new firmware)
        if asked == "basic":
            yield self._with_basic(request)
        else:
            yield from self._answer_digest(request, challenge=response)

    def _with_basic(self, request: httpx.Request) -> httpx.Request:
        return next(self._basic.auth_flow(request))  # sets the header on the request it yields

    def _answer_digest(self, request: httpx.Request,
                       challenge: httpx.Response | None = None) -> Generator[httpx.Request, httpx.Response, None]:
        try:
            flow = self._digest.auth_flow(request)
            if challenge is None:
                yield from flow
                return
            next(flow)  # Digest would send the request bare first: the challenge in hand is that answer
            yield flow.send(challenge)
        except StopIteration:  # pragma: no cover - _challenge_scheme checks what DigestAuth checks
            return
        except (KeyError, NotImplementedError) as error:  # an algorithm or qop (auth-int) httpx lacks
            raise httpx.ProtocolError(f"unsupported Digest challenge ({error})", request=request) from None


def _challenge_scheme(response: httpx.Response) -> str | None:
    if response.status_code != 401:
        return None
    offers = [value.strip().lower() for value in response.headers.get_list("www-authenticate")]
    if any(offer.startswith("digest ") for offer in offers):
        return "digest"
    if any(offer.startswith("basic") for offer in offers):
        return "basic"
    return None


@functools.cache
def _system_trust() -> ssl.SSLContext:
    """The system's trust store, where a site can add its own CA (certifi's bundle would not have it); built once."""
    return ssl.create_default_context()


def _port(url: httpx.URL) -> int | None:
    return url.port or {"http": 80, "https": 443}.get(url.scheme)


def _same_camera(url: httpx.URL, camera: httpx.URL) -> bool:
    """Whether a redirect stays on the camera's origin (or only moves it from http to https), so it may log in."""
    if url.host != camera.host:
        return False
    if url.scheme == camera.scheme:
        return _port(url) == _port(camera)
    return (camera.scheme, _port(camera), url.scheme, _port(url)) == ("http", 80, "https", 443)


def status_problem(response: httpx.Response) -> str | None:
    """Why a response cannot carry a picture, from its status line only (never its body)."""
    status = response.status_code
    if status == 200:
        return None
    if status in (401, 403):
        hint = " (wrong or missing username/password)"
    elif status == 404:
        hint = " (nothing at this path: check the camera URL)"
    else:
        hint = ""
    return " ".join(filter(None, (f"HTTP {status}", response.reason_phrase[:60]))) + hint


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


class CameraHttp:
    """An httpx client for one camera: no proxies from the environment, a few redirects, one auth state.

    Proxies are never used (``trust_env=False``): camera credentials go to the camera and nowhere else.
    Redirects are followed here rather than by httpx so that each hop on the camera's origin gets its
    own Digest answer (the ``uri`` is part of the hash) and no other host is ever answered with credentials.
    Every failure is a ``SourceError`` whose message holds no credential.
    """

    def __init__(self, target: Target, *, connect_timeout_s: float, read_timeout_s: float,
                 verify_tls: bool = True) -> None:
        self.target = target
        self.connect_timeout_s, self.read_timeout_s = connect_timeout_s, read_timeout_s
        self._url = httpx.URL(target.url)  # checked by the sources' constructors
        self._auth = CameraAuth(target.username or "", target.password or "") if target.has_credentials else None
        verify: ssl.SSLContext | bool = _system_trust() if verify_tls else False
        self._client = httpx.Client(headers=_HEADERS, timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
                                    verify=verify, trust_env=False, follow_redirects=False)

    @contextmanager
    def get(self) -> Iterator[httpx.Response]:
        """GET the camera URL: a streaming 200 response (headers read), closed on leaving the block."""
        try:
            response = self._send()
        except httpx.HTTPError as error:
            raise SourceError(self._problem(error)) from error
        try:
            problem = status_problem(response)
            if problem:
                raise SourceError(problem)
            yield response
        finally:
            response.close()

    def chunks(self, response: httpx.Response) -> Iterator[bytes]:
        """The body as it arrives (each read waits at most the read timeout)."""
        try:
            yield from response.iter_bytes()
        except httpx.HTTPError as error:
            raise SourceError(self._problem(error)) from error

    def _send(self) -> httpx.Response:
        request = self._client.build_request("GET", self._url)
        for _ in range(MAX_REDIRECTS + 1):
            mine = _same_camera(request.url, self._url)
            if not mine:
                request.headers.pop("Authorization", None)
            response = self._client.send(request, auth=self._auth if mine else None, stream=True)
            if response.next_request is None:
                return response
            response.close()
            request = response.next_request
            if request.url.scheme not in ("http", "https"):
                raise SourceError(f"redirected to a {request.url.scheme}: address, not an HTTP one")
            log.debug("%s: redirected to %s", self.target.description, self.target.redact(str(request.url)))
        raise SourceError(f"more than {MAX_REDIRECTS} redirects")

    def _problem(self, error: httpx.HTTPError) -> str:
        return self.target.redact(network_problem(error, self.connect_timeout_s, self.read_timeout_s))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> CameraHttp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def network_problem(error: httpx.HTTPError, connect_timeout_s: float, read_timeout_s: float) -> str:
    """What went wrong on the way to the camera, in the words an operator needs to fix it."""
    if isinstance(error, httpx.ConnectTimeout):
        return f"no connection within {connect_timeout_s:g} s"
    if isinstance(error, httpx.TimeoutException):
        return f"no response within {read_timeout_s:g} s"
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (f"TLS certificate not trusted ({cause.verify_message}); for a camera or NVR with a "
                    f"self-signed certificate set verify_tls = false")
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({str(cause.reason or cause).lower().replace('_', ' ')})"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
    if isinstance(error, httpx.ProtocolError):
        return f"bad HTTP response ({str(error).rstrip('.') or type(error).__name__})"
    return str(error) or type(error).__name__
