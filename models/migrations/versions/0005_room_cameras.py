"""Room cameras: a camera belongs to a unit and may film several desks; zones name their desk and membership
rule; mask zones; one observation per camera, desk and slot with the desk's combined view; findings keep the
zone versions they were computed under; the site's [vision] settings are stored for the sampler.

Existing rows are kept: a camera's unit is its desk's unit, a staff or queue zone's desk is its camera's desk.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HEALTH = ("ok", "offline", "frozen", "dark", "covered", "moved", "error")


def _zone_kind(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="zone_kind", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("health_overrides", sa.JSON(), nullable=True))
    op.execute("UPDATE cameras SET unit_id = (SELECT desks.unit_id FROM desks WHERE desks.id = cameras.desk_id)")
    with op.batch_alter_table("cameras") as batch:
        batch.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("desk_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key("fk_cameras_unit_id_units", "units", ["unit_id"], ["id"])
        batch.create_index("ix_cameras_unit_id", ["unit_id"])

    with op.batch_alter_table("zones") as batch:
        batch.add_column(sa.Column("desk_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("anchor", sa.String(16), nullable=True))
        batch.add_column(sa.Column("overlap", sa.Float(), nullable=True))
        batch.alter_column("kind", existing_type=_zone_kind("staff", "queue", "exclude"),
                           type_=_zone_kind("staff", "queue", "exclude", "mask"), existing_nullable=False)
        batch.create_foreign_key("fk_zones_desk_id_desks", "desks", ["desk_id"], ["id"])
        batch.create_index("ix_zones_desk_id", ["desk_id"])
    op.execute("UPDATE zones SET desk_id = (SELECT cameras.desk_id FROM cameras WHERE cameras.id = zones.camera_id)"
               " WHERE kind IN ('staff', 'queue')")

    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("desk_health", sa.Enum(*HEALTH, name="observation_desk_health", native_enum=False,
                                                          create_constraint=True, length=32), nullable=True))
        batch.add_column(sa.Column("desk_staff", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("desk_queue", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_observations_camera_id_slot_at", type_="unique")
        batch.create_unique_constraint("uq_observations_camera_id_desk_id_slot_at", ["camera_id", "desk_id", "slot_at"])

    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("zone_versions", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("review_flagged_at", UTCDateTime(timezone=True), nullable=True))

    op.create_table(
        "vision_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vision_settings"),
    )


def downgrade() -> None:
    op.drop_table("vision_settings")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("review_flagged_at")
        batch.drop_column("review_reason")
        batch.drop_column("zone_versions")
    # Back to one row per camera and slot: a room camera's extra desk rows cannot be kept.
    op.execute("DELETE FROM observations WHERE id NOT IN (SELECT MIN(id) FROM observations GROUP BY camera_id, slot_at)")
    with op.batch_alter_table("observations") as batch:
        batch.drop_constraint("uq_observations_camera_id_desk_id_slot_at", type_="unique")
        batch.create_unique_constraint("uq_observations_camera_id_slot_at", ["camera_id", "slot_at"])
        batch.drop_constraint("observation_desk_health", type_="check")
        batch.drop_column("desk_queue")
        batch.drop_column("desk_staff")
        batch.drop_column("desk_health")
    op.execute("DELETE FROM zones WHERE kind = 'mask'")
    with op.batch_alter_table("zones") as batch:
        batch.drop_index("ix_zones_desk_id")
        batch.drop_constraint("fk_zones_desk_id_desks", type_="foreignkey")
        batch.alter_column("kind", existing_type=_zone_kind("staff", "queue", "exclude", "mask"),
                           type_=_zone_kind("staff", "queue", "exclude"), existing_nullable=False)
        batch.drop_column("overlap")
        batch.drop_column("anchor")
        batch.drop_column("desk_id")
    # cameras.desk_id stays nullable: a room camera has no desk to go back to.
    with op.batch_alter_table("cameras") as batch:
        batch.drop_index("ix_cameras_unit_id")
        batch.drop_constraint("fk_cameras_unit_id_units", type_="foreignkey")
        batch.drop_column("health_overrides")
        batch.drop_column("unit_id")
