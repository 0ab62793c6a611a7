"""Where a camera is managed: ``cameras.managed_by`` is ``config`` (the site config file; an import that
no longer lists it deactivates it) or ``web`` (added on the cameras page; imports leave it alone unless the
file takes it over by its code). Existing cameras came from the file.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("managed_by", sa.String(16), nullable=False, server_default="config"))


def downgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("managed_by")
