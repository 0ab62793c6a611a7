"""A camera's stream keys (keep_open, rtsp_transport, verify_tls) and [vision.acquisition] reach the source the
sampler opens, by their effect: a kept session, the transport, a self-signed https camera read, the host limit."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fakecams import FakeHttpCamera, RtspTestServer, _rtsp_available, example_site_loader
from schedules.sampling import Sampler, SamplingSettings, enabled_cameras
from schedules.vision_settings import sampling_settings, stored_vision
from vision.frames import SourceError
from vision.sources import KeptRtspSource, RtspSource

AT = datetime(2026, 3, 2, 2, 15, tzinfo=timezone.utc)


class _Nobody:
    model_id = "none@0"

    def detect(self, image):  # pragma: no cover - the sampler is not run here
        raise AssertionError


def _camera(raw, code):
    return next(c for u in raw["units"] for c in [*u.get("cameras", []),
                                                  *(c for d in u.get("desks", []) for c in d.get("cameras", []))]
                if c["id"] == code)


def _load(example_raw, write_config, session_for, change):
    return example_site_loader(example_raw, write_config, session_for, AT)(change)


def _spec(factory, code):
    with factory() as session:
        return next(c for c in enabled_cameras(session) if c.code == code), stored_vision(session)


def test_defaults_open_a_per_sample_tcp_reader(example_raw, write_config, session_for, tmp_path):
    factory = _load(example_raw, write_config, session_for,
                    lambda raw: _camera(raw, "TV-HT-CAM").update(url="rtsp://127.0.0.1:9/cam"))
    spec, vision = _spec(factory, "TV-HT-CAM")
    assert (spec.keep_open, spec.rtsp_transport, spec.verify_tls) == (False, None, True)
    sampler = Sampler(_Nobody(), data_dir=tmp_path, settings=sampling_settings(vision))
    source = sampler.open(spec).source
    assert isinstance(source, RtspSource) and source.transport == "tcp"
    assert source.sessions.limit == 4


def test_keep_open_udp_and_the_site_session_limit_take_effect(example_raw, write_config, session_for, tmp_path):
    _rtsp_available()
    with RtspTestServer(gop=10) as server:
        def change(raw):
            _camera(raw, "TV-HT-CAM").update(url=server.url(), keep_open=True, rtsp_transport="udp")
            _camera(raw, "TV-DD-CAM").update(url=server.url())
            raw.setdefault("vision", {})["acquisition"] = {"max_sessions_per_host": 1}

        factory = _load(example_raw, write_config, session_for, change)
        kept_spec, vision = _spec(factory, "TV-HT-CAM")
        other_spec, _ = _spec(factory, "TV-DD-CAM")
        sampler = Sampler(_Nobody(), data_dir=tmp_path, settings=sampling_settings(vision, SamplingSettings(
            open_timeout_s=0.5)))
        kept = sampler.open(kept_spec).source
        try:
            assert isinstance(kept, KeptRtspSource) and kept.transport == "udp"
            assert kept.read().width == 768
            other = sampler.open(other_spec).source
            with pytest.raises(SourceError, match="max_sessions_per_host"):  # the host's one session is taken
                other.read()
        finally:
            kept.close()


def test_verify_tls_false_reads_a_self_signed_camera(example_raw, write_config, session_for, tmp_path):
    with FakeHttpCamera(tls=True) as camera:
        for verify, readable in ((True, False), (False, True)):
            factory = _load(example_raw, write_config, session_for,
                            lambda raw, verify=verify: _camera(raw, "TV-HT-CAM").update(url=camera.url(),
                                                                                       verify_tls=verify))
            spec, vision = _spec(factory, "TV-HT-CAM")
            assert spec.verify_tls is verify
            source = Sampler(_Nobody(), data_dir=tmp_path, settings=sampling_settings(vision)).open(spec)
            try:
                if readable:
                    assert source.read().width > 0
                else:
                    with pytest.raises(SourceError, match="not trusted"):
                        source.read()
            finally:
                source.close()
