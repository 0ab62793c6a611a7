"""The ``staff`` role: a user linked to one official (``users.staff_id``), who reads their own records and writes
their own explanations and replies; notifications (in-app and e-mail) of what is asked of them; replies to a FINAL
inspection's results (``inspection_replies``) and the day they are due by (``inspections.reply_due``).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROLES = ("admin", "inspector", "manager", "viewer")


def _role(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="user_role", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("role", existing_type=_role(*ROLES), type_=_role(*ROLES, "staff"), existing_nullable=False)
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=255), nullable=True))
        batch.create_foreign_key("fk_users_staff_id_staff", "staff", ["staff_id"], ["id"])
        batch.create_unique_constraint("uq_users_staff_id", ["staff_id"])
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("reply_due", sa.Date(), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=255), nullable=True),
        sa.Column("read_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_to", sa.String(length=255), nullable=True),
        sa.Column("emailed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_user_at", "notifications", ["user_id", "created_at"])
    op.create_table(
        "inspection_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachment_ref", sa.String(length=255), nullable=True),
        sa.Column("submitted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"],
                                name="fk_inspection_replies_inspection_id_inspections", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_inspection_replies_staff_id_staff"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"], name="fk_inspection_replies_submitted_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_replies"),
    )
    op.create_index("ix_inspection_replies_inspection_id", "inspection_replies", ["inspection_id"])


def downgrade() -> None:
    op.drop_index("ix_inspection_replies_inspection_id", table_name="inspection_replies")
    op.drop_table("inspection_replies")
    op.drop_index("ix_notifications_user_at", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("inspections") as batch:
        batch.drop_column("reply_due")
    op.execute("DELETE FROM users WHERE role = 'staff'")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_staff_id", type_="unique")
        batch.drop_constraint("fk_users_staff_id_staff", type_="foreignkey")
        batch.drop_column("email")
        batch.drop_column("staff_id")
        batch.alter_column("role", existing_type=_role(*ROLES, "staff"), type_=_role(*ROLES), existing_nullable=False)
