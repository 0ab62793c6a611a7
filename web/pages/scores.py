"""Monitoring results per month (units ranked with the report's summary line, officials, deductions), the month
lock, and the annual classification.

Pages read what audit.services.scores stored (load_month, load_year) and never write a score; "Tính lại" (a POST,
admin and inspector) recomputes the month for the unit in view, "Chốt kết quả" (a POST, admin and manager) locks it.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from audit.files.annual_report import write_xlsx as write_year_xlsx
from audit.rules.annual import DISCIPLINE_INDEX_VI
from audit.rules.general import PART_LABELS_VI
from audit.rules.scoring import BadMonth, period_bounds, period_title
from audit.services.annual import BadYear, load_year, parse_year
from audit.services.assessments import FIELDS, points, set_assessment
from audit.services.score_locks import LockRefused, lock_month
from audit.services.scores import compute_month, load_month
from audit.services.scoring_settings import general_weights, monitoring_period
from models.enums import Role, local_zone
from models.org import Staff, Unit
from models.scoring import ManagerAssessment
from web.db import get_session
from web.pages.review_data import (
    ADMIN_ROLES_AND_INSPECTOR,
    ascii_name,
    band_label,
    class_label,
    period_arg,
    period_or_404,
    scope_unit,
)
from web.pages.scores_data import bar_chart, css_class, inspection_of_results, officials_by_unit
from web.read import log_access, now_utc, previous_period, staff_in_scope, visible_units
from web.scope import can, roles_required

bp = Blueprint("scores_page", __name__)
LOCK_ROLES = (Role.ADMIN, Role.MANAGER)  # the month's results are approved by whoever evaluates the officials


@bp.get("/scores")
def index():
    session = get_session()
    month = period_arg(request.args.get("month"), _default_period())
    unit = scope_unit(request.args.get("unit"))
    scores = load_month(session, month, unit_code=unit.code if unit else None)
    unit_lines = [line for u in scores.units for line in u.deductions]
    return render_template(
        "scores/index.html", month=month, unit=unit, units=visible_units(), scores=scores,
        stored=bool(scores.officials), chart=bar_chart(scores.units), by_unit=officials_by_unit(scores),
        inspections=inspection_of_results(session, unit_lines), class_label=class_label, band_label=band_label,
        css_class=css_class,
        may_recompute=can(*ADMIN_ROLES_AND_INSPECTOR), may_lock=can(*LOCK_ROLES),
        month_over=period_bounds(month)[1] < now_utc().astimezone(local_zone()).date())


@bp.get("/scores/<month>/<staff_code>")
def official(month: str, staff_code: str):
    """One official's month: the figures and every deduction, linked to its finding or inspection."""
    session = get_session()
    month = period_or_404(month)
    staff = staff_in_scope(staff_code)
    unit = session.get(Unit, staff.unit_id)
    scores = load_month(session, month, unit_code=unit.code)
    try:
        score = scores.official(staff.code)
    except LookupError:
        score = None
    lines = score.deductions if score else ()
    weights = general_weights(session)
    fields = [(name, PART_LABELS_VI[name], getattr(weights, name)) for name in weights.entered]
    if staff.is_leader:
        fields.append(("leader_task", _("Kết quả thực hiện nhiệm vụ của lãnh đạo (Điều 15, tối đa 70)"), 70))
    assessment = session.scalars(select(ManagerAssessment).where(ManagerAssessment.staff_id == staff.id,
                                                                 ManagerAssessment.month == month)).one_or_none()
    return render_template("scores/official.html", month=month, staff=staff, unit=unit, score=score,
                           inspections=inspection_of_results(session, lines), class_label=class_label,
                           css_class=css_class, may_recompute=can(*ADMIN_ROLES_AND_INSPECTOR),
                           may_assess=can(*LOCK_ROLES) and bool(fields), fields=fields, assessment=assessment)


@bp.post("/scores/<month>/<staff_code>/assess")
@roles_required(*LOCK_ROLES)
def assess(month: str, staff_code: str):
    """The manager's parts of an official's month; recomputing the month (admins, inspectors) applies them."""
    session = get_session()
    month = period_or_404(month)
    staff = staff_in_scope(staff_code)
    given = {name: request.form.get(name) for name in FIELDS if name in request.form}
    try:
        set_assessment(session, staff.code, month, by=current_user.username, now=now_utc(),
                       note=request.form.get("note"), **{k: points(v, k) for k, v in given.items()})
    except ValueError as error:
        abort(400, description=str(error))
    session.commit()
    flash(_("Đã ghi đánh giá của người quản lý. Điểm được cập nhật khi tháng được tính lại."))
    return redirect(url_for(".official", month=month, staff_code=staff.code))


