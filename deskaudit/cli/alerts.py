"""``deskaudit alerts``: list alerts and acknowledge them from the command line."""

from __future__ import annotations

from datetime import datetime, timezone

import click
from sqlalchemy import select

from deskaudit.cli.common import BadInput, database
from models.access import User
from models.alerts import Alert
from models.enums import AlertStatus, local_zone
from models.org import Desk, Unit

SHOWN_IN = local_zone()


@click.group()
def alerts() -> None:
    """Alerts raised by the sampler (unattended desks, camera faults, long queues)."""


@alerts.command(name="list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved alerts (default: open and acknowledged).")
@click.option("--unit", "unit_code", metavar="CODE", help="Only this unit's alerts.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000),
              help="At most this many, newest first.")
def list_(show_all: bool, unit_code: str | None, limit: int) -> None:
    """One line per alert: id, status, severity, kind, unit, desk, opened (local time), message."""
    with database() as session:
        query = (select(Alert, Unit.code, Desk.code).join(Unit, Alert.unit_id == Unit.id)
                 .outerjoin(Desk, Alert.desk_id == Desk.id).order_by(Alert.opened_at.desc(), Alert.id.desc())
                 .limit(limit))
        if not show_all:
            query = query.where(Alert.status != AlertStatus.RESOLVED)
        if unit_code is not None:
            if session.scalar(select(Unit.id).where(Unit.code == unit_code)) is None:
                raise BadInput(f"no unit with code {unit_code!r}")
            query = query.where(Unit.code == unit_code)
        rows = session.execute(query).all()
        if not rows:
            click.echo("no alerts" if show_all else "no open alerts")
        for alert, unit, desk in rows:
            opened = alert.opened_at.astimezone(SHOWN_IN).strftime("%d/%m/%Y %H:%M")
            click.echo(f"{alert.id:>6}  {alert.status!s:<12} {alert.severity!s:<8} {alert.kind!s:<16} "
                       f"{unit:<16} {desk or '-':<10} {opened}  {alert.message}")


@alerts.command()
@click.argument("alert_id", type=int)
@click.option("--by", "username", metavar="USER", help="The user acknowledging it (recorded on the alert).")
def ack(alert_id: int, username: str | None) -> None:
    """Acknowledge alert ALERT_ID: someone is on it (stops escalation; it still resolves by itself)."""
    from audit.services.alerts import AlertNotFound, AlertResolved, acknowledge, alert_by_id

    with database() as session:
        user_id = None
        if username is not None:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise BadInput(f"no user {username!r}")
        try:
            alert = alert_by_id(session, alert_id)
            acknowledge(session, alert, user_id, datetime.now(timezone.utc))
        except (AlertNotFound, AlertResolved) as error:
            raise BadInput(str(error)) from None
        click.echo(f"alert {alert.id} {alert.status}: {alert.message}")
