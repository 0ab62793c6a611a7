"""Findings keep the zone versions they were computed under; a changed zone puts the open ones up for re-review,
never the decided ones; re-running the audit writes them again under the current zones and clears the flag."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from audit.services.audit_run import run_audit
from audit.services.workflow import decide, explain
from audit.services.zone_review import flag_for_review, needs_review
from fakecams import example_site_loader, observe
from models.access import User
from models.enums import AbsenceKind, DecisionAction, FindingKind, FindingStatus, PresenceState, Role
from models.findings import Finding
from models.hours import ExcusedAbsence
from models.org import Camera, Desk, Staff, Zone

HN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=2)
ABSENT = PresenceState.ABSENT
TV_HT = {"TV-HT-CAM/ban-tiep-nhan": 1, "TV-HT-CAM/hang-cho": 1}  # the exclude zone is not counted: not recorded
ROOM_ZONE = {"name": "q1-can-bo", "kind": "staff", "desk": "TV-HT",
             "polygon": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5], [0.1, 0.5]]}


def hn(hh: int, mm: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=HN).astimezone(timezone.utc)


def with_room_camera(raw: dict, polygon=None) -> None:
    """The Trường Vinh room camera XA-PHONG, with one staff zone of desk TV-HT."""
    zone = {**ROOM_ZONE, "polygon": polygon or ROOM_ZONE["polygon"]}
    unit = next(u for u in raw["units"] if u["id"] == "NA-TRUONGVINH")
    unit["cameras"] = [{"id": "XA-PHONG", "name": "Camera phòng một cửa", "url": "file:../tests/data/vtest-excerpt.mp4",
                        "purpose": "Giám sát Bộ phận Một cửa", "zones": [zone]}]


@pytest.fixture
def loader(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, hn(0, 0))


@pytest.fixture
def site(loader, example_raw):
    factory = loader(with_room_camera)
    with factory.begin() as session:
        session.add(User(username="thanhtra", role=Role.INSPECTOR, password_hash="x"))
    # desk TV-HT: late in the morning (07:30–07:42), away 09:00–09:30 and 14:00–14:20
    spans = [(hn(7, 30), hn(7, 42)), (hn(9, 0), hn(9, 30)), (hn(14, 0), hn(14, 20))]
    at = hn(7, 30)
    for start, end in [*spans, (hn(17, 0), hn(17, 0))]:
        if start > at:
            observe(factory, "TV-HT-CAM", at, start - timedelta(seconds=30))
        if end > start:
            observe(factory, "TV-HT-CAM", start, end - timedelta(seconds=30), presence=ABSENT)
        at = end
    return factory


def audit(site, now=NOW):
    with site.begin() as session:
        return run_audit(session, [DAY], now=now, unit_code="NA-TRUONGVINH")


def rows(site) -> dict[tuple[str, str | None], Finding]:
    """Desk TV-HT's findings by (kind, local start HH:MM)."""
    with site() as session:
        found = session.scalars(select(Finding).join(Desk, Finding.desk_id == Desk.id).where(Desk.code == "TV-HT")
                                .order_by(Finding.starts_at)).all()
        return {(f.kind.value, f.starts_at.astimezone(HN).strftime("%H:%M")): f for f in found}


def edit_zone(site, camera: str, name: str, *, polygon=None, active=True, actor="admin", now=LATER) -> list[int]:
    """Change a zone the way the editor does (version + 1) and flag through the service; the ids flagged."""
    with site.begin() as session:
        zone = session.scalars(select(Zone).join(Camera).where(Camera.code == camera, Zone.name == name)).one()
        zone.polygon = polygon or [[0.6, 0.3], [1.0, 0.3], [1.0, 0.8], [0.6, 0.8]]
        zone.active = active
        zone.version += 1
        return [f.id for f in flag_for_review(session, zone, now=now, actor=actor)]


