"""``deskaudit run``: the long-running services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


@run.command()
@click.option("--ignore-hours", is_flag=True, help="Sample around the clock, not only in each desk's working hours.")
@click.option("--workers", type=click.IntRange(1, 64), help="Cameras sampled at once (default: min(8, cameras)).")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]), default="openvino", show_default=True,
              help="Detector backend (onnx/openvino are exported once and cached).")
@click.option("--weights", type=click.Path(path_type=Path, dir_okay=False),
              help="Weights file to use instead of the verified cached yolov8n.pt (must match its sha256).")
def sampler(ignore_hours: bool, workers: int | None, backend: str, weights: Path | None) -> None:
    """Sample every enabled camera on its cadence until stopped (SIGTERM or Ctrl+C).

    Cameras enabled, disabled or edited in the database are picked up within a minute. One
    observation per camera and sampling slot; `-v` logs one line per sample.
    """
    from deskaudit import paths
    from deskaudit.cli.sample import build_detector
    from models.db import make_engine, session_factory
    from schedules.sampling import enabled_cameras
    from schedules.service import SamplerService

    with database() as session:  # fail early, with a clear message, on a missing or old schema
        count = len(enabled_cameras(session))
    engine = make_engine(current_url())
    try:
        service = SamplerService(session_factory(engine), build_detector(backend, weights), paths.data_dir(),
                                 respect_hours=not ignore_hours, workers=workers)
        hours = "around the clock" if ignore_hours else "in working hours"
        click.echo(f"deskaudit sampler: {count} camera(s), sampling {hours}; Ctrl+C to stop")
        service.run_forever()
        click.echo("stopped")
    finally:
        engine.dispose()
