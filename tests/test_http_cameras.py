"""HTTP cameras as they are in the field: Digest or Basic login, redirects, https with self-signed certificates."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from fakecams import FakeHttpCamera
from vision.frames import SourceError
from vision.sources import Backoff, HttpSnapshotSource, MjpegSource, open_source

SECRET = "Pa55-w0rd!xyz"
FAST = dict(base_s=0.1, factor=2.0, cap_s=0.5)


@pytest.fixture
def all_logs(caplog):
    """Every logger at DEBUG, httpx's and httpcore's included: none of them may show a credential."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _assert_secret_hidden(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert "Pa55-w0rd%21xyz" not in text


def _schemes(camera: FakeHttpCamera) -> list[str | None]:
    """The auth scheme of each request the camera got (``None``: no Authorization header)."""
    return [header.split()[0] if header else None for _, header in camera.seen]


# --- login ----------------------------------------------------------------------------------

@pytest.mark.parametrize("auth, scheme", [("digest", "Digest"), ("basic", "Basic")])
def test_camera_login_follows_the_scheme_its_challenge_names(auth, scheme, all_logs):
    with FakeHttpCamera(username="admin", password=SECRET, auth=auth) as camera:
        with HttpSnapshotSource(camera.url(), username="admin", password=SECRET) as source:
            first, second = source.read(), source.read()
            shown = repr(source) + source.description
    assert (first.width, second.index) == (768, 1)
    # nothing before the challenge, then the camera's own scheme; the second read logs in at once
    assert _schemes(camera) == [None, scheme, scheme]
    _assert_secret_hidden(shown, all_logs.text)


def test_camera_that_moves_from_basic_to_digest_is_answered_with_digest():
    with FakeHttpCamera(username="admin", password=SECRET, auth="basic") as camera:
        with HttpSnapshotSource(camera.url(), username="admin", password=SECRET) as source:
            source.read()
            camera.auth = "digest"  # a firmware upgrade
            assert source.read().index == 1
    assert _schemes(camera) == [None, "Basic", "Basic", "Digest"]


def test_digest_camera_opened_from_the_site_config_url_reads_snapshots_and_mjpeg():
    with FakeHttpCamera(username="admin", password=SECRET, auth="digest") as camera:
        with open_source(camera.url(with_credentials=True)) as snapshots:
            assert isinstance(snapshots, HttpSnapshotSource) and snapshots.read().width == 768
        camera.mode = "mjpeg"
        with open_source(camera.url("/video.mjpg"), username="admin", password=SECRET) as stream:
            assert isinstance(stream, MjpegSource)
            frames = [stream.read() for _ in range(2)]
    assert frames[0].index < frames[1].index
    assert "Basic" not in _schemes(camera)


def test_wrong_password_under_digest_is_a_clear_error_without_the_password(all_logs):
    with FakeHttpCamera(username="admin", password="right-one", auth="digest") as camera:
        source = HttpSnapshotSource(camera.url(), username="admin", password=SECRET)
        with pytest.raises(SourceError, match=r"HTTP 401 .*\(wrong or missing username/password\)") as error:
            source.read()
        with pytest.raises(SourceError, match="401"):
            source.read()  # the next read answers the challenge it knows, is refused again: no loop, no hang
        assert camera.requests <= 4
        source.close()
    assert str(error.value).startswith(camera.url().replace("http://", "http://***@"))
    _assert_secret_hidden(str(error.value), repr(error.value), repr(source), all_logs.text)


def test_camera_asking_for_a_login_without_credentials_configured_says_so():
    with FakeHttpCamera(username="admin", password=SECRET, auth="digest") as camera:
        with pytest.raises(SourceError, match=r"\(wrong or missing username/password\)"):
            open_source(camera.url())


# --- redirects ------------------------------------------------------------------------------

@pytest.mark.parametrize("auth", ["digest", "basic"])
def test_redirect_on_the_same_camera_is_followed_and_logged_in_again(auth):
    redirects = {"/snapshot.jpg": "/cgi-bin/snapshot.cgi?channel=1"}
    with FakeHttpCamera(username="admin", password=SECRET, auth=auth, redirects=redirects) as camera:
        with open_source(camera.url(), username="admin", password=SECRET) as source:
            assert source.read().width == 768
    # the Digest answer for the new path hashes that path, or the camera would refuse it
    assert [path for path, _ in camera.seen][-1] == "/cgi-bin/snapshot.cgi?channel=1"


