"""Alembic migrations create the schema the ORM describes, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import inspect

from models import Base, migrate
from models.db import make_engine


def test_upgrade_from_empty_and_no_drift(db_url):
    migrate.upgrade(db_url)
    assert migrate.current_revision(db_url) == migrate.head_revision()
    assert migrate.schema_drift(db_url) == []
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_upgrade_is_idempotent_and_downgrade_empties(db_url):
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)
    migrate.downgrade(db_url, "base")
    engine = make_engine(db_url)
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert remaining == set()


def test_alembic_command_line_on_empty_file(tmp_path, db_url):
    """`alembic upgrade head` from the repository root, as an operator would run it."""
    from conftest import REPO

    env = {**os.environ, "DESKAUDIT_DATABASE_URL": db_url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert migrate.current_revision(db_url) == migrate.head_revision()
    assert migrate.schema_drift(db_url) == []


def test_room_camera_migration_keeps_existing_rows(db_url):
    """0004 → 0005: cameras get their desk's unit, staff and queue zones their camera's desk, observations and
    findings stay; afterwards a room camera (no desk) and a mask zone can be stored, a bogus kind cannot."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    migrate.upgrade(db_url, "0004")
    engine = make_engine(db_url)
    now = "2026-12-01 02:00:00"
    with engine.begin() as db:
        db.execute(text("INSERT INTO units (id, code, name, level, timezone, active, created_at, updated_at)"
                        " VALUES (1, 'XA', 'Xã', 'commune', 'Asia/Ho_Chi_Minh', true, :t, :t)"), {"t": now})
        db.execute(text("INSERT INTO desks (id, code, unit_id, name, field, saturday_reception, active, created_at,"
                        " updated_at) VALUES (1, 'XA-Q1', 1, 'Quầy 1', 'Tư pháp', false, true, :t, :t)"), {"t": now})
        db.execute(text("INSERT INTO cameras (id, code, desk_id, name, source_url, cadence_seconds, enabled, purpose,"
                        " active, created_at, updated_at) VALUES (1, 'CAM1', 1, 'Cam', 'file:///a.avi', 30, true,"
                        " 'giám sát', true, :t, :t)"), {"t": now})
        for zone_id, name, kind in ((1, 'ban', 'staff'), (2, 'hang', 'queue'), (3, 'poster', 'exclude')):
            db.execute(text("INSERT INTO zones (id, camera_id, name, kind, polygon, version, changed_by, changed_at,"
                            " active, created_at, updated_at) VALUES (:i, 1, :n, :k, '[[0,0],[1,0],[1,1]]', 2, 'x',"
                            " :t, true, :t, :t)"), {"i": zone_id, "n": name, "k": kind, "t": now})
        db.execute(text("INSERT INTO observations (id, camera_id, desk_id, slot_at, observed_at, health, presence,"
                        " staff_count, queue_count) VALUES (1, 1, 1, :t, :t, 'ok', 'present', 1, 3)"), {"t": now})
    engine.dispose()

    migrate.upgrade(db_url)
    assert migrate.schema_drift(db_url) == []
    engine = make_engine(db_url)
    with engine.begin() as db:
        assert db.execute(text("SELECT unit_id, desk_id FROM cameras")).all() == [(1, 1)]
        zones = db.execute(text("SELECT name, kind, desk_id, version FROM zones ORDER BY id")).all()
        assert zones == [("ban", "staff", 1, 2), ("hang", "queue", 1, 2), ("poster", "exclude", None, 2)]
        row = db.execute(text("SELECT camera_id, desk_id, health, presence, staff_count, queue_count, desk_health,"
                              " desk_queue FROM observations")).one()
        assert tuple(row) == (1, 1, "ok", "present", 1, 3, None, None)
        db.execute(text("INSERT INTO cameras (id, code, unit_id, desk_id, name, source_url, cadence_seconds, enabled,"
                        " purpose, active, created_at, updated_at) VALUES (2, 'ROOM', 1, NULL, 'Phòng', 'file:///b.avi',"
                        " 30, true, 'giám sát', true, :t, :t)"), {"t": now})
        db.execute(text("INSERT INTO zones (id, camera_id, name, kind, polygon, version, changed_by, changed_at,"
                        " active, created_at, updated_at) VALUES (4, 2, 'quay', 'mask', '[[0,0],[1,0],[1,1]]', 1, 'x',"
                        " :t, true, :t, :t)"), {"t": now})
        # the same camera and slot, another desk: allowed now
        db.execute(text("INSERT INTO desks (id, code, unit_id, name, field, saturday_reception, active, created_at,"
                        " updated_at) VALUES (2, 'XA-Q2', 1, 'Quầy 2', 'Đất đai', false, true, :t, :t)"), {"t": now})
        db.execute(text("INSERT INTO observations (id, camera_id, desk_id, slot_at, observed_at, health, presence)"
                        " VALUES (2, 1, 2, :t, :t, 'ok', 'absent')"), {"t": now})
    with pytest.raises(IntegrityError), engine.begin() as db:
        db.execute(text("INSERT INTO zones (id, camera_id, name, kind, polygon, version, changed_by, changed_at,"
                        " active, created_at, updated_at) VALUES (5, 2, 'x', 'bogus', '[[0,0],[1,0],[1,1]]', 1, 'x',"
                        " :t, true, :t, :t)"), {"t": now})
    with pytest.raises(IntegrityError), engine.begin() as db:
        db.execute(text("INSERT INTO observations (id, camera_id, desk_id, slot_at, observed_at, health, presence)"
                        " VALUES (3, 1, 2, :t, :t, 'ok', 'absent')"), {"t": now})
    engine.dispose()
