"""Findings proposed from the facts, their evidence, the official's explanation and human decisions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, enum_column
from models.enums import DecisionAction, FindingKind, FindingStatus
from models.observing import BigId


class Finding(Timestamps, Base):
    """A proposed or decided finding. Personal when ``staff_id`` is set, unit-level otherwise.

    ``fingerprint`` identifies the rule hit (kind, desk, official, span) so that
    re-running the audit for a day finds the same row instead of adding one, and
    never touches a status a person has set.
    """

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[FindingKind] = mapped_column(enum_column(FindingKind, "finding_kind"))
    status: Mapped[FindingStatus] = mapped_column(enum_column(FindingStatus, "finding_status"))
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    minutes: Mapped[int | None] = mapped_column(Integer)
    proposed_deduction: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    checklist_item_number: Mapped[int | None] = mapped_column(Integer)
    rule_version: Mapped[str] = mapped_column(String(32))
    # The zones the desk was seen through when the finding was computed: {"CAMERA/zone": version}
    zone_versions: Mapped[dict | None] = mapped_column()
    # Set when a zone it was computed under changed while it was still open: it needs another look
    review_reason: Mapped[str | None] = mapped_column(Text)
    review_flagged_at: Mapped[datetime | None] = mapped_column()
    summary: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # The last working day the official may explain, set when an explanation is requested (or the finding
    # reopened): confirming needs an explanation or this day to have passed.
    explanation_due: Mapped[date | None] = mapped_column(Date)

    evidence: Mapped[list[FindingEvidence]] = relationship(back_populates="finding", cascade="all, delete-orphan")
    explanations: Mapped[list[Explanation]] = relationship(back_populates="finding")
    decisions: Mapped[list[Decision]] = relationship(back_populates="finding", order_by="Decision.decided_at")


class FindingEvidence(Base):
    """A link from a finding to what supports it: an observation, a blurred snapshot."""

    __tablename__ = "finding_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    observation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("observations.id", ondelete="SET NULL")
    )
    snapshot_path: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    finding: Mapped[Finding] = relationship(back_populates="evidence")


class Explanation(Base):
    """The official's explanation (giải trình) of a finding."""

    __tablename__ = "explanations"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    attachment_ref: Mapped[str | None] = mapped_column(String(255))
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    finding: Mapped[Finding] = relationship(back_populates="explanations")


class Decision(Base):
    """Each status change of a finding: who, when, why. The history is never rewritten."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    action: Mapped[DecisionAction] = mapped_column(enum_column(DecisionAction, "decision_action"))
    from_status: Mapped[FindingStatus] = mapped_column(enum_column(FindingStatus, "decision_from_status"))
    to_status: Mapped[FindingStatus] = mapped_column(enum_column(FindingStatus, "decision_to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column()

    finding: Mapped[Finding] = relationship(back_populates="decisions")


Index("ix_findings_unit_day", Finding.unit_id, Finding.day)
Index("ix_findings_staff_day", Finding.staff_id, Finding.day)
Index("ix_findings_status", Finding.status)
