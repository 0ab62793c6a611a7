"""Vendor presets: the URL each vendor's convention gives, in the site config and through the importer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from deskaudit.cli import cli
from models import Camera
from vision.presets import Preset


@pytest.mark.pure
@pytest.mark.parametrize("preset, url", [
    (dict(vendor="hikvision", host="10.0.0.5"), "rtsp://10.0.0.5/Streaming/Channels/101"),
    (dict(vendor="hikvision", host="10.0.0.5", stream="sub"), "rtsp://10.0.0.5/Streaming/Channels/102"),
    (dict(vendor="hikvision", host="nvr", channel=12, stream="sub", port=8554),
     "rtsp://nvr:8554/Streaming/Channels/1202"),
    (dict(vendor="hikvision", host="10.0.0.5", snapshot=True), "http://10.0.0.5/ISAPI/Streaming/channels/101/picture"),
    (dict(vendor="hikvision", host="nvr", channel=3, snapshot=True, https=True),
     "https://nvr/ISAPI/Streaming/channels/301/picture"),
    (dict(vendor="dahua", host="10.0.0.6"), "rtsp://10.0.0.6/cam/realmonitor?channel=1&subtype=0"),
    (dict(vendor="kbvision", host="10.0.0.6", channel=4, stream="sub"),
     "rtsp://10.0.0.6/cam/realmonitor?channel=4&subtype=1"),
    (dict(vendor="dahua", host="10.0.0.6", channel=2, snapshot=True, port=8080),
     "http://10.0.0.6:8080/cgi-bin/snapshot.cgi?channel=2"),
    (dict(vendor="uniview", host="10.0.0.7"), "rtsp://10.0.0.7/unicast/c1/s0/live"),
    (dict(vendor="uniview", host="10.0.0.7", channel=2, stream="sub"), "rtsp://10.0.0.7/unicast/c2/s1/live"),
    (dict(vendor="uniview", host="10.0.0.7", snapshot=True), "http://10.0.0.7/images/snapshot.jpg"),
    (dict(vendor="onvif", host="cam.local", stream="sub"), "onvif://cam.local/?channel=1&stream=sub"),
    (dict(vendor="onvif", host="cam.local", port=8000, snapshot=True), "onvif://cam.local:8000/?channel=1&snapshot=1"),
    (dict(vendor="hikvision", host="fe80::1"), "rtsp://[fe80::1]/Streaming/Channels/101"),
])
def test_each_vendor_builds_its_url(preset, url):
    assert Preset(**preset).url() == url


@pytest.mark.pure
@pytest.mark.parametrize("preset, message", [
    (dict(vendor="acme", host="h"), "unknown camera vendor 'acme'"),
    (dict(vendor="dahua", host="h", channel=0), "channel 0"),
    (dict(vendor="dahua", host="h", stream="third"), "stream 'third'"),
    (dict(vendor="dahua", host="rtsp://h"), "without scheme"),
    (dict(vendor="dahua", host="admin@h"), "credentials"),
    (dict(vendor="uniview", host="h", channel=2, snapshot=True), "channel 1 only"),
])
def test_a_bad_preset_says_which_value(preset, message):
    with pytest.raises(ValueError, match=message):
        Preset(**preset)


def _camera(raw):
    return raw["units"][1]["desks"][0]["cameras"][0]


def test_a_preset_in_the_site_config_becomes_the_camera_url(example_raw, write_config, migrated_url, cli_runner,
                                                            monkeypatch, session_for):
    camera = _camera(example_raw)
    camera.pop("url")
    camera.update(preset={"vendor": "hikvision", "host": "192.168.1.64", "stream": "sub"},
                  username="admin", password="Mat-khau-1")
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    result = cli_runner.invoke(cli, ["config", "import", str(write_config(example_raw)), "--actor", "t"])
    assert result.exit_code == 0, result.output
    with session_for() as session:
        row = session.scalars(select(Camera).where(Camera.code == camera["id"])).one()
    assert (row.source_url, row.username) == ("rtsp://192.168.1.64/Streaming/Channels/102", "admin")


@pytest.mark.parametrize("change, message", [
    (dict(preset={"vendor": "dahua", "host": "h"}), "give url or preset, not both"),
    (dict(url=None, preset={"vendor": "dahua", "host": "h", "chanel": 2}), "preset.chanel: unknown key"),
    (dict(url=None, preset={"vendor": "sony", "host": "h"}), "preset.vendor"),
    (dict(url=None, preset={"vendor": "uniview", "host": "h", "channel": 3, "snapshot": True}), "channel 1 only"),
])
def test_config_check_names_the_preset_key(example_raw, write_config, cli_runner, change, message):
    camera = _camera(example_raw)
    for key, value in change.items():
        if value is None:
            camera.pop(key)
        else:
            camera[key] = value
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2 and message in result.output, result.output
