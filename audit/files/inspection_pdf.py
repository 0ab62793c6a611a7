"""The inspection record (biên bản kiểm tra công vụ) as a printable, signable PDF."""

from __future__ import annotations

import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from audit.files.pdf import FONT, AuditPDF, heading, labelled, new_pdf, table
from audit.rules.checklist import format_points
from audit.services.inspections import deductions_of, get_inspection
from models.checklists import ChecklistItem, ChecklistTemplate, Inspection
from models.enums import InspectionStatus, ItemResult, ItemScope, local_zone
from models.org import Desk, Staff, Unit

TITLE = "BIÊN BẢN KIỂM TRA CÔNG VỤ"
RESULT_VI = {ItemResult.PASS: "Đạt", ItemResult.FAIL: "Không đạt", ItemResult.NOT_APPLICABLE: "Không áp dụng"}
DRAFT = "DỰ THẢO"
REFER = "Đề nghị xem xét kỷ luật"


def render_record(session: Session, inspection_id: int, out_path: Path | str) -> Path:
    """Write the biên bản of one inspection to ``out_path`` (marked DỰ THẢO until it is final)."""
    inspection = get_inspection(session, inspection_id)
    unit = session.get(Unit, inspection.unit_id)
    zone = local_zone(unit.timezone)
    draft = inspection.status != InspectionStatus.FINAL
    pdf = new_pdf(f"{TITLE} {inspection.record_number or inspection.id}", watermark=DRAFT if draft else None)
    _national_heading(pdf, inspection, unit, zone)
    _facts(pdf, session, inspection, unit, zone)
    _results(pdf, session, inspection)
    _totals(pdf, session, inspection)
    _closing(pdf, session, inspection, zone)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".part")
    partial.write_bytes(bytes(pdf.output()))
    os.replace(partial, out_path)
    return out_path


def _national_heading(pdf: AuditPDF, inspection: Inspection, unit: Unit, zone: ZoneInfo) -> None:
    left, right = pdf.usable_width * 0.42, pdf.usable_width * 0.58
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(left, 5, "ĐOÀN KIỂM TRA CÔNG VỤ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(left, 5, f"Số: {inspection.record_number or '……/BB-KTCV'}", align="C", new_x="LMARGIN",
                   new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + left, top)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(right, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(right, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LEFT", new_y="NEXT")
    rule = pdf.get_string_width("Độc lập - Tự do - Hạnh phúc")
    centre = pdf.l_margin + left + right / 2
    pdf.line(centre - rule / 2, pdf.get_y() + 0.5, centre + rule / 2, pdf.get_y() + 0.5)
    pdf.set_y(max(bottom, pdf.get_y()) + 3)
    started = inspection.started_at.astimezone(zone)
    place = (unit.address or "").split(",")[0].strip()
    dated = f"ngày {started:%d} tháng {started:%m} năm {started:%Y}"
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 5, f"{place}, {dated}" if place else dated.capitalize(), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 5, "Về việc chấp hành kỷ luật, kỷ cương hành chính tại Bộ phận Một cửa", align="C",
             new_x="LMARGIN", new_y="NEXT")
    if inspection.status != InspectionStatus.FINAL:
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 5, f"({DRAFT} — chưa ký, chưa dùng để tính điểm)", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _facts(pdf: AuditPDF, session: Session, inspection: Inspection, unit: Unit, zone: ZoneInfo) -> None:
    started = inspection.started_at.astimezone(zone)
    when = started.strftime("%d/%m/%Y %H:%M")
    if inspection.ended_at is not None:
        ended = inspection.ended_at.astimezone(zone)
        same_day = ended.date() == started.date()
        when += " – " + ended.strftime("%H:%M" if same_day else "%d/%m/%Y %H:%M")
    labelled(pdf, "Thời gian", when)
    labelled(pdf, "Địa điểm", ", ".join(part for part in (unit.name, unit.address) if part))
    labelled(pdf, "Người kiểm tra", inspection.inspector_name)
    labelled(pdf, "Đơn vị được kiểm tra", f"{unit.name} ({unit.code})")
    if inspection.desk_id is not None:
        desk = session.get(Desk, inspection.desk_id)
        labelled(pdf, "Quầy", f"{desk.name} – {desk.field} ({desk.code})")
    if inspection.staff_id is not None:
        staff = session.get(Staff, inspection.staff_id)
        labelled(pdf, "Cán bộ được kiểm tra", " – ".join(p for p in (staff.full_name, staff.title) if p)
                 + f" ({staff.code})")


def _items(session: Session, inspection: Inspection) -> dict[int, ChecklistItem]:
    return {item.id: item for item in session.get(ChecklistTemplate, inspection.template_id).items}


def _name(session: Session, staff_id: int | None) -> str:
    return session.get(Staff, staff_id).full_name if staff_id is not None else ""


def _results(pdf: AuditPDF, session: Session, inspection: Inspection) -> None:
    heading(pdf, "I. KẾT QUẢ KIỂM TRA")
    items = _items(session, inspection)
    points = {d.result.id: d.points for d in deductions_of(inspection)}
    rows = []
    ordered = sorted(inspection.results, key=lambda r: (items[r.item_id].number, _name(session, r.staff_id)))
    for result in ordered:
        item = items[result.item_id]
        failed = result.result == ItemResult.FAIL
        notes = []
        if item.scope == ItemScope.UNIT:
            notes.append("Đơn vị")
        elif result.staff_id is not None and result.staff_id != inspection.staff_id:
            notes.append(f"Cán bộ: {_name(session, result.staff_id)}")
        if failed and item.deduction is None and item.refer_discipline:
            notes.append(REFER)
        if result.note:
            notes.append(result.note)
        if result.photo_paths:
            notes.append(f"Ảnh: {len(result.photo_paths)}")
        deducted = ("C" if item.deduction is None else format_points(points[result.id])) if failed else ""
        rows.append([str(item.number), item.text_vi, RESULT_VI[result.result],
                     str(result.occurrences) if failed else "", deducted, "; ".join(notes)])
    if not rows:
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 5.5, "Chưa ghi nhận kết quả nào.", new_x="LMARGIN", new_y="NEXT")
        return
    table(pdf, ["STT", "Nội dung", "Kết quả", "Số lần", "Điểm trừ", "Ghi chú"], rows, [8, 62, 20, 11, 13, 46],
          align=["C", "L", "C", "C", "C", "L"])


