"""Evidence snapshots of the sampler: when one is kept, where, and that it is blurred (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from fakecams import BoxesDetector, example_site_loader, jpeg_frames
from models.observing import Observation
from schedules.sampling import Sampler, SamplingSettings, enabled_cameras
from schedules.snapshots import evidence_snapshot_path, latest_snapshot_path
from test_privacy import faces
from vision.frames import Frame

AT = datetime(2026, 3, 2, 2, 15, 7, tzinfo=timezone.utc)  # 09:15:07 in Hà Nội, a Monday
AT_DESK = [620, 200, 684, 345]  # feet in TV-HT-CAM's staff zone (vtest is 768×576)
CODE = "TV-HT-CAM"  # 30 s cadence
MISSING = "file:///nonexistent/deskaudit/missing-footage.mp4"


class StillSource:
    """A camera that hands over the same image on every read (a fresh pipeline per sample never calls it frozen)."""

    description = "still image"

    def __init__(self, image: np.ndarray) -> None:
        self.image = image

    def read(self) -> Frame:
        return Frame(image=self.image, captured_at=0.0, index=0)

    def close(self) -> None:
        pass


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, AT)


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def _sample(factory, data_dir, at, *, boxes=(AT_DESK,), source=None, settings=None):
    """Sample TV-HT-CAM at ``at`` with a new sampler (as after a restart) and commit."""
    sampler = Sampler(BoxesDetector(boxes), data_dir=data_dir, settings=settings)
    with factory.begin() as session:
        (camera,) = enabled_cameras(session, CODE)
        return sampler.sample(session, camera, at, source=source)


def _stored_paths(factory) -> list[str | None]:
    with factory() as session:
        return list(session.scalars(select(Observation.snapshot_path).order_by(Observation.slot_at)))


def _vtest() -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg_frames()[0], np.uint8), cv2.IMREAD_COLOR)


def test_evidence_at_the_first_sample_a_transition_and_every_five_minutes(site, data_dir):
    factory = site()
    results = [_sample(factory, data_dir, AT + timedelta(seconds=30 * i)) for i in range(13)]  # 0 … 360 s
    assert [bool(r.transitions) for r in results] == [False, True] + [False] * 11  # unknown → present at 30 s
    kept = [i for i, r in enumerate(results) if r.evidence]
    assert kept == [0, 1, 11]  # first sample; transition; 300 s after the last kept one (30 s → 330 s)
    assert [r.evidence for r in results[:2]] == ["snapshots/evidence/TV-HT-CAM/2026-03-02/021507.jpg",
                                                "snapshots/evidence/TV-HT-CAM/2026-03-02/021537.jpg"]
    assert results[11].evidence == "snapshots/evidence/TV-HT-CAM/2026-03-02/022037.jpg"
    assert _stored_paths(factory) == [r.evidence for r in results]
    for i in kept:
        relative = PurePosixPath(results[i].evidence)
        assert not relative.is_absolute()
        image = cv2.imread(str(data_dir / relative))
        assert image is not None and image.shape == (576, 768, 3)
    on_disk = sorted(p.relative_to(data_dir).as_posix() for p in (data_dir / "snapshots" / "evidence").rglob("*"))
    assert on_disk == ["snapshots/evidence/TV-HT-CAM", "snapshots/evidence/TV-HT-CAM/2026-03-02",
                       *(results[i].evidence for i in kept)]


def test_evidence_when_the_camera_health_changes(site, data_dir):
    factory = site()
    ok, dark = StillSource(_vtest()), StillSource(_vtest() // 8)
    sources = [ok, ok, ok, dark, dark, ok]
    results = [_sample(factory, data_dir, AT + timedelta(seconds=30 * i), source=s) for i, s in enumerate(sources)]
    assert [r.health for r in results] == ["ok", "ok", "ok", "dark", "dark", "ok"]
    assert [bool(r.transitions) for r in results] == [False, True, False, False, False, False]
    assert [bool(r.evidence) for r in results] == [True, True, False, True, False, True]
    dark_evidence = cv2.imread(str(data_dir / results[3].evidence))
    assert dark_evidence is not None  # a camera that is not ok still shows what it sees, blurred whole


@pytest.mark.parametrize("every, expected", [(0, [True, True, True]), (None, [False, False, False])])
def test_evidence_every_sample_or_never(site, data_dir, every, expected):
    factory = site()
    settings = SamplingSettings(evidence_every_s=every)
    results = [_sample(factory, data_dir, AT + timedelta(seconds=30 * i), settings=settings) for i in range(3)]
    assert [bool(r.evidence) for r in results] == expected
    assert all(r.snapshot is not None for r in results)  # the latest snapshot is written either way
    assert (data_dir / "snapshots" / "evidence").exists() == any(expected)


def test_no_frame_no_evidence(site, data_dir):
    factory = site(lambda raw: next(c for u in raw["units"] for d in u.get("desks", []) for c in d.get("cameras", [])
                                    if c["id"] == CODE).update(url=MISSING))
    result = _sample(factory, data_dir, AT)
    assert result.health == "offline" and result.evidence is None and result.snapshot is None
    assert not (data_dir / "snapshots").exists()


def test_the_evidence_snapshot_is_blurred_and_the_same_rendering_as_the_latest(site, data_dir, assets):
    factory = site()
    original = cv2.imread(str(assets / "zidane.jpg"))
    found = faces(original)
    assert len(found) >= 2
    # Person boxes around the faces, as the detector would give them (the head is the top of the box).
    boxes = [[x - w, y - h // 2, x + 2 * w, y + 6 * h] for x, y, w, h in found]
    result = _sample(factory, data_dir, AT, boxes=boxes, source=StillSource(original))
    assert result.health == "ok" and result.evidence
    evidence = cv2.imread(str(data_dir / result.evidence))
    assert evidence.shape == original.shape
    assert len(faces(evidence)) == 0
    assert (data_dir / result.evidence).read_bytes() == latest_snapshot_path(data_dir, CODE).read_bytes()


def test_a_failed_evidence_write_keeps_the_observation(site, data_dir, caplog):
    factory = site()
    blocker = data_dir / "snapshots" / "evidence"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the evidence folder should be")
    with caplog.at_level(logging.WARNING, logger="deskaudit.schedules.sampling"):
        result = _sample(factory, data_dir, AT)
    assert result.written and result.evidence is None and result.snapshot is not None
    assert [r.getMessage() for r in caplog.records if "evidence snapshot not written" in r.getMessage()]
    assert _stored_paths(factory) == [None]

    blocker.unlink()  # space again: the next sample keeps one (the failed one never counted as kept)
    again = _sample(factory, data_dir, AT + timedelta(seconds=30))
    assert again.evidence and (data_dir / again.evidence).is_file()
    assert _stored_paths(factory) == [None, again.evidence]


def test_evidence_paths_are_utc_and_refuse_unsafe_camera_codes():
    local = datetime(2026, 3, 2, 6, 59, 59, tzinfo=timezone(timedelta(hours=7)))
    assert evidence_snapshot_path("TV-HT-CAM", local).as_posix() == "snapshots/evidence/TV-HT-CAM/2026-03-01/235959.jpg"
    for code in ("../etc", "a/b", "", ".hidden"):
        with pytest.raises(ValueError, match="not a safe file name"):
            evidence_snapshot_path(code, AT)
    with pytest.raises(ValueError, match="naive"):
        evidence_snapshot_path("TV-HT-CAM", datetime(2026, 3, 2, 2, 15))
