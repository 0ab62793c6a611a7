"""Unit scores and ranking for a month, and the checklist failures (FINAL inspections) they deduct.

A unit's score is the mean total of its scored officials minus the unit-scope checklist deductions
of the month's FINAL inspections (floor 0, 2 places), classified with the officials' thresholds.
Units without a scored official are listed but not ranked. Equal scores share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.scoring import classify, month_bounds, q2
from models.checklists import ChecklistItem, Inspection, InspectionResult
from models.enums import Classification, InspectionStatus, ItemResult, ItemScope
from models.org import Unit

REFER_DISCIPLINE_VI = "chuyển xem xét kỷ luật"
_WIDEST_OFFSET = timedelta(hours=14)  # no timezone is further from UTC


class DeductionLine(NamedTuple):
    """One deduction: points, Vietnamese reason, and its source (a finding or an inspection result)."""

    points: Decimal
    reason: str
    finding_id: int | None = None
    inspection_result_id: int | None = None


@dataclass(frozen=True)
class UnitInput:
    """What a unit's score is made of."""

    code: str
    name: str
    officials: int  # active officials in the unit
    totals: tuple[Decimal, ...]  # totals of the officials that have one
    deductions: tuple[DeductionLine, ...] = ()


@dataclass(frozen=True)
class UnitRank:
    """A unit's line in the ranking table; ``rank`` is None for a unit with no scored official."""

    code: str
    name: str
    officials: int
    scored: int
    mean: Decimal | None
    deduction_points: Decimal
    score: Decimal | None
    classification: Classification | None
    rank: int | None
    deductions: tuple[DeductionLine, ...] = ()


def unit_score(totals: Sequence[Decimal], deduction_points: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """(mean of the officials' totals, mean minus unit deductions floored at 0), both 2 places."""
    if not totals:
        return None, None
    mean = q2(sum(totals, Decimal(0)) / len(totals))
    return mean, max(q2(mean - deduction_points), Decimal("0.00"))


def rank_units(units: Iterable[UnitInput]) -> list[UnitRank]:
    """Score, classify and rank units: best first, then unranked units, ties by code."""
    scored = []
    for unit in units:
        points = q2(sum((line.points for line in unit.deductions), Decimal(0)))
        mean, score = unit_score(unit.totals, points)
        scored.append(UnitRank(unit.code, unit.name, unit.officials, len(unit.totals), mean, points, score,
                               classify(score), None, tuple(unit.deductions)))
    ranked = sorted((u for u in scored if u.score is not None), key=lambda u: (-u.score, u.code))
    result, previous, rank = [], None, 0
    for position, unit in enumerate(ranked, start=1):
        if unit.score != previous:
            rank, previous = position, unit.score
        result.append(replace(unit, rank=rank))
    return result + sorted((u for u in scored if u.score is None), key=lambda u: u.code)


# -- database -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FailedItem:
    """A FAIL result of a FINAL inspection, with what its deduction needs."""

    result: InspectionResult
    inspection: Inspection
    item: ChecklistItem
    local_day: date

    @property
    def staff_id(self) -> int | None:
        """Who the failure is attributed to: the result's official, else the inspection's."""
        return self.result.staff_id if self.result.staff_id is not None else self.inspection.staff_id

    @property
    def occurrences(self) -> int:
        return max(self.result.occurrences or 1, 1) if self.item.per_occurrence else 1

    def line(self) -> DeductionLine | None:
        """Its deduction (item deduction × occurrences), a 0-point referral line, or None if it deducts nothing."""
        ref = self.inspection.record_number or f"#{self.inspection.id}"
        times = f" ×{self.occurrences}" if self.occurrences > 1 else ""
        reason = (f"Biên bản kiểm tra {ref} ngày {self.local_day:%d/%m/%Y}: không đạt mục {self.item.number} "
                  f"\"{self.item.text_vi}\"{times}")
        if self.item.deduction is not None:
            points = q2(Decimal(self.item.deduction) * self.occurrences)
        elif self.item.refer_discipline:
            points = Decimal("0.00")
        else:
            return None
        if self.item.refer_discipline:
            reason += f" – {REFER_DISCIPLINE_VI}"
        return DeductionLine(points, f"{reason} (kết quả #{self.result.id})", None, self.result.id)


def failed_items(session: Session, month: str, scope: ItemScope, *, unit_ids: Sequence[int] | None = None
                 ) -> list[FailedItem]:
    """FAIL results of ``scope`` items in FINAL inspections started in ``month`` (local time of the unit)."""
    first, last = month_bounds(month)
    window_start = datetime.combine(first, time.min, timezone.utc) - _WIDEST_OFFSET
    window_end = datetime.combine(last + timedelta(days=1), time.min, timezone.utc) + _WIDEST_OFFSET
    query = (select(InspectionResult, Inspection, ChecklistItem, Unit.timezone)
             .join(Inspection, InspectionResult.inspection_id == Inspection.id)
             .join(ChecklistItem, InspectionResult.item_id == ChecklistItem.id)
             .join(Unit, Inspection.unit_id == Unit.id)
             .where(Inspection.status == InspectionStatus.FINAL, InspectionResult.result == ItemResult.FAIL,
                    ChecklistItem.scope == scope, Inspection.started_at >= window_start,
                    Inspection.started_at < window_end)
             .order_by(Inspection.started_at, Inspection.id, ChecklistItem.number, InspectionResult.id))
    if unit_ids is not None:
        query = query.where(Inspection.unit_id.in_(list(unit_ids)))
    found = []
    for result, inspection, item, zone in session.execute(query):
        local_day = inspection.started_at.astimezone(ZoneInfo(zone or "Asia/Ho_Chi_Minh")).date()
        if first <= local_day <= last:
            found.append(FailedItem(result, inspection, item, local_day))
    return found


def unit_deductions(session: Session, month: str, unit_ids: Sequence[int]) -> dict[int, list[DeductionLine]]:
    """Unit-scope checklist deductions of the month by unit id (units without any are absent)."""
    lines: dict[int, list[DeductionLine]] = {}
    for failed in failed_items(session, month, ItemScope.UNIT, unit_ids=unit_ids):
        line = failed.line()
        if line is not None:
            lines.setdefault(failed.inspection.unit_id, []).append(line)
    return lines