def decided(site) -> dict[str, int]:
    """09:00 awaiting explanation, 14:00 confirmed (the late arrival stays proposed)."""
    found = rows(site)
    ids = {"awaiting": found[("unattended", "09:00")].id, "confirmed": found[("unattended", "14:00")].id}
    with site.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        for key in ("awaiting", "confirmed"):
            decide(session, ids[key], DecisionAction.REQUEST_EXPLANATION, by=user, now=NOW)
        explain(session, ids["confirmed"], "Không có lý do", now=NOW)
        decide(session, ids["confirmed"], DecisionAction.CONFIRM, by=user, now=NOW, reason="Vắng không lý do")
    return ids


def test_a_finding_records_the_versions_of_its_desks_zones_on_every_camera(site):
    audit(site)
    found = rows(site)
    assert {k for k, _ in found} >= {"late_arrival", "unattended"}
    expected = {**TV_HT, "XA-PHONG/q1-can-bo": 1}  # the room camera's zone of this desk counts too
    assert all(f.zone_versions == expected for f in found.values())
    assert all(f.rule_version and f.review_reason is None and f.review_flagged_at is None for f in found.values())
    with site() as session:
        # the other desks: a coverage gap, computed through that desk's own zones only
        gap = session.scalars(select(Finding).join(Desk, Finding.desk_id == Desk.id)
                              .where(Desk.code == "TV-DD", Finding.kind == FindingKind.CAMERA_GAP)).one()
        assert gap.staff_id is None
        assert gap.zone_versions == {"TV-DD-CAM/ban-tiep-nhan": 1, "TV-DD-CAM/hang-cho": 1}


def test_editing_a_zone_flags_open_findings_and_leaves_decided_ones(site):
    audit(site)
    ids = decided(site)
    late = rows(site)[("late_arrival", "07:30")].id
    with site() as session:
        confirmed_before = session.get(Finding, ids["confirmed"])
        kept = (confirmed_before.details, confirmed_before.zone_versions, confirmed_before.updated_at)
    flagged = edit_zone(site, "XA-PHONG", "q1-can-bo")
    assert late in flagged and ids["awaiting"] in flagged and ids["confirmed"] not in flagged
    with site() as session:
        for finding_id in (late, ids["awaiting"]):
            finding = session.get(Finding, finding_id)
            assert finding.review_reason == ("Vùng q1-can-bo của camera XA-PHONG đã sửa (phiên bản 1 → 2, người sửa: "
                                             "admin) sau khi phát hiện được lập")
            assert finding.review_flagged_at == LATER and needs_review(finding)
            assert finding.zone_versions["XA-PHONG/q1-can-bo"] == 1  # what it was computed under, until re-run
        confirmed = session.get(Finding, ids["confirmed"])
        assert confirmed.review_reason is None and confirmed.review_flagged_at is None and not needs_review(confirmed)
        assert (confirmed.details, confirmed.zone_versions, confirmed.updated_at) == kept
    # the same version again: nothing more; another desk's zone: not these findings
    with site.begin() as session:
        zone = session.scalars(select(Zone).join(Camera).where(Camera.code == "XA-PHONG")).one()
        assert flag_for_review(session, zone, now=LATER + timedelta(hours=1), actor="admin") == []
    assert not set(edit_zone(site, "TV-DD-CAM", "ban-tiep-nhan")) & {late, ids["awaiting"], ids["confirmed"]}
    # a second zone of the same desk removed: its line joins the reason, the flag keeps its first time
    edit_zone(site, "TV-HT-CAM", "hang-cho", active=False, actor="", now=LATER + timedelta(hours=2))
    with site() as session:
        finding = session.get(Finding, late)
        assert finding.review_reason.splitlines() == [
            "Vùng q1-can-bo của camera XA-PHONG đã sửa (phiên bản 1 → 2, người sửa: admin) sau khi phát hiện được lập",
            "Vùng hang-cho của camera TV-HT-CAM đã bị bỏ (phiên bản 1 → 2) sau khi phát hiện được lập"]
        assert finding.review_flagged_at == LATER


