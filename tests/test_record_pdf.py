"""The biên bản PDF: Vietnamese text read back, DejaVu embedded, draft mark, totals, the form of Decree 30/2020
(header, place and date, legal basis, opinions, signatures) and the config keys behind it; the shared PDF helpers."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from audit.files.inspection_pdf import render_record
from audit.files.pdf import FontMissing, new_pdf, table, vn_number
from audit.rules.record_form import date_line, place_from_address
from audit.services.inspections import ItemOutcome, finalize, record_inspection
from audit.services.staff_voice import reply_to_inspection
from conftest import REPO
from fakecams import example_site_loader, jpeg_frames

HN = ZoneInfo("Asia/Ho_Chi_Minh")
AT = datetime(2026, 3, 5, 7, 45, tzinfo=HN)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, datetime(2026, 3, 1, tzinfo=timezone.utc))()


@pytest.fixture
def visit(site, tmp_path):
    """A draft inspection of Quầy số 1 (Nguyễn Thị Hoa) with personal, unit and referred results."""
    photo = tmp_path / "ban.jpg"
    photo.write_bytes(jpeg_frames()[0])
    with site.begin() as session:
        made = record_inspection(
            session, unit_code="NA-TRUONGVINH", desk_code="TV-HT", staff_code="CB-TV-01",
            inspector_name="Đặng Văn Hùng", started_at=AT, ended_at=datetime(2026, 3, 5, 8, 30, tzinfo=HN),
            record_number="05/BB-KTCV", note="Kiểm tra đột xuất, không báo trước.", photo_dir=tmp_path / "data",
            outcomes=[ItemOutcome(1, "fail", note="Có mặt lúc 07:52", photos=[photo]),
                      ItemOutcome(5, "fail", staff_code="CB-TV-02"), ItemOutcome(8, "pass"),
                      ItemOutcome(12, "fail"), ItemOutcome(13, "fail"), ItemOutcome(14, "fail", occurrences=2),
                      ItemOutcome(16, "na"), ItemOutcome(18, "fail")])
        return made.id


def read(path) -> tuple[str, PdfReader]:
    reader = PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def fonts(reader: PdfReader) -> set[str]:
    """Base names of the fonts the pages use, each checked to be embedded (a TrueType file inside the PDF)."""
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


def positions(page) -> list[tuple[str, float, float]]:
    """Each piece of text on a page with where it starts (x from the left, y up from the bottom, in points)."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((" ".join(text.split()), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def where(page, text: str) -> tuple[float, float]:
    return next((x, y) for found, x, y in positions(page) if text in found)


def section(reader: PdfReader, start: str, end: str) -> list[str]:
    """The lines of text between two headings (both excluded)."""
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next(i for i, line in enumerate(lines) if i > first and end in line)
    return lines[first + 1:last]


def test_the_draft_record_reads_back_in_vietnamese(site, visit, tmp_path):
    with site() as session:
        written = render_record(session, visit, tmp_path / "out" / "bien-ban.pdf")
    assert written == tmp_path / "out" / "bien-ban.pdf"
    text, reader = read(written)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN KIỂM TRA CÔNG VỤ",
                     "Số: 05/BB-KTCV", "Trường Vinh, ngày 05 tháng 3 năm 2026",
                     "Thời gian: 05/03/2026 07:45 – 08:30",
                     "Trung tâm Phục vụ hành chính công phường Trường Vinh, Phường Trường Vinh, tỉnh Nghệ An",
                     "Người kiểm tra: Đặng Văn Hùng", "Quầy số 1 – Tư pháp – Hộ tịch (TV-HT)",
                     "Nguyễn Thị Hoa – Công chức Tư pháp – Hộ tịch (CB-TV-01)",
                     "STT Nội dung Kết quả Số lần Điểm trừ Ghi chú", "Có mặt tại quầy đúng giờ", "Không đạt",
                     "Không áp dụng", "Đạt", "Cán bộ: Trần Văn Minh", "Ảnh: 1", "Đề nghị xem xét kỷ luật",
                     "Bàn làm việc gọn gàng Không đạt 1 0,5", "Hồ sơ trễ hạn có Phiếu xin lỗi Không đạt 2 4",
                     "Nguyễn Thị Hoa 1, 12, 14, 18 6,5", "Trần Văn Minh 5 2", "Đơn vị (tập thể) 13 2",
                     "Kiểm tra đột xuất, không báo trước.", "Ảnh chụp kèm theo: 1 ảnh",
                     "NGƯỜI ĐƯỢC KIỂM TRA (Ký, ghi rõ họ tên) Nguyễn Thị Hoa",
                     "NGƯỜI KIỂM TRA (Ký, ghi rõ họ tên) Đặng Văn Hùng", "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA (Ký",
                     "NGƯỜI LẬP BIÊN BẢN (Ký",
                     "Biên bản được lập thành 02 bản", "DỰ THẢO"):
        assert expected in text, expected
    assert "Phường Trường Vinh, ngày" not in text  # the place name, not the address
    assert text.count("Nguyễn Thị Hoa") >= 3  # heading, totals, signature
    assert fonts(reader) == {"DejaVuSansBook", "DejaVuSansBold", "DejaVuSansOblique"}  # all embedded
    # Page numbers (Decree 30/2020): none on the first page, the bare number centred at the top of the others.
    assert len(reader.pages) >= 2 and "Trang" not in text
    top = max(positions(reader.pages[1]), key=lambda found: found[2])
    assert top[0] == "2" and abs(top[1] - float(reader.pages[1].mediabox.width) / 2) < 20


