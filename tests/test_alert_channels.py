"""Alert channels against real receivers: a local HTTP server, aiosmtpd, and the Mosquitto broker.

Their configuration from DESKAUDIT_WEBHOOK_*, DESKAUDIT_SMTP_* and DESKAUDIT_MQTT_* is tested in test_settings.py.
"""

from __future__ import annotations

import email
import email.policy
import json
import time
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from aiosmtpd.smtp import AuthResult
from paho.mqtt.enums import CallbackAPIVersion

from receivers import WebhookReceiver, free_port, stop, subscriber
from receivers import smtp_server as start_smtp_server
from schedules.alerting.channels import (
    Channel,
    ChannelError,
    EmailChannel,
    MqttChannel,
    WebhookChannel,
    email_body,
    topic_segment,
    verify_signature,
)
from schedules.alerting.notice import AlertNotice

SECRET = "s3cret-hmac-key-ĐỪNG-LỘ"
PASSWORD = "pw-never-shown-9f2c"


@pytest.fixture
def notice() -> AlertNotice:
    return AlertNotice(
        event="opened", alert_id=42, kind="unattended", severity="warning", status="open",
        unit_code="HCC-TINH", unit_name="Trung tâm Phục vụ hành chính công tỉnh", desk_code="Q-01",
        desk_name="Quầy Tư pháp – Hộ tịch", camera_code="cam-01",
        opened_at=datetime(2025, 3, 14, 2, 5, tzinfo=UTC), at=datetime(2025, 3, 14, 2, 22, tzinfo=UTC),
        message="Quầy không có cán bộ 17 phút, 4 người đang chờ",
        message_en="Desk unattended for 17 minutes, 4 people waiting",
        details={"unattended_minutes": 17, "queue_length": 4},
    )


# --- webhook -------------------------------------------------------------------------------------------------------

