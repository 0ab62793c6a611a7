"""``deskaudit scores``: compute monthly scores (Decree 335/2025), show them, record discipline sanctions."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import click
from sqlalchemy import select

from audit.files.annual_report import write_xlsx as write_year_xlsx
from audit.files.annual_report import year_json
from audit.rules.annual import DISCIPLINE_INDEX_VI
from audit.rules.ranking import UnitRank
from audit.rules.scoring import (
    BAND_VI,
    CLASS_LABELS_VI,
    SANCTION_LABELS_VI,
    UNCLASSIFIED_VI,
    BadMonth,
    format_vi,
    period_title,
)
from audit.services.annual import BadYear, YearScores, load_year, parse_year
from audit.services.score_locks import LockRefused, lock_month
from audit.services.scores import (
    MonthScores,
    OfficialScore,
    add_sanction,
    compute_month,
    load_month,
    months_to_recompute,
)
from deskaudit.cli.common import BadInput, database
from models.enums import SanctionLevel
from models.org import Staff
from models.scoring import Sanction


@click.group()
def scores() -> None:
    """Monthly scores of officials and units (Nghị định 335/2025/NĐ-CP) and discipline sanctions."""


def _class_label(cls) -> str:
    return CLASS_LABELS_VI[cls] if cls is not None else UNCLASSIFIED_VI


def _num(value) -> str:
    return "-" if value is None else format_vi(value)


def _title(period: str) -> str:
    """"tháng 03/2026" or "quý I/2026"."""
    return period_title(period)


def _echo_units(month: str, units: tuple[UnitRank, ...]) -> None:
    click.echo(f"Xếp hạng đơn vị {_title(month)}")
    click.echo(f"{'Hạng':>4}  {'Đơn vị':<20} {'CB':>3} {'Có điểm':>7} {'Bình quân':>9} {'Trừ':>6} {'Điểm':>6}  "
               "Mức điểm (không phải xếp loại đơn vị)")
    for unit in units:
        rank = str(unit.rank) if unit.rank is not None else "-"
        label = (BAND_VI[unit.classification] if unit.rank is not None and unit.classification is not None
                 else "chưa xếp hạng (chưa có cán bộ có điểm)")
        click.echo(f"{rank:>4}  {unit.code:<20} {unit.officials:>3} {unit.scored:>7} {_num(unit.mean):>9} "
                   f"{_num(unit.deduction_points):>6} {_num(unit.score):>6}  {label}")


def _echo_summary(result: MonthScores) -> None:
    click.echo(result.summary_vi)
    click.echo(f"({result.summary_en})")


def _echo_officials(officials: tuple[OfficialScore, ...]) -> None:
    click.echo(f"{'Mã':<12} {'Họ và tên':<26} {'Đơn vị':<18} {'KL':>6} {'Chung':>6} {'NV':>6} {'Tổng':>6}  "
               f"{'LĐTT':<5} Xếp loại")
    for o in officials:
        eligible = {True: "có", False: "không", None: "-"}[o.eligible]
        click.echo(f"{o.code:<12} {o.name:<26} {o.unit_code:<18} {_num(o.raw):>6} {_num(o.general):>6} "
                   f"{_num(o.task):>6} {_num(o.total):>6}  {eligible:<5} {_class_label(o.classification)}")


def _echo_breakdown(month: str, o: OfficialScore) -> None:
    desk = f", quầy {o.desk_code}" if o.desk_code else ""
    click.echo(f"{o.code} {o.name} — {o.unit_code}{desk}, {_title(month)}")
    click.echo(f"  Điểm kỷ luật (100 − các khoản trừ): {_num(o.raw)}")
    click.echo(f"  Tiêu chí chung (tối đa 30):         {_num(o.general)}")
    click.echo(f"  Kết quả thực hiện nhiệm vụ (70):    {_num(o.task)}")
    click.echo(f"  Tổng điểm:                          {_num(o.total)}")
    click.echo(f"  Mức đạt được trong kỳ: {_class_label(o.classification)} (xếp loại chất lượng là theo năm: "
               f"deskaudit scores year {month[:4]})")
    eligible = {True: "đủ mức xếp loại để xét danh hiệu", False: "chưa đủ mức xếp loại để xét danh hiệu",
                None: "chưa xác định"}[o.eligible]
    click.echo(f"  Thi đua: {eligible}")
    click.echo("  Các khoản trừ:" if o.deductions else "  Các khoản trừ: không có")
    for line in o.deductions:
        click.echo(f"    {'−' + format_vi(line.points):>7}  {line.reason}")
    for note in o.notes:
        click.echo(f"  Ghi chú: {note}")
    for amendment in o.amendments:
        click.echo(f"  {amendment}")


@scores.command()
@click.argument("month")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--by", "actor", default="cli", show_default=True, metavar="USER",
              help="Who recomputes (kept on the amendments of a locked month).")
def compute(month: str, unit_code: str | None, actor: str) -> None:
    """Compute and store the scores of MONTH (YYYY-MM, or YYYY-Qn where [scoring] period = "quarter"); print the
    unit ranking and the summary line.

    In a locked month a score that changes keeps an amendment: the figures before and after, who and when."""
    with database() as session:
        try:
            result = compute_month(session, month, unit_code=unit_code, now=datetime.now(timezone.utc), by=actor)
        except (BadMonth, LookupError) as error:
            raise BadInput(str(error)) from None
        unclassified = sum(1 for o in result.officials if o.classification is None)
        click.echo(f"Đã tính điểm {len(result.officials)} cán bộ {_title(month)}"
                   + (f" ({unclassified} chưa đủ dữ liệu xếp loại)" if unclassified else ""))
        amended = sum(1 for o in result.officials if o.amendments)
        if result.locks:
            click.echo(f"Tháng đã chốt ở {len(result.locks)} đơn vị; {amended} cán bộ có điều chỉnh sau khi chốt")
        _echo_units(month, result.units)
        _echo_summary(result)


@scores.command()
@click.argument("month")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--by", "actor", required=True, metavar="USER", help="Who locks the month (kept with the lock).")
@click.option("--note", default=None, help="Free text kept with the lock, e.g. the meeting that approved it.")
def lock(month: str, unit_code: str | None, actor: str, note: str | None) -> None:
    """Lock (chốt) the results of MONTH: who and when are kept, and later changes become amendments."""
    with database() as session:
        try:
            added = lock_month(session, month, unit_code=unit_code, by=actor, now=datetime.now(timezone.utc),
                               note=note)
        except (BadMonth, LookupError, LockRefused) as error:
            raise BadInput(str(error)) from None
        if not added:
            title = _title(month)
            click.echo(f"{title[0].upper()}{title[1:]} đã được chốt trước đó cho cả phạm vi này")
            return
        click.echo(f"Đã chốt kết quả {_title(month)} cho {len(added)} đơn vị: "
                   f"{', '.join(lock.unit_code for lock in added)} (người chốt {actor})")


def _echo_year(result: YearScores) -> None:
    click.echo(f"Xếp loại chất lượng năm {result.year}{' — ' + result.unit_code if result.unit_code else ''}")
    click.echo(f"{'Mã':<12} {'Họ và tên':<26} {'Đơn vị':<18} {'Kỳ':>3} {'Điểm':>6}  Xếp loại")
    for r in result.officials:
        shown = r.label or f"chưa xếp loại — {r.reason}"
        if r.label and r.reason:
            shown += f" ({r.reason})"
        click.echo(f"{r.official.code:<12} {r.official.name:<26} {r.official.unit_code:<18} "
                   f"{r.periods_evaluated:>3} {_num(r.score):>6}  {shown}")
        if r.eligibility:
            click.echo(f"{'':<12} {r.eligibility}")
    click.echo()
    click.echo(f"{DISCIPLINE_INDEX_VI} (không phải xếp loại đơn vị):")
    for unit in result.units:
        click.echo(f"  {unit.unit_code:<20} {unit.officials:>3} cán bộ  {_num(unit.index):>6}")
    click.echo()
    click.echo("Cần người có thẩm quyền quyết định:" if result.over_cap else
               "Không có nhóm nào vượt giới hạn Hoàn thành xuất sắc")
    for line in result.over_cap:
        names = ", ".join(f"{r.official.code} ({_num(r.score)})" for r in result.officials if line in r.over_cap)
        click.echo(f"  {line}: {names}")
    click.echo("Lựa chọn của đơn vị:")
    for line in result.choices.words:
        click.echo(f"  {line}")


@scores.command()
@click.argument("year")
@click.option("--unit", "unit_code", metavar="CODE", help="Only officials of this unit and the units below it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {\"year\", \"officials\": [...], ...}.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the workbook (summary, officials, units) to FILE.")
def year(year: str, unit_code: str | None, as_json: bool, xlsx: Path | None) -> None:
    """The annual classification of YEAR (Decree 335/2025) from the stored monthly results; writes no score."""
    with database() as session:
        try:
            result = load_year(session, parse_year(year), unit_code)
        except (BadYear, LookupError) as error:
            raise BadInput(str(error)) from None
    if xlsx is not None:
        write_year_xlsx(result, xlsx)
    if as_json:
        click.echo(json.dumps(year_json(result), ensure_ascii=False, indent=2))
        if result.empty_note:
            click.echo(result.empty_note, err=True)
        return
    if result.empty_note:
        click.echo(result.empty_note)
        return
    _echo_year(result)
    if xlsx is not None:
        click.echo(f"Đã ghi {xlsx}")


@scores.command()
@click.argument("month")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit and the units below it.")
@click.option("--official", "staff_code", metavar="CODE",
              help="One official's breakdown: every deduction and its source.")
def show(month: str, unit_code: str | None, staff_code: str | None) -> None:
    """Show the stored scores of MONTH (YYYY-MM or YYYY-Qn) without recomputing them."""
    with database() as session:
        try:
            result = load_month(session, month, unit_code)
        except (BadMonth, LookupError) as error:
            raise BadInput(str(error)) from None
        if not result.officials:
            raise BadInput(f"no scores stored for {month}{' in ' + unit_code if unit_code else ''}: "
                           f"run `deskaudit scores compute {month}` first")
        if staff_code is not None:
            try:
                official = result.official(staff_code)
            except LookupError as error:
                raise BadInput(str(error)) from None
            _echo_breakdown(month, official)
            return
        _echo_officials(result.officials)
        click.echo()
        _echo_units(month, result.units)
        _echo_summary(result)
        for month_lock in result.locks:
            click.echo(month_lock.text)


@scores.command()
@click.argument("staff_code", metavar="STAFF")
@click.argument("month")
@click.option("--ethics", default=None, metavar="POINTS", help="Phẩm chất chính trị, đạo đức, lối sống.")
@click.option("--capacity", default=None, metavar="POINTS",
              help="Năng lực, trách nhiệm, thái độ phục vụ nhân dân, phối hợp.")
@click.option("--innovation", default=None, metavar="POINTS", help="Đổi mới, sáng tạo.")
@click.option("--leader-task", "leader_task", default=None, metavar="POINTS",
              help="A leader's task results under Art. 15 (of 70), which include the unit's results.")
@click.option("--note", default=None, help="Free text kept with the assessment.")
@click.option("--by", "actor", required=True, metavar="USER", help="The manager who assesses (change log).")
def assess(staff_code: str, month: str, ethics: str | None, capacity: str | None, innovation: str | None,
           leader_task: str | None, note: str | None, actor: str) -> None:
    """Enter the manager's parts of STAFF's MONTH: the general criterion's parts set in [scoring.general], and a
    leader's task results. Recompute the month afterwards (deskaudit scores compute MONTH)."""
    from audit.services.assessments import points, set_assessment

    given = {name: value for name, value in (("ethics", ethics), ("capacity", capacity),
                                             ("innovation", innovation), ("leader_task", leader_task))
             if value is not None}
    if not given and note is None:
        raise BadInput("nothing to enter: give --ethics, --capacity, --innovation or --leader-task")
    with database() as session:
        try:
            set_assessment(session, staff_code, month, by=actor, now=datetime.now(timezone.utc), note=note,
                           **{name: points(value, name) for name, value in given.items()})
        except (BadMonth, LookupError, ValueError) as error:
            raise BadInput(str(error)) from None
    shown = ", ".join(f"{name} {value}" for name, value in given.items())
    click.echo(f"Đã ghi đánh giá của người quản lý cho {staff_code} {_title(month)}: {shown} "
               f"(tính lại: deskaudit scores compute {month})")


