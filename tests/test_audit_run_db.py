"""``audit run`` on the example site: findings stored with evidence, re-runs idempotent, human decisions kept."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from audit.services.audit_run import run_audit
from audit.services.workflow import WorkflowError, decide, explain
from fakecams import example_site_loader, observe
from models.access import User
from models.enums import AbsenceKind, CameraHealth, DecisionAction, FindingStatus, PresenceState, Role
from models.findings import Decision, Explanation, Finding
from models.hours import ExcusedAbsence
from models.org import Desk, Staff, Unit

HN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)
ABSENT, OFFLINE = PresenceState.ABSENT, CameraHealth.OFFLINE


def hn(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HN).astimezone(timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    factory = example_site_loader(example_raw, write_config, session_for, hn(0, 0))()
    with factory.begin() as session:
        session.add(User(username="thanhtra", role=Role.INSPECTOR, password_hash="x"))
    return factory


def full_day(site, code, script=(), day=DAY):
    """Observations of camera ``code`` for its whole working day, present except the (from, to, kwargs) spans."""
    spans = sorted(script)
    for start, end in ((hn(7, 30, day), hn(11, 30, day)), (hn(13, 0, day), hn(17, 0, day))):
        at = start
        for a, b, kwargs in spans:
            a, b = max(a, start), min(b, end)
            if a >= b or a < at:
                continue
            if a > at:
                observe(site, code, at, a - timedelta(seconds=30))
            observe(site, code, a, b - timedelta(seconds=30), **kwargs)
            at = b
        if at < end:
            observe(site, code, at, end - timedelta(seconds=30))


def findings(site):
    with site() as session:
        rows = session.execute(select(Finding.kind, Staff.code, Finding.minutes, Finding.status)
                               .outerjoin(Staff, Finding.staff_id == Staff.id).order_by(Finding.starts_at)).all()
    return [(str(k), s, m, str(st)) for k, s, m, st in rows]


def audit(site, day=DAY, **kwargs):
    with site.begin() as session:
        return run_audit(session, [day], now=NOW, **kwargs)


def test_findings_with_evidence_and_checklist_deductions(site):
    full_day(site, "TV-HT-CAM", [(hn(7, 30), hn(7, 42), {"presence": ABSENT}),
                                 (hn(9, 0), hn(9, 25), {"presence": ABSENT, "queue": 3})])
    report = audit(site, unit_code="NA-TRUONGVINH")
    assert report.desks == 3 and report.sessions == 6
    found = findings(site)
    assert ("late_arrival", "CB-TV-01", 12, "proposed") in found
    assert ("unattended_queue", "CB-TV-01", 25, "proposed") in found
    # desks without any observation that day: unit-level coverage gaps, never personal findings
    assert {k for k, s, _, _ in found if s is None} == {"camera_gap"}
    assert all(s == "CB-TV-01" for k, s, _, _ in found if k != "camera_gap")
    with site() as session:
        late = session.scalars(select(Finding).where(Finding.kind == "late_arrival")).one()
        assert late.checklist_item_number == 1 and late.proposed_deduction == 2
        assert late.summary.startswith("Đi muộn 12 phút (buổi sáng, có mặt lúc 07:42)")
        assert len(late.evidence) >= 2 and all(e.observation_id for e in late.evidence)
        waited = session.scalars(select(Finding).where(Finding.kind == "unattended_queue")).one()
        assert waited.checklist_item_number == 2 and waited.proposed_deduction == 3
        assert "3 người chờ" in waited.summary


def test_a_camera_outage_never_makes_a_personal_finding(site):
    full_day(site, "TV-HT-CAM", [(hn(8, 0), hn(11, 30), {"health": OFFLINE}),
                                 (hn(13, 0), hn(17, 0), {"health": OFFLINE})])
    audit(site)
    mine = [f for f in findings(site) if f[1] is not None]
    assert mine == []
    with site() as session:
        gap = session.scalars(select(Finding).join(Desk, Finding.desk_id == Desk.id)
                              .where(Finding.kind == "camera_gap", Desk.code == "TV-HT")).one()
        assert gap.staff_id is None and gap.minutes == 450 and gap.proposed_deduction is None


def test_excused_absence_removes_the_personal_finding(site):
    full_day(site, "TV-HT-CAM", [(hn(7, 30), hn(11, 30), {"presence": ABSENT})])
    audit(site)
    assert ("absent_session", "CB-TV-01", 240, "proposed") in findings(site)
    with site.begin() as session:
        official = session.scalars(select(Staff).filter_by(code="CB-TV-01")).one()
        session.add(ExcusedAbsence(staff_id=official.id, kind=AbsenceKind.LEAVE, starts_at=hn(7, 0),
                                   ends_at=hn(12, 0), document_ref="Đơn nghỉ phép 3/ĐNP"))
    report = audit(site)
    assert report.stored.withdrawn == 1
    assert [f for f in findings(site) if f[1] == "CB-TV-01"] == []


def test_rerun_is_idempotent_and_keeps_human_decisions(site):
    full_day(site, "TV-HT-CAM", [(hn(9, 0), hn(9, 30), {"presence": ABSENT}),
                                 (hn(14, 0), hn(14, 20), {"presence": ABSENT})])
    audit(site)
    before = findings(site)
    with site.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        first, second = session.scalars(select(Finding).where(Finding.kind == "unattended").order_by(Finding.starts_at))
        decide(session, first.id, DecisionAction.REQUEST_EXPLANATION, by=user, now=NOW)
        explain(session, first.id, "Đi lấy hồ sơ ở bộ phận lưu trữ", now=NOW)
        decide(session, first.id, DecisionAction.DISMISS, by=user, now=NOW, reason="Giải trình hợp lý")
        decide(session, second.id, DecisionAction.REQUEST_EXPLANATION, by=user, now=NOW)
        decide(session, second.id, DecisionAction.CONFIRM, by=user, now=NOW + timedelta(days=6),
               reason="Không có lý do")  # no explanation within 3 working days
        ids = (first.id, second.id)
    report = audit(site)
    assert report.stored.kept == 2 and sum(report.stored.created.values()) == 0
    after = findings(site)
    assert [f[:3] for f in after] == [f[:3] for f in before]
    with site() as session:
        assert session.get(Finding, ids[0]).status is FindingStatus.DISMISSED
        assert session.get(Finding, ids[1]).status is FindingStatus.CONFIRMED
        assert session.scalar(select(func.count()).select_from(Decision)) == 4
        total = session.scalar(select(func.count()).select_from(Finding))
    audit(site)
    with site() as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == total


def test_workflow_refuses_what_the_status_does_not_allow(site):
    full_day(site, "TV-HT-CAM", [(hn(9, 0), hn(9, 30), {"presence": ABSENT})])
    audit(site)
    with site.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        finding = session.scalars(select(Finding).where(Finding.kind == "unattended")).one()
        with pytest.raises(WorkflowError, match="needs awaiting_explanation"):
            decide(session, finding.id, "confirm", by=user, now=NOW, reason="x")
        with pytest.raises(WorkflowError, match="request it first"):
            explain(session, finding.id, "text", now=NOW)
        with pytest.raises(WorkflowError, match="needs a reason"):
            decide(session, finding.id, "dismiss", by=user, now=NOW, reason="  ")
        with pytest.raises(WorkflowError, match="no finding #999999"):
            decide(session, 999999, "dismiss", by=user, now=NOW, reason="x")
        assert finding.status is FindingStatus.PROPOSED


def test_an_explanation_has_a_deadline_in_working_days(site):
    full_day(site, "TV-HT-CAM", [(hn(9, 0), hn(9, 30), {"presence": ABSENT}), (hn(14, 0), hn(14, 20),
                                                                               {"presence": ABSENT})])
    audit(site)
    asked = datetime(2026, 3, 5, 2, 0, tzinfo=timezone.utc)  # Thursday 5/3: 3 working days → Tuesday 10/3
    with site.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        late, silent = session.scalars(select(Finding).where(Finding.kind == "unattended").order_by(Finding.starts_at))
        for finding in (late, silent):
            decide(session, finding.id, DecisionAction.REQUEST_EXPLANATION, by=user, now=asked)
        assert late.explanation_due == date(2026, 3, 10)
        with pytest.raises(WorkflowError, match=r"needs the official's explanation, or the end of its deadline"):
            decide(session, silent.id, "confirm", by=user, now=datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc),
                   reason="x")
        with pytest.raises(WorkflowError, match=r"the deadline for explaining was 10/03/2026"):
            explain(session, late.id, "Trễ", now=datetime(2026, 3, 11, 1, 0, tzinfo=timezone.utc))
        decide(session, silent.id, "confirm", by=user, now=datetime(2026, 3, 11, 1, 0, tzinfo=timezone.utc),
               reason="Không có lý do")
        assert silent.decision_reason == "Không giải trình (hết hạn 10/03/2026). Không có lý do"
        assert session.scalar(select(func.count()).select_from(Explanation)
                              .where(Explanation.finding_id == late.id)) == 0
        decide(session, silent.id, "reopen", by=user, now=datetime(2026, 3, 12, 1, 0, tzinfo=timezone.utc),
               reason="Có đơn bổ sung")
        assert silent.explanation_due == date(2026, 3, 17)  # a new request: Fri 13, Mon 16, Tue 17


def test_the_explanation_deadline_is_the_sites_choice(example_raw, write_config, session_for):
    example_raw["scoring"] = {"explanation_days": 1}
    factory = example_site_loader(example_raw, write_config, session_for, hn(0, 0))()
    with factory.begin() as session:
        session.add(User(username="thanhtra", role=Role.INSPECTOR, password_hash="x"))
    full_day(factory, "TV-HT-CAM", [(hn(9, 0), hn(9, 30), {"presence": ABSENT})])
    audit(factory)
    with factory.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        finding = session.scalars(select(Finding).where(Finding.kind == "unattended")).one()
        decide(session, finding.id, DecisionAction.REQUEST_EXPLANATION, by=user,
               now=datetime(2026, 3, 6, 2, 0, tzinfo=timezone.utc))  # Friday: 1 working day → Monday
        assert finding.explanation_due == date(2026, 3, 9)


def test_a_public_holiday_and_a_makeup_saturday(site):
    holiday = date(2026, 4, 30)
    full_day(site, "TV-DD-CAM", [(hn(7, 30, holiday), hn(17, 0, holiday), {"presence": ABSENT})], day=holiday)
    report = audit(site, day=holiday)
    assert report.sessions == 0 and findings(site) == []
    makeup = date(2026, 12, 26)  # the example site's make-up Saturday
    full_day(site, "TV-DD-CAM", [(hn(7, 30, makeup), hn(11, 30, makeup), {"presence": ABSENT})], day=makeup)
    audit(site, day=makeup, unit_code="NA-TRUONGVINH")
    assert ("absent_session", "CB-TV-02", 240, "proposed") in findings(site)



def test_the_2026_new_year_swap_friday_off_saturday_audited(site):
    """2/1/2026 was a day off for the civil service, worked on Saturday 10/1 (VPCP 12729/VPCP-KGVX): nobody
    draws an absence on the Friday, and the Saturday is audited like a weekday."""
    friday, saturday = date(2026, 1, 2), date(2026, 1, 10)
    full_day(site, "TV-DD-CAM", [(hn(7, 30, friday), hn(17, 0, friday), {"presence": ABSENT})], day=friday)
    report = audit(site, day=friday, unit_code="NA-TRUONGVINH")
    assert report.sessions == 0 and findings(site) == []
    full_day(site, "TV-DD-CAM", [(hn(7, 30, saturday), hn(17, 0, saturday), {"presence": ABSENT})], day=saturday)
    report = audit(site, day=saturday, unit_code="NA-TRUONGVINH")
    assert report.sessions > 0
    assert [k for k, s, _, _ in findings(site) if s == "CB-TV-02"].count("absent_session") == 2


def _whole_unit_absent(site, day, cameras=("TV-HT-CAM", "TV-DD-CAM", "TV-CT-CAM")):
    """The morning of ``day`` empty at the desks of ``cameras``; everything else present."""
    for code in ("TV-HT-CAM", "TV-DD-CAM", "TV-CT-CAM"):
        spans = [(hn(7, 30, day), hn(11, 30, day), {"presence": ABSENT})] if code in cameras else []
        full_day(site, code, spans, day=day)


def test_a_unit_wide_absence_is_one_notice_not_personal_proposals(site):
    """Every desk of the unit empty the whole morning (an unrecorded day off, a power cut): no personal proposal for
    that morning, one unit notice naming the empty desks; the afternoon is judged as usual."""
    _whole_unit_absent(site, DAY)
    audit(site, unit_code="NA-TRUONGVINH")
    found = findings(site)
    assert [f for f in found if f[0] == "unit_absence"] == [("unit_absence", None, 240, "proposed")]
    assert not [f for f in found if f[1] is not None]  # the afternoon was staffed: nothing personal at all
    with site() as session:
        notice = session.scalars(select(Finding).where(Finding.kind == "unit_absence")).one()
        assert notice.staff_id is None and notice.starts_at == hn(7, 30)
        assert notice.details["empty_desks"] == ["TV-CT", "TV-DD", "TV-HT"] and notice.details["share"] == 1.0
        assert notice.proposed_deduction is None


def test_one_empty_desk_is_personal_and_the_share_setting_decides(site, example_raw, write_config, session_for):
    _whole_unit_absent(site, DAY, cameras=("TV-DD-CAM", "TV-CT-CAM"))  # two of three desks empty
    audit(site, unit_code="NA-TRUONGVINH")
    found = findings(site)
    assert not [f for f in found if f[0] == "unit_absence"]  # 2/3 < 0.75: personal proposals
    assert ("absent_session", "CB-TV-02", 240, "proposed") in found
    # [scoring] unit_absence_share = 0.6: the same morning is a unit notice, and the personal proposals withdrawn.
    example_site_loader(example_raw, write_config, session_for, hn(0, 0))(
        lambda raw: raw.setdefault("scoring", {}).update(unit_absence_share=0.6))
    audit(site, unit_code="NA-TRUONGVINH")
    found = findings(site)
    assert ("unit_absence", None, 240, "proposed") in found
    assert ("absent_session", "CB-TV-02", 240, "proposed") not in found
    # unit_absence_min_desks = 4: three observed desks are too few to tell; personal again.
    example_site_loader(example_raw, write_config, session_for, hn(0, 0))(
        lambda raw: raw.setdefault("scoring", {}).update(unit_absence_share=0.6, unit_absence_min_desks=4))
    audit(site, unit_code="NA-TRUONGVINH")
    found = findings(site)
    assert ("unit_absence", None, 240, "proposed") not in found
    assert ("absent_session", "CB-TV-02", 240, "proposed") in found


def test_a_dead_camera_is_not_an_empty_desk(site):
    """Two desks empty and the third camera offline: two of two observed desks, so a notice; the offline desk is
    unknown, not counted as empty."""
    day = DAY
    for code in ("TV-DD-CAM", "TV-CT-CAM"):
        full_day(site, code, [(hn(7, 30, day), hn(11, 30, day), {"presence": ABSENT})], day=day)
    full_day(site, "TV-HT-CAM", [(hn(7, 30, day), hn(11, 30, day), {"health": OFFLINE})], day=day)
    audit(site, unit_code="NA-TRUONGVINH")
    with site() as session:
        notice = session.scalars(select(Finding).where(Finding.kind == "unit_absence")).one()
        assert notice.details["observed_desks"] == 2 and notice.details["empty_desks"] == ["TV-CT", "TV-DD"]

def test_unknown_unit(site):
    with pytest.raises(LookupError, match="NOPE"):
        audit(site, unit_code="NOPE")


def test_the_nightly_job_audits_the_day_before(site):
    from schedules.housekeeping import nightly_audit

    full_day(site, "TV-HT-CAM", [(hn(9, 0), hn(9, 30), {"presence": ABSENT})])
    assert nightly_audit(site, hn(0, 30, DAY + timedelta(days=1))) == DAY
    assert ("unattended", "CB-TV-01", 30, "proposed") in findings(site)


def test_daily_facts_per_desk_and_per_official(site):
    from audit.services.audit_run import day_facts

    full_day(site, "TV-HT-CAM", [(hn(7, 30), hn(8, 30), {"presence": ABSENT}),
                                 (hn(13, 0), hn(14, 0), {"health": OFFLINE})])
    with site.begin() as session:
        official = session.scalars(select(Staff).filter_by(code="CB-TV-01")).one()
        session.add(ExcusedAbsence(staff_id=official.id, kind=AbsenceKind.TRAINING, starts_at=hn(7, 0),
                                   ends_at=hn(8, 0), document_ref="Giấy triệu tập 7/GTT"))
    with site() as session:
        facts = day_facts(session, [DAY], unit_code="NA-TRUONGVINH")
        desk_id = session.scalar(select(Desk.id).where(Desk.code == "TV-HT"))
    desk = facts.desks.set_index("desk_id").loc[desk_id]
    assert (desk["scheduled"], desk["present"], desk["absent"], desk["unknown"]) == (480, 360, 60, 60)
    mine = facts.officials[facts.officials["staff_id"] == official.id].iloc[0]
    assert mine["day"] == DAY and mine["desk_id"] == desk_id
    # the training morning hour is excused, not absent; the outage stays unknown for the official too
    assert (mine["scheduled"], mine["present"], mine["absent"], mine["unknown"],
            mine["excused"]) == (480, 360, 30, 60, 30)


def test_the_month_report_from_the_database(site, tmp_path):
    import pandas as pd

    from audit.files.month_report import build_month_report, write_pdf, write_xlsx

    full_day(site, "TV-HT-CAM", [(hn(7, 30), hn(7, 50), {"presence": ABSENT})])
    audit(site)
    with site.begin() as session:
        report = build_month_report(session, "2026-03", now=NOW, unit_code="NA-TRUONGVINH")
    write_xlsx(report, tmp_path / "r.xlsx")
    write_pdf(report, tmp_path / "r.pdf")
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "units", "desks", "officials", "findings"]
    late = sheets["findings"][sheets["findings"]["kind"] == "late_arrival"].iloc[0]
    assert (late["staff_code"], late["minutes"], late["starts_at"]) == ("CB-TV-01", 20, "02/03/2026 07:30")
    desk = sheets["desks"].set_index("desk_code").loc["TV-HT"]
    assert (desk["scheduled_hours"], desk["present_hours"], desk["absent_hours"]) == (8, 7.67, 0.33)
    assert desk["staffed_rate_pct"] == 95.8  # 460 of 480 observed minutes
    assert sheets["units"]["unit_code"].tolist() == ["NA-TRUONGVINH"]
    assert (tmp_path / "r.pdf").stat().st_size > 5000


def test_a_late_excuse_suspends_a_confirmed_deduction_until_decided_again(site):
    from audit.services.rosters import add_excuse
    from audit.services.scores import compute_month

    full_day(site, "TV-HT-CAM", [(hn(9, 0), hn(9, 30), {"presence": ABSENT})])
    audit(site)
    confirmed_at = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)  # after the 3 working days
    with site.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        finding = session.scalars(select(Finding).where(Finding.kind == "unattended")).one()
        decide(session, finding.id, DecisionAction.REQUEST_EXPLANATION, by=user, now=NOW)
        decide(session, finding.id, DecisionAction.CONFIRM, by=user, now=confirmed_at, reason="Không có lý do")
        before = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=confirmed_at).official("CB-TV-01")
        # the business trip is entered after the decision
        add_excuse(session, "CB-TV-01", "official_trip", hn(7, 0), hn(12, 0), document_ref="GĐ 15/GĐ-UBND")
    assert [line.points for line in before.deductions if line.finding_id == finding.id] == [finding.proposed_deduction]
    audit(site)
    with site.begin() as session:
        again = session.get(Finding, finding.id)
        assert again.status is FindingStatus.CONFIRMED and again.details["reconsider"]["reason"].startswith(
            f"Cần xem xét lại: phát hiện #{finding.id} ngày 02/03/2026 không còn được đề xuất")
        suspended = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=confirmed_at).official("CB-TV-01")
    [line] = [line for line in suspended.deductions if line.finding_id == finding.id]
    assert line.points == 0 and "tạm dừng trừ điểm" in line.reason and suspended.raw == 100
    audit(site)  # a second run does not flag it twice
    with site.begin() as session:
        user = session.scalars(select(User).filter_by(username="thanhtra")).one()
        decide(session, finding.id, "reopen", by=user, now=confirmed_at, reason="Có quyết định cử đi công tác")
        decide(session, finding.id, "dismiss", by=user, now=confirmed_at, reason="Đi công tác theo GĐ 15/GĐ-UBND")
        assert "reconsider" not in session.get(Finding, finding.id).details
    audit(site)
    with site() as session:
        assert "reconsider" not in session.get(Finding, finding.id).details  # decided again: not flagged again


def test_the_unit_notice_reads_on_its_page(site, tmp_path):
    """The notice's page says what it is and what to do, for the person reviewing it."""
    from web import create_app
    from web.passwords import hash_password
    from websupport import PASSWORD, login

    _whole_unit_absent(site, DAY)
    audit(site, unit_code="NA-TRUONGVINH")
    with site.begin() as session:
        inspector = session.scalars(select(User).filter_by(username="thanhtra")).one()
        inspector.password_hash = hash_password(PASSWORD)
        inspector.units = [session.scalars(select(Unit).filter_by(code="NA-TRUONGVINH")).one()]
        notice_id = session.scalar(select(Finding.id).where(Finding.kind == "unit_absence"))
    url = str(site.kw["bind"].url.render_as_string(hide_password=False))
    app = create_app({"DATABASE_URL": url, "TESTING": True, "DATA_DIR": str(tmp_path), "SECRET_KEY": "t"})
    client = app.test_client()
    login(client, "thanhtra")
    page = client.get(f"/findings/{notice_id}").get_data(as_text=True)
    assert 'id="unit-absence"' in page and "3/3 quầy được camera quan sát đều vắng cả buổi" in page
    assert "Cả đơn vị vắng cả buổi: kiểm tra lịch làm việc" in page
    app.extensions["deskaudit.db"].kw["bind"].dispose()
