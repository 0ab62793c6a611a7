"""The inspection record (biên bản kiểm tra công vụ) as a printable, signable PDF."""

from __future__ import annotations

import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from audit.files.pdf import DECREE_30_MARGINS, FONT, AuditPDF, heading, labelled, new_pdf, table
from audit.rules.checklist import format_points
from audit.rules.record_form import RecordHeading, basis_lines, place_and_date
from audit.services.inspections import deductions_of, get_inspection
from audit.services.record_form import RecordSettings, heading_for, record_settings
from models.checklists import ChecklistItem, ChecklistTemplate, Inspection
from models.enums import InspectionStatus, ItemResult, ItemScope, local_zone
from models.org import Desk, Staff, Unit

TITLE = "BIÊN BẢN KIỂM TRA CÔNG VỤ"
MOTTO, SUBMOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"
REFUSAL = "Lý do người được kiểm tra không ký biên bản (nếu có): "
OPINION_LINES = 4  # blank lines for an opinion written by hand
SIGNATURE_HEIGHT = 42  # mm: role, "(Ký, ghi rõ họ tên)", room to sign, the name
RESULT_VI = {ItemResult.PASS: "Đạt", ItemResult.FAIL: "Không đạt", ItemResult.NOT_APPLICABLE: "Không áp dụng"}
DRAFT = "DỰ THẢO"
REFER = "Đề nghị xem xét kỷ luật"


def render_record(session: Session, inspection_id: int, out_path: Path | str) -> Path:
    """Write the biên bản of one inspection to ``out_path`` (marked DỰ THẢO until it is final), in the form of
    Decree 30/2020/NĐ-CP: margins, header, place and date, legal basis, opinions, signatures, page numbers."""
    inspection = get_inspection(session, inspection_id)
    unit = session.get(Unit, inspection.unit_id)
    zone = local_zone(unit.timezone)
    draft = inspection.status != InspectionStatus.FINAL
    settings = record_settings(session)
    pdf = new_pdf(f"{TITLE} {inspection.record_number or inspection.id}", watermark=DRAFT if draft else None,
                  margins=DECREE_30_MARGINS, page_numbers="top")
    _national_heading(pdf, inspection, heading_for(session, unit), zone)
    _legal_basis(pdf, settings, inspection)
    _facts(pdf, session, inspection, unit, zone)
    _results(pdf, session, inspection)
    _totals(pdf, session, inspection)
    _notes(pdf, inspection)
    _opinions(pdf, session, inspection, zone)
    _closing(pdf, session, inspection, settings, zone)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".part")
    partial.write_bytes(bytes(pdf.output()))
    os.replace(partial, out_path)
    return out_path


def _rule(pdf: AuditPDF, centre: float, width: float) -> None:
    """The short solid line under the issuing body and under the motto."""
    pdf.line(centre - width / 2, pdf.get_y() + 0.5, centre + width / 2, pdf.get_y() + 0.5)


def _national_heading(pdf: AuditPDF, inspection: Inspection, heading: RecordHeading, zone: ZoneInfo) -> None:
    """Left: the superior body, the inspecting body (bold) and the number; right: the national motto, then the
    place and date in italics on the number's line."""
    left, right = pdf.usable_width * 0.42, pdf.usable_width * 0.58
    left_centre, right_centre = pdf.l_margin + left / 2, pdf.l_margin + left + right / 2
    top = pdf.get_y()
    if heading.superior:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(left, 5, heading.superior, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(left, 5, heading.issuer, align="C", new_x="LMARGIN", new_y="NEXT")
    _rule(pdf, left_centre, min(left / 3, pdf.get_string_width(heading.issuer)))
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + left, top)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(right, 5, MOTTO, align="C", new_x="LEFT", new_y="NEXT")
    pdf.cell(right, 5, SUBMOTTO, align="C", new_x="LEFT", new_y="NEXT")
    _rule(pdf, right_centre, pdf.get_string_width(SUBMOTTO))
    row = max(bottom, pdf.get_y()) + 2
    pdf.set_xy(pdf.l_margin, row)
    pdf.set_font(FONT, "", 10)
    pdf.cell(left, 5, f"Số: {inspection.record_number or '……/BB-KTCV'}", align="C")
    pdf.set_xy(pdf.l_margin + left, row)
    pdf.set_font(FONT, "I", 10)
    pdf.multi_cell(right, 5, place_and_date(heading.place, inspection.started_at.astimezone(zone).date()),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 5, "Về việc chấp hành kỷ luật, kỷ cương hành chính tại Bộ phận Một cửa", align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _rule(pdf, pdf.l_margin + pdf.usable_width / 2, pdf.usable_width / 5)
    if inspection.status != InspectionStatus.FINAL:
        pdf.ln(1)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 5, f"({DRAFT} — chưa ký, chưa dùng để tính điểm)", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)


