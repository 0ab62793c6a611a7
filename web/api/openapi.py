"""The OpenAPI 3.1 document of ``/api/v1``, assembled from what each endpoint declares with ``document``."""

from __future__ import annotations

from typing import Any

_PATHS: dict[str, dict[str, dict]] = {}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "message"],
    "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}}
PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
]


def list_of(item: dict, extra: dict | None = None) -> dict:
    """The schema of a paginated list of ``item``, with the ``extra`` properties the endpoint answers beside it."""
    extra = extra or {}
    return {"type": "object", "required": ["items", "page", "per_page", "total", "pages", *extra],
            "properties": {"items": {"type": "array", "items": item}, "page": {"type": "integer"},
                           "per_page": {"type": "integer"}, "total": {"type": "integer"},
                           "pages": {"type": "integer"}, **extra}}


def document(path: str, method: str, summary: str, *, tag: str, response: dict, params: list | None = None,
             body: dict | None = None, paginated: bool = False, status: int = 200, errors: tuple[int, ...] = (),
             list_extra: dict | None = None):
    """Declare an endpoint in the OpenAPI document (``path`` relative to /api/v1, OpenAPI ``{id}`` style).

    ``errors``: statuses besides 400, 401, 403, 404, 422 the endpoint answers (409 for workflow conflicts);
    an endpoint with a ``body`` also answers 415 to a body that is not JSON. ``list_extra``: properties a paginated
    list answers beside its items.
    """
    def decorate(view):
        operation: dict[str, Any] = {
            "summary": summary, "tags": [tag], "operationId": view.__name__,
            "parameters": [*(params or []), *(PAGE_PARAMS if paginated else [])],
            "responses": {str(status): {"description": "OK", "content": {"application/json": {
                "schema": list_of(response, list_extra) if paginated else response}}}},
        }
        for code in sorted({400, 401, 403, 404, 422, *errors, *((415,) if body is not None else ())}):
            operation["responses"][str(code)] = {"description": "error",
                                                "content": {"application/json": {"schema": ERROR}}}
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        _PATHS.setdefault(path, {})[method] = operation
        return view
    return decorate


def spec(server: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "deskaudit API", "version": "1",
                 "description": "One-stop desk audit: units, desks, cameras (never credentials), observations, "
                                "presence, findings, alerts, scores. Send Authorization: Bearer TOKEN "
                                "(`deskaudit users token NAME`). Lists are paginated: {items, page, per_page, "
                                "total, pages}."},
        "servers": [{"url": f"{server}/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR}},
        "security": [{"bearer": []}],
        "paths": {path: dict(sorted(ops.items())) for path, ops in sorted(_PATHS.items())},
    }
