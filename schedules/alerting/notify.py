"""E-mail the officials' notices (explanations asked of them, replies due) through the alerts' mail server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.access import Notification
from schedules.alerting.channels import ChannelError, EmailChannel

log = logging.getLogger("deskaudit.alerts.notify")
MAX_ATTEMPTS = 5


def deliver_notifications(session_factory: sessionmaker[Session], mail: EmailChannel, *,
                          clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                          batch: int = 50) -> tuple[int, int]:
    """Send notices with an address not sent yet, oldest first; stop at the first failure (the server is down).

    Returns (sent, failed). A notice is tried at most MAX_ATTEMPTS times; it stays readable in the app whatever
    happens to its e-mail.
    """
    with session_factory() as session:
        due = session.scalars(select(Notification.id).where(
            Notification.email_to.is_not(None), Notification.emailed_at.is_(None),
            Notification.email_attempts < MAX_ATTEMPTS).order_by(Notification.id).limit(batch)).all()
    sent = failed = 0
    for notice_id in due:
        with session_factory() as session:
            notice = session.get(Notification, notice_id)
            to, subject, body = notice.email_to, notice.subject, notice.body + (
                f"\n\n{notice.link}" if notice.link else "") + "\n\n-- deskaudit\n"
        error = None
        try:
            mail.send_text(to, subject, body)
        except ChannelError as exc:
            error = str(exc)
        with session_factory.begin() as session:
            notice = session.get(Notification, notice_id)
            notice.email_attempts += 1
            if error is None:
                notice.emailed_at, notice.email_error = clock(), None
            else:
                notice.email_error = error[:2000]
        if error is not None:
            failed += 1
            log.warning("notice %d not e-mailed: %s", notice_id, error)
            break
        sent += 1
    return sent, failed


__all__ = ["MAX_ATTEMPTS", "deliver_notifications"]
