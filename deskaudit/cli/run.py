"""``deskaudit run``: the long-running services."""

from __future__ import annotations

from pathlib import Path

import click

from deskaudit import paths
from deskaudit.cli.common import current_url, database
from deskaudit.cli.webserver import CACHE_SECONDS, THREADS, default_workers, serve_web
from deskaudit.settings import load_settings


@click.group()
def run() -> None:
    """Run a deskaudit service in the foreground."""


@run.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 = any free port).")
@click.option("--workers", type=click.IntRange(1, 32), help="Server processes (default: one per CPU core, at most 4).")
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(1, 64),
              help="Request threads per process.")
@click.option("--cache", default=CACHE_SECONDS, show_default=True, type=click.FloatRange(0, 60),
              metavar="SECONDS", help="Keep the desk wall, a month's scores, the unit tree and who each session or "
                   "token is for this long, per worker (0: off).")
def web(host: str, port: int, workers: int | None, threads: int, cache: float) -> None:
    """Serve the web app (waitress; several processes share the port)."""
    with database():  # fail early, with a clear message, on a missing or old schema
        pass
    serve_web(current_url(), host, port, workers=workers or default_workers(), threads=threads,
              cache_seconds=cache)


@run.command()
@click.option("--ignore-hours", is_flag=True, help="Sample around the clock, not only in each desk's working hours.")
@click.option("--workers", type=click.IntRange(1, 64), help="Cameras sampled at once (default: min(8, cameras)).")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]),
              help="Detector backend (onnx/openvino are exported once and cached); default: the site config's "
                   "[vision.detector] backend, openvino if it names none.")
@click.option("--weights", type=click.Path(path_type=Path, dir_okay=False),
              help="Weights file to use instead of the verified cached yolov8n.pt (must match its sha256).")
@click.option("--alert-interval", type=click.FloatRange(1, 600), default=20, show_default=True, metavar="SECONDS",
              help="How often the alert rules are evaluated.")
@click.option("--retention-days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="Evidence frames older than this are deleted nightly, unless attached to a finding.")
def sampler(ignore_hours: bool, workers: int | None, backend: str | None, weights: Path | None, alert_interval: float,
            retention_days: int) -> None:
    """Sample every enabled camera on its cadence until stopped (SIGTERM or Ctrl+C).

    Cameras enabled, disabled or edited in the database are picked up within a minute. One
    observation per camera and sampling slot; `-v` logs one line per sample. Alerts go to the
    database (in-app) and to the channels configured by DESKAUDIT_WEBHOOK_*, DESKAUDIT_SMTP_* and
    DESKAUDIT_MQTT_* (see docs/ALERTS.md). The site config's [vision] settings, as last imported, apply,
    and a new import of them takes effect at the next reconcile (within 30 s).
    """
    from deskaudit.cli.sample import build_detector
    from models.db import make_engine, session_factory
    from schedules.sampling import enabled_cameras
    from schedules.service import SamplerService
    from schedules.vision_settings import sampling_settings, stored_vision

    channels = load_settings().alert_channels()  # checked with the whole environment when the command started
    with database() as session:  # fail early, with a clear message, on a missing or old schema
        count = len(enabled_cameras(session))
        vision = stored_vision(session)
    engine = make_engine(current_url())
    try:
        service = SamplerService(session_factory(engine), build_detector(backend, weights, vision), paths.data_dir(),
                                 respect_hours=not ignore_hours, workers=workers, channels=channels,
                                 alert_every_s=alert_interval, retention_days=retention_days,
                                 settings=sampling_settings(vision),
                                 detector_factory=lambda changed: build_detector(backend, weights, changed))
        hours = "around the clock" if ignore_hours else "in working hours"
        names = ", ".join(["in-app", *(c.name for c in channels)])
        click.echo(f"deskaudit sampler: {count} camera(s), sampling {hours}; alerts: {names}; Ctrl+C to stop")
        service.run_forever()
        click.echo("stopped")
    finally:
        engine.dispose()


@run.command(name="all")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Web port (0 = any free port).")
@click.option("--ignore-hours", is_flag=True, help="Sample around the clock, not only in working hours.")
@click.option("--backend", type=click.Choice(["torch", "onnx", "openvino"]),
              help="Detector backend; default: the site config's [vision.detector] backend, openvino if none.")
def all_(host: str, port: int, ignore_hours: bool, backend: str | None) -> None:
    """Run the sampler and the web app as two processes; Ctrl-C stops both."""
    from deskaudit.cli.together import run_together

    with database():  # fail early, with a clear message, on a missing or old schema
        pass
    sampler_args = [*(["--backend", backend] if backend else []), *(["--ignore-hours"] if ignore_hours else [])]
    code = run_together(sampler_args, ["--host", host, "--port", str(port)],
                        on_url=lambda url: click.echo(f"deskaudit: {url} (sampler and web running; Ctrl-C stops both)"))
    raise SystemExit(code)
