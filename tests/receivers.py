"""Real local receivers for the alert channels: an HTTP webhook server, an SMTP server, an MQTT subscriber."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paho.mqtt.client as mqtt
from aiosmtpd.controller import Controller
from paho.mqtt.enums import CallbackAPIVersion


def free_port() -> int:
    """A port with nothing listening on it (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout_s: float, what: str, every_s: float = 0.1):
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 recording each POST as (path, headers, body).

    ``behaviour`` is the status code to answer, or ``"hang"`` to never answer (until stopped).
    """

    def __init__(self, behaviour: int | str = 204) -> None:
        self.requests: list[tuple[str, dict, bytes]] = []
        self.behaviour = behaviour
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                if receiver.behaviour == "hang":
                    receiver._release.wait(5)
                    return
                self.send_response(receiver.behaviour)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/deskaudit"

    def start(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def documents(self) -> list[dict]:
        return [json.loads(body) for _, _, body in self.requests]

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class Inbox:
    """An aiosmtpd handler keeping every envelope."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.envelopes.append(envelope)
        return "250 OK"


def smtp_server(**options) -> Controller:
    """A started SMTP server on 127.0.0.1 (a free port) whose ``inbox`` keeps what it receives."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    controller.inbox = inbox
    return controller


def subscriber(broker: tuple[str, int], topic: str) -> tuple[mqtt.Client, queue.Queue]:
    """A separate paho client subscribed to ``topic``; returns once the broker acknowledged the subscription."""
    received, subscribed = queue.Queue(), threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, userdata, flags, rc, props: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda c, userdata, mid, rcs, props: subscribed.set()
    client.on_message = lambda c, userdata, msg: received.put(msg)
    client.connect(*broker)
    client.loop_start()
    assert subscribed.wait(3), f"no SUBACK for {topic}"
    return client, received


def stop(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()
