"""What every API endpoint shares: reading query and JSON input (400 / 415 / 422 naming the field),
the API's wording of scoped look-ups (404 outside the caller's units), JSON values, and OpenAPI pieces.

The decisions behind them (the clock, what a month is, what ``?unit=`` covers, the scope check, the access
log) are web/read.py's, shared with the pages; here they get the API's English messages that name the field."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, NoReturn

from flask import abort, request
from sqlalchemy import select

from models.access import User
from models.enums import DEFAULT_TIMEZONE, local_zone
from models.org import Desk, Unit
from web.db import get_session
from web.read import FIRST_YEAR, LAST_YEAR, LOCAL, desk_in_scope, is_month, scoped_or_404, unit_in_scope, units_under
from web.scope import unit_directory

MAX_ID = 2**31 - 1  # ids above this exist in no table: a 404, never a database overflow
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# --- OpenAPI pieces ------------------------------------------------------------------------------

STR, INT, BOOL, NUM = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
OPT_STR, OPT_INT, OPT_NUM = {"type": ["string", "null"]}, {"type": ["integer", "null"]}, {"type": ["number", "null"]}
TIME = {"type": "string", "format": "date-time"}
OPT_TIME = {"type": ["string", "null"], "format": "date-time"}
DAY = {"type": "string", "format": "date"}
# what clients send
_YEAR = "(19[7-9][0-9]|20[0-9][0-9]|2100)"  # FIRST_YEAR..LAST_YEAR
MONTH_SCHEMA = {"type": "string", "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$"}
DAY_SCHEMA = {"type": "string", "format": "date", "pattern": f"^{_YEAR}-"}
TIME_SCHEMA = {"type": "string", "format": "date-time",
               "description": f"ISO 8601, years {FIRST_YEAR}–{LAST_YEAR}; without an offset: {DEFAULT_TIMEZONE}"}
CODE_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}  # as in the site config


def obj(properties: dict) -> dict:
    """An answer's object schema: exactly these properties, every one always present (null where allowed)."""
    return {"type": "object", "required": list(properties), "properties": properties, "additionalProperties": False}


