"""The JSON API /api/v1 on the seeded example site (SQLite and PostgreSQL): the role × unit matrix and what
every endpoint answers. The findings workflow, bad input, CSRF and the OpenAPI document: test_api_workflow.py.

Users (tests/websupport.py): admin (all), thanhtra (inspector, NA = both communes), lanhdao-tv (manager,
Trường Vinh), xem-tv (viewer, Trường Vinh), xem-dc (viewer, Diễn Châu).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from apisupport import DC, TV, WHOLE_DAY, count, site  # noqa: F401  (fixture)
from websupport import USERS, web_site  # noqa: F401  (fixture)

# --- reads: the role × unit matrix --------------------------------------------------------------------------

EVERYONE = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 200, "xem-tv": 200, "xem-dc": 200}
IN_TV = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 200, "xem-tv": 200, "xem-dc": 404}
IN_DC = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 404, "xem-tv": 404, "xem-dc": 200}
PROVINCE = {"admin": 200, "thanhtra": 200, "lanhdao-tv": 404, "xem-tv": 404, "xem-dc": 404}
READS = [  # (path with {ids}, expected status per user)
    ("/units", EVERYONE), ("/desks", EVERYONE), ("/cameras", EVERYONE), ("/findings", EVERYONE),
    ("/alerts", EVERYONE), ("/inspections", EVERYONE), ("/scores?month=2026-03", EVERYONE),
    (f"/units/{TV}", IN_TV), (f"/units/{DC}", IN_DC), ("/units/NA", PROVINCE),
    (f"/desks?unit={TV}", IN_TV), (f"/desks?unit={DC}", IN_DC),
    ("/desks/{tv_desk}", IN_TV), ("/desks/{dc_desk}", IN_DC),
    ("/cameras/{tv_camera}", IN_TV), ("/cameras/{dc_camera}", IN_DC), ("/cameras?desk=DC-HT", IN_DC),
    (f"/observations?desk=TV-HT&{WHOLE_DAY}", IN_TV), (f"/observations?desk=DC-HT&{WHOLE_DAY}", IN_DC),
    ("/presence?desk=TV-HT&day=2026-03-31", IN_TV), ("/presence?desk=DC-HT&day=2026-03-31", IN_DC),
    ("/findings/{tv_finding}", IN_TV), ("/findings/{dc_finding}", IN_DC), (f"/findings?unit={DC}", IN_DC),
    ("/alerts/{tv_alert}", IN_TV), ("/alerts/{dc_alert}", IN_DC), (f"/alerts?unit={DC}", IN_DC),
    ("/inspections/{tv_inspection}", IN_TV), ("/inspections/{dc_inspection}", IN_DC),
    (f"/scores?month=2026-03&unit={DC}", IN_DC),
    ("/scores/2026-03/officials/CB-TV-01", IN_TV), ("/scores/2026-03/officials/CB-DC-01", IN_DC),
    ("/scores/year/2026", EVERYONE), (f"/scores/year/2026?unit={DC}", IN_DC),
]
VISIBLE = {"admin": {"NA", TV, DC}, "thanhtra": {"NA", TV, DC}, "lanhdao-tv": {TV}, "xem-tv": {TV}, "xem-dc": {DC}}


@pytest.mark.parametrize("user", list(USERS))
def test_read_matrix(site, user):
    """Every read route as every user: 200 in scope, 404 for objects of another unit; lists never leak."""
    for path, expected in READS:
        response = site.get(user, path.format(**site.ids))
        assert response.status_code == expected[user], (user, path, response.get_json())
        body = response.get_json()
        if response.status_code == 404:
            assert body["error"]["status"] == 404
        elif "items" in body:
            assert {item.get("unit_code") for item in body["items"]} <= VISIBLE[user], (user, path, body)


WRITES = [  # (method, path, body, expected per user), run in order on a fresh site per user
    ("POST", "/alerts/{tv_alert}/acknowledge", None,
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 200, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/alerts/{dc_alert}/acknowledge", None,
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 404, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/findings/{dc_finding}/decision", {"action": "request_explanation"},
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 404, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/findings/{tv_finding}/decision", {"action": "request_explanation"},
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 200, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/findings/{tv_finding}/explanation", {"text": "Tôi đi họp theo giấy mời."},
     {"admin": 201, "thanhtra": 201, "lanhdao-tv": 201, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/findings/{tv_finding}/decision", {"action": "confirm", "reason": "Không có giấy mời."},
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/findings/{tv_finding}/decision", {"action": "reopen", "reason": "Có giấy mời bổ sung."},
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/findings/{tv_finding}/decision", {"action": "dismiss", "reason": "Giấy mời hợp lệ."},
     {"admin": 200, "thanhtra": 200, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/inspections", {"unit": TV, "started_at": "2026-03-31T07:45:00+07:00",
                              "items": [{"number": 13, "result": "pass"}]},
     {"admin": 201, "thanhtra": 201, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403}),
    ("POST", "/inspections", {"unit": DC, "started_at": "2026-03-31T07:45:00+07:00",
                              "items": [{"number": 13, "result": "fail"}], "finalize": True},
     {"admin": 201, "thanhtra": 201, "lanhdao-tv": 403, "xem-tv": 403, "xem-dc": 403}),
]


@pytest.mark.parametrize("user", list(USERS))
def test_write_matrix(site, user):
    """Viewers may not write (403); managers acknowledge and ask for explanations in their unit but may not
    decide; inspectors and admins may do everything; another unit's object is a 404."""
    for method, path, body, expected in WRITES:
        response = site.call(user, method, path.format(**site.ids), json=body)
        assert response.status_code == expected[user], (user, method, path, response.get_json())
        if response.status_code == 403:
            assert response.get_json()["error"]["status"] == 403


