"""The sampler service end to end over simulated time: three file cameras, a fake detector, alerts
opened from what the cameras saw and delivered to a real webhook receiver, a real SMTP server and
the real Mosquitto broker — while sampling goes on (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from itertools import pairwise

import pytest
from sqlalchemy import select, update

from fakecams import BoxesDetector, example_site_loader
from models.alerts import Alert, AlertDelivery
from models.enums import AlertStatus, DeliveryStatus
from models.observing import Observation
from models.org import Camera, Zone
from receivers import WebhookReceiver, smtp_server, stop, subscriber, wait_for
from schedules.alerting.channels import EmailChannel, MqttChannel, WebhookChannel, verify_signature
from schedules.service import SamplerService

pytestmark = pytest.mark.slow

START = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 09:00 in Hà Nội: working hours
SPEEDUP = 60  # one real second is one simulated minute
AT_DESK = [620, 200, 684, 345]  # a person at the right-hand desk of the footage
SECRET = "webhook-secret-for-tests"
CAMERAS = ("TV-HT-CAM", "TV-DD-CAM", "TV-CT-CAM")


class SimulatedClock:
    """Simulated time running ``SPEEDUP`` times faster than the wall clock, from ``START``."""

    def __init__(self):
        self.origin = time.monotonic()

    def __call__(self) -> datetime:
        return START + timedelta(seconds=(time.monotonic() - self.origin) * SPEEDUP)


@pytest.fixture
def site(example_raw, write_config, session_for):
    """Trường Vinh's three desks only, sampled every simulated minute; desk TV-HT's staff zone moved
    to the empty left edge (nobody there: unattended); TV-DD's camera unplugged (offline)."""

    def adjust(session):
        session.execute(update(Camera).where(Camera.code.not_in(CAMERAS)).values(enabled=False))
        session.execute(update(Camera).values(cadence_seconds=1))
        session.execute(update(Camera).where(Camera.code == "TV-DD-CAM")
                        .values(source_url="file:///nonexistent/deskaudit/unplugged.mp4"))
        ht = session.scalars(select(Camera).filter_by(code="TV-HT-CAM")).one()
        session.execute(update(Zone).where(Zone.camera_id == ht.id, Zone.kind == "staff")
                        .values(polygon=[[0.0, 0.0], [0.05, 0.0], [0.05, 0.1], [0.0, 0.1]]))

    return example_site_loader(example_raw, write_config, session_for, START, adjust=adjust)()


def open_alerts(factory) -> dict[str, Alert]:
    with factory() as session:
        return {str(a.kind): a for a in session.scalars(select(Alert).where(Alert.status != AlertStatus.RESOLVED))}


def test_alerts_reach_every_channel_while_sampling_goes_on(site, tmp_path, mqtt_broker):
    prefix = f"deskaudit-test-{uuid.uuid4().hex[:10]}"
    mail = smtp_server()
    listener, messages = subscriber(mqtt_broker, f"{prefix}/#")
    with WebhookReceiver() as hook, WebhookReceiver(behaviour="hang") as dead:
        channels = [WebhookChannel(hook.url, SECRET, timeout_s=2),
                    EmailChannel("127.0.0.1", mail.port, "deskaudit@hcc.example.vn", ["giamsat@hcc.example.vn"]),
                    MqttChannel(*mqtt_broker, prefix=prefix)]

        class DeadWebhook(WebhookChannel):  # a receiver that never answers: must delay nothing else
            name = "webhook-dead"

        channels.append(DeadWebhook(dead.url, SECRET, timeout_s=3))
        service = SamplerService(site, BoxesDetector([AT_DESK]), tmp_path / "data", respect_hours=False,
                                 clock=SimulatedClock(), channels=channels, alert_every_s=0.5, deliver_every_s=0.5)
        try:
            service.start()
            found = wait_for(lambda: {"unattended", "camera_fault"} <= open_alerts(site).keys() and open_alerts(site),
                             60, "the unattended and camera-fault alerts")
            wait_for(lambda: len(hook.requests) >= 2 and len(mail.inbox.envelopes) >= 2, 30,
                     "webhook and e-mail deliveries")
            by_topic = {}
            wait_for(lambda: _drain(messages, by_topic) and sum(t.endswith("/alert") for t in by_topic) >= 2, 30,
                     "the MQTT alerts")
        finally:
            service.stop()
            stop(listener)
            mail.stop()

    unattended, fault = found["unattended"], found["camera_fault"]
    assert "Quầy số 1 (TV-HT) không có người" in unattended.message
    assert "TV-DD-CAM" in fault.message

    # Webhook: signed JSON for both alerts.
    by_alert = {}
    for _, headers, body in hook.requests:
        assert verify_signature(SECRET, headers["X-Deskaudit-Timestamp"], body, headers["X-Deskaudit-Signature"])
        document = json.loads(body)
        by_alert[document["alert"]["kind"]] = document
    assert by_alert["unattended"]["alert"]["desk"] == {"code": "TV-HT", "name": "Quầy số 1"}
    assert by_alert["camera_fault"]["alert"]["camera"] == {"code": "TV-DD-CAM"}

    # E-mail: Vietnamese subject, both languages.
    subjects = [message_from_bytes(e.original_content, policy=policy.default)["Subject"] for e in mail.inbox.envelopes]
    assert any("Cảnh báo mới" in s and "TV-HT" in s for s in subjects), subjects

    # MQTT: the alert topic per desk, and the retained desk state.
    alert_topics = {t for t in by_topic if t.endswith("/alert")}
    assert {f"{prefix}/NA-TRUONGVINH/TV-HT/alert", f"{prefix}/NA-TRUONGVINH/TV-DD/alert"} <= alert_topics
    state = by_topic[f"{prefix}/NA-TRUONGVINH/TV-CT/state"]
    assert state["presence"] == "present" and state["open_alerts"] == []

    # The dead receiver is retried with backoff, and never held sampling back.
    with site() as session:
        dead_rows = session.scalars(select(AlertDelivery).filter_by(channel="webhook-dead")).all()
        assert dead_rows and all(r.status == DeliveryStatus.PENDING for r in dead_rows)
        assert any("timed out" in (r.last_error or "") for r in dead_rows)
        assert sum(r.attempts for r in dead_rows) <= 3  # backed off, not hammered
        sent = session.scalars(select(AlertDelivery).filter_by(channel="webhook", status=DeliveryStatus.SENT)).all()
        assert {r.event for r in sent} >= {"opened"}
        per_camera = {code: session.scalars(select(Observation.observed_at).join(Camera)
                                            .where(Camera.code == code).order_by(Observation.observed_at)).all()
                      for code in CAMERAS}
    for code, times in per_camera.items():
        gaps = [(b - a).total_seconds() / SPEEDUP for a, b in pairwise(times)]
        assert max(gaps) < 3.5, f"{code}: a sampling gap of {max(gaps):.1f} s while a channel hung"


def _drain(messages, by_topic) -> bool:
    while not messages.empty():
        message = messages.get()
        if message.payload:
            by_topic[message.topic] = json.loads(message.payload)
    return True

