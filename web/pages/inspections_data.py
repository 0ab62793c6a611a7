"""The inspection form read into audit.services.inspections outcomes, checked against the user's scope first.

Uploaded photos are written to a temporary folder with neutral names; audit.services.inspections copies them
under DATA_DIR/inspections/<id>/ and the folder goes away with the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.rules.scoring import month_window
from audit.services.checklists import active_template, ensure_default_template
from audit.services.inspections import BASIS_LIMIT, PHOTO_KINDS, ItemOutcome
from models.checklists import ChecklistItem, ChecklistTemplate, Inspection, InspectionResult
from models.enums import ItemResult, ItemScope, local_zone
from models.org import Desk, Staff, Unit
from web.pages.review_data import PER_PAGE
from web.read import LOCAL, scoped_or_404
from web.scope import own_inspections, visible_unit_ids

RESULT_VALUES = {r.value: r for r in ItemResult}
FORM_TIME = "%Y-%m-%dT%H:%M"
NOTE_LIMIT = 2000


@dataclass
class ParsedForm:
    """What the inspector submitted, ready for record_inspection, or the problems found in it."""

    unit: Unit | None = None
    desk_code: str | None = None
    staff_code: str | None = None
    inspector_name: str = ""
    record_number: str | None = None
    basis: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    note: str | None = None
    finalize: bool = False
    outcomes: list[ItemOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def form_template(session: Session) -> ChecklistTemplate:
    """The checklist the form shows: the active default template (created the first time)."""
    return active_template(session) or ensure_default_template(session)


def form_choices(session: Session) -> dict:
    """Units, desks and officials the user may pick (only those in scope)."""
    visible = sorted(visible_unit_ids())
    return {
        "units": list(session.scalars(select(Unit).where(Unit.id.in_(visible), Unit.active.is_(True))
                                      .order_by(Unit.code))),
        "desks": list(session.execute(select(Desk, Unit.code).join(Unit, Desk.unit_id == Unit.id)
                                      .where(Desk.unit_id.in_(visible), Desk.active.is_(True))
                                      .order_by(Unit.code, Desk.code))),
        "officials": list(session.execute(select(Staff, Unit.code).join(Unit, Staff.unit_id == Unit.id)
                                          .where(Staff.unit_id.in_(visible), Staff.active.is_(True))
                                          .order_by(Unit.code, Staff.code))),
    }


def parse_form(session: Session, form, files, template: ChecklistTemplate, upload_dir: Path) -> ParsedForm:
    """Read the submitted form; units, desks and officials outside the user's scope are refused."""
    parsed = ParsedForm()
    visible = visible_unit_ids()
    unit_code = (form.get("unit") or "").strip()
    parsed.unit = session.scalars(select(Unit).where(Unit.code == unit_code)).one_or_none() if unit_code else None
    if not unit_code:
        parsed.errors.append(_("Chọn đơn vị được kiểm tra."))
    elif parsed.unit is None or parsed.unit.id not in visible:
        parsed.errors.append(_("Đơn vị “%(code)s” không thuộc phạm vi bạn được giao.", code=unit_code))
        parsed.unit = None
    parsed.desk_code = _code_in_scope(session, Desk, form.get("desk"), visible, parsed.errors,
                                      _("Quầy “%(code)s” không thuộc phạm vi bạn được giao."))
    parsed.staff_code = _code_in_scope(session, Staff, form.get("staff"), visible, parsed.errors,
                                       _("Cán bộ “%(code)s” không thuộc phạm vi bạn được giao."))
    parsed.inspector_name = (form.get("inspector_name") or "").strip()[:255]
    if not parsed.inspector_name:
        parsed.errors.append(_("Cần ghi họ tên người kiểm tra."))
    parsed.record_number = (form.get("record_number") or "").strip()[:64] or None
    parsed.note = (form.get("note") or "").strip()[:NOTE_LIMIT] or None
    parsed.basis = (form.get("basis") or "").strip() or None
    if parsed.basis is not None and len(parsed.basis) > BASIS_LIMIT:
        parsed.errors.append(_("Căn cứ kiểm tra dài quá %(n)s ký tự.", n=BASIS_LIMIT))
    parsed.finalize = form.get("finalize") == "1"
    zone = local_zone(parsed.unit.timezone if parsed.unit else None)
    parsed.started_at = _local_time(form.get("started_at"), zone, parsed.errors, required=True)
    parsed.ended_at = _local_time(form.get("ended_at"), zone, parsed.errors, required=False)
    if parsed.started_at and parsed.ended_at and parsed.ended_at < parsed.started_at:
        parsed.errors.append(_("Giờ kết thúc phải sau giờ bắt đầu."))
    for item in template.items:
        _read_item(session, item, form, files, upload_dir, visible, parsed)
    if not parsed.outcomes and not parsed.errors:
        parsed.errors.append(_("Chưa có kết quả nào: chọn Đạt, Không đạt hoặc Không áp dụng cho ít nhất một mục."))
    return parsed


