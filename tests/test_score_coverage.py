"""Every result carries its coverage; a period on leave, under a dead camera or with no desk time reads
"chưa đủ dữ liệu" (no total, no class), never a full score; the thresholds are the site's [scoring] choice."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from audit.files.month_report import build_month_report
from audit.services.rosters import add_excuse
from audit.services.scores import compute_month, load_month
from deskaudit.siteconfig import ConfigError, load_site_config
from fakecams import example_site_loader, observe
from models.org import Staff
from models.scoring import DossierStat

HN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=HN)  # complete days: 1-3 March (Sunday, Monday, Tuesday)
WORKING = [(2, "07:30", "11:30"), (2, "13:00", "17:00"), (3, "07:30", "11:30"), (3, "13:00", "17:00")]


def at(day, hhmm):
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, 3, day, hours, minutes, tzinfo=HN).astimezone(timezone.utc)


def _month(session_factory, *, health_of=None):
    """Two working days: TV-HT and TV-CT seen healthy, TV-DD's camera offline; CB-TV-03 on leave."""
    health_of = health_of or {"TV-HT-CAM": "ok", "TV-DD-CAM": "offline", "TV-CT-CAM": "ok"}
    for camera, health in health_of.items():
        for day, start, end in WORKING:
            observe(session_factory, camera, at(day, start), at(day, end), health=health, every_s=60)
    with session_factory.begin() as session:
        add_excuse(session, "CB-TV-03", "nghỉ phép", at(2, "00:00"), at(3, "23:59"), note="Nghỉ phép năm")
        for official in session.scalars(select(Staff).where(Staff.code.like("CB-TV-%"))):
            session.add(DossierStat(month="2026-03", unit_id=official.unit_id, staff_id=official.id, received=10,
                                    on_time=10, late=0, not_yet_due=0, imported_at=NOW))


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, at(1, "00:00"))


def test_thin_evidence_reads_not_enough_data_never_a_full_score(site):
    factory = site()
    _month(factory)
    with factory.begin() as session:
        result = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=NOW)
    seen, dark, away, leader = (result.official(c) for c in ("CB-TV-01", "CB-TV-02", "CB-TV-03", "CB-TV-04"))
    assert seen.coverage.scheduled == 960 and seen.coverage.observed_share > 0.95
    assert seen.total == 100 and seen.classification is not None
    assert not any(n.startswith("Chưa đủ dữ liệu") for n in seen.notes)
    assert dark.coverage.observed == 0 and dark.total is None and dark.classification is None
    assert any(n.startswith("Chưa đủ dữ liệu: camera quan sát được 0 % thời gian làm việc") for n in dark.notes)
    assert dark.general == 30  # the discipline figures are still shown, from confirmed deductions only
    assert away.coverage.worked == 0 and away.total is None and away.classification is None
    assert any(n.startswith("Chưa đủ dữ liệu: thời gian làm việc thực tế 0 % thời gian theo lịch") for n in away.notes)
    assert leader.coverage.scheduled == 0 and leader.total is None
    assert "Chưa đủ dữ liệu: không có lịch làm việc tại quầy trong kỳ" in leader.notes
    unit = next(u for u in result.units if u.code == "NA-TRUONGVINH")
    assert (unit.officials, unit.scored, unit.mean) == (4, 1, seen.total)  # only results with enough evidence count
    with factory() as session:
        stored = load_month(session, "2026-03", unit_code="NA-TRUONGVINH")
    assert stored.official("CB-TV-02").coverage == dark.coverage
    assert stored.official("CB-TV-01").coverage == seen.coverage


def test_the_thresholds_are_the_sites_choice_and_printed_on_the_report(site):
    factory = site(lambda raw: raw.update(scoring={"min_observed_share": 0.0, "min_worked_share": 0.0}))
    _month(factory)
    with factory.begin() as session:
        result = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=NOW)
        report = build_month_report(session, "2026-03", now=NOW, unit_code="NA-TRUONGVINH")
    officials = [o for o in result.officials if o.code != "CB-TV-04"]  # the leader waits for the manager's input
    assert officials and all(o.total == 100 for o in officials)  # the check is off
    assert "min_observed_share = 0" in report.choices
    factory = site(lambda raw: raw.update(scoring={"min_observed_share": 0.99, "min_worked_share": 0.5}))
    with factory.begin() as session:
        result = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=NOW)
        report = build_month_report(session, "2026-03", now=NOW, unit_code="NA-TRUONGVINH")
    assert result.official("CB-TV-01").total == 100 or result.official("CB-TV-01").coverage.observed_share < 0.99
    assert "quan sát dưới 99 % thời gian làm việc" in report.choices


def test_a_camera_fault_partway_counts_against_coverage_not_as_absence(site):
    factory = site()
    _month(factory, health_of={"TV-HT-CAM": "ok"})
    observe(factory, "TV-DD-CAM", at(2, "07:30"), at(2, "17:00"), health="ok", presence="absent", every_s=60)
    with factory.begin() as session:
        result = compute_month(session, "2026-03", unit_code="NA-TRUONGVINH", now=NOW)
    absent = result.official("CB-TV-02")  # a whole day seen absent, the other day not seen at all
    assert 0.45 < absent.coverage.observed_share < 0.55
    assert absent.coverage.observed == pytest.approx(480, abs=10)


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_a_threshold_outside_0_to_1_is_refused_by_name(example_raw, write_config, value):
    example_raw["scoring"] = {"min_observed_share": value}
    with pytest.raises(ConfigError, match=r"scoring\.min_observed_share"):
        load_site_config(write_config(example_raw))
