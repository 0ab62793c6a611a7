"""``deskaudit config``: validate a site config file and import it."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from deskaudit.cli.common import BadInput, database
from deskaudit.siteconfig import ConfigError, load_site_config
from deskaudit.siteconfig.importer import import_site
from models.base import utcnow


def _load(path: Path):
    try:
        loaded = load_site_config(path)
    except ConfigError as error:
        n = len(error.issues)
        raise BadInput(f"{error}\n{n} problem{'s' if n != 1 else ''} found; nothing was written.") from None
    for warning in loaded.warnings:
        click.echo(f"warning: {path}: {warning}", err=True)
    return loaded


@click.group()
def config() -> None:
    """Site config file (units → desks → cameras → zones, staff, hours, alerts)."""


@config.command()
@click.argument("file", type=click.Path(path_type=Path))
def check(file: Path) -> None:
    """Validate FILE. Exit 0 if valid, 2 if not; writes nothing."""
    loaded = _load(file)
    site = loaded.site
    desks = sum(len(u.desks) for u in site.units)
    room = sum(len(u.cameras) for u in site.units)
    cameras = sum(len(d.cameras) for u in site.units for d in u.desks) + room
    click.echo(f"{file}: valid — {len(site.units)} units, {desks} desks, {cameras} cameras"
               + (f" ({room} room camera{'s' if room > 1 else ''})" if room else ""))


@config.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--actor", default=None, help="Name recorded in the change log (default: the OS user).")
def import_(file: Path, actor: str | None) -> None:
    """Import FILE into the database: idempotent upsert, every change in the change log.

    Desks, cameras, zones, staff and units no longer in the file become inactive; their
    history is kept. An invalid file writes nothing.
    """
    loaded = _load(file)
    actor = actor or f"{getpass.getuser()} (cli)"
    with database() as session:
        report = import_site(session, loaded.site, actor=actor, base_dir=loaded.path.parent, now=utcnow())
    if not report.changed:
        click.echo(f"{file}: imported, no changes")
        return
    click.echo(f"{file}: imported, {report.changed} change(s):")
    for line in report.lines():
        click.echo(f"  {line}")