def test_an_inspector_of_one_commune_cannot_reach_the_other(site, web_site):
    from models.access import ApiToken, User
    from models.enums import Role
    from models.org import Unit
    from web.auth import new_token, token_hash

    token = new_token()
    with web_site.factory.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == TV))
        user = User(username="thanhtra-tv", full_name="Cán bộ kiểm tra TV", role=Role.INSPECTOR, password_hash="x",
                    units=[unit])
        session.add(user)
        session.flush()
        session.add(ApiToken(user_id=user.id, name="test", token_hash=token_hash(token)))
    site.tokens["thanhtra-tv"] = token
    confirm = {"action": "confirm", "reason": "Vắng không lý do."}
    assert site.post("thanhtra-tv", f"/findings/{site.ids['dc_finding']}/decision", confirm).status_code == 404
    refused = site.post("thanhtra-tv", "/inspections", {"unit": DC, "started_at": "2026-03-31T07:45:00+07:00",
                                                       "items": []})
    assert refused.status_code == 422 and "unit" in refused.get_json()["error"]["message"]
    in_desk = site.post("thanhtra-tv", "/inspections", {"unit": TV, "desk": "DC-HT", "items": [],
                                                       "started_at": "2026-03-31T07:45:00+07:00"})
    assert in_desk.status_code == 422 and "desk" in in_desk.get_json()["error"]["message"]


# --- reads: what each endpoint answers ------------------------------------------------------------------------

def test_units_and_desks(site):
    units = site.get("xem-tv", "/units").get_json()
    assert [u["code"] for u in units["items"]] == [TV] and units["items"][0]["parent_code"] == "NA"
    province = site.get("admin", "/units/NA").get_json()
    assert province["children"] == [DC, TV] and province["level"] == "province"
    unit = site.get("xem-tv", f"/units/{TV}").get_json()
    assert (unit["desks"], unit["officials"], unit["children"]) == (3, 4, [])
    desks = site.get("admin", f"/desks?unit={DC}").get_json()
    assert [d["code"] for d in desks["items"]] == ["DC-DD", "DC-HT", "DC-XH"] and desks["total"] == 3
    desk = site.get("xem-tv", f"/desks/{site.ids['tv_desk']}").get_json()
    assert desk["code"] == "TV-CT" and desk["unit_code"] == TV and desk["cameras"] == ["TV-CT-CAM"]
    assert [o["code"] for o in desk["officials"]] == ["CB-TV-03"]


