"""``deskaudit db``: create and upgrade the schema, show the revision, check ORM/migration drift."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from deskaudit.cli.common import Failure, current_url
from models import migrate
from models.db import redacted


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Create or upgrade the database schema (idempotent)."""
    url = current_url()
    try:
        migrate.upgrade(url, revision)
    except OperationalError as error:
        raise Failure(f"database {redacted(url)}: {error.orig}") from None
    click.echo(f"database {redacted(url)} at revision {migrate.current_revision(url)}")


@db.command()
def current() -> None:
    """Print the database URL (password hidden) and its schema revision."""
    url = current_url()
    try:
        revision = migrate.current_revision(url)
    except OperationalError as error:
        raise Failure(f"database {redacted(url)}: {error.orig}") from None
    click.echo(f"{redacted(url)}: revision {revision or 'none (empty database)'}; "
               f"code expects {migrate.head_revision()}")


@db.command()
def check() -> None:
    """Exit 1 if the migrated schema differs from the data model."""
    drift = migrate.schema_drift(current_url())
    if drift:
        for item in drift:
            click.echo(f"drift: {item}", err=True)
        raise Failure(f"{len(drift)} difference(s) between the data model and the database")
    click.echo("schema matches the data model")
