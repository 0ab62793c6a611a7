"""Month locks and amendments of scores (``score_locks``, ``score_amendments``), and whether a sanction was for a
violation related to public duty (``sanctions.duty_related``; earlier sanctions count as related, as before).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("locked_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_score_locks_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_locks")),
        sa.UniqueConstraint("month", "unit_id", name=op.f("uq_score_locks_month_unit_id")),
    )
    op.create_table(
        "score_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["score_id"], ["scores.id"], name=op.f("fk_score_amendments_score_id_scores"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_amendments")),
    )
    op.create_index(op.f("ix_score_amendments_score_id"), "score_amendments", ["score_id"])
    with op.batch_alter_table("sanctions") as batch:
        batch.add_column(sa.Column("duty_related", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("sanctions") as batch:
        batch.drop_column("duty_related")
    op.drop_index(op.f("ix_score_amendments_score_id"), table_name="score_amendments")
    op.drop_table("score_amendments")
    op.drop_table("score_locks")