@pytest.mark.parametrize("auth", ["digest", "basic"])
def test_redirect_to_another_host_never_carries_the_credentials(auth, all_logs):
    with FakeHttpCamera() as elsewhere, FakeHttpCamera(username="admin", password=SECRET, auth=auth) as camera:
        camera.redirects = {"/snapshot.jpg": elsewhere.url()}
        with HttpSnapshotSource(camera.url(), username="admin", password=SECRET) as source:
            frames = [source.read() for _ in range(2)]  # the second read logs in to the camera at once
        assert frames[1].width == 768  # the other host's picture, fetched without credentials
        elsewhere.username, elsewhere.password = "admin", SECRET  # now it asks for them
        with HttpSnapshotSource(camera.url(), username="admin", password=SECRET) as source:
            with pytest.raises(SourceError, match="401"):
                source.read()
    assert elsewhere.requests == 3
    assert _schemes(elsewhere) == [None, None, None]
    _assert_secret_hidden(all_logs.text)


def test_a_redirect_loop_gives_up_after_a_few_hops():
    with FakeHttpCamera(redirects={"/a": "/b", "/b": "/a"}) as camera:
        with pytest.raises(SourceError, match="more than 3 redirects"):
            HttpSnapshotSource(camera.url("/a")).read()
    assert camera.requests == 4


# --- https ----------------------------------------------------------------------------------

def test_self_signed_https_camera_is_refused_unless_verify_tls_is_off():
    with FakeHttpCamera(tls=True, username="admin", password=SECRET, auth="digest") as camera:
        url = camera.url()
        assert url.startswith("https://")
        with pytest.raises(SourceError, match=r"not trusted \(self-signed certificate\).*verify_tls = false"):
            open_source(url, username="admin", password=SECRET)
        assert camera.requests == 0  # refused at the handshake: no request, no credentials sent
        with open_source(url, username="admin", password=SECRET, verify_tls=False) as source:
            assert isinstance(source, HttpSnapshotSource) and source.read().width == 768
        camera.mode = "mjpeg"
        with open_source(url, username="admin", password=SECRET, verify_tls=False) as stream:
            assert isinstance(stream, MjpegSource) and stream.read().width == 768
        with MjpegSource(url, read_timeout_s=0.5, backoff=Backoff(**FAST)) as strict:
            with pytest.raises(SourceError, match="certificate not trusted"):
                strict.read()


def test_https_url_on_a_plain_http_camera_is_a_tls_error():
    with FakeHttpCamera() as camera:
        with pytest.raises(SourceError, match="TLS handshake failed"):
            HttpSnapshotSource(camera.url().replace("http://", "https://"), timeout_s=2).read()


# --- what else goes wrong -------------------------------------------------------------------

def test_wrong_path_is_a_404_that_says_so():
    with FakeHttpCamera(mode="missing") as camera:
        with pytest.raises(SourceError, match=r"HTTP 404 Not Found \(nothing at this path") as error:
            open_source(camera.url("/ISAPI/Streaming/channels/101/picture"))
    assert "no such page" not in str(error.value)


@pytest.mark.timeout(20)
def test_camera_that_accepts_and_says_nothing_fails_within_the_timeout():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nothing ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/snapshot.jpg"
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"no response within 0\.5 s"):
            open_source(url, open_timeout_s=0.5, read_timeout_s=0.5)
        with pytest.raises(SourceError, match=r"no response within 0\.5 s"):
            HttpSnapshotSource(url, timeout_s=0.5).read()
        assert time.monotonic() - started < 2.5
        with MjpegSource(url, open_timeout_s=0.5, read_timeout_s=0.5, backoff=Backoff(**FAST)) as stream:
            with pytest.raises(SourceError, match=r"no frame within 0\.5 s"):
                stream.read()
            time.sleep(0.3)
            assert stream.last_error == "no response within 0.5 s"


def test_proxies_from_the_environment_are_never_used(monkeypatch):
    with FakeHttpCamera() as proxy, FakeHttpCamera(username="admin", password=SECRET) as camera:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url(""))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with open_source(camera.url(), username="admin", password=SECRET) as source:
            assert source.read().width == 768
    assert proxy.requests == 0
