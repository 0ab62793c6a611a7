"""Settings as admins use them (and others cannot): hours shown as decided, alert thresholds edited per unit
and desk with the decision number in the change log, dated overrides added and validated."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from test_pages_cameras import shared_site, signed_in  # noqa: F401  (fixture)
from websupport import web_site  # noqa: F401  (fixture)

FIELDS = ("unattended_minutes", "unattended_queue_min", "camera_fault_minutes", "long_queue_length",
          "long_queue_minutes", "escalate_after_minutes")


def token_of(client, path: str = "/units") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def counts(site) -> tuple[int, int, int]:
    from models.access import ChangeLog
    from models.alerts import AlertThreshold
    from models.hours import HoursOverride

    with site.factory() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (AlertThreshold, HoursOverride, ChangeLog))


# -- authorisation matrix -----------------------------------------------------------------------------
ADMIN_ONLY = {"admin": 200, "thanhtra": 403, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403, None: 302}
MISSING = {"admin": 404, "thanhtra": 403, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403, None: 302}
GETS = {"/settings": ADMIN_ONLY, "/settings/thresholds/unit/NA-TRUONGVINH": ADMIN_ONLY,
        "/settings/thresholds/unit/NA-DIENCHAU": ADMIN_ONLY, "/settings/thresholds/desk/DC-DD": ADMIN_ONLY,
        "/settings/thresholds/desk/TV-HT": ADMIN_ONLY, "/settings/thresholds/unit/NO-SUCH-UNIT": MISSING,
        "/settings/thresholds/team/TV-HT": MISSING}
# refused input from the admin (422) proves the role may post; nothing is written in this table
POSTS = {"/settings/thresholds/unit/NA-TRUONGVINH": {"unattended_minutes": "0", "decision_ref": "QĐ 1"},
         "/settings/thresholds/desk/DC-DD": {"long_queue_length": "x", "decision_ref": "QĐ 1"},
         "/settings/overrides": {"unit": "NA-TRUONGVINH", "kind": "holiday", "day": "not a day",
                                 "decision_ref": "QĐ 1"}}
POST_STATUS = {"admin": 422, "thanhtra": 403, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403}


@pytest.mark.parametrize("path, user, status", [(p, u, s) for p, table in GETS.items() for u, s in table.items()])
def test_get_matrix(shared_site, path, user, status):
    response = signed_in(shared_site, user).get(path)
    assert response.status_code == status, (path, user)
    if status == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path, user, status", [(p, u, s) for p in POSTS for u, s in POST_STATUS.items()])
def test_post_matrix(shared_site, path, user, status):
    before = counts(shared_site)
    client = signed_in(shared_site, user)
    response = client.post(path, data={**POSTS[path], "csrf_token": token_of(client)})
    assert response.status_code == status, (path, user)
    assert counts(shared_site) == before


@pytest.mark.parametrize("path", list(POSTS))
def test_posts_need_the_csrf_token(shared_site, path):
    before = counts(shared_site)
    assert signed_in(shared_site, "admin").post(path, data=POSTS[path]).status_code == 400
    assert counts(shared_site) == before


def test_menu_shows_settings_to_admins_only(shared_site):
    assert 'href="/settings"' in signed_in(shared_site, "admin").get("/units").get_data(as_text=True)
    assert 'href="/settings"' not in signed_in(shared_site, "thanhtra").get("/units").get_data(as_text=True)


# -- hours --------------------------------------------------------------------------------------------
def test_hours_profiles_with_seasons_and_decisions(shared_site):
    page = signed_in(shared_site, "admin").get("/settings").get_data(as_text=True)
    hours = page.split('id="gio-lam-viec"', 1)[1].split("</section>", 1)[0]
    assert "QĐ 1234/QĐ-UBND ngày 20/6/2025 (ví dụ)" in hours and "01/07/2025" in hours
    assert "Thứ Hai – Thứ Sáu" in hours and "07:30–11:30, 13:00–17:00" in hours
    assert "mua-dong" in hours and "17/10 – 15/04" in hours and "07:30–12:00, 13:30–17:00" in hours
    assert "mua-he" in hours and "16/04 – 16/10" in hours and "07:00–11:30, 13:30–17:00" in hours
    assert "NA-DIENCHAU" in hours and "NA-TRUONGVINH" in hours


# -- thresholds ---------------------------------------------------------------------------------------
def threshold_row(site, unit_code: str | None = None, desk_code: str | None = None):
    from models.alerts import AlertThreshold
    from models.org import Desk, Unit

    with site.factory() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code)) if unit_code else None
        desk_id = session.scalar(select(Desk.id).where(Desk.code == desk_code)) if desk_code else None
        row = session.scalars(select(AlertThreshold).filter_by(unit_id=unit_id, desk_id=desk_id)).one_or_none()
        return None if row is None else {n: getattr(row, n) for n in FIELDS}


def changes_of(site, entity_type: str) -> list:
    from models.access import ChangeLog

    with site.factory() as session:
        return [(c.actor, c.source, c.entity_key, c.action.value, c.changes, c.decision_ref, c.note)
                for c in session.scalars(select(ChangeLog).where(ChangeLog.entity_type == entity_type,
                                                                 ChangeLog.source == "web").order_by(ChangeLog.id))]


def effective(site, desk_code: str, name: str) -> int:
    from audit.services.thresholds import desk_thresholds
    from models.org import Desk

    with site.factory() as session:
        desk = session.scalars(select(Desk).where(Desk.code == desk_code)).one()
        return getattr(desk_thresholds(session, [desk])[desk.id], name)


def form(**values) -> dict:
    return {name: str(values.get(name, "")) for name in (*FIELDS, "decision_ref", "note")}


def test_thresholds_edit_change_log_and_inherit(web_site):
    client = web_site.client("admin")
    token = token_of(client)
    page = client.get("/settings/thresholds/unit/NA-TRUONGVINH").get_data(as_text=True)
    assert "(kế thừa: 15)" in page and 'name="unattended_minutes" value=""' in page

    response = client.post("/settings/thresholds/unit/NA-TRUONGVINH",
                           data={**form(unattended_minutes=25, long_queue_length=6, decision_ref="QĐ 77/QĐ-UBND",
                                        note="Thử nghiệm"), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings#nguong-canh-bao")
    assert threshold_row(web_site, "NA-TRUONGVINH") == {**dict.fromkeys(FIELDS), "unattended_minutes": 25,
                                                        "long_queue_length": 6}
    assert changes_of(web_site, "alert_thresholds") == [
        ("admin", "web", "unit NA-TRUONGVINH", "create",
         {"unattended_minutes": [None, 25], "long_queue_length": [None, 6]},
         "QĐ 77/QĐ-UBND", "Thử nghiệm")]
    assert effective(web_site, "TV-HT", "unattended_minutes") == 25  # the desks of the unit now inherit 25
    assert effective(web_site, "TV-HT", "camera_fault_minutes") == 10  # empty: still the site's value
    overview = client.get("/settings").get_data(as_text=True)
    row = overview.split('id="nguong-desk-TV-HT"', 1)[1].split("</tr>", 1)[0]
    assert "(25)" in row and "(6)" in row and "(10)" in row
    assert "QĐ 77/QĐ-UBND" in overview.split('id="nhat-ky"', 1)[1]

    # the desk's own value emptied: the row goes, the desk inherits the site's 8, logged as a deletion
    assert threshold_row(web_site, desk_code="DC-DD")["long_queue_length"] == 5
    response = client.post("/settings/thresholds/desk/DC-DD", data={**form(decision_ref="QĐ 78/QĐ-UBND"),
                                                                    "csrf_token": token})
    assert response.status_code == 302
    assert threshold_row(web_site, desk_code="DC-DD") is None
    assert effective(web_site, "DC-DD", "long_queue_length") == 8
    assert changes_of(web_site, "alert_thresholds")[-1][2:6] == ("desk DC-DD", "delete",
                                                                 {"long_queue_length": [5, None]},
                                                                 "QĐ 78/QĐ-UBND")

    # an update changes only what differs; the same values again change nothing
    response = client.post("/settings/thresholds/unit/NA-TRUONGVINH",
                           data={**form(unattended_minutes=25, long_queue_length="", escalate_after_minutes=45,
                                        decision_ref="QĐ 79"), "csrf_token": token})
    assert response.status_code == 302
    assert changes_of(web_site, "alert_thresholds")[-1][3:5] == (
        "update", {"long_queue_length": [6, None], "escalate_after_minutes": [None, 45]})
    before = counts(web_site)
    again = client.post("/settings/thresholds/unit/NA-TRUONGVINH", follow_redirects=True,
                        data={**form(unattended_minutes=25, escalate_after_minutes=45, decision_ref="QĐ 80"),
                              "csrf_token": token})
    assert "Không có thay đổi nào." in again.get_data(as_text=True) and counts(web_site) == before


@pytest.mark.parametrize("values, message", [
    (form(unattended_minutes=25), "số quyết định"),
    (form(unattended_minutes=0, decision_ref="QĐ 1"), "từ 1 đến 480"),
    (form(camera_fault_minutes=1441, decision_ref="QĐ 1"), "từ 1 đến 1440"),
    (form(long_queue_length="năm", decision_ref="QĐ 1"), "số nguyên"),
    (form(long_queue_minutes="2.5", decision_ref="QĐ 1"), "số nguyên"),
    (form(unattended_minutes=25, decision_ref="x" * 256), "255"),
])
def test_thresholds_refused_and_nothing_written(shared_site, values, message):
    before = counts(shared_site)
    client = signed_in(shared_site, "admin")
    response = client.post("/settings/thresholds/unit/NA-TRUONGVINH", data={**values, "csrf_token": token_of(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split('class="form-error"', 1)[1].split("</p>", 1)[0]
    for name, value in values.items():
        if value:
            assert f'name="{name}" value="{value}"' in page  # what was typed stays in the form
    assert counts(shared_site) == before


# -- overrides ----------------------------------------------------------------------------------------
def test_add_overrides_and_the_calendar_follows(web_site):
    from audit.services.calendars import calendar_for
    from models.hours import HoursOverride
    from models.org import Unit

    client = web_site.client("admin")
    token = token_of(client)
    response = client.post("/settings/overrides", data={
        "unit": "NA-TRUONGVINH", "kind": "custom_hours", "day": "2026-05-15", "sessions": "07:30-11:00, 13:30 – 16:30",
        "decision_ref": "QĐ 55/QĐ-UBND", "note": "Diễn tập PCCC", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings#ngay-ngoai-le")
    response = client.post("/settings/overrides", data={
        "unit": "NA-DIENCHAU", "kind": "holiday", "day": "02/01/2027", "sessions": "", "decision_ref": "TB 3/TB-UBND",
        "csrf_token": token})
    assert response.status_code == 302
    with web_site.factory() as session:
        rows = session.execute(select(Unit.code, HoursOverride.day, HoursOverride.kind, HoursOverride.sessions,
                                      HoursOverride.decision_ref).join(Unit, HoursOverride.unit_id == Unit.id)
                               .where(HoursOverride.decision_ref.in_(("QĐ 55/QĐ-UBND", "TB 3/TB-UBND")))
                               .order_by(HoursOverride.day)).all()
        assert [(r[0], r[1], r[2].value, r[3], r[4]) for r in rows] == [
            ("NA-TRUONGVINH", date(2026, 5, 15), "custom_hours", [["07:30", "11:00"], ["13:30", "16:30"]],
             "QĐ 55/QĐ-UBND"),
            ("NA-DIENCHAU", date(2027, 1, 2), "holiday", None, "TB 3/TB-UBND")]
        unit = session.scalars(select(Unit).where(Unit.code == "NA-TRUONGVINH")).one()
        sessions, reason = calendar_for(session, unit).sessions_on(date(2026, 5, 15))
        assert sessions == ((time(7, 30), time(11, 0)), (time(13, 30), time(16, 30))) and "QĐ 55/QĐ-UBND" in reason
    assert changes_of(web_site, "hours_override") == [
        ("admin", "web", "NA-TRUONGVINH 2026-05-15 custom_hours", "create",
         {"sessions": [None, [["07:30", "11:00"], ["13:30", "16:30"]]], "decision_ref": [None, "QĐ 55/QĐ-UBND"],
          "note": [None, "Diễn tập PCCC"]}, "QĐ 55/QĐ-UBND", "Diễn tập PCCC"),
        ("admin", "web", "NA-DIENCHAU 2027-01-02 holiday", "create", {"decision_ref": [None, "TB 3/TB-UBND"]},
         "TB 3/TB-UBND", None)]
    page = client.get("/settings").get_data(as_text=True).split('id="ngay-ngoai-le"', 1)[1]
    assert "15/05/2026" in page and "07:30–11:00, 13:30–16:30" in page and "Giờ làm việc đặc biệt" in page
    assert "02/01/2027" in page and "Tất cả đơn vị" in page  # the example's site-wide make-up day



def test_a_national_day_announced_later_is_added_for_every_unit(web_site):
    """A day off the Government announces after the shipped table (here a 2027 Tết day) is one override for every
    unit, and every unit's calendar closes on it; a second one for the same day is refused."""
    from audit.services.calendars import calendar_for
    from models.org import Unit

    client = web_site.client("admin")
    response = client.post("/settings/overrides", data={
        "unit": "*", "kind": "holiday", "day": "2027-02-11", "sessions": "", "decision_ref": "TB/BNV Tết 2027",
        "note": "Tết Nguyên đán Đinh Mùi", "csrf_token": token_of(client)})
    assert response.status_code == 302
    with web_site.factory() as session:
        for unit in session.scalars(select(Unit)).all():
            if unit.hours_profile_id is not None:
                assert calendar_for(session, unit).sessions_on(date(2027, 2, 11)) == (
                    (), "unit holiday (TB/BNV Tết 2027)"), unit.code
    assert changes_of(web_site, "hours_override")[-1][2] == "* 2027-02-11 holiday"
    again = client.post("/settings/overrides", data={
        "unit": "*", "kind": "makeup_workday", "day": "2027-02-11", "sessions": "", "decision_ref": "x",
        "csrf_token": token_of(client)})
    assert again.status_code == 422 and "tất cả đơn vị" in again.get_data(as_text=True)

