"""``deskaudit users``: accounts, roles and unit scope."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from audit.services.staff_voice import VoiceError, email_problem, new_staff_account, username_problem
from deskaudit.cli.common import BadInput, database
from models import Unit, User
from models.enums import Role
from models.org import Staff
from web.passwords import hash_password, password_problem


@click.group()
def users() -> None:
    """User accounts (roles: admin, inspector, manager, viewer, staff)."""


@users.command()
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the user may do.")
@click.option("--unit", "units", multiple=True, metavar="CODE",
              help="Unit scope (repeatable); required except for admin.")
@click.option("--full-name", default=None, help="Display name.")
@click.option("--staff", "staff_code", default=None, metavar="CODE",
              help="Role staff only: the official this account is (their own records, explanations and replies).")
@click.option("--email", default=None, help="Where notices go (default: the official's address, for role staff).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def add(name: str, role: str, units: tuple[str, ...], full_name: str | None, staff_code: str | None,
        email: str | None, password_stdin: bool) -> None:
    """Create user NAME. The password is read from stdin, never from the command line.

    A staff account (--role staff --staff CODE) sees only that official's own records; its scope is the
    official's unit.
    """
    if username_problem(name):
        raise BadInput(username_problem(name))
    if not password_stdin:
        raise BadInput("pass --password-stdin and send the password on standard input")
    password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        raise BadInput(problem)
    if email is not None and email_problem(email):
        raise BadInput(f"--email: {email_problem(email)}")
    if role == Role.STAFF.value:
        if not staff_code:
            raise BadInput("role staff needs --staff CODE: the official the account is")
        if units:
            raise BadInput("role staff takes no --unit: its scope is its official's unit")
    elif staff_code:
        raise BadInput(f"--staff is for role staff only (not {role})")
    elif role != Role.ADMIN.value and not units:
        raise BadInput(f"role {role} needs at least one --unit CODE (its scope)")
    with database() as session:
        if role == Role.STAFF.value:
            try:
                new_staff_account(session, name, hash_password(password), staff_code, email=email,
                                  full_name=full_name)
            except VoiceError as error:
                raise BadInput(str(error).replace("staff ", "--staff ", 1)) from None
        else:
            if session.scalar(select(User).where(User.username == name)):
                raise BadInput(f"user {name!r} already exists")
            found = session.scalars(select(Unit).where(Unit.code.in_(units))).all() if units else []
            missing = sorted(set(units) - {u.code for u in found})
            if missing:
                raise BadInput(f"no unit with code {', '.join(missing)} (import the site config first)")
            session.add(User(username=name, full_name=full_name, role=Role(role), password_hash=hash_password(password),
                             units=list(found), email=email))
    scope = f"official {staff_code}" if staff_code else (", ".join(units) if units else "all units")
    click.echo(f"user {name} created: role {role}, scope {scope}")


@users.command(name="list")
def list_() -> None:
    """List users with their role and unit scope."""
    with database() as session:
        rows = session.scalars(select(User).order_by(User.username)).all()
        for user in rows:
            scope = ", ".join(u.code for u in user.units) or ("all units" if user.role is Role.ADMIN else "-")
            if user.staff_id is not None:
                official = session.get(Staff, user.staff_id)
                scope = f"official {official.code if official else '?'}"
            state = "" if user.active else " (disabled)"
            click.echo(f"{user.username}\t{user.role.value}\t{scope}{state}")
        if not rows:
            click.echo("no users yet: `deskaudit users add NAME --role admin --password-stdin`")


@users.command()
@click.argument("name")
@click.option("--label", default="api", show_default=True, help="What the token is for (shown in listings).")
def token(name: str, label: str) -> None:
    """Create an API token for user NAME and print it once (clients send `Authorization: Bearer TOKEN`).

    Only a hash is stored: a lost token cannot be shown again; create another.
    """
    from models.access import ApiToken
    from web.auth import new_token, token_hash

    with database() as session:
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            raise BadInput(f"no user {name!r}")
        if not user.active:
            raise BadInput(f"user {name!r} is disabled")
        value = new_token()
        session.add(ApiToken(user_id=user.id, name=label[:64], token_hash=token_hash(value)))
    click.echo(value)
