"""Delivery channels for alert notices: signed webhook, email (SMTP), MQTT.

Each channel sends one ``AlertNotice`` or raises ``ChannelError``; the outbox records the error and retries.
Error texts go to ``alert_deliveries.last_error``, so they name the endpoint but never a secret or password.
The channels are configured by arguments: deskaudit/settings.py builds them from ``DESKAUDIT_*``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import smtplib
import ssl as ssl_lib
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from models.enums import DEFAULT_TIMEZONE
from schedules.alerting.notice import EVENT_LABELS_EN, EVENT_LABELS_VI, AlertNotice

log = logging.getLogger(__name__)

SEVERITY_VI = {"info": "Thông tin", "warning": "Cảnh báo", "critical": "Nghiêm trọng"}
STATUS_VI = {"open": "Đang mở", "acknowledged": "Đã tiếp nhận", "resolved": "Đã kết thúc"}


class ChannelError(Exception):
    """A delivery failed; the outbox retries later. The message never contains a password or secret."""


@runtime_checkable
class Channel(Protocol):
    """What the outbox calls: ``send`` one notice (or raise ``ChannelError``), ``close`` at shutdown."""

    name: str  # stored in alert_deliveries.channel

    def send(self, notice: AlertNotice) -> None: ...

    def close(self) -> None: ...


def _json_bytes(document: object) -> bytes:
    def fallback(value: object) -> str:
        return value.isoformat() if isinstance(value, (date, datetime)) else str(value)

    return json.dumps(document, ensure_ascii=False, default=fallback).encode("utf-8")


def _scrub(text: str, *secrets: str | None) -> str:
    """Defence in depth: a server may echo what we sent, so mask every secret we hold."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def redact_url(url: str) -> str:
    """``https://user:pw@host/hook?token=x`` → ``https://***@host/hook?***``: safe for logs and errors."""
    parts = urllib.parse.urlsplit(url)
    netloc = ("***@" if "@" in parts.netloc else "") + parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


# --- webhook -------------------------------------------------------------------------------------------------------

def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Deskaudit-Signature`` value: ``sha256=<hex HMAC-SHA256(secret, b"<timestamp>." + body)>``."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(secret: str, timestamp: int | str, body: bytes, header: str, *,
                     max_age_s: float | None = None, now: float | None = None) -> bool:
    """What a receiver checks: the signature matches, and (with ``max_age_s``) the timestamp is fresh."""
    try:
        expected = sign(secret, int(timestamp), body)
    except (TypeError, ValueError):
        return False
    if max_age_s is not None and abs((time.time() if now is None else now) - int(timestamp)) > max_age_s:
        return False
    return hmac.compare_digest(expected.encode("ascii"), (header or "").strip().encode("utf-8", "replace"))


