"""The life of a finding after the rules propose it: explanation (giải trình), then a person's decision.

proposed → awaiting_explanation → confirmed | dismissed; a proposed finding may also be dismissed at
once, and a decided one reopened (back to awaiting explanation) with a reason. Every change writes a
Decision row (who, when, why) and the history is never rewritten. Only a confirmed finding ever
costs points (audit/services/scores.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.access import User
from models.enums import DecisionAction, FindingStatus
from models.findings import Decision, Explanation, Finding
from models.org import Staff

ALLOWED = {
    DecisionAction.REQUEST_EXPLANATION: ({FindingStatus.PROPOSED}, FindingStatus.AWAITING_EXPLANATION),
    DecisionAction.CONFIRM: ({FindingStatus.AWAITING_EXPLANATION}, FindingStatus.CONFIRMED),
    DecisionAction.DISMISS: ({FindingStatus.PROPOSED, FindingStatus.AWAITING_EXPLANATION}, FindingStatus.DISMISSED),
    DecisionAction.REOPEN: ({FindingStatus.CONFIRMED, FindingStatus.DISMISSED}, FindingStatus.AWAITING_EXPLANATION),
}
NEEDS_REASON = {DecisionAction.CONFIRM, DecisionAction.DISMISS, DecisionAction.REOPEN}


class WorkflowError(ValueError):
    """A step the finding's status does not allow, or a step without what it needs (a reason, a person)."""


def decide(session: Session, finding_id: int, action: DecisionAction | str, *, by: User, now: datetime,
           reason: str | None = None) -> Finding:
    """Apply ``action`` to the finding as user ``by``; raises WorkflowError when the status does not allow it.

    Confirming needs the official's explanation to have been asked for first (docs/AUDIT.md: a camera
    proposal is never a deduction until a person confirms it after the explanation).
    """
    action = DecisionAction(action)
    finding = _finding(session, finding_id)
    allowed_from, to_status = ALLOWED[action]
    if finding.status not in allowed_from:
        names = ", ".join(sorted(s.value for s in allowed_from))
        raise WorkflowError(f"finding #{finding.id} is {finding.status.value}: {action.value} needs {names}")
    reason = (reason or "").strip() or None
    if action in NEEDS_REASON and reason is None:
        raise WorkflowError(f"finding #{finding.id}: {action.value} needs a reason")
    if by is None or not by.active:
        raise WorkflowError(f"finding #{finding.id}: decisions need an active user")
    session.add(Decision(finding_id=finding.id, action=action, from_status=finding.status, to_status=to_status,
                         reason=reason, decided_by_id=by.id, decided_at=now))
    finding.status = to_status
    if to_status in (FindingStatus.CONFIRMED, FindingStatus.DISMISSED):
        finding.decided_by_id, finding.decided_at, finding.decision_reason = by.id, now, reason
    else:
        finding.decided_by_id = finding.decided_at = finding.decision_reason = None
    session.flush()
    return finding


def explain(session: Session, finding_id: int, text: str, *, now: datetime, by: User | None = None,
            staff_code: str | None = None, attachment_ref: str | None = None) -> Explanation:
    """Record the official's explanation of a finding that awaits one."""
    finding = _finding(session, finding_id)
    if finding.status is not FindingStatus.AWAITING_EXPLANATION:
        raise WorkflowError(f"finding #{finding.id} is {finding.status.value}: explanations are taken while it "
                            "awaits one (request it first)")
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"finding #{finding.id}: the explanation is empty")
    staff_id = finding.staff_id
    if staff_code is not None:
        staff_id = session.scalar(select(Staff.id).where(Staff.code == staff_code))
        if staff_id is None:
            raise WorkflowError(f"no official with code {staff_code!r}")
    explanation = Explanation(finding_id=finding.id, staff_id=staff_id, text=text, attachment_ref=attachment_ref,
                              submitted_at=now, submitted_by_id=by.id if by is not None else None)
    session.add(explanation)
    session.flush()
    return explanation


def user_named(session: Session, username: str) -> User:
    """The active user ``username``; WorkflowError when there is none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise WorkflowError(f"no active user {username!r} (add one with `deskaudit users add`)")
    return user


def _finding(session: Session, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise WorkflowError(f"no finding #{finding_id}")
    return finding
