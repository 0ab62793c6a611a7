"""Working-hours profiles (by season and weekday), dated overrides, rosters and excused absence."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, enum_column
from models.enums import DEFAULT_TIMEZONE, AbsenceKind, OverrideKind, Session


class HoursProfile(Timestamps, Base):
    """Working hours decided for some units (e.g. by a provincial UBND decision); ``decision_ref`` and
    ``effective_from`` name the latest decision, and ``sessions`` hold every decision's rows (versions)."""

    __tablename__ = "hours_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    decision_ref: Mapped[str | None] = mapped_column(String(255))
    effective_from: Mapped[date | None] = mapped_column(Date)

    sessions: Mapped[list[HoursSession]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="(HoursSession.effective_from, HoursSession.season, HoursSession.weekday, HoursSession.start_time)",
    )


class HoursSession(Base):
    """One working session on one weekday of one season ("mm-dd".."mm-dd", may wrap the new year), in the hours
    decision in force from ``effective_from`` (null: from the start) until the next one's.

    ``flagged_desks_only`` marks sessions that apply only to desks
    with ``saturday_reception`` (optional Saturday-morning reception).
    """

    __tablename__ = "hours_sessions"
    __table_args__ = (UniqueConstraint("profile_id", "effective_from", "season", "weekday", "start_time",
                                       name="uq_hours_sessions_version_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("hours_profiles.id", ondelete="CASCADE"), index=True)
    season: Mapped[str] = mapped_column(String(64))
    season_from: Mapped[str] = mapped_column(String(5))
    season_to: Mapped[str] = mapped_column(String(5))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    flagged_desks_only: Mapped[bool] = mapped_column(default=False)
    effective_from: Mapped[date | None] = mapped_column(Date)
    decision_ref: Mapped[str | None] = mapped_column(String(255))

    profile: Mapped[HoursProfile] = relationship(back_populates="sessions")


class HoursOverride(Timestamps, Base):
    """A dated exception: a holiday, a make-up working day, special hours; null unit = every unit."""

    __tablename__ = "hours_overrides"
    __table_args__ = (UniqueConstraint("unit_id", "day", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[OverrideKind] = mapped_column(enum_column(OverrideKind, "override_kind"))
    sessions: Mapped[list | None] = mapped_column()  # [["07:30","11:30"], ...] for custom hours
    decision_ref: Mapped[str | None] = mapped_column(String(255))
    effective_from: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class RosterPattern(Timestamps, Base):
    """A rotation, e.g. one official moving weekly across a list of desks."""

    __tablename__ = "roster_patterns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    desk_sequence: Mapped[list] = mapped_column()  # desk codes in rotation order
    period_days: Mapped[int] = mapped_column(Integer, default=7)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class RosterEntry(Timestamps, Base):
    """Who staffs which desk on which day and session (expanded from patterns or imported)."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("desk_id", "day", "session", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))
    day: Mapped[date] = mapped_column(Date)
    session: Mapped[Session] = mapped_column(enum_column(Session, "roster_session"))
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("roster_patterns.id"))
    source: Mapped[str | None] = mapped_column(String(255))

    staff = relationship("Staff")
    desk = relationship("Desk")


class ExcusedAbsence(Timestamps, Base):
    """Leave, official trip (công tác) or training, with the document that authorises it."""

    __tablename__ = "excused_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[AbsenceKind] = mapped_column(enum_column(AbsenceKind, "absence_kind"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    document_ref: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(128))

    staff = relationship("Staff")


Index("ix_roster_entries_desk_day", RosterEntry.desk_id, RosterEntry.day)
Index("ix_excused_absences_staff_period", ExcusedAbsence.staff_id, ExcusedAbsence.starts_at, ExcusedAbsence.ends_at)
