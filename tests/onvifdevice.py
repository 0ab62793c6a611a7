"""A small ONVIF device on 127.0.0.1 for the tests: the SOAP operations a client needs to find a stream
(GetSystemDateAndTime, GetServices, GetCapabilities, GetProfiles, GetStreamUri, GetSnapshotUri), with
WS-Security UsernameToken PasswordDigest checked in full and a NotAuthorized fault for a wrong password.

Channels are video sources; each has a main (1920×1080) and a sub (704×576) profile. ``stream_uris`` and
``snapshot_uris`` map a profile token to what GetStreamUri / GetSnapshotUri answer.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" '
            'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:ter="http://www.onvif.org/ver10/error">'
            '<s:Body>{body}</s:Body></s:Envelope>')
NOT_AUTHORIZED = ('<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value>'
                  '</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason>'
                  '</s:Fault>')


class FakeOnvifDevice:
    """``channels`` video sources; ``username``/``password`` required on every request but the clock."""

    def __init__(self, *, channels: int = 2, username: str = "admin", password: str = "secret") -> None:
        self.channels, self.username, self.password = channels, username, password
        self.stream_uris: dict[str, str] = {}
        self.snapshot_uris: dict[str, str] = {}
        self.requests: list[str] = []  # operation names, in order
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, channel: int = 1, stream: str = "main", snapshot: bool = False) -> str:
        return f"onvif://127.0.0.1:{self.port}/?channel={channel}&" + ("snapshot=1" if snapshot else f"stream={stream}")

    def __enter__(self) -> FakeOnvifDevice:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- SOAP --------------------------------------------------------------------------------------
    def _authorised(self, body: str) -> bool:
        user = re.search(r"<(?:[\w-]+:)?Username>([^<]*)<", body)
        digest = re.search(r"<(?:[\w-]+:)?Password[^>]*>([^<]*)<", body)
        nonce = re.search(r"<(?:[\w-]+:)?Nonce[^>]*>([^<]*)<", body)
        created = re.search(r"<(?:[\w-]+:)?Created[^>]*>([^<]*)<", body)
        if not (user and digest and nonce and created) or user.group(1) != self.username:
            return False
        expected = base64.b64encode(hashlib.sha1(base64.b64decode(nonce.group(1)) + created.group(1).encode()
                                                 + self.password.encode()).digest()).decode()
        return expected == digest.group(1)

    def _profiles(self) -> str:
        parts = []
        for channel in range(1, self.channels + 1):
            for name, (width, height) in (("sub", (704, 576)), ("main", (1920, 1080))):  # listed sub first
                token = f"ch{channel}-{name}"
                parts.append(
                    f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{token}</tt:Name>'
                    f'<tt:VideoSourceConfiguration token="vsc{channel}"><tt:Name>vsc{channel}</tt:Name>'
                    f'<tt:UseCount>2</tt:UseCount><tt:SourceToken>source{channel}</tt:SourceToken>'
                    f'<tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>'
                    f'<tt:VideoEncoderConfiguration token="vec-{token}"><tt:Name>vec-{token}</tt:Name>'
                    f'<tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution>'
                    f'<tt:Width>{width}</tt:Width><tt:Height>{height}</tt:Height></tt:Resolution>'
                    f'<tt:Quality>5</tt:Quality><tt:SessionTimeout>PT60S</tt:SessionTimeout>'
                    f'</tt:VideoEncoderConfiguration></trt:Profiles>')
        return "<trt:GetProfilesResponse>" + "".join(parts) + "</trt:GetProfilesResponse>"

    def _answer(self, operation: str, body: str) -> tuple[int, str]:
        base = f"http://127.0.0.1:{self.port}/onvif"
        if operation == "GetSystemDateAndTime":
            now = datetime.now(timezone.utc)
            return 200, (
                "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
                "<tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime>"
                f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute>"
                f"<tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>{now.year}</tt:Year>"
                f"<tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date></tt:UTCDateTime>"
                "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>")
        if not self._authorised(body):
            return 400, NOT_AUTHORIZED
        if operation == "GetServices":
            services = "".join(
                f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{base}/{path}</tds:XAddr>"
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
                for ns, path in (("http://www.onvif.org/ver10/device/wsdl", "device_service"),
                                 ("http://www.onvif.org/ver10/media/wsdl", "media_service")))
            return 200, f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"
        if operation == "GetCapabilities":
            return 200, ("<tds:GetCapabilitiesResponse><tds:Capabilities>"
                         f"<tt:Media><tt:XAddr>{base}/media_service</tt:XAddr></tt:Media>"
                         "</tds:Capabilities></tds:GetCapabilitiesResponse>")
        if operation == "GetProfiles":
            return 200, self._profiles()
        token = re.search(r"<(?:[\w-]+:)?ProfileToken>([^<]*)<", body)
        token_value = token.group(1) if token else ""
        if operation in ("GetStreamUri", "GetSnapshotUri"):
            uris = self.stream_uris if operation == "GetStreamUri" else self.snapshot_uris
            if token_value not in uris:
                return 400, ('<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason>'
                             '<s:Text xml:lang="en">No such profile</s:Text></s:Reason></s:Fault>')
            return 200, (f"<trt:{operation}Response><trt:MediaUri><tt:Uri>{uris[token_value]}</tt:Uri>"
                         "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
                         "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>"
                         f"</trt:MediaUri></trt:{operation}Response>")
        return 400, ('<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason>'
                     f'<s:Text xml:lang="en">{operation} not supported</s:Text></s:Reason></s:Fault>')

    def _handler(self):
        device = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
                found = re.search(r"<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)", body)
                operation = found.group(1) if found else "?"
                device.requests.append(operation)
                status, answer = device._answer(operation, body)
                data = ENVELOPE.format(body=answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
