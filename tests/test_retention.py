"""Evidence retention on disk and in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fakecams import example_site_loader
from models.enums import CameraHealth, FindingKind, FindingStatus, PresenceState
from models.findings import Finding, FindingEvidence
from models.observing import Observation
from models.org import Camera, Desk
from schedules import retention
from schedules.retention import RetentionReport, purge_evidence
from schedules.snapshots import evidence_snapshot_path, latest_snapshot_path

NOW = datetime(2026, 4, 15, 1, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=31)  # 2026-03-15 01:00
RECENT = NOW - timedelta(days=29)
SIZE = 1234  # bytes per fake snapshot


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, OLD - timedelta(days=1))()


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def _write(data_dir, relative: str) -> str:
    path = data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff" * SIZE)
    return relative


def _observe(session, data_dir, at, *, code="TV-HT-CAM", file=True) -> Observation:
    """An observation at ``at`` with an evidence snapshot (on disk unless ``file`` is false)."""
    camera = session.scalars(select(Camera).where(Camera.code == code)).one()
    relative = evidence_snapshot_path(code, at).as_posix()
    if file:
        _write(data_dir, relative)
    row = Observation(camera_id=camera.id, desk_id=camera.desk_id, slot_at=at, observed_at=at,
                      health=CameraHealth.OK, presence=PresenceState.PRESENT, snapshot_path=relative)
    session.add(row)
    session.flush()
    return row


def _finding(session, status: FindingStatus, *, observation: Observation | None = None, path: str | None = None):
    desk = session.scalars(select(Desk).where(Desk.code == "TV-HT")).one()
    finding = Finding(fingerprint=f"test:{status}:{observation and observation.id}:{path}", unit_id=desk.unit_id,
                      desk_id=desk.id, day=date(2026, 3, 15), kind=FindingKind.UNATTENDED, status=status,
                      rule_version="test",
                      evidence=[FindingEvidence(observation_id=observation and observation.id, snapshot_path=path)])
    session.add(finding)
    session.flush()
    return finding


def _paths(session) -> dict[int, str | None]:
    return dict(session.execute(select(Observation.id, Observation.snapshot_path)).all())


def test_old_evidence_goes_recent_stays_latest_untouched(site, data_dir, caplog):
    with site.begin() as session:
        old, recent = _observe(session, data_dir, OLD), _observe(session, data_dir, RECENT)
        old_id, recent_id, old_path, recent_path = old.id, recent.id, old.snapshot_path, recent.snapshot_path
    latest = latest_snapshot_path(data_dir, "TV-HT-CAM")
    _write(data_dir, latest.relative_to(data_dir).as_posix())

    with caplog.at_level(logging.INFO, logger="deskaudit.schedules.retention"), site.begin() as session:
        report = purge_evidence(session, data_dir, NOW)
    assert report == RetentionReport(files_deleted=1, bytes_freed=SIZE, kept_for_findings=0, rows_cleared=1,
                                     dirs_removed=1, errors=0)
    assert not (data_dir / old_path).exists() and not (data_dir / old_path).parent.exists()  # empty day folder gone
    assert (data_dir / recent_path).is_file() and latest.is_file()
    with site() as session:
        assert _paths(session) == {old_id: None, recent_id: recent_path}
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        ("evidence retention (30 days, before 2026-03-16T01:00:00+00:00): 1 files deleted (1234 bytes), "
         "0 kept for findings, 1 observations cleared, 1 folders removed, 0 errors")]

    with site.begin() as session:  # again: nothing left to do
        assert purge_evidence(session, data_dir, NOW) == RetentionReport()


@pytest.mark.parametrize("status, by, kept", [
    (FindingStatus.PROPOSED, "observation", True),
    (FindingStatus.AWAITING_EXPLANATION, "path", True),
    (FindingStatus.CONFIRMED, "observation", True),
    (FindingStatus.CONFIRMED, "path", True),
    (FindingStatus.DISMISSED, "observation", False),
    (FindingStatus.DISMISSED, "path", False),
])
def test_evidence_of_a_finding_is_kept_unless_it_was_dismissed(site, data_dir, status, by, kept):
    with site.begin() as session:
        row = _observe(session, data_dir, OLD)
        row_id, path = row.id, row.snapshot_path
        _finding(session, status, **({"observation": row} if by == "observation" else {"path": path}))
    with site.begin() as session:
        report = purge_evidence(session, data_dir, NOW)
    assert (data_dir / path).is_file() is kept
    assert (report.kept_for_findings, report.files_deleted, report.rows_cleared, report.dirs_removed) == (
        (1, 0, 0, 0) if kept else (0, 1, 1, 1))
    with site() as session:
        assert _paths(session) == {row_id: path if kept else None}


def test_orphan_files_of_old_days_are_swept(site, data_dir):
    old_day = evidence_snapshot_path("TV-HT-CAM", OLD).parent.as_posix()
    orphan = _write(data_dir, f"{old_day}/011500.jpg")  # written, then the sampler crashed before its commit
    leftover = _write(data_dir, f"{old_day}/.011530.jpg.x1y2.tmp")  # a write cut short
    held = _write(data_dir, f"{old_day}/011600.jpg")  # no observation, but a confirmed finding names it
    cut_off_day = _write(data_dir, evidence_snapshot_path("TV-HT-CAM", NOW - timedelta(days=30, hours=-1)).as_posix())
    recent = _write(data_dir, evidence_snapshot_path("TV-DD-CAM", RECENT).as_posix())
    not_a_day = _write(data_dir, "snapshots/evidence/TV-HT-CAM/notes/readme.txt")
    old_latest = _write(data_dir, "snapshots/latest/2026-01-01/old.jpg")  # latest/ is never looked at
    with site.begin() as session:
        _finding(session, FindingStatus.CONFIRMED, path=held)
        report = purge_evidence(session, data_dir, NOW)
    assert (report.files_deleted, report.bytes_freed, report.kept_for_findings, report.rows_cleared,
            report.dirs_removed, report.errors) == (2, 2 * SIZE, 1, 0, 0, 0)
    assert not (data_dir / orphan).exists() and not (data_dir / leftover).exists()
    for kept in (held, cut_off_day, recent, not_a_day, old_latest):  # the cutoff's own day is not wholly old
        assert (data_dir / kept).is_file(), kept


def test_a_file_already_gone_clears_its_row(site, data_dir):
    with site.begin() as session:
        row_id = _observe(session, data_dir, OLD, file=False).id
    with site.begin() as session:
        report = purge_evidence(session, data_dir, NOW)
    assert (report.files_deleted, report.rows_cleared, report.errors) == (0, 1, 0)
    with site() as session:
        assert _paths(session) == {row_id: None}


def test_a_path_outside_the_evidence_folder_is_never_deleted(site, data_dir):
    latest = _write(data_dir, "snapshots/latest/TV-HT-CAM.jpg")
    with site.begin() as session:
        row = _observe(session, data_dir, OLD, file=False)
        row.snapshot_path = latest
        row_id = row.id
    with site.begin() as session:
        report = purge_evidence(session, data_dir, NOW)
    assert (report.files_deleted, report.rows_cleared, report.errors) == (0, 0, 1)
    assert (data_dir / latest).is_file()
    with site() as session:
        assert _paths(session) == {row_id: latest}


def test_batches_pass_over_kept_rows(site, data_dir, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    with site.begin() as session:
        rows = [_observe(session, data_dir, OLD + timedelta(minutes=i), code=code)
                for i in range(4) for code in ("TV-HT-CAM", "TV-DD-CAM")]
        _finding(session, FindingStatus.CONFIRMED, observation=rows[0])
        _finding(session, FindingStatus.PROPOSED, path=rows[5].snapshot_path)
        held = {rows[0].id: rows[0].snapshot_path, rows[5].id: rows[5].snapshot_path}
    with site.begin() as session:
        report = purge_evidence(session, data_dir, NOW)
    assert (report.files_deleted, report.kept_for_findings, report.rows_cleared, report.dirs_removed) == (6, 2, 6, 0)
    with site() as session:
        assert {i: p for i, p in _paths(session).items() if p} == held
    assert all((data_dir / p).is_file() for p in held.values())


def test_the_nightly_job_commits_batch_by_batch(site, data_dir, monkeypatch):
    """A long backlog: every batch is committed on its own, so the sampler's writes never wait for all of it."""
    from schedules.housekeeping import retention as nightly_retention

    monkeypatch.setattr(retention, "BATCH", 3)
    with site.begin() as session:
        for i in range(7):
            _observe(session, data_dir, OLD + timedelta(minutes=i))
    commits = []
    original = type(site()).commit

    def counting_commit(self):
        commits.append(1)
        return original(self)

    monkeypatch.setattr(type(site()), "commit", counting_commit)
    report = nightly_retention(site, data_dir, NOW, 30)
    assert (report.files_deleted, report.rows_cleared) == (7, 7)
    assert len(commits) >= 3  # three batches of rows (3 + 3 + 1), then the orphan sweep
    with site() as session:
        assert not any(_paths(session).values())


@pytest.mark.parametrize("days", [0, -1])
def test_retention_needs_at_least_a_day(site, data_dir, days):
    with site() as session, pytest.raises(ValueError, match="≥ 1 day"):
        purge_evidence(session, data_dir, NOW, days=days)


def test_retention_needs_an_aware_now(site, data_dir):
    with site() as session, pytest.raises(ValueError, match="naive"):
        purge_evidence(session, data_dir, NOW.replace(tzinfo=None))
