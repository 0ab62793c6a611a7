"""``deskaudit report month``: the monthly report as XLSX (and PDF)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from deskaudit.cli.common import BadInput, Failure, database


@click.group()
def report() -> None:
    """Reports: monthly scores, rankings, desks, officials and findings."""


@report.command()
@click.argument("month", metavar="YYYY-MM|YYYY-Qn")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--xlsx", "xlsx_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the workbook here (sheets: summary, units, desks, officials, findings).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a PDF summary with the unit ranking.")
def month(month: str, unit_code: str | None, xlsx_path: Path, pdf_path: Path | None) -> None:
    """Compute the month's scores (a quarter's, where [scoring] period = "quarter") and write the report. Scores
    count only confirmed deductions."""
    from audit.files.month_report import LOCAL, build_month_report, write_pdf, write_xlsx
    from audit.rules.scoring import BadMonth, period_bounds

    for path in (xlsx_path, pdf_path):
        if path is not None and not path.parent.exists():
            raise BadInput(f"{path}: folder {path.parent} does not exist")
    if xlsx_path.suffix.lower() != ".xlsx":
        raise BadInput(f"--xlsx {xlsx_path}: the file name must end in .xlsx")
    if pdf_path is not None and pdf_path.suffix.lower() != ".pdf":
        raise BadInput(f"--pdf {pdf_path}: the file name must end in .pdf")
    try:
        first, last = period_bounds(month)
    except BadMonth as error:
        raise BadInput(str(error)) from None
    yesterday = datetime.now(LOCAL).date() - timedelta(days=1)
    days = max(0, (min(last, yesterday) - first).days + 1)
    with database() as session:
        with click.progressbar(length=days, label=f"report {month}", file=sys.stderr) as bar:
            try:
                built = build_month_report(session, month, now=datetime.now(timezone.utc), unit_code=unit_code,
                                           progress=lambda _: bar.update(1), compute=True)
            except BadMonth as error:
                raise BadInput(str(error)) from None
            except LookupError as error:
                raise BadInput(str(error)) from None
    try:
        write_xlsx(built, xlsx_path)
        if pdf_path is not None:
            write_pdf(built, pdf_path)
    except OSError as error:
        raise Failure(f"cannot write the report: {error}") from None
    click.echo(built.summary_vi)
    click.echo(f"{len(built.units)} unit(s), {len(built.desks)} desk(s), {len(built.officials)} official(s), "
               f"{len(built.findings)} finding(s)")
    click.echo(f"XLSX: {xlsx_path}")
    if pdf_path is not None:
        click.echo(f"PDF:  {pdf_path}")
