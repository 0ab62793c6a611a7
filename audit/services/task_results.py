"""Task results' inputs from the database: the dossier rows credited to each official (desk rows shared by the
time each worked the desk by the roster), objective-cause exemptions, and the aliases the one-stop export uses."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from fractions import Fraction

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.files.tabular import header_key
from audit.rules.scoring import format_vi, period_bounds, period_months, q2
from audit.rules.tasks import TaskResult, TaskRow
from models.access import ChangeLog
from models.enums import ChangeAction
from models.org import Desk, Staff
from models.scoring import DossierStat, StaffAlias, TaskExemption


def _task_row(stat: DossierStat, share: Fraction = Fraction(1)) -> TaskRow:
    return TaskRow(stat.on_time, stat.late, stat.not_yet_due, share, stat.early, stat.pending_overdue, stat.failed,
                   stat.received, stat.role, stat.reception_late)


def desk_workers(minutes: pd.DataFrame) -> dict[tuple[str, int], dict[int, int]]:
    """Minutes each official worked at each desk in each month (rostered, less excused absence), by (month key,
    desk id) then staff id."""
    worked: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    if minutes is None or not len(minutes):
        return worked
    frame = minutes.assign(worked=(minutes["scheduled"] - minutes["excused"]).clip(lower=0),
                           month=[f"{d:%Y-%m}" for d in minutes["day"]])
    for (month, desk_id, staff_id), value in frame.groupby(["month", "desk_id", "staff_id"])["worked"].sum().items():
        if round(float(value)) > 0:
            worked[(str(month), int(desk_id))][int(staff_id)] = round(float(value))
    return worked


def task_rows(session: Session, month: str, officials: list[Staff],
              minutes: pd.DataFrame) -> tuple[dict[int, list[TaskRow]], dict[int, list[str]]]:
    """Dossier rows credited to each official, and notes on how desk rows were shared.

    ``month`` is a period key: a quarter takes its three months' rows. A personal row is the official's. A desk
    row is shared by the time each official worked at that desk in the row's month by the roster (leave, business
    trips and training excluded); a desk nobody worked by the roster (a month without complete days yet) is
    shared equally by its usual officials.
    """
    months = period_months(month)
    ids = [o.id for o in officials]
    rows: dict[int, list[TaskRow]] = defaultdict(list)
    notes: dict[int, list[str]] = defaultdict(list)
    for stat in session.scalars(select(DossierStat).where(DossierStat.month.in_(months), DossierStat.staff_id.in_(ids))
                                .order_by(DossierStat.id)):
        rows[stat.staff_id].append(_task_row(stat))
    desk_stats = list(session.scalars(
        select(DossierStat).where(DossierStat.month.in_(months), DossierStat.staff_id.is_(None),
                                  DossierStat.desk_id.is_not(None),
                                  DossierStat.unit_id.in_(sorted({o.unit_id for o in officials})))
        .order_by(DossierStat.id)))
    if not desk_stats:
        return rows, notes
    worked = desk_workers(minutes)
    holders: dict[int, list[int]] = defaultdict(list)
    for official in officials:
        if official.default_desk_id is not None:
            holders[official.default_desk_id].append(official.id)
    codes = dict(session.execute(select(Desk.id, Desk.code).where(Desk.id.in_({s.desk_id for s in desk_stats}))).all())
    in_scope = set(ids)
    for stat in desk_stats:
        by_staff = worked.get((stat.month, stat.desk_id), {})
        total = sum(by_staff.values())
        if total:
            for staff_id, part in by_staff.items():
                if staff_id in in_scope:
                    rows[staff_id].append(_task_row(stat, Fraction(part, total)))
                    hours = f"{format_vi(q2(Fraction(part, 60)), 1)} / {format_vi(q2(Fraction(total, 60)), 1)} giờ"
                    notes[staff_id].append(f"Số liệu quầy {codes[stat.desk_id]}"
                                           f"{'' if len(months) == 1 else ' tháng ' + stat.month[5:]}: tính "
                                           f"{round(100 * part / total)} % theo thời gian trực thực tế ({hours})")
            continue
        usual = holders.get(stat.desk_id, [])
        for staff_id in usual:
            rows[staff_id].append(_task_row(stat, Fraction(1, len(usual))))
            notes[staff_id].append(f"Số liệu quầy {codes[stat.desk_id]} tháng {stat.month[5:]}/{stat.month[:4]}: chia "
                                   f"đều cho {len(usual)} người thường trực quầy (chưa có lịch trực của tháng)")
    return rows, notes


def task_note(result: TaskResult) -> str:
    """The task results' parts in words, stored with the score."""
    made = result.products
    exempt = (f", miễn trừ {_count(result.exempt_late)} lần chậm" if result.exempt_late else "") + (
        f", miễn trừ {_count(result.exempt_failed)} sản phẩm không đạt" if result.exempt_failed else "")
    return (f"Kết quả thực hiện nhiệm vụ {format_vi(result.total)}: số lượng {format_vi(result.quantity)} "
            f"({_count(made.completed)}/{_count(made.assigned)} sản phẩm hoàn thành), chất lượng "
            f"{format_vi(result.quality)} ({_count(made.failed)} không đạt), tiến độ {format_vi(result.progress)} "
            f"({_count(made.late)} lần chậm{exempt}"
            + (f", {_count(made.overdue)} quá hạn chưa giải quyết" if made.overdue else "") + ")")