def _totals(pdf: AuditPDF, session: Session, inspection: Inspection) -> None:
    heading(pdf, "II. TỔNG HỢP ĐIỂM TRỪ")
    items = _items(session, inspection)
    totals: dict[int | None, Decimal] = defaultdict(Decimal)
    numbers: dict[int | None, list[str]] = defaultdict(list)
    referred = []
    for found in deductions_of(inspection):
        item = items[found.result.item_id]
        totals[found.staff_id] += found.points
        numbers[found.staff_id].append(str(item.number))
        if item.deduction is None and item.refer_discipline:
            referred.append(f"{_name(session, found.staff_id) or 'Đơn vị'} (mục {item.number})")
    if not totals:
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 5.5, "Không có nội dung bị trừ điểm.", new_x="LMARGIN", new_y="NEXT")
    else:
        officials = sorted((k for k in totals if k is not None), key=lambda k: _name(session, k))
        rows = [[_name(session, k), ", ".join(numbers[k]), format_points(totals[k])] for k in officials]
        if None in totals:
            rows.append(["Đơn vị (tập thể)", ", ".join(numbers[None]), format_points(totals[None])])
        table(pdf, ["Đối tượng", "Các mục không đạt", "Tổng điểm trừ"], rows, [70, 60, 30], align=["L", "C", "C"])
    if referred:
        pdf.ln(1)
        labelled(pdf, REFER, "; ".join(referred))


def _closing(pdf: AuditPDF, session: Session, inspection: Inspection, zone: ZoneInfo) -> None:
    heading(pdf, "III. Ý KIẾN, GHI CHÚ")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(0, 5.5, inspection.note or "Không có.", new_x="LMARGIN", new_y="NEXT")
    photos = sum(len(r.photo_paths or ()) for r in inspection.results)
    if photos:
        pdf.multi_cell(0, 5.5, f"Ảnh chụp kèm theo: {photos} ảnh.", new_x="LMARGIN", new_y="NEXT")
    if inspection.ended_at is not None:
        ended = inspection.ended_at.astimezone(zone)
        pdf.multi_cell(0, 5.5, f"Biên bản kết thúc lúc {ended:%H:%M} ngày {ended:%d/%m/%Y}, đã đọc lại cho những "
                       "người có tên trên cùng nghe và thống nhất ký tên.", new_x="LMARGIN", new_y="NEXT")
    if pdf.get_y() + 40 > pdf.h - pdf.b_margin:  # keep the signatures on one page
        pdf.add_page()
    pdf.ln(5)
    staff = _name(session, inspection.staff_id)
    blocks = [("Người kiểm tra", inspection.inspector_name), ("Đại diện đơn vị", ""), ("Cán bộ được kiểm tra", staff)]
    width, top = pdf.usable_width / 3, pdf.get_y()
    for index, (role, name) in enumerate(blocks):
        x = pdf.l_margin + index * width
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(width, 5, role, align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, "", 9)
        pdf.cell(width, 5, "(Ký, ghi rõ họ tên)", align="C", new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x, top + 28)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(width, 5, name, align="C")
