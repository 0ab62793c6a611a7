"""What the findings pages show: the filtered list with counts per status, one finding with its history.

Below the inspector role the official of an unconfirmed proposal is withheld (web/scope.py ``withheld``): the row
and the page say that it is, and the list says how many are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from audit.rules.scoring import month_bounds
from audit.services.checklists import active_template, item_by_number
from audit.services.workflow import ALLOWED
from models.access import User
from models.checklists import ChecklistItem
from models.enums import DecisionAction, FindingKind, FindingStatus
from models.findings import Finding
from models.org import Desk, Staff, Unit
from web.pages.review_data import ACTION_LABELS, PER_PAGE, STATUS_LABELS, month_arg
from web.read import scoped_or_404, units_under
from web.scope import own_findings, sees_every_official, visible_unit_ids, withheld, withheld_findings


@dataclass(frozen=True)
class Filters:
    """The list's filters as given in the query string (empty string: not filtered)."""

    status: str = ""
    kind: str = ""
    unit: str = ""
    month: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read and check ``?status=&kind=&unit=&month=``; an unknown value is a 400."""
        status, kind = (args.get("status") or "").strip(), (args.get("kind") or "").strip()
        if status and status not in {s.value for s in FindingStatus}:
            abort(400, description=_("Trạng thái “%(value)s” không tồn tại.", value=status))
        if kind and kind not in {k.value for k in FindingKind}:
            abort(400, description=_("Loại phát hiện “%(value)s” không tồn tại.", value=kind))
        month = (args.get("month") or "").strip()
        if month:
            month = month_arg(month, month)
        return cls(status, kind, (args.get("unit") or "").strip(), month)

    def query_args(self, **changes) -> dict[str, str]:
        values = {"status": self.status, "kind": self.kind, "unit": self.unit, "month": self.month, **changes}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Row:
    finding: Finding
    unit_code: str
    desk_code: str | None
    staff_name: str | None
    staff_code: str | None
    withheld: bool = False  # a personal finding whose official the user is not told (name and code are None)

    @classmethod
    def shown(cls, finding: Finding, unit_code: str, desk_code: str | None, name: str | None,
              code: str | None) -> Row:
        """The row as the signed-in user may see it."""
        if withheld(finding.status, finding.staff_id):
            return cls(finding, unit_code, desk_code, None, None, withheld=True)
        return cls(finding, unit_code, desk_code, name, code)


@dataclass(frozen=True)
class Listing:
    """One page of the list, the total, counts per status under the other filters, and how many of the listed
    findings' officials the user is not told."""

    rows: list[Row]
    total: int
    counts: dict[FindingStatus, int]
    withheld: int


def _base_conditions(session: Session, filters: Filters) -> list:
    conditions = [Finding.unit_id.in_(sorted(units_under(filters.unit))), own_findings()]
    if filters.kind:
        conditions.append(Finding.kind == FindingKind(filters.kind))
    if filters.month:
        first, last = month_bounds(filters.month)
        conditions += [Finding.day >= first, Finding.day <= last]
    return conditions


