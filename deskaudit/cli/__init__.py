"""``deskaudit`` command line. Exit codes: 0 ok, 2 bad input, 1 failure."""

from __future__ import annotations

import logging
import os

import click

from deskaudit import __version__
from deskaudit.cli.alerts import alerts
from deskaudit.cli.audit import audit_group, findings
from deskaudit.cli.backup import backup, restore
from deskaudit.cli.calendar import calendar
from deskaudit.cli.camera import camera
from deskaudit.cli.common import BadInput
from deskaudit.cli.config import config
from deskaudit.cli.db import db
from deskaudit.cli.demo import demo
from deskaudit.cli.inspection import inspection
from deskaudit.cli.replay import replay
from deskaudit.cli.report import report
from deskaudit.cli.roster import leave, roster, stats
from deskaudit.cli.run import run
from deskaudit.cli.sample import sample
from deskaudit.cli.scores import scores
from deskaudit.cli.staff import staff
from deskaudit.cli.users import users
from deskaudit.cli.weights import weights
from deskaudit.settings import SettingsError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="deskaudit")
@click.option("-v", "--verbose", count=True, help="Log more (INFO; twice for DEBUG).")
def cli(verbose: int) -> None:
    """deskaudit — camera-based presence audit for one-stop desks (Bộ phận Một cửa).

    Data lives in $DESKAUDIT_DATA_DIR (default ~/.local/share/deskaudit); the database is
    $DESKAUDIT_DATABASE_URL (default: SQLite in the data directory). Every DESKAUDIT_* variable
    is listed in docs/SETTINGS.md; a bad value stops any command with exit 2.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:  # the whole environment is checked before any command runs
        load_settings()
    except SettingsError as error:
        raise BadInput(f"environment: {error}") from None


for group in (db, config, users, camera, run, sample, alerts, audit_group, findings, roster, leave, stats, inspection,
              staff, scores, report, demo, replay, weights, backup, restore, calendar):
    cli.add_command(group)


def main() -> None:
    """Console entry point."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    cli(prog_name="deskaudit")