def _read_item(session: Session, item: ChecklistItem, form, files, upload_dir: Path, visible, parsed: ParsedForm):
    n = item.number
    value = (form.get(f"result-{n}") or "").strip()
    photos = [f for f in files.getlist(f"photos-{n}") if f and f.filename]
    if not value:
        if photos:
            parsed.errors.append(_("Mục %(n)s có ảnh nhưng chưa chọn kết quả.", n=n))
        return
    result = RESULT_VALUES.get(value)
    if result is None:
        parsed.errors.append(_("Mục %(n)s: kết quả “%(value)s” không hợp lệ.", n=n, value=value))
        return
    try:
        occurrences = int((form.get(f"occurrences-{n}") or "1").strip())
    except ValueError:
        occurrences = 0
    if occurrences < 1:
        parsed.errors.append(_("Mục %(n)s: số lần phải là số nguyên từ 1 trở lên.", n=n))
        return
    staff_code = None
    if item.scope == ItemScope.PERSONAL:
        staff_code = _code_in_scope(session, Staff, form.get(f"staff-{n}"), visible, parsed.errors,
                                    _("Cán bộ “%(code)s” không thuộc phạm vi bạn được giao."))
        if result == ItemResult.FAIL and not (staff_code or parsed.staff_code):
            parsed.errors.append(_("Mục %(n)s “%(text)s” không đạt nhưng chưa chọn cán bộ vi phạm.",
                                   n=n, text=item.text_vi))
            return
    saved = []
    for index, upload in enumerate(photos, start=1):
        head = upload.stream.read(8)
        upload.stream.seek(0)
        kind = next((k for magic, k in PHOTO_KINDS.items() if head.startswith(magic)), None)
        if kind is None:
            parsed.errors.append(_("Ảnh “%(name)s” của mục %(n)s không phải ảnh JPEG hoặc PNG.",
                                   name=upload.filename, n=n))
            continue
        target = upload_dir / f"{n:02d}-{index}.{kind}"
        upload.save(target)
        saved.append(target)
    note = (form.get(f"note-{n}") or "").strip()[:NOTE_LIMIT] or None
    parsed.outcomes.append(ItemOutcome(number=n, result=result, occurrences=occurrences, note=note,
                                       photos=tuple(saved), staff_code=staff_code))


def _code_in_scope(session: Session, model, value, visible, errors: list[str], message: str) -> str | None:
    code = (value or "").strip()
    if not code:
        return None
    row = session.scalars(select(model).where(model.code == code)).one_or_none()
    if row is None or row.unit_id not in visible:
        errors.append(message % {"code": code})
        return None
    return code


def _local_time(value, zone: ZoneInfo, errors: list[str], *, required: bool) -> datetime | None:
    text = (value or "").strip()
    if not text:
        if required:
            errors.append(_("Cần nhập thời điểm bắt đầu kiểm tra."))
        return None
    try:
        return datetime.strptime(text[:16], FORM_TIME).replace(tzinfo=zone)
    except ValueError:
        errors.append(_("Thời điểm “%(value)s” không đúng dạng ngày giờ.", value=text))
        return None


def list_inspections(session: Session, month: str | None, page: int) -> tuple[list, int]:
    """Inspections in the user's scope (newest first) with unit, desk, and their FAIL counts."""
    conditions = [Inspection.unit_id.in_(sorted(visible_unit_ids())), own_inspections()]
    if month:
        start, after = month_window(month, LOCAL)
        conditions += [Inspection.started_at >= start, Inspection.started_at < after]
    total = session.scalar(select(func.count()).select_from(Inspection).where(*conditions))
    fails = (select(InspectionResult.inspection_id, func.count().label("fails"))
             .where(InspectionResult.result == ItemResult.FAIL).group_by(InspectionResult.inspection_id).subquery())
    rows = session.execute(
        select(Inspection, Unit.code, Desk.code, func.coalesce(fails.c.fails, 0))
        .join(Unit, Inspection.unit_id == Unit.id).outerjoin(Desk, Inspection.desk_id == Desk.id)
        .outerjoin(fails, fails.c.inspection_id == Inspection.id).where(*conditions)
        .order_by(Inspection.started_at.desc(), Inspection.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return rows, total


def inspection_in_scope(session: Session, inspection_id: int) -> Inspection:
    return scoped_or_404(session.get(Inspection, inspection_id))


def detail_context(session: Session, inspection: Inspection) -> dict:
    """Results in checklist order with their items and officials, and the inspection's people and places."""
    template = session.get(ChecklistTemplate, inspection.template_id)
    items = {item.id: item for item in template.items}
    staff_ids = {r.staff_id for r in inspection.results if r.staff_id} | ({inspection.staff_id} - {None})
    staff = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))} if staff_ids else {}
    results = sorted(inspection.results, key=lambda r: (items[r.item_id].number, r.staff_id or 0))
    return {
        "template": template, "items": items, "staff": staff, "results": results,
        "unit": session.get(Unit, inspection.unit_id),
        "desk": session.get(Desk, inspection.desk_id) if inspection.desk_id else None,
        "official": staff.get(inspection.staff_id),
    }


def stored_photos(inspection: Inspection) -> list[str]:
    """Every photo path the inspection's results hold (relative to DATA_DIR)."""
    return [p for r in inspection.results for p in (r.photo_paths or ())]