def _count(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else format_vi(q2(value))


def exemptions(session: Session, month: str, staff_ids: set[int]) -> dict[int, tuple[int, int, list[str]]]:
    """Late and failed occurrences exempted per official for the month, with a note naming each reference."""
    found: dict[int, tuple[int, int, list[str]]] = {}
    for item in session.scalars(select(TaskExemption).where(TaskExemption.month == month,
                                                            TaskExemption.staff_id.in_(sorted(staff_ids)))
                                .order_by(TaskExemption.id)):
        late, failed, notes = found.get(item.staff_id, (0, 0, []))
        notes.append(f"Miễn trừ do nguyên nhân khách quan theo {item.reference}: {item.late} lần chậm, "
                     f"{item.failed} sản phẩm không đạt" + (f" ({item.note})" if item.note else ""))
        found[item.staff_id] = (late + item.late, failed + item.failed, notes)
    return found


def _staff(session: Session, code: str) -> Staff:
    person = session.scalars(select(Staff).where(Staff.code == code)).one_or_none()
    if person is None:
        raise LookupError(f"no official with code {code!r}")
    return person


def add_exemption(session: Session, staff_code: str, month: str, *, late: int = 0, failed: int = 0, reference: str,
                  note: str | None = None, by: str, now: datetime) -> TaskExemption:
    """Exempt ``late`` late and ``failed`` failed occurrences of an official's month for an objective cause.

    Raises:
        LookupError: no official has that code.
        ValueError: no reference, negative counts, or nothing exempted.
    """
    period_bounds(month)
    person = _staff(session, staff_code)
    if not reference or not reference.strip():
        raise ValueError("the reference of the document confirming the objective cause is required (--ref)")
    if late < 0 or failed < 0 or late + failed == 0:
        raise ValueError(f"exempt at least one late or failed occurrence (got late={late}, failed={failed})")
    item = TaskExemption(staff_id=person.id, month=month, late=late, failed=failed, reference=reference.strip(),
                         note=(note or "").strip() or None, created_at=now, created_by=by)
    session.add(item)
    session.add(ChangeLog(at=now, actor=by, source="scores", entity_type="task_exemption", entity_key=staff_code,
                          action=ChangeAction.CREATE, decision_ref=item.reference,
                          changes={"month": [None, month], "late": [None, late], "failed": [None, failed]},
                          note=item.note))
    session.flush()
    return item


def add_alias(session: Session, alias: str, staff_code: str, *, now: datetime) -> StaffAlias:
    """Record that the one-stop software lists official ``staff_code`` as ``alias`` (an account or a name).

    Raises:
        LookupError: no official has that code.
        ValueError: an empty alias, or one already given to another official.
    """
    person = _staff(session, staff_code)
    key = header_key(alias)
    if not key:
        raise ValueError("the alias (account or name) is empty")
    existing = session.scalars(select(StaffAlias).where(StaffAlias.alias == key)).one_or_none()
    if existing is not None:
        if existing.staff_id == person.id:
            return existing
        owner = session.get(Staff, existing.staff_id)
        raise ValueError(f"alias {alias!r} already names {owner.code if owner else existing.staff_id}")
    row = StaffAlias(alias=key[:255], shown=alias.strip()[:255], staff_id=person.id, created_at=now)
    session.add(row)
    session.flush()
    return row
