"""Who staffs a desk: category, sending agency and leader flag, from the config and from a staff list import;
only công chức get a Decree 335 class, everyone else the monitoring record."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, select

from audit.files.staff import export_staff, import_staff, parse_category
from audit.files.tabular import ImportRejected
from audit.services.scores import add_sanction, compute_month
from deskaudit.siteconfig import ConfigError, load_site_config
from fakecams import example_site_loader
from models.access import ChangeLog
from models.enums import Classification, SanctionLevel, StaffCategory
from models.org import Agency, Staff
from models.scoring import DossierStat

HN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc)
AGENCIES = [{"id": "BUUDIEN-NA", "name": "Bưu điện tỉnh Nghệ An"}, {"id": "THUE-NA", "name": "Thuế tỉnh Nghệ An"}]


def _with_categories(raw):
    raw["agencies"] = AGENCIES
    raw["scoring"] = {"min_observed_share": 0, "min_worked_share": 0}  # no observations here: coverage is not tested
    staff = {s["id"]: s for u in raw["units"] for s in u.get("staff", [])}
    staff["CB-TV-02"].update(category="vien_chuc", agency="THUE-NA")
    staff["CB-TV-03"].update(category="thue_ngoai", agency="BUUDIEN-NA")
    staff["CB-TV-04"]["leader"] = True


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for,
                               datetime(2026, 3, 1, tzinfo=HN))(_with_categories)


def person(session, code) -> Staff:
    return session.scalars(select(Staff).where(Staff.code == code)).one()


def test_the_config_sets_category_agency_and_leader(site):
    with site() as session:
        assert person(session, "CB-TV-01").category is StaffCategory.CONG_CHUC  # the default
        assert person(session, "CB-TV-01").agency is None
        teller = person(session, "CB-TV-02")
        assert (teller.category, teller.agency.code, teller.is_leader) == (StaffCategory.VIEN_CHUC, "THUE-NA", False)
        assert person(session, "CB-TV-03").category is StaffCategory.THUE_NGOAI
        assert person(session, "CB-TV-04").is_leader is True
        assert {a.code for a in session.scalars(select(Agency))} == {"BUUDIEN-NA", "THUE-NA"}


@pytest.mark.parametrize("change, path, message", [
    (lambda raw: raw["units"][1]["staff"][0].update(agency="NOPE"), "units[1].staff[0].agency",
     "no sending agency with this id"),
    (lambda raw: raw["units"][1]["staff"][0].update(category="chuyen_vien"), "units[1].staff[0].category", "cong_chuc"),
    (lambda raw: raw.update(agencies=[*AGENCIES, AGENCIES[0]]), "agencies[2].id", "duplicate agency id"),
])
def test_a_config_with_a_bad_category_or_agency_names_the_key(example_raw, write_config, change, path, message):
    example_raw["agencies"] = list(AGENCIES)
    change(example_raw)
    with pytest.raises(ConfigError) as error:
        load_site_config(write_config(example_raw))
    assert path in str(error.value) and message in str(error.value), str(error.value)


# --- the staff list import ----------------------------------------------------------------------

def _csv(tmp_path, text: str, name: str = "staff.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_staff_list_adds_and_updates_people_with_the_change_log(site, tmp_path):
    path = _csv(tmp_path, "Mã cán bộ,Họ và tên,Đơn vị,Quầy,Loại,Cơ quan quản lý,Lãnh đạo\n"
                          "CB-TV-01,Nguyễn Thị Hoa,NA-TRUONGVINH,TV-HT,Viên chức,THUE-NA,\n"
                          "BD-TV-01,Đặng Văn Bưu,NA-TRUONGVINH,TV-CT,bưu điện,BUUDIEN-NA,không\n"
                          "CB-TV-04,Phạm Quốc Bảo,NA-TRUONGVINH,,công chức,,có\n")
    with site.begin() as session:
        report = import_staff(session, path, actor="hr", now=NOW)
    assert (report.rows_read, report.added, report.updated, report.unchanged) == (3, 1, 1, 1)
    with site() as session:
        hoa = person(session, "CB-TV-01")
        assert (hoa.category, hoa.agency.code, hoa.managed_by) == (StaffCategory.VIEN_CHUC, "THUE-NA", "import")
        postal = person(session, "BD-TV-01")
        assert (postal.category, postal.default_desk.code, postal.is_leader) == (StaffCategory.THUE_NGOAI, "TV-CT",
                                                                                   False)
        logged = session.scalars(select(ChangeLog).where(ChangeLog.source == "staff import")
                                 .order_by(ChangeLog.entity_key)).all()
        assert [(c.entity_key, c.action.value, c.actor) for c in logged] == [("BD-TV-01", "create", "hr"),
                                                                              ("CB-TV-01", "update", "hr")]
        assert logged[1].changes["category"] == ["cong_chuc", "vien_chuc"]


def test_a_config_import_keeps_imported_people_and_takes_back_the_ones_it_lists(site, tmp_path, example_raw,
                                                                                 write_config, session_for):
    path = _csv(tmp_path, "code,name,unit,category\nBD-TV-01,Đặng Văn Bưu,NA-TRUONGVINH,thue_ngoai\n"
                          "CB-TV-01,Nguyễn Thị Hoa,NA-TRUONGVINH,vien_chuc\n")
    with site.begin() as session:
        import_staff(session, path, actor="hr", now=NOW)
    example_site_loader(example_raw, write_config, session_for, datetime(2026, 3, 2, tzinfo=HN))(_with_categories)
    with site() as session:
        assert person(session, "BD-TV-01").active is True  # the file does not list them: left alone
        hoa = person(session, "CB-TV-01")  # the file lists her: the file's values again
        assert (hoa.category, hoa.managed_by) == (StaffCategory.CONG_CHUC, "config")


def test_a_bad_staff_list_names_each_row_and_column_and_imports_nothing(site, tmp_path):
    path = _csv(tmp_path, "code,name,unit,desk,category,agency,leader\n"
                          "N-1,Người Một,NA-TRUONGVINH,,chuyên viên,,\n"
                          "N-2,Người Hai,NA-TRUONGVINH,,cong_chuc,KHONG-CO,\n"
                          "N-3,Người Ba,NOPE,,,,\n"
                          "N-4,Người Bốn,NA-TRUONGVINH,DC-HT,,,\n"
                          "N-5,Người Năm,NA-TRUONGVINH,,,,maybe\n"
                          "N-1,Trùng Mã,NA-TRUONGVINH,,,,\n"
                          "N-7,Người Bảy,NA-TRUONGVINH,,,,\n")
    with site.begin() as session, pytest.raises(ImportRejected) as error:
        import_staff(session, path, actor="hr", now=NOW)
    text = str(error.value)
    for where, what in [("row 2, column category", "'chuyên viên' is not a staff category"),
                        ("row 3, column agency", "no sending agency with code 'KHONG-CO'"),
                        ("row 4, column unit", "no unit with code 'NOPE'"),
                        ("row 5, column desk", "not a desk of unit 'NA-TRUONGVINH'"),
                        ("row 6, column leader", "'maybe' is not yes or no"),
                        ("row 7, column code", "also on row 2")]:
        assert f"staff.csv {where}: " in text and what in text, (where, text)
    assert "6 errors, nothing imported" in text
    with site() as session:
        assert session.scalar(select(func.count()).select_from(Staff).where(Staff.code.like("N-%"))) == 0


def test_a_staff_list_missing_a_required_column_says_which(site, tmp_path):
    path = _csv(tmp_path, "code,name\nN-1,Người Một\n")
    with site.begin() as session, pytest.raises(ImportRejected, match="column unit: missing column"):
        import_staff(session, path, actor="hr", now=NOW)


def test_a_staff_list_round_trips_through_xlsx(site, tmp_path):
    out = tmp_path / "staff.xlsx"
    with site() as session:
        assert export_staff(session, out) == session.scalar(select(func.count()).select_from(Staff)
                                                             .where(Staff.active.is_(True)))
    book = openpyxl.load_workbook(out)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("code", "name", "unit", "desk", "title", "email", "category", "agency", "leader")
    assert ("CB-TV-02", "THUE-NA") in {(r[0], r[7]) for r in rows}
    with site.begin() as session:
        report = import_staff(session, out, actor="hr", now=NOW)
    assert (report.added, report.updated, report.unchanged) == (0, 0, len(rows) - 1)  # what it wrote, it reads
    with site() as session:
        assert session.scalar(select(func.count()).select_from(ChangeLog)
                              .where(ChangeLog.source == "staff import")) == 0


@pytest.mark.parametrize("text, category", [
    ("Công chức", StaffCategory.CONG_CHUC), ("VIÊN CHỨC", StaffCategory.VIEN_CHUC), ("hdld", StaffCategory.HOP_DONG),
    ("Bưu điện", StaffCategory.THUE_NGOAI), ("can_bo", StaffCategory.CAN_BO)])
def test_categories_are_read_by_code_or_vietnamese_name(text, category):
    assert parse_category(text) is category


def test_the_staff_cli_imports_lists_and_rejects(site, migrated_url, monkeypatch, cli_runner, tmp_path):
    from deskaudit.cli.staff import staff

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    path = _csv(tmp_path, "code,name,unit,category,agency\nBD-TV-01,Đặng Văn Bưu,NA-TRUONGVINH,thue_ngoai,BUUDIEN-NA\n")
    result = cli_runner.invoke(staff, ["import", str(path), "--by", "hr"])
    assert result.exit_code == 0, result.output
    assert "1 rows read, 1 added" in result.output
    listed = json.loads(cli_runner.invoke(staff, ["list", "--unit", "NA-TRUONGVINH", "--json"]).output)
    postal = next(p for p in listed if p["code"] == "BD-TV-01")
    assert (postal["category"], postal["agency"], postal["classified"]) == ("thue_ngoai", "BUUDIEN-NA", False)
    assert "Dịch vụ thuê ngoài / bưu điện" in cli_runner.invoke(staff, ["list"]).output
    bad = _csv(tmp_path, "code,name,unit,category\nX-1,X,NA-TRUONGVINH,sếp\n", "bad.csv")
    result = cli_runner.invoke(staff, ["import", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv row 2, column category" in result.output


# --- scores ---------------------------------------------------------------------------------------

def _full_marks(session, *codes):
    for code in codes:
        official = person(session, code)
        session.add(DossierStat(month="2026-03", unit_id=official.unit_id, staff_id=official.id, received=10,
                                on_time=10, late=0, not_yet_due=0, imported_at=NOW))


def test_only_cong_chuc_are_classified_the_others_get_the_monitoring_record(site):
    with site.begin() as session:
        _full_marks(session, "CB-TV-01", "CB-TV-02", "CB-TV-03")
        add_sanction(session, "CB-TV-02", SanctionLevel.REPRIMAND, date(2026, 3, 10), "9/QĐ-CT")
        result = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=NOW)
    civil, teller, postal = (result.official(c) for c in ("CB-TV-01", "CB-TV-02", "CB-TV-03"))
    assert civil.total == 100 and civil.classification is Classification.EXCELLENT  # a month has no cap
    for other, label in ((teller, "Viên chức"), (postal, "Dịch vụ thuê ngoài / bưu điện")):
        assert other.total == 100  # the monitoring figures are kept
        assert other.classification is None and other.eligible is None  # no Decree 335 class, sanction or not
        assert any(note.startswith(f"{label}: không xếp loại theo Nghị định 335/2025/NĐ-CP") for note in other.notes)


def test_demotion_is_refused_for_a_decision_after_decree_172(site):
    with site.begin() as session:
        with pytest.raises(ValueError, match=r"giáng chức .* no sanction since 01/07/2025"):
            add_sanction(session, "CB-TV-01", SanctionLevel.DEMOTION, date(2026, 3, 10), "1/QĐ")
        assert add_sanction(session, "CB-TV-01", SanctionLevel.DEMOTION, date(2025, 6, 30), "2/QĐ").id
