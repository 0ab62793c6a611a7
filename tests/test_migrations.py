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
