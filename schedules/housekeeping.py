"""Housekeeping jobs of the sampler process: the nightly audit of the day before, evidence retention."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from models.enums import local_zone

log = logging.getLogger("deskaudit.schedules.housekeeping")

SITE_ZONE = local_zone()
AuditRunner = Callable[[Session, date], object]


def day_before(now: datetime, zone: ZoneInfo = SITE_ZONE) -> date:
    """The local day before ``now`` (aware): what the nightly audit covers."""
    return now.astimezone(zone).date() - timedelta(days=1)


def audit_day(session: Session, day: date, now: datetime) -> object:
    """The audit of every desk of the site for ``day`` (findings proposed; human decisions kept)."""
    from audit.services.audit_run import run_audit

    report = run_audit(session, [day], now=now)
    log.info("nightly audit for %s: %d session(s), %d new finding(s), %d withdrawn", day.isoformat(),
             report.sessions, sum(report.stored.created.values()), report.stored.withdrawn)
    return report


def nightly_audit(session_factory: sessionmaker[Session], now: datetime, runner: AuditRunner | None = None) -> date:
    """Run the audit for the day before ``now`` in one transaction (``runner`` replaces the audit, for tests)."""
    day = day_before(now)
    with session_factory.begin() as session:
        if runner is None:
            audit_day(session, day, now)
        else:
            runner(session, day)
    log.info("nightly audit for %s: done", day.isoformat())
    return day


def retention(session_factory: sessionmaker[Session], data_dir: Path, now: datetime, days: int):
    """Delete evidence frames older than ``days`` unless a finding holds them (see ``schedules.retention``).

    Commits after each batch: the sampler's writes wait for one batch at most, never for the whole backlog.
    """
    from schedules.retention import purge_evidence

    with session_factory() as session:
        report = purge_evidence(session, data_dir, now, days=days, after_batch=session.commit)
        session.commit()
        return report
