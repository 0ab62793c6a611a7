"""Sign-in: Flask-Login sessions for people, bearer tokens for API clients, login rate limiting.

Every request needs a signed-in user except the login page and static files; pages redirect to
the login page, the API answers 401 in JSON.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from models.access import ApiToken, LoginFailure, User, user_units
from models.enums import Role
from models.org import Staff, Unit
from web.cache import cached
from web.db import get_session
from web.passwords import verify_password
from web.read import now_utc
from web.scope import staff_gate

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
PUBLIC_ENDPOINTS = {"auth.login", "static", "overview.healthz", "overview.readyz"}
HOME = "home"  # the endpoint a signed-in user lands on
TOKEN_PREFIX = "da_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how exactly api_tokens.last_used_at follows use


class UnitRef(NamedTuple):
    id: int
    code: str


class WebUser:
    """The signed-in user as Flask-Login sees it: plain fields, read with two light queries per request."""

    def __init__(self, row, units: list[UnitRef], via_token: bool = False):
        self.id, self.username, self.role, self.full_name = row.id, row.username, row.role, row.full_name
        self.staff_id = row.staff_id
        self.units = units
        self.via_token = via_token
        self.is_authenticated, self.is_active, self.is_anonymous = True, row.active, False

    def get_id(self) -> str:
        return str(self.id)


USER_FIELDS = (User.id, User.username, User.role, User.full_name, User.active, User.staff_id)
# Built once: every request runs two of these, and building a statement costs more than SQLite running it.
USER_BY_ID = select(*USER_FIELDS).where(User.id == bindparam("user_id"))
USER_BY_TOKEN = (select(*USER_FIELDS, ApiToken.id.label("token_id"), ApiToken.last_used_at)
                 .join(ApiToken, ApiToken.user_id == User.id)
                 .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None)))
UNITS_OF_USER = (select(Unit.id, Unit.code).join(user_units, user_units.c.unit_id == Unit.id)
                 .where(user_units.c.user_id == bindparam("user_id")).order_by(Unit.code))


def web_user(db: Session, row, via_token: bool = False) -> WebUser | None:
    """The WebUser of a users row (or a row of USER_FIELDS); None when it is missing or deactivated, or a staff
    account whose official is gone or deactivated."""
    if row is None or not row.active:
        return None
    if row.role is Role.STAFF and (row.staff_id is None or not db.scalar(
            select(Staff.active).where(Staff.id == row.staff_id))):
        return None
    units = [UnitRef(*u) for u in db.execute(UNITS_OF_USER, {"user_id": row.id})]
    return WebUser(row, units, via_token)


class LoginLimiter:
    """At most ``per_user`` failed sign-ins per user name and ``per_address`` per address in ``window_s``.

    Failures are rows of ``login_failures``, so every web worker process (``run web --workers N``)
    counts the same ones; rows older than the window are deleted as new failures come in.
    """

    def __init__(self, per_user: int = 5, per_address: int = 20, window_s: float = 900):
        self.per_user, self.per_address, self.window_s = per_user, per_address, window_s

    def blocked(self, db: Session, username: str, address: str) -> bool:
        return (self._count(db, _user_key(username)) >= self.per_user
                or self._count(db, _address_key(address)) >= self.per_address)

    def failed(self, db: Session, username: str, address: str) -> None:
        now = now_utc()
        db.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=self.window_s)))
        db.add_all([LoginFailure(key=_user_key(username), at=now), LoginFailure(key=_address_key(address), at=now)])
        db.commit()

    def succeeded(self, db: Session, username: str) -> None:
        db.execute(delete(LoginFailure).where(LoginFailure.key == _user_key(username)))

    def _count(self, db: Session, key: str) -> int:
        horizon = now_utc() - timedelta(seconds=self.window_s)
        return db.scalar(select(func.count()).select_from(LoginFailure)
                         .where(LoginFailure.key == key, LoginFailure.at >= horizon))


def _user_key(username: str) -> str:
    return "u:" + username.lower()[:190]


def _address_key(address: str) -> str:
    return "a:" + address[:190]


class SlidingSession(SecureCookieSessionInterface):
    """Sign-ins last PERMANENT_SESSION_LIFETIME (8 h) from the last activity, as before, but the cookie is
    re-signed and re-sent at most every ``refresh_s`` (5 min), not on every response: signing (with zlib)
    was a noticeable share of a request's time, and a session's end moves by at most those minutes."""

    refresh_s = 300

    def should_set_cookie(self, app: Flask, session) -> bool:
        now = int(time.time())
        if not session.modified:
            if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
                return False
            if now - int(session.get("_seen", 0)) < self.refresh_s:
                return False
        if session.permanent:
            session["_seen"] = now  # saved with the cookie this response sends
        return True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def init_app(app: Flask) -> None:
    app.session_interface = SlidingSession()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.extensions["deskaudit.login_limiter"] = LoginLimiter(**app.config.get("LOGIN_LIMITS", {}))

    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None

        def read() -> WebUser | None:
            db = get_session()
            return web_user(db, db.execute(USER_BY_ID, {"user_id": int(user_id)}).first())

        return cached("users", ("id", int(user_id)), read)

    @login_manager.request_loader
    def load_from_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        digest = token_hash(header[7:].strip())

        def read() -> WebUser | None:
            db = get_session()
            row = db.execute(USER_BY_TOKEN, {"token_hash": digest}).first()
            user = web_user(db, row, via_token=True)
            now = now_utc()
            if user is not None and (row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION):
                db.execute(update(ApiToken).where(ApiToken.id == row.token_id).values(last_used_at=now))
                db.commit()  # at most one write a minute per token, not one per API call
            return user

        return cached("users", ("token", digest), read)

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
        staff_gate()
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
        db = get_session()
        if limiter.blocked(db, username, address):
            error, status = _("Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau 15 phút."), 429
        else:
            row = db.scalar(select(User).where(User.username == username))
            password_ok = row is not None and verify_password(row.password_hash, password)
            signed = web_user(db, row) if password_ok else None
            if password_ok and row.active and signed is None:
                limiter.succeeded(db, username)
                db.commit()
                return render_template("login.html", error=_(
                    "Tài khoản này gắn với một cán bộ đã thôi được theo dõi; liên hệ quản trị viên.")), 403
            if signed is not None:
                limiter.succeeded(db, username)
                row.last_login_at = now_utc()
                db.commit()
                language = session.get("lang")
                session.clear()  # a fresh session on sign-in (no fixation); only the language choice stays
                if language:
                    session["lang"] = language
                login_user(signed)
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            limiter.failed(db, username, address)
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


__all__ = ["WebUser", "bp", "init_app", "login_manager", "new_token", "token_hash"]