@scores.group()
def sanction() -> None:
    """Discipline sanctions (khiển trách or above forces "Không hoàn thành nhiệm vụ" for the year)."""


def _parse_date(text: str) -> date:
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    raise BadInput(f"--date {text!r}: expected YYYY-MM-DD or DD/MM/YYYY")


@sanction.command(name="add")
@click.argument("staff_code", metavar="STAFF")
@click.option("--level", required=True, type=click.Choice([v.value for v in SanctionLevel], case_sensitive=False),
              help="reprimand (khiển trách), warning (cảnh cáo), dismissal_from_post (cách chức), dismissal "
                   "(buộc thôi việc); demotion (giáng chức) only for a decision before 1/7/2025 (Decree "
                   "172/2025 abolished it).")
@click.option("--date", "decided", required=True, metavar="DATE", help="Decision date, YYYY-MM-DD or DD/MM/YYYY.")
@click.option("--decision", "decision_ref", required=True, metavar="REF", help="Decision number, e.g. 15/QĐ-UBND.")
@click.option("--note", default=None, help="Free text kept with the sanction.")
@click.option("--not-duty-related", "not_duty", is_flag=True,
              help="The violation did not relate to public duty: recorded, but it does not force the class.")
@click.option("--by", "actor", default="cli", show_default=True, metavar="USER", help="Who records it (change log).")
def sanction_add(staff_code: str, level: str, decided: str, decision_ref: str, note: str | None, not_duty: bool,
                 actor: str) -> None:
    """Record a discipline sanction of official STAFF."""
    decided_on = _parse_date(decided)
    with database() as session:
        try:
            added = add_sanction(session, staff_code, level.lower(), decided_on, decision_ref, note,
                                 duty_related=not not_duty, actor=actor, now=datetime.now(timezone.utc))
        except (LookupError, ValueError) as error:
            raise BadInput(str(error)) from None
        click.echo(f"Đã ghi kỷ luật {SANCTION_LABELS_VI[added.level]} đối với {staff_code} theo {added.decision_ref} "
                   f"ngày {added.decided_on:%d/%m/%Y}")
        stale = months_to_recompute(session, added)
        if stale:
            click.echo(f"Cần tính lại điểm các tháng: {', '.join(stale)} (deskaudit scores compute THÁNG)")


@sanction.command(name="list")
@click.argument("staff_code", metavar="[STAFF]", required=False)
def sanction_list(staff_code: str | None) -> None:
    """One line per sanction: official, date, level, decision."""
    with database() as session:
        query = (select(Sanction, Staff.code).join(Staff, Sanction.staff_id == Staff.id)
                 .order_by(Sanction.decided_on, Sanction.id))
        if staff_code is not None:
            if session.scalar(select(Staff.id).where(Staff.code == staff_code)) is None:
                raise BadInput(f"no official with code {staff_code!r}")
            query = query.where(Staff.code == staff_code)
        rows = session.execute(query).all()
        if not rows:
            click.echo("không có quyết định kỷ luật nào")
        for item, code in rows:
            click.echo(f"{code:<12} {item.decided_on:%d/%m/%Y}  {SANCTION_LABELS_VI[item.level]:<15} "
                       f"{item.decision_ref}{'  ' + item.note if item.note else ''}")