def test_re_running_the_audit_clears_the_flag_under_the_current_zones(site):
    audit(site)
    ids = decided(site)
    late = rows(site)[("late_arrival", "07:30")].id
    edit_zone(site, "XA-PHONG", "q1-can-bo")
    edit_zone(site, "TV-HT-CAM", "hang-cho", active=False)
    report = audit(site, now=LATER + timedelta(hours=3))
    assert report.stored.updated >= 1 and sum(report.stored.created.values()) == 0
    current = {"TV-HT-CAM/ban-tiep-nhan": 1, "XA-PHONG/q1-can-bo": 2}  # hang-cho is gone
    with site() as session:
        for finding_id in (late, ids["awaiting"]):
            finding = session.get(Finding, finding_id)
            assert finding.zone_versions == current
            assert finding.review_reason is None and finding.review_flagged_at is None and not needs_review(finding)
            assert "zone_changes" not in (finding.details or {})
        awaiting = session.get(Finding, ids["awaiting"])
        assert awaiting.status is FindingStatus.AWAITING_EXPLANATION and len(awaiting.decisions) == 1
        confirmed = session.get(Finding, ids["confirmed"])
        assert confirmed.status is FindingStatus.CONFIRMED and confirmed.zone_versions == {**TV_HT,
                                                                                          "XA-PHONG/q1-can-bo": 1}


def test_a_flag_stays_while_the_rules_no_longer_give_the_same_result(site):
    audit(site)
    ids = decided(site)
    edit_zone(site, "XA-PHONG", "q1-can-bo")
    with site.begin() as session:  # leave entered later covers the 09:00 absence: the rules drop it
        official = session.scalars(select(Staff).filter_by(code="CB-TV-01")).one()
        session.add(ExcusedAbsence(staff_id=official.id, kind=AbsenceKind.OFFICIAL_TRIP, starts_at=hn(8, 50),
                                   ends_at=hn(9, 40), document_ref="Giấy đi đường 5/GĐĐ"))
    audit(site, now=LATER + timedelta(hours=3))
    with site() as session:
        awaiting = session.get(Finding, ids["awaiting"])
        assert awaiting.status is FindingStatus.AWAITING_EXPLANATION and needs_review(awaiting)
        assert awaiting.review_reason.startswith("Vùng q1-can-bo của camera XA-PHONG đã sửa (phiên bản 1 → 2")
        assert awaiting.zone_versions["XA-PHONG/q1-can-bo"] == 1
        assert awaiting.details["no_longer_proposed_at"]


def test_a_config_import_that_changes_a_zone_flags_open_findings(site, loader):
    audit(site)
    late = rows(site)[("late_arrival", "07:30")].id
    loader(lambda raw: with_room_camera(raw, polygon=[[0.1, 0.1], [0.45, 0.1], [0.45, 0.5], [0.1, 0.5]]))
    with site() as session:
        finding = session.get(Finding, late)
        assert finding.review_reason == ("Vùng q1-can-bo của camera XA-PHONG đã sửa (phiên bản 1 → 2, người sửa: "
                                         "test) sau khi phát hiện được lập")
        assert needs_review(finding)
    again = rows(site)[("late_arrival", "07:30")].review_reason
    loader(lambda raw: with_room_camera(raw, polygon=[[0.1, 0.1], [0.45, 0.1], [0.45, 0.5], [0.1, 0.5]]))
    assert rows(site)[("late_arrival", "07:30")].review_reason == again  # the same file again: nothing changes


# -- the zone editor, the findings pages and the API ------------------------------------------------------------
TV_DD = {"TV-DD-CAM/ban-tiep-nhan": 1, "TV-DD-CAM/hang-cho": 1}


