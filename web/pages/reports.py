"""Monthly report downloads (XLSX for analysts, PDF for leaders), limited to the user's units and logged.

A download reads the month's stored scores and never writes them: recomputing is the "Tính lại" POST of the
scores page (admins and inspectors). A month with no stored scores says so in the report. Below the inspector
role the report leaves out the official of each unconfirmed proposal and says how many (audit/rules/disclosure.py).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from audit.files.month_report import build_month_report, write_pdf, write_xlsx
from web.db import get_session
from web.pages.review_data import ascii_name, month_arg, month_or_404, scope_unit
from web.read import log_access, now_utc, previous_month, visible_units

bp = Blueprint("reports_page", __name__)
FORMATS = {
    "xlsx": (write_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (write_pdf, "application/pdf"),
}


@bp.get("/reports")
def index():
    month = month_arg(request.args.get("month"), previous_month(now_utc()))
    unit = scope_unit(request.args.get("unit"))
    return render_template("reports/index.html", month=month, unit=unit, units=visible_units())


@bp.get("/reports/<month>.xlsx")
def xlsx(month: str):
    return _download(month, "xlsx")


@bp.get("/reports/<month>.pdf")
def pdf(month: str):
    return _download(month, "pdf")


def _download(month: str, kind: str):
    """Build the report of ``month`` for ``?unit=`` (or the user's scope), log the export, send it."""
    session = get_session()
    month = month_or_404(month)
    unit = scope_unit(request.args.get("unit"))
    code = unit.code if unit else None
    write, mimetype = FORMATS[kind]
    report = build_month_report(session, month, now=now_utc(), unit_code=code, reader=current_user.role)
    with tempfile.TemporaryDirectory(prefix="deskaudit-report-") as folder:
        path = Path(folder) / f"report.{kind}"
        write(report, path)
        content = path.read_bytes()
    log_access(f"export.{kind}", "month_report", f"{month}/{code or '*'}", month=month, unit=code)
    session.commit()
    name = ascii_name(f"bao-cao-mot-cua-{month}-{code or 'toan-tinh'}") + f".{kind}"
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)
