"""Flask app factory: the web app reads what the sampler writes.

Everything needs a signed-in user (web/auth.py) and is limited to the user's units (web/scope.py).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from models.enums import Role
from web import db as web_db
from web.formatting import init_app as init_formatting
from web.jsonresponse import FastJSONProvider
from web.scope import STAFF_ENDPOINTS

csrf = CSRFProtect()
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
ROLE_LABELS = {"admin": _l("Quản trị"), "inspector": _l("Cán bộ kiểm tra"), "manager": _l("Lãnh đạo đơn vị"),
               "viewer": _l("Người xem"), "staff": _l("Cán bộ (tài khoản cá nhân)")}
# (endpoint, label, roles or None for every role): the menu shows the entries whose view exists
NAV = [
    ("me.index", _l("Trang của tôi"), ("staff",)),
    ("wall.index", _l("Giám sát các quầy"), None),
    ("alerts_page.index", _l("Cảnh báo"), None),
    ("findings_page.index", _l("Phát hiện"), None),
    ("inspections_page.index", _l("Kiểm tra công vụ"), None),
    ("scores_page.index", _l("Kết quả theo dõi"), None),
    ("scores_page.year", _l("Xếp loại năm"), None),
    ("reports_page.index", _l("Báo cáo"), None),
    ("cameras_page.index", _l("Camera"), None),
    ("staff_page.index", _l("Cán bộ"), ("admin", "inspector", "manager")),
    ("settings_page.index", _l("Cài đặt"), ("admin",)),
    ("overview.index", _l("Danh sách đơn vị"), None),
]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from ``test_config``, which must hold ``DATABASE_URL``.

    The app reads no environment: ``deskaudit run web`` fills DATABASE_URL, SECRET_KEY, DATA_DIR and
    SESSION_COOKIE_SECURE from the DESKAUDIT_* settings (deskaudit/cli/webserver.py ``web_config``).
    """
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=None,
        SECRET_KEY=os.urandom(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, except for bearer-token API calls
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        HOME_ENDPOINT="wall.index",
        DATA_DIR=None,  # where snapshots and inspection photos live
        ATTACHMENT_MAX_BYTES=5 * 1024 * 1024,  # an official's scan (DESKAUDIT_ATTACHMENT_MAX_MB)
        TRUSTED_PROXIES=0,  # reverse proxies whose X-Forwarded-For/-Proto are believed (nginx in front: 1)
    )
    app.json = FastJSONProvider(app)  # orjson for responses, keys unsorted (web/jsonresponse.py)
    if test_config:
        app.config.update(test_config)
    if not app.config["DATABASE_URL"]:
        raise RuntimeError("DATABASE_URL is not set: pass it in the config (deskaudit run web takes it from "
                           "DESKAUDIT_DATABASE_URL)")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _trust_proxies(app, app.config["TRUSTED_PROXIES"])

    from web import auth, i18n
    from web.api import init_app as init_api

    web_db.init_app(app)
    init_formatting(app)
    i18n.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    _csrf_check(app)
    app.register_blueprint(auth.bp)
    init_api(app)
    for blueprint in _page_blueprints():
        app.register_blueprint(blueprint)

    @app.get("/", endpoint="home")
    def home():
        endpoint = "me.index" if current_user.role is Role.STAFF else app.config["HOME_ENDPOINT"]
        return redirect(url_for(endpoint if endpoint in app.view_functions else "overview.index"))

    @app.context_processor
    def menu():
        def nav_items():
            role = current_user.role.value if current_user.is_authenticated else None
            return [(e, label) for e, label, roles in NAV
                    if e in current_app.view_functions and (roles is None or role in roles)
                    and (role != Role.STAFF.value or e in STAFF_ENDPOINTS)]

        return {"nav_items": nav_items, "role_label": lambda role: ROLE_LABELS.get(str(role), str(role))}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user.is_authenticated and response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _csrf_check(app: Flask) -> None:
    @app.before_request
    def check_csrf():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if current_user.is_authenticated and getattr(current_user, "via_token", False):
            return  # API clients send a bearer token, not a browser cookie: nothing to forge
        csrf.protect()
        return


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, the client is the address the last of them saw (X-Forwarded-For, read
    from the right: entries a client wrote itself further left are ignored); sign-in limits and the access log
    use it. With 0 the headers are ignored, so nobody can choose the address they are counted under."""
    if not isinstance(hops, int) or isinstance(hops, bool) or not 0 <= hops <= 5:
        raise RuntimeError(f"TRUSTED_PROXIES must be a number of proxies 0..5, not {hops!r}")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _page_blueprints():
    """The page blueprints, one per feature, in menu order (a missing module is an ImportError, never skipped)."""
    from web import overview
    from web.pages import (
        alerts,
        camera_admin,
        cameras,
        findings,
        inspections,
        me,
        reports,
        scores,
        settings,
        staff,
        wall,
    )

    return (overview.bp, wall.bp, alerts.bp, findings.bp, inspections.bp, scores.bp, reports.bp, cameras.bp,
            camera_admin.bp, staff.bp, settings.bp, me.bp)
