"""Findings review: the list in scope, one finding with its evidence, explanation (giải trình) and decisions.

Every step goes through audit.services.workflow, so the page can do nothing the CLI could not; a step the
finding's status does not allow is answered 409 with the reason and nothing is written.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from audit.services.findings import reconsidering
from audit.services.workflow import WorkflowError, decide, explain
from audit.services.zone_review import needs_review
from models.enums import DecisionAction, FindingKind, FindingStatus, Role, local_zone
from web.db import get_session
from web.pages.findings_data import (
    Filters,
    conflict_message,
    detail_context,
    explain_conflict_message,
    finding_in_scope,
    list_findings,
    months_with_findings,
)
from web.pages.review_data import ACTION_LABELS, KIND_LABELS, PER_PAGE, STATUS_LABELS, image_mimetype, page_arg
from web.read import (
    ScanRefused,
    acting_user,
    keep_scan,
    log_access,
    now_utc,
    send_scan,
    stored_file,
    uploaded_scan,
    visible_units,
)
from web.scope import DECIDE_ROLES, EXPLAIN_ROLES, REVIEW_ROLES, can, roles_required

bp = Blueprint("findings_page", __name__)
DECISIONS = {"confirm": DecisionAction.CONFIRM, "dismiss": DecisionAction.DISMISS, "reopen": DecisionAction.REOPEN}
TEXT_LIMIT = 4000


@bp.get("/findings")
def index():
    session = get_session()
    filters = Filters.from_args(request.args)
    page = page_arg()
    listing = list_findings(session, filters, page)
    total = listing.total
    return render_template(
        "findings/index.html", rows=listing.rows, total=total, counts=listing.counts, withheld=listing.withheld,
        filters=filters, page=page,
        pages=max(1, (total + PER_PAGE - 1) // PER_PAGE), units=visible_units(),
        months=months_with_findings(session), statuses=list(FindingStatus), kinds=list(FindingKind),
        STATUS_LABELS=STATUS_LABELS, KIND_LABELS=KIND_LABELS, needs_review=needs_review, reconsidering=reconsidering)


@bp.get("/findings/<int:finding_id>")
def detail(finding_id: int):
    session = get_session()
    return _detail_page(session, finding_in_scope(session, finding_id))


@bp.get("/findings/<int:finding_id>/evidence/<int:evidence_id>.jpg")
def evidence(finding_id: int, evidence_id: int):
    """A blurred snapshot of the finding's evidence; every view is written to the access log."""
    session = get_session()
    finding = finding_in_scope(session, finding_id)
    item = next((e for e in finding.evidence if e.id == evidence_id), None)
    path = stored_file(item.snapshot_path) if item is not None else None
    if path is None:
        abort(404)
    log_access("evidence.view", "finding_evidence", item.id, finding_id=finding.id,
               observation_id=item.observation_id, path=item.snapshot_path)
    session.commit()
    response = send_file(path, mimetype=image_mimetype(path), max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # each view must reach the access log
    return response


@bp.post("/findings/<int:finding_id>/request-explanation")
@roles_required(*REVIEW_ROLES)
def request_explanation(finding_id: int):
    session = get_session()
    finding = finding_in_scope(session, finding_id)
    try:
        decide(session, finding.id, DecisionAction.REQUEST_EXPLANATION, by=acting_user(), now=now_utc(),
               reason=_limited("reason") or None)
    except WorkflowError as error:
        return _refused(session, finding_id, conflict_message(finding, DecisionAction.REQUEST_EXPLANATION), error)
    session.commit()
    flash(_("Đã yêu cầu cán bộ giải trình phát hiện #%(id)s.", id=finding.id))
    return redirect(url_for(".detail", finding_id=finding.id))


@bp.post("/findings/<int:finding_id>/explanations")
@roles_required(*EXPLAIN_ROLES)
def record_explanation(finding_id: int):
    """The official's explanation: typed by a reviewer from paper, or written by the official themselves (a staff
    account), with a PDF or JPEG scan. Nothing is written unless all of it is acceptable."""
    session = get_session()
    finding = finding_in_scope(session, finding_id)
    text, attachment = _limited("text"), _limited("attachment_ref", 255)
    if not text:
        return _refused(session, finding_id, _("Nội dung giải trình không được để trống."), status=400)
    if finding.status is not FindingStatus.AWAITING_EXPLANATION:
        return _refused(session, finding_id, explain_conflict_message(finding))
    try:
        scan = uploaded_scan()
    except ScanRefused as refused:
        return _refused(session, finding_id, _("Bản quét không hợp lệ: %(why)s", why=str(refused)),
                        status=refused.status)
    try:
        explanation = explain(session, finding.id, text, now=now_utc(), by=acting_user(),
                              attachment_ref=attachment or None)
        if scan is not None:
            explanation.attachment_ref = keep_scan(scan, f"findings/{finding.id}")
    except WorkflowError as error:
        session.rollback()
        return _refused(session, finding_id, explain_conflict_message(finding), error)
    session.commit()
    flash(_("Đã ghi nhận giải trình cho phát hiện #%(id)s.", id=finding.id))
    return redirect(url_for(".detail", finding_id=finding.id))


@bp.post("/findings/<int:finding_id>/decide")
@roles_required(*DECIDE_ROLES)
def decide_finding(finding_id: int):
    """Confirm, dismiss or reopen; each needs a reason, and confirming needs the explanation asked for first."""
    session = get_session()
    finding = finding_in_scope(session, finding_id)
    action = DECISIONS.get(request.form.get("action", ""))
    if action is None:
        return _refused(session, finding_id, _("Thao tác không hợp lệ."), status=400)
    reason = _limited("reason")
    if not reason:
        return _refused(session, finding_id, _("Cần ghi lý do cho quyết định “%(action)s”.",
                                               action=ACTION_LABELS[action]), status=400)
    try:
        decide(session, finding.id, action, by=acting_user(), now=now_utc(), reason=reason)
    except WorkflowError as error:
        return _refused(session, finding_id, conflict_message(finding, action), error)
    session.commit()
    flash(_("Phát hiện #%(id)s: %(action)s.", id=finding.id, action=ACTION_LABELS[action]))
    return redirect(url_for(".detail", finding_id=finding.id))


@bp.get("/findings/<int:finding_id>/explanations/<int:explanation_id>/attachment")
def attachment(finding_id: int, explanation_id: int):
    """The scan attached to an explanation (who opened it goes to the access log)."""
    session = get_session()
    finding = finding_in_scope(session, finding_id)
    found = next((e for e in finding.explanations if e.id == explanation_id), None)
    if found is None:
        abort(404)
    return send_scan(found.attachment_ref, f"giai-trinh-{finding.id}-{found.id}", "explanation", found.id,
                     finding=finding.id)


def _before_deadline(finding) -> bool:
    return finding.explanation_due is None or now_utc().astimezone(local_zone()).date() <= finding.explanation_due


def _limited(name: str, limit: int = TEXT_LIMIT) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _refused(session, finding_id: int, message: str, error: Exception | None = None, status: int = 409):
    """The detail page again with why nothing was done (and the engine's own words beside it)."""
    session.rollback()
    finding = finding_in_scope(session, finding_id)
    return _detail_page(session, finding, error=message, detail=str(error) if error else None,
                        form=request.form), status


def _detail_page(session, finding, **extra):
    extra.setdefault("form", {})
    return render_template(
        "findings/detail.html", finding=finding, **detail_context(session, finding),
        STATUS_LABELS=STATUS_LABELS, KIND_LABELS=KIND_LABELS, ACTION_LABELS=ACTION_LABELS,
        may_review=can(*REVIEW_ROLES), may_decide=can(*DECIDE_ROLES), needs_review=needs_review,
        may_explain_own=can(Role.STAFF) and _before_deadline(finding),
        attachment_mb=round(current_app.config["ATTACHMENT_MAX_BYTES"] / 1048576, 1),
        reconsidering=reconsidering, **extra)
