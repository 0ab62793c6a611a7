"""Findings as stored: proposals written idempotently, human decisions never overwritten.

A proposal's fingerprint names the rule hit (kind family, desk, official, day, session, and for
unattended spans the minute the span began). Re-running the audit for a day finds the same rows:
a finding still *proposed* is brought up to date; one a person has acted on (awaiting explanation,
confirmed, dismissed) is left as it is, and a changed rule result is only noted beside it. A
proposed finding the rules no longer make (a leave entered later, a corrected roster) is withdrawn.

Each finding keeps the zone versions it was computed under (audit/services/zone_review.py). Writing a
proposed finding again records the current versions and clears a re-review flag; a flagged finding that
awaits explanation keeps its text, and its flag is cleared only when the rules, under the current zones,
still give the same result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from audit.rules.findings import (
    ABSENT_SESSION,
    EARLY_LEAVE,
    LATE_ARRIVAL,
    RULE_VERSION,
    UNATTENDED,
    UNATTENDED_QUEUE,
)
from audit.services.zone_review import clear_review
from models.enums import FindingKind, FindingStatus
from models.findings import Finding, FindingEvidence

SESSION_VI = {0: "buổi sáng", 1: "buổi chiều"}
FAMILY = {UNATTENDED_QUEUE: UNATTENDED}  # one span, whether or not someone waited


@dataclass(frozen=True)
class NewFinding:
    """A proposal ready to store: codes for the fingerprint, ids for the row, local times for the text."""

    kind: str
    unit_id: int
    desk_id: int
    desk_code: str
    staff_id: int | None
    staff_code: str | None
    day: date
    session_number: int | None
    starts_at: datetime
    ends_at: datetime
    minutes: float
    queue_max: int | None
    deduction: Decimal | None
    item_number: int | None
    timezone: str
    details: dict = field(default_factory=dict)
    evidence: tuple[tuple[int | None, str | None], ...] = ()  # (observation id, snapshot path)
    zone_versions: dict[str, int] | None = None  # {"CAMERA/zone": version} of the desk's zones; None: no zones

    @property
    def fingerprint(self) -> str:
        parts = [FAMILY.get(self.kind, self.kind), self.desk_code, self.staff_code or "-", self.day.isoformat()]
        if self.session_number is not None:
            parts.append(f"s{self.session_number}")
        if FAMILY.get(self.kind, self.kind) == UNATTENDED:
            parts.append(self.starts_at.astimezone(timezone.utc).strftime("%H%M"))
        return "|".join(parts)

    def summary(self) -> str:
        zone = ZoneInfo(self.timezone)
        start, end = (t.astimezone(zone).strftime("%H:%M") for t in (self.starts_at, self.ends_at))
        minutes = _whole(self.minutes)
        where = f"quầy {self.desk_code}, {self.day.strftime('%d/%m/%Y')}"
        part = (SESSION_VI.get(self.session_number, f"buổi {self.session_number + 1}")
                if self.session_number is not None else "")
        if self.kind == LATE_ARRIVAL:
            return f"Đi muộn {minutes} phút ({part}, có mặt lúc {end}), {where}"
        if self.kind == EARLY_LEAVE:
            return f"Về sớm {minutes} phút ({part}, rời quầy lúc {start}), {where}"
        if self.kind == ABSENT_SESSION:
            return f"Vắng cả {part} ({start}–{end}), {where}"
        if self.kind == UNATTENDED_QUEUE:
            return f"Vắng quầy {minutes} phút ({start}–{end}) khi có {self.queue_max} người chờ, {where}"
        if self.kind == UNATTENDED:
            return f"Vắng quầy {minutes} phút ({start}–{end}), {where}"
        return f"Camera không quan sát được {minutes} phút ({start}–{end}), {where}"


@dataclass
class StoreReport:
    created: Counter = field(default_factory=Counter)
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # acted on by a person: left as it was
    withdrawn: int = 0


def store(session: Session, proposals: Iterable[NewFinding], *, desk_ids: Sequence[int], days: Sequence[date],
          now: datetime) -> StoreReport:
    """Write the proposals of these desks and days; the scope is what a re-run may withdraw from."""
    report = StoreReport()
    existing = {f.fingerprint: f for f in _in_scope(session, desk_ids, days)}
    seen = set()
    for new in proposals:
        key = new.fingerprint
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is None:
            session.add(_row(new, now))
            report.created[new.kind] += 1
        elif row.status is FindingStatus.PROPOSED:
            if _refresh(row, new):
                report.updated += 1
            else:
                report.unchanged += 1
        else:
            report.kept += 1
            _note_rule_result(row, new, now)
            _settle_review(row, new)
    for key, row in existing.items():
        if key in seen:
            continue
        if row.status is FindingStatus.PROPOSED and not row.decisions and not row.explanations:
            session.delete(row)
            report.withdrawn += 1
        elif row.status is not FindingStatus.PROPOSED and not (row.details or {}).get("no_longer_proposed_at"):
            row.details = {**(row.details or {}), "no_longer_proposed_at": now.isoformat()}
            if row.status is FindingStatus.CONFIRMED:
                row.details = {**row.details, RECONSIDER: {"at": now.isoformat(), "reason": reconsider_reason(row)}}
    session.flush()
    return report


def _in_scope(session: Session, desk_ids: Sequence[int], days: Sequence[date]) -> list[Finding]:
    if not desk_ids or not days:
        return []
    return list(session.scalars(
        select(Finding).where(Finding.desk_id.in_(list(desk_ids)), Finding.day.in_(list(days)))
        .options(selectinload(Finding.evidence), selectinload(Finding.decisions),
                 selectinload(Finding.explanations))))


def _values(new: NewFinding) -> dict:
    return {
        "kind": FindingKind(new.kind), "starts_at": new.starts_at, "ends_at": new.ends_at,
        "minutes": _whole(new.minutes), "proposed_deduction": new.deduction,
        "checklist_item_number": new.item_number, "rule_version": RULE_VERSION, "zone_versions": new.zone_versions,
        "summary": new.summary(),
        "details": {**new.details, "minutes_exact": round(new.minutes, 2), "queue_max": new.queue_max},
    }


def _row(new: NewFinding, now: datetime) -> Finding:
    row = Finding(fingerprint=new.fingerprint, unit_id=new.unit_id, desk_id=new.desk_id, staff_id=new.staff_id,
                  day=new.day, status=FindingStatus.PROPOSED, created_at=now, updated_at=now, **_values(new))
    row.evidence = [FindingEvidence(observation_id=o, snapshot_path=p) for o, p in new.evidence]
    return row


def _refresh(row: Finding, new: NewFinding) -> bool:
    """Bring a proposed finding up to date; True when anything changed."""
    changed = False
    for name, value in _values(new).items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    wanted = list(new.evidence)
    if [(e.observation_id, e.snapshot_path) for e in row.evidence] != wanted:
        row.evidence = [FindingEvidence(observation_id=o, snapshot_path=p) for o, p in wanted]
        changed = True
    return clear_review(row) or changed


def _settle_review(row: Finding, new: NewFinding) -> None:
    """A flagged finding awaiting explanation whose result the current zones give again: no longer in doubt."""
    if (row.status is FindingStatus.AWAITING_EXPLANATION and row.review_flagged_at is not None
            and row.kind.value == new.kind and row.minutes == _whole(new.minutes)):
        row.zone_versions = new.zone_versions
        clear_review(row)


RECONSIDER = "reconsider"  # details key: a confirmed finding the rules no longer propose (a late excuse)


def reconsider_reason(row: Finding) -> str:
    """Why a confirmed finding is back for a decision (Vietnamese, shown on the finding and the score)."""
    return (f"Cần xem xét lại: phát hiện #{row.id} ngày {row.day:%d/%m/%Y} không còn được đề xuất khi kiểm tra lại "
            f"(nghỉ phép, công tác hoặc lịch trực được ghi sau quyết định); tạm dừng trừ điểm đến khi quyết định lại")


def reconsidering(row: Finding) -> bool:
    """A confirmed finding whose deduction is suspended until a person decides it again."""
    return row.status is FindingStatus.CONFIRMED and RECONSIDER in (row.details or {})


def _note_rule_result(row: Finding, new: NewFinding, now: datetime) -> None:
    """Beside a decided finding, what the rules say now (when it differs); the decision itself stays."""
    latest = {"kind": new.kind, "minutes": _whole(new.minutes), "at": now.isoformat()}
    details = dict(row.details or {})
    details.pop("no_longer_proposed_at", None)
    details.pop(RECONSIDER, None)  # proposed again: the excuse is gone, the decision stands
    if ((row.minutes != latest["minutes"] or row.kind.value != new.kind)
            and (details.get("latest_rule_result") or {}).get("minutes") != latest["minutes"]):
        details["latest_rule_result"] = latest
    if details != (row.details or {}):
        row.details = details


def _whole(minutes: float) -> int:
    return int(minutes + 0.5)