def test_cameras_never_show_credentials_or_urls(site, web_site):
    from models.org import Camera

    with web_site.factory.begin() as session:
        camera = session.get(Camera, site.ids["tv_camera"])
        camera.username, camera.password = "quantri", "MatKhauBiMat-42"
        camera.source_url = "rtsp://10.1.2.3:554/Streaming/Channels/101"
    listing = site.get("xem-tv", "/cameras")
    detail = site.get("xem-tv", f"/cameras/{site.ids['tv_camera']}")
    for response in (listing, detail):
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "MatKhauBiMat" not in text and "quantri" not in text and "10.1.2.3" not in text
        assert "source_url" not in text and "password" not in text and "username" not in text
    cameras = listing.get_json()
    assert cameras["total"] == 3 and {c["unit_code"] for c in cameras["items"]} == {TV}
    assert all(c["health"] == "ok" and c["health_at"].startswith("2026-03-31") for c in cameras["items"])
    camera = detail.get_json()
    assert (camera["code"], camera["desk_code"], camera["cadence_seconds"]) == ("TV-CT-CAM", "TV-CT", 60)
    assert "staff" in {z["kind"] for z in camera["zones"]}
    assert all(len(point) == 2 for zone in camera["zones"] for point in zone["polygon"])


def test_observations_of_a_desk(site):
    page = site.get("xem-tv", f"/observations?desk=TV-HT&{WHOLE_DAY}&per_page=100").get_json()
    assert page["total"] > 100 and page["pages"] == (page["total"] + 99) // 100 and len(page["items"]) == 100
    first = page["items"][0]
    assert first["unit_code"] == TV and first["desk_code"] == "TV-HT" and first["camera_code"] == "TV-HT-CAM"
    assert first["slot_at"] >= "2026-03-31T00:30:00+00:00"  # 07:30 local
    times = [o["slot_at"] for o in page["items"]]
    assert times == sorted(times)
    last = site.get("xem-tv", f"/observations?desk=TV-HT&{WHOLE_DAY}&per_page=100&page={page['pages']}").get_json()
    assert last["items"][-1]["slot_at"] < "2026-03-31T10:00:00+00:00"  # 17:00 local, exclusive
    local = site.get("xem-tv", "/observations?desk=TV-HT&from=2026-03-31T07:30&to=2026-03-31T08:00").get_json()
    assert local["total"] == 60  # a sample every 30 s; times without an offset are Asia/Ho_Chi_Minh


def test_presence_of_a_desk_day(site):
    day = site.get("xem-tv", "/presence?desk=TV-HT&day=2026-03-31").get_json()
    assert (day["desk_code"], day["unit_code"], day["day"]) == ("TV-HT", TV, "2026-03-31")
    assert [s["start"] for s in day["sessions"]] == ["2026-03-31T00:30:00+00:00", "2026-03-31T06:00:00+00:00"]
    facts = day["facts"]
    assert facts["scheduled_minutes"] == 480
    minutes = facts["present_minutes"] + facts["absent_minutes"] + facts["unknown_minutes"]
    assert minutes == pytest.approx(480, abs=0.1) and facts["unknown_minutes"] > 0
    assert facts["first_seen"].startswith("2026-03-31T00:3")
    assert facts["staffed_rate"] == pytest.approx(facts["present_minutes"] / (480 - facts["unknown_minutes"]),
                                                  abs=1e-3)
    states = [e["state"] for e in day["events"]]
    assert states[0] == "present" and "absent" in states and "unknown" in states
    assert [e["at"] for e in day["events"]] == sorted(e["at"] for e in day["events"])
    sunday = site.get("xem-tv", "/presence?desk=TV-HT&day=2026-03-29").get_json()
    assert sunday["sessions"] == [] and sunday["facts"]["scheduled_minutes"] == 0 and sunday["events"] == []
    assert sunday["state_at_start"] is not None  # the state left by Friday's last change