@bp.post("/scores/recompute")
@roles_required(*ADMIN_ROLES_AND_INSPECTOR)
def recompute():
    """Recompute and store the month's scores of the unit in view (every unit for an admin without one)."""
    session = get_session()
    month, unit = _form_scope()
    try:
        scores = compute_month(session, month, unit_code=unit.code if unit else None, now=now_utc(),
                               by=current_user.username)
    except BadMonth as error:  # a period of the other kind than the site's [scoring] period
        abort(400, description=str(error))
    session.commit()
    flash(_("Đã tính lại điểm tháng %(month)s cho %(count)s cán bộ. %(summary)s", month=_month_vi(month),
            count=len(scores.officials), summary=scores.summary_vi))
    target = request.form.get("next_staff")
    if target and session.scalar(select(Staff.id).where(Staff.code == target)) is not None:
        return redirect(url_for(".official", month=month, staff_code=target))
    return redirect(url_for(".index", month=month, **({"unit": unit.code} if unit else {})))


@bp.post("/scores/lock")
@roles_required(*LOCK_ROLES)
def lock():
    """Lock (chốt) the month for the unit in view and the units below it; who and when are kept."""
    session = get_session()
    month, unit = _form_scope()
    try:
        added = lock_month(session, month, unit_code=unit.code if unit else None, by=current_user.username,
                           now=now_utc(), note=(request.form.get("note") or "").strip() or None)
    except LockRefused as error:
        abort(409, description=str(error))
    session.commit()
    flash(_("Đã chốt kết quả tháng %(month)s cho %(count)s đơn vị.", month=_month_vi(month), count=len(added))
          if added else _("Tháng %(month)s đã được chốt trước đó.", month=_month_vi(month)))
    return redirect(url_for(".index", month=month, **({"unit": unit.code} if unit else {})))


def _year_arg() -> int:
    text = request.args.get("year") or str(now_utc().year)
    try:
        return parse_year(text)
    except BadYear:
        abort(400, description=_("Năm “%(year)s” không hợp lệ: cần dạng YYYY, ví dụ 2026.", year=text))


def _year_in_view():
    """The year, the unit and the annual results that ``?year=`` and ``?unit=`` name."""
    chosen = _year_arg()
    unit = scope_unit(request.args.get("unit"))
    return chosen, unit, load_year(get_session(), chosen, unit.code if unit else None)


@bp.get("/scores/year")
def year():
    """The annual classification of the year in view: read from the stored months, never written here."""
    chosen, unit, result = _year_in_view()
    over = [(line, [r for r in result.officials if line in r.over_cap]) for line in result.over_cap]
    return render_template("scores/year.html", year=chosen, unit=unit, units=visible_units(), result=result,
                           over=over, index_label=DISCIPLINE_INDEX_VI)


@bp.get("/scores/year.xlsx")
def year_xlsx():
    session = get_session()
    chosen, unit, result = _year_in_view()
    code = unit.code if unit else None
    with tempfile.TemporaryDirectory(prefix="deskaudit-year-") as folder:
        path = Path(folder) / "year.xlsx"
        write_year_xlsx(result, path)
        data = path.read_bytes()
    log_access("export.xlsx", "year_report", f"{chosen}/{code or '*'}", unit=code)
    session.commit()
    name = ascii_name(f"xep-loai-nam-{chosen}-{code or 'toan-tinh'}") + ".xlsx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _form_scope():
    """The period and unit a POST of the scores pages names (the user's scope when no unit is given)."""
    return period_arg(request.form.get("month"), _default_period()), scope_unit(request.form.get("unit"))


def _default_period() -> str:
    """The period the scores pages open on: the month, or the quarter, before today's (``[scoring] period``)."""
    return previous_period(now_utc(), monitoring_period(get_session()))


def _month_vi(period: str) -> str:
    """"03/2026" or "quý I/2026", as the flash messages put it after "tháng"."""
    title = period_title(period)
    return title.removeprefix("tháng ")
