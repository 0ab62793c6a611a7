"""Coverage of a score: ``scores.scheduled_minutes``, ``excused_minutes`` and ``observed_minutes`` (a period
with too little evidence reads "chưa đủ dữ liệu"), and ``scoring_settings``, the site config's ``[scoring]``
table as last imported. Scores stored before have no coverage (null) until recomputed.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("changed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_settings")),
    )
    with op.batch_alter_table("scores") as batch:
        batch.add_column(sa.Column("scheduled_minutes", sa.Numeric(9, 1), nullable=True))
        batch.add_column(sa.Column("excused_minutes", sa.Numeric(9, 1), nullable=True))
        batch.add_column(sa.Column("observed_minutes", sa.Numeric(9, 1), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scores") as batch:
        batch.drop_column("observed_minutes")
        batch.drop_column("excused_minutes")
        batch.drop_column("scheduled_minutes")
    op.drop_table("scoring_settings")
