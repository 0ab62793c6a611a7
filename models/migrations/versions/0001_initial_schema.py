"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:48:41.207252
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_key', sa.String(length=255), nullable=False),
    sa.Column('action', sa.Enum('create', 'update', 'deactivate', 'reactivate', 'delete', name='change_action', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.Column('decision_ref', sa.String(length=255), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_entity', ['entity_type', 'entity_key', 'at'], unique=False)

    op.create_table('checklist_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_vi', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=False),
    sa.Column('decision_ref', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_templates')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_checklist_templates_code_version'))
    )
    op.create_table('hours_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('decision_ref', sa.String(length=255), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_hours_profiles_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('admin', 'inspector', 'manager', 'viewer', name='user_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('access_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=True),
    sa.Column('object_id', sa.String(length=128), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_at', ['at'], unique=False)
        batch_op.create_index('ix_access_log_user_at', ['user_id', 'at'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text_vi', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('deduction', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('refer_discipline', sa.Boolean(), nullable=False),
    sa.Column('scope', sa.Enum('personal', 'unit', name='item_scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('per_occurrence', sa.Boolean(), nullable=False),
    sa.Column('camera_finding_kind', sa.Enum('late_arrival', 'early_leave', 'unattended', 'absent_session', 'unattended_queue', 'camera_gap', name='item_camera_finding_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_checklist_items_template_id_checklist_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items')),
    sa.UniqueConstraint('template_id', 'number', name=op.f('uq_checklist_items_template_id_number'))
    )
    op.create_table('hours_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('season', sa.String(length=64), nullable=False),
    sa.Column('season_from', sa.String(length=5), nullable=False),
    sa.Column('season_to', sa.String(length=5), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('flagged_desks_only', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['hours_profiles.id'], name=op.f('fk_hours_sessions_profile_id_hours_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_sessions')),
    sa.UniqueConstraint('profile_id', 'season', 'weekday', 'start_time', name=op.f('uq_hours_sessions_profile_id_season_weekday_start_time'))
    )
    with op.batch_alter_table('hours_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_sessions_profile_id'), ['profile_id'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('level', sa.Enum('province', 'commune', 'centre', 'department', 'district', 'other', name='unit_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('hours_profile_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['hours_profile_id'], ['hours_profiles.id'], name=op.f('fk_units_hours_profile_id_hours_profiles')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('desks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('field', sa.String(length=255), nullable=False),
    sa.Column('hours_profile_id', sa.Integer(), nullable=True),
    sa.Column('saturday_reception', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['hours_profile_id'], ['hours_profiles.id'], name=op.f('fk_desks_hours_profile_id_hours_profiles')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_desks_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desks')),
    sa.UniqueConstraint('code', name=op.f('uq_desks_code'))
    )
    with op.batch_alter_table('desks', schema=None) as batch_op:
        batch_op.create_index('ix_desks_unit_active', ['unit_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_desks_unit_id'), ['unit_id'], unique=False)

    op.create_table('hours_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'makeup_workday', 'custom_hours', name='override_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sessions', sa.JSON(), nullable=True),
    sa.Column('decision_ref', sa.String(length=255), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_hours_overrides_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_overrides')),
    sa.UniqueConstraint('unit_id', 'day', 'kind', name=op.f('uq_hours_overrides_unit_id_day_kind'))
    )
    with op.batch_alter_table('hours_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_overrides_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_hours_overrides_unit_id'), ['unit_id'], unique=False)

    op.create_table('user_units',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_user_units_unit_id_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_units_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'unit_id', name=op.f('pk_user_units'))
    )
    op.create_table('alert_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('unattended_minutes', sa.Integer(), nullable=True),
    sa.Column('unattended_queue_min', sa.Integer(), nullable=True),
    sa.Column('camera_fault_minutes', sa.Integer(), nullable=True),
    sa.Column('long_queue_length', sa.Integer(), nullable=True),
    sa.Column('long_queue_minutes', sa.Integer(), nullable=True),
    sa.Column('escalate_after_minutes', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_alert_thresholds_desk_id_desks')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_alert_thresholds_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_thresholds')),
    sa.UniqueConstraint('desk_id', name=op.f('uq_alert_thresholds_desk_id')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_alert_thresholds_unit_id'))
    )
    op.create_table('cameras',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('password', sa.String(length=255), nullable=True),
    sa.Column('cadence_seconds', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('reference_frame_path', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_cameras_desk_id_desks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cameras')),
    sa.UniqueConstraint('code', name=op.f('uq_cameras_code'))
    )
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cameras_desk_id'), ['desk_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('default_desk_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['default_desk_id'], ['desks.id'], name=op.f('fk_staff_default_desk_id_desks')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_staff_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('code', name=op.f('uq_staff_code'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_unit_id'), ['unit_id'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('unattended', 'unattended_queue', 'camera_fault', 'long_queue', name='alert_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('severity', sa.Enum('info', 'warning', 'critical', name='alert_severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'acknowledged', 'resolved', name='alert_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('condition_key', sa.String(length=255), nullable=False),
    sa.Column('opened_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_alerts_camera_id_cameras')),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_alerts_desk_id_desks')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_alerts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_one_open_per_condition', ['condition_key'], unique=True, sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))
        batch_op.create_index('ix_alerts_unit_opened', ['unit_id', 'opened_at'], unique=False)

    op.create_table('dossier_stats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('not_yet_due', sa.Integer(), nullable=False),
    sa.Column('source_file', sa.String(length=255), nullable=True),
    sa.Column('import_batch', sa.String(length=64), nullable=True),
    sa.Column('imported_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_dossier_stats_desk_id_desks')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_dossier_stats_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossier_stats_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_stats')),
    sa.UniqueConstraint('month', 'unit_id', 'desk_id', 'staff_id', name=op.f('uq_dossier_stats_month_unit_id_desk_id_staff_id'))
    )
    with op.batch_alter_table('dossier_stats', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_stats_unit_month', ['unit_id', 'month'], unique=False)

    op.create_table('excused_absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('leave', 'official_trip', 'training', 'sick', 'other', name='absence_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('document_ref', sa.String(length=255), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_excused_absences_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excused_absences'))
    )
    with op.batch_alter_table('excused_absences', schema=None) as batch_op:
        batch_op.create_index('ix_excused_absences_staff_period', ['staff_id', 'starts_at', 'ends_at'], unique=False)

    op.create_table('findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=128), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('late_arrival', 'early_leave', 'unattended', 'absent_session', 'unattended_queue', 'camera_gap', name='finding_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'awaiting_explanation', 'confirmed', 'dismissed', name='finding_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('proposed_deduction', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('checklist_item_number', sa.Integer(), nullable=True),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_findings_decided_by_id_users')),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_findings_desk_id_desks')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_findings_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_findings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_findings_fingerprint'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_staff_day', ['staff_id', 'day'], unique=False)
        batch_op.create_index('ix_findings_status', ['status'], unique=False)
        batch_op.create_index('ix_findings_unit_day', ['unit_id', 'day'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('inspector_name', sa.String(length=255), nullable=False),
    sa.Column('record_number', sa.String(length=64), nullable=True),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('draft', 'final', name='inspection_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_inspections_desk_id_desks')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_inspections_staff_id_staff')),
    sa.ForeignKeyConstraint(['template_id'], ['checklist_templates.id'], name=op.f('fk_inspections_template_id_checklist_templates')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_inspections_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_unit_started', ['unit_id', 'started_at'], unique=False)

    op.create_table('observations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('slot_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('observed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('health', sa.Enum('ok', 'offline', 'frozen', 'dark', 'covered', 'moved', 'error', name='camera_health', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('presence', sa.Enum('present', 'absent', 'unknown', name='observation_presence', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=True),
    sa.Column('staff_count', sa.Integer(), nullable=True),
    sa.Column('queue_count', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('model_id', sa.String(length=128), nullable=True),
    sa.Column('snapshot_path', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_observations_camera_id_cameras')),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_observations_desk_id_desks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations')),
    sa.UniqueConstraint('camera_id', 'slot_at', name=op.f('uq_observations_camera_id_slot_at'))
    )
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_index('ix_observations_desk_slot', ['desk_id', 'slot_at'], unique=False)
        batch_op.create_index('ix_observations_slot', ['slot_at'], unique=False)

    op.create_table('presence_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('present', 'absent', 'unknown', name='presence_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('previous_state', sa.Enum('present', 'absent', 'unknown', name='presence_previous_state', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_presence_events_camera_id_cameras')),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_presence_events_desk_id_desks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presence_events'))
    )
    with op.batch_alter_table('presence_events', schema=None) as batch_op:
        batch_op.create_index('ix_presence_events_desk_at', ['desk_id', 'at'], unique=False)

    op.create_table('roster_patterns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('desk_sequence', sa.JSON(), nullable=False),
    sa.Column('period_days', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_roster_patterns_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_patterns'))
    )
    with op.batch_alter_table('roster_patterns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_patterns_staff_id'), ['staff_id'], unique=False)

    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('discipline_raw', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('general_points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('task_points', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('total', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('classification', sa.Enum('excellent', 'good', 'completed', 'not_completed', name='score_class', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('reprimanded', sa.Boolean(), nullable=False),
    sa.Column('emulation_eligible', sa.Boolean(), nullable=True),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.Column('computed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_scores_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_scores_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores')),
    sa.UniqueConstraint('staff_id', 'month', name=op.f('uq_scores_staff_id_month'))
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index('ix_scores_unit_month', ['unit_id', 'month'], unique=False)

    op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('staff', 'queue', 'exclude', name='zone_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('polygon', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=False),
    sa.Column('changed_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], name=op.f('fk_zones_camera_id_cameras')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('camera_id', 'name', name=op.f('uq_zones_camera_id_name'))
    )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zones_camera_id'), ['camera_id'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='delivery_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_deliveries_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index('ix_alert_deliveries_pending', ['status', 'next_attempt_at'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('request_explanation', 'confirm', 'dismiss', 'reopen', name='decision_action', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('from_status', sa.Enum('proposed', 'awaiting_explanation', 'confirmed', 'dismissed', name='decision_from_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('to_status', sa.Enum('proposed', 'awaiting_explanation', 'confirmed', 'dismissed', name='decision_to_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_decisions_finding_id_findings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_finding_id'), ['finding_id'], unique=False)

    op.create_table('explanations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachment_ref', sa.String(length=255), nullable=True),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_explanations_finding_id_findings')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_explanations_staff_id_staff')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_explanations_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_explanations'))
    )
    with op.batch_alter_table('explanations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_explanations_finding_id'), ['finding_id'], unique=False)

    op.create_table('finding_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('snapshot_path', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_evidence_finding_id_findings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_finding_evidence_observation_id_observations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_evidence'))
    )
    with op.batch_alter_table('finding_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_evidence_finding_id'), ['finding_id'], unique=False)

    op.create_table('inspection_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.Enum('pass', 'fail', 'not_applicable', name='item_result', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_paths', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_results_inspection_id_inspections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_inspection_results_item_id_checklist_items')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_inspection_results_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_results')),
    sa.UniqueConstraint('inspection_id', 'item_id', 'staff_id', name=op.f('uq_inspection_results_inspection_id_item_id_staff_id'))
    )
    op.create_table('roster_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('session', sa.Enum('morning', 'afternoon', 'all_day', name='roster_session', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('pattern_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=255), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desks.id'], name=op.f('fk_roster_entries_desk_id_desks')),
    sa.ForeignKeyConstraint(['pattern_id'], ['roster_patterns.id'], name=op.f('fk_roster_entries_pattern_id_roster_patterns')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_roster_entries_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entries')),
    sa.UniqueConstraint('desk_id', 'day', 'session', 'staff_id', name=op.f('uq_roster_entries_desk_id_day_session_staff_id'))
    )
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.create_index('ix_roster_entries_desk_day', ['desk_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_entries_staff_id'), ['staff_id'], unique=False)

    op.create_table('score_deductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('score_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('inspection_result_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_score_deductions_finding_id_findings')),
    sa.ForeignKeyConstraint(['inspection_result_id'], ['inspection_results.id'], name=op.f('fk_score_deductions_inspection_result_id_inspection_results')),
    sa.ForeignKeyConstraint(['score_id'], ['scores.id'], name=op.f('fk_score_deductions_score_id_scores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_deductions'))
    )
    with op.batch_alter_table('score_deductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_deductions_score_id'), ['score_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('score_deductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_deductions_score_id'))

    op.drop_table('score_deductions')
    with op.batch_alter_table('roster_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_entries_staff_id'))
        batch_op.drop_index('ix_roster_entries_desk_day')

    op.drop_table('roster_entries')
    op.drop_table('inspection_results')
    with op.batch_alter_table('finding_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_evidence_finding_id'))

    op.drop_table('finding_evidence')
    with op.batch_alter_table('explanations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_explanations_finding_id'))

    op.drop_table('explanations')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_finding_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_deliveries_pending')
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_alert_id'))

    op.drop_table('alert_deliveries')
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zones_camera_id'))

    op.drop_table('zones')
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scores_unit_month')

    op.drop_table('scores')
    with op.batch_alter_table('roster_patterns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_patterns_staff_id'))

    op.drop_table('roster_patterns')
    with op.batch_alter_table('presence_events', schema=None) as batch_op:
        batch_op.drop_index('ix_presence_events_desk_at')

    op.drop_table('presence_events')
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index('ix_observations_slot')
        batch_op.drop_index('ix_observations_desk_slot')

    op.drop_table('observations')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_inspections_unit_started')

    op.drop_table('inspections')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_unit_day')
        batch_op.drop_index('ix_findings_status')
        batch_op.drop_index('ix_findings_staff_day')

    op.drop_table('findings')
    with op.batch_alter_table('excused_absences', schema=None) as batch_op:
        batch_op.drop_index('ix_excused_absences_staff_period')

    op.drop_table('excused_absences')
    with op.batch_alter_table('dossier_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_stats_unit_month')

    op.drop_table('dossier_stats')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_unit_opened')
        batch_op.drop_index('ix_alerts_one_open_per_condition', sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))

    op.drop_table('alerts')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_unit_id'))

    op.drop_table('staff')
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cameras_desk_id'))

    op.drop_table('cameras')
    op.drop_table('alert_thresholds')
    op.drop_table('user_units')
    with op.batch_alter_table('hours_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_overrides_unit_id'))
        batch_op.drop_index(batch_op.f('ix_hours_overrides_day'))

    op.drop_table('hours_overrides')
    with op.batch_alter_table('desks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desks_unit_id'))
        batch_op.drop_index('ix_desks_unit_active')

    op.drop_table('desks')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))

    op.drop_table('units')
    with op.batch_alter_table('hours_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_sessions_profile_id'))

    op.drop_table('hours_sessions')
    op.drop_table('checklist_items')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_user_at')
        batch_op.drop_index('ix_access_log_at')

    op.drop_table('access_log')
    op.drop_table('users')
    op.drop_table('hours_profiles')
    op.drop_table('checklist_templates')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_entity')

    op.drop_table('change_log')
