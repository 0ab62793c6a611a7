"""Inspections (kiểm tra công vụ): the list in scope, the checklist form with phone photos, the record (biên bản).

The form goes through audit.services.inspections.record_inspection, so every rule of the CLI holds here too;
a refused form is shown again with the reason and nothing is written (photos already copied are removed).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from audit.files.inspection_pdf import render_record
from audit.rules.checklist import deduction_label
from audit.services.inspections import BASIS_LIMIT, InspectionError, deductions_of, finalize, record_inspection
from audit.services.record_form import default_basis
from audit.services.staff_voice import VoiceError, awaiting_reply, reply_to_inspection
from models.enums import InspectionStatus, ItemScope
from models.org import Unit
from web.db import get_session
from web.pages.inspections_data import (
    detail_context,
    form_choices,
    form_template,
    inspection_in_scope,
    list_inspections,
    parse_form,
    stored_photos,
)
from web.pages.review_data import (
    INSPECTION_STATUS_LABELS,
    PER_PAGE,
    RESULT_LABELS,
    ascii_name,
    image_mimetype,
    month_arg,
    page_arg,
)
from web.read import (
    LOCAL,
    ScanRefused,
    acting_user,
    data_dir,
    keep_scan,
    log_access,
    now_utc,
    send_scan,
    stored_file,
    uploaded_scan,
)
from web.scope import DECIDE_ROLES, EXPLAIN_ROLES, REVIEW_ROLES, can, own_staff_id, roles_required

bp = Blueprint("inspections_page", __name__)


@bp.get("/inspections")
def index():
    session = get_session()
    month = month_arg(request.args.get("month"), "") if request.args.get("month") else ""
    page = page_arg()
    rows, total = list_inspections(session, month or None, page)
    return render_template("inspections/index.html", rows=rows, total=total, month=month, page=page,
                           pages=max(1, (total + PER_PAGE - 1) // PER_PAGE), may_record=can(*DECIDE_ROLES),
                           STATUS_LABELS=INSPECTION_STATUS_LABELS)


@bp.route("/inspections/new", methods=["GET", "POST"])
@roles_required(*DECIDE_ROLES)
def new():
    session = get_session()
    template = form_template(session)
    if request.method == "GET":
        session.commit()  # the default checklist is stored the first time anyone opens the form
        defaults = {"inspector_name": current_user.full_name or current_user.username,
                    "started_at": now_utc().astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"),
                    "unit": request.args.get("unit", ""), "basis": default_basis(session) or ""}
        return _form_page(session, template, defaults)
    with tempfile.TemporaryDirectory(prefix="deskaudit-upload-") as folder:
        parsed = parse_form(session, request.form, request.files, template, Path(folder))
        photo_dir = data_dir()
        if photo_dir is None and any(o.photos for o in parsed.outcomes):
            parsed.errors.append(_("Máy chủ chưa cấu hình thư mục dữ liệu (DESKAUDIT_DATA_DIR) để lưu ảnh."))
        if parsed.errors:
            session.rollback()
            return _form_page(session, template, request.form, parsed.errors), 400
        inspection = None
        try:
            inspection = record_inspection(
                session, unit_code=parsed.unit.code, inspector_name=parsed.inspector_name,
                started_at=parsed.started_at, ended_at=parsed.ended_at, outcomes=parsed.outcomes,
                desk_code=parsed.desk_code, staff_code=parsed.staff_code, note=parsed.note,
                record_number=parsed.record_number, inspector_user_id=current_user.id, template=template,
                photo_dir=photo_dir, basis=parsed.basis)
            if parsed.finalize:
                finalize(session, inspection.id, now_utc())
            session.commit()
        except BaseException as error:
            copied = stored_photos(inspection) if inspection is not None else []
            session.rollback()
            _remove_photos(photo_dir, copied)
            if not isinstance(error, InspectionError):
                raise
            message = _("Không lưu được biên bản: %(message)s", message=str(error))
            return _form_page(session, template, request.form, [message]), 400
    flash(_("Đã lưu biên bản kiểm tra #%(id)s.", id=inspection.id))
    return redirect(url_for(".detail", inspection_id=inspection.id))


@bp.get("/inspections/<int:inspection_id>")
def detail(inspection_id: int):
    session = get_session()
    return _detail_page(session, inspection_in_scope(session, inspection_id))


@bp.post("/inspections/<int:inspection_id>/finalize")
@roles_required(*DECIDE_ROLES)
def finalize_inspection(inspection_id: int):
    session = get_session()
    inspection = inspection_in_scope(session, inspection_id)
    try:
        finalize(session, inspection.id, now_utc())
    except InspectionError as error:
        session.rollback()
        message = _("Không thể ký biên bản: %(message)s", message=str(error))
        return _detail_page(session, inspection_in_scope(session, inspection_id), error=message), 409
    session.commit()
    flash(_("Biên bản #%(id)s đã được ký chính thức; điểm tháng sẽ tính theo biên bản này khi tính lại.",
            id=inspection.id))
    return redirect(url_for(".detail", inspection_id=inspection.id))


@bp.get("/inspections/<int:inspection_id>/photos/<int:result_id>/<int:index>")
def photo(inspection_id: int, result_id: int, index: int):
    """One photo of an inspection result; every view is written to the access log."""
    session = get_session()
    inspection = inspection_in_scope(session, inspection_id)
    result = next((r for r in inspection.results if r.id == result_id), None)
    paths = (result.photo_paths or []) if result is not None else []
    path = stored_file(paths[index]) if index < len(paths) else None
    if path is None:
        abort(404)
    log_access("evidence.view", "inspection_photo", f"{result.id}/{index}", inspection_id=inspection.id,
               path=paths[index])
    session.commit()
    response = send_file(path, mimetype=image_mimetype(path), max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/inspections/<int:inspection_id>/record.pdf")
def record_pdf(inspection_id: int):
    """The biên bản as a PDF (marked DỰ THẢO until final); the export is written to the access log."""
    session = get_session()
    inspection = inspection_in_scope(session, inspection_id)
    own = own_staff_id()
    if own is not None and any(r.staff_id not in (own, None) for r in inspection.results):
        abort(403)  # the record names colleagues too: the official reads their own results on the page
    with tempfile.TemporaryDirectory(prefix="deskaudit-record-") as folder:
        content = render_record(session, inspection.id, Path(folder) / "record.pdf").read_bytes()
    log_access("export.record_pdf", "inspection", inspection.id, status=inspection.status.value)
    session.commit()
    name = ascii_name(f"bien-ban-kiem-tra-{inspection.record_number or inspection.id}") + ".pdf"
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=name)


def _form_page(session, template, form, errors=()):
    choices = form_choices(session)
    parents = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())

    def chain(unit_id):
        """The codes of a unit and every unit above it (the form's unit filter shows what lies below)."""
        found, seen = [], set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            found.append(codes[unit_id])
            unit_id = parents.get(unit_id)
        return " ".join(found)

    return render_template("inspections/new.html", template=template, form=form, errors=list(errors),
                           chain=chain, deduction_label=deduction_label, PERSONAL=ItemScope.PERSONAL,
                           basis_limit=BASIS_LIMIT,
                           RESULT_LABELS=RESULT_LABELS, **choices)


def _detail_page(session, inspection, **extra):
    own = own_staff_id()
    deductions = {d.result.id: d for d in deductions_of(inspection)
                  if own is None or d.result.staff_id in (own, None)}
    context = detail_context(session, inspection)
    waiting = awaiting_reply(inspection, now_utc())
    if own is not None:  # a staff user reads their own results (and the unit's), not a colleague's
        context["results"] = [r for r in context["results"] if r.staff_id in (own, None)]
    extra.setdefault("form", {})
    return render_template("inspections/detail.html", inspection=inspection, deductions=deductions,
                           total_points=sum((d.points for d in deductions.values()), 0),
                           replies=[r for r in inspection.replies if own is None or r.staff_id == own],
                           may_reply=bool(waiting) and (own in waiting if own is not None else can(*REVIEW_ROLES)),
                           reply_choices=[context["staff"][s] for s in sorted(waiting) if s in context["staff"]]
                           if own is None else [],
                           attachment_mb=round(current_app.config["ATTACHMENT_MAX_BYTES"] / 1048576, 1),
                           may_finalize=can(*DECIDE_ROLES) and inspection.status == InspectionStatus.DRAFT,
                           STATUS_LABELS=INSPECTION_STATUS_LABELS, RESULT_LABELS=RESULT_LABELS,
                           deduction_label=deduction_label, **context, **extra)


@bp.post("/inspections/<int:inspection_id>/reply")
@roles_required(*EXPLAIN_ROLES)
def reply(inspection_id: int):
    """An inspected official's reply to a FINAL record: written by the official (a staff account) or typed from
    paper by a reviewer, with an optional PDF or JPEG scan; nothing is written unless all of it is acceptable."""
    session = get_session()
    inspection = inspection_in_scope(session, inspection_id)
    text = (request.form.get("text") or "").strip()[:4000]
    try:
        scan = uploaded_scan()
    except ScanRefused as refused:
        message = _("Bản quét không hợp lệ: %(why)s", why=str(refused))
        return _detail_page(session, inspection, error=message, form=request.form), refused.status
    try:
        answer = reply_to_inspection(session, inspection.id, text, now=now_utc(), by=acting_user(),
                                     staff_code=(request.form.get("staff_code") or "").strip() or None)
        if scan is not None:
            answer.attachment_ref = keep_scan(scan, f"inspections/{inspection.id}")
    except VoiceError as error:
        session.rollback()
        inspection = inspection_in_scope(session, inspection_id)
        message = _("Không ghi nhận được ý kiến: %(why)s", why=str(error))
        return _detail_page(session, inspection, error=message, form=request.form), 409
    session.commit()
    flash(_("Đã ghi nhận ý kiến về biên bản #%(id)s.", id=inspection.id))
    return redirect(url_for(".detail", inspection_id=inspection.id, _anchor="replies"))


@bp.get("/inspections/<int:inspection_id>/replies/<int:reply_id>/attachment")
def reply_attachment(inspection_id: int, reply_id: int):
    """The scan attached to a reply (who opened it goes to the access log)."""
    session = get_session()
    inspection = inspection_in_scope(session, inspection_id)
    own = own_staff_id()
    found = next((r for r in inspection.replies if r.id == reply_id and (own is None or r.staff_id == own)), None)
    if found is None:
        abort(404)
    return send_scan(found.attachment_ref, f"y-kien-{inspection.id}-{found.id}", "inspection_reply", found.id,
                     inspection=inspection.id)


def _remove_photos(photo_dir: Path | None, relative_paths: list[str]) -> None:
    """Delete photos an inspection that was rolled back had copied in (and its folder when left empty)."""
    if photo_dir is None:
        return
    folders = set()
    for relative in relative_paths:
        path = Path(photo_dir) / relative
        path.unlink(missing_ok=True)
        folders.add(path.parent)
    for folder in folders:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()