def test_the_editor_flags_open_findings_the_pages_and_the_api_show_it_and_a_re_run_clears_it(web_site):
    from websupport import NOW as SEEDED

    with web_site.factory.begin() as session:
        tv_dd = select(Finding).join(Desk, Finding.desk_id == Desk.id).where(Desk.code == "TV-DD")
        open_one, decided_one = session.scalars(tv_dd.where(Finding.status == FindingStatus.PROPOSED)
                                                .order_by(Finding.id)).all()[:2]
        assert open_one.zone_versions == TV_DD and decided_one.zone_versions == TV_DD
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        decide(session, decided_one.id, DecisionAction.DISMISS, by=user, now=SEEDED, reason="Camera bị che")
        day, ids = open_one.day, (open_one.id, decided_one.id)
    client = web_site.client("admin")
    token = client.get("/cameras").get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    with web_site.factory() as session:
        camera = session.scalars(select(Camera).filter_by(code="TV-DD-CAM")).one()
        zones = [{"name": z.name, "kind": z.kind.value, "polygon": z.polygon} for z in camera.zones if z.active]
    moved = [[0.65, 0.3], [1.0, 0.3], [1.0, 0.8], [0.65, 0.8]]
    payload = {"zones": [{**z, "polygon": moved} if z["name"] == "ban-tiep-nhan" else z for z in zones]}
    saved = client.post("/cameras/TV-DD-CAM/zones", json=payload, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.get_json()["changed"] == 1
    reason = ("Vùng ban-tiep-nhan của camera TV-DD-CAM đã sửa (phiên bản 1 → 2, người sửa: admin) "
              "sau khi phát hiện được lập")
    with web_site.factory() as session:
        flagged, dismissed = (session.get(Finding, i) for i in ids)
        assert flagged.review_reason == reason and needs_review(flagged)
        assert dismissed.review_reason is None and dismissed.review_flagged_at is None
        assert dismissed.status is FindingStatus.DISMISSED

    listing = client.get(f"/findings?unit=NA-TRUONGVINH&month={day:%Y-%m}").get_data(as_text=True)
    assert listing.count('class="badge needs-review"') >= 1 and reason in listing
    detail = client.get(f"/findings/{ids[0]}").get_data(as_text=True)
    assert 'class="badge needs-review"' in detail and "Cần xem lại" in detail and reason in detail
    assert "Phiên bản quy tắc" in detail and "<code>TV-DD-CAM/ban-tiep-nhan</code> v1" in detail
    other = client.get(f"/findings/{ids[1]}").get_data(as_text=True)
    assert 'class="badge needs-review"' not in other and "<code>TV-DD-CAM/hang-cho</code> v1" in other
    english = client.get(f"/findings/{ids[0]}?lang=en").get_data(as_text=True)
    assert "Needs another look" in english and "Zone versions" in english

    body = client.get(f"/api/v1/findings/{ids[0]}").get_json()
    assert body["needs_review"] is True and body["review_reason"] == reason
    assert body["zone_versions"] == TV_DD and body["rule_version"] and body["review_flagged_at"].endswith("+00:00")
    listed = {f["id"]: f for f in client.get(f"/api/v1/findings?unit=NA-TRUONGVINH&month={day:%Y-%m}&per_page=100")
              .get_json()["items"]}
    assert listed[ids[0]]["needs_review"] is True and listed[ids[1]]["needs_review"] is False
    assert listed[ids[1]]["review_reason"] is None and listed[ids[1]]["zone_versions"] == TV_DD

    with web_site.factory.begin() as session:
        run_audit(session, [day], now=SEEDED + timedelta(days=1))
    body = client.get(f"/api/v1/findings/{ids[0]}").get_json()
    assert body["needs_review"] is False and body["review_reason"] is None and body["review_flagged_at"] is None
    assert body["zone_versions"] == {**TV_DD, "TV-DD-CAM/ban-tiep-nhan": 2}
    assert client.get(f"/api/v1/findings/{ids[1]}").get_json()["zone_versions"] == TV_DD  # decided: as it was
    assert 'class="badge needs-review"' not in client.get(f"/findings/{ids[0]}").get_data(as_text=True)
