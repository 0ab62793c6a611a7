"""Frame sources against real footage and real protocols: files, HTTP snapshots, MJPEG, RTSP."""

from __future__ import annotations

import itertools
import logging
import random
import re
import shutil
import threading
import time

import cv2
import numpy as np
import pytest

from fakecams import VIDEO, FakeHttpCamera, RtspTestServer, _rtsp_available, http_camera, jpeg_frames, rtsp_server  # noqa: F401
from vision.frames import FrameSource, SourceEnded, SourceError
from vision.sources import (
    Backoff,
    DeviceSource,
    FileSource,
    HttpSnapshotSource,
    MjpegSource,
    open_source,
)

SECRET = "Pa55-w0rd!xyz"
FAST = dict(base_s=0.1, factor=2.0, cap_s=0.5)  # reconnect quickly in tests


class _FixedRandom(random.Random):
    """``uniform(a, b)`` always lands at the same fraction of the way from a to b."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction

    def random(self) -> float:
        return self.fraction


def _assert_secret_hidden(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert "Pa55-w0rd%21xyz" not in text  # the %-encoded spelling a URL would carry


@pytest.fixture
def source_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="deskaudit.vision.sources")
    return caplog


# --- Backoff --------------------------------------------------------------------------------

def test_backoff_doubles_from_one_second_up_to_the_cap():
    backoff = Backoff(rng=_FixedRandom(0.5))  # the middle of the ±50 % band: no jitter
    assert [backoff.next_delay() for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff.attempts == 9


@pytest.mark.parametrize("fraction, expected", [
    (0.0, [0.5, 1, 2, 4, 8, 16, 30, 30]),     # lowest jitter: half the delay, never below
    (0.999999, [1.5, 3, 6, 12, 24, 48, 60, 60]),  # highest jitter: 1.5×, but held to the cap
])
def test_backoff_jitter_stays_within_half_to_one_and_a_half_times_and_under_the_cap(fraction, expected):
    backoff = Backoff(rng=_FixedRandom(fraction))
    assert [backoff.next_delay() for _ in range(8)] == pytest.approx(expected, rel=1e-5)


def test_backoff_jitter_spreads_cameras_that_fail_together():
    delays = [Backoff(rng=random.Random(seed)).next_delay() for seed in range(200)]
    assert all(0.5 <= d <= 1.5 for d in delays)
    assert max(delays) - min(delays) > 0.8  # really scattered, not one synchronised retry


def test_backoff_reset_starts_again_from_base_and_long_outages_do_not_overflow():
    backoff = Backoff(rng=_FixedRandom(0.5))
    for _ in range(5000):
        assert backoff.next_delay() <= 60
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.next_delay() == 1


@pytest.mark.parametrize("kwargs", [dict(base_s=0), dict(factor=0.5), dict(cap_s=0.5), dict(jitter=1.0)])
def test_backoff_rejects_settings_that_cannot_back_off(kwargs):
    with pytest.raises(ValueError, match="Backoff"):
        Backoff(**kwargs)


# --- FileSource -----------------------------------------------------------------------------

def _reference_frames(indices: set[int]) -> dict[int, np.ndarray]:
    """Frames decoded the plain way, one after another: the truth ``frame_at`` must match."""
    cap = cv2.VideoCapture(str(VIDEO))
    frames, index = {}, 0
    while len(frames) < len(indices):
        ok, image = cap.read()
        assert ok
        if index in indices:
            frames[index] = image
        index += 1
    cap.release()
    return frames


def _read_on(source, *, limit: int | None = None, into: list | None = None) -> None:
    """Read ``source`` until it raises (or ``limit`` reads), keeping the frames in ``into`` when given."""
    for _ in itertools.count() if limit is None else range(limit):
        frame = source.read()
        if into is not None:
            into.append(frame)


def test_file_source_reads_every_frame_of_the_excerpt_then_ends():
    with FileSource(VIDEO) as source:
        assert isinstance(source, FrameSource)
        assert (source.width, source.height, source.fps, source.frame_count) == (768, 576, 10.0, 200)
        frames = []
        with pytest.raises(SourceEnded, match="after 200 frames"):
            _read_on(source, into=frames)
        assert [f.index for f in frames] == list(range(200))
        assert frames[57].position_s == pytest.approx(5.7)
        assert frames[0].image.shape == (576, 768, 3) and frames[0].image.dtype == np.uint8
        with pytest.raises(SourceEnded):  # the end stays the end
            source.read()


def test_frame_at_returns_exactly_the_frame_shown_at_that_time():
    wanted = {0, 30, 31, 75, 199}
    truth = _reference_frames(wanted)
    with FileSource(VIDEO) as source:
        for t in (0.0, 3.0, 7.5, 19.9):
            frame = source.frame_at(t)
            assert frame.index == round(t * 10)
            assert np.array_equal(frame.image, truth[frame.index])
        back = source.frame_at(3.05)  # backwards, and between two frames: the one on screen
        assert back.index == 30 and np.array_equal(back.image, truth[30])
        assert source.read().index == 31  # read() carries on after the sampled frame
        with pytest.raises(SourceEnded, match="before t=25 s"):
            source.frame_at(25.0)
        with pytest.raises(ValueError, match="needs a time ≥ 0 s"):
            source.frame_at(-1.0)


def test_sampling_a_replay_every_few_seconds_is_one_cheap_pass():
    with FileSource(VIDEO) as source:
        started = time.monotonic()
        indices = [source.frame_at(t).index for t in range(0, 20, 3)]
        elapsed = time.monotonic() - started
    assert indices == [0, 30, 60, 90, 120, 150, 180]
    assert elapsed < 3.0  # one forward pass (~0.3 s here); a reopen per sample would be far slower


def test_realtime_file_waits_for_each_frame_and_skips_what_a_late_caller_missed():
    now = [100.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    with FileSource(VIDEO, realtime=True, clock=lambda: now[0], sleep=sleep) as source:
        assert source.read().index == 0
        assert source.read().index == 1
        assert sleeps == [pytest.approx(0.1)]
        now[0] += 0.55  # the caller was busy: 0.65 s since the start, frame 6 is on screen
        frame = source.read()
        assert frame.index == 6 and frame.position_s == pytest.approx(0.6)
        assert len(sleeps) == 1


def test_looping_file_starts_again_at_frame_zero():
    with FileSource(VIDEO, loop=True) as source:
        indices = [source.read().index for _ in range(203)]
    assert indices[198:] == [198, 199, 0, 1, 2]


@pytest.mark.timeout(30)
def test_truncated_file_ends_early_without_crash_or_hang(tmp_path):
    truncated = tmp_path / "truncated.mp4"
    data = VIDEO.read_bytes()
    truncated.write_bytes(data[: int(len(data) * 0.4)])
    read = 0
    with pytest.raises(SourceError):  # noqa: PT012  (opening the cut file may fail already; SourceEnded is one too)
        with FileSource(truncated) as source:
            while True:
                source.read()
                read += 1
    assert read < 200
    with FileSource(truncated) as source:
        with pytest.raises(SourceError):
            source.frame_at(19.0)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "cam.mp4"
    with pytest.raises(SourceError, match="no such file") as error:
        FileSource(missing)
    assert str(missing) in str(error.value)


@pytest.mark.parametrize("content", [b"", b"this is not a video\n" * 100])
def test_non_video_file_is_a_source_error_naming_the_path(tmp_path, content):
    fake = tmp_path / "camera.mp4"
    fake.write_bytes(content)
    with pytest.raises(SourceError) as error:
        FileSource(fake)
    assert str(fake) in str(error.value)


def test_a_directory_is_not_a_video(tmp_path):
    with pytest.raises(SourceError, match="is not a file"):
        FileSource(tmp_path)


def test_open_source_resolves_file_urls_like_the_site_config(tmp_path):
    shutil.copy(VIDEO, tmp_path / "desk 1.mp4")
    for url in ("file:desk 1.mp4", f"file://{tmp_path}/desk%201.mp4", "desk 1.mp4", tmp_path / "desk 1.mp4"):
        with open_source(url, base_dir=tmp_path) as source:
            assert isinstance(source, FileSource)
            assert source.read().index == 0


@pytest.mark.parametrize("url", ["ftp://admin:" + SECRET + "@10.0.0.5/cam", "rtmp://admin:" + SECRET + "@10.0.0.5/l"])
def test_open_source_rejects_unknown_schemes_without_echoing_credentials(url):
    with pytest.raises(SourceError, match="unsupported camera URL scheme") as error:
        open_source(url)
    _assert_secret_hidden(str(error.value))


# --- HTTP snapshot --------------------------------------------------------------------------

def test_snapshot_reads_real_jpegs_one_per_request(http_camera):
    with HttpSnapshotSource(http_camera.url()) as source:
        first, second = source.read(), source.read()
    assert (first.width, first.height) == (768, 576)
    assert (first.index, second.index) == (0, 1)
    expected = cv2.imdecode(np.frombuffer(jpeg_frames()[0], np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(first.image, expected)
    assert not np.array_equal(first.image, second.image)  # "sequence" mode: the camera moved on


@pytest.mark.timeout(15)
def test_snapshot_from_a_hanging_camera_fails_within_the_timeout(http_camera):
    http_camera.mode = "hang"
    source = HttpSnapshotSource(http_camera.url(), timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(SourceError, match="no response within 1 s"):
        source.read()
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("mode, message", [
    ("garbage", "not a decodable image"),
    ("error", "HTTP 500"),
])
def test_snapshot_bad_answers_are_source_errors_that_never_echo_the_body(http_camera, mode, message):
    http_camera.mode = mode
    with pytest.raises(SourceError, match=message) as error:
        HttpSnapshotSource(http_camera.url()).read()
    assert "secret stack trace" not in str(error.value)
    assert http_camera.url() in str(error.value)


def test_snapshot_from_a_closed_port_is_refused():
    with FakeHttpCamera() as camera:
        url = camera.url()
    with pytest.raises(SourceError, match="refused"):
        HttpSnapshotSource(url, timeout_s=1).read()


def test_snapshot_credentials_open_the_camera_and_never_show(source_logs):
    with FakeHttpCamera(username="admin", password=SECRET) as camera:
        wrong = HttpSnapshotSource(camera.url(), username="admin", password=SECRET + "x")
        with pytest.raises(SourceError, match="401") as error:
            wrong.read()
        separate = HttpSnapshotSource(camera.url(), username="admin", password=SECRET)
        in_url = open_source(camera.url(with_credentials=True))
        assert separate.read().width == 768
        assert isinstance(in_url, HttpSnapshotSource) and in_url.read().width == 768
        assert in_url.description == camera.url().replace("http://", "http://***@")
        camera.mode = "error"
        with pytest.raises(SourceError) as later:
            in_url.read()
    texts = [str(error.value), repr(error.value), str(later.value), repr(later.value), source_logs.text]
    texts += [repr(s) + s.description for s in (wrong, separate, in_url)]
    _assert_secret_hidden(*texts)


# --- MJPEG ----------------------------------------------------------------------------------

def _read_until(source, predicate, timeout_s=5.0):
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            frame = source.read()
            if predicate(frame):
                return frame
        except SourceError:
            if time.monotonic() > deadline:
                raise
        assert time.monotonic() < deadline, "no matching frame in time"


def test_open_source_tells_an_mjpeg_stream_from_a_snapshot_and_reads_successive_frames(http_camera):
    http_camera.mode = "mjpeg"
    with open_source(http_camera.url("/video.mjpg")) as source:
        assert isinstance(source, MjpegSource)
        frames = [source.read() for _ in range(3)]
    assert frames[0].index < frames[1].index < frames[2].index
    assert frames[0].image.shape == (576, 768, 3)
    assert not np.array_equal(frames[0].image, frames[2].image)


def test_mjpeg_read_hands_over_the_newest_frame_not_a_backlog(http_camera):
    http_camera.mode, http_camera.fps = "mjpeg", 25.0
    with MjpegSource(http_camera.url(), read_timeout_s=2) as source:
        first = source.read()
        time.sleep(0.6)  # ~15 frames arrive meanwhile
        late = source.read()
        assert late.index - first.index >= 8
        assert time.monotonic() - late.captured_at < 0.2
        assert source.read().index > late.index  # each read gets a frame it has not had


@pytest.mark.timeout(30)
def test_mjpeg_stall_is_a_source_error_and_the_stream_comes_back(http_camera):
    http_camera.mode = "mjpeg"
    with MjpegSource(http_camera.url(), read_timeout_s=1.0, backoff=Backoff(**FAST)) as source:
        before = source.read()
        http_camera.mode = "hang"
        time.sleep(0.2)  # let the frames already sent be taken
        with pytest.raises(SourceError, match="no frame within 1 s"):
            _read_on(source, limit=20)
        http_camera.mode = "mjpeg"
        after = _read_until(source, lambda f: f.index > before.index, timeout_s=8)
    assert after.width == 768


def test_mjpeg_with_credentials_never_shows_them(source_logs):
    with FakeHttpCamera(mode="mjpeg", username="admin", password=SECRET) as camera:
        with open_source(camera.url(), username="admin", password=SECRET) as source:
            assert source.read().width == 768
            shown = repr(source) + source.description
        with MjpegSource(camera.url(), username="admin", password=SECRET + "0", read_timeout_s=0.5,
                         backoff=Backoff(**FAST)) as refused:
            with pytest.raises(SourceError, match="401") as error:
                refused.read()
    _assert_secret_hidden(shown, str(error.value), source_logs.text)


def test_closed_live_source_stops_its_thread_and_refuses_reads(http_camera):
    http_camera.mode = "mjpeg"
    source = MjpegSource(http_camera.url())
    source.read()
    source.close()
    source.close()  # idempotent
    assert not any(t.name == "deskaudit-mjpeg" and t.is_alive() for t in threading.enumerate())
    with pytest.raises(SourceError, match="closed"):
        source.read()


# --- USB device -----------------------------------------------------------------------------

def test_missing_usb_camera_is_a_source_error_within_the_read_timeout():
    with open_source("device:63", read_timeout_s=0.5, backoff=Backoff(**FAST)) as source:
        assert isinstance(source, DeviceSource)
        with pytest.raises(SourceError, match=re.escape("device:63: no frame within 0.5 s")):
            source.read()
    with pytest.raises(SourceError, match="device:N"):
        open_source("usb:front-door")


# --- RTSP: tests/test_rtsp_sources.py (a real GStreamer RTSP server) ---------------------------------
