"""``deskaudit run``: the long-running services."""

from __future__ import annotations

from collections.abc import Callable

import click

from deskaudit.cli.common import current_url, database


@click.group()
def run() -> None:
    """Run a deskaudit service in the foreground."""


def serve_web(url: str, host: str, port: int, *, announce: Callable[[str], str] | None = None) -> None:
    """Serve the web app with waitress until interrupted; ``announce(base_url)`` is printed once listening."""
    from waitress import create_server

    from web import create_app

    app = create_app({"DATABASE_URL": url})
    try:
        server = create_server(app, host=host, port=port, threads=8, ident="deskaudit")
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    base_url = f"http://{host}:{server.effective_port}/"
    click.echo(announce(base_url) if announce else f"deskaudit web: {base_url}")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()


@run.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0 = any free port).")
def web(host: str, port: int) -> None:
    """Serve the web app (waitress)."""
    with database():  # fail early, with a clear message, on a missing or old schema
        pass
    serve_web(current_url(), host, port)
