"""The checklist failures of FINAL inspections in a month, as deduction lines (for officials and units)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.ranking import DeductionLine
from audit.rules.scoring import period_bounds, q2
from audit.services.staff_voice import awaiting_reply
from models.checklists import ChecklistItem, Inspection, InspectionResult
from models.enums import InspectionStatus, ItemResult, ItemScope, local_zone
from models.org import Unit

REFER_DISCIPLINE_VI = "chuyển xem xét kỷ luật"
AWAITING_REPLY_VI = "chờ ý kiến của người được kiểm tra đến hết ngày {due:%d/%m/%Y}, chưa trừ điểm"
_WIDEST_OFFSET = timedelta(hours=14)  # no timezone is further from UTC



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

    def awaiting_reply(self, now: datetime) -> bool:
        """May the official still reply to this result (the record's reply day not passed, no reply of theirs)?"""
        return self.staff_id is not None and self.staff_id in awaiting_reply(self.inspection, now)

    def line(self, *, now: datetime | None = None) -> DeductionLine | None:
        """Its deduction (item deduction × occurrences), a 0-point referral line, or None if it deducts nothing.

        With ``now``, a result the official may still reply to costs nothing yet: its line reads so, at 0 points.
        """
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
        if now is not None and self.awaiting_reply(now):
            reason += f" – {AWAITING_REPLY_VI.format(due=self.inspection.reply_due)}"
            points = Decimal("0.00")
        return DeductionLine(points, f"{reason} (kết quả #{self.result.id})", None, self.result.id)


def failed_items(session: Session, month: str, scope: ItemScope, *, unit_ids: Sequence[int] | None = None
                 ) -> list[FailedItem]:
    """FAIL results of ``scope`` items in FINAL inspections started in ``month`` (local time of the unit)."""
    first, last = period_bounds(month)
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
        local_day = inspection.started_at.astimezone(local_zone(zone)).date()
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
