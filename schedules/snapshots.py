"""Stored frames: the latest snapshot of each camera and evidence snapshots, blurred for privacy,
annotated with zones and person boxes, written atomically so a page never shows half a JPEG."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import cv2
import numpy as np

from vision.detections import Detections
from vision.privacy import BlurPolicy, blur_for_storage, mask_zones
from vision.zones import DeskZones, ZoneKind

ZONE_COLOURS = {  # BGR
    ZoneKind.STAFF: (80, 200, 80),
    ZoneKind.QUEUE: (0, 200, 255),
    ZoneKind.EXCLUDE: (160, 160, 160),
    ZoneKind.MASK: (60, 60, 60),
}
FILE_MODE = 0o640  # stored frames: owner and group (the web server's) only, never world-readable
DIR_MODE = 0o750
PERSON_COLOUR = (255, 160, 0)
JPEG_QUALITY = 85
EVIDENCE_DIR = PurePosixPath("snapshots", "evidence")  # relative to the data dir; retention purges it
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # the site config's code pattern


def camera_segment(camera_code: str) -> str:
    """``camera_code`` as one path segment; a code that could leave its folder (``..``, ``/``) is refused."""
    if not _SAFE_SEGMENT.fullmatch(camera_code):
        raise ValueError(f"camera code {camera_code!r} is not a safe file name (letters, digits, '_', '.', '-')")
    return camera_code


def latest_snapshot_path(data_dir: Path, camera_code: str) -> Path:
    """``<data dir>/snapshots/latest/<camera code>.jpg``."""
    return Path(data_dir) / "snapshots" / "latest" / f"{camera_segment(camera_code)}.jpg"


def evidence_snapshot_path(camera_code: str, observed_at: datetime) -> PurePosixPath:
    """``snapshots/evidence/<camera code>/<YYYY-MM-DD>/<HHMMSS>.jpg`` (UTC), relative to the data dir.

    Relative, as stored in ``Observation.snapshot_path``, so the data dir can move.
    """
    if observed_at.tzinfo is None:
        raise ValueError(f"naive datetime {observed_at!r}: pass an aware datetime (UTC)")
    utc = observed_at.astimezone(timezone.utc)
    return EVIDENCE_DIR / camera_segment(camera_code) / f"{utc:%Y-%m-%d}" / f"{utc:%H%M%S}.jpg"


def render_snapshot(
    image: np.ndarray, detections: Detections | None, zones: DeskZones, blur: BlurPolicy | None = None
) -> np.ndarray:
    """A copy of ``image`` fit to store: mask and exclude zones pixelated, heads (and queue zones) blurred, then
    zone outlines and person boxes.

    Without detections (camera not ``ok``, or the detector failed) nobody was located, so the whole
    frame is blurred: an unlocated person must not be stored sharp.
    """
    if detections is None:
        out = cv2.GaussianBlur(cv2.resize(mask_zones(image, zones), None, fx=0.1, fy=0.1), (3, 3), 0)
        out = cv2.resize(out, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    else:
        out = blur_for_storage(image, detections, zones, blur)
    height, width = out.shape[:2]
    for zone in zones.zones:
        points = np.array([[x * (width - 1), y * (height - 1)] for x, y in zone.polygon], np.int32)
        cv2.polylines(out, [points], isClosed=True, color=ZONE_COLOURS[zone.kind], thickness=2)
    if detections is not None:
        for x1, y1, x2, y2 in np.asarray(detections.xyxy).round().astype(int):
            cv2.rectangle(out, (int(x1), int(y1)), (int(x2), int(y2)), PERSON_COLOUR, 2)
    return out


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents with mode 0750 (``mkdir``'s mode is subject to the umask)."""
    missing = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
        os.chmod(created, DIR_MODE)


def write_jpeg_atomically(image: np.ndarray, path: Path, quality: int = JPEG_QUALITY) -> Path:
    """Encode ``image`` as JPEG and replace ``path`` in one step (temp file in the same folder + ``os.replace``)."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f"{path}: JPEG encoding failed")
    make_private_dirs(path.parent)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # 0640 whatever the umask: the web server reads it through the group; nobody else may (faces, dossiers)
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(encoded.tobytes())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
