"""Seeding the demo history into the database (SQLite and PostgreSQL) and ``deskaudit demo seed``."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from audit.services.daily_facts import desk_days
from deskaudit.cli.demo import demo
from deskaudit.demo.history import SEED_MODEL_ID, EventKind
from deskaudit.demo.seeding import EXCUSE_REF, SeedConflict, seed_history
from fakecams import example_site_loader, observe
from models.hours import ExcusedAbsence
from models.observing import Observation, PresenceEvent
from models.org import Camera, Staff
from models.scoring import DossierStat

HN = ZoneInfo("Asia/Ho_Chi_Minh")
UNTIL = date(2026, 3, 9)  # a Monday: the last three working days are Fri 6, Sat 7 (Saturday desk only), Mon 9
# Scheduled seconds / cadence over those days: TV-HT also works Saturday mornings, TV-CT samples every
# 60 s, Diễn Châu works its winter hours (07:30–12:00, 13:30–17:00): 480 minutes a day everywhere. The room
# camera DC-PHONG films DC-HT and DC-DD: one row per desk and slot.
EXPECTED = {"TV-HT-CAM": 2400, "TV-DD-CAM": 1920, "TV-CT-CAM": 960,
            "DC-HT-CAM": 1920, "DC-DD-CAM": 1920, "DC-XH-CAM": 1920, "DC-PHONG": 2 * 1920}


def hn(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HN).astimezone(timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, hn(date(2026, 3, 1), 0, 0))()


def per_camera(session) -> dict[str, int]:
    return dict(session.execute(select(Camera.code, func.count(Observation.id))
                                .join(Observation, Observation.camera_id == Camera.id).group_by(Camera.code)).all())


def fingerprint(session) -> tuple:
    """What a re-run must leave exactly as it was."""
    return (
        per_camera(session),
        session.scalar(select(func.sum(Observation.queue_count))),
        session.scalar(select(func.count()).where(Observation.presence == "absent")),
        session.scalar(select(func.count()).select_from(PresenceEvent)),
        session.scalar(select(func.count()).select_from(ExcusedAbsence)),
        session.scalar(select(func.sum(DossierStat.received))),
    )


def test_three_days_give_one_row_per_slot_of_scheduled_time_on_every_camera(site):
    progress = []
    with site.begin() as session:
        report = seed_history(session, days=3, until=UNTIL, seed=2026, progress=lambda *p: progress.append(p))
    assert report.days == (date(2026, 3, 6), date(2026, 3, 7), UNTIL)
    assert (report.desks, report.cameras, report.observations) == (6, 7, sum(EXPECTED.values()))
    assert progress[-1] == (18, 18) and len(progress) == 18  # one step per desk-day
    with site() as session:
        assert per_camera(session) == EXPECTED
        assert set(session.scalars(select(Observation.model_id).distinct())) == {SEED_MODEL_ID}
        assert session.scalar(select(func.count()).select_from(PresenceEvent)) == report.presence_events > 12
        saturday = session.scalars(select(Observation.slot_at).where(
            Observation.slot_at >= hn(date(2026, 3, 7), 0, 0), Observation.slot_at < hn(date(2026, 3, 8), 0, 0))).all()
        assert saturday and max(saturday) < hn(date(2026, 3, 7), 11, 30)  # Saturday: mornings of TV-HT only

        [excuse] = session.scalars(select(ExcusedAbsence)).all()
        official = session.get(Staff, excuse.staff_id)
        assert report.excused == (official.code, excuse.starts_at.astimezone(HN).date())
        assert excuse.document_ref == EXCUSE_REF and str(excuse.kind) == "leave"
        morning = session.scalars(select(Observation.presence).where(
            Observation.desk_id == official.default_desk_id, Observation.observed_at >= excuse.starts_at,
            Observation.observed_at < excuse.ends_at)).all()
        assert morning and "present" not in {str(p) for p in morning}  # the official was not at the desk

        stats = session.scalars(select(DossierStat)).all()
        assert len(stats) == report.dossier_stats == 6  # one month, six officials with a desk
        for row in stats:
            assert row.month == "2026-03" and 40 <= row.received <= 160
            assert row.on_time + row.late + row.not_yet_due == row.received and row.late <= 0.08 * row.received + 0.5


def test_seeding_the_same_days_again_replaces_what_it_wrote(site):
    with site.begin() as session:
        seed_history(session, days=3, until=UNTIL)
    with site() as session:
        first = fingerprint(session)
    with site.begin() as session:
        again = seed_history(session, days=3, until=UNTIL)
    assert again.replaced_observations == sum(EXPECTED.values())
    with site() as session:
        assert fingerprint(session) == first


def test_observations_of_a_real_sampler_are_not_overwritten_without_force(site):
    real_day = date(2026, 3, 9)
    observe(site, "TV-DD-CAM", hn(real_day, 12, 10), hn(real_day, 12, 20))  # lunch: a sampler running around the clock
    observe(site, "TV-DD-CAM", hn(date(2026, 3, 8), 9, 0), hn(date(2026, 3, 8), 9, 5))  # Sunday: not a seeded day
    with pytest.raises(SeedConflict, match="--force") as refused:
        with site.begin() as session:
            seed_history(session, days=3, until=UNTIL)
    assert "21 " in str(refused.value) and "2026-03-09" in str(refused.value)
    with site() as session:
        assert per_camera(session) == {"TV-DD-CAM": 21 + 11}  # nothing written, nothing deleted

    with site.begin() as session:
        seed_history(session, days=3, until=UNTIL, force=True)
    with site() as session:
        assert per_camera(session) == {**EXPECTED, "TV-DD-CAM": EXPECTED["TV-DD-CAM"] + 11}  # Sunday's stay
        assert session.scalar(select(func.count()).where(Observation.model_id.is_(None))) == 11


def test_imported_dossier_statistics_are_kept(site):
    with site.begin() as session:
        official = session.scalars(select(Staff).filter_by(code="CB-TV-02")).one()
        session.add(DossierStat(month="2026-03", unit_id=official.unit_id, desk_id=None, staff_id=official.id,
                                received=99, on_time=90, late=9, not_yet_due=0, import_batch="mot-cua-2026-03",
                                imported_at=hn(date(2026, 3, 5), 8, 0)))
    with site.begin() as session:
        report = seed_history(session, days=3, until=UNTIL)
    with site() as session:
        rows = session.scalars(select(DossierStat).where(DossierStat.staff_id == official.id)).all()
    assert report.dossier_stats == 5 and [(r.received, r.import_batch) for r in rows] == [(99, "mot-cua-2026-03")]


def test_a_month_of_history_reads_back_through_the_daily_facts(tmp_path, example_raw, write_config):
    """The audit sees what was scripted: outages as unknown time, late arrivals, unattended spells."""
    from models import migrate
    from models.db import make_engine, session_factory

    url = f"sqlite:///{tmp_path / 'month.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    example_site_loader(example_raw, write_config, factory, hn(date(2026, 3, 1), 0, 0))()
    with factory.begin() as session:
        report = seed_history(session, days=22, until=date(2026, 3, 31))
    assert report.count(EventKind.OUTAGE) >= 6 and report.count(EventKind.UNATTENDED) >= 6
    assert report.count(EventKind.LATE_ARRIVAL) >= 1
    thresholds = {"TV": 15, "DC": 20}  # the units' unattended_minutes in the example site
    checked = set()
    with factory() as session:
        facts = {(d.desk_code, d.day): d for day in report.days for d in desk_days(session, day)}
        over = {desk: set(codes) for desk, codes in _cameras_over(session).items()}
    assert over["DC-HT"] == {"DC-HT-CAM", "DC-PHONG"} and over["TV-HT"] == {"TV-HT-CAM"}
    down: dict[tuple, dict[str, list]] = {}  # (desk, day) → camera → its fault windows
    for e in report.events:
        if e.event.kind in (EventKind.OUTAGE, EventKind.FROZEN):
            down.setdefault((e.desk, e.day), {}).setdefault(e.event.camera, []).append((e.event.start, e.event.end))
    faults = set(down)
    covered = 0
    for seeded in report.events:
        desk_day = facts[(seeded.desk, seeded.day)]
        event = seeded.event
        if event.kind is EventKind.OUTAGE:
            # unknown only while no camera over the desk was healthy: the outage less what another camera saw
            blind = [(event.start, event.end)]
            for camera in over[seeded.desk] - {event.camera}:
                blind = _overlap(blind, down[(seeded.desk, seeded.day)].get(camera, []))
            blind_minutes = sum((b - a).total_seconds() for a, b in blind) / 60
            assert desk_day.facts.unknown_minutes >= blind_minutes - 1, (seeded, desk_day.facts)
            if len(over[seeded.desk]) > 1 and blind_minutes == 0:
                assert desk_day.facts.unknown_minutes < event.minutes - 1  # the other camera watched the desk
                covered += 1
            checked.add(event.kind)
        elif (seeded.desk, seeded.day) in faults:
            continue  # a camera fault may hide part of what happened at the desk
        elif event.kind is EventKind.UNATTENDED and event.minutes >= thresholds[seeded.desk[:2]] + 2:
            spans = desk_day.facts.unattended_with_queue if event.with_queue else desk_day.facts.unattended
            assert any(s.start < event.end and event.start < s.end for s in spans), (seeded, desk_day.facts)
            checked.add(event.kind)
        elif event.kind is EventKind.LATE_ARRIVAL and event.start == desk_day.intervals[0][0]:
            assert desk_day.facts.first_seen >= event.end
            checked.add(event.kind)
    assert checked == {EventKind.OUTAGE, EventKind.UNATTENDED, EventKind.LATE_ARRIVAL}
    assert covered >= 2  # outages of DC-HT-CAM, DC-DD-CAM or the room camera, each covered by the other
    engine.dispose()


def _cameras_over(session) -> dict[str, list[str]]:
    """Desk code → codes of the cameras whose seeded rows describe it."""
    from models.org import Desk

    found: dict[str, list[str]] = {}
    for desk, camera in session.execute(select(Desk.code, Camera.code).join(Observation, Observation.desk_id == Desk.id)
                                        .join(Camera, Camera.id == Observation.camera_id).distinct()):
        found.setdefault(desk, []).append(camera)
    return found


def _overlap(spans, others):
    """The parts of ``spans`` that lie inside any of ``others`` (both lists of (start, end))."""
    return [(max(a, c), min(b, d)) for a, b in spans for c, d in others if max(a, c) < min(b, d)]


# --- the command --------------------------------------------------------------------------------

def _count(database, sql: str) -> int:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchone()[0]


def test_demo_seed_writes_two_days_into_the_demo_database(cli_runner, tmp_path):
    data = tmp_path / "demo"
    result = cli_runner.invoke(demo, ["seed", "--days", "2", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "2 ngày làm việc / working days" in result.output and "6 quầy / desks" in result.output
    assert "outages" in result.output and "late arrivals" in result.output
    database = data / "deskaudit.sqlite3"
    seeded = _count(database, "select count(*) from observations where model_id = 'demo-seed'")
    assert seeded > 2000 and seeded == _count(database, "select count(*) from observations")
    assert _count(database, "select count(distinct date(slot_at, '+7 hours')) from observations") == 2


@pytest.mark.parametrize("days", ["0", "367", "-3"])
def test_demo_seed_refuses_a_bad_number_of_days_before_touching_anything(cli_runner, tmp_path, days):
    result = cli_runner.invoke(demo, ["seed", "--days", days, "--data-dir", str(tmp_path / "demo")])
    assert result.exit_code == 2 and "--days" in result.output and "1..366" in result.output
    assert not (tmp_path / "demo").exists()


def test_demo_seed_refuses_future_days_and_a_negative_seed(cli_runner, tmp_path):
    future = (datetime.now(HN).date() + timedelta(days=2)).isoformat()
    result = cli_runner.invoke(demo, ["seed", "--days", "1", "--until", future, "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2 and future in result.output
    result = cli_runner.invoke(demo, ["seed", "--days", "1", "--seed", "-1", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2 and "--seed" in result.output
    assert not (tmp_path / "d").exists()


def test_demo_seed_over_real_observations_needs_force(cli_runner, tmp_path):
    data = tmp_path / "demo"
    args = ["--data-dir", str(data), "seed", "--days", "1", "--until", "2026-03-09"]  # the group's option serves too
    assert cli_runner.invoke(demo, args).exit_code == 0
    database = data / "deskaudit.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("insert into observations (camera_id, desk_id, slot_at, observed_at, health, presence, model_id) "
                   "select id, desk_id, '2026-03-09 05:15:00', '2026-03-09 05:15:10', 'ok', 'absent', 'yolov8n@abc' "
                   "from cameras where code = 'TV-HT-CAM'")
    refused = cli_runner.invoke(demo, args)
    assert refused.exit_code == 2 and "--force" in refused.output and "yolov8n@abc" in refused.output
    assert _count(database, "select count(*) from observations where model_id = 'yolov8n@abc'") == 1
    forced = cli_runner.invoke(demo, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert _count(database, "select count(*) from observations where model_id = 'yolov8n@abc'") == 0


def test_plain_demo_without_serving_still_prepares_the_database(cli_runner, tmp_path):
    result = cli_runner.invoke(demo, ["--no-serve", "--history-days", "0", "--data-dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "50 change(s)" in result.output and "[3/3] ready" in result.output
    assert _count(tmp_path / "demo" / "deskaudit.sqlite3", "select count(*) from desks") == 6
    assert _count(tmp_path / "demo" / "deskaudit.sqlite3", "select count(*) from observations") == 0
