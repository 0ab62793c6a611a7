"""Alert operations in the database: open, update, upgrade, escalate, resolve — and acknowledge.

The one place an alert's status changes. The sampler (``schedules/alerting/store.AlertBook``)
calls ``apply`` with the conditions that hold now and queues a delivery for each event it returns;
the CLI, the alerts page and the API call ``acknowledge``. The caller commits.

An alert lives ``open → acknowledged → resolved`` (or ``open → resolved``). There is one open alert
per condition key (a partial unique index guards it); escalation raises an open alert's severity
once, ``escalate_after_minutes`` after it opened, unless someone acknowledged it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.alerts import Condition, raised, rank
from audit.rules.thresholds import Thresholds
from models.alerts import Alert
from models.enums import AlertKind, AlertStatus

log = logging.getLogger("deskaudit.alerts")

OPENED, UPGRADED, ESCALATED, RESOLVED = "opened", "upgraded", "escalated", "resolved"  # the events delivered


class AlertNotFound(LookupError):
    """No alert has that id."""


class AlertResolved(ValueError):
    """The alert is resolved already: nothing left to acknowledge."""


def apply(session: Session, conditions: Sequence[Condition], now: datetime,
          thresholds: Mapping[int, Thresholds] | None = None) -> list[tuple[Alert, str]]:
    """Open, update, upgrade, escalate and resolve alerts so they match ``conditions``; returns the events.

    ``thresholds`` are per desk id (for ``escalate_after_minutes``); a desk not in it uses the defaults.
    """
    thresholds = thresholds or {}
    events: list[tuple[Alert, str]] = []
    current = {a.condition_key: a for a in session.scalars(select(Alert).where(Alert.status != AlertStatus.RESOLVED))}
    wanted = {c.key: c for c in conditions}
    for key, condition in wanted.items():
        alert = current.get(key)
        if alert is None:
            events.append((open_alert(session, condition, now), OPENED))
        elif update(alert, condition):
            events.append((alert, UPGRADED))
    for key, alert in current.items():
        if key not in wanted:
            resolve(alert, now)
            events.append((alert, RESOLVED))
        elif escalate(alert, thresholds.get(alert.desk_id, Thresholds()) if alert.desk_id is not None
                      else Thresholds(), now):
            events.append((alert, ESCALATED))
    session.flush()
    return events


def open_alert(session: Session, condition: Condition, now: datetime) -> Alert:
    """A new open alert for ``condition`` (flushed, so it has its id)."""
    alert = Alert(unit_id=condition.unit_id, desk_id=condition.desk_id, camera_id=condition.camera_id,
                  kind=condition.kind, severity=condition.severity, status=AlertStatus.OPEN,
                  condition_key=condition.key, opened_at=now, message=condition.message, details=_details(condition))
    session.add(alert)
    session.flush()
    log.info("alert %d opened: %s", alert.id, condition.message_en)
    return alert


def update(alert: Alert, condition: Condition) -> bool:
    """Keep the open alert's message current; True when it was upgraded.

    Upgraded: the condition is more severe, or an unattended desk now has people waiting. An alert is
    never downgraded while it stays open.
    """
    alert.message = condition.message
    alert.details = _details(condition)
    if rank(condition.severity) > rank(alert.severity) or (
            alert.kind == AlertKind.UNATTENDED and condition.kind == AlertKind.UNATTENDED_QUEUE):
        alert.kind = condition.kind
        alert.severity = max(alert.severity, condition.severity, key=rank)
        log.info("alert %d upgraded: %s", alert.id, condition.message_en)
        return True
    return False


def escalate(alert: Alert, th: Thresholds, now: datetime) -> bool:
    """Raise an open, unacknowledged alert one severity step once it is ``escalate_after_minutes`` old."""
    if (alert.status != AlertStatus.OPEN or alert.escalated_at is not None
            or now - alert.opened_at < timedelta(minutes=th.escalate_after_minutes)):
        return False
    alert.escalated_at = now
    alert.severity = raised(alert.severity)
    log.info("alert %d escalated: not acknowledged for %d min", alert.id, th.escalate_after_minutes)
    return True


def resolve(alert: Alert, now: datetime) -> None:
    """The alert's condition no longer holds."""
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    log.info("alert %d resolved: %s no longer holds", alert.id, alert.condition_key)


def acknowledge(session: Session, alert: Alert | int, user_id: int | None, now: datetime) -> bool:
    """Someone is on it: an open alert becomes acknowledged (which stops its escalation).

    Returns True when it changed, False when it was acknowledged already (acknowledging twice changes
    nothing: the first person and time stay). It still resolves by itself when its condition clears.

    Raises:
        AlertNotFound: no alert with that id.
        AlertResolved: the alert is resolved.
    """
    if isinstance(alert, int):
        alert = alert_by_id(session, alert)
    if alert.status == AlertStatus.RESOLVED:
        raise AlertResolved(f"alert {alert.id} is already resolved")
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return False
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by_id = user_id
    return True


def alert_by_id(session: Session, alert_id: int) -> Alert:
    """The alert with ``alert_id``; raises AlertNotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFound(f"alert {alert_id} does not exist")
    return alert


def _details(condition: Condition) -> dict:
    return {**condition.details, "message_en": condition.message_en, "since": condition.since.isoformat()}
