"""The unit wall: for every route that names an object, a user of one commune never reaches the other's.

Each route with a parameter is listed in OBJECT_ROUTES with how to name an object of a given unit;
a route missing from the table fails the test, so a new route cannot skip the check.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models.alerts import Alert
from models.checklists import Inspection, InspectionResult
from models.enums import AlertKind, AlertStatus, Severity
from models.findings import Finding, FindingEvidence
from models.observing import Observation
from models.org import Camera, Desk, Staff, Unit
from websupport import csrf_token

TV, DC = "NA-TRUONGVINH", "NA-DIENCHAU"
NOW = datetime(2026, 4, 1, 3, 0, tzinfo=timezone.utc)


def _unit_id(s, code):
    return s.scalar(select(Unit.id).where(Unit.code == code))


def _finding(s, code, personal=True):
    query = select(Finding.id).where(Finding.unit_id == _unit_id(s, code))
    query = query.where(Finding.staff_id.is_not(None)) if personal else query
    return s.scalar(query.order_by(Finding.id).limit(1))


def _evidence(s, code):
    return s.execute(select(FindingEvidence.finding_id, FindingEvidence.id).join(Finding)
                     .where(Finding.unit_id == _unit_id(s, code)).limit(1)).one()


def _camera(s, code):
    return s.scalar(select(Camera).join(Desk).where(Desk.unit_id == _unit_id(s, code)).order_by(Camera.code).limit(1))


def _desk(s, code):
    return s.scalar(select(Desk).where(Desk.unit_id == _unit_id(s, code)).order_by(Desk.code).limit(1))


def _staff(s, code):
    return s.scalar(select(Staff.code).where(Staff.unit_id == _unit_id(s, code), Staff.default_desk_id.is_not(None))
                    .order_by(Staff.code).limit(1))


def _inspection(s, code):
    return s.scalar(select(Inspection.id).where(Inspection.unit_id == _unit_id(s, code)).limit(1))


def _result(s, code):
    return s.execute(select(InspectionResult.inspection_id, InspectionResult.id).join(Inspection)
                     .where(Inspection.unit_id == _unit_id(s, code)).limit(1)).one()


def _alert(s, code):
    return s.scalar(select(Alert.id).where(Alert.unit_id == _unit_id(s, code)).limit(1))


def _observation(s, code):
    return s.scalar(select(Observation.id).join(Desk, Observation.desk_id == Desk.id)
                    .where(Desk.unit_id == _unit_id(s, code)).limit(1))


OBJECT_ROUTES = {  # endpoint → (method, url of an object of unit ``code``)
    "alerts_page.acknowledge": ("POST", lambda s, c: f"/alerts/{_alert(s, c)}/acknowledge"),
    "api.get_alert": ("GET", lambda s, c: f"/api/v1/alerts/{_alert(s, c)}"),
    "api.acknowledge_alert": ("POST", lambda s, c: f"/api/v1/alerts/{_alert(s, c)}/acknowledge"),
    "api.get_camera": ("GET", lambda s, c: f"/api/v1/cameras/{_camera(s, c).id}"),
    "api.get_desk": ("GET", lambda s, c: f"/api/v1/desks/{_desk(s, c).id}"),
    "api.get_finding": ("GET", lambda s, c: f"/api/v1/findings/{_finding(s, c)}"),
    "api.decide_finding": ("POST", lambda s, c: f"/api/v1/findings/{_finding(s, c)}/decision"),
    "api.explain_finding": ("POST", lambda s, c: f"/api/v1/findings/{_finding(s, c)}/explanation"),
    "api.get_inspection": ("GET", lambda s, c: f"/api/v1/inspections/{_inspection(s, c)}"),
    "api.official_score": ("GET", lambda s, c: f"/api/v1/scores/2026-03/officials/{_staff(s, c)}"),
    "api.year_scores": ("GET", lambda s, c: f"/api/v1/scores/year/2026?unit={c}"),
    "api.get_unit": ("GET", lambda s, c: f"/api/v1/units/{c}"),
    "camera_admin.edit": ("GET", lambda s, c: f"/cameras/{_camera(s, c).code}/edit"),
    "camera_admin.update": ("POST", lambda s, c: f"/cameras/{_camera(s, c).code}/edit"),
    "camera_admin.probe": ("POST", lambda s, c: f"/cameras/{_camera(s, c).code}/probe"),
    "cameras_page.detail": ("GET", lambda s, c: f"/cameras/{_camera(s, c).code}"),
    "cameras_page.snapshot": ("GET", lambda s, c: f"/cameras/{_camera(s, c).code}/snapshot.jpg"),
    "cameras_page.zones": ("GET", lambda s, c: f"/cameras/{_camera(s, c).code}/zones"),
    "cameras_page.save": ("POST", lambda s, c: f"/cameras/{_camera(s, c).code}/zones"),
    "findings_page.detail": ("GET", lambda s, c: f"/findings/{_finding(s, c)}"),
    "findings_page.attachment": ("GET", lambda s, c: f"/findings/{_finding(s, c)}/explanations/1/attachment"),
    "inspections_page.reply": ("POST", lambda s, c: f"/inspections/{_inspection(s, c)}/reply"),
    "inspections_page.reply_attachment": ("GET", lambda s, c: f"/inspections/{_inspection(s, c)}/replies/1/attachment"),
    "api.reply_inspection": ("POST", lambda s, c: f"/api/v1/inspections/{_inspection(s, c)}/reply"),
    "staff_page.create_account": ("POST", lambda s, c: f"/staff/{_staff(s, c)}/account"),
    "findings_page.decide_finding": ("POST", lambda s, c: f"/findings/{_finding(s, c)}/decide"),
    "findings_page.evidence": ("GET", lambda s, c: "/findings/{}/evidence/{}.jpg".format(*_evidence(s, c))),
    "findings_page.record_explanation": ("POST", lambda s, c: f"/findings/{_finding(s, c)}/explanations"),
    "findings_page.request_explanation": ("POST", lambda s, c: f"/findings/{_finding(s, c)}/request-explanation"),
    "inspections_page.detail": ("GET", lambda s, c: f"/inspections/{_inspection(s, c)}"),
    "inspections_page.finalize_inspection": ("POST", lambda s, c: f"/inspections/{_inspection(s, c)}/finalize"),
    "inspections_page.photo": ("GET", lambda s, c: "/inspections/{}/photos/{}/0".format(*_result(s, c))),
    "inspections_page.record_pdf": ("GET", lambda s, c: f"/inspections/{_inspection(s, c)}/record.pdf"),
    "reports_page.pdf": ("GET", lambda s, c: f"/reports/2026-03.pdf?unit={c}"),
    "reports_page.xlsx": ("GET", lambda s, c: f"/reports/2026-03.xlsx?unit={c}"),
    "scores_page.official": ("GET", lambda s, c: f"/scores/2026-03/{_staff(s, c)}"),
    "scores_page.assess": ("POST", lambda s, c: f"/scores/2026-03/{_staff(s, c)}/assess"),
    "staff_page.edit": ("GET", lambda s, c: f"/staff/{_staff(s, c)}/edit"),
    "staff_page.update": ("POST", lambda s, c: f"/staff/{_staff(s, c)}/edit"),
    "settings_page.thresholds": ("GET", lambda s, c: f"/settings/thresholds/unit/{c}"),
    "wall.desk_day": ("GET", lambda s, c: f"/wall/desk/{_desk(s, c).code}?day=2026-03-31"),
    "wall.evidence": ("GET", lambda s, c: f"/wall/evidence/{_observation(s, c)}.jpg"),
    "wall.snapshot": ("GET", lambda s, c: f"/wall/snapshot/{_camera(s, c).code}.jpg"),
}
NOT_OBJECTS = {"static"}
API_BODIES = {"api.decide_finding": {"action": "request_explanation"}, "api.explain_finding": {"text": "Giải trình"},
              "api.reply_inspection": {"text": "Ý kiến"}}
VISIBLE_GET = {  # routes whose own-unit object is served to a viewer (files may be absent for the others)
    "api.get_alert", "api.get_camera", "api.get_desk", "api.get_finding", "api.get_inspection", "api.official_score",
    "api.get_unit", "cameras_page.detail", "cameras_page.zones", "findings_page.detail", "inspections_page.detail",
    "inspections_page.record_pdf", "reports_page.pdf", "reports_page.xlsx", "scores_page.official", "wall.desk_day",
    "api.year_scores",
}


def test_every_route_with_an_object_is_in_the_table(web_site):
    with_params = {r.endpoint for r in web_site.app.url_map.iter_rules() if "<" in r.rule} - NOT_OBJECTS
    assert with_params == set(OBJECT_ROUTES), "add the new route to OBJECT_ROUTES"


@pytest.fixture
def urls(web_site):
    """Per endpoint, (method, url of a Trường Vinh object, url of a Diễn Châu object); one alert per unit added."""
    with web_site.factory.begin() as s:
        for code in (TV, DC):
            desk = _desk(s, code)
            s.add(Alert(condition_key=f"desk:{desk.id}:unattended", kind=AlertKind.UNATTENDED,
                        severity=Severity.WARNING, status=AlertStatus.OPEN, unit_id=desk.unit_id, desk_id=desk.id,
                        opened_at=NOW, message="Quầy vắng"))
    with web_site.factory() as s:
        return {endpoint: (method, make(s, TV), make(s, DC)) for endpoint, (method, make) in OBJECT_ROUTES.items()}


@pytest.mark.parametrize("user, own, other", [("xem-tv", 1, 2), ("lanhdao-tv", 1, 2), ("xem-dc", 2, 1)])
def test_a_commune_user_never_reaches_the_other_communes_objects(web_site, urls, user, own, other):
    client = web_site.client(user)
    headers = {"X-CSRFToken": csrf_token(client)}
    for endpoint, entry in sorted(urls.items()):
        method, url = entry[0], entry[other]
        if endpoint == "settings_page.thresholds":
            expected = (403,)  # admins only, whichever unit
        else:
            expected = (403, 404)
        response = client.open(url, method=method, headers=headers,
                               json=(API_BODIES.get(endpoint, {}) if url.startswith("/api/") and method == "POST"
                                     else None),
                               data={"csrf_token": headers["X-CSRFToken"]} if method == "POST"
                               and not url.startswith("/api/") and "zones" not in url else None)
        assert response.status_code in expected, (user, endpoint, url, response.status_code)
        body = response.get_data(as_text=True)
        assert "Diễn Châu" not in body or own == 2, (endpoint, "leaks the other commune's name")
        if endpoint in VISIBLE_GET:
            mine = client.get(entry[own])
            assert mine.status_code == 200, (user, endpoint, entry[own], mine.status_code)
