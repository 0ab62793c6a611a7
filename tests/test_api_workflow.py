"""The JSON API /api/v1 (SQLite and PostgreSQL): the findings workflow through to the score, bad input that
writes nothing, tokens and CSRF, and the OpenAPI document. Users: see test_api.py."""

from __future__ import annotations

from datetime import datetime, timezone

from apisupport import API, DC, TV, count, site  # noqa: F401  (fixture)
from websupport import csrf_token, web_site  # noqa: F401  (fixture)

# --- the findings workflow ------------------------------------------------------------------------------------

def test_request_explain_confirm_then_the_score_counts_it(site, web_site):
    from audit.services.scores import compute_month
    from models.findings import Decision

    path = f"/findings/{site.ids['tv_finding']}"
    too_early = site.post("thanhtra", f"{path}/decision", {"action": "confirm", "reason": "Vắng quầy."})
    assert too_early.status_code == 409 and "awaiting_explanation" in too_early.get_json()["error"]["message"]
    not_asked = site.post("lanhdao-tv", f"{path}/explanation", {"text": "Tôi đi họp."})
    assert not_asked.status_code == 409 and "request it first" in not_asked.get_json()["error"]["message"]
    assert count(web_site, Decision) == 0
    asked = site.post("lanhdao-tv", f"{path}/decision", {"action": "request_explanation"})
    assert asked.status_code == 200 and asked.get_json()["status"] == "awaiting_explanation"
    explained = site.post("lanhdao-tv", f"{path}/explanation", {"text": "  Tôi đi họp.  ", "attachment_ref": "GM-12"})
    assert explained.status_code == 201
    assert explained.get_json() | {"id": 0, "submitted_at": ""} == {
        "id": 0, "finding_id": site.ids["tv_finding"], "staff_code": None, "text": "Tôi đi họp.",
        "attachment_ref": "GM-12", "submitted_at": "", "submitted_by": "lanhdao-tv"}  # a manager: not yet confirmed
    confirmed = site.post("thanhtra", f"{path}/decision", {"action": "confirm", "reason": "Không có giấy mời."})
    assert confirmed.status_code == 200
    assert confirmed.get_json()["status"] == "confirmed" and confirmed.get_json()["decided_by"] == "thanhtra"
    twice = site.post("thanhtra", f"{path}/decision", {"action": "confirm", "reason": "Lần nữa."})
    assert twice.status_code == 409
    detail = site.get("admin", path).get_json()
    assert [(d["action"], d["to_status"], d["decided_by"]) for d in detail["decisions"]] == [
        ("request_explanation", "awaiting_explanation", "lanhdao-tv"), ("confirm", "confirmed", "thanhtra")]
    assert [(e["text"], e["staff_code"]) for e in detail["explanations"]] == [("Tôi đi họp.", "CB-TV-02")]
    with web_site.factory.begin() as session:
        compute_month(session, "2026-03", now=datetime(2026, 4, 2, tzinfo=timezone.utc))
    official = site.get("admin", "/scores/2026-03/officials/CB-TV-02").get_json()
    assert [d["points"] for d in official["deductions"] if d["finding_id"] == site.ids["tv_finding"]] == [3.0]


def test_dismiss_and_reopen(site):
    path = f"/findings/{site.ids['dc_finding']}/decision"
    dismissed = site.post("admin", path, {"action": "dismiss", "reason": "Đi công tác có giấy."})
    assert dismissed.get_json()["status"] == "dismissed"
    assert dismissed.get_json()["decision_reason"] == "Đi công tác có giấy."
    reopened = site.post("thanhtra", path, {"action": "reopen", "reason": "Giấy công tác sai ngày."})
    assert reopened.get_json()["status"] == "awaiting_explanation" and reopened.get_json()["decided_by"] is None
    assert site.get("admin", f"/findings?status=awaiting_explanation&unit={DC}").get_json()["total"] == 1


# --- bad input ------------------------------------------------------------------------------------------------

