"""The alert lifecycle over the example site's database: open, update, upgrade, escalate, acknowledge,
resolve — one open alert per condition, deliveries queued per channel (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from audit.services.alerts import acknowledge
from fakecams import example_site_loader, observe
from models.alerts import Alert, AlertDelivery
from models.enums import AbsenceKind, AlertKind, AlertStatus, CameraHealth, PresenceState, Severity
from models.hours import ExcusedAbsence
from models.observing import PresenceEvent
from models.org import Camera, Desk, Staff
from schedules.alerting.store import AlertBook

HN = ZoneInfo("Asia/Ho_Chi_Minh")
AT = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # import time; the scenario runs on Monday 2 March 2026


def hn(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=HN).astimezone(timezone.utc)


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, AT)()


def presence_event(factory, code: str, at: datetime, state: PresenceState) -> None:
    with factory.begin() as session:
        camera = session.scalars(select(Camera).filter_by(code=code)).one()
        session.add(PresenceEvent(desk_id=camera.desk_id, camera_id=camera.id, at=at, state=state,
                                  previous_state=PresenceState.PRESENT))


def everyone_present(factory, start: datetime, end: datetime, skip=()) -> None:
    for code in ("TV-HT-CAM", "TV-DD-CAM", "TV-CT-CAM", "DC-HT-CAM", "DC-DD-CAM", "DC-XH-CAM"):
        if code not in skip:
            observe(factory, code, start, end)


def evaluate(factory, book: AlertBook, now: datetime):
    with factory.begin() as session:
        return book.evaluate(session, now)


def alerts(factory) -> list[Alert]:
    with factory() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def deliveries(factory) -> list[tuple[int, str, str, str]]:
    with factory() as session:
        return [(d.alert_id, d.channel, d.event, str(d.status))
                for d in session.scalars(select(AlertDelivery).order_by(AlertDelivery.id))]


def test_unattended_alert_lifecycle(site):
    book = AlertBook(["webhook"])
    everyone_present(site, hn(8, 0), hn(10, 30), skip=("TV-HT-CAM",))
    observe(site, "TV-HT-CAM", hn(8, 0), hn(8, 59, 30))
    presence_event(site, "TV-HT-CAM", hn(9, 0), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(9, 0), hn(9, 16, 30), presence=PresenceState.ABSENT)

    assert evaluate(site, book, hn(9, 14, 50)).events == []
    first = evaluate(site, book, hn(9, 15))
    [alert] = alerts(site)
    assert (alert.kind, alert.severity, alert.status) == (AlertKind.UNATTENDED, Severity.WARNING, AlertStatus.OPEN)
    assert "Quầy số 1 (TV-HT) không có người 15 phút" in alert.message
    assert first.events == [(alert.id, "opened")]
    assert deliveries(site) == [(alert.id, "in_app", "opened", "sent"), (alert.id, "webhook", "opened", "pending")]

    assert evaluate(site, book, hn(9, 16)).events == []  # still the same condition: updated, not re-opened
    [alert] = alerts(site)
    assert "16 phút" in alert.message and len(deliveries(site)) == 2

    observe(site, "TV-HT-CAM", hn(9, 17), hn(9, 45), presence=PresenceState.ABSENT, queue=2)
    upgraded = evaluate(site, book, hn(9, 17))
    [alert] = alerts(site)
    assert upgraded.events == [(alert.id, "upgraded")]
    assert (alert.kind, alert.severity) == (AlertKind.UNATTENDED_QUEUE, Severity.CRITICAL)
    assert "2 người đang chờ" in alert.message

    assert evaluate(site, book, hn(9, 44, 50)).events == []
    assert evaluate(site, book, hn(9, 45)).events == [(alert.id, "escalated")]  # opened 09:15 + 30 min
    assert evaluate(site, book, hn(9, 45, 30)).events == []  # escalated once

    presence_event(site, "TV-HT-CAM", hn(9, 46), PresenceState.PRESENT)
    observe(site, "TV-HT-CAM", hn(9, 46), hn(10, 30))
    assert evaluate(site, book, hn(9, 46, 10)).events == [(alert.id, "resolved")]
    [alert] = alerts(site)
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_at == hn(9, 46, 10)
    assert [(e, s) for a, c, e, s in deliveries(site) if c == "webhook"] == [
        ("opened", "pending"), ("upgraded", "pending"), ("escalated", "pending"), ("resolved", "pending")]

    # The same desk unattended again later: a new alert, the old one stays resolved.
    presence_event(site, "TV-HT-CAM", hn(10, 31), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(10, 31), hn(10, 47), presence=PresenceState.ABSENT)
    everyone_present(site, hn(10, 31), hn(10, 47), skip=("TV-HT-CAM",))
    evaluate(site, book, hn(10, 46, 30))
    assert [(a.status, a.kind) for a in alerts(site)] == [
        (AlertStatus.RESOLVED, AlertKind.UNATTENDED_QUEUE), (AlertStatus.OPEN, AlertKind.UNATTENDED)]


def test_acknowledged_alert_is_not_escalated_and_still_resolves(site):
    book = AlertBook()
    everyone_present(site, hn(8, 0), hn(10, 0), skip=("TV-HT-CAM",))
    presence_event(site, "TV-HT-CAM", hn(8, 0), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(8, 0), hn(9, 0), presence=PresenceState.ABSENT)
    evaluate(site, book, hn(8, 20))
    [alert] = alerts(site)
    with site.begin() as session:
        acknowledge(session, alert.id, None, hn(8, 21))
    assert evaluate(site, book, hn(8, 59)).events == []
    [alert] = alerts(site)
    assert (alert.status, alert.escalated_at, alert.acknowledged_at) == (AlertStatus.ACKNOWLEDGED, None, hn(8, 21))
    presence_event(site, "TV-HT-CAM", hn(9, 0, 30), PresenceState.PRESENT)
    observe(site, "TV-HT-CAM", hn(9, 0, 30), hn(9, 2))
    assert evaluate(site, book, hn(9, 2)).events == [(alert.id, "resolved")]
    with site.begin() as session, pytest.raises(ValueError, match="already resolved"):
        acknowledge(session, alert.id, None, hn(9, 3))


def test_camera_fault_alert_and_no_unattended_alert_from_it(site):
    book = AlertBook()
    everyone_present(site, hn(8, 0), hn(9, 30), skip=("TV-DD-CAM",))
    observe(site, "TV-DD-CAM", hn(8, 0), hn(8, 59, 30))
    observe(site, "TV-DD-CAM", hn(9, 0), hn(9, 30), health=CameraHealth.OFFLINE)
    assert evaluate(site, book, hn(9, 9, 50)).events == []
    evaluate(site, book, hn(9, 10))
    [alert] = alerts(site)
    assert (alert.kind, alert.camera_id is not None, alert.status) == (AlertKind.CAMERA_FAULT, True, AlertStatus.OPEN)
    assert "TV-DD-CAM" in alert.message and "mất tín hiệu" in alert.message
    evaluate(site, book, hn(9, 30))
    assert [a.kind for a in alerts(site)] == [AlertKind.CAMERA_FAULT]  # 30 min of unknown: no unattended alert
    observe(site, "TV-DD-CAM", hn(9, 30, 30), hn(9, 31))
    evaluate(site, book, hn(9, 31))
    assert [a.status for a in alerts(site)] == [AlertStatus.RESOLVED]


def test_excused_absence_suppresses_the_unattended_alert(site):
    with site.begin() as session:
        hoa = session.scalars(select(Staff).filter_by(code="CB-TV-01")).one()
        session.add(ExcusedAbsence(staff_id=hoa.id, kind=AbsenceKind.OFFICIAL_TRIP, starts_at=hn(7, 30),
                                   ends_at=hn(9, 30), document_ref="GĐ 12/GĐ-TTPVHCC"))
    everyone_present(site, hn(8, 0), hn(10, 0), skip=("TV-HT-CAM",))
    presence_event(site, "TV-HT-CAM", hn(8, 0), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(8, 0), hn(10, 0), presence=PresenceState.ABSENT)
    book = AlertBook()
    assert evaluate(site, book, hn(9, 0)).events == []
    evaluate(site, book, hn(9, 31))  # the trip is over; absent since 08:00 → alert at once
    [alert] = alerts(site)
    assert alert.kind == AlertKind.UNATTENDED


def on_leave(factory, staff_code: str, start: datetime, end: datetime) -> None:
    with factory.begin() as session:
        official = session.scalars(select(Staff).filter_by(code=staff_code)).one()
        session.add(ExcusedAbsence(staff_id=official.id, kind=AbsenceKind.LEAVE, starts_at=start, ends_at=end))


def rotated(factory, staff_code: str, desk_code: str) -> None:
    """``staff_code`` works at ``desk_code`` on Monday 2 March (a rotation of one day)."""
    from audit.services.rosters import add_pattern

    with factory.begin() as session:
        add_pattern(session, staff_code, [desk_code], 1, date(2026, 3, 2), date(2026, 3, 2))


def unattended_desks(factory, book: AlertBook, now: datetime) -> set[str]:
    with factory.begin() as session:
        found = book.evaluate(session, now)
        codes = dict(session.execute(select(Desk.id, Desk.code)).all())
    return {codes[c.desk_id] for c in found.conditions if c.kind in (AlertKind.UNATTENDED, AlertKind.UNATTENDED_QUEUE)}


def test_an_official_rotated_onto_the_desk_and_on_leave_excuses_it(site):
    """Bảo (no desk of his own) is rotated onto TV-HT for the day and is on leave: TV-HT is excused,
    although its usual holder Hoa is not on leave."""
    rotated(site, "CB-TV-04", "TV-HT")
    on_leave(site, "CB-TV-04", hn(7, 30), hn(11, 30))
    everyone_present(site, hn(8, 0), hn(10, 0), skip=("TV-HT-CAM",))
    presence_event(site, "TV-HT-CAM", hn(8, 0), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(8, 0), hn(10, 0), presence=PresenceState.ABSENT)
    book = AlertBook()
    assert unattended_desks(site, book, hn(9, 0)) == set()
    assert alerts(site) == []


def test_the_usual_holder_rotated_away_is_not_expected(site):
    """Hoa, TV-HT's usual holder, is rotated to TV-CT for the day and is on leave: TV-CT is excused,
    TV-HT (where nobody is expected now) is alerted as usual."""
    rotated(site, "CB-TV-01", "TV-CT")
    on_leave(site, "CB-TV-01", hn(7, 30), hn(11, 30))
    everyone_present(site, hn(8, 0), hn(10, 0), skip=("TV-HT-CAM", "TV-CT-CAM"))
    for camera in ("TV-HT-CAM", "TV-CT-CAM"):
        presence_event(site, camera, hn(8, 0), PresenceState.ABSENT)
        observe(site, camera, hn(8, 0), hn(10, 0), presence=PresenceState.ABSENT)
    assert unattended_desks(site, AlertBook(), hn(9, 0)) == {"TV-HT"}
    [alert] = alerts(site)
    assert "TV-HT" in alert.message


def test_unit_and_desk_thresholds_apply(site):
    """Diễn Châu sets unattended_minutes = 20; its desk DC-DD sets long_queue_length = 5."""
    book = AlertBook()
    everyone_present(site, hn(8, 0), hn(9, 30), skip=("DC-HT-CAM", "DC-DD-CAM"))
    presence_event(site, "DC-HT-CAM", hn(9, 0), PresenceState.ABSENT)
    observe(site, "DC-HT-CAM", hn(9, 0), hn(9, 30), presence=PresenceState.ABSENT)
    observe(site, "DC-DD-CAM", hn(8, 50), hn(8, 59, 30), queue=4)
    observe(site, "DC-DD-CAM", hn(9, 0), hn(9, 30), queue=5)
    assert evaluate(site, book, hn(9, 15)).events == []  # 15 min: enough elsewhere, not in Diễn Châu
    evaluate(site, book, hn(9, 20))
    assert sorted(str(a.kind) for a in alerts(site)) == ["long_queue", "unattended"]
    long_queue = next(a for a in alerts(site) if a.kind == AlertKind.LONG_QUEUE)
    assert "Hàng chờ 5 người" in long_queue.message and long_queue.details["threshold_length"] == 5


def test_evaluation_outside_working_hours_resolves_desk_alerts(site):
    book = AlertBook()
    everyone_present(site, hn(11, 0), hn(11, 45), skip=("TV-HT-CAM",))
    presence_event(site, "TV-HT-CAM", hn(11, 0), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(11, 0), hn(11, 45), presence=PresenceState.ABSENT)
    evaluate(site, book, hn(11, 20))
    assert [a.status for a in alerts(site)] == [AlertStatus.OPEN]
    evaluate(site, book, hn(11, 31))  # lunch break: not scheduled
    assert [a.status for a in alerts(site)] == [AlertStatus.RESOLVED]


def test_desk_states_for_mqtt(site):
    everyone_present(site, hn(8, 0), hn(8, 10))
    states = evaluate(site, AlertBook(), hn(8, 10)).desk_states
    assert states[("NA-TRUONGVINH", "TV-HT")] == {
        "status": "staffed",  # the wall's status word (audit.rules.desk_status)
        "presence": "present", "queue": 0, "health": "ok", "at": hn(8, 10).isoformat(), "open_alerts": []}
    assert len(states) == 6



def test_alerts_cli_lists_and_acknowledges(site, migrated_url, monkeypatch, cli_runner):
    from deskaudit.cli import cli

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    assert cli_runner.invoke(cli, ["alerts", "list"]).output.strip() == "no open alerts"
    everyone_present(site, hn(8, 0), hn(9, 30), skip=("TV-HT-CAM",))
    presence_event(site, "TV-HT-CAM", hn(8, 0), PresenceState.ABSENT)
    observe(site, "TV-HT-CAM", hn(8, 0), hn(9, 30), presence=PresenceState.ABSENT)
    evaluate(site, AlertBook(), hn(8, 20))
    [alert] = alerts(site)

    listed = cli_runner.invoke(cli, ["alerts", "list", "--unit", "NA-TRUONGVINH"])
    assert listed.exit_code == 0
    assert f"{alert.id}" in listed.output and "open" in listed.output and "02/03/2026 08:20" in listed.output
    assert "Quầy số 1 (TV-HT) không có người 20 phút" in listed.output
    assert cli_runner.invoke(cli, ["alerts", "list", "--unit", "NA-DIENCHAU"]).output.strip() == "no open alerts"
    assert cli_runner.invoke(cli, ["alerts", "list", "--unit", "NOPE"]).exit_code == 2

    acked = cli_runner.invoke(cli, ["alerts", "ack", str(alert.id)])
    assert acked.exit_code == 0 and "acknowledged" in acked.output
    [alert] = alerts(site)
    assert alert.status == AlertStatus.ACKNOWLEDGED
    missing = cli_runner.invoke(cli, ["alerts", "ack", "999999"])
    assert missing.exit_code == 2 and "999999" in missing.output
    assert cli_runner.invoke(cli, ["alerts", "ack", str(alert.id), "--by", "nobody"]).exit_code == 2


def test_run_sampler_rejects_bad_channel_settings_by_name(migrated_url, monkeypatch, cli_runner):
    from deskaudit.cli import cli

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    monkeypatch.setenv("DESKAUDIT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    monkeypatch.delenv("DESKAUDIT_WEBHOOK_SECRET", raising=False)
    result = cli_runner.invoke(cli, ["run", "sampler"])
    assert result.exit_code == 2 and "DESKAUDIT_WEBHOOK_SECRET" in result.output
    monkeypatch.setenv("DESKAUDIT_WEBHOOK_SECRET", "s3cret-value")
    monkeypatch.setenv("DESKAUDIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DESKAUDIT_SMTP_TO", "giamsat@hcc.example.vn")
    monkeypatch.setenv("DESKAUDIT_SMTP_FROM", "deskaudit@hcc.example.vn")
    monkeypatch.setenv("DESKAUDIT_SMTP_PORT", "twenty-five")
    result = cli_runner.invoke(cli, ["run", "sampler"])
    assert result.exit_code == 2 and "DESKAUDIT_SMTP_PORT" in result.output and "s3cret-value" not in result.output
