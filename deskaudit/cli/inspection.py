"""``deskaudit inspection``: the checklist, inspection records (biên bản) and their PDF."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import click

from audit.rules.checklist import deduction_label, format_points
from audit.services.checklists import ensure_default_template
from audit.services.inspections import (
    InspectionError,
    deductions_of,
    finalize,
    inspections_in,
    load_inspection_file,
    record_inspection,
)
from deskaudit import paths
from deskaudit.cli.common import BadInput, Failure, database
from models.enums import ItemResult, ItemScope, local_zone
from models.org import Desk, Staff, Unit

SHOWN_IN = local_zone()
SCOPE_WORDS = {"vi": {ItemScope.PERSONAL: "cá nhân", ItemScope.UNIT: "đơn vị"},
               "en": {ItemScope.PERSONAL: "personal", ItemScope.UNIT: "unit"}}


@click.group()
def inspection() -> None:
    """Civil-service inspections (kiểm tra công vụ): checklist, records (biên bản), PDF."""


@inspection.command()
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="Item text language.")
def template(lang: str) -> None:
    """Show the checklist in use (created on first use): number, deduction per occurrence, scope, text."""
    with database() as session:
        found = ensure_default_template(session)
        name = found.name_vi if lang == "vi" else found.name_en
        decision = f" ({found.decision_ref})" if found.decision_ref else ""
        click.echo(f"{found.code} v{found.version}: {name}{decision}")
        click.echo("Điểm trừ mỗi lần vi phạm; C = đề nghị xem xét kỷ luật" if lang == "vi"
                   else "Points deducted per occurrence; C = refer for discipline")
        for item in found.items:
            text = item.text_vi if lang == "vi" else item.text_en
            label = deduction_label(item, decimal_comma=lang == "vi")
            click.echo(f"{item.number:>3}  {label:>5}  {SCOPE_WORDS[lang][item.scope]:<9} {text}")


@inspection.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--basis", metavar="TEXT", help="The inspection's decision or plan, printed as the record's last "
              "\"Căn cứ\" line (over FILE's basis; neither: the site's [inspection] basis).")
@click.option("--finalize", "then_finalize", is_flag=True, help="Also mark it final (signed) right away.")
def add(file: Path, basis: str | None, then_finalize: bool) -> None:
    """Record the inspection described in FILE (TOML or JSON, see config/inspection-example.toml); prints its id.

    Photos named in FILE are copied under the data directory.
    """
    try:
        fields = load_inspection_file(file)
    except InspectionError as error:
        raise BadInput(str(error)) from None
    if basis is not None and basis.strip():
        fields["basis"] = basis
    photo_dir = paths.data_dir()
    new_id = None
    try:
        with database() as session:
            try:
                record = record_inspection(session, **fields, photo_dir=photo_dir)
                new_id = record.id
                if then_finalize:
                    finalize(session, record.id, datetime.now(timezone.utc))
            except InspectionError as error:
                raise BadInput(f"{file}: {error}") from None
    except BaseException:
        if new_id is not None:  # the row was rolled back: its photos go too
            shutil.rmtree(photo_dir / "inspections" / str(new_id), ignore_errors=True)
        raise
    click.echo(new_id)


@inspection.command(name="finalize")
@click.argument("inspection_id", type=int)
def finalize_(inspection_id: int) -> None:
    """Mark inspection INSPECTION_ID final (signed): it can no longer be changed and counts for scores."""
    with database() as session:
        try:
            done = finalize(session, inspection_id, datetime.now(timezone.utc))
        except InspectionError as error:
            raise BadInput(str(error)) from None
        click.echo(f"inspection {done.id} {done.status}")


@inspection.command(name="list")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--month", metavar="YYYY-MM", help="Only inspections started in this month (local time).")
def list_(unit_code: str | None, month: str | None) -> None:
    """One line per inspection: id, status, start (local), unit, desk, official, record number, fails, points."""
    with database() as session:
        try:
            found = inspections_in(session, unit_code=unit_code, month=month)
        except InspectionError as error:
            raise BadInput(str(error)) from None
        if not found:
            click.echo("no inspections")
        for record in found:
            unit = session.get(Unit, record.unit_id).code
            desk = session.get(Desk, record.desk_id).code if record.desk_id else "-"
            staff = session.get(Staff, record.staff_id).code if record.staff_id else "-"
            fails = sum(1 for r in record.results if r.result == ItemResult.FAIL)
            points = sum((d.points for d in deductions_of(record)), Decimal(0))
            started = record.started_at.astimezone(SHOWN_IN).strftime("%d/%m/%Y %H:%M")
            click.echo(f"{record.id:>6}  {record.status!s:<6} {started}  {unit:<16} {desk:<8} {staff:<10} "
                       f"{record.record_number or '-':<16} {len(record.results):>2} mục, {fails} không đạt, "
                       f"trừ {format_points(points)}")


@inspection.command()
@click.argument("inspection_id", type=int)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
def pdf(inspection_id: int, out_path: Path) -> None:
    """Write the biên bản of INSPECTION_ID as a PDF (marked DỰ THẢO until final)."""
    from audit.files.inspection_pdf import render_record
    from audit.files.pdf import FontMissing

    with database() as session:
        try:
            written = render_record(session, inspection_id, out_path)
        except InspectionError as error:
            raise BadInput(str(error)) from None
        except FontMissing as error:
            raise Failure(str(error)) from None
        except OSError as error:
            raise BadInput(f"--out {out_path}: {error}") from None
        click.echo(str(written))
