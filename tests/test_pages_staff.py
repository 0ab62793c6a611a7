"""The staff page: the people of the user's units with category, sending agency and leader flag; an admin
edits them, every change is in the change log, and a config import leaves people edited here alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from websupport import csrf_token, web_site  # noqa: F401  (fixture)


def _person(site, code):
    from models.org import Staff

    with site.factory() as session:
        person = session.scalars(select(Staff).where(Staff.code == code)).one()
        session.expunge(person)
        return person


@pytest.fixture
def agency(web_site):
    """The sending agency the example site declares ([[agencies]])."""
    from models.org import Agency

    with web_site.factory() as session:
        return session.scalars(select(Agency.code).where(Agency.code == "BUUDIEN-NA")).one()


def test_the_list_shows_the_users_units_only_with_categories(web_site):
    page = web_site.client("lanhdao-tv").get("/staff")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="staff-CB-TV-01"' in body and "Công chức" in body
    assert "CB-DC-01" not in body  # another commune
    assert "/staff/CB-TV-01/edit" not in body  # a manager does not edit
    assert web_site.client("xem-tv").get("/staff").status_code == 403


def test_an_admin_sets_category_agency_and_leader_with_the_change_log(web_site, agency):
    from models.access import ChangeLog

    client = web_site.client("admin")
    form = {"csrf_token": csrf_token(client), "category": "thue_ngoai", "agency": agency, "leader": "1",
            "desk": "TV-CT", "title": "Nhân viên bưu điện", "email": ""}
    response = client.post("/staff/CB-TV-03/edit", data=form)
    assert response.status_code == 302
    person = _person(web_site, "CB-TV-03")
    assert (person.category.value, person.is_leader, person.managed_by) == ("thue_ngoai", True, "web")
    listed = client.get("/staff").get_data(as_text=True)
    assert "Dịch vụ thuê ngoài / bưu điện" in listed and "không xếp loại theo NĐ 335" in listed
    with web_site.factory() as session:
        entry = session.scalars(select(ChangeLog).where(ChangeLog.entity_type == "staff",
                                                        ChangeLog.entity_key == "CB-TV-03")
                                .order_by(ChangeLog.id.desc())).first()
    assert (entry.actor, entry.source) == ("admin", "web")
    assert entry.changes["category"] == ["cong_chuc", "thue_ngoai"]
    assert "thue_ngoai" in client.get("/staff/CB-TV-03/edit").get_data(as_text=True)  # the change log is shown


@pytest.mark.parametrize("field, value, message", [("category", "sep", "Loại cán bộ không hợp lệ"),
                                                   ("agency", "KHONG-CO", "Không có cơ quan quản lý mã KHONG-CO"),
                                                   ("desk", "DC-HT", "Quầy DC-HT không thuộc đơn vị này")])
def test_a_bad_value_is_refused_and_changes_nothing(web_site, field, value, message):
    client = web_site.client("admin")
    form = {"csrf_token": csrf_token(client), "category": "vien_chuc", "agency": "", "desk": "", field: value}
    response = client.post("/staff/CB-TV-01/edit", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _person(web_site, "CB-TV-01").category.value == "cong_chuc"


def test_only_admins_edit_and_only_people_in_scope(web_site):
    manager = web_site.client("lanhdao-tv")
    assert manager.get("/staff/CB-TV-01/edit").status_code == 403
    response = manager.post("/staff/CB-TV-01/edit", data={"csrf_token": csrf_token(manager), "category": "vien_chuc"})
    assert response.status_code == 403
    assert _person(web_site, "CB-TV-01").category.value == "cong_chuc"
    assert web_site.client("admin").get("/staff/NOPE/edit").status_code == 404


def test_a_config_import_leaves_people_edited_on_the_page(web_site, agency, example_raw, write_config):
    from deskaudit.siteconfig import load_site_config
    from deskaudit.siteconfig.importer import import_site
    from websupport import NOW

    client = web_site.client("admin")
    client.post("/staff/CB-TV-03/edit", data={"csrf_token": csrf_token(client), "category": "vien_chuc",
                                              "agency": "", "desk": ""})
    for unit in example_raw["units"]:
        unit["staff"] = [s for s in unit.get("staff", []) if s["id"] != "CB-TV-03"]
    loaded = load_site_config(write_config(example_raw))
    with web_site.factory.begin() as session:
        import_site(session, loaded.site, actor="test", base_dir=loaded.path.parent, now=NOW)
    person = _person(web_site, "CB-TV-03")
    assert (person.active, person.category.value) == (True, "vien_chuc")
