"""Inspection pages: the checklist form with phone photos, the record, photos and PDF (logged), scope and roles."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import ultralytics
from pypdf import PdfReader
from sqlalchemy import func, select

from models.access import AccessLog, User
from models.checklists import Inspection, InspectionResult
from models.enums import InspectionStatus, ItemResult, Role
from models.org import Staff, Unit
from websupport import PASSWORD, csrf_token, login, web_site  # noqa: F401  (fixture)

USERS = ("admin", "thanhtra", "lanhdao-tv", "xem-tv", "xem-dc")
JPEG = Path(os.path.dirname(ultralytics.__file__)) / "assets" / "bus.jpg"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# route → expected status for (admin, thanhtra, lanhdao-tv, xem-tv, xem-dc). {tv}/{dc}: the seeded (final) records
# of Trường Vinh / Diễn Châu, each given one photo. Allowed POSTs stop at validation (400) or the record's state (409).
MATRIX = [
    ("GET", "/inspections", (200, 200, 200, 200, 200)),
    ("GET", "/inspections?month=2026-03", (200, 200, 200, 200, 200)),
    ("GET", "/inspections/new", (200, 200, 403, 403, 403)),
    ("GET", "/inspections/{tv}", (200, 200, 200, 200, 404)),
    ("GET", "/inspections/{dc}", (200, 200, 404, 404, 200)),
    ("GET", "/inspections/999999", (404, 404, 404, 404, 404)),
    ("GET", "/inspections/{tv}/record.pdf", (200, 200, 200, 200, 404)),
    ("GET", "/inspections/{dc}/record.pdf", (200, 200, 404, 404, 200)),
    ("GET", "/inspections/{tv}/photos/{r_tv}/0", (200, 200, 200, 200, 404)),
    ("GET", "/inspections/{dc}/photos/{r_dc}/0", (200, 200, 404, 404, 200)),
    ("GET", "/inspections/{tv}/photos/{r_tv}/1", (404, 404, 404, 404, 404)),
    ("GET", "/inspections/{tv}/photos/{r_dc}/0", (404, 404, 404, 404, 404)),
    ("POST", "/inspections/new", (400, 400, 403, 403, 403)),
    ("POST", "/inspections/{tv}/finalize", (409, 409, 403, 403, 403)),
    ("POST", "/inspections/{dc}/finalize", (409, 409, 403, 403, 403)),
]


def seeded(site, unit_code: str) -> tuple[int, int]:
    """The seeded inspection of the unit and its first result, given a photo stored under DATA_DIR."""
    data = Path(site.app.config["DATA_DIR"])
    with site.factory.begin() as session:
        inspection = session.scalar(select(Inspection).join(Unit, Inspection.unit_id == Unit.id)
                                    .where(Unit.code == unit_code))
        result = min(inspection.results, key=lambda r: r.id)
        relative = f"inspections/{inspection.id}/seed-1.jpg"
        (data / relative).parent.mkdir(parents=True, exist_ok=True)
        (data / relative).write_bytes(JPEG.read_bytes())
        result.photo_paths = [relative]
        return inspection.id, result.id


def counts(site) -> tuple[int, int]:
    with site.factory() as session:
        return (session.scalar(select(func.count()).select_from(Inspection)),
                session.scalar(select(func.count()).select_from(InspectionResult)))


def stored_photos(site) -> list[str]:
    folder = Path(site.app.config["DATA_DIR"]) / "inspections"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def form(client, **fields) -> dict:
    base = {"csrf_token": csrf_token(client, "/inspections/new"), "unit": "NA-TRUONGVINH", "desk": "TV-HT",
            "inspector_name": "Nguyễn Văn Thanh", "record_number": "07/BB-KTCV",
            "started_at": "2026-03-27T07:45", "ended_at": "2026-03-27T09:00"}
    return {**base, **fields}


@pytest.mark.parametrize("user", USERS)
def test_authorisation_matrix(web_site, user):
    (tv, r_tv), (dc, r_dc) = seeded(web_site, "NA-TRUONGVINH"), seeded(web_site, "NA-DIENCHAU")
    client = web_site.client(user)
    token = csrf_token(client)
    column = USERS.index(user)
    before = counts(web_site)
    wrong = []
    for method, path, expected in MATRIX:
        url = path.format(tv=tv, dc=dc, r_tv=r_tv, r_dc=r_dc)
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        if response.status_code != expected[column]:
            wrong.append(f"{method} {url}: {response.status_code}, expected {expected[column]}")
    assert not wrong, "\n".join(wrong)
    assert counts(web_site) == before  # nothing was recorded


def test_form_shows_the_checklist_for_a_phone(web_site):
    page = web_site.client("thanhtra").get("/inspections/new").get_data(as_text=True)
    assert page.count('class="check-item"') == 18
    assert page.count('capture="environment"') == 18 and page.count('accept="image/*"') == 18
    assert 'enctype="multipart/form-data"' in page
    for text in ("Đeo thẻ công chức", "Bàn làm việc gọn gàng", "−0,5", ">C<", 'type="datetime-local"',
                 'name="finalize"'):
        assert text in page, text
    assert page.count('name="staff-') == 14  # personal items name an official; the 4 unit items do not
    assert 'value="NA-DIENCHAU"' in page and 'value="CB-DC-01"' in page
    # The basis comes filled in with the site's [inspection] basis, to be corrected for this visit.
    assert re.search(r'<textarea name="basis"[^>]*>Kế hoạch số 15/KH-SNV ngày 10 tháng 01 năm 2026', page)


def test_record_an_inspection_with_a_phone_photo(web_site):
    client = web_site.client("thanhtra")
    data = form(client, **{"result-1": "pass", "result-5": "fail", "staff-5": "CB-TV-01", "occurrences-5": "2",
                           "note-5": "Không đeo thẻ", "result-12": "not_applicable", "result-13": "fail",
                           "finalize": "1", "basis": "Quyết định số 9/QĐ-SNV ngày 20/3/2026 về việc kiểm tra công vụ"})
    data["photos-5"] = [(io.BytesIO(JPEG.read_bytes()), "IMG_0001.JPG", "image/jpeg")]
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    inspection_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with web_site.factory() as session:
        inspection = session.get(Inspection, inspection_id)
        assert inspection.status is InspectionStatus.FINAL and inspection.record_number == "07/BB-KTCV"
        assert inspection.basis == "Quyết định số 9/QĐ-SNV ngày 20/3/2026 về việc kiểm tra công vụ"
        assert inspection.started_at == datetime(2026, 3, 27, 7, 45, tzinfo=LOCAL).astimezone(timezone.utc)
        assert inspection.inspector_id == session.scalar(select(User.id).where(User.username == "thanhtra"))
        results = {r.result: r for r in inspection.results}
        assert len(inspection.results) == 4
        failed = next(r for r in inspection.results if r.photo_paths)
        assert failed.result is ItemResult.FAIL and failed.occurrences == 2 and failed.note == "Không đeo thẻ"
        assert failed.staff_id == session.scalar(select(Staff.id).where(Staff.code == "CB-TV-01"))
        assert ItemResult.NOT_APPLICABLE in results
        photo = failed.photo_paths[0]
        result_id = failed.id
    stored = Path(web_site.app.config["DATA_DIR"]) / photo
    assert photo.startswith(f"inspections/{inspection_id}/05-") and stored.read_bytes() == JPEG.read_bytes()

    page = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "Không đạt" in page and "Đeo thẻ công chức" in page and "Đã ký (chính thức)" in page
    assert "Quyết định số 9/QĐ-SNV ngày 20/3/2026 về việc kiểm tra công vụ" in page
    assert "Ký chính thức biên bản" not in page  # final: nothing left to sign
    photo_url = f"/inspections/{inspection_id}/photos/{result_id}/0"
    assert photo_url in page
    viewer = web_site.client("xem-tv")
    shown = viewer.get(photo_url)
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg" and shown.data == JPEG.read_bytes()
    assert web_site.client("xem-dc").get(photo_url).status_code == 404

    pdf = viewer.get(f"/inspections/{inspection_id}/record.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"] and "bien-ban-kiem-tra-07-BB-KTCV.pdf" in \
        pdf.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "BIÊN BẢN KIỂM TRA CÔNG VỤ" in text and "07/BB-KTCV" in text
    assert "Căn cứ Quyết định số 9/QĐ-SNV ngày 20/3/2026 về việc kiểm tra công vụ." in " ".join(text.split())
    with web_site.factory() as session:
        logged = [(r.username, r.action, r.object_type)
                  for r in session.scalars(select(AccessLog).order_by(AccessLog.id))]
    assert logged == [("xem-tv", "evidence.view", "inspection_photo"), ("xem-tv", "export.record_pdf", "inspection")]


def test_a_failed_personal_item_without_an_official_writes_nothing(web_site):
    client = web_site.client("thanhtra")
    before = counts(web_site)
    data = form(client, **{"result-1": "pass", "result-5": "fail"})
    data["photos-1"] = [(io.BytesIO(JPEG.read_bytes()), "a.jpg", "image/jpeg")]
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Biên bản chưa được lưu" in page and "Mục 5 “Đeo thẻ công chức” không đạt nhưng chưa chọn cán bộ" in page
    assert 'value="07/BB-KTCV"' in page  # the form comes back as it was filled in
    assert counts(web_site) == before and stored_photos(web_site) == []


def test_an_over_long_basis_is_refused_and_the_form_comes_back(web_site):
    client = web_site.client("thanhtra")
    before = counts(web_site)
    response = client.post("/inspections/new", data=form(client, **{"result-1": "pass", "basis": "x" * 1001}))
    assert response.status_code == 400
    assert "Căn cứ kiểm tra dài quá 1000 ký tự." in response.get_data(as_text=True)
    assert counts(web_site) == before


def test_refused_by_the_rules_leaves_no_row_and_no_photo(web_site):
    client = web_site.client("admin")
    before = counts(web_site)
    desk_of_other_unit = form(client, unit="NA-DIENCHAU", **{"result-1": "pass"})
    response = client.post("/inspections/new", data=desk_of_other_unit)
    assert response.status_code == 400 and "Không lưu được biên bản" in response.get_data(as_text=True)
    assert "TV-HT" in response.get_data(as_text=True)

    tomorrow = (datetime.now(LOCAL) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = form(client, started_at=tomorrow, ended_at="", finalize="1", **{"result-5": "fail", "staff-5": "CB-TV-02"})
    data["photos-5"] = [(io.BytesIO(JPEG.read_bytes()), "a.jpg", "image/jpeg")]
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "cannot be finalized before it took place" in response.get_data(as_text=True)
    assert counts(web_site) == before and stored_photos(web_site) == []  # the photo copied in was taken out again

    data = form(client, **{"result-5": "pass"})
    data["photos-5"] = [(io.BytesIO(b"GIF89a not a photo"), "meme.gif", "image/gif")]
    response = client.post("/inspections/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "“meme.gif” của mục 5 không phải ảnh JPEG hoặc PNG" in \
        response.get_data(as_text=True)
    for bad in ({"started_at": "27/03/2026"}, {"unit": ""}, {"occurrences-5": "0", "result-5": "fail",
                                                              "staff-5": "CB-TV-01"}, {}):
        response = client.post("/inspections/new", data=form(client, **bad))
        assert response.status_code == 400, bad
    assert counts(web_site) == before


def test_an_inspector_of_one_commune_records_only_there(web_site):
    from web.passwords import hash_password

    with web_site.factory.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "NA-TRUONGVINH"))
        session.add(User(username="thanhtra-tv", full_name="Cán bộ kiểm tra Trường Vinh", role=Role.INSPECTOR,
                         password_hash=hash_password(PASSWORD), units=[unit]))
    client = web_site.client()
    login(client, "thanhtra-tv")
    page = client.get("/inspections/new").get_data(as_text=True)
    assert 'value="NA-TRUONGVINH"' in page and "NA-DIENCHAU" not in page and "CB-DC-" not in page
    before = counts(web_site)
    for fields in ({"unit": "NA-DIENCHAU", "desk": "", "result-1": "pass"},
                   {"result-5": "fail", "staff-5": "CB-DC-01"}, {"desk": "DC-HT", "result-1": "pass"}):
        response = client.post("/inspections/new", data=form(client, **fields))
        assert response.status_code == 400 and "không thuộc phạm vi" in response.get_data(as_text=True), fields
    assert counts(web_site) == before
    (dc, _) = seeded(web_site, "NA-DIENCHAU")
    assert client.get(f"/inspections/{dc}").status_code == 404
    assert "NA-DIENCHAU" not in client.get("/inspections").get_data(as_text=True)


def test_a_draft_is_finalized_from_its_page(web_site):
    client = web_site.client("thanhtra")
    response = client.post("/inspections/new", data=form(client, **{"result-13": "fail", "result-18": "pass"}))
    assert response.status_code == 302
    inspection_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "Dự thảo" in page and "Ký chính thức biên bản" in page
    assert "Ký chính thức biên bản" not in web_site.client("lanhdao-tv").get(f"/inspections/{inspection_id}").get_data(
        as_text=True)
    assert client.post(f"/inspections/{inspection_id}/finalize").status_code == 400  # no CSRF token
    response = client.post(f"/inspections/{inspection_id}/finalize", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    with web_site.factory() as session:
        assert session.get(Inspection, inspection_id).status is InspectionStatus.FINAL
    again = client.post(f"/inspections/{inspection_id}/finalize", data={"csrf_token": csrf_token(client)})
    assert again.status_code == 409 and "already final" in again.get_data(as_text=True)


def test_new_inspection_needs_the_csrf_token(web_site):
    client = web_site.client("admin")
    data = form(client, **{"result-1": "pass"})
    del data["csrf_token"]
    before = counts(web_site)
    assert client.post("/inspections/new", data=data).status_code == 400
    assert counts(web_site) == before


def test_list_is_limited_to_scope_and_month(web_site):
    page = web_site.client("xem-dc").get("/inspections").get_data(as_text=True)
    assert "NA-DIENCHAU" in page and "NA-TRUONGVINH" not in page and "1 biên bản" in page
    assert "Chưa có biên bản" in web_site.client("admin").get("/inspections?month=2026-02").get_data(as_text=True)
    assert "2 biên bản" in web_site.client("admin").get("/inspections?month=2026-03").get_data(as_text=True)
    assert web_site.client("admin").get("/inspections?month=March").status_code == 400
