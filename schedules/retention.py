"""Evidence retention (docs/ALERTS.md): blurred evidence snapshots older than the retention
period are deleted unless a finding that is not dismissed holds them. ``snapshots/latest`` is never
touched: only files under ``snapshots/evidence`` are."""

from __future__ import annotations

import errno
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path, PurePosixPath

from sqlalchemy import select, union, update
from sqlalchemy.orm import Session

from models.enums import FindingStatus
from models.findings import Finding, FindingEvidence
from models.observing import Observation
from schedules.snapshots import EVIDENCE_DIR

log = logging.getLogger("deskaudit.schedules.retention")

BATCH = 1000  # rows (or file names) per query: a year of backlog never sits in memory
_DAY_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class RetentionReport:
    """What one purge did; ``kept_for_findings`` counts files held by a finding that is not dismissed."""

    files_deleted: int = 0
    bytes_freed: int = 0
    kept_for_findings: int = 0
    rows_cleared: int = 0
    dirs_removed: int = 0
    errors: int = 0


def purge_evidence(session: Session, data_dir: Path, now: datetime, *, days: int = 30,
                   after_batch: Callable[[], None] | None = None) -> RetentionReport:
    """Delete evidence snapshots older than ``days`` before ``now`` unless a live finding holds them.

    First the observations older than the cutoff that point to a snapshot: the file is deleted and the
    rows' ``snapshot_path`` cleared (a file already gone is fine). Then orphan files in date folders
    wholly before the cutoff that no observation references (written just before a crash), then the
    date folders left empty. Flushes, never commits: the caller does, or ``after_batch`` (called after
    each batch of rows) does, so that a long backlog never holds SQLite's write lock for long. Files
    go before the commit, so a failed commit leaves rows whose files are gone, which the next run clears.

    Raises:
        ValueError: ``days`` < 1, or ``now`` is naive.
    """
    if days < 1:
        raise ValueError(f"evidence retention must be ≥ 1 day, got {days!r}")
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass an aware datetime (UTC)")
    cutoff = now.astimezone(timezone.utc) - timedelta(days=days)
    data_dir = Path(data_dir)
    tally: Counter[str] = Counter()
    _purge_rows(session, data_dir, cutoff, tally, after_batch)
    _sweep_orphans(session, data_dir, cutoff, tally)
    report = RetentionReport(**{f.name: tally[f.name] for f in fields(RetentionReport)})
    log.info("evidence retention (%d days, before %s): %d files deleted (%d bytes), %d kept for findings, "
             "%d observations cleared, %d folders removed, %d errors", days, cutoff.isoformat(),
             report.files_deleted, report.bytes_freed, report.kept_for_findings, report.rows_cleared,
             report.dirs_removed, report.errors)
    return report


def _purge_rows(session: Session, data_dir: Path, cutoff: datetime, tally: Counter[str],
                after_batch: Callable[[], None] | None) -> None:
    last_id = 0
    while True:  # by id, so rows kept for findings are passed over rather than read again
        rows = session.execute(
            select(Observation.id, Observation.snapshot_path)
            .where(Observation.snapshot_path.is_not(None), Observation.observed_at < cutoff, Observation.id > last_id)
            .order_by(Observation.id).limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1].id
        paths = {row.snapshot_path for row in rows}
        held = _held_by_findings(session, paths)
        tally["kept_for_findings"] += len(held)
        gone = [path for path in sorted(paths - held) if _delete(data_dir, path, tally)]
        if gone:
            cleared = session.execute(update(Observation).where(Observation.snapshot_path.in_(gone))
                                      .values(snapshot_path=None))
            tally["rows_cleared"] += cleared.rowcount
        if after_batch is not None:
            after_batch()


def _sweep_orphans(session: Session, data_dir: Path, cutoff: datetime, tally: Counter[str]) -> None:
    for day_dir in _old_day_dirs(data_dir.joinpath(*EVIDENCE_DIR.parts), cutoff):
        prefix = day_dir.relative_to(data_dir).as_posix()
        with os.scandir(day_dir) as entries:
            names = sorted(entry.name for entry in entries if entry.is_file(follow_symlinks=False))
        for start in range(0, len(names), BATCH):
            paths = {f"{prefix}/{name}" for name in names[start:start + BATCH]}
            referenced = set(session.scalars(select(Observation.snapshot_path)
                                             .where(Observation.snapshot_path.in_(paths))))
            held = _held_by_findings(session, paths - referenced)
            tally["kept_for_findings"] += len(held)
            for path in sorted(paths - referenced - held):
                _delete(data_dir, path, tally)
        try:
            day_dir.rmdir()
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                log.warning("evidence retention: folder %s not removed: %s", prefix, error)
                tally["errors"] += 1
        else:
            tally["dirs_removed"] += 1


def _held_by_findings(session: Session, paths: Collection[str]) -> set[str]:
    """Those of ``paths`` that a finding not dismissed holds, by path or through its observation."""
    if not paths:
        return set()
    live = Finding.status != FindingStatus.DISMISSED
    named = (select(FindingEvidence.snapshot_path).join(Finding, Finding.id == FindingEvidence.finding_id)
             .where(live, FindingEvidence.snapshot_path.in_(paths)))
    observed = (select(Observation.snapshot_path)
                .join(FindingEvidence, FindingEvidence.observation_id == Observation.id)
                .join(Finding, Finding.id == FindingEvidence.finding_id)
                .where(live, Observation.snapshot_path.in_(paths)))
    return set(session.scalars(union(named, observed)))


def _delete(data_dir: Path, relative: str, tally: Counter[str]) -> bool:
    """Delete one evidence file; ``True`` when it is gone (deleted now or before), so its rows may be cleared."""
    parts = PurePosixPath(relative).parts
    if parts[:len(EVIDENCE_DIR.parts)] != EVIDENCE_DIR.parts or len(parts) == len(EVIDENCE_DIR.parts) or ".." in parts:
        log.warning("evidence retention: %r is not under %s; left alone", relative, EVIDENCE_DIR)
        tally["errors"] += 1
        return False
    path = data_dir.joinpath(*parts)
    try:
        size = path.lstat().st_size
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError as error:
        log.warning("evidence retention: %s not deleted: %s", relative, error)
        tally["errors"] += 1
        return False
    tally["files_deleted"] += 1
    tally["bytes_freed"] += size
    return True


def _old_day_dirs(root: Path, cutoff: datetime) -> Iterator[Path]:
    """``<camera>/<YYYY-MM-DD>`` folders under ``root`` whose whole (UTC) day lies before ``cutoff``."""
    if not root.is_dir():
        return
    for camera_dir in sorted(root.iterdir()):
        if camera_dir.is_symlink() or not camera_dir.is_dir():
            continue
        for day_dir in sorted(camera_dir.iterdir()):
            day = _day(day_dir.name)
            if (day is not None and not day_dir.is_symlink() and day_dir.is_dir()
                    and datetime.combine(day + timedelta(days=1), time(), timezone.utc) <= cutoff):
                yield day_dir


def _day(name: str) -> date | None:
    if not _DAY_DIR.fullmatch(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:  # 2026-02-30
        return None
