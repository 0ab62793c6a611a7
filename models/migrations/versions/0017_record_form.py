"""The inspection record's form (Decree 30/2020/NĐ-CP): a unit's place name for the date line
(``units.place_name``) and the inspecting body and its superior for the header (``units.inspecting_body``,
``units.superior``); an inspection's own legal basis (``inspections.basis``); ``inspection_settings``, the site
config's ``[inspection]`` table as last imported. Existing rows keep the printed defaults until set.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("place_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("superior", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("inspecting_body", sa.String(length=255), nullable=True))
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("basis", sa.Text(), nullable=True))
    op.create_table(
        "inspection_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("changed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_settings")),
    )


def downgrade() -> None:
    op.drop_table("inspection_settings")
    with op.batch_alter_table("inspections") as batch:
        batch.drop_column("basis")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("inspecting_body")
        batch.drop_column("superior")
        batch.drop_column("place_name")
