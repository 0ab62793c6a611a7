"""Alert thresholds, alerts with their lifecycle, and per-channel deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamps, enum_column
from models.enums import AlertKind, AlertStatus, DeliveryStatus, Severity
from models.observing import BigId


class AlertThreshold(Timestamps, Base):
    """Alert thresholds for a scope: the whole site (both null), a unit, or one desk.

    A null value inherits from the wider scope; the site row holds the defaults.
    """

    __tablename__ = "alert_thresholds"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), unique=True)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"), unique=True)
    unattended_minutes: Mapped[int | None] = mapped_column(Integer)
    unattended_queue_min: Mapped[int | None] = mapped_column(Integer)
    camera_fault_minutes: Mapped[int | None] = mapped_column(Integer)
    long_queue_length: Mapped[int | None] = mapped_column(Integer)
    long_queue_minutes: Mapped[int | None] = mapped_column(Integer)
    escalate_after_minutes: Mapped[int | None] = mapped_column(Integer)


class Alert(Base):
    """An alert: open → acknowledged → resolved. One open alert per condition key."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id"))
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, "alert_kind"))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "alert_severity"))
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus, "alert_status"))
    condition_key: Mapped[str] = mapped_column(String(255))
    opened_at: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalated_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column()


class AlertDelivery(Base):
    """One attempt stream of one alert on one channel (in-app, webhook, email, MQTT)."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(BigId, ForeignKey("alerts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(32))  # opened, escalated, resolved
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()


Index("ix_alerts_unit_opened", Alert.unit_id, Alert.opened_at)
Index(
    "ix_alerts_one_open_per_condition",
    Alert.condition_key,
    unique=True,
    sqlite_where=text("status != 'resolved'"),
    postgresql_where=text("status != 'resolved'"),
)
Index("ix_alert_deliveries_pending", AlertDelivery.status, AlertDelivery.next_attempt_at)
Index("ix_alerts_status_opened", Alert.status, Alert.opened_at)  # open alerts without reading the history
