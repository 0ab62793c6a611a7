"""Recording inspections: validation, photos, finalizing, deductions, input files and the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from audit.services.inspections import (
    InspectionError,
    ItemOutcome,
    deductions_of,
    finalize,
    inspections_in,
    load_inspection_file,
    record_inspection,
    update_outcomes,
)
from fakecams import example_site_loader, jpeg_frames
from models.checklists import Inspection, InspectionResult
from models.enums import InspectionStatus, ItemResult
from models.org import Staff

HN = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "inspection-example.toml"
AT = datetime(2026, 3, 5, 7, 45, tzinfo=HN)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, datetime(2026, 3, 1, tzinfo=timezone.utc))()


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "camera-roll"
    folder.mkdir()
    (folder / "ban.jpg").write_bytes(jpeg_frames()[0])
    frame = cv2.imdecode(np.frombuffer(jpeg_frames()[1], np.uint8), cv2.IMREAD_COLOR)
    (folder / "bang.png").write_bytes(cv2.imencode(".png", frame)[1].tobytes())
    (folder / "notes.jpg").write_text("not a picture", encoding="utf-8")
    return folder


def staff_id(session, code: str) -> int:
    return session.scalar(select(Staff.id).where(Staff.code == code))


def record(session, outcomes, **kwargs):
    fields = dict(unit_code="NA-TRUONGVINH", desk_code="TV-HT", staff_code="CB-TV-01",
                  inspector_name="Đặng Văn Hùng", started_at=AT, record_number="05/BB-KTCV")
    fields.update(kwargs)
    return record_inspection(session, outcomes=outcomes, **fields)


def count(session, table) -> int:
    return session.scalar(select(func.count()).select_from(table))


def test_a_draft_with_personal_and_unit_results_and_photos(site, photos, tmp_path):
    store = tmp_path / "data"
    with site.begin() as session:
        made = record(session, [
            ItemOutcome(1, "không đạt", note="Có mặt lúc 07:52", photos=[photos / "ban.jpg", photos / "bang.png"]),
            ItemOutcome(5, "fail", staff_code="CB-TV-02"),
            ItemOutcome(13, ItemResult.FAIL),
            ItemOutcome(8, "Đạt"),
        ], photo_dir=store)
        made_id, hoa, minh = made.id, staff_id(session, "CB-TV-01"), staff_id(session, "CB-TV-02")
    with site() as session:
        stored = session.get(Inspection, made_id)
        assert stored.status == InspectionStatus.DRAFT and stored.started_at == AT
        by_item = {(r.item_id, r.staff_id): r for r in stored.results}
        assert len(by_item) == 4
        staff_of = sorted((r.result.value, r.staff_id or 0) for r in stored.results)
        assert staff_of == sorted([("fail", hoa), ("fail", minh), ("fail", 0), ("pass", hoa)])
        [with_photos] = [r for r in stored.results if r.photo_paths]
        assert with_photos.photo_paths == [f"inspections/{made_id}/01-1.jpg", f"inspections/{made_id}/01-2.png"]
        assert (store / with_photos.photo_paths[0]).read_bytes() == (photos / "ban.jpg").read_bytes()
        assert with_photos.note == "Có mặt lúc 07:52"


def test_an_official_of_a_unit_below_is_accepted(site):
    with site.begin() as session:
        made = record(session, [ItemOutcome(5, "fail")], unit_code="NA", desk_code="DC-HT", staff_code="CB-DC-01")
        assert made.results[0].staff_id == staff_id(session, "CB-DC-01")


@pytest.mark.parametrize("change, message", [
    ({"unit_code": "NA-NOWHERE"}, "no unit with code 'NA-NOWHERE'"),
    ({"desk_code": "XX-01"}, "no desk with code 'XX-01'"),
    ({"staff_code": "CB-XX-09"}, "no official with code 'CB-XX-09'"),
    ({"desk_code": "DC-HT"}, "'DC-HT' belongs to unit 'NA-DIENCHAU', not to 'NA-TRUONGVINH'"),
    ({"staff_code": "CB-DC-02"}, "official 'CB-DC-02' belongs to unit 'NA-DIENCHAU'"),
    ({"started_at": datetime(2026, 3, 5, 7, 45)}, "started_at"),
    ({"ended_at": datetime(2026, 3, 5, 7, 0, tzinfo=HN)}, "is before started_at"),
    ({"inspector_name": "  "}, "inspector"),
    ({"inspector_user_id": 4242}, "no user with id 4242"),
    ({"outcomes": [ItemOutcome(19, "fail")]}, "item 19: not in checklist 'mot-cua-mac-dinh' version 1 (items 1–18)"),
    ({"outcomes": [ItemOutcome(5, "pass"), ItemOutcome(5, "fail", staff_code="CB-TV-01")]},
     "item 5: given twice for official 'CB-TV-01'"),
    ({"outcomes": [ItemOutcome(13, "pass"), ItemOutcome(13, "fail")]}, "item 13: given twice for the unit"),
    ({"outcomes": [ItemOutcome(14, "fail", occurrences=0)]}, "item 14: occurrences 0 must be a whole number ≥ 1"),
    ({"staff_code": None, "outcomes": [ItemOutcome(1, "fail")]},
     "item 1 (Có mặt tại quầy đúng giờ) failed but names no official"),
    ({"outcomes": [ItemOutcome(15, "fail", staff_code="CB-TV-04")]},
     "item 15 (Lãnh đạo trực một cửa theo lịch) is a unit item"),
    ({"outcomes": [ItemOutcome(5, "maybe")]}, "item 5: result: 'maybe' is not one of pass, fail, na"),
    ({"outcomes": [ItemOutcome(5, "fail", staff_code="CB-DC-01")]},
     "item 5: staff: official 'CB-DC-01' belongs to unit"),
])
def test_invalid_inspections_are_refused_by_name_and_nothing_is_written(site, tmp_path, change, message):
    change = dict(change)
    with site() as session:
        with pytest.raises(InspectionError) as raised:
            record(session, change.pop("outcomes", [ItemOutcome(5, "pass")]), photo_dir=tmp_path / "data", **change)
        assert message in str(raised.value)
        assert count(session, Inspection) == 0 and count(session, InspectionResult) == 0
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("name, message", [("missing.jpg", "does not exist"), ("notes.jpg", "is not a JPEG or PNG")])
def test_photos_must_be_real_images(site, photos, tmp_path, name, message):
    with site() as session:
        with pytest.raises(InspectionError, match=f"item 1: photo .*{name}.* {message}"):
            record(session, [ItemOutcome(5, "pass"),
                             ItemOutcome(1, "fail", photos=[photos / "ban.jpg", photos / name])],
                   photo_dir=tmp_path / "data")
        assert count(session, Inspection) == 0
    assert not (tmp_path / "data").exists()


def test_no_personal_official_is_needed_for_a_pass(site):
    with site.begin() as session:
        made = record(session, [ItemOutcome(5, "pass"), ItemOutcome(16, "na")], staff_code=None, desk_code=None)
        assert {r.staff_id for r in made.results} == {None}


def test_finalize_needs_results_and_makes_the_record_immutable(site):
    later = datetime(2026, 3, 5, 9, 0, tzinfo=HN)
    with site.begin() as session:
        empty = record(session, [])
        with pytest.raises(InspectionError, match="has no item results"):
            finalize(session, empty.id, later)
        made = record(session, [ItemOutcome(5, "fail")], record_number="06/BB-KTCV")
        with pytest.raises(InspectionError, match="before it took place"):
            finalize(session, made.id, datetime(2026, 3, 5, 7, 0, tzinfo=HN))
        update_outcomes(session, made.id, [ItemOutcome(5, "pass"), ItemOutcome(18, "fail")])
        assert sorted(r.result.value for r in made.results) == ["fail", "pass"]
        assert finalize(session, made.id, later).status == InspectionStatus.FINAL
        made_id = made.id
    with site.begin() as session:
        with pytest.raises(InspectionError, match=r"06/BB-KTCV.* is final: it cannot be changed"):
            update_outcomes(session, made_id, [ItemOutcome(5, "fail")])
        with pytest.raises(InspectionError, match="already final"):
            finalize(session, made_id, later)
        with pytest.raises(InspectionError, match="no inspection with id 999999"):
            finalize(session, 999999, later)
        assert len(session.get(Inspection, made_id).results) == 2


def test_deductions_are_occurrences_times_the_item_deduction(site):
    with site.begin() as session:
        made = record(session, [
            ItemOutcome(1, "fail", occurrences=2), ItemOutcome(14, "fail", occurrences=3), ItemOutcome(18, "fail"),
            ItemOutcome(12, "fail"), ItemOutcome(13, "fail"), ItemOutcome(5, "fail", staff_code="CB-TV-02"),
            ItemOutcome(6, "pass"), ItemOutcome(16, "na"),
        ])
        hoa, minh = staff_id(session, "CB-TV-01"), staff_id(session, "CB-TV-02")
        found = deductions_of(made)
        assert [(d.staff_id, d.points) for d in found] == [
            (hoa, Decimal("4")), (minh, Decimal("2")), (hoa, Decimal("0")), (None, Decimal("2")),
            (hoa, Decimal("6")), (hoa, Decimal("0.5"))]
        assert "refer for discipline" in found[2].reason and "đề nghị xem xét kỷ luật" in found[2].reason
        assert found[4].reason == ("Biên bản kiểm tra số 05/BB-KTCV ngày 05/03/2026, mục 14: "
                                   "Hồ sơ trễ hạn có Phiếu xin lỗi — 3 lần × 2 điểm")
        assert "1 lần × 0,5 điểm" in found[5].reason


def test_a_personal_result_without_its_own_official_falls_back_to_the_inspection_s(site):
    with site.begin() as session:
        made = record(session, [ItemOutcome(5, "fail")])
        made.results[0].staff_id = None  # as older rows may hold it
        session.flush()
        [found] = deductions_of(made)
        assert found.staff_id == staff_id(session, "CB-TV-01")


def test_the_example_file_loads_and_records(site):
    fields = load_inspection_file(EXAMPLE)
    assert fields["started_at"] == AT and fields["ended_at"] == datetime(2026, 3, 5, 8, 30, tzinfo=HN)
    assert [(o.number, o.result) for o in fields["outcomes"]][:3] == [
        (1, ItemResult.FAIL), (5, ItemResult.PASS), (5, ItemResult.FAIL)]
    with site.begin() as session:
        made = record_inspection(session, **fields)
        points = sum(d.points for d in deductions_of(made))
        assert points == Decimal("10.5")  # 2 + 2 (Minh) + 2 (unit) + 2×2 + 0.5
        assert made.basis.startswith("Quyết định số 12/QĐ-SNV ngày 02 tháng 3 năm 2026")


def test_an_inspection_without_a_basis_takes_the_site_s(site):
    """``[inspection] basis`` (the example's plan) when none or a blank one is given; a given one is kept; one
    over 1000 characters is refused by name."""
    with site.begin() as session:
        assert record(session, [ItemOutcome(8, "pass")]).basis.startswith("Kế hoạch số 15/KH-SNV")
        assert record(session, [ItemOutcome(8, "pass")], basis="  ").basis.startswith("Kế hoạch số 15/KH-SNV")
        assert record(session, [ItemOutcome(8, "pass")], basis=" Quyết định số 3/QĐ-SNV ").basis == \
            "Quyết định số 3/QĐ-SNV"
        with pytest.raises(InspectionError, match=r"^basis: 1001 characters, at most 1000$"):
            record(session, [ItemOutcome(8, "pass")], basis="x" * 1001)


def test_a_json_file_with_offsets_and_photos_relative_to_it(tmp_path, photos):
    path = tmp_path / "visit.json"
    path.write_text(json.dumps({
        "unit": "NA-DIENCHAU", "inspector": "Lê Văn Tâm", "started_at": "2026-03-05T01:00:00+00:00",
        "items": [{"number": 9, "result": "KHÔNG ĐẠT", "staff": "CB-DC-01",
                   "photos": ["camera-roll/ban.jpg"]}]}), encoding="utf-8")
    fields = load_inspection_file(path)
    assert fields["started_at"] == datetime(2026, 3, 5, 8, 0, tzinfo=HN)
    [outcome] = fields["outcomes"]
    assert outcome.result == ItemResult.FAIL and outcome.photos == (photos / "ban.jpg",)


@pytest.mark.parametrize("text, message", [
    ('unit = "NA"\ninspector = "A"\nstarted_at = "2026-03-05 07:45"\nvisitor = "B"', "unknown key 'visitor'"),
    ('inspector = "A"\nstarted_at = "2026-03-05 07:45"', "unit: required"),
    ('unit = "NA"\ninspector = "A"\nstarted_at = "05/03/2026 7h45"', "started_at: '05/03/2026 7h45' is not"),
    ('unit = "NA"\ninspector = "A"\nstarted_at = "2026-03-05 07:45"\n[[items]]\nnumber = 1\nresult = "tốt"',
     "items[0].result: 'tốt' is not one of"),
    ('unit = "NA"\ninspector = "A"\nstarted_at = "2026-03-05 07:45"\n[[items]]\nnumber = "1"\nresult = "đạt"',
     "items[0].number: '1' is not a whole number"),
    (('unit = "NA"\ninspector = "A"\nstarted_at = "2026-03-05 07:45"\n[[items]]\nnumber = 1\nresult = "đạt"\n'
      'photo = "a.jpg"'),
     "items[0]: unknown key 'photo'"),
    ('unit = "NA"\ninspector = ', "not valid TOML"),
])
def test_bad_input_files_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "visit.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InspectionError) as raised:
        load_inspection_file(path)
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_inspections_by_unit_and_local_month(site):
    with site.begin() as session:
        record(session, [ItemOutcome(5, "pass")], started_at=datetime(2026, 3, 1, 6, 30, tzinfo=HN))  # 28/2 UTC
        record(session, [ItemOutcome(5, "pass")], unit_code="NA-DIENCHAU", desk_code=None, staff_code=None,
               started_at=datetime(2026, 3, 31, 16, 0, tzinfo=HN))
        record(session, [ItemOutcome(5, "pass")], started_at=datetime(2026, 4, 1, 0, 30, tzinfo=HN))
    with site() as session:
        assert len(inspections_in(session, month="2026-03")) == 2
        assert len(inspections_in(session, unit_code="NA")) == 3
        assert len(inspections_in(session, unit_code="NA-TRUONGVINH", month="2026-04")) == 1
        with pytest.raises(InspectionError, match="'2026-13' is not YYYY-MM"):
            inspections_in(session, month="2026-13")


# --- CLI ----------------------------------------------------------------------------------

def test_cli_add_finalize_list(site, migrated_url, monkeypatch, cli_runner, tmp_path, photos):
    from deskaudit.cli.inspection import inspection

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    visit = tmp_path / "visit.toml"
    visit.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        'number = 18\nresult = "không đạt"', 'number = 18\nresult = "không đạt"\nphotos = ["camera-roll/ban.jpg"]'),
        encoding="utf-8")
    added = cli_runner.invoke(inspection, ["add", str(visit)])
    assert added.exit_code == 0, added.output
    new_id = int(added.output.strip())
    assert (tmp_path / "data" / "inspections" / str(new_id) / "18-1.jpg").is_file()
    listed = cli_runner.invoke(inspection, ["list", "--unit", "NA-TRUONGVINH", "--month", "2026-03"])
    assert listed.exit_code == 0
    assert f"{new_id}  draft  05/03/2026 07:45  NA-TRUONGVINH" in listed.output and "trừ 10,5" in listed.output
    assert cli_runner.invoke(inspection, ["list", "--month", "2026-04"]).output.strip() == "no inspections"
    assert cli_runner.invoke(inspection, ["list", "--unit", "NOPE"]).exit_code == 2
    done = cli_runner.invoke(inspection, ["finalize", str(new_id)])
    assert done.exit_code == 0 and done.output.strip() == f"inspection {new_id} final"
    again = cli_runner.invoke(inspection, ["finalize", str(new_id)])
    assert again.exit_code == 2 and "already final" in again.output
    added_final = cli_runner.invoke(inspection, ["add", str(EXAMPLE), "--finalize", "--basis",
                                                 "Quyết định số 20/QĐ-SNV ngày 01/4/2026 về việc kiểm tra công vụ"])
    assert added_final.exit_code == 0
    with site() as session:
        final = session.get(Inspection, int(added_final.output))
        assert final.status == InspectionStatus.FINAL
        assert final.basis == "Quyết định số 20/QĐ-SNV ngày 01/4/2026 về việc kiểm tra công vụ"  # over the file's
        assert session.get(Inspection, new_id).basis.startswith("Quyết định số 12/QĐ-SNV")  # the file's


@pytest.mark.parametrize("spoil, message", [
    (lambda text: text.replace('staff = "CB-TV-02"', 'staff = "CB-DC-02"'), "official 'CB-DC-02' belongs to unit"),
    (lambda text: text.replace("number = 18", "number = 81"), "item 81: not in checklist"),
    (lambda text: text + '\n[[items]]\nnumber = 9\nresult = "fail"\nphotos = ["camera-roll/notes.jpg"]\n',
     "is not a JPEG or PNG image"),
    (lambda text: text.replace('result = "pass"', 'result = "tạm được"'), "'tạm được' is not one of"),
])
def test_cli_refuses_a_bad_file_and_writes_nothing(site, migrated_url, monkeypatch, cli_runner, tmp_path, photos,
                                                   spoil, message):
    from deskaudit.cli.inspection import inspection

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    visit = tmp_path / "visit.toml"
    good = EXAMPLE.read_text(encoding="utf-8").replace(
        'number = 1\nresult = "không đạt"', 'number = 1\nresult = "không đạt"\nphotos = ["camera-roll/ban.jpg"]')
    visit.write_text(spoil(good), encoding="utf-8")
    result = cli_runner.invoke(inspection, ["add", str(visit), "--finalize"])
    assert result.exit_code == 2 and message in result.output
    with site() as session:
        assert count(session, Inspection) == 0
    assert not (tmp_path / "data" / "inspections").exists() or not any((tmp_path / "data" / "inspections").iterdir())


def test_cli_finalize_with_no_results_leaves_no_row(site, migrated_url, monkeypatch, cli_runner, tmp_path):
    from deskaudit.cli.inspection import inspection

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    visit = tmp_path / "empty.toml"
    visit.write_text('unit = "NA-TRUONGVINH"\ninspector = "A"\nstarted_at = "2026-03-05 07:45"\n', encoding="utf-8")
    result = cli_runner.invoke(inspection, ["add", str(visit), "--finalize"])
    assert result.exit_code == 2 and "has no item results" in result.output
    with site() as session:
        assert count(session, Inspection) == 0


def test_cli_template_lists_the_18_items(migrated_url, monkeypatch, cli_runner):
    from deskaudit.cli.inspection import inspection

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    vi = cli_runner.invoke(inspection, ["template"])
    assert vi.exit_code == 0
    lines = vi.output.splitlines()
    assert len(lines) == 20 and lines[0].startswith("mot-cua-mac-dinh v1")
    assert lines[2].split() == ["1", "−2", "cá", "nhân", "Có", "mặt", "tại", "quầy", "đúng", "giờ"]
    assert " 12      C  cá nhân" in vi.output and "−0,5" in lines[-1]
    en = cli_runner.invoke(inspection, ["template", "--lang", "en"])
    assert "−0.5  personal  Tidy desk" in en.output and " 13     −2  unit " in en.output


def test_updating_a_draft_keeps_photos_it_already_holds(site, photos, tmp_path):
    store = tmp_path / "data"
    with site.begin() as session:
        made = record(session, [ItemOutcome(7, "fail", photos=[photos / "ban.jpg"])], photo_dir=store)
        [kept] = made.results[0].photo_paths
        update_outcomes(session, made.id, [ItemOutcome(7, "fail", occurrences=2, photos=[kept, photos / "bang.png"])],
                        photo_dir=store)
        [result] = made.results
        assert result.occurrences == 2
        assert result.photo_paths == [kept, f"inspections/{made.id}/07-2.png"]
        assert all((store / path).is_file() for path in result.photo_paths)
