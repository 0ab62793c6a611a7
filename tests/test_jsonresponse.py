"""JSON responses through orjson: the same JSON the standard library gave, keys as written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from web.jsonresponse import FastJSONProvider


@dataclass
class Point:
    x: int
    y: str


def _bodies(value):
    fast_app, std_app = Flask("fast"), Flask("std")
    fast_app.json = FastJSONProvider(fast_app)
    std_app.json = DefaultJSONProvider(std_app)
    std_app.json.sort_keys = False
    with fast_app.app_context():
        fast = fast_app.json.response(value)
    with std_app.app_context():
        std = std_app.json.response(value)
    return fast, std


def test_responses_read_back_as_the_standard_librarys():
    value = {"z": 1, "a": "Quầy số 1 – Tư pháp", "when": datetime(2026, 3, 2, 9, 15, tzinfo=timezone.utc),
             "day": date(2026, 3, 2), "point": Point(1, "ý"), 7: [1.5, None, True]}
    fast, std = _bodies(value)
    assert fast.mimetype == std.mimetype == "application/json"
    assert json.loads(fast.get_data()) == json.loads(std.get_data())
    assert list(json.loads(fast.get_data())) == ["z", "a", "when", "day", "point", "7"]  # order kept


def test_non_ascii_is_plain_utf8_and_dates_keep_flasks_format():
    fast, _ = _bodies({"name": "Diễn Châu", "day": date(2026, 3, 2)})
    body = fast.get_data()
    assert "Diễn Châu".encode() in body and b"\\u" not in body
    assert json.loads(body)["day"] == "Mon, 02 Mar 2026 00:00:00 GMT"


def test_what_orjson_refuses_falls_back_to_the_standard_library():
    fast, std = _bodies({"big": 2**70, "name": "Diễn Châu"})
    assert json.loads(fast.get_data()) == json.loads(std.get_data()) == {"big": 2**70, "name": "Diễn Châu"}
