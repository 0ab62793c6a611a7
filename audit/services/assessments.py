"""What a manager enters for an official's month: the general criterion's parts no camera sees and, for a
leader, the task results of Art. 15. Stored once per official and month; every change is in the change log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.general import MANAGER_PARTS, ManagerParts, parts_problem
from audit.rules.scoring import TASK_MAX, period_bounds, q2
from audit.services.scoring_settings import general_weights
from models.access import ChangeLog
from models.enums import ChangeAction
from models.org import Staff
from models.scoring import ManagerAssessment

FIELDS = (*MANAGER_PARTS, "leader_task")


def points(text: str | Decimal | None, name: str) -> Decimal | None:
    """A points value as entered (a decimal comma is accepted); None for blank.

    Raises:
        ValueError: not a number.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{name}: {text!r} is not a number of points") from None
    if not value.is_finite():
        raise ValueError(f"{name}: {text!r} is not a number of points")
    return q2(value)


def set_assessment(session: Session, staff_code: str, month: str, *, by: str, now: datetime,
                   note: str | None = None, **given: Decimal | None) -> ManagerAssessment:
    """Enter (or replace) the manager's parts for ``staff_code``'s ``month``; the fields not given stay as they were.

    Raises:
        BadMonth: ``month`` is not YYYY-MM.
        LookupError: no official has that code.
        ValueError: an unknown field, a value outside its part's points, or a leader's task results for someone
            who is not a leader.
    """
    period_bounds(month)
    unknown = set(given) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown part {sorted(unknown)[0]!r}: expected {', '.join(FIELDS)}")
    person = session.scalars(select(Staff).where(Staff.code == staff_code)).one_or_none()
    if person is None:
        raise LookupError(f"no official with code {staff_code!r}")
    row = session.scalars(select(ManagerAssessment).where(ManagerAssessment.staff_id == person.id,
                                                          ManagerAssessment.month == month)).one_or_none()
    before = {name: (None if row is None or getattr(row, name) is None else str(q2(getattr(row, name))))
              for name in FIELDS}
    wanted = {name: (given[name] if name in given else (None if row is None else getattr(row, name)))
              for name in FIELDS}
    problem = parts_problem(ManagerParts(*(wanted[name] for name in MANAGER_PARTS)), general_weights(session))
    if problem is not None:
        raise ValueError(problem)
    leader_task = wanted["leader_task"]
    if leader_task is not None and not person.is_leader:
        raise ValueError(f"leader_task: {staff_code} is not a leader (leader = true in the staff list)")
    if leader_task is not None and not Decimal(0) <= Decimal(leader_task) <= TASK_MAX:
        raise ValueError(f"leader_task: {leader_task} is outside 0..70")
    if row is None:
        row = ManagerAssessment(staff_id=person.id, month=month, entered_by=by, entered_at=now)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, wanted[name])
    row.entered_by, row.entered_at = by, now
    if note is not None:
        row.note = note.strip() or None
    after = {name: None if wanted[name] is None else str(q2(wanted[name])) for name in FIELDS}
    session.add(ChangeLog(at=now, actor=by, source="scores", entity_type="manager_assessment",
                          entity_key=f"{staff_code}/{month}", action=ChangeAction.UPDATE,
                          changes={k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}, note=row.note))
    session.flush()
    return row
