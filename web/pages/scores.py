"""Scores and rankings (xếp loại) per month: units ranked with the report's summary line, officials, deductions.

Pages read what audit.services.scores stored (load_month); "Tính lại" recomputes the month for the unit in view.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from audit.services.scores import compute_month, load_month
from models.org import Staff, Unit
from web.db import get_session
from web.pages.review_data import ADMIN_ROLES_AND_INSPECTOR, class_label, month_arg, month_or_404, scope_unit
from web.pages.scores_data import bar_chart, css_class, inspection_of_results, officials_by_unit
from web.read import now_utc, previous_month, staff_in_scope, visible_units
from web.scope import can, roles_required

bp = Blueprint("scores_page", __name__)


@bp.get("/scores")
def index():
    session = get_session()
    month = month_arg(request.args.get("month"), previous_month(now_utc()))
    unit = scope_unit(request.args.get("unit"))
    scores = load_month(session, month, unit_code=unit.code if unit else None)
    unit_lines = [line for u in scores.units for line in u.deductions]
    return render_template(
        "scores/index.html", month=month, unit=unit, units=visible_units(), scores=scores,
        stored=bool(scores.officials), chart=bar_chart(scores.units), by_unit=officials_by_unit(scores),
        inspections=inspection_of_results(session, unit_lines), class_label=class_label, css_class=css_class,
        may_recompute=can(*ADMIN_ROLES_AND_INSPECTOR))


@bp.get("/scores/<month>/<staff_code>")
def official(month: str, staff_code: str):
    """One official's month: the figures and every deduction, linked to its finding or inspection."""
    session = get_session()
    month = month_or_404(month)
    staff = staff_in_scope(staff_code)
    unit = session.get(Unit, staff.unit_id)
    scores = load_month(session, month, unit_code=unit.code)
    try:
        score = scores.official(staff.code)
    except LookupError:
        score = None
    lines = score.deductions if score else ()
    return render_template("scores/official.html", month=month, staff=staff, unit=unit, score=score,
                           inspections=inspection_of_results(session, lines), class_label=class_label,
                           css_class=css_class, may_recompute=can(*ADMIN_ROLES_AND_INSPECTOR))


@bp.post("/scores/recompute")
@roles_required(*ADMIN_ROLES_AND_INSPECTOR)
def recompute():
    """Recompute and store the month's scores of the unit in view (every unit for an admin without one)."""
    session = get_session()
    month = month_arg(request.form.get("month"), previous_month(now_utc()))
    unit = scope_unit(request.form.get("unit"))
    scores = compute_month(session, month, unit_code=unit.code if unit else None, now=now_utc())
    session.commit()
    flash(_("Đã tính lại điểm tháng %(month)s cho %(count)s cán bộ. %(summary)s", month=_month_vi(month),
            count=len(scores.officials), summary=scores.summary_vi))
    target = request.form.get("next_staff")
    if target and session.scalar(select(Staff.id).where(Staff.code == target)) is not None:
        return redirect(url_for(".official", month=month, staff_code=target))
    return redirect(url_for(".index", month=month, **({"unit": unit.code} if unit else {})))


def _month_vi(month: str) -> str:
    year, number = month.split("-")
    return f"{number}/{year}"

