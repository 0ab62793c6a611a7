"""What the cameras saw: one observation per camera sample, and presence transitions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_column
from models.enums import CameraHealth, PresenceState

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Observation(Base):
    """One camera sample. Unique per camera and sampling slot, so a retried sample never duplicates.

    Counts are null when the camera was not healthy: unknown is not zero.
    """

    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("camera_id", "slot_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))
    slot_at: Mapped[datetime] = mapped_column()  # start of the sampling slot (UTC)
    observed_at: Mapped[datetime] = mapped_column()  # when the frame was taken (UTC)
    health: Mapped[CameraHealth] = mapped_column(enum_column(CameraHealth, "camera_health"))
    presence: Mapped[PresenceState] = mapped_column(enum_column(PresenceState, "observation_presence"))
    persons: Mapped[int | None] = mapped_column(Integer)
    staff_count: Mapped[int | None] = mapped_column(Integer)
    queue_count: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    model_id: Mapped[str | None] = mapped_column(String(128))
    snapshot_path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class PresenceEvent(Base):
    """A change of a desk's presence state (after hysteresis), with the time it took effect."""

    __tablename__ = "presence_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id"))
    at: Mapped[datetime] = mapped_column()
    state: Mapped[PresenceState] = mapped_column(enum_column(PresenceState, "presence_state"))
    previous_state: Mapped[PresenceState | None] = mapped_column(
        enum_column(PresenceState, "presence_previous_state")
    )
    reason: Mapped[str | None] = mapped_column(String(255))


Index("ix_observations_desk_slot", Observation.desk_id, Observation.slot_at)
Index("ix_observations_slot", Observation.slot_at)
Index("ix_presence_events_desk_at", PresenceEvent.desk_id, PresenceEvent.at)
Index("ix_observations_desk_observed", Observation.desk_id, Observation.observed_at)  # timelines, the audit
