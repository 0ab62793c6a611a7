"""``deskaudit demo``: the example site on SQLite, served on localhost — no camera needed."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from deskaudit import paths
from deskaudit.cli.common import BadInput, database
from deskaudit.cli.run import serve_web
from deskaudit.siteconfig import ConfigError, load_site_config
from deskaudit.siteconfig.importer import import_site
from models import migrate
from models.base import utcnow


def _port_or_any(host: str, preferred: int) -> int:
    """``preferred`` if it is free, else 0 (the server then takes any free port)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, preferred))
            return preferred
        except OSError:
            click.echo(f"      port {preferred} is busy; taking a free one")
            return 0


@click.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=paths.EXAMPLE_CONFIG,
              show_default=True, help="Site config to load.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Where the demo keeps its SQLite database [default: DATA_DIR/demo].")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Preferred port; a free one is taken if it is busy.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop (no web server).")
@click.option("--sampler/--no-sampler", default=True, show_default=True,
              help="Sample the demo cameras (real footage, around the clock) while serving.")
def demo(config_file: Path, data_dir: Path | None, host: str, port: int, no_serve: bool, sampler: bool) -> None:
    """Create the demo database, import the example site, sample its cameras and serve the web app.

    Prints the URL once the server is listening.
    """
    directory = (data_dir or paths.data_dir() / "demo").resolve()
    url = paths.database_url(directory)
    try:
        loaded = load_site_config(config_file)
    except ConfigError as error:
        raise BadInput(str(error)) from None
    click.echo(f"[1/3] database {directory / 'deskaudit.sqlite3'}")
    migrate.upgrade(url)
    click.echo(f"[2/3] site config {config_file}")
    with database(url) as session:
        report = import_site(session, loaded.site, actor="demo", base_dir=loaded.path.parent, now=utcnow())
    click.echo(f"      {report.changed} change(s)" if report.changed else "      already up to date")
    if no_serve:
        click.echo(f"[3/3] ready: {directory / 'deskaudit.sqlite3'}")
        return
    service = _start_sampler(url, directory) if sampler else None
    click.echo("[3/3] web server (Ctrl-C to stop)")
    try:
        serve_web(
            url, host, _port_or_any(host, port),
            announce=lambda base: f"\n  deskaudit demo: {base}\n",
        )
    finally:
        if service is not None:
            service.stop()


def _start_sampler(url: str, directory: Path):
    """The sampler in this process, around the clock: the demo footage has no office hours."""
    from deskaudit.cli.sample import build_detector
    from models.db import make_engine, session_factory
    from schedules.service import SamplerService

    service = SamplerService(session_factory(make_engine(url)), build_detector("openvino", None), directory,
                             respect_hours=False)
    count = service.start()
    click.echo(f"      sampler: {count} camera(s) replaying real footage, one sample each per cadence")
    return service
