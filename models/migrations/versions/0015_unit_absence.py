"""A finding kind for a unit-wide absence (``unit_absence``): most of a unit's desks empty for the same whole
session is one notice for the unit ("kiểm tra lịch"), never personal findings.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BEFORE = ("late_arrival", "early_leave", "unattended", "absent_session", "unattended_queue", "camera_gap")
AFTER = (*BEFORE, "unit_absence")


def _kind(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.alter_column("kind", existing_type=_kind("finding_kind", BEFORE), type_=_kind("finding_kind", AFTER),
                           existing_nullable=False)
    with op.batch_alter_table("checklist_items") as batch:
        batch.alter_column("camera_finding_kind", existing_type=_kind("item_camera_finding_kind", BEFORE),
                           type_=_kind("item_camera_finding_kind", AFTER), existing_nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM findings WHERE kind = 'unit_absence'")
    with op.batch_alter_table("findings") as batch:
        batch.alter_column("kind", existing_type=_kind("finding_kind", AFTER), type_=_kind("finding_kind", BEFORE),
                           existing_nullable=False)
    with op.batch_alter_table("checklist_items") as batch:
        batch.alter_column("camera_finding_kind", existing_type=_kind("item_camera_finding_kind", AFTER),
                           type_=_kind("item_camera_finding_kind", BEFORE), existing_nullable=True)
