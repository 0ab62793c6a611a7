"""Sign-in: Flask-Login sessions for people, bearer tokens for API clients, login rate limiting.

Every request needs a signed-in user except the login page and static files; pages redirect to
the login page, the API answers 401 in JSON.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select

from models.access import ApiToken, User
from web.db import get_session
from web.passwords import verify_password

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
PUBLIC_ENDPOINTS = {"auth.login", "static"}
HOME = "home"  # the endpoint a signed-in user lands on
TOKEN_PREFIX = "da_"


class WebUser:
    """The signed-in user as Flask-Login sees it: the User row's fields the app needs, detached."""

    def __init__(self, row: User, via_token: bool = False):
        self.id, self.username, self.role, self.full_name = row.id, row.username, row.role, row.full_name
        self.units = list(row.units)
        self.via_token = via_token
        self.is_authenticated, self.is_active, self.is_anonymous = True, row.active, False

    def get_id(self) -> str:
        return str(self.id)


class LoginLimiter:
    """At most ``per_user`` failed sign-ins per user name and ``per_address`` per address in ``window_s``."""

    def __init__(self, per_user: int = 5, per_address: int = 20, window_s: float = 900):
        self.per_user, self.per_address, self.window_s = per_user, per_address, window_s
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            return (self._count(f"u:{username.lower()}") >= self.per_user
                    or self._count(f"a:{address}") >= self.per_address)

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures[f"u:{username.lower()}"].append(now)
            self._failures[f"a:{address}"].append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{username.lower()}", None)

    def _count(self, key: str) -> int:
        times, horizon = self._failures[key], time.monotonic() - self.window_s
        while times and times[0] < horizon:
            times.popleft()
        return len(times)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.extensions["deskaudit.login_limiter"] = LoginLimiter(**app.config.get("LOGIN_LIMITS", {}))

    @login_manager.user_loader
    def load_user(user_id: str):
        row = get_session().get(User, int(user_id)) if user_id.isdigit() else None
        return WebUser(row) if row is not None and row.active else None

    @login_manager.request_loader
    def load_from_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        db = get_session()
        token = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(header[7:].strip()),
                                                 ApiToken.revoked_at.is_(None)))
        if token is None:
            return None
        row = db.get(User, token.user_id)
        if row is None or not row.active:
            return None
        token.last_used_at = datetime.now(timezone.utc)
        db.commit()
        return WebUser(row, via_token=True)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            from web.api.errors import error_response

            return error_response(401, "authentication required: sign in or send Authorization: Bearer TOKEN")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    from flask import current_app

    if current_user.is_authenticated:
        return redirect(url_for(HOME))
    error, status = None, 200
    if request.method == "POST":
        limiter: LoginLimiter = current_app.extensions["deskaudit.login_limiter"]
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        address = request.remote_addr or "-"
        if limiter.blocked(username, address):
            error, status = _("Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau 15 phút."), 429
        else:
            db = get_session()
            row = db.scalar(select(User).where(User.username == username))
            if row is not None and row.active and verify_password(row.password_hash, password):
                limiter.succeeded(username)
                row.last_login_at = datetime.now(timezone.utc)
                db.commit()
                language = session.get("lang")
                session.clear()  # a fresh session on sign-in (no fixation); only the language choice stays
                if language:
                    session["lang"] = language
                login_user(WebUser(row))
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            limiter.failed(username, address)
            error, status = _("Tên đăng nhập hoặc mật khẩu không đúng."), 401
    return render_template("login.html", error=error), status


@bp.post("/logout")
def logout():
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("Đã đăng xuất."))
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) is followed after sign-in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(HOME)


def api_request() -> bool:
    return request.path.startswith("/api/")


__all__ = ["WebUser", "bp", "init_app", "login_manager", "new_token", "token_hash", "g"]