def check_webhook_url(url: str) -> str:
    """``url`` when it is ``http://`` or ``https://`` with a host; else ValueError naming it, credentials masked."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"webhook URL {redact_url(url)!r}: expected http:// or https://host/…")
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a bodiless GET and call that a success.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _http_reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        try:
            snippet = " ".join(error.read(300).decode("utf-8", "replace").split())[:200]
        except (OSError, http.client.HTTPException):
            snippet = ""
        return f"HTTP {error.code} {error.reason}" + (f": {snippet}" if snippet else "")
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class WebhookChannel:
    """POST the notice as signed JSON; any answer other than 2xx is a failure."""

    name = "webhook"

    def __init__(self, url: str, secret: str, *, timeout_s: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(check_webhook_url(url))
        if not secret:
            raise ValueError(f"webhook URL {redact_url(url)!r}: a signing secret is required")
        self._auth = None
        if parts.username is not None:  # userinfo in the URL becomes HTTP basic auth
            userinfo = urllib.parse.unquote(parts.netloc.rpartition("@")[0])
            self._auth = "Basic " + base64.b64encode(userinfo.encode("utf-8")).decode("ascii")
        self._url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        self._secret, self._secrets = secret, (secret, parts.password)
        self.timeout_s, self.display_url = timeout_s, redact_url(url)
        self._opener = urllib.request.build_opener(_NoRedirect())

    def send(self, notice: AlertNotice) -> None:
        body = _json_bytes(notice.payload())
        timestamp = int(time.time())
        request = urllib.request.Request(self._url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "deskaudit-alerts",
            "X-Deskaudit-Event": notice.event, "X-Deskaudit-Timestamp": str(timestamp),
            "X-Deskaudit-Signature": sign(self._secret, timestamp, body)})
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                response.read(64 * 1024)
        except (OSError, ValueError, http.client.HTTPException) as error:  # URLError, timeouts, bad status lines
            raise ChannelError(_scrub(f"webhook {self.display_url}: {_http_reason(error)}", *self._secrets)) from None

    def close(self) -> None:
        pass


# --- email ---------------------------------------------------------------------------------------------------------

def email_body(notice: AlertNotice, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The plain-text body: Vietnamese first, then English; times local as dd/mm/yyyy HH:MM."""
    tz = ZoneInfo(timezone)
    opened, at = (t.astimezone(tz).strftime("%d/%m/%Y %H:%M") for t in (notice.opened_at, notice.at))
    details = "; ".join(f"{key} = {value}" for key, value in notice.details.items()) or "—"
    desk_vi = f"{notice.desk_name or notice.desk_code} ({notice.desk_code})" if notice.desk_code else "Toàn đơn vị"
    desk_en = desk_vi if notice.desk_code else "Whole unit"
    unit, camera = f"{notice.unit_name} ({notice.unit_code})", notice.camera_code or "—"
    return "\n".join([
        f"{EVENT_LABELS_VI[notice.event]}: {notice.message}", "",
        f"Đơn vị: {unit}", f"Quầy: {desk_vi}", f"Camera: {camera}",
        f"Mức độ: {SEVERITY_VI.get(notice.severity, notice.severity)}",
        f"Trạng thái: {STATUS_VI.get(notice.status, notice.status)}",
        f"Bắt đầu lúc: {opened}", f"Thời điểm: {at}", f"Chi tiết: {details}", "",
        "-- English --", f"{EVENT_LABELS_EN[notice.event]}: {notice.message_en}", "",
        f"Unit: {unit}", f"Desk: {desk_en}", f"Camera: {camera}", f"Severity: {notice.severity}",
        f"Status: {notice.status}", f"Opened: {opened}", f"Event time: {at}",
        f"Details: {details}", "", f"Alert #{notice.alert_id} ({notice.kind}), deskaudit", ""])


