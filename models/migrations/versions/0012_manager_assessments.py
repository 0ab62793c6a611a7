"""What a manager enters for an official's period (``manager_assessments``): the parts of the general criterion
that no camera sees, and a leader's task results under Art. 15 of Decree 335/2025.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "manager_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("ethics", sa.Numeric(5, 2), nullable=True),
        sa.Column("capacity", sa.Numeric(5, 2), nullable=True),
        sa.Column("innovation", sa.Numeric(5, 2), nullable=True),
        sa.Column("leader_task", sa.Numeric(5, 2), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=128), nullable=False),
        sa.Column("entered_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_manager_assessments_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_assessments")),
        sa.UniqueConstraint("staff_id", "month", name=op.f("uq_manager_assessments_staff_id_month")),
    )


def downgrade() -> None:
    op.drop_table("manager_assessments")