BAD_READS = [  # (path, status, what the message names)
    ("/desks?per_page=0", 400, "per_page"), ("/desks?page=abc", 400, "page"), ("/desks?page=99999999999", 400, "page"),
    ("/desks?unit=", 400, "unit"), ("/desks?unit=NOWHERE", 404, "unit"), ("/units/NOWHERE", 404, "code"),
    ("/desks/99999", 404, "desk"), ("/desks/99999999999999999999", 404, "desk"), ("/cameras?desk=NOPE", 404, "desk"),
    ("/observations?from=2026-03-31T07:30&to=2026-03-31T08:00", 400, "desk"),
    ("/observations?desk=TV-HT&to=2026-03-31T08:00", 400, "from"),
    ("/observations?desk=TV-HT&from=2026-03-31T07:30", 400, "to"),
    ("/observations?desk=TV-HT&from=31/03/2026&to=2026-03-31T08:00", 400, "from"),
    ("/observations?desk=TV-HT&from=2026-03-31T08:00&to=2026-03-31T07:00", 400, "to"),
    ("/observations?desk=TV-HT&from=2026-01-01T00:00&to=2026-02-15T00:00", 400, "31 days"),
    ("/observations?desk=TV-HT&from=0001-01-01T00:00%2B07:00&to=0001-01-02T00:00", 400, "from"),
    ("/observations?desk=NOPE&from=2026-03-31T07:30&to=2026-03-31T08:00", 404, "desk"),
    ("/presence?desk=TV-HT", 400, "day"), ("/presence?day=2026-03-31", 400, "desk"),
    ("/presence?desk=TV-HT&day=2026-02-30", 400, "day"), ("/presence?desk=TV-HT&day=31/03/2026", 400, "day"),
    ("/findings?status=maybe", 400, "status"), ("/findings?kind=nap", 400, "kind"),
    ("/findings?month=2026-13", 400, "month"), ("/findings?month=", 400, "month"),
    ("/findings?staff=CB-XX-99", 404, "staff"), ("/findings/0", 404, "finding"),
    ("/alerts?status=closed", 400, "status"), ("/alerts/123456", 404, "alert"),
    ("/inspections?status=signed", 400, "status"), ("/inspections/777", 404, "inspection"),
    ("/scores", 400, "month"), ("/scores?month=March", 400, "month"), ("/scores?month=2026-03&unit=XX", 404, "unit"),
    ("/scores/2026-3/officials/CB-TV-01", 400, "month"), ("/scores/2026-03/officials/NOBODY", 404, "staff_code"),
]


def test_bad_reads(site):
    for path, status, named in BAD_READS:
        response = site.get("admin", path)
        assert response.status_code == status, (path, response.get_json())
        error = response.get_json()["error"]
        assert error["status"] == status and named in error["message"], (path, error)


BAD_WRITES = [  # (path, body, status, what the message names)
    ("/findings/{tv_finding}/decision", {}, 400, "action"),
    ("/findings/{tv_finding}/decision", {"action": 3}, 400, "action"),
    ("/findings/{tv_finding}/decision", {"action": "approve"}, 422, "action"),
    ("/findings/{tv_finding}/decision", {"action": "dismiss"}, 400, "reason"),
    ("/findings/{tv_finding}/decision", {"action": "dismiss", "reason": "   "}, 400, "reason"),
    ("/findings/{tv_finding}/decision", {"action": "dismiss", "reason": "x", "by": "me"}, 400, "by"),
    ("/findings/{tv_finding}/decision", ["confirm"], 400, "object"),
    ("/findings/999999/decision", {"action": "request_explanation"}, 404, "finding"),
    ("/findings/{tv_finding}/explanation", {"text": ""}, 400, "text"),
    ("/findings/{tv_finding}/explanation", {"text": "a\x00b"}, 400, "text"),
    ("/findings/{tv_finding}/explanation", {"text": "ok", "attachment_ref": 5}, 400, "attachment_ref"),
    ("/inspections", {"started_at": "2026-03-31T07:45:00+07:00", "items": []}, 400, "unit"),
    ("/inspections", {"unit": TV, "items": []}, 400, "started_at"),
    ("/inspections", {"unit": TV, "started_at": "hôm qua", "items": []}, 400, "started_at"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": {}}, 400, "items"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [{"number": 1}]}, 400,
     "items[0].result"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [{"number": "1", "result": "pass"}]},
     400, "items[0].number"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [], "finalize": "yes"}, 400,
     "finalize"),
    ("/inspections", {"unit": "NOWHERE", "started_at": "2026-03-31T07:45", "items": []}, 422, "unit"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [{"number": 99, "result": "fail"}]},
     422, "item 99"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [{"number": 5, "result": "maybe"}]},
     422, "item 5"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [{"number": 5, "result": "fail"}]},
     422, "names no official"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "staff": "CB-DC-01", "items": []}, 422,
     "staff"),
    ("/inspections", {"unit": TV, "started_at": "2026-03-31T07:45", "items": [], "finalize": True}, 422,
     "no item results"),
    ("/inspections", {"unit": TV, "started_at": "2099-01-01T07:45", "finalize": True,
                      "items": [{"number": 1, "result": "pass", "staff": "CB-TV-01"}]}, 422, "finalized"),
]


