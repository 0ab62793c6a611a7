"""``deskaudit backup`` and ``deskaudit restore``: the database and the data directory, as one archive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from deskaudit import paths
from deskaudit.cli.common import BadInput, Failure, current_url
from models import migrate
from models.db import redacted


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write (default deskaudit-backup-YYYYMMDD-HHMMSS.tar.gz here).")
def backup(output: Path | None) -> None:
    """Back up the database ($DESKAUDIT_DATABASE_URL) and the data directory into one .tar.gz.

    SQLite is copied with its online backup API and PostgreSQL dumped with pg_dump, both safe while the
    sampler and the web app run. Keep the archive as you keep the database: it holds personal data
    and the secret key.
    """
    from deskaudit.backup import BackupError
    from deskaudit.backup import backup as run_backup

    url, data_dir = current_url(), paths.data_dir()
    output = output or Path(f"deskaudit-backup-{datetime.now():%Y%m%d-%H%M%S}.tar.gz")
    try:
        manifest = run_backup(url, data_dir, output)
    except BackupError as error:
        raise Failure(str(error)) from None
    size = output.stat().st_size / 1e6
    click.echo(f"{output}: {manifest.database} database at revision {manifest.revision}, "
               f"{manifest.data_files} data files, {size:.1f} MB")


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds a site.")
def restore(archive: Path, force: bool) -> None:
    """Restore ARCHIVE (from `deskaudit backup`) into $DESKAUDIT_DATABASE_URL and the data directory.

    The archive is checked whole before anything is written. A database that already holds a site is
    refused unless --force. A backup from an older version is brought to this version's schema at once.
    """
    from deskaudit.backup import BackupError, BadArchive
    from deskaudit.backup import restore as run_restore

    url, data_dir = current_url(), paths.data_dir()
    try:
        manifest = run_restore(archive, url, data_dir, force=force)
    except BadArchive as error:
        raise BadInput(str(error)) from None
    except BackupError as error:
        raise Failure(str(error)) from None
    revision = migrate.current_revision(url)
    if revision != migrate.head_revision():
        migrate.upgrade(url)
        click.echo(f"schema upgraded from {revision} to {migrate.head_revision()}")
    click.echo(f"restored {archive} (made {manifest.created_at}, version {manifest.version}) into "
               f"{redacted(url)} and {data_dir}: {manifest.data_files} data files")