class EmailChannel:
    """One SMTP session per notice: connect, optional STARTTLS/SSL and login, send, quit."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, recipients: list[str], *, username: str | None = None,
                 password: str | None = None, starttls: bool = False, ssl: bool = False, timeout_s: float = 10.0,
                 timezone: str = DEFAULT_TIMEZONE) -> None:
        if starttls and ssl:
            raise ValueError(f"email via {host}:{port}: choose STARTTLS or SSL, not both")
        if not recipients:
            raise ValueError(f"email via {host}:{port}: no recipients")
        self.host, self.port, self.sender, self.recipients = host, port, sender, list(recipients)
        self.username, self._password = username, password
        self.starttls, self.ssl, self.timeout_s, self.timezone = starttls, ssl, timeout_s, timezone

    def message(self, notice: AlertNotice) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = notice.subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid("deskaudit", domain=self.sender.rpartition("@")[2] or "deskaudit")
        message.set_content(email_body(notice, self.timezone))
        return message

    def send(self, notice: AlertNotice) -> None:
        self._deliver(self.message(notice), self.recipients)

    def send_text(self, to: str, subject: str, body: str) -> None:
        """One plain-text message to one address (an official's notice) through the same server."""
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = to
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid("deskaudit", domain=self.sender.rpartition("@")[2] or "deskaudit")
        message.set_content(body)
        self._deliver(message, [to])

    def _deliver(self, message: EmailMessage, recipients: list[str]) -> None:
        try:
            if self.ssl:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                        context=ssl_lib.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with smtp:
                if self.starttls:
                    smtp.starttls(context=ssl_lib.create_default_context())
                if self.username:
                    smtp.login(self.username, self._password or "")
                refused = smtp.send_message(message, from_addr=self.sender, to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as error:
            what = _scrub(f"{type(error).__name__}: {error}", self._password)
            raise ChannelError(f"email via {self.host}:{self.port}: {what}") from None
        if refused:  # the others got it; retrying would send them a duplicate
            log.warning("email via %s:%s: refused recipients %s", self.host, self.port, sorted(refused))

    def close(self) -> None:
        pass


# --- MQTT ----------------------------------------------------------------------------------------------------------

def topic_segment(code: str | None) -> str:
    """A code as one MQTT topic level: ``None`` → ``_unit``; wildcards ``+ #`` and ``/`` become ``_``."""
    if code is None:
        return "_unit"
    segment = "".join("_" if char in "+#/\x00" else char for char in code.strip())
    if not segment:
        raise ValueError(f"topic segment {code!r}: empty code")
    return segment


def topic_prefix(prefix: str) -> str:
    """The topic levels every message is published under (``deskaudit``, ``tinh-x/hcc``); ValueError if one is empty."""
    return "/".join(topic_segment(level) for level in prefix.strip("/").split("/"))


class MqttChannel:
    """One persistent broker connection (reconnecting in paho's thread); alerts QoS 1, desk state retained."""

    name = "mqtt"

    def __init__(self, host: str, port: int = 1883, *, prefix: str = "deskaudit", username: str | None = None,
                 password: str | None = None, client_id: str | None = None, timeout_s: float = 5.0) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.prefix = topic_prefix(prefix)
        self._connected, self._lock, self._started = threading.Event(), threading.Lock(), False
        self._last_problem = "broker unreachable or not answering"
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or "")
        if username:
            self._client.username_pw_set(username, password)
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._last_problem = f"broker refused the connection: {reason_code}"
            return
        self._connected.set()
        log.info("mqtt connected to %s:%s", self.host, self.port)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()
        self._last_problem = f"disconnected: {reason_code}"

    def start(self) -> None:
        """Begin connecting in the background (idempotent); send and publish_state call it too."""
        with self._lock:
            if not self._started:
                self._client.connect_async(self.host, self.port, keepalive=60)
                self._client.loop_start()
                self._started = True

    def topic(self, unit_code: str, desk_code: str | None, leaf: str) -> str:
        return f"{self.prefix}/{topic_segment(unit_code)}/{topic_segment(desk_code)}/{leaf}"

    def send(self, notice: AlertNotice) -> None:
        self.start()
        deadline = time.monotonic() + self.timeout_s
        where = f"mqtt {self.host}:{self.port}"
        if not self._connected.wait(self.timeout_s):
            raise ChannelError(f"{where}: not connected within {self.timeout_s:g} s ({self._last_problem})")
        info = self._client.publish(self.topic(notice.unit_code, notice.desk_code, "alert"),
                                    _json_bytes(notice.payload()), qos=1, retain=False)
        try:
            info.wait_for_publish(max(0.0, deadline - time.monotonic()))
        except (RuntimeError, ValueError) as error:
            raise ChannelError(f"{where}: {error}") from None
        if not info.is_published():
            raise ChannelError(f"{where}: no PUBACK within {self.timeout_s:g} s")

    def publish_state(self, unit_code: str, desk_code: str | None, state: dict) -> bool:
        """Publish a desk's retained state without waiting; False when not connected right now."""
        self.start()
        if not self._connected.is_set():
            return False
        info = self._client.publish(self.topic(unit_code, desk_code, "state"), _json_bytes(state), qos=1, retain=True)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def close(self) -> None:
        with self._lock:
            if self._started:
                self._client.disconnect()
                self._client.loop_stop()
                self._started = False
        self._connected.clear()
