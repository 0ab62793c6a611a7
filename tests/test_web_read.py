"""Pages and the API read through one layer (web/read.py): ``?unit=`` covers the units below in both, both
accept the same months, the app's CLOCK is the time every record is stamped with, files come from DATA_DIR.

Users (tests/websupport.py): admin (all), thanhtra (inspector, NA = both communes), lanhdao-tv (manager,
Trường Vinh), xem-tv (viewer, Trường Vinh), xem-dc (viewer, Diễn Châu).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from apisupport import DC, TV, site  # noqa: F401  (fixture)
from websupport import csrf_token, login, web_site  # noqa: F401  (fixture)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIXED = datetime(2026, 4, 1, 9, 30, tzinfo=VN)  # the morning after the seeded history
UNIT_LISTS = ("/findings", "/alerts", "/inspections", "/desks", "/cameras")


# --- ?unit= ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", UNIT_LISTS)
@pytest.mark.parametrize("user", ["admin", "thanhtra"])
def test_the_api_unit_filter_covers_the_units_below(site, path, user):
    """``?unit=NA`` (the province) lists its communes' objects, as the pages do; ``?unit=<commune>`` that commune."""
    everything = site.get(user, f"{path}?per_page=500").get_json()
    province = site.get(user, f"{path}?unit=NA&per_page=500").get_json()
    assert province["total"] == everything["total"] > 0, path
    assert {item["unit_code"] for item in province["items"]} == {TV, DC}, path
    commune = site.get(user, f"{path}?unit={DC}&per_page=500").get_json()
    assert {item["unit_code"] for item in commune["items"]} == {DC} and 0 < commune["total"] < province["total"]


@pytest.mark.parametrize("path", UNIT_LISTS)
@pytest.mark.parametrize("user, unit", [("xem-tv", "NA"), ("xem-tv", DC), ("xem-dc", TV), ("lanhdao-tv", "NA")])
def test_a_unit_outside_the_scope_is_not_found_in_every_list(site, path, user, unit):
    response = site.get(user, f"{path}?unit={unit}")
    assert response.status_code == 404, (path, user, unit)
    assert response.get_json()["error"]["message"] == f"unit: no unit {unit!r} in your units"


def _page_total(client, path: str) -> int:
    page = client.get(path)
    assert page.status_code == 200, path
    return int(re.search(r"(\d+) phát hiện phù hợp", page.get_data(as_text=True))[1])


@pytest.mark.parametrize("unit", ["NA", TV, DC])
def test_the_findings_page_and_the_api_count_the_same_findings_for_a_unit(site, web_site, unit):
    client = web_site.client("thanhtra")
    api = site.get("thanhtra", f"/findings?unit={unit}").get_json()["total"]
    assert _page_total(client, f"/findings?unit={unit}") == api > 0


@pytest.mark.parametrize("unit, units", [("NA", {TV, DC}), (TV, {TV}), (DC, {DC})])
def test_the_wall_and_the_api_show_the_same_units_desks(site, web_site, unit, units):
    web_site.app.config["CLOCK"] = lambda: FIXED
    tiles = web_site.client("admin").get(f"/wall/tiles?unit={unit}").get_json()["tiles"]
    desks = site.get("admin", f"/desks?unit={unit}").get_json()["items"]
    assert {t["unit_code"] for t in tiles} == {d["unit_code"] for d in desks} == units
    assert {t["desk_code"] for t in tiles} == {d["code"] for d in desks if d["active"]}


# --- months ------------------------------------------------------------------------------------------------

MONTHS = [  # (month, accepted by both)
    ("2026-03", True), ("1970-01", True), ("2100-12", True),
    ("2026-13", False), ("2026-00", False), ("2026-3", False), ("03/2026", False), ("1969-12", False),
    ("2101-01", False), ("١٩٧٠-٠١", False),
]


@pytest.mark.parametrize("month, accepted", MONTHS)
def test_pages_and_the_api_accept_the_same_months(site, web_site, month, accepted):
    client = web_site.client("admin")
    expected = 200 if accepted else 400
    assert client.get("/findings", query_string={"month": month}).status_code == expected
    assert client.get("/scores", query_string={"month": month}).status_code == expected
    api = site.call("admin", "GET", "/findings", query_string={"month": month})
    assert api.status_code == expected, api.get_json()
    if not accepted:
        assert "month" in api.get_json()["error"]["message"]


# --- one clock ---------------------------------------------------------------------------------------------


def _acknowledge_on_the_page(site, web_site):
    client = web_site.client("lanhdao-tv")
    client.post(f"/alerts/{site.ids['tv_alert']}/acknowledge", data={"csrf_token": csrf_token(client, "/alerts")})
    return _alert_acknowledged_at(web_site, site.ids["tv_alert"])


