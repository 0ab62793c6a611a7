"""Hours decisions are versions: each session row belongs to the decision in force from its ``effective_from``
(null: from the start), so a new decision adds rows instead of replacing the old ones, and the days before it keep
the hours they were audited with. Existing rows take their profile's decision.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hours_sessions") as batch:
        batch.add_column(sa.Column("effective_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("decision_ref", sa.String(length=255), nullable=True))
        batch.drop_constraint("uq_hours_sessions_profile_id_season_weekday_start_time", type_="unique")
        batch.create_unique_constraint("uq_hours_sessions_version_slot",
                                       ["profile_id", "effective_from", "season", "weekday", "start_time"])
    op.execute("UPDATE hours_sessions SET effective_from = (SELECT effective_from FROM hours_profiles "
               "WHERE hours_profiles.id = hours_sessions.profile_id), decision_ref = (SELECT decision_ref "
               "FROM hours_profiles WHERE hours_profiles.id = hours_sessions.profile_id)")


def downgrade() -> None:
    # Only the latest decision of each profile survives a downgrade.
    op.execute("DELETE FROM hours_sessions WHERE effective_from IS NOT NULL AND effective_from < (SELECT "
               "MAX(s.effective_from) FROM hours_sessions s WHERE s.profile_id = hours_sessions.profile_id)")
    with op.batch_alter_table("hours_sessions") as batch:
        batch.drop_constraint("uq_hours_sessions_version_slot",
                              type_="unique")
        batch.create_unique_constraint("uq_hours_sessions_profile_id_season_weekday_start_time",
                                       ["profile_id", "season", "weekday", "start_time"])
        batch.drop_column("decision_ref")
        batch.drop_column("effective_from")