@pytest.mark.parametrize("changes, message", [
    ({"day": "31/02/2026"}, "không hợp lệ"),
    ({"day": "2026-13-01"}, "không hợp lệ"),
    ({"day": ""}, "không hợp lệ"),
    ({"sessions": "7:30-11:30"}, "HH:MM-HH:MM"),
    ({"sessions": "07:30 đến 11:30"}, "HH:MM-HH:MM"),
    ({"sessions": "11:30-07:30"}, "kết thúc trước"),
    ({"sessions": "07:30-11:30, 11:00-12:00"}, "trùng"),
    ({"sessions": ""}, "ít nhất một khung giờ"),
    ({"kind": "holiday"}, "Chỉ nhập khung giờ"),
    ({"kind": "makeup_workday"}, "Chỉ nhập khung giờ"),
    ({"kind": "closed"}, "Loại ngoại lệ"),
    ({"decision_ref": ""}, "số quyết định"),
    ({"unit": "NO-SUCH-UNIT"}, "Chọn một đơn vị"),
    ({"unit": "NA-DIENCHAU", "day": "30/12/2026"}, "đã có ngoại lệ"),  # the example's own holiday
])
def test_override_refused_and_nothing_written(shared_site, changes, message):
    good = {"unit": "NA-TRUONGVINH", "kind": "custom_hours", "day": "2026-06-01", "sessions": "07:30-11:30",
            "decision_ref": "QĐ 9", "note": ""}
    before = counts(shared_site)
    client = signed_in(shared_site, "admin")
    response = client.post("/settings/overrides", data={**good, **changes, "csrf_token": token_of(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split('class="form-error"', 1)[1].split("</p>", 1)[0]
    assert counts(shared_site) == before


def test_session_parsing():
    from web.pages.settings import FormError, parse_sessions

    assert parse_sessions("07:30-11:30; 13:00–17:00\n17:30 - 19:00") == [["07:30", "11:30"], ["13:00", "17:00"],
                                                                         ["17:30", "19:00"]]
    assert parse_sessions("  ") == []
    with pytest.raises(FormError):
        parse_sessions("24:00-25:00")
