"""The command line: help everywhere, and the exit-code contract (0 ok, 2 bad input, 1 failure)."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from sqlalchemy import select

from deskaudit.cli import cli
from models import User


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *sorted(_commands(cli))], ids=lambda p: " ".join(p) or "deskaudit")
def test_help_on_every_command(path, cli_runner):
    result = cli_runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_console_script_runs():
    done = subprocess.run([sys.executable, "-m", "deskaudit", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "deskaudit" in done.stdout


def test_unknown_command_is_bad_input(cli_runner):
    assert cli_runner.invoke(cli, ["fly"]).exit_code == 2


def test_unmigrated_database_is_a_clear_failure(cli_runner, monkeypatch, tmp_path):
    from conftest import EXAMPLE_CONFIG

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = cli_runner.invoke(cli, ["config", "import", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 1
    assert "deskaudit db upgrade" in result.output


def test_unreachable_database_is_a_clear_failure(cli_runner, monkeypatch):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    result = cli_runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "127.0.0.1:1" in result.output and "secret" not in result.output


def test_db_upgrade_current_check(cli_runner, monkeypatch, db_url):
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", db_url)
    assert cli_runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    from models import migrate

    assert f"revision {migrate.head_revision()}" in cli_runner.invoke(cli, ["db", "current"]).output
    result = cli_runner.invoke(cli, ["db", "check"])
    assert result.exit_code == 0 and "matches" in result.output


@pytest.fixture
def site_db(cli_runner, monkeypatch, migrated_url):
    from conftest import EXAMPLE_CONFIG

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    assert cli_runner.invoke(cli, ["config", "import", str(EXAMPLE_CONFIG)]).exit_code == 0
    return migrated_url


def test_users_add_and_list(cli_runner, site_db, session_for):
    result = cli_runner.invoke(
        cli, ["users", "add", "thanhtra.na", "--role", "inspector", "--unit", "NA-TRUONGVINH", "--unit", "NA-DIENCHAU",
              "--password-stdin"], input="mot-mat-khau-dai\n")
    assert result.exit_code == 0, result.output
    listing = cli_runner.invoke(cli, ["users", "list"]).output
    assert "thanhtra.na\tinspector\tNA-DIENCHAU, NA-TRUONGVINH" in listing
    with session_for() as session:
        user = session.scalars(select(User).where(User.username == "thanhtra.na")).one()
        assert user.password_hash.startswith("$argon2") and "mot-mat-khau-dai" not in user.password_hash


@pytest.mark.parametrize("args, stdin, message", [
    (["viewer1", "--role", "viewer", "--password-stdin"], "long-enough-pw\n", "needs at least one --unit"),
    (["viewer1", "--role", "viewer", "--unit", "NOPE", "--password-stdin"], "long-enough-pw\n",
     "no unit with code NOPE"),
    (["viewer1", "--role", "boss", "--unit", "NA", "--password-stdin"], "long-enough-pw\n",
     "Invalid value for '--role'"),
    (["viewer1", "--role", "viewer", "--unit", "NA", "--password-stdin"], "short\n", "at least 10 characters"),
    (["viewer1", "--role", "viewer", "--unit", "NA"], "", "--password-stdin"),
    (["Bad Name", "--role", "admin", "--password-stdin"], "long-enough-pw\n", "user name"),
])
def test_users_add_bad_input(args, stdin, message, cli_runner, site_db, session_for):
    result = cli_runner.invoke(cli, ["users", "add", *args], input=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output
    with session_for() as session:
        assert session.scalars(select(User)).all() == []


def test_duplicate_user_is_bad_input(cli_runner, site_db):
    args = ["users", "add", "admin2", "--role", "admin", "--password-stdin"]
    assert cli_runner.invoke(cli, args, input="long-enough-pw\n").exit_code == 0
    result = cli_runner.invoke(cli, args, input="long-enough-pw\n")
    assert result.exit_code == 2 and "already exists" in result.output


def test_weights_fetch_into_unwritable_cache_is_a_clear_failure(cli_runner, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("DESKAUDIT_CACHE_DIR", str(blocker))
    result = cli_runner.invoke(cli, ["weights", "fetch"])
    assert result.exit_code == 1
    assert "DESKAUDIT_CACHE_DIR" in result.output
    assert "Traceback" not in result.output