def test_findings_list_and_filters(site):
    everything = site.get("admin", "/findings").get_json()
    assert everything["total"] == 5  # DC-DD's 12-minute camera gap is covered by the room camera DC-PHONG
    days = [f["day"] for f in everything["items"]]
    assert days == sorted(days, reverse=True)
    tv = site.get("xem-tv", "/findings").get_json()
    assert tv["total"] == 4 and {f["unit_code"] for f in tv["items"]} == {TV}
    assert site.get("admin", "/findings?kind=early_leave").get_json()["total"] == 3
    assert site.get("admin", "/findings?kind=camera_gap").get_json()["total"] == 0
    assert site.get("admin", f"/findings?unit={DC}&status=proposed").get_json()["total"] == 1
    assert site.get("admin", "/findings?month=2026-03&staff=CB-TV-02").get_json()["total"] == 2
    assert site.get("admin", "/findings?month=2026-04").get_json()["items"] == []
    assert site.get("admin", "/findings?desk=TV-HT").get_json()["items"][0]["staff_code"] == "CB-TV-01"
    paged = site.get("admin", "/findings?per_page=4&page=2").get_json()
    assert (len(paged["items"]), paged["pages"]) == (1, 2)


def test_finding_detail_writes_the_access_log(site, web_site):
    from models.access import AccessLog

    finding_id = site.ids["tv_finding"]
    detail = site.get("xem-tv", f"/findings/{finding_id}").get_json()
    assert detail["id"] == finding_id and detail["unit_code"] == TV and detail["status"] == "proposed"
    assert detail["evidence"] and all(e["observed_at"] for e in detail["evidence"])
    assert detail["explanations"] == [] and detail["decisions"] == []
    assert detail["proposed_deduction"] == 3.0 and detail["checklist_item_number"] == 2
    with web_site.factory() as session:
        rows = session.scalars(select(AccessLog).where(AccessLog.action == "api.finding.view")).all()
    assert [(r.username, r.object_type, r.object_id) for r in rows] == [("xem-tv", "finding", str(finding_id))]
    assert site.get("xem-dc", f"/findings/{finding_id}").status_code == 404
    assert count(web_site, AccessLog, AccessLog.action == "api.finding.view") == 1  # a refused view is no view


def test_alerts(site):
    alerts = site.get("lanhdao-tv", "/alerts").get_json()
    assert alerts["total"] == 2 and {a["unit_code"] for a in alerts["items"]} == {TV}
    assert site.get("lanhdao-tv", "/alerts?status=open").get_json()["total"] == 1
    assert site.get("admin", "/alerts?kind=camera_fault").get_json()["total"] == 1
    alert = site.get("lanhdao-tv", f"/alerts/{site.ids['tv_alert']}").get_json()
    assert (alert["desk_code"], alert["status"], alert["message_en"]) == ("TV-CT", "open", "Desk")
    assert alert["details"] == {"minutes": 20}
    done = site.post("lanhdao-tv", f"/alerts/{site.ids['tv_alert']}/acknowledge").get_json()
    assert done["status"] == "acknowledged" and done["acknowledged_by"] == "lanhdao-tv" and done["acknowledged_at"]
    again = site.post("admin", f"/alerts/{site.ids['tv_alert']}/acknowledge").get_json()
    assert again["acknowledged_by"] == "lanhdao-tv"  # acknowledging twice changes nothing
    resolved = site.post("admin", f"/alerts/{site.ids['tv_resolved_alert']}/acknowledge")
    assert resolved.status_code == 409 and "resolved" in resolved.get_json()["error"]["message"]


