"""JSON errors for the API: one shape, ``{"error": {"status": 404, "message": "…"}}``."""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

MESSAGES = {400: "bad request", 401: "authentication required", 403: "forbidden: your role may not do this",
            404: "not found", 405: "method not allowed", 409: "conflict",
            415: "send JSON (Content-Type: application/json)",
            422: "invalid input", 429: "too many requests", 500: "internal error"}


def error_response(status: int, message: str | None = None):
    response = jsonify(error={"status": status, "message": message or MESSAGES.get(status, "error")})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="deskaudit"'
    return response


def http_error(error: HTTPException):
    description = error.description if error.description and not error.description.startswith(
        ("The requested URL", "The server could not", "You don't have the permission", "The method is not")) else None
    return error_response(error.code or 500, description)
