"""Task results as Art. 14 of Decree 335/2025 computes them: the dossier counts of the one-stop export
(``early``, ``pending_overdue``, ``failed``, ``reception_late``, the row's ``role``), objective-cause exemptions
(``task_exemptions``) and officer accounts or names of officials (``staff_aliases``).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_stats") as batch:
        for name in ("early", "pending_overdue", "failed", "reception_late"):
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("role", sa.String(length=16), server_default="processing", nullable=False))
    op.create_table(
        "task_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_task_exemptions_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_exemptions")),
    )
    op.create_index(op.f("ix_task_exemptions_staff_id"), "task_exemptions", ["staff_id"])
    op.create_table(
        "staff_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=255), nullable=False),
        sa.Column("shown", sa.String(length=255), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_aliases_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_aliases")),
        sa.UniqueConstraint("alias", name=op.f("uq_staff_aliases_alias")),
    )
    op.create_index(op.f("ix_staff_aliases_staff_id"), "staff_aliases", ["staff_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_aliases_staff_id"), table_name="staff_aliases")
    op.drop_table("staff_aliases")
    op.drop_index(op.f("ix_task_exemptions_staff_id"), table_name="task_exemptions")
    op.drop_table("task_exemptions")
    with op.batch_alter_table("dossier_stats") as batch:
        for name in ("role", "reception_late", "failed", "pending_overdue", "early"):
            batch.drop_column(name)
