"""The biên bản PDF: Vietnamese text read back, DejaVu embedded, draft mark, totals; the shared PDF helpers."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from audit.files.inspection_pdf import render_record
from audit.files.pdf import FontMissing, new_pdf, table, vn_number
from audit.services.inspections import ItemOutcome, finalize, record_inspection
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


def test_the_draft_record_reads_back_in_vietnamese(site, visit, tmp_path):
    with site() as session:
        written = render_record(session, visit, tmp_path / "out" / "bien-ban.pdf")
    assert written == tmp_path / "out" / "bien-ban.pdf"
    text, reader = read(written)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN KIỂM TRA CÔNG VỤ",
                     "Số: 05/BB-KTCV", "Phường Trường Vinh, ngày 05 tháng 03 năm 2026",
                     "Thời gian: 05/03/2026 07:45 – 08:30",
                     "Trung tâm Phục vụ hành chính công phường Trường Vinh, Phường Trường Vinh, tỉnh Nghệ An",
                     "Người kiểm tra: Đặng Văn Hùng", "Quầy số 1 – Tư pháp – Hộ tịch (TV-HT)",
                     "Nguyễn Thị Hoa – Công chức Tư pháp – Hộ tịch (CB-TV-01)",
                     "STT Nội dung Kết quả Số lần Điểm trừ Ghi chú", "Có mặt tại quầy đúng giờ", "Không đạt",
                     "Không áp dụng", "Đạt", "Cán bộ: Trần Văn Minh", "Ảnh: 1", "Đề nghị xem xét kỷ luật",
                     "Bàn làm việc gọn gàng Không đạt 1 0,5", "Hồ sơ trễ hạn có Phiếu xin lỗi Không đạt 2 4",
                     "Nguyễn Thị Hoa 1, 12, 14, 18 6,5", "Trần Văn Minh 5 2", "Đơn vị (tập thể) 13 2",
                     "Kiểm tra đột xuất, không báo trước.", "Ảnh chụp kèm theo: 1 ảnh",
                     "Người kiểm tra", "Đại diện đơn vị", "Cán bộ được kiểm tra", "DỰ THẢO",
                     f"Trang 1/{len(reader.pages)}"):
        assert expected in text, expected
    assert text.count("Nguyễn Thị Hoa") >= 3  # heading, totals, signature
    assert fonts(reader) == {"DejaVuSansBook", "DejaVuSansBold"}  # regular and bold, embedded


def test_a_final_record_has_no_draft_mark(site, visit, tmp_path):
    with site.begin() as session:
        finalize(session, visit, datetime(2026, 3, 5, 9, 0, tzinfo=HN))
    with site() as session:
        text, _ = read(render_record(session, visit, tmp_path / "final.pdf"))
    assert "DỰ THẢO" not in text and "BIÊN BẢN KIỂM TRA CÔNG VỤ" in text


def test_a_record_without_deductions_says_so(site, tmp_path):
    with site.begin() as session:
        made = record_inspection(session, unit_code="NA-DIENCHAU", inspector_name="Lê Văn Tâm", started_at=AT,
                                 outcomes=[ItemOutcome(15, "đạt"), ItemOutcome(17, "đạt")])
        text, _ = read(render_record(session, made.id, tmp_path / "clean.pdf"))
    assert "Không có nội dung bị trừ điểm." in text and "Số: ……/BB-KTCV" in text
    assert "Xã Diễn Châu, ngày 05 tháng 03 năm 2026" in text


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
