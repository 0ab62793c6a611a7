"""The life of a finding after the rules propose it: explanation (giải trình), then a person's decision.

proposed → awaiting_explanation → confirmed | dismissed; a proposed finding may also be dismissed at
once, and a decided one reopened (back to awaiting explanation) with a reason. Every change writes a
Decision row (who, when, why) and the history is never rewritten. Only a confirmed finding ever
costs points (audit/services/scores.py).

Asking for an explanation sets its deadline: ``[scoring] explanation_days`` working days (default 3) after the
request, by the unit's calendar. An explanation after the deadline is refused; confirming needs either an
explanation given since the request or a passed deadline, and a lapse is recorded as "không giải trình".
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.findings import KIND_VI
from audit.services.findings import RECONSIDER
from audit.services.staff_voice import VoiceError, notify_official, reply_day, staff_account_problem
from models.access import User
from models.enums import DecisionAction, FindingStatus, Role, local_zone
from models.findings import Decision, Explanation, Finding
from models.org import Staff

NO_EXPLANATION_VI = "Không giải trình"
ASKING = (DecisionAction.REQUEST_EXPLANATION, DecisionAction.REOPEN)

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
    if by.role is Role.STAFF:
        raise WorkflowError(f"finding #{finding.id}: an official's own account explains, it does not decide")
    if action is DecisionAction.CONFIRM and not _explained(session, finding):
        due = deadline(session, finding)
        if _local_day(now) <= due:
            raise WorkflowError(f"finding #{finding.id}: confirming needs the official's explanation, or the end of "
                                f"its deadline ({due:%d/%m/%Y})")
        reason = f"{NO_EXPLANATION_VI} (hết hạn {due:%d/%m/%Y}). {reason}"
    if action in ASKING:
        finding.explanation_due = due_after(session, finding, now)
        _notify_request(session, finding, now)
    if RECONSIDER in (finding.details or {}):  # decided again: the suspension ends (the excuse stays on record)
        finding.details = {k: v for k, v in (finding.details or {}).items() if k != RECONSIDER}
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
    if by is not None and by.role is Role.STAFF:
        if problem := staff_account_problem(session, by):
            raise WorkflowError(problem)
        if finding.staff_id != by.staff_id:
            raise WorkflowError(f"finding #{finding.id} is not about official of user {by.username}")
        staff_code = None
    if finding.status is not FindingStatus.AWAITING_EXPLANATION:
        raise WorkflowError(f"finding #{finding.id} is {finding.status.value}: explanations are taken while it "
                            "awaits one (request it first)")
    text = (text or "").strip()
    if not text:
        raise WorkflowError(f"finding #{finding.id}: the explanation is empty")
    due = deadline(session, finding)
    if _local_day(now) > due:
        raise WorkflowError(f"finding #{finding.id}: the deadline for explaining was {due:%d/%m/%Y}; it has passed")
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


def _notify_request(session: Session, finding: Finding, now: datetime) -> None:
    kind = KIND_VI.get(str(finding.kind), str(finding.kind))
    due = finding.explanation_due
    notify_official(
        session, finding.staff_id, kind="explanation_request", now=now, link=f"/findings/{finding.id}",
        subject=f"Yêu cầu giải trình: {kind} ngày {finding.day:%d/%m/%Y} (hạn {due:%d/%m/%Y})",
        body=(f"Đề xuất #{finding.id} ({kind}, ngày {finding.day:%d/%m/%Y}) cần anh/chị giải trình đến hết ngày "
              f"{due:%d/%m/%Y}. Sau hạn này, người có thẩm quyền có thể xác nhận mà không có giải trình.\n"
              f"An explanation of finding #{finding.id} is asked of you, due by {due:%d/%m/%Y}."))


def _local_day(at: datetime) -> date:
    return at.astimezone(local_zone()).date()


def due_after(session: Session, finding: Finding, asked_at: datetime) -> date:
    """The last day to explain a finding asked about at ``asked_at``: N working days later by its unit's calendar."""
    try:
        return reply_day(session, finding.unit_id, asked_at)
    except VoiceError as error:
        raise WorkflowError(f"finding #{finding.id}: {error}") from None


def _last_asked(session: Session, finding: Finding) -> datetime | None:
    return session.scalar(select(Decision.decided_at).where(Decision.finding_id == finding.id,
                                                            Decision.action.in_(ASKING))
                          .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1))


def deadline(session: Session, finding: Finding) -> date:
    """The finding's explanation deadline (counted from the last request when none was stored)."""
    if finding.explanation_due is None:
        asked = _last_asked(session, finding)
        if asked is None:
            return date.max  # never asked: no deadline has begun
        finding.explanation_due = due_after(session, finding, asked)
    return finding.explanation_due


def _explained(session: Session, finding: Finding) -> bool:
    """Has the official explained since the explanation was last asked for?"""
    asked = _last_asked(session, finding)
    query = select(Explanation.id).where(Explanation.finding_id == finding.id)
    if asked is not None:
        query = query.where(Explanation.submitted_at >= asked)
    return session.scalar(query.limit(1)) is not None


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
