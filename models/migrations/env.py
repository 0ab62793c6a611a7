"""Alembic environment: the URL comes from code, ``-x url=``, DESKAUDIT_DATABASE_URL or alembic.ini.

``deskaudit db upgrade`` passes the URL from its settings (deskaudit/settings.py) in code. Only
``alembic upgrade head`` run by hand from the checkout reads the environment here: this script runs on
its own, in a package that may import nothing of ours, so it reads the one variable itself, by the
settings' rule (surrounding spaces ignored, blank = unset), and has no SQLite default: upgrading a
database nobody named would be a surprise.
"""

from __future__ import annotations

import os

from alembic import context

import models.tables  # noqa: F401  (registers every table)
from models.base import Base
from models.db import make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = (
        config.attributes.get("database_url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("DESKAUDIT_DATABASE_URL", "").strip()
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise SystemExit("no database URL: set DESKAUDIT_DATABASE_URL or pass -x url=...")
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table as copy, drop and rename; with foreign keys enforced, dropping a table
            # that others point at fails. Off for the migration (a pragma outside any transaction), checked after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
