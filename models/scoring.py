"""Imported one-stop dossier statistics, monthly scores and the deductions that explain them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, enum_column
from models.enums import Classification, SanctionLevel


class DossierStat(Base):
    """Dossier counts for one month from the one-stop software, per official or per desk.

    ``on_time``/``early``/``late``: resolved within, before or after the time limit; ``not_yet_due``: unresolved
    within it; ``pending_overdue``: unresolved past it; ``failed``: products that failed the quality check.
    ``role``: ``processing`` (the official resolves) or ``reception`` (the official receives; the received
    dossiers are the products and ``reception_late`` the reception's own delays).
    """

    __tablename__ = "dossier_stats"
    __table_args__ = (UniqueConstraint("month", "unit_id", "desk_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    received: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    not_yet_due: Mapped[int] = mapped_column(Integer)
    early: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pending_overdue: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reception_late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    role: Mapped[str] = mapped_column(String(16), default="processing", server_default="processing")
    source_file: Mapped[str | None] = mapped_column(String(255))
    import_batch: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column()


class Score(Base):
    """A monthly score of one official (Decree 335/2025: 30 general + 70 task results)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("staff_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    month: Mapped[str] = mapped_column(String(7))
    discipline_raw: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # 100 − deductions, floor 0
    general_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # of 30
    task_points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # of 70
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    classification: Mapped[Classification | None] = mapped_column(enum_column(Classification, "score_class"))
    reprimanded: Mapped[bool] = mapped_column(Boolean, default=False)
    emulation_eligible: Mapped[bool | None] = mapped_column(Boolean)
    rule_version: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[datetime] = mapped_column()
    # Coverage (minutes of the period's complete days): rostered desk time, the part on excused absence, the
    # part a healthy camera observed. None: computed before coverage was recorded.
    scheduled_minutes: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))
    excused_minutes: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))
    observed_minutes: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))

    deductions: Mapped[list[ScoreDeduction]] = relationship(back_populates="score", cascade="all, delete-orphan")
    amendments: Mapped[list[ScoreAmendment]] = relationship(back_populates="score", cascade="all, delete-orphan",
                                                            order_by="ScoreAmendment.id")


class ScoreDeduction(Base):
    """One deduction inside a score, linked to the finding or inspection result it comes from."""

    __tablename__ = "score_deductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    inspection_result_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_results.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(Text)

    score: Mapped[Score] = relationship(back_populates="deductions")


Index("ix_scores_unit_month", Score.unit_id, Score.month)
Index("ix_dossier_stats_unit_month", DossierStat.unit_id, DossierStat.month)


class TaskExemption(Base):
    """Late or failed products of an official's month exempted for an objective cause confirmed by the competent
    authority (Decree 335/2025, Art. 14), with the document that confirms it."""

    __tablename__ = "task_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    late: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(128))


class StaffAlias(Base):
    """An officer account or a name under which the one-stop software lists an official (folded for matching)."""

    __tablename__ = "staff_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(255), unique=True)  # header_key() form: trimmed, no accents, lower
    shown: Mapped[str] = mapped_column(String(255))  # as given
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column()


class ManagerAssessment(Base):
    """What the manager enters for an official's period: the parts of the general criterion no camera sees
    (ethics, capacity and attitude, innovation; points within the site's ``[scoring.general]``) and, for a
    leader, the task results of Art. 15 (of 70), which include the unit's results."""

    __tablename__ = "manager_assessments"
    __table_args__ = (UniqueConstraint("staff_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    month: Mapped[str] = mapped_column(String(7))
    ethics: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    capacity: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    innovation: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    leader_task: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(128))
    entered_at: Mapped[datetime] = mapped_column()


class ScoringSettings(Base):
    """The site config's ``[scoring]`` table as last imported (one row); none: the defaults."""

    __tablename__ = "scoring_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    config: Mapped[dict] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column()
    changed_by: Mapped[str] = mapped_column(String(128))


class ScoreLock(Base):
    """A unit's month locked (chốt kết quả): who locked it and when; later changes become amendments."""

    __tablename__ = "score_locks"
    __table_args__ = (UniqueConstraint("month", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    locked_at: Mapped[datetime] = mapped_column()
    locked_by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class ScoreAmendment(Base):
    """A change to a locked score: the figures before and after (``{"total": ["84.50", "80.00"], ...}``), who
    recomputed it and when, and the deductions added or dropped."""

    __tablename__ = "score_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column()
    by: Mapped[str] = mapped_column(String(128))
    changes: Mapped[dict] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)

    score: Mapped[Score] = relationship(back_populates="amendments")


class Sanction(Timestamps, Base):
    """A discipline sanction decided against an official. One of reprimand or above for a violation related to
    public duty (``duty_related``) forces "Không hoàn thành" for the year (Decree 335/2025)."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    level: Mapped[SanctionLevel] = mapped_column(enum_column(SanctionLevel, "sanction_level"))
    decided_on: Mapped[date] = mapped_column(Date)
    decision_ref: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    duty_related: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


Index("ix_sanctions_staff_decided", Sanction.staff_id, Sanction.decided_on)