def _acknowledge_through_the_api(site, web_site):
    assert site.post("xem-dc", f"/alerts/{site.ids['dc_alert']}/acknowledge").status_code == 403
    site.post("admin", f"/alerts/{site.ids['dc_alert']}/acknowledge")
    return _alert_acknowledged_at(web_site, site.ids["dc_alert"])


def _alert_acknowledged_at(web_site, alert_id):
    from models.alerts import Alert

    with web_site.factory() as session:
        return session.get(Alert, alert_id).acknowledged_at


def _decide_through_the_api(site, web_site):
    from models.findings import Decision

    site.post("thanhtra", f"/findings/{site.ids['tv_finding']}/decision", {"action": "request_explanation"})
    with web_site.factory() as session:
        return session.scalar(select(Decision.decided_at).where(
            Decision.finding_id == site.ids["tv_finding"]))


def _decide_on_the_page(site, web_site):
    from models.findings import Decision

    client = web_site.client("thanhtra")
    finding = site.ids["dc_finding"]
    client.post(f"/findings/{finding}/request-explanation",
                data={"csrf_token": csrf_token(client, f"/findings/{finding}")})
    with web_site.factory() as session:
        return session.scalar(select(Decision.decided_at).where(Decision.finding_id == finding))


def _read_evidence_through_the_api(site, web_site):
    assert site.get("xem-tv", f"/findings/{site.ids['tv_finding']}").status_code == 200
    return _logged_at(web_site, "api.finding.view")


def _export_a_report(site, web_site):
    assert web_site.client("xem-dc").get(f"/reports/2026-03.xlsx?unit={DC}").status_code == 200
    return _logged_at(web_site, "export.xlsx")


def _logged_at(web_site, action: str):
    from models.access import AccessLog

    with web_site.factory() as session:
        return session.scalar(select(AccessLog.at).where(AccessLog.action == action))


def _fail_a_sign_in(site, web_site):
    from models.access import LoginFailure

    client = web_site.client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/login", data={"username": "xem-tv", "password": "sai", "csrf_token": token}).status_code == 401
    with web_site.factory() as session:
        return session.scalar(select(LoginFailure.at).order_by(LoginFailure.id.desc()).limit(1))


def _sign_in(site, web_site):
    from models.access import User

    login(web_site.client(), "xem-dc")
    with web_site.factory() as session:
        return session.scalar(select(User.last_login_at).where(User.username == "xem-dc"))


STAMPED = [  # what a user does, and the time the record of it carries
    ("acknowledge an alert on the page", _acknowledge_on_the_page),
    ("acknowledge an alert through the API", _acknowledge_through_the_api),
    ("ask for an explanation on the page", _decide_on_the_page),
    ("ask for an explanation through the API", _decide_through_the_api),
    ("read a finding's evidence through the API", _read_evidence_through_the_api),
    ("export a month report", _export_a_report),
    ("fail to sign in", _fail_a_sign_in),
    ("sign in", _sign_in),
]


@pytest.mark.parametrize("what, act", STAMPED, ids=[what for what, _ in STAMPED])
def test_every_record_carries_the_apps_clock(site, web_site, what, act):
    web_site.app.config["CLOCK"] = lambda: FIXED
    stamped = act(site, web_site)
    assert stamped is not None, what
    assert stamped.replace(tzinfo=stamped.tzinfo or timezone.utc) == FIXED, what


# --- stored files, page blueprints -------------------------------------------------------------------------


def test_snapshots_come_from_the_apps_data_dir_only(web_site, tmp_path, monkeypatch):
    """The data dir comes from the app config (the settings fill it at start); a request never reads the environment."""
    environment, configured = tmp_path / "from-env", tmp_path / "configured"
    snapshot = Path("snapshots", "latest", "TV-HT-CAM.jpg")
    (environment / snapshot).parent.mkdir(parents=True)
    (environment / snapshot).write_bytes(b"\xff\xd8\xff\xd9")
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(environment))
    web_site.app.config["DATA_DIR"] = str(configured)
    client = web_site.client("xem-tv")
    assert client.get("/wall/snapshot/TV-HT-CAM.jpg").status_code == 404
    assert client.get("/cameras/TV-HT-CAM/snapshot.jpg").status_code == 404
    (configured / snapshot).parent.mkdir(parents=True)
    (configured / snapshot).write_bytes(b"\xff\xd8\xff\xd9")
    assert client.get("/wall/snapshot/TV-HT-CAM.jpg").status_code == 200
    assert client.get("/cameras/TV-HT-CAM/snapshot.jpg").status_code == 200


def test_every_menu_entry_has_its_page(web_site):
    from web import NAV

    missing = [endpoint for endpoint, _label, _roles in NAV if endpoint not in web_site.app.view_functions]
    assert not missing
    assert web_site.app.config["HOME_ENDPOINT"] in web_site.app.view_functions
