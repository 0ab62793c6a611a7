"""The month lock (chốt kết quả) and the amendments a locked month's later recomputation records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.scoring import CLASS_LABELS_VI, format_vi, period_bounds, q2
from audit.services.daily_facts import scope_units
from models.access import ChangeLog
from models.enums import ChangeAction, Classification, local_zone
from models.org import Staff, Unit
from models.scoring import Score, ScoreAmendment, ScoreLock


@dataclass(frozen=True)
class MonthLock:
    """A unit's month locked (chốt kết quả)."""

    unit_code: str
    locked_at: datetime
    locked_by: str

    @property
    def text(self) -> str:
        at = self.locked_at.astimezone(local_zone())
        return f"{self.unit_code}: đã chốt kết quả lúc {at:%H:%M %d/%m/%Y}, người chốt {self.locked_by}"


def _figures(raw, general, task, total, cls) -> dict[str, str | None]:
    return {"discipline_raw": str(q2(raw)), "general_points": str(q2(general)),
            "task_points": None if task is None else str(q2(task)), "total": None if total is None else str(q2(total)),
            "classification": cls.value if cls is not None else None}


_FIGURE_VI = {"discipline_raw": "điểm kỷ luật", "general_points": "tiêu chí chung", "task_points": "điểm nhiệm vụ",
              "total": "tổng điểm", "classification": "mức xếp loại"}


def amend(row: Score, score, by: str, now: datetime) -> None:
    """Record how a locked score changes: each figure before and after, and the deductions added or dropped."""
    before = _figures(row.discipline_raw, row.general_points, row.task_points, row.total, row.classification)
    after = _figures(score.raw, score.general, score.task, score.total, score.classification)
    old = {(d.finding_id, d.inspection_result_id, str(q2(d.points)), d.reason) for d in row.deductions
           if d.finding_id is not None or d.inspection_result_id is not None}
    new = {(d.finding_id, d.inspection_result_id, str(d.points), d.reason) for d in score.deductions}
    changes: dict = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes and old == new:
        return
    parts = [f"{_FIGURE_VI[k]} {_shown(k, a)} → {_shown(k, b)}" for k, (a, b) in changes.items()]
    parts += [f"thêm khoản trừ −{format_vi(Decimal(p))}: {r}" for _, _, p, r in sorted(new - old, key=str)]
    parts += [f"bỏ khoản trừ −{format_vi(Decimal(p))}: {r}" for _, _, p, r in sorted(old - new, key=str)]
    changes["deductions_added"] = sorted(r for *_, r in new - old)
    changes["deductions_dropped"] = sorted(r for *_, r in old - new)
    at = now.astimezone(local_zone())
    row.amendments.append(ScoreAmendment(at=now, by=by, changes=changes, reason=(
        f"Điều chỉnh sau khi chốt, {at:%H:%M %d/%m/%Y}, người tính lại {by}: " + "; ".join(parts))))


def _shown(key: str, value: str | None) -> str:
    if value is None:
        return "-"
    if key == "classification":
        return CLASS_LABELS_VI[Classification(value)]
    return format_vi(Decimal(value))


def month_locks(session: Session, month: str, units: list[Unit]) -> tuple[MonthLock, ...]:
    """The locks of ``month`` among ``units``, by unit code."""
    codes = {u.id: u.code for u in units}
    rows = session.scalars(select(ScoreLock).where(ScoreLock.month == month, ScoreLock.unit_id.in_(list(codes))))
    return tuple(sorted((MonthLock(codes[r.unit_id], r.locked_at, r.locked_by) for r in rows),
                        key=lambda lock: lock.unit_code))


class LockRefused(ValueError):
    """A month that cannot be locked yet: not over, or with no stored scores in a unit."""


def lock_month(session: Session, month: str, *, unit_code: str | None = None, by: str, now: datetime,
               note: str | None = None) -> list[MonthLock]:
    """Lock (chốt) ``month`` for the scope's units that are not locked yet; returns the new locks.

    Raises:
        BadMonth: ``month`` is not YYYY-MM.
        LookupError: no unit has the code ``unit_code``.
        LockRefused: the month is not over, or a unit of the scope with officials has no stored scores for it.
    """
    _, last = period_bounds(month)
    if now.astimezone(local_zone()).date() <= last:
        raise LockRefused(f"month {month} is not over yet: it can be locked from {last + timedelta(days=1):%d/%m/%Y}")
    units = scope_units(session, unit_code)
    done = {lock.unit_code for lock in month_locks(session, month, units)}
    staffed = set(session.scalars(select(Staff.unit_id).where(Staff.active.is_(True),
                                                               Staff.unit_id.in_([u.id for u in units]))))
    scored = set(session.scalars(select(Score.unit_id).where(Score.month == month,
                                                              Score.unit_id.in_([u.id for u in units]))))
    missing = sorted(u.code for u in units if u.id in staffed and u.id not in scored)
    if missing:
        raise LockRefused(f"no scores stored for {month} in {', '.join(missing)}: run `deskaudit scores compute "
                          f"{month}` first")
    added = []
    for unit in units:
        if unit.code in done:
            continue
        session.add(ScoreLock(month=month, unit_id=unit.id, locked_at=now, locked_by=by, note=note))
        added.append(MonthLock(unit.code, now, by))
    if added:
        session.add(ChangeLog(at=now, actor=by, source="scores", entity_type="score_lock", entity_key=month,
                              action=ChangeAction.CREATE, note=note,
                              changes={"units": [None, [lock.unit_code for lock in added]]}))
    session.flush()
    return added
