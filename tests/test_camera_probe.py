"""``deskaudit camera probe`` against real cameras on 127.0.0.1 (a live GStreamer RTSP server, fake HTTP
cameras with Digest): what it prints, the blurred snapshot it saves, and a distinct reason for each fault."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from deskaudit.cli import cli
from fakecams import FakeHttpCamera, RtspTestServer, _rtsp_available, jpeg_frames
from vision.probe import blurred_snapshot

SECRET = "Pr0be-S3cret!"
ENCODED = "Pr0be-S3cret%21"


def _probe(cli_runner, *args, password=None):
    stdin = None if password is None else password + "\n"
    result = cli_runner.invoke(cli, ["camera", "probe", *args], input=stdin)
    for text in (result.output, str(result.exception or "")):
        assert SECRET not in text and ENCODED not in text
    return result


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("codec, decoder", [("h264", "h264"), ("h265", "hevc")])
def test_probe_of_an_rtsp_camera_prints_what_it_sends_and_saves_a_blurred_snapshot(cli_runner, tmp_path, codec,
                                                                                   decoder):
    _rtsp_available()
    snapshot = tmp_path / "view.jpg"
    with RtspTestServer(codec=codec, gop=15, username="admin", password=SECRET) as server:
        text = _probe(cli_runner, server.url(), "--username", "admin", "--password-stdin",
                      "--snapshot", str(snapshot), password=SECRET)
        found = _probe(cli_runner, server.url(), "-u", "admin", "--password-stdin", "--json", "--no-snapshot",
                       "--transport", "udp", password=SECRET)
    assert text.exit_code == 0, text.output
    assert f"codec:                     {decoder}" in text.output and "768×576" in text.output
    assert "15 khung / frames (1.50 s)" in text.output and "health:       ok" in text.output
    report = json.loads(found.output)
    assert found.exit_code == 0 and report["ok"] is True and report["snapshot"] is None
    assert (report["codec"], report["width"], report["height"], report["keyframe_interval"]) == (decoder, 768, 576, 15)
    assert report["fps"] == 10.0 and report["keyframe_interval_s"] == 1.5
    assert report["health"] == "ok" and 0 < report["first_frame_s"] < 5 and report["connect_s"] < 8
    saved = cv2.imread(str(snapshot))
    assert saved.shape == (576, 768, 3)
    # blurred as a whole: next to no fine detail is left (a raw frame of this scene has plenty)
    edges = cv2.Canny(cv2.cvtColor(saved, cv2.COLOR_BGR2GRAY), 50, 150)
    assert np.count_nonzero(edges) / edges.size < 0.002


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_probe_says_wrong_password_wrong_path_and_unsupported_codec_apart(cli_runner, tmp_path):
    _rtsp_available()
    with RtspTestServer(username="admin", password=SECRET) as server:
        wrong = _probe(cli_runner, server.url(), "-u", "admin", "--password-stdin", "--no-snapshot",
                       password=SECRET + "x")
        missing = _probe(cli_runner, server.url().replace("/cam", "/cam2"), "-u", "admin", "--password-stdin",
                         "--no-snapshot", password=SECRET)
        in_url = _probe(cli_runner, server.url().replace("rtsp://", f"rtsp://admin:{ENCODED}x@"), "--no-snapshot")
    with RtspTestServer(codec="jpeg2000") as server:
        codec = _probe(cli_runner, server.url(), "--json", "--no-snapshot")
    assert wrong.exit_code == 1 and "wrong or missing username/password" in wrong.output
    assert missing.exit_code == 1 and "no such stream on the camera (404)" in missing.output
    assert in_url.exit_code == 1 and "wrong or missing username/password" in in_url.output
    assert "rtsp://***@127.0.0.1" in in_url.output
    assert codec.exit_code == 1 and "unsupported codec" in json.loads(codec.output.splitlines()[0])["error"]
    assert not list(tmp_path.iterdir())


def test_probe_of_an_unreachable_or_closed_camera_says_which(cli_runner):
    unknown = _probe(cli_runner, "rtsp://camera.invalid/Streaming/Channels/102", "--timeout", "2", "--no-snapshot")
    closed = _probe(cli_runner, "rtsp://127.0.0.1:9/x", "--timeout", "2", "--no-snapshot")
    assert unknown.exit_code == 1 and "unreachable" in unknown.output
    assert closed.exit_code == 1 and "connection refused" in closed.output


def test_probe_of_a_digest_snapshot_camera(cli_runner, tmp_path):
    snapshot = tmp_path / "snap.jpg"
    with FakeHttpCamera(username="admin", password=SECRET, auth="digest") as camera:
        good = _probe(cli_runner, camera.url(), "-u", "admin", "--password-stdin", "--json", "--snapshot",
                      str(snapshot), password=SECRET)
        wrong = _probe(cli_runner, camera.url(), "-u", "admin", "--password-stdin", "--no-snapshot",
                       password="nope")
        camera.mode = "missing"
        missing = _probe(cli_runner, camera.url(), "-u", "admin", "--password-stdin", "--no-snapshot",
                         password=SECRET)
    report = json.loads(good.output)
    assert good.exit_code == 0 and (report["kind"], report["codec"], report["width"]) == ("http-snapshot", "jpeg", 768)
    assert report["keyframe_interval"] is None and report["snapshot"] == str(snapshot) and snapshot.exists()
    assert wrong.exit_code == 1 and "401" in wrong.output and "wrong or missing username/password" in wrong.output
    assert missing.exit_code == 1 and "404" in missing.output


def test_probe_reports_a_dark_view(cli_runner, tmp_path):
    dark = cv2.imencode(".jpg", np.full((480, 640, 3), 4, np.uint8))[1].tobytes()
    with FakeHttpCamera([dark], mode="same") as camera:
        result = _probe(cli_runner, camera.url(), "--json", "--no-snapshot")
    assert result.exit_code == 0 and json.loads(result.output)["health"] == "dark"


def test_bad_input_exits_2(cli_runner):
    assert _probe(cli_runner, "ftp://cam/x").exit_code == 2
    assert _probe(cli_runner, "rtsp://cam/x", "--password-stdin", password="").exit_code == 2


def test_blurred_snapshot_keeps_the_layout_and_drops_the_detail():
    image = cv2.imdecode(np.frombuffer(jpeg_frames(1)[0], np.uint8), cv2.IMREAD_COLOR)
    out = blurred_snapshot(image)
    assert out.shape == image.shape
    assert abs(float(out.mean()) - float(image.mean())) < 8  # the same scene, in broad strokes
    detail = cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    left = cv2.Laplacian(cv2.cvtColor(out, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var()
    assert left < detail / 50
