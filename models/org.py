"""The organisation: units, desks, cameras, zones and the officials who staff the desks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, enum_column
from models.enums import DEFAULT_TIMEZONE, StaffCategory, UnitLevel, ZoneKind


class Unit(Timestamps, Base):
    """An administrative unit: a province, a commune, a service centre, a department."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[UnitLevel] = mapped_column(enum_column(UnitLevel, "unit_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    hours_profile_id: Mapped[int | None] = mapped_column(ForeignKey("hours_profiles.id"))
    address: Mapped[str | None] = mapped_column(String(255))
    # The inspection record's form (Decree 30/2020, audit/rules/record_form.py): the place name of its date line;
    # the inspecting body and its superior, for this unit and the units below it that name none
    place_name: Mapped[str | None] = mapped_column(String(100))
    superior: Mapped[str | None] = mapped_column(String(255))
    inspecting_body: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    desks: Mapped[list[Desk]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Desk(Timestamps, Base):
    """A one-stop reception desk (quầy) for one field (lĩnh vực)."""

    __tablename__ = "desks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    field: Mapped[str] = mapped_column(String(255))
    hours_profile_id: Mapped[int | None] = mapped_column(ForeignKey("hours_profiles.id"))
    saturday_reception: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship(back_populates="desks")
    cameras: Mapped[list[Camera]] = relationship(back_populates="desk")

    def __repr__(self) -> str:
        return f"<Desk {self.code}>"


class Camera(Timestamps, Base):
    """A camera of a unit, over one desk (``desk_id`` set: a desk camera, its zones are that desk's) or over
    several (``desk_id`` null: a room camera, each of its staff and queue zones names its desk).

    ``source_url`` never holds credentials: user name and password live in
    their own columns, are never rendered, logged or written to the change log,
    and are joined to the URL only by the frame source at connect time.
    """

    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    source_url: Mapped[str] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(String(255))
    password: Mapped[str | None] = mapped_column(String(255))
    cadence_seconds: Mapped[int] = mapped_column(Integer, default=30)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    purpose: Mapped[str] = mapped_column(Text)
    reference_frame_path: Mapped[str | None] = mapped_column(Text)
    # This camera's own health thresholds over the site's [vision.health] (a dim room): {name: value}
    health_overrides: Mapped[dict | None] = mapped_column()
    # How the stream is read, where not the default: {"keep_open": true, "rtsp_transport": "udp"}
    stream_options: Mapped[dict | None] = mapped_column()
    # "config": the site config file owns it (an import without it deactivates it); "web": added on the
    # cameras page, left alone by imports unless the file names its code
    managed_by: Mapped[str] = mapped_column(String(16), default="config", server_default="config")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship()
    desk: Mapped[Desk | None] = relationship(back_populates="cameras")
    zones: Mapped[list[Zone]] = relationship(back_populates="camera", order_by="Zone.name")

    @property
    def has_credentials(self) -> bool:
        return bool(self.username or self.password)

    def __repr__(self) -> str:  # never the URL: it may reveal a host the viewer should not see
        return f"<Camera {self.code}>"


class Zone(Timestamps, Base):
    """A normalised polygon (0..1 of width and height) in one camera's view.

    ``desk_id``: the desk a staff or queue zone belongs to (on a desk camera, that camera's desk); null for
    exclude and mask zones. ``anchor``/``overlap``: the membership rule (vision.zones), null for the kind's
    default. ``version`` grows with every change of the polygon, kind, desk or rule.
    """

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("camera_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ZoneKind] = mapped_column(enum_column(ZoneKind, "zone_kind"))
    polygon: Mapped[list] = mapped_column()
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"), index=True)
    anchor: Mapped[str | None] = mapped_column(String(16))
    overlap: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    camera: Mapped[Camera] = relationship(back_populates="zones")
    desk: Mapped[Desk | None] = relationship()


class Agency(Timestamps, Base):
    """A sending agency (cơ quan quản lý): the body that seconds officials to a centre and evaluates them
    (Decree 118/2025); the 20 % cap of Decree 335/2025 is counted within it."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class Staff(Timestamps, Base):
    """A person who may staff a desk: a công chức, viên chức, cán bộ, contract or outsourced staff member.

    ``agency_id``: the sending agency; none means the unit itself employs them. ``managed_by``: ``config``
    (the site config file; an import without it deactivates it), ``import`` (a staff list import) or ``web``
    (edited on the staff page); config imports leave those alone unless the file names their code.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    default_desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    email: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[StaffCategory] = mapped_column(enum_column(StaffCategory, "staff_category"),
                                                    default=StaffCategory.CONG_CHUC,
                                                    server_default=StaffCategory.CONG_CHUC.value)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    managed_by: Mapped[str] = mapped_column(String(16), default="config", server_default="config")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship()
    default_desk: Mapped[Desk | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


Index("ix_desks_unit_active", Desk.unit_id, Desk.active)


@event.listens_for(Camera, "before_insert")
def _camera_unit_from_desk(_mapper, connection, camera: Camera) -> None:
    """A desk camera added without its unit (tests, the bench's bulk seed) belongs to its desk's unit."""
    if camera.unit_id is None:
        desk_id = camera.desk.id if camera.desk is not None else camera.desk_id
        if camera.desk is not None and camera.desk.unit_id is not None:
            camera.unit_id = camera.desk.unit_id
        elif desk_id is not None:
            camera.unit_id = connection.scalar(select(Desk.unit_id).where(Desk.id == desk_id))
