"""Read indexes: observations by desk and time (timelines, the audit), alerts by status.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_observations_desk_observed", "observations", ["desk_id", "observed_at"])
    op.create_index("ix_alerts_status_opened", "alerts", ["status", "opened_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_status_opened", table_name="alerts")
    op.drop_index("ix_observations_desk_observed", table_name="observations")
