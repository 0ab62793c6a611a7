"""Who staffs a desk: ``staff.category`` (công chức, viên chức, cán bộ, hợp đồng lao động, thuê ngoài; only
công chức are classified under Decree 335/2025), the sending agency (``agencies``, ``staff.agency_id``), the
leader flag and where the row is managed (``config`` or a staff list ``import``). Existing staff were scored
as công chức, came from the config file and are not leaders.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CATEGORIES = ("cong_chuc", "vien_chuc", "can_bo", "hop_dong", "thue_ngoai")


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_agencies_code")),
    )
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("category", sa.Enum(*CATEGORIES, name="staff_category", native_enum=False,
                                                       create_constraint=True, length=32),
                                   nullable=False, server_default="cong_chuc"))
        batch.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("is_leader", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("managed_by", sa.String(16), nullable=False, server_default="config"))
        batch.create_foreign_key(op.f("fk_staff_agency_id_agencies"), "agencies", ["agency_id"], ["id"])
        batch.create_index(op.f("ix_staff_agency_id"), ["agency_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_index(op.f("ix_staff_agency_id"))
        batch.drop_constraint(op.f("fk_staff_agency_id_agencies"), type_="foreignkey")
        batch.drop_column("managed_by")
        batch.drop_column("is_leader")
        batch.drop_column("agency_id")
        batch.drop_constraint(op.f("ck_staff_staff_category"), type_="check")  # SQLite's copy would keep it
        batch.drop_column("category")
    op.drop_table("agencies")