def id_param(name: str = "id", what: str = "id") -> dict:
    return {"name": name, "in": "path", "required": True, "description": what, "example": 1,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def query_param(name: str, description: str, schema: dict | None = None, *, required: bool = False,
                example: str | None = None) -> dict:
    """A query parameter; without ``schema`` it is a code (unit, desk, official)."""
    param = {"name": name, "in": "query", "required": required, "description": description,
             "schema": schema or CODE_SCHEMA}
    if example is not None:
        param["example"] = example
    return param


def enum_schema(enum: type[Enum], *, nullable: bool = False) -> dict:
    values = [member.value for member in enum]
    return {"type": ["string", "null"], "enum": [*values, None]} if nullable else {"type": "string", "enum": values}


# --- errors --------------------------------------------------------------------------------------


def fail(status: int, message: str) -> NoReturn:
    """Stop the request with a JSON error ``status`` whose message names the field."""
    abort(status, message)


# --- query parameters ----------------------------------------------------------------------------


def clean(value: Any, field: str, *, max_length: int = 4000, status: int = 400) -> str:
    """``value`` as text without control characters (NUL and friends never reach the database)."""
    if not isinstance(value, str):
        fail(status, f"{field}: expected text, got {type(value).__name__}")
    if _CONTROL.search(value):
        fail(status, f"{field}: control characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail(status, f"{field}: not valid Unicode text")
    if len(value) > max_length:
        fail(status, f"{field}: at most {max_length} characters")
    return value


def path_code(value: str, field: str, what: str) -> str:
    """A code from the URL path; one no row could have (too long, control characters) is simply not found."""
    if len(value) > 64 or _CONTROL.search(value):
        fail(404, f"{field}: no {what} with that code in your units")
    return value


def arg(name: str, *, required: bool = False) -> str | None:
    """The query parameter ``name`` (stripped), None when absent; 400 when blank, or required and missing."""
    value = request.args.get(name)
    if value is None:
        if required:
            fail(400, f"{name}: required query parameter")
        return None
    value = clean(value, name, max_length=200).strip()
    if not value:
        fail(400, f"{name}: must not be empty (leave the parameter out instead)")
    return value


def arg_choice(name: str, enum: type[Enum]) -> Enum | None:
    value = arg(name)
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        fail(400, f"{name}: {value!r} is not one of {', '.join(m.value for m in enum)}")


def arg_month(name: str = "month", *, required: bool = False) -> str | None:
    value = arg(name, required=required)
    return parse_month(value, name) if value is not None else None


def parse_month(value: str, field: str = "month") -> str:
    if not is_month(value):
        fail(400, f"{field}: {value!r} is not a month YYYY-MM between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def parse_day(value: str, field: str = "day") -> date:
    try:
        day = date.fromisoformat(value) if _DAY.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        fail(400, f"{field}: {value!r} is not a date YYYY-MM-DD between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def parse_time(value: Any, field: str, *, status: int = 400) -> datetime:
    """ISO 8601 date-time; without an offset it is local time (``DEFAULT_TIMEZONE``). Returned in UTC."""
    text = clean(value, field, max_length=64, status=status).strip()
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=LOCAL)
        parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        fail(status, f"{field}: {text!r} is not an ISO 8601 date-time, e.g. 2026-03-31T07:30:00+07:00")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        fail(status, f"{field}: {text!r} is outside {FIRST_YEAR}–{LAST_YEAR}")
    return parsed


def day_range(day: date, zone: str | None = None) -> tuple[datetime, datetime]:
    """UTC bounds of a local day."""
    start = datetime.combine(day, time(), local_zone(zone))
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


# --- JSON bodies ---------------------------------------------------------------------------------


def json_body(allowed: set[str], required: set[str] = frozenset(), *, optional_body: bool = False) -> dict:
    """The request's JSON object: 415 when it is not JSON, 400 when malformed, unknown or missing keys."""
    if optional_body and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        fail(415, "send JSON with Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        fail(400, "body: not valid JSON")
    if not isinstance(body, dict):
        fail(400, "body: expected a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        fail(400, f"{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(k for k in required if body.get(k) is None)
    if missing:
        fail(400, f"{missing[0]}: required")
    return body


def body_text(body: dict, field: str, *, required: bool = False, max_length: int = 4000,
              label: str | None = None) -> str | None:
    """A text field of the body, stripped; None when absent, null or empty (400 when required).

    ``label`` names the field in messages when it sits inside a list (``items[2].result``).
    """
    label = label or field
    value = body.get(field)
    if value is None:
        if required:
            fail(400, f"{label}: required")
        return None
    value = clean(value, label, max_length=max_length).strip()
    if not value and required:
        fail(400, f"{label}: must not be empty")
    return value or None


# --- scope ---------------------------------------------------------------------------------------


def unit_codes() -> dict[int, str]:
    """Code of every unit by id (a small table, read once per request)."""
    return unit_directory().codes


def arg_units(name: str = "unit") -> list[int]:
    """The unit ids ``?unit=`` covers: that unit and the units below it (all of yours without it); 404 if not yours."""
    code = arg(name)
    return sorted(units_under(code, f"{name}: no unit {code!r} in your units"))


def scoped(model, object_id: int, label: str, unit_id_of=lambda o: o.unit_id):
    """The row ``object_id`` of ``model`` when it belongs to a visible unit; 404 naming ``label`` otherwise."""
    row = get_session().get(model, object_id) if 1 <= object_id <= MAX_ID else None
    return scoped_or_404(row, unit_id_of, f"no {label} #{object_id} in your units")


def visible_unit(code: str, field: str = "unit", status: int = 404) -> Unit:
    return unit_in_scope(code, f"{field}: no unit {code!r} in your units", status)


def visible_desk(code: str, field: str = "desk", status: int = 404) -> Desk:
    return desk_in_scope(code, f"{field}: no desk {code!r} in your units", status)


def usernames(ids) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(get_session().execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


# --- values --------------------------------------------------------------------------------------


def iso(value: datetime | date | None) -> str | None:
    """Times as ISO 8601 in UTC with the offset; dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)).isoformat()
    return value.isoformat()


def number(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def value_of(member: Enum | None) -> str | None:
    return None if member is None else member.value