def _legal_basis(pdf: AuditPDF, settings: RecordSettings, inspection: Inspection) -> None:
    """The "Căn cứ" lines, in italics, one a line: the statutes of ``[inspection] legal_basis``, then the
    inspection's own decision or plan."""
    pdf.set_font(FONT, "I", 10.5)
    for line in basis_lines(settings.legal_basis, inspection.basis):
        pdf.multi_cell(0, 5.5, line, align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


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
    table(pdf, ["STT", "Nội dung", "Kết quả", "Số lần", "Điểm trừ", "Ghi chú"], rows, [10, 60, 19, 11, 13, 47],
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


def _notes(pdf: AuditPDF, inspection: Inspection) -> None:
    heading(pdf, "III. GHI CHÚ")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(0, 5.5, inspection.note or "Không có.", new_x="LMARGIN", new_y="NEXT")
    photos = sum(len(r.photo_paths or ()) for r in inspection.results)
    if photos:
        pdf.multi_cell(0, 5.5, f"Ảnh chụp kèm theo: {photos} ảnh.", new_x="LMARGIN", new_y="NEXT")


def _dotted(pdf: AuditPDF, lead: str = "") -> None:
    """``lead`` followed by dots to the end of the line: room to write by hand."""
    pdf.set_font(FONT, "", 11)
    room = pdf.usable_width - 2 * pdf.c_margin - pdf.get_string_width(lead) - 1
    pdf.multi_cell(0, 7, lead + "." * max(3, int(room / pdf.get_string_width("."))), align="L", new_x="LMARGIN",
                   new_y="NEXT")


def _opinions(pdf: AuditPDF, session: Session, inspection: Inspection, zone: ZoneInfo) -> None:
    """Each inspected official's reply with its date (replies are taken once the record is final); none yet:
    blank lines for the opinion written by hand at the signing."""
    heading(pdf, "IV. Ý KIẾN CỦA NGƯỜI ĐƯỢC KIỂM TRA")
    if not inspection.replies:
        for _ in range(OPINION_LINES):
            _dotted(pdf)
        return
    for reply in inspection.replies:
        sent = reply.submitted_at.astimezone(zone)
        scan = " (kèm bản quét)" if reply.attachment_ref else ""
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 5.5, f"Ý kiến của {_name(session, reply.staff_id)}, gửi ngày {sent:%d/%m/%Y}{scan}:",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 5.5, reply.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)


def _closing(pdf: AuditPDF, session: Session, inspection: Inspection, settings: RecordSettings,
             zone: ZoneInfo) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "", 11)
    if inspection.ended_at is not None:
        ended = inspection.ended_at.astimezone(zone)
        pdf.multi_cell(0, 5.5, f"Biên bản kết thúc lúc {ended:%H:%M} ngày {ended:%d/%m/%Y}, đã đọc lại cho những "
                       "người có tên trên cùng nghe.", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5.5, f"Biên bản được lập thành {settings.copies:02d} bản có giá trị như nhau, đơn vị được "
                   "kiểm tra giữ 01 bản.", new_x="LMARGIN", new_y="NEXT")
    _dotted(pdf, REFUSAL)
    staff = _name(session, inspection.staff_id)
    inspected = ([("NGƯỜI ĐƯỢC KIỂM TRA", staff)] if staff else []) + [("ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA", "")]
    inspecting = [("NGƯỜI KIỂM TRA", inspection.inspector_name), ("NGƯỜI LẬP BIÊN BẢN", "")]
    rows = max(len(inspected), len(inspecting))
    if pdf.get_y() + 5 + rows * SIGNATURE_HEIGHT > pdf.page_break_trigger:  # the signatures stay on one page
        pdf.add_page()
    pdf.ln(5)
    width, top = pdf.usable_width / 2, pdf.get_y()
    for column, blocks in enumerate((inspected, inspecting)):
        for row, (role, name) in enumerate(blocks):
            x, y = pdf.l_margin + column * width, top + row * SIGNATURE_HEIGHT
            pdf.set_xy(x, y)
            pdf.set_font(FONT, "B", 10)
            pdf.cell(width, 5, role, align="C", new_x="LEFT", new_y="NEXT")
            pdf.set_font(FONT, "I", 9)
            pdf.cell(width, 5, "(Ký, ghi rõ họ tên)", align="C", new_x="LEFT", new_y="NEXT")
            pdf.set_xy(x, y + SIGNATURE_HEIGHT - 14)
            pdf.set_font(FONT, "B", 10)
            pdf.cell(width, 5, name, align="C")
    pdf.set_xy(pdf.l_margin, top + rows * SIGNATURE_HEIGHT)
