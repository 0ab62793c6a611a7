"""RTSP cameras through PyAV against a real, live GStreamer RTSP server: one keyframe decoded per sample,
H.264 and H.265, TCP and UDP, kept-open sessions, a per-host session limit, and every failure a clear reason."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from fakecams import RtspTestServer, _rtsp_available, rtsp_server  # noqa: F401 (fixture)
from vision.detections import Detections
from vision.frames import SourceError
from vision.health import Health
from vision.pipeline import CameraPipeline
from vision.sources import Backoff, HostSessions, KeptRtspSource, RtspSource, open_source
from vision.zones import DeskZones, Zone

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SECRET = "Pa55-w0rd!xyz"
FAST = dict(base_s=0.1, factor=2.0, cap_s=0.2)


class _NoPeople:
    """A detector that sees nobody: these tests are about frames and health, not counts."""

    model_id = "none@0"

    def detect(self, image):
        height, width = image.shape[:2]
        return Detections.from_boxes([], (width, height))


ZONES = DeskZones([Zone.build("desk", "staff", [[0.5, 0.2], [1, 0.2], [1, 0.8], [0.5, 0.8]])])


@pytest.mark.parametrize("codec, decoder", [("h264", "h264"), ("h265", "hevc")])
@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_a_sample_connects_decodes_one_keyframe_and_closes(codec, decoder, transport):
    _rtsp_available()
    with RtspTestServer(codec=codec) as server:
        source = open_source(server.url(), transport=transport)
        assert isinstance(source, RtspSource)
        first, second = source.read(), source.read()
        grab = source.last_grab
        assert (first.width, first.height) == (768, 576) and grab.codec == decoder
        assert grab.fps == pytest.approx(10, abs=0.5)
        assert grab.connect_s + grab.first_frame_s < 5
        assert (first.image != second.image).any()  # the scene as it is now, not a replayed first frame
        assert server.connections() == 0  # nothing held between samples


def test_a_live_camera_never_reads_as_frozen_through_the_pipeline():
    _rtsp_available()
    with RtspTestServer(codec="h265") as server:
        source = open_source(server.url())
        pipeline = CameraPipeline(_NoPeople(), ZONES)
        healths = []
        for at in range(6):  # more samples than the frozen check needs
            healths.append(pipeline.sample(source, at=at * 30.0).health)
            time.sleep(0.3)
        assert healths == [Health.OK] * 6


def test_a_kept_session_decodes_only_when_a_sample_is_due():
    _rtsp_available()
    with RtspTestServer(gop=10) as server:
        with open_source(server.url(), keep_open=True, backoff=Backoff(**FAST)) as source:
            assert isinstance(source, KeptRtspSource)
            first = source.read()
            time.sleep(2.5)  # 25 frames pass, none decoded
            assert source.decoded == 1
            later = source.read()
            assert source.decoded == 2 and later.index == first.index + 1
            assert (first.image != later.image).any()
            assert time.monotonic() - later.captured_at < 1.5  # at most one GOP (1 s) plus a little
            assert server.connections() == 1


def test_a_dead_camera_is_offline_within_the_timeout_and_back_when_it_returns():
    _rtsp_available()
    with RtspTestServer() as server:
        source = RtspSource(server.url(), open_timeout_s=2, read_timeout_s=2, backoff=Backoff(**FAST))
        source.read()
        server.kill()
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"connection refused|no RTSP answer"):
            source.read()
        assert time.monotonic() - started < 4
        with pytest.raises(SourceError, match="next try in"):  # backoff: not dialled again at once
            source.read()
        server.restart()
        time.sleep(0.3)
        assert source.read().width == 768 and source.last_error is None


def test_kept_sessions_reconnect_after_the_camera_returns():
    _rtsp_available()
    with RtspTestServer() as server:
        with KeptRtspSource(server.url(), read_timeout_s=2, backoff=Backoff(**FAST)) as source:
            source.read()
            server.kill()
            # Packets already in the socket when the server dies may still give one frame; once the
            # session has ended, a read waits for a new one and says so.
            deadline = time.monotonic() + 10
            while source.last_error is None:
                assert time.monotonic() < deadline, "the session never noticed the server was gone"
                time.sleep(0.05)
            with pytest.raises(SourceError, match="no frame within"):
                source.read()
            server.restart()
            deadline = time.monotonic() + 20
            while True:
                try:
                    assert source.read().width == 768
                    break
                except SourceError:
                    assert time.monotonic() < deadline


def test_wrong_password_wrong_path_and_unsupported_codec_each_say_so_without_the_password(caplog):
    caplog.set_level(logging.DEBUG)
    _rtsp_available()
    with RtspTestServer(username="viewer", password=SECRET) as server:
        good = RtspSource(server.url(), username="viewer", password=SECRET)
        assert good.read().width == 768
        wrong = RtspSource(server.url(), username="viewer", password=SECRET + "0")
        with pytest.raises(SourceError, match="wrong or missing username/password") as refused:
            wrong.read()
        missing = RtspSource(server.url().replace("/cam", "/cam9"), username="viewer", password=SECRET)
        with pytest.raises(SourceError, match="no such stream") as lost:
            missing.read()
        texts = [str(refused.value), str(lost.value), repr(wrong), wrong.description, caplog.text]
    with RtspTestServer(codec="jpeg2000") as server:
        with pytest.raises(SourceError, match="unsupported codec"):
            RtspSource(server.url()).read()
    for text in texts:
        assert SECRET not in text and "Pa55-w0rd%21xyz" not in text


def test_a_server_that_accepts_and_says_nothing_times_out_with_its_own_reason():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held = []
    threading.Thread(target=lambda: held.extend(listener.accept() for _ in range(2)), daemon=True).start()
    try:
        source = RtspSource(f"rtsp://127.0.0.1:{listener.getsockname()[1]}/cam", open_timeout_s=1.5,
                            read_timeout_s=1.5)
        started = time.monotonic()
        with pytest.raises(SourceError, match="connected, but no RTSP answer"):
            source.read()
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_an_unreachable_port_is_refused_at_once():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(SourceError, match="connection refused"):
        RtspSource(f"rtsp://127.0.0.1:{port}/cam").read()


def test_at_most_k_sessions_per_host():
    _rtsp_available()
    with RtspTestServer(gop=10) as server:
        sessions = HostSessions(1)
        kept = KeptRtspSource(server.url(), sessions=sessions, backoff=Backoff(**FAST))
        try:
            kept.read()  # holds the host's one session
            other = RtspSource(server.url(), sessions=sessions, open_timeout_s=0.5)
            with pytest.raises(SourceError, match="max_sessions_per_host"):
                other.read()
            assert sessions.open_now(f"127.0.0.1:{server.port}") == 1
        finally:
            kept.close()
        time.sleep(1.2)  # the kept session's thread lets go
        assert RtspSource(server.url(), sessions=sessions).read().width == 768
        assert HostSessions(2).limit == 2
        with pytest.raises(ValueError, match="≥ 1"):
            HostSessions(0)


def test_rtsp_transport_is_the_one_asked_for():
    """A camera that streams over TCP only: ``tcp`` reads, ``udp`` is refused with a reason that says what to set
    (so ``rtsp_transport`` really reaches the session; FFmpeg does not fall back on its own)."""
    _rtsp_available()
    with RtspTestServer(transports=("tcp",)) as server:
        assert RtspSource(server.url(), transport="tcp").read().width == 768
        with pytest.raises(SourceError, match=r"does not stream over udp .*try rtsp_transport = tcp"):
            RtspSource(server.url(), transport="udp", open_timeout_s=3, read_timeout_s=3).read()
        kept = KeptRtspSource(server.url(), transport="udp", open_timeout_s=3, read_timeout_s=3,
                              backoff=Backoff(**FAST))
        try:
            with pytest.raises(SourceError, match="does not stream over udp"):
                kept.read()
        finally:
            kept.close()


def test_a_stream_that_stops_mid_gop_is_offline_with_its_reason_and_no_password(caplog):
    """A sample joins a live stream between keyframes (another viewer keeps the media playing, GOP 10 s) and the
    camera dies before the next keyframe: the sample is ``offline`` with the reason, nothing raised, no secret."""
    caplog.set_level(logging.DEBUG)
    _rtsp_available()
    with RtspTestServer(gop=100, username="viewer", password=SECRET) as server:
        viewer = KeptRtspSource(server.url(), username="viewer", password=SECRET, read_timeout_s=5)
        try:
            viewer.read()
            time.sleep(1.0)  # now mid-GOP: the next keyframe is ~9 s away
            source = RtspSource(server.url(), username="viewer", password=SECRET, read_timeout_s=15)
            pipeline = CameraPipeline(_NoPeople(), ZONES)
            killer = threading.Timer(1.5, server.kill)
            killer.start()
            started = time.monotonic()
            sample = pipeline.sample(source, at=0.0)
            killer.join()
        finally:
            viewer.close()
    assert sample.health == Health.OFFLINE and time.monotonic() - started < 6
    assert "stream ended before a keyframe" in sample.health_reason
    for text in (sample.health_reason, caplog.text):
        assert SECRET not in text and "Pa55-w0rd%21xyz" not in text