def test_bad_writes_write_nothing(site, web_site):
    from models.checklists import Inspection, InspectionResult
    from models.findings import Decision, Explanation, Finding

    tables = (Inspection, InspectionResult, Decision, Explanation)
    before = [count(web_site, table) for table in tables]
    for path, body, status, named in BAD_WRITES:
        response = site.post("admin", path.format(**site.ids), body)
        assert response.status_code == status, (path, body, response.get_json())
        error = response.get_json()["error"]
        assert error["status"] == status and named in error["message"], (path, body, error)
    assert [count(web_site, table) for table in tables] == before
    assert count(web_site, Finding, Finding.status != "proposed") == 0


def test_bodies_must_be_json(site):
    path = f"/findings/{site.ids['tv_finding']}/decision"
    form = site.call("admin", "POST", path, data={"action": "request_explanation"})
    assert form.status_code == 415 and "application/json" in form.get_json()["error"]["message"]
    broken = site.call("admin", "POST", path, data="{not json", content_type="application/json")
    assert broken.status_code == 400 and "JSON" in broken.get_json()["error"]["message"]
    text = site.call("admin", "POST", f"/alerts/{site.ids['tv_alert']}/acknowledge", data="ok",
                     content_type="text/plain")
    assert text.status_code == 415


# --- authentication and CSRF ----------------------------------------------------------------------------------

def test_tokens_need_no_csrf_but_session_writes_do(site, web_site):
    path = f"{API}/alerts/{site.ids['tv_alert']}/acknowledge"
    assert web_site.client().post(path).status_code == 401
    wrong = web_site.client().post(path, headers={"Authorization": "Bearer da_not-a-token"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["status"] == 401
    assert "Bearer" in wrong.headers["WWW-Authenticate"]
    browser = web_site.client("lanhdao-tv")
    refused = browser.post(path)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]["message"]
    assert site.get("admin", f"/alerts/{site.ids['tv_alert']}").get_json()["status"] == "open"
    accepted = browser.post(path, headers={"X-CSRFToken": csrf_token(browser)})
    assert accepted.status_code == 200 and accepted.get_json()["acknowledged_by"] == "lanhdao-tv"
    assert browser.get(f"{API}/findings").status_code == 200  # reads need no token
    by_token = site.post("thanhtra", f"/findings/{site.ids['dc_finding']}/decision",
                         {"action": "request_explanation"})
    assert by_token.status_code == 200


def test_openapi_describes_every_endpoint(site):
    document = site.get("xem-tv", "/openapi.json").get_json()
    paths = document["paths"]
    for path in ("/units/{code}", "/desks/{id}", "/cameras", "/cameras/{id}", "/observations", "/presence",
                 "/findings/{id}", "/findings/{id}/explanation", "/findings/{id}/decision", "/alerts/{id}/acknowledge",
                 "/inspections", "/inspections/{id}", "/scores", "/scores/{month}/officials/{staff_code}"):
        assert path in paths, path
    assert set(paths["/inspections"]) == {"get", "post"}
    decision = paths["/findings/{id}/decision"]["post"]
    assert {"200", "400", "403", "404", "409", "415", "422"} <= set(decision["responses"])
    camera = paths["/cameras"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "source_url" not in str(camera) and "password" not in str(camera)
