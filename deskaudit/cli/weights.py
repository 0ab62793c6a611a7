"""``deskaudit weights``: fetch and verify the YOLO weights into the cache."""

from __future__ import annotations

import click

from deskaudit.cli.common import Failure
from deskaudit.settings import load_settings


@click.group()
def weights() -> None:
    """Person-detector weights (fetched once, verified by sha256)."""


@weights.command()
@click.option("--name", default="yolov8n.pt", show_default=True, help="Weights file to fetch.")
def fetch(name: str) -> None:
    """Make sure verified weights are in the cache; print their path."""
    from vision.weights import WeightsError, resolve_weights

    settings = load_settings()
    models_dir = settings.cache_path / "models"
    try:
        path = resolve_weights(name, cache_dir=models_dir, official=settings.weights_official)
    except WeightsError as error:
        raise Failure(str(error)) from None
    except OSError as error:
        # An unwritable or full cache directory: say where, and how to choose another one.
        raise Failure(
            f"cannot write the weights cache {models_dir}: {error}; set DESKAUDIT_CACHE_DIR to a writable directory"
        ) from None
    click.echo(str(path))
