"""The deadline for an official's explanation of a finding (``findings.explanation_due``): set when an explanation
is requested, in working days by the unit's calendar. Findings already awaiting one get it when next requested;
until then their deadline is counted from the request.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("explanation_due", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("explanation_due")
