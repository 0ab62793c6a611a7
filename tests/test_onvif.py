"""ONVIF cameras through the real ``onvif-zeep-async`` client against a local ONVIF device: main and sub streams,
channels, snapshots, a cache, a reason for each fault, and a host process left as it was."""

from __future__ import annotations

import logging
import os

import pytest

from deskaudit.cli import cli
from fakecams import FakeHttpCamera
from onvifdevice import FakeOnvifDevice
from vision import onvif
from vision.frames import SourceError
from vision.sources import HttpSnapshotSource, open_source

SECRET = "0nvif-Pa55!"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def device():
    onvif._cache.clear()
    with FakeOnvifDevice(username="admin", password=SECRET) as found:
        found.stream_uris = {"ch1-main": "rtsp://10.1.1.5:554/ch1/main", "ch1-sub": "rtsp://10.1.1.5:554/ch1/sub",
                             "ch2-main": "rtsp://10.1.1.5:554/ch2/main", "ch2-sub": "rtsp://10.1.1.5:554/ch2/sub"}
        yield found
    onvif._cache.clear()


@pytest.mark.parametrize("channel, stream, uri", [
    (1, "main", "rtsp://10.1.1.5:554/ch1/main"), (1, "sub", "rtsp://10.1.1.5:554/ch1/sub"),
    (2, "main", "rtsp://10.1.1.5:554/ch2/main"), (2, "sub", "rtsp://10.1.1.5:554/ch2/sub"),
])
def test_stream_uri_of_each_channel_and_stream(device, channel, stream, uri):
    """The sub profile is listed first on this device: main is chosen by resolution, not by order."""
    assert onvif.resolve(device.url(channel, stream), "admin", SECRET) == uri
    assert device.requests[-2:] == ["GetProfiles", "GetStreamUri"]


def test_a_resolved_uri_is_cached_so_samples_do_not_speak_soap(device):
    onvif.resolve(device.url(), "admin", SECRET)
    asked = len(device.requests)
    for _ in range(5):
        assert onvif.resolve(device.url(), "admin", SECRET) == "rtsp://10.1.1.5:554/ch1/main"
    assert len(device.requests) == asked


def test_faults_have_their_own_reason_without_the_password(device, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError, match="wrong or missing username/password") as wrong:
        onvif.resolve(device.url(), "admin", SECRET + "x")
    with pytest.raises(SourceError, match="has 2 channel"):
        onvif.resolve(device.url(3), "admin", SECRET)
    with pytest.raises(SourceError, match="unreachable"):
        onvif.resolve("onvif://127.0.0.1:9/?channel=1&stream=main", "admin", SECRET, timeout_s=3)
    with pytest.raises(SourceError, match="unknown ONVIF URL parameter"):
        onvif.resolve(device.url() + "&profile=x", "admin", SECRET)
    for text in (str(wrong.value), caplog.text):
        assert SECRET not in text


def test_the_library_leaves_logging_and_the_environment_as_they_were(device, monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    handlers, level = list(logging.getLogger().handlers), logging.getLogger().level
    environment = dict(os.environ)
    onvif.resolve(device.url(), "admin", SECRET)
    assert list(logging.getLogger().handlers) == handlers and logging.getLogger().level == level
    assert dict(os.environ) == environment


def test_an_onvif_snapshot_camera_opens_end_to_end_and_probes(device, cli_runner):
    with FakeHttpCamera(username="admin", password=SECRET, auth="digest") as camera:
        device.snapshot_uris = {"ch1-main": camera.url()}
        source = open_source(device.url(snapshot=True), username="admin", password=SECRET)
        try:
            assert isinstance(source, HttpSnapshotSource) and source.read().width == 768
        finally:
            source.close()
        onvif._cache.clear()
        probed = cli_runner.invoke(cli, ["camera", "probe", device.url(snapshot=True), "-u", "admin",
                                         "--password-stdin", "--json", "--no-snapshot"], input=SECRET + "\n")
    assert probed.exit_code == 0 and '"codec": "jpeg"' in probed.output and SECRET not in probed.output


def test_an_onvif_preset_in_the_config(example_raw, write_config, cli_runner):
    camera = example_raw["units"][1]["desks"][0]["cameras"][0]
    camera.pop("url")
    camera["preset"] = {"vendor": "onvif", "host": "192.168.1.70", "stream": "sub"}
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 0, result.output