def list_findings(session: Session, filters: Filters, page: int) -> Listing:
    """One page of findings (newest day first), the total, counts per status, and how many are withheld."""
    conditions = _base_conditions(session, filters)
    counts = dict(session.execute(select(Finding.status, func.count()).where(*conditions)
                                  .group_by(Finding.status)).all())
    counts = {status: counts.get(status, 0) for status in FindingStatus}
    if filters.status:
        conditions.append(Finding.status == FindingStatus(filters.status))
    total = session.scalar(select(func.count()).select_from(Finding).where(*conditions))
    hidden = 0 if sees_every_official() else session.scalar(
        select(func.count()).select_from(Finding).where(*conditions, withheld_findings()))
    rows = session.execute(
        select(Finding, Unit.code, Desk.code, Staff.full_name, Staff.code)
        .join(Unit, Finding.unit_id == Unit.id).outerjoin(Desk, Finding.desk_id == Desk.id)
        .outerjoin(Staff, Finding.staff_id == Staff.id).where(*conditions)
        .order_by(Finding.day.desc(), Finding.starts_at.desc(), Finding.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Listing([Row.shown(*row) for row in rows], total, counts, hidden)


def months_with_findings(session: Session) -> list[str]:
    """Months (YYYY-MM, newest first) that have findings in the user's scope, for the month filter."""
    days = session.scalars(select(Finding.day).where(Finding.unit_id.in_(sorted(visible_unit_ids())))
                           .distinct()).all()
    return sorted({f"{d.year:04d}-{d.month:02d}" for d in days if isinstance(d, date)}, reverse=True)


def finding_in_scope(session: Session, finding_id: int) -> Finding:
    """The finding with its evidence, explanations and decisions; 404 when it is not in the user's scope."""
    return scoped_or_404(session.scalars(select(Finding).where(Finding.id == finding_id).options(
        selectinload(Finding.evidence), selectinload(Finding.explanations),
        selectinload(Finding.decisions))).one_or_none())


def detail_context(session: Session, finding: Finding) -> dict:
    """Everything the detail page shows besides the finding itself."""
    item: ChecklistItem | None = None
    if finding.checklist_item_number is not None:
        template = active_template(session)
        item = item_by_number(template, finding.checklist_item_number) if template else None
    user_ids = {d.decided_by_id for d in finding.decisions} | {e.submitted_by_id for e in finding.explanations}
    user_ids.discard(None)
    names = {uid: full_name or username for uid, full_name, username in session.execute(
        select(User.id, User.full_name, User.username).where(User.id.in_(user_ids)))} if user_ids else {}
    hidden = withheld(finding.status, finding.staff_id)
    staff_ids = set() if hidden else {e.staff_id for e in finding.explanations if e.staff_id} | (
        {finding.staff_id} - {None})
    staff = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))} if staff_ids else {}
    return {
        "withheld": hidden,
        "unit": session.get(Unit, finding.unit_id),
        "desk": session.get(Desk, finding.desk_id) if finding.desk_id else None,
        "official": staff.get(finding.staff_id),
        "item": item,
        "staff": staff,
        "user_name": lambda uid: names.get(uid) or "—",
        "explanations": sorted(finding.explanations, key=lambda e: (e.submitted_at, e.id)),
        "decisions": sorted(finding.decisions, key=lambda d: (d.decided_at, d.id)),
    }


def conflict_message(finding: Finding, action: DecisionAction) -> str:
    """Why ``action`` cannot be taken on the finding now, in Vietnamese."""
    if action is DecisionAction.CONFIRM and finding.status is FindingStatus.PROPOSED:
        return _("Chưa thể xác nhận vi phạm: cán bộ chưa được yêu cầu giải trình. "
                 "Hãy bấm “Yêu cầu giải trình” và ghi nhận giải trình trước khi quyết định.")
    if (action is DecisionAction.CONFIRM and finding.status is FindingStatus.AWAITING_EXPLANATION
            and finding.explanation_due is not None):
        return _("Chưa thể xác nhận vi phạm: cán bộ chưa giải trình và hạn giải trình đến hết ngày %(day)s. "
                 "Hãy ghi nhận giải trình, hoặc chờ hết hạn (khi đó ghi “không giải trình”).",
                 day=finding.explanation_due.strftime("%d/%m/%Y"))
    allowed = ", ".join(str(STATUS_LABELS[s]) for s in sorted(ALLOWED[action][0], key=lambda s: s.value))
    return _("Không thể thực hiện “%(action)s”: phát hiện #%(id)s đang ở trạng thái “%(status)s”; "
             "thao tác này chỉ dùng cho phát hiện ở trạng thái: %(allowed)s.",
             action=ACTION_LABELS[action], id=finding.id, status=STATUS_LABELS[finding.status], allowed=allowed)


def explain_conflict_message(finding: Finding) -> str:
    if finding.status is FindingStatus.AWAITING_EXPLANATION and finding.explanation_due is not None:
        return _("Đã hết hạn giải trình (hết ngày %(day)s): không ghi nhận giải trình nữa.",
                 day=finding.explanation_due.strftime("%d/%m/%Y"))
    return _("Chỉ ghi nhận giải trình khi phát hiện đang chờ giải trình; phát hiện #%(id)s đang ở trạng thái "
             "“%(status)s”.", id=finding.id, status=STATUS_LABELS[finding.status])
