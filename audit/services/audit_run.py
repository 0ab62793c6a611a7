"""``audit run``: read a unit's (or the site's) desks, calendars, rosters, leave and observations for some days,
run the rules (audit/rules/engine.py) and store the findings (audit/services/findings.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.engine import Proposal, SessionPlan, audit, desk_day_table
from audit.rules.findings import RuleSettings
from audit.rules.timeline import UNKNOWN, Observations, Sessions, state_codes
from audit.services.calendars import NoHoursProfile, calendar_for
from audit.services.checklists import ensure_default_template, item_for_finding
from audit.services.coverage import desk_cameras
from audit.services.daily_facts import unit_and_descendants
from audit.services.findings import NewFinding, StoreReport, store
from audit.services.rosters import excuses, expected_staff, half_of
from audit.services.scoring_settings import unit_absence_rule
from audit.services.thresholds import desk_thresholds
from audit.services.zone_review import desk_zone_versions
from models.enums import DEFAULT_TIMEZONE, FindingKind
from models.observing import Observation, desk_health, desk_queue
from models.org import Desk, Staff, Unit

MAX_GAP = timedelta(minutes=2)
EVIDENCE_LIMIT = 12


@dataclass
class AuditReport:
    """What one audit run did."""

    days: list[date]
    desks: int = 0
    sessions: int = 0
    observations: int = 0
    stored: StoreReport = field(default_factory=StoreReport)
    by_kind: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class DayFacts:
    """Facts of the desks and officials of some days, as the rules saw them (for reports and pages)."""

    desks: pd.DataFrame  # desk_id, desk_code, unit_code, day, scheduled, present, absent, unknown, … (minutes)
    officials: pd.DataFrame  # staff_id, desk_id, day, scheduled, present, absent, unknown, excused (minutes)


class Auditor:
    """The desks of a scope with what judging them needs: rule settings, calendars, checklist items."""

    def __init__(self, session: Session, *, unit_code: str | None = None, settings: RuleSettings | None = None,
                 max_gap: timedelta = MAX_GAP):
        base = settings or RuleSettings()
        query = (select(Desk).join(Unit, Desk.unit_id == Unit.id).where(Desk.active.is_(True))
                 .order_by(Unit.code, Desk.code))
        if unit_code is not None:
            query = query.where(Desk.unit_id.in_(unit_and_descendants(session, unit_code)))
        self.session, self.max_gap = session, max_gap
        self.desks = list(session.scalars(query))
        thresholds = desk_thresholds(session, self.desks, base={
            "unattended_minutes": int(base.unattended_minutes), "unattended_queue_min": base.queue_min,
            "camera_fault_minutes": int(base.camera_gap_minutes)})
        self.settings = [RuleSettings(
            late_grace_minutes=base.late_grace_minutes, early_leave_grace_minutes=base.early_leave_grace_minutes,
            unattended_minutes=thresholds[d.id].unattended_minutes, queue_min=thresholds[d.id].unattended_queue_min,
            camera_gap_minutes=thresholds[d.id].camera_fault_minutes,
            unknown_tolerance_minutes=max_gap.total_seconds() / 60) for d in self.desks]
        self.long_queue = [thresholds[d.id].long_queue_length for d in self.desks]
        self.with_camera = {desk_id for desk_id, found in desk_cameras(session, [d.id for d in self.desks],
                                                                        enabled_only=False).items() if found}
        self.staff_codes = dict(session.execute(select(Staff.id, Staff.code)).all())
        self.zone_versions = desk_zone_versions(session, [d.id for d in self.desks])  # what each desk is seen through
        self.calendars: dict[int, object] = {}
        self.unit_absence = unit_absence_rule(session)
        self._items = None

    def judge(self, day: date):
        """The rules' result for ``day``: (AuditResult, plan, observations frame, excuses), or None when nothing is
        scheduled."""
        rows = []  # (desk index, start, end, number, half)
        for index, desk in enumerate(self.desks):
            calendar = self._calendar(desk)
            if calendar is None:
                continue
            for number, interval in enumerate(calendar.intervals(day, saturday_desk=desk.saturday_reception)):
                half = half_of(interval.start.astimezone(calendar.zone))
                rows.append((index, _us(interval.start), _us(interval.end), number, half))
        if not rows:
            return None
        expected = expected_staff(self.session, [d.id for d in self.desks], day, day)
        staff = [tuple(sorted(expected.get((self.desks[i].id, day, half), ()))) for i, _, _, _, half in rows]
        plan = SessionPlan(Sessions(np.array([r[0] for r in rows], dtype=np.int64),
                                    np.array([r[1] for r in rows], dtype=np.int64),
                                    np.array([r[2] for r in rows], dtype=np.int64)),
                           day=[day] * len(rows), number=[r[3] for r in rows], staff=staff)
        first, last = _at(min(r[1] for r in rows)) - self.max_gap, _at(max(r[2] for r in rows))
        frame = _observations(self.session, [d.id for d in self.desks], first, last)
        observations = _arrays(frame, {d.id: i for i, d in enumerate(self.desks)})
        everyone = sorted({s for group in staff for s in group})
        leave = excuses(self.session, everyone, first, last + self.max_gap) if everyone else {}
        excused = {sid: [(_us(e.starts_at), _us(e.ends_at)) for e in spans] for sid, spans in leave.items()}
        result = audit(observations, plan, settings=self.settings, excused=excused,
                       max_gap_us=_us_delta(self.max_gap), long_queue_length=max(self.long_queue, default=8),
                       cameras=[d.id in self.with_camera for d in self.desks],
                       units=[d.unit_id for d in self.desks], unit_absence=self.unit_absence)
        return result, plan, frame, leave

    def new_findings(self, result, frame, leave) -> list[NewFinding]:
        if self._items is None:
            ensure_default_template(self.session)
            self._items = {kind: item_for_finding(self.session, kind) for kind in FindingKind}
        return [_new_finding(p, self.desks, self.calendars, self._items, self.staff_codes, frame, leave,
                             self.zone_versions) for p in result.proposals]

    def _calendar(self, desk: Desk):
        if desk.id not in self.calendars:
            try:
                self.calendars[desk.id] = calendar_for(self.session, desk.unit, desk)
            except NoHoursProfile:
                self.calendars[desk.id] = None
        return self.calendars[desk.id]


def run_audit(session: Session, days: Sequence[date], *, now: datetime, unit_code: str | None = None,
              settings: RuleSettings | None = None, max_gap: timedelta = MAX_GAP,
              progress: Callable[[date], None] | None = None) -> AuditReport:
    """Audit each local day of ``days`` for the active desks of ``unit_code`` (and below) or the whole site.

    Findings are stored in the caller's transaction; re-running keeps every human decision.

    Raises:
        LookupError: unknown unit code.
    """
    auditor = Auditor(session, unit_code=unit_code, settings=settings, max_gap=max_gap)
    report = AuditReport(sorted(set(days)), desks=len(auditor.desks))
    desk_ids = [d.id for d in auditor.desks]
    for day in report.days:
        judged = auditor.judge(day) if desk_ids else None
        new = []
        if judged is not None:
            result, plan, frame, leave = judged
            report.sessions += len(plan.sessions)
            report.observations += len(frame)
            new = auditor.new_findings(result, frame, leave)
            report.by_kind.update(n.kind for n in new)
        stored = store(session, new, desk_ids=desk_ids, days=[day], now=now)
        for name in ("updated", "unchanged", "kept", "withdrawn"):
            setattr(report.stored, name, getattr(report.stored, name) + getattr(stored, name))
        report.stored.created.update(stored.created)
        if progress is not None:
            progress(day)
    return report


def day_facts(session: Session, days: Sequence[date], *, unit_code: str | None = None,
              progress: Callable[[date], None] | None = None) -> DayFacts:
    """Desk-day facts and per-official minutes over ``days`` (nothing is stored)."""
    auditor = Auditor(session, unit_code=unit_code)
    tables, minutes = [], {}
    for day in sorted(set(days)):
        judged = auditor.judge(day) if auditor.desks else None
        if judged is not None:
            result, plan, _, _ = judged
            table = desk_day_table(result, plan)
            table["desk_id"] = [auditor.desks[i].id for i in table["desk"]]
            tables.append(table)
            for (staff_id, desk, when), values in result.official_minutes.items():
                minutes[(staff_id, auditor.desks[desk].id, when)] = values
        if progress is not None:
            progress(day)
    desks = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        columns=["desk_id", "day", "scheduled", "present", "absent", "unknown", "first_seen", "last_seen",
                 "longest_absence", "queue_max", "queue_area", "queue_long"])
    officials = pd.DataFrame([{"staff_id": s, "desk_id": d, "day": when, **v} for (s, d, when), v in minutes.items()],
                             columns=["staff_id", "desk_id", "day", "scheduled", "present", "absent", "unknown",
                                      "excused"])
    return DayFacts(desks.drop(columns=["desk"], errors="ignore"), officials)


def _observations(session: Session, desk_ids: list[int], first: datetime, last: datetime) -> pd.DataFrame:
    rows = session.execute(
        select(Observation.id, Observation.desk_id, Observation.observed_at, desk_health(), Observation.presence,
               desk_queue(), Observation.snapshot_path)
        .where(Observation.desk_id.in_(desk_ids), Observation.observed_at >= first, Observation.observed_at < last)
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "desk_id", "observed_at", "health", "presence", "queue", "snapshot"])
    if frame.empty:
        return frame.assign(at=pd.Series(dtype=np.int64))
    frame["at"] = [_us(t) for t in frame["observed_at"]]
    return frame.sort_values(["desk_id", "at"], kind="stable").reset_index(drop=True)


def _arrays(frame: pd.DataFrame, index_of: dict[int, int]) -> Observations:
    if frame.empty:
        empty = np.array([], dtype=np.int64)
        return Observations(empty, empty, empty.astype(np.int8), empty.astype(float))
    desk = frame["desk_id"].map(index_of).to_numpy(dtype=np.int64)
    state = state_codes(frame["health"].astype(str).to_numpy(), frame["presence"].astype(str).to_numpy())
    queue = pd.to_numeric(frame["queue"], errors="coerce").to_numpy(dtype=float, copy=True)
    queue[state == UNKNOWN] = np.nan
    order = np.lexsort((frame["at"].to_numpy(), desk))
    return Observations(desk[order], frame["at"].to_numpy(dtype=np.int64)[order], state[order],
                        queue[order])


def _new_finding(p: Proposal, desks, calendars, items, staff_codes, frame: pd.DataFrame, leave,
                 zone_versions: dict[int, dict[str, int]]) -> NewFinding:
    desk = desks[p.desk]
    kind = FindingKind(p.draft.kind)
    item = items.get(kind) if p.staff is not None else None
    details = dict(p.draft.details)
    if "empty_desks" in details:
        details["empty_desks"] = [desks[i].code for i in details["empty_desks"]]
    if "gaps" in details:
        details["gaps"] = [[_at(a).isoformat(), _at(b).isoformat()] for a, b in details["gaps"]]
    if p.staff is not None and leave.get(p.staff):
        details["excused_that_day"] = [
            {"kind": str(e.kind), "from": e.starts_at.isoformat(), "to": e.ends_at.isoformat(),
             "document": e.document_ref} for e in leave[p.staff]]
    calendar = calendars[desk.id]
    return NewFinding(
        kind=kind.value, unit_id=desk.unit_id, desk_id=desk.id, desk_code=desk.code, staff_id=p.staff,
        staff_code=staff_codes.get(p.staff), day=p.day, session_number=p.session_number,
        starts_at=_at(p.draft.start), ends_at=_at(p.draft.end), minutes=p.draft.minutes, queue_max=p.draft.queue_max,
        deduction=Decimal(item.deduction) if item is not None and item.deduction is not None else None,
        item_number=item.number if item is not None else None,
        timezone=str(calendar.zone) if calendar is not None else DEFAULT_TIMEZONE,
        details=details, evidence=_evidence(frame, desk.id, p.draft.start, p.draft.end),
        zone_versions=zone_versions.get(desk.id) or None)


def _evidence(frame: pd.DataFrame, desk_id: int, start: int, end: int) -> tuple[tuple[int | None, str | None], ...]:
    """The first and last sample of the span and its stored snapshots, at most EVIDENCE_LIMIT."""
    if frame.empty:
        return ()
    desks = frame["desk_id"].to_numpy()
    lo, hi = np.searchsorted(desks, desk_id, side="left"), np.searchsorted(desks, desk_id, side="right")
    times = frame["at"].to_numpy()[lo:hi]
    a, b = lo + np.searchsorted(times, start, side="left"), lo + np.searchsorted(times, end, side="left")
    if a >= b:
        return ()
    snapshots = frame["snapshot"].to_numpy()[a:b]
    picked = [a] + [a + int(i) for i in np.flatnonzero(pd.notna(snapshots))] + [b - 1]
    unique = list(dict.fromkeys(picked))
    if len(unique) > EVIDENCE_LIMIT:
        unique = [*unique[: EVIDENCE_LIMIT - 1], unique[-1]]
    ids, paths = frame["id"].to_numpy(), frame["snapshot"].to_numpy()
    return tuple((int(ids[i]), paths[i] if pd.notna(paths[i]) else None) for i in unique)


def _us(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}")
    delta = at - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _us_delta(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _at(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(us))