def test_the_header_puts_the_superior_body_above_the_inspecting_body(site, visit, tmp_path):
    """Top left: the superior body (inherited from the province unit NA), the inspecting body under it, then the
    number; top right: the national motto, then the place and date on the number's line."""
    with site() as session:
        _, reader = read(render_record(session, visit, tmp_path / "bb.pdf"))
    page = reader.pages[0]
    middle = float(page.mediabox.width) / 2
    superior, issuer = where(page, "UBND TỈNH NGHỆ AN"), where(page, "SỞ NỘI VỤ")
    motto, dated = where(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), where(page, "Trường Vinh, ngày 05 tháng 3")
    number = where(page, "Số: 05/BB-KTCV")
    assert superior[1] > issuer[1] > number[1]  # one above the other, in this order
    assert superior[0] < middle and issuer[0] < middle and number[0] < middle
    assert motto[0] > middle and dated[0] > middle and abs(dated[1] - number[1]) < 1
    assert superior[1] == motto[1]


def test_the_legal_basis_cites_the_decrees_then_the_inspection(site, visit, tmp_path):
    """Each "Căn cứ" line ends with ";" and the last with "."; an inspection without its own basis takes the
    site's ``[inspection] basis`` (the example's inspection plan)."""
    with site() as session:
        text, _ = read(render_record(session, visit, tmp_path / "bb.pdf"))
    decrees = ("Căn cứ Nghị định số 118/2025/NĐ-CP ngày 09 tháng 6 năm 2025 của Chính phủ về thực hiện thủ tục hành "
               "chính theo cơ chế một cửa, một cửa liên thông tại Bộ phận Một cửa và Cổng Dịch vụ công quốc gia; "
               "Căn cứ Nghị định số 335/2025/NĐ-CP ngày 21 tháng 12 năm 2025 của Chính phủ quy định về đánh giá, "
               "xếp loại chất lượng đối với cơ quan hành chính nhà nước và công chức; ")
    assert decrees + ("Căn cứ Kế hoạch số 15/KH-SNV ngày 10 tháng 01 năm 2026 của Sở Nội vụ về kiểm tra công vụ "
                      "năm 2026 (ví dụ). Thời gian:") in text
    with site.begin() as session:
        own = record_inspection(session, unit_code="NA-DIENCHAU", inspector_name="Lê Văn Tâm", started_at=AT,
                                basis="Quyết định số 12/QĐ-SNV ngày 02/3/2026 của Giám đốc Sở Nội vụ về việc kiểm "
                                      "tra công vụ;", outcomes=[ItemOutcome(15, "đạt")])
        assert own.basis.startswith("Quyết định số 12/QĐ-SNV")
        text, _ = read(render_record(session, own.id, tmp_path / "own.pdf"))
    assert decrees + ("Căn cứ Quyết định số 12/QĐ-SNV ngày 02/3/2026 của Giám đốc Sở Nội vụ về việc kiểm tra công "
                      "vụ. Thời gian:") in text
    assert "Kế hoạch số 15/KH-SNV" not in text


