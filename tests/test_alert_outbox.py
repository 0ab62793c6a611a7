"""The outbox: queued alert events are sent once, a failing channel is retried with backoff and
never loses an event (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fakecams import example_site_loader
from models.alerts import Alert, AlertDelivery
from models.enums import AlertKind, AlertStatus, DeliveryStatus, Severity
from models.org import Desk
from schedules.alerting.channels import ChannelError
from schedules.alerting.outbox import Backoff, deliver_due
from schedules.alerting.store import AlertBook

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class RecordingChannel:
    """A channel that fails its first ``failures`` sends, then records what it is given."""

    name = "webhook"

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.sent = []
        self.tries = 0

    def send(self, notice) -> None:
        self.tries += 1
        if self.failures:
            self.failures -= 1
            raise ChannelError("HTTP 503 Service Unavailable from http://127.0.0.1:9/hook")
        self.sent.append(notice)

    def close(self) -> None:
        pass


@pytest.fixture
def site(example_raw, write_config, session_for):
    return example_site_loader(example_raw, write_config, session_for, T0)()


def open_alerts(factory, count: int, book: AlertBook) -> list[int]:
    with factory.begin() as session:
        desk = session.scalars(select(Desk).filter_by(code="TV-HT")).one()
        ids = []
        for n in range(count):
            alert = Alert(unit_id=desk.unit_id, desk_id=desk.id, kind=AlertKind.UNATTENDED, severity=Severity.WARNING,
                          status=AlertStatus.OPEN, condition_key=f"test:{n}", opened_at=T0,
                          message=f"Quầy số 1 (TV-HT) không có người {15 + n} phút",
                          details={"minutes": 15 + n, "message_en": f"Desk unattended for {15 + n} min"})
            session.add(alert)
            session.flush()
            book.enqueue(session, alert.id, "opened", T0)
            ids.append(alert.id)
    return ids


def rows(factory, channel="webhook"):
    with factory() as session:
        return list(session.scalars(select(AlertDelivery).filter_by(channel=channel).order_by(AlertDelivery.id)))


def test_sent_once_with_the_alert_as_it_stands(site):
    [alert_id] = open_alerts(site, 1, AlertBook(["webhook"]))
    channel, clock = RecordingChannel(), Clock(T0)
    assert deliver_due(site, channel, clock=clock) == (1, 0)
    assert deliver_due(site, channel, clock=clock) == (0, 0)
    [notice] = channel.sent
    assert (notice.alert_id, notice.event, notice.unit_code, notice.desk_code) == (alert_id, "opened", "NA-TRUONGVINH",
                                                                                  "TV-HT")
    assert notice.message == "Quầy số 1 (TV-HT) không có người 15 phút"
    assert notice.message_en == "Desk unattended for 15 min" and "message_en" not in notice.details
    [row] = rows(site)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (DeliveryStatus.SENT, 1, T0, None)
    [in_app] = rows(site, "in_app")
    assert in_app.status == DeliveryStatus.SENT


def test_failing_channel_backs_off_then_delivers_in_order(site):
    ids = open_alerts(site, 3, AlertBook(["webhook"]))
    channel, clock = RecordingChannel(failures=2), Clock(T0)
    backoff = Backoff(first_s=10, max_s=900)

    assert deliver_due(site, channel, clock=clock, backoff=backoff) == (0, 1)  # one failure per run, not three
    first = rows(site)[0]
    assert (first.attempts, first.next_attempt_at, first.status) == (1, T0 + timedelta(seconds=10),
                                                                     DeliveryStatus.PENDING)
    assert "503" in first.last_error

    clock.at = T0 + timedelta(seconds=5)
    assert deliver_due(site, channel, clock=clock, backoff=backoff) == (0, 0)  # not due yet: nothing tried
    assert channel.tries == 1

    clock.at = T0 + timedelta(seconds=10)
    assert deliver_due(site, channel, clock=clock, backoff=backoff) == (0, 1)
    assert rows(site)[0].next_attempt_at == clock.at + timedelta(seconds=20)  # doubled

    clock.at += timedelta(seconds=20)
    assert deliver_due(site, channel, clock=clock, backoff=backoff) == (3, 0)
    assert [n.alert_id for n in channel.sent] == ids
    assert [(r.status, r.attempts) for r in rows(site)] == [(DeliveryStatus.SENT, 3), (DeliveryStatus.SENT, 1),
                                                           (DeliveryStatus.SENT, 1)]


def test_gives_up_after_max_attempts_and_records_why(site):
    open_alerts(site, 1, AlertBook(["webhook"]))
    channel, clock = RecordingChannel(failures=10), Clock(T0)
    backoff = Backoff(first_s=1, max_s=4, max_attempts=3)
    for _ in range(3):
        deliver_due(site, channel, clock=clock, backoff=backoff)
        clock.at += timedelta(seconds=10)
    [row] = rows(site)
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
    assert deliver_due(site, channel, clock=clock, backoff=backoff) == (0, 0)


def test_a_channel_bug_is_a_failed_attempt_not_a_crash(site):
    open_alerts(site, 1, AlertBook(["webhook"]))

    class Buggy(RecordingChannel):
        def send(self, notice):
            raise KeyError("oops")

    assert deliver_due(site, Buggy(), clock=Clock(T0)) == (0, 1)
    assert "KeyError" in rows(site)[0].last_error


def test_backoff_caps():
    backoff = Backoff(first_s=10, max_s=900)
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [10, 20, 40, 640, 900, 900]
