"""Golden week: a scripted week of three desks → exactly these findings, decisions and scores.

Phường Trường Vinh, 2–6 March 2026 (Mon–Fri, 07:30–11:30 and 13:00–17:00), samples every minute.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from audit.services.audit_run import run_audit
from audit.services.inspections import ItemOutcome, finalize, record_inspection
from audit.services.scores import compute_month
from audit.services.staff_voice import reply_to_inspection
from audit.services.workflow import decide, explain
from fakecams import example_site_loader, observe
from models.access import User
from models.enums import AbsenceKind, CameraHealth, Classification, PresenceState, Role
from models.findings import Finding
from models.hours import ExcusedAbsence
from models.org import Staff
from models.scoring import DossierStat

HN = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = [date(2026, 3, 2) + timedelta(days=i) for i in range(5)]
MON, TUE, WED, THU, FRI = WEEK
NOW = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
LAPSED = datetime(2026, 3, 13, 2, 0, tzinfo=timezone.utc)  # the day after a request's 3 working days
AWAY = {"presence": PresenceState.ABSENT}


def hn(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HN).astimezone(timezone.utc)


SCRIPT = {  # camera → day → [(from, to, how)] inside otherwise present working hours
    "TV-HT-CAM": {
        MON: [((7, 30), (7, 42), AWAY)],                                        # late 12 min
        TUE: [((13, 0), (15, 0), {"health": CameraHealth.OFFLINE})],             # camera outage: no personal finding
        WED: [((9, 0), (9, 15), AWAY)],                                          # exactly 15 min: not "more than 15"
        THU: [((11, 20), (11, 30), AWAY), ((13, 0), (13, 12), AWAY)],            # across lunch: early 10 + late 12
    },
    "TV-DD-CAM": {
        MON: [((9, 0), (9, 25), {**AWAY, "queue": 2})],                          # unattended while 2 wait
        TUE: [((16, 40), (17, 0), AWAY)],                                        # leaves 20 min early
        WED: [((7, 30), (7, 35), AWAY)],                                         # 5 min late: within the grace
    },
    "TV-CT-CAM": {
        TUE: [((7, 30), (11, 30), AWAY)],                                        # absent the whole morning
        WED: [((7, 30), (11, 30), AWAY)],                                        # … on leave (excused)
        FRI: [((10, 0), (10, 40), AWAY)],                                        # unattended 40 min
    },
}

EXPECTED = [  # (day, kind, official or None, minutes)
    (MON, "late_arrival", "CB-TV-01", 12),
    (MON, "unattended_queue", "CB-TV-02", 25),
    (TUE, "absent_session", "CB-TV-03", 240),
    (TUE, "camera_gap", None, 120),
    (TUE, "early_leave", "CB-TV-02", 20),
    (THU, "early_leave", "CB-TV-01", 10),
    (THU, "late_arrival", "CB-TV-01", 12),
    (FRI, "unattended", "CB-TV-03", 40),
]


def write_week(factory) -> None:
    for camera, days in SCRIPT.items():
        for day in WEEK:
            spans = [(hn(day, *a), hn(day, *b), how) for a, b, how in days.get(day, [])]
            for start, end in ((hn(day, 7, 30), hn(day, 11, 30)), (hn(day, 13, 0), hn(day, 17, 0))):
                at = start
                for a, b, how in spans:
                    if a < start or b > end:
                        continue
                    if a > at:
                        observe(factory, camera, at, a - timedelta(minutes=1), every_s=60)
                    observe(factory, camera, a, b - timedelta(minutes=1), every_s=60, **how)
                    at = b
                if at < end:
                    observe(factory, camera, at, end - timedelta(minutes=1), every_s=60)


@pytest.fixture
def week(example_raw, write_config, session_for):
    def trim(raw):  # only Trường Vinh's three desks
        raw["units"] = [u for u in raw["units"] if u["id"] != "NA-DIENCHAU"]
        raw["overrides"] = [o for o in raw.get("overrides", []) if o.get("unit") != "NA-DIENCHAU"]

    factory = example_site_loader(example_raw, write_config, session_for, hn(MON, 0, 0))(trim)
    write_week(factory)
    with factory.begin() as session:
        staff = {s.code: s for s in session.scalars(select(Staff))}
        session.add(ExcusedAbsence(staff_id=staff["CB-TV-03"].id, kind=AbsenceKind.LEAVE, starts_at=hn(WED, 0, 0),
                                   ends_at=hn(WED, 12, 0), document_ref="Đơn nghỉ phép 5/ĐNP"))
        session.add(User(username="truongphong", role=Role.MANAGER, password_hash="x"))
        for code, on_time, late in (("CB-TV-01", 90, 10), ("CB-TV-02", 50, 0), ("CB-TV-03", 40, 20)):
            session.add(DossierStat(month="2026-03", unit_id=staff[code].unit_id, staff_id=staff[code].id,
                                    received=on_time + late, on_time=on_time, late=late, not_yet_due=0,
                                    imported_at=NOW))
    return factory


def stored(factory):
    with factory() as session:
        rows = session.execute(select(Finding.day, Finding.kind, Staff.code, Finding.minutes)
                               .outerjoin(Staff, Finding.staff_id == Staff.id)).all()
    return sorted((d, str(k), s, m) for d, k, s, m in rows)


def test_the_golden_week(week):
    with week.begin() as session:
        report = run_audit(session, WEEK, now=NOW, unit_code="NA-TRUONGVINH")
    assert report.sessions == 30
    assert stored(week) == sorted(EXPECTED)

    # Review: every personal finding is explained; one explanation holds, the rest are confirmed.
    with week.begin() as session:
        manager = session.scalars(select(User)).one()
        for finding in session.scalars(select(Finding).where(Finding.staff_id.is_not(None)).order_by(Finding.id)):
            decide(session, finding.id, "request_explanation", by=manager, now=NOW)
            if finding.kind == "unattended_queue":
                explain(session, finding.id, "Sang bộ phận lưu trữ lấy hồ sơ gốc theo yêu cầu của công dân", now=NOW)
                decide(session, finding.id, "dismiss", by=manager, now=NOW, reason="Giải trình hợp lý")
            else:  # no explanation within 3 working days (to Thu 12/3): confirmed as "không giải trình"
                decide(session, finding.id, "confirm", by=manager, now=LAPSED, reason="Không có lý do chính đáng")
        inspection = record_inspection(
            session, unit_code="NA-TRUONGVINH", inspector_name="Đoàn kiểm tra Sở Nội vụ", started_at=hn(THU, 7, 45),
            desk_code="TV-DD", staff_code="CB-TV-02", outcomes=[ItemOutcome(5, "fail"), ItemOutcome(1, "pass")])
        finalize(session, inspection.id, NOW)
        # The official's reply (on paper, typed by the manager): from then on the failed item counts.
        reply_to_inspection(session, inspection.id, "Tôi để quên thẻ ở nhà", now=NOW, staff_code="CB-TV-02")

    # A re-run changes nothing a person decided.
    with week.begin() as session:
        again = run_audit(session, WEEK, now=NOW, unit_code="NA-TRUONGVINH")
    assert again.stored.kept == 7 and sum(again.stored.created.values()) == 0 and again.stored.withdrawn == 0

    with week.begin() as session:
        month = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=NOW)
    got = {o.code: (o.raw, o.general, o.task, o.total, o.classification) for o in month.officials}
    assert got == {
        # late 12 (−2), early leave 10 (−2), late 12 (−2); 30 + 20 + 20 × (100 − 10 × ¼) / 100
        "CB-TV-01": (Decimal("94.00"), Decimal("28.20"), Decimal("69.50"), Decimal("97.70"), Classification.EXCELLENT),
        # early leave (−2), name badge at the inspection (−2); the dismissed finding costs nothing
        "CB-TV-02": (Decimal("96.00"), Decimal("28.80"), Decimal("70.00"), Decimal("98.80"), Classification.EXCELLENT),
        # absent a session (−10), unattended (−3); 30 + 20 + 20 × (60 − 20 × ¼) / 60
        "CB-TV-03": (Decimal("87.00"), Decimal("26.10"), Decimal("68.33"), Decimal("94.43"), Classification.EXCELLENT),
        # the leader on duty: Art. 15 task results are the manager's input, not entered yet
        "CB-TV-04": (Decimal("100.00"), Decimal("30.00"), None, None, None),
    }
    capped = month.official("CB-TV-01")
    assert not any("20%" in note for note in capped.notes)  # a month has no cap: that is the year's
    assert sorted(d.points for d in capped.deductions if d.points) == [2, 2, 2]
    assert all(d.finding_id for d in capped.deductions if d.points)
    badge = [d for d in month.official("CB-TV-02").deductions if d.inspection_result_id]
    assert [d.points for d in badge] == [2]
    [unit] = [u for u in month.units if u.code == "NA-TRUONGVINH"]
    assert unit.score == Decimal("96.98") and unit.rank == 1
    assert month.summary_vi == "1/1 đơn vị xếp loại tốt, bình quân 96,98 điểm, cao nhất 96,98, thấp nhất 96,98"