def test_the_opinion_section_prints_the_reply_or_blank_lines(site, visit, tmp_path):
    with site() as session:
        _, reader = read(render_record(session, visit, tmp_path / "draft.pdf"))
    blank = section(reader, "IV. Ý KIẾN CỦA NGƯỜI ĐƯỢC KIỂM TRA", "Biên bản kết thúc")
    assert len(blank) == 4 and all(len(line) > 60 and set(line) == {"."} for line in blank)  # room to write
    with site.begin() as session:
        finalize(session, visit, datetime(2026, 3, 5, 9, 0, tzinfo=HN))
        reply_to_inspection(session, visit, "Tôi đồng ý với kết quả; thẻ công chức bị mất, đã làm đơn cấp lại.",
                            now=datetime(2026, 3, 6, 10, 0, tzinfo=HN), staff_code="CB-TV-01")
    with site() as session:
        text, reader = read(render_record(session, visit, tmp_path / "final.pdf"))
    replied = " ".join(section(reader, "IV. Ý KIẾN CỦA NGƯỜI ĐƯỢC KIỂM TRA", "Biên bản kết thúc"))
    assert replied == ("Ý kiến của Nguyễn Thị Hoa, gửi ngày 06/03/2026: Tôi đồng ý với kết quả; thẻ công chức bị "
                       "mất, đã làm đơn cấp lại.")
    assert "Lý do người được kiểm tra không ký biên bản (nếu có): ......" in text  # before the signatures
    assert text.index("Lý do người được kiểm tra không ký") < text.index("NGƯỜI ĐƯỢC KIỂM TRA (Ký")


def test_a_record_without_deductions_says_so(site, tmp_path):
    with site.begin() as session:
        made = record_inspection(session, unit_code="NA-DIENCHAU", inspector_name="Lê Văn Tâm", started_at=AT,
                                 outcomes=[ItemOutcome(15, "đạt"), ItemOutcome(17, "đạt")])
        text, _ = read(render_record(session, made.id, tmp_path / "clean.pdf"))
    assert "Không có nội dung bị trừ điểm." in text and "Số: ……/BB-KTCV" in text
    assert "Diễn Châu, ngày 05 tháng 3 năm 2026" in text
    # No official inspected: the unit's representative signs for it.
    assert "ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA (Ký" in text and "NGƯỜI ĐƯỢC KIỂM TRA (Ký" not in text


