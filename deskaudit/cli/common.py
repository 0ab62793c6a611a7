"""Shared CLI pieces: the exit-code contract, database access, clear database errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from deskaudit import paths
from models import migrate
from models.db import make_engine, redacted, session_factory, session_scope


class BadInput(click.ClickException):
    """Bad input from the user: exit 2."""

    exit_code = 2


class Failure(click.ClickException):
    """Something that should have worked did not: exit 1."""

    exit_code = 1


def current_url() -> str:
    return paths.database_url()


@contextmanager
def database(url: str | None = None, *, require_schema: bool = True) -> Iterator[Session]:
    """A session on the configured database inside one transaction, with readable errors."""
    url = url or current_url()
    engine = make_engine(url)
    try:
        if require_schema:
            revision = migrate.current_revision(url)
            if revision != migrate.head_revision():
                raise Failure(
                    f"database {redacted(url)} is at revision {revision or 'none'}, expected "
                    f"{migrate.head_revision()}: run `deskaudit db upgrade` first"
                )
        with session_scope(session_factory(engine)) as session:
            yield session
    except (OperationalError, ProgrammingError) as error:
        raise Failure(f"database {redacted(url)}: {error.orig}") from None
    finally:
        engine.dispose()
