"""The JSON API, ``/api/v1``: the same role and unit scoping as the pages, token or session auth,
JSON errors, pagination, and an OpenAPI document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from web.api.errors import error_response, http_error
from web.api.openapi import document, spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000  # far beyond any real list; larger pages would overflow the database's OFFSET


def page_args() -> tuple[int, int]:
    """``?page=`` (1..1,000,000) and ``?per_page=`` (1..500, default 50); a bad value is a 400."""
    from flask import abort

    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        abort(400, "page and per_page must be whole numbers")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        abort(400, f"page must be within 1..{MAX_PAGE} and per_page within 1..{MAX_PER_PAGE}")
    return page, per_page


def total_of(query) -> int:
    """How many rows ``query`` selects (before paging)."""
    from sqlalchemy import func, select

    from web.db import get_session

    return get_session().scalar(select(func.count()).select_from(query.subquery()))


def page_of(query, page: int, per_page: int):
    """``query`` limited to page ``page`` of ``per_page`` rows (order it first)."""
    return query.limit(per_page).offset((page - 1) * per_page)


def paginated(items: list, total: int, page: int, per_page: int, **extra):
    """A page of a list; ``extra``: what the endpoint declares beside the items (``document(list_extra=)``)."""
    return jsonify(items=items, page=page, per_page=per_page, total=total,
                   pages=(total + per_page - 1) // per_page if total else 0, **extra)


@bp.get("/openapi.json")
@document("/openapi.json", "get", "This OpenAPI document", tag="meta", response={"type": "object"})
def openapi():
    return jsonify(spec(request.url_root.rstrip("/")))


def init_app(app: Flask) -> None:
    from web.api import resources  # noqa: F401  (registers the endpoints on ``bp``)

    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def api_errors(error: HTTPException):
        if request.path.startswith("/api/"):
            return http_error(error)
        return error

    @app.errorhandler(Exception)
    def api_crash(error: Exception):
        if request.path.startswith("/api/"):
            app.logger.exception("API error on %s", request.path)
            return error_response(500, "internal error")
        raise error


__all__ = ["bp", "document", "error_response", "init_app", "page_args", "paginated"]
