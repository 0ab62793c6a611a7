"""Inspection checklist templates and items, inspections (biên bản) and their per-item results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, enum_column
from models.enums import FindingKind, InspectionStatus, ItemResult, ItemScope


class ChecklistTemplate(Timestamps, Base):
    __tablename__ = "checklist_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    decision_ref: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", order_by="ChecklistItem.number", cascade="all, delete-orphan"
    )


class ChecklistItem(Base):
    """One item; ``deduction`` null with ``refer_discipline`` means "refer for discipline" (C)."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text_vi: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    deduction: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    refer_discipline: Mapped[bool] = mapped_column(Boolean, default=False)
    scope: Mapped[ItemScope] = mapped_column(enum_column(ItemScope, "item_scope"))
    per_occurrence: Mapped[bool] = mapped_column(Boolean, default=True)
    camera_finding_kind: Mapped[FindingKind | None] = mapped_column(
        enum_column(FindingKind, "item_camera_finding_kind")
    )

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


class Inspection(Timestamps, Base):
    """An inspection visit and its record (biên bản)."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspector_name: Mapped[str] = mapped_column(String(255))
    record_number: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[InspectionStatus] = mapped_column(enum_column(InspectionStatus, "inspection_status"))
    note: Mapped[str | None] = mapped_column(Text)
    # The last local day the inspected officials may reply to a FINAL record's results (set on finalizing);
    # an official's deductions count once they replied or this day has passed.
    reply_due: Mapped[date | None] = mapped_column(Date)
    # The inspection's own legal basis (its decision or plan, "Quyết định số … về việc kiểm tra công vụ"), printed
    # as the last "Căn cứ" line of the record; the site's ``[inspection] basis`` when none is given.
    basis: Mapped[str | None] = mapped_column(Text)

    results: Mapped[list[InspectionResult]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    replies: Mapped[list[InspectionReply]] = relationship(back_populates="inspection", cascade="all, delete-orphan",
                                                          order_by="InspectionReply.submitted_at")


class InspectionResult(Base):
    __tablename__ = "inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    result: Mapped[ItemResult] = mapped_column(enum_column(ItemResult, "item_result"))
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)
    photo_paths: Mapped[list | None] = mapped_column()

    inspection: Mapped[Inspection] = relationship(back_populates="results")


class InspectionReply(Base):
    """An inspected official's reply to a FINAL record's results (their opinion, ý kiến của người được kiểm tra)."""

    __tablename__ = "inspection_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    attachment_ref: Mapped[str | None] = mapped_column(String(255))
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    inspection: Mapped[Inspection] = relationship(back_populates="replies")


class InspectionSettings(Base):
    """The site config's ``[inspection]`` table as last imported (one row); none: the defaults."""

    __tablename__ = "inspection_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    config: Mapped[dict] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column()
    changed_by: Mapped[str] = mapped_column(String(128))


Index("ix_inspections_unit_started", Inspection.unit_id, Inspection.started_at)
