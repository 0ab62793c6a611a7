"""Delivery of queued alert events to one channel, with retries and backoff.

Each channel has its own outbox job (and thread) in the sampler process, so a dead webhook or
mail server never delays sampling or the other channels. Network I/O happens outside any
database transaction; each delivery's outcome is committed on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models.alerts import Alert, AlertDelivery
from models.enums import DeliveryStatus
from models.org import Camera, Desk, Unit
from schedules.alerting.channels import Channel, ChannelError
from schedules.alerting.notice import AlertNotice

log = logging.getLogger("deskaudit.schedules.outbox")


@dataclass(frozen=True)
class Backoff:
    """Retry after ``first_s``, then doubling up to ``max_s``; give up after ``max_attempts`` (about 3 hours)."""

    first_s: float = 10.0
    max_s: float = 900.0
    max_attempts: int = 20

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        return timedelta(seconds=min(self.max_s, self.first_s * 2 ** max(0, attempts - 1)))


def notice_for(session: Session, alert: Alert, event: str, at: datetime) -> AlertNotice:
    """The notice of ``event`` of ``alert`` as it stands now."""
    unit = session.get(Unit, alert.unit_id)
    desk = session.get(Desk, alert.desk_id) if alert.desk_id is not None else None
    camera = session.get(Camera, alert.camera_id) if alert.camera_id is not None else None
    details = dict(alert.details or {})
    message_en = details.pop("message_en", alert.message or "")
    return AlertNotice(
        event=event, alert_id=alert.id, kind=str(alert.kind), severity=str(alert.severity), status=str(alert.status),
        unit_code=unit.code, unit_name=unit.name, desk_code=desk.code if desk else None,
        desk_name=desk.name if desk else None, camera_code=camera.code if camera else None,
        opened_at=alert.opened_at, at=at, message=alert.message or "", message_en=message_en, details=details)


def deliver_due(session_factory: sessionmaker[Session], channel: Channel, *,
                clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                backoff: Backoff = Backoff(), batch: int = 50) -> tuple[int, int]:
    """Send ``channel``'s due deliveries, oldest first; returns (sent, failed attempts).

    Deliveries leave in the order they were queued (an alert's ``resolved`` never overtakes its
    ``opened``). A failure backs the whole channel off: nothing more is tried until the failed
    delivery is due again, so a receiver that is down gets one attempt per backoff step, not one
    per queued event.
    """
    now = clock()
    with session_factory() as session:
        backed_off_until = session.scalar(
            select(func.max(AlertDelivery.next_attempt_at))
            .where(AlertDelivery.channel == channel.name, AlertDelivery.status == DeliveryStatus.PENDING,
                   AlertDelivery.attempts > 0))
        if backed_off_until is not None and backed_off_until > now:
            return 0, 0
        due = session.scalars(
            select(AlertDelivery.id)
            .where(AlertDelivery.channel == channel.name, AlertDelivery.status == DeliveryStatus.PENDING,
                   AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.id).limit(batch)).all()
    sent = failed = 0
    for delivery_id in due:
        with session_factory() as session:
            delivery = session.get(AlertDelivery, delivery_id)
            notice = notice_for(session, session.get(Alert, delivery.alert_id), delivery.event, now)
        error = None
        try:
            channel.send(notice)
        except ChannelError as exc:
            error = str(exc)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.exception("channel %s: unexpected error", channel.name)
        done_at = clock()
        with session_factory.begin() as session:
            delivery = session.get(AlertDelivery, delivery_id)
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.sent_at, delivery.next_attempt_at, delivery.last_error = (
                    DeliveryStatus.SENT, done_at, None, None)
            else:
                delivery.last_error = error[:2000]
                if delivery.attempts >= backoff.max_attempts:
                    delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
                else:
                    delivery.next_attempt_at = done_at + backoff.delay(delivery.attempts)
        if error is None:
            sent += 1
            log.info("alert %d %s sent by %s", notice.alert_id, notice.event, channel.name)
        else:
            failed += 1
            log.warning("alert %d %s not sent by %s (attempt %d): %s", notice.alert_id, notice.event, channel.name,
                        delivery.attempts, error)
            break
    return sent, failed
