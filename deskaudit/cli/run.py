"""``deskaudit run``: the long-running services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from deskaudit import paths
from deskaudit.cli.common import current_url, database


@click.group()
def run() -> None:
    """Run a deskaudit service in the foreground."""


def secret_key() -> bytes:
    """$DESKAUDIT_SECRET_KEY, else a random key kept in DATA_DIR/secret_key (0600), so sign-ins survive restarts."""
    import os
    import secrets

    if os.environ.get("DESKAUDIT_SECRET_KEY"):
        return os.environ["DESKAUDIT_SECRET_KEY"].encode()
    path = paths.data_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def serve_web(url: str, host: str, port: int, *, announce: Callable[[str], str] | None = None,
              data_dir: Path | None = None) -> None:
    """Serve the web app with waitress until interrupted; ``announce(base_url)`` is printed once listening."""
    from waitress import create_server

    from web import create_app

    import gc

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret_key(), "DATA_DIR": str(data_dir or paths.data_dir())})
    gc.collect()
    gc.freeze()  # the app's long-lived objects leave the collector's scans: fewer, shorter pauses under load
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
@click.option("--alert-interval", type=click.FloatRange(1, 600), default=20, show_default=True, metavar="SECONDS",
              help="How often the alert rules are evaluated.")
@click.option("--retention-days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="Evidence frames older than this are deleted nightly, unless attached to a finding.")
def sampler(ignore_hours: bool, workers: int | None, backend: str, weights: Path | None, alert_interval: float,
            retention_days: int) -> None:
    """Sample every enabled camera on its cadence until stopped (SIGTERM or Ctrl+C).

    Cameras enabled, disabled or edited in the database are picked up within a minute. One
    observation per camera and sampling slot; `-v` logs one line per sample. Alerts go to the
    database (in-app) and to the channels configured by DESKAUDIT_WEBHOOK_*, DESKAUDIT_SMTP_* and
    DESKAUDIT_MQTT_* (see docs/ALERTS.md).
    """
    import os

    from deskaudit.cli.common import BadInput
    from deskaudit.cli.sample import build_detector
    from models.db import make_engine, session_factory
    from schedules.alerting.channels import ChannelConfigError, channels_from_env
    from schedules.sampling import enabled_cameras
    from schedules.service import SamplerService

    try:
        channels = channels_from_env(os.environ)
    except ChannelConfigError as error:
        raise BadInput(f"alert channels: {error}") from None
    with database() as session:  # fail early, with a clear message, on a missing or old schema
        count = len(enabled_cameras(session))
    engine = make_engine(current_url())
    try:
        service = SamplerService(session_factory(engine), build_detector(backend, weights), paths.data_dir(),
                                 respect_hours=not ignore_hours, workers=workers, channels=channels,
                                 alert_every_s=alert_interval, retention_days=retention_days)
        hours = "around the clock" if ignore_hours else "in working hours"
        names = ", ".join(["in-app", *(c.name for c in channels)])
        click.echo(f"deskaudit sampler: {count} camera(s), sampling {hours}; alerts: {names}; Ctrl+C to stop")
        service.run_forever()
        click.echo("stopped")
    finally:
        engine.dispose()


@run.command(name="all")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Web port (0 = any free port).")
@click.option("--ignore-hours", is_flag=True, help="Sample around the clock, not only in working hours.")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]), default="openvino", show_default=True)
def all_(host: str, port: int, ignore_hours: bool, backend: str) -> None:
    """Run the sampler and the web app as two processes; Ctrl-C stops both."""
    from deskaudit.cli.together import run_together

    with database():  # fail early, with a clear message, on a missing or old schema
        pass
    sampler_args = ["--backend", backend, *(["--ignore-hours"] if ignore_hours else [])]
    code = run_together(sampler_args, ["--host", host, "--port", str(port)],
                        on_url=lambda url: click.echo(f"deskaudit: {url} (sampler and web running; Ctrl-C stops both)"))
    raise SystemExit(code)
