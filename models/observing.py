"""What the cameras saw: one observation per camera sample, and presence transitions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.base import Base, enum_column
from models.enums import CameraHealth, PresenceState

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Observation(Base):
    """One camera sample of one desk in its view. Unique per camera, desk and sampling slot, so a retried
    sample never duplicates; a room camera writes one row per desk it films, from one detection pass.

    ``health`` and the counts are this camera's: counts are null when it was not healthy (unknown is not
    zero). ``presence``, ``desk_health``, ``desk_staff`` and ``desk_queue`` are the desk's, from all its cameras
    at that moment (vision.presence.combine_views): ``desk_health`` is ``ok`` when any of them was healthy in
    its latest slot, ``desk_staff`` and ``desk_queue`` the largest count a healthy one made (one person seen
    by two cameras counts once); ``desk_staff`` is the presence vote's count. Null on rows from before they
    existed: read ``health``, ``staff_count`` and ``queue_count`` then.
    """

    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("camera_id", "desk_id", "slot_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"))
    desk_id: Mapped[int] = mapped_column(ForeignKey("desks.id"))
    slot_at: Mapped[datetime] = mapped_column()  # start of the sampling slot (UTC)
    observed_at: Mapped[datetime] = mapped_column()  # when the frame was taken (UTC)
    health: Mapped[CameraHealth] = mapped_column(enum_column(CameraHealth, "camera_health"))
    desk_health: Mapped[CameraHealth | None] = mapped_column(enum_column(CameraHealth, "observation_desk_health"))
    presence: Mapped[PresenceState] = mapped_column(enum_column(PresenceState, "observation_presence"))
    persons: Mapped[int | None] = mapped_column(Integer)
    staff_count: Mapped[int | None] = mapped_column(Integer)
    queue_count: Mapped[int | None] = mapped_column(Integer)
    desk_staff: Mapped[int | None] = mapped_column(Integer)
    desk_queue: Mapped[int | None] = mapped_column(Integer)
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


def desk_health() -> ColumnElement:
    """The desk's health in an observation's slot (``desk_health``, or the camera's on older rows): what the
    desk's timeline, live status and alerts read. The camera's own health stays ``Observation.health``."""
    return func.coalesce(Observation.desk_health, Observation.health)


def desk_queue() -> ColumnElement:
    """The desk's queue in an observation's slot (``desk_queue``, or the camera's count on older rows)."""
    return func.coalesce(Observation.desk_queue, Observation.queue_count)


class VisionSettings(Base):
    """The site config's ``[vision]`` table as last imported (one row): the sampler reads it at every reconcile."""

    __tablename__ = "vision_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    config: Mapped[dict] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column()
    changed_by: Mapped[str] = mapped_column(String(128))


Index("ix_observations_desk_slot", Observation.desk_id, Observation.slot_at)
Index("ix_observations_slot", Observation.slot_at)
Index("ix_presence_events_desk_at", PresenceEvent.desk_id, PresenceEvent.at)
Index("ix_observations_desk_observed", Observation.desk_id, Observation.observed_at)  # timelines, the audit
