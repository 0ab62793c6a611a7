"""People who use deskaudit, their unit scope and API tokens; the access log and the change log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, enum_column, utcnow
from models.enums import ChangeAction, Role
from models.observing import BigId

user_units = Table(
    "user_units",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class User(Timestamps, Base):
    """A user; ``units`` is the scope (a unit includes its descendants). Admins see everything."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # The official a ``staff`` user is (and only for that role); their notices go to ``email``, else the official's.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(255))

    units = relationship("Unit", secondary=user_units, order_by="Unit.code")

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class Notification(Base):
    """A notice to one user (in-app, and by e-mail when an address and a mail server are set): an explanation
    asked of them and its deadline, a reply asked on an inspection's result."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(255))  # a path on this site
    read_at: Mapped[datetime | None] = mapped_column()
    email_to: Mapped[str | None] = mapped_column(String(255))  # None: in-app only
    emailed_at: Mapped[datetime | None] = mapped_column()
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A bearer token for API clients; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class LoginFailure(Base):
    """A failed sign-in, by user name (``u:NAME``) and by address (``a:ADDR``): the rate limit every web process
    shares."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessLog(Base):
    """Who viewed which evidence or exported what, and when (privacy law requires it)."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column()


class ChangeLog(Base):
    """Every edit of configuration (site config import, zone editor, settings): who, when, what.

    ``changes`` maps each field to ``[before, after]``; secret fields appear only as
    ``"<changed>"``.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(255))
    action: Mapped[ChangeAction] = mapped_column(enum_column(ChangeAction, "change_action"))
    changes: Mapped[dict | None] = mapped_column()
    decision_ref: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)


Index("ix_access_log_at", AccessLog.at)
Index("ix_access_log_user_at", AccessLog.user_id, AccessLog.at)
Index("ix_change_log_entity", ChangeLog.entity_type, ChangeLog.entity_key, ChangeLog.at)