@pytest.mark.parametrize("day, line", [
    (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"), (date(2026, 12, 15), "ngày 15 tháng 12 năm 2026"),
    (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"), (date(2026, 1, 10), "ngày 10 tháng 01 năm 2026"),
    (date(2025, 6, 9), "ngày 09 tháng 6 năm 2025"), (date(2026, 10, 31), "ngày 31 tháng 10 năm 2026"),
])
def test_the_date_line_pads_days_below_10_and_months_1_and_2(day, line):
    assert date_line(day) == line


@pytest.mark.parametrize("address, place", [
    ("Phường Trường Vinh, tỉnh Nghệ An", "Trường Vinh"), ("Xã Diễn Châu, tỉnh Nghệ An", "Diễn Châu"),
    ("Phường 3, Thành phố Hồ Chí Minh", "Phường 3"), ("Thị trấn Nam Đàn", "Nam Đàn"), ("Hà Nội", "Hà Nội"),
    ("", None), (None, None),
])
def test_a_place_name_from_the_address_drops_the_commune_word(address, place):
    assert place_from_address(address) == place


def test_the_date_line_of_a_december_record(site, tmp_path):
    with site.begin() as session:
        made = record_inspection(session, unit_code="NA-TRUONGVINH", inspector_name="Lê Văn Tâm",
                                 started_at=datetime(2026, 12, 15, 8, 0, tzinfo=HN), outcomes=[ItemOutcome(15, "đạt")])
        text, _ = read(render_record(session, made.id, tmp_path / "dec.pdf"))
    assert "Trường Vinh, ngày 15 tháng 12 năm 2026" in text


def _one_record(example_raw, write_config, session_for, tmp_path, mutate, unit="NA-TRUONGVINH") -> str:
    factory = example_site_loader(example_raw, write_config, session_for, datetime(2026, 3, 1, tzinfo=timezone.utc))
    site = factory(mutate)
    with site.begin() as session:
        made = record_inspection(session, unit_code=unit, inspector_name="Lê Văn Tâm", started_at=AT,
                                 outcomes=[ItemOutcome(15, "đạt")])
        return read(render_record(session, made.id, tmp_path / f"{unit}.pdf"))[0]


def test_the_config_sets_place_name_and_bodies(example_raw, write_config, session_for, tmp_path):
    """``place_name`` is the date line's place; ``inspecting_body`` and ``superior`` of the nearest unit up the
    tree head the record, in capitals."""
    def mutate(raw):
        raw["units"][1]["place_name"] = "Vinh"
        raw["units"][1]["inspecting_body"] = "Văn phòng UBND phường Trường Vinh"
        raw["units"][1]["superior"] = "UBND phường Trường Vinh"

    text = _one_record(example_raw, write_config, session_for, tmp_path, mutate)
    assert "Vinh, ngày 05 tháng 3 năm 2026" in text and "Trường Vinh, ngày" not in text
    assert text.index("UBND PHƯỜNG TRƯỜNG VINH") < text.index("VĂN PHÒNG UBND PHƯỜNG TRƯỜNG VINH")
    assert "SỞ NỘI VỤ" not in text and "UBND TỈNH NGHỆ AN" not in text


def test_without_them_the_record_falls_back(example_raw, write_config, session_for, tmp_path):
    """No place name: the address's commune without "Phường"; no inspecting body anywhere up the tree: "ĐOÀN KIỂM
    TRA CÔNG VỤ"; no superior: no superior line."""
    def mutate(raw):
        for unit in raw["units"]:
            for key in ("place_name", "inspecting_body", "superior"):
                unit.pop(key, None)

    text = _one_record(example_raw, write_config, session_for, tmp_path, mutate)
    assert "Trường Vinh, ngày 05 tháng 3 năm 2026" in text and "Phường Trường Vinh, ngày" not in text
    above_motto = text.split("CỘNG HÒA")[0].replace("DỰ THẢO", "")  # the draft mark comes first
    assert above_motto.split() == ["ĐOÀN", "KIỂM", "TRA", "CÔNG", "VỤ"]  # and nothing above it

    def no_address(raw):
        mutate(raw)
        del raw["units"][1]["address"]

    text = _one_record(example_raw, write_config, session_for, tmp_path, no_address)
    assert "Trung tâm Phục vụ hành chính công phường Trường Vinh, ngày 05 tháng 3 năm 2026" in text


def test_the_inspection_table_sets_basis_and_copies(example_raw, write_config, session_for, tmp_path):
    def mutate(raw):
        raw["inspection"] = {"legal_basis": ["Luật Cán bộ, công chức số 80/2025/QH15"], "copies": 3}

    text = _one_record(example_raw, write_config, session_for, tmp_path, mutate)
    assert "Căn cứ Luật Cán bộ, công chức số 80/2025/QH15. Thời gian:" in text  # the only line: no default basis
    assert "118/2025" not in text and "Biên bản được lập thành 03 bản" in text

    def without(raw):
        del raw["inspection"]

    text = _one_record(example_raw, write_config, session_for, tmp_path, without)
    assert "Căn cứ Nghị định số 118/2025/NĐ-CP" in text  # the default statutes, and no plan
    assert "xếp loại chất lượng đối với cơ quan hành chính nhà nước và công chức. Thời gian:" in text


def test_table_repeats_its_header_on_a_new_page(tmp_path):
    pdf = new_pdf("Thử bảng")
    table(pdf, ["STT", "Nội dung"], [[str(n), f"Dòng số {n} có chữ tiếng Việt: Đạt"] for n in range(1, 90)], [10, 90])
    pdf.output(str(tmp_path / "t.pdf"))
    reader = PdfReader(str(tmp_path / "t.pdf"))
    assert len(reader.pages) >= 2
    assert all("STT Nội dung" in " ".join(page.extract_text().split()) for page in reader.pages)
    assert f"Trang 2/{len(reader.pages)}" in reader.pages[1].extract_text()


def test_missing_fonts_are_named(monkeypatch, tmp_path):
    import audit.files.pdf

    monkeypatch.setattr(audit.files.pdf, "font_candidates", lambda: [tmp_path / "fonts"])
    with pytest.raises(FontMissing, match=r"DejaVuSans\.ttf and DejaVuSans-Bold\.ttf not found in .*fonts"):
        new_pdf("x")


def test_pdf_modules_do_not_import_matplotlib():
    code = ("import sys, audit.files.inspection_pdf, audit.files.pdf\naudit.files.pdf.new_pdf('x')\n"
            "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("value, places, text", [
    (Decimal("0.50"), None, "0,5"), (Decimal("10"), None, "10"), (84.92, None, "84,92"), (Decimal("75.8"), 2, "75,80"),
])
def test_numbers_have_a_decimal_comma(value, places, text):
    assert vn_number(value, places) == text


def test_cli_pdf(site, visit, migrated_url, monkeypatch, cli_runner, tmp_path):
    from deskaudit.cli.inspection import inspection

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    out = tmp_path / "bb" / "05.pdf"
    result = cli_runner.invoke(inspection, ["pdf", str(visit), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out) and "BIÊN BẢN KIỂM TRA CÔNG VỤ" in read(out)[0]
    missing = cli_runner.invoke(inspection, ["pdf", "999999", "--out", str(tmp_path / "none.pdf")])
    assert missing.exit_code == 2 and "no inspection with id 999999" in missing.output
    assert not (tmp_path / "none.pdf").exists()