@pytest.fixture
def receiver(monkeypatch):
    """A local HTTP receiver recording each POST; ``behaviour`` is a status code or ``"hang"``."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with WebhookReceiver() as server:
        yield server


def test_webhook_posts_signed_json_that_receivers_can_verify(receiver, notice):
    channel = WebhookChannel(receiver.url, SECRET, timeout_s=2)
    assert isinstance(channel, Channel) and channel.name == "webhook"
    channel.send(notice)

    [(path, headers, body)] = receiver.requests
    assert path == "/hooks/deskaudit"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Deskaudit-Event"] == "opened"
    assert json.loads(body.decode("utf-8")) == notice.payload()
    assert "Quầy không có cán bộ 17 phút".encode() in body  # UTF-8 text, not \u escapes
    timestamp, signature = headers["X-Deskaudit-Timestamp"], headers["X-Deskaudit-Signature"]
    assert abs(int(timestamp) - time.time()) < 5 and signature.startswith("sha256=")
    assert verify_signature(SECRET, timestamp, body, signature)
    assert verify_signature(SECRET, timestamp, body, signature, max_age_s=60)
    assert not verify_signature(SECRET, timestamp, body.replace(b"17", b"18"), signature)
    assert not verify_signature("another-secret", timestamp, body, signature)
    assert not verify_signature(SECRET, int(timestamp) + 1, body, signature)
    assert not verify_signature(SECRET, timestamp, body, signature, max_age_s=60, now=int(timestamp) + 600)
    assert not verify_signature(SECRET, "not-a-time", body, signature)


@pytest.mark.parametrize("status", [500, 404, 302])  # a redirect is not a delivery either
def test_webhook_error_status_is_a_channel_error_without_the_secret(receiver, notice, status):
    receiver.behaviour = status
    url = receiver.url.replace("http://", f"http://hook:{PASSWORD}@")
    with pytest.raises(ChannelError) as raised:
        WebhookChannel(url, SECRET, timeout_s=2).send(notice)
    text = str(raised.value)
    assert f"HTTP {status}" in text and "http://***@127.0.0.1" in text
    assert SECRET not in text and PASSWORD not in text
    assert receiver.requests[0][1]["Authorization"].startswith("Basic ")  # userinfo became basic auth


def test_webhook_receiver_that_never_answers_times_out(receiver, notice):
    receiver.behaviour = "hang"
    started = time.monotonic()
    with pytest.raises(ChannelError, match=r"(?i)timed out"):
        WebhookChannel(receiver.url, SECRET, timeout_s=0.5).send(notice)
    assert time.monotonic() - started < 2


def test_webhook_connection_refused(notice):
    with pytest.raises(ChannelError, match=r"(?i)refused") as raised:
        WebhookChannel(f"http://127.0.0.1:{free_port()}/hook", SECRET, timeout_s=1).send(notice)
    assert SECRET not in str(raised.value)


# --- email ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def smtp_server():
    def reject(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    controller = start_smtp_server(authenticator=reject, auth_require_tls=False)
    yield controller
    controller.stop()


def test_email_arrives_with_vietnamese_subject_and_both_languages(smtp_server, notice):
    channel = EmailChannel(smtp_server.hostname, smtp_server.port, "deskaudit@hcc.example.vn",
                           ["giamdoc@hcc.example.vn", "it@hcc.example.vn"], timeout_s=2)
    assert isinstance(channel, Channel) and channel.name == "email"
    channel.send(notice)

    [envelope] = smtp_server.inbox.envelopes
    assert envelope.mail_from == "deskaudit@hcc.example.vn"
    assert envelope.rcpt_tos == ["giamdoc@hcc.example.vn", "it@hcc.example.vn"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == notice.subject
    assert message["Subject"].startswith("[deskaudit] Cảnh báo mới / New alert: Quầy không có cán bộ")
    body = message.get_content()
    assert body.index("Quầy không có cán bộ 17 phút") < body.index("Desk unattended for 17 minutes")
    assert "Quầy: Quầy Tư pháp – Hộ tịch (Q-01)" in body and "Mức độ: Cảnh báo" in body
    assert "Bắt đầu lúc: 14/03/2025 09:05" in body and "Thời điểm: 14/03/2025 09:22" in body  # UTC+7
    assert "Event time: 14/03/2025 09:22" in body and "unattended_minutes = 17" in body


def test_email_body_for_a_whole_unit_alert(notice):
    from dataclasses import replace

    body = email_body(replace(notice, desk_code=None, desk_name=None, camera_code=None, details={}))
    assert "Quầy: Toàn đơn vị" in body and "Desk: Whole unit" in body and "Chi tiết: —" in body


def test_email_login_rejected_never_shows_the_password(smtp_server, notice):
    channel = EmailChannel(smtp_server.hostname, smtp_server.port, "deskaudit@hcc.example.vn", ["a@b.vn"],
                           username="deskaudit", password=PASSWORD, timeout_s=2)
    with pytest.raises(ChannelError, match="SMTPAuthenticationError") as raised:
        channel.send(notice)
    assert PASSWORD not in str(raised.value) and not smtp_server.inbox.envelopes


def test_email_server_down(notice):
    port = free_port()
    with pytest.raises(ChannelError, match=f"127.0.0.1:{port}"):
        EmailChannel("127.0.0.1", port, "deskaudit@hcc.example.vn", ["a@b.vn"], timeout_s=1).send(notice)


# --- MQTT ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def prefix() -> str:
    return f"deskaudit-test-{uuid.uuid4().hex[:12]}"


def test_topic_segments_never_carry_wildcards_or_levels():
    assert topic_segment("Q-01") == "Q-01"
    assert topic_segment("a/b+c#") == "a_b_c_"
    assert topic_segment(None) == "_unit"
    with pytest.raises(ValueError, match="empty code"):
        topic_segment("  ")
    channel = MqttChannel("127.0.0.1", prefix="site/+a")
    assert channel.topic("HCC", None, "alert") == "site/_a/HCC/_unit/alert"


def test_mqtt_alert_reaches_a_subscriber(mqtt_broker, prefix, notice):
    client, received = subscriber(mqtt_broker, f"{prefix}/#")
    channel = MqttChannel(*mqtt_broker, prefix=prefix, timeout_s=3)
    try:
        assert isinstance(channel, Channel) and channel.name == "mqtt"
        channel.send(notice)
        message = received.get(timeout=3)
    finally:
        channel.close()
        stop(client)
    assert message.topic == f"{prefix}/HCC-TINH/Q-01/alert"
    assert json.loads(message.payload.decode("utf-8")) == notice.payload()
    assert message.qos == 1 and not message.retain


def test_mqtt_desk_state_is_retained_for_later_subscribers(mqtt_broker, prefix, notice):
    state = {"presence": "absent", "queue": 4, "health": "ok", "open_alerts": [42], "ghi_chú": "Vắng mặt"}
    channel = MqttChannel(*mqtt_broker, prefix=prefix, timeout_s=3)
    topic = f"{prefix}/HCC-TINH/Q-01/state"
    try:
        deadline = time.monotonic() + 3
        while not channel.publish_state("HCC-TINH", "Q-01", state):  # False until connected, never blocks
            assert time.monotonic() < deadline, "channel never connected"
            time.sleep(0.02)
        channel.send(notice)  # one client's messages are handled in order: after this PUBACK the state is stored
        client, received = subscriber(mqtt_broker, topic)  # a new subscriber, after the publish
        try:
            message = received.get(timeout=3)
        finally:
            stop(client)
        assert message.topic == topic and message.retain
        assert json.loads(message.payload.decode("utf-8")) == state
    finally:
        cleaner = mqtt.Client(CallbackAPIVersion.VERSION2)
        cleaner.connect(*mqtt_broker)
        cleaner.loop_start()
        cleaner.publish(topic, b"", qos=1, retain=True).wait_for_publish(3)
        stop(cleaner)
        channel.close()


def test_mqtt_broker_unreachable(notice):
    channel = MqttChannel("127.0.0.1", free_port(), prefix="deskaudit-test-down", timeout_s=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(ChannelError, match="not connected"):
            channel.send(notice)
        assert time.monotonic() - started < 1.5
        assert channel.publish_state("HCC-TINH", "Q-01", {"presence": "present"}) is False
    finally:
        channel.close()