def test_inspections(site, web_site):
    from models.checklists import Inspection

    listing = site.get("xem-dc", "/inspections").get_json()
    assert listing["total"] == 1 and listing["items"][0]["unit_code"] == DC
    assert listing["items"][0]["status"] == "final" and listing["items"][0]["failed_count"] == 4
    assert site.get("admin", "/inspections?month=2026-03&status=final").get_json()["total"] == 2
    assert site.get("admin", "/inspections?month=2026-02").get_json()["total"] == 0
    body = {"unit": TV, "desk": "TV-HT", "staff": "CB-TV-01", "started_at": "2026-03-31T07:45:00+07:00",
            "ended_at": "2026-03-31T08:30:00+07:00", "record_number": "15/BB-KTCV", "note": "Kiểm tra đột xuất",
            "basis": "Quyết định số 9/QĐ-SNV ngày 20/3/2026 về việc kiểm tra công vụ",
            "items": [{"number": 5, "result": "không đạt", "note": "Không đeo thẻ"},
                      {"number": 13, "result": "fail"}, {"number": 1, "result": "pass"},
                      {"number": 14, "result": "fail", "occurrences": 2}]}
    draft = site.post("thanhtra", "/inspections", body)
    assert draft.status_code == 201, draft.get_json()
    created = draft.get_json()
    assert (created["status"], created["record_number"], created["inspector_name"]) == ("draft", "15/BB-KTCV",
                                                                                       "thanhtra")
    assert created["started_at"] == "2026-03-31T00:45:00+00:00" and created["desk_code"] == "TV-HT"
    assert created["basis"] == "Quyết định số 9/QĐ-SNV ngày 20/3/2026 về việc kiểm tra công vụ"
    assert [(r["number"], r["result"], r["staff_code"]) for r in created["results"]] == [
        (1, "pass", "CB-TV-01"), (5, "fail", "CB-TV-01"), (13, "fail", None), (14, "fail", "CB-TV-01")]
    assert sorted(d["points"] for d in created["deductions"]) == [2.0, 2.0, 4.0]
    assert site.get("xem-tv", f"/inspections/{created['id']}").get_json()["results"] == created["results"]
    final = site.post("admin", "/inspections", {**body, "record_number": "16/BB-KTCV", "finalize": True,
                                                "basis": None})
    assert final.status_code == 201 and final.get_json()["status"] == "final"
    assert final.get_json()["basis"].startswith("Kế hoạch số 15/KH-SNV")  # the site's [inspection] basis
    too_long = site.post("admin", "/inspections", {**body, "basis": "x" * 1001})
    assert too_long.status_code == 400 and too_long.get_json()["error"]["message"] == "basis: at most 1000 characters"
    assert count(web_site, Inspection) == 4


def test_scores(site):
    month = site.get("xem-tv", "/scores?month=2026-03").get_json()
    assert month["month"] == "2026-03" and month["total"] == 4
    assert {o["unit_code"] for o in month["items"]} == {TV} and [u["unit_code"] for u in month["units"]] == [TV]
    assert month["summary_vi"].startswith("1/1 đơn vị")
    everything = site.get("thanhtra", "/scores?month=2026-03&per_page=5").get_json()
    assert (everything["total"], everything["pages"], len(everything["items"])) == (7, 2, 5)
    assert {u["unit_code"] for u in everything["units"]} == {"NA", TV, DC}
    ranked = [u for u in everything["units"] if u["rank"] is not None]
    assert sorted(u["rank"] for u in ranked) == [1, 2] and all(u["score"] for u in ranked)
    empty = site.get("admin", "/scores?month=2025-12").get_json()
    assert empty["items"] == [] and empty["total"] == 0
    official = site.get("lanhdao-tv", "/scores/2026-03/officials/CB-TV-01").get_json()
    assert official["staff_code"] == "CB-TV-01" and official["unit_code"] == TV
    assert official["discipline_raw"] == 100 - official["deduction_points"]
    result_ids = {d["inspection_result_id"] for d in official["deductions"]}
    inspection = site.get("lanhdao-tv", f"/inspections/{site.ids['tv_inspection']}").get_json()
    assert result_ids and result_ids <= {r["id"] for r in inspection["results"]}
    assert site.get("admin", "/scores/2025-12/officials/CB-TV-01").status_code == 404


def test_year_scores(site):
    mine = site.get("xem-tv", "/scores/year/2026").get_json()
    assert mine["year"] == 2026 and sorted(o["staff_code"] for o in mine["officials"]) == [
        "CB-TV-01", "CB-TV-02", "CB-TV-03", "CB-TV-04"]
    assert {"staff_code", "category", "class", "reason", "months_evaluated", "score", "coverage"} <= set(
        mine["officials"][0])
    everyone = site.get("thanhtra", "/scores/year/2026").get_json()
    codes = [o["staff_code"] for o in everyone["officials"]]
    assert len(codes) == len(set(codes)) == 7 and everyone["site_choices"]
    empty = site.get("admin", "/scores/year/2025").get_json()
    assert empty["officials"] == [] and "2025" in empty["note"]
    assert site.get("admin", "/scores/year/20x6").status_code == 400
