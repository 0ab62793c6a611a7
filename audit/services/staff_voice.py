"""The official's own voice: what is asked of them is notified to them, and they answer it themselves.

A ``staff`` user is one official (``users.staff_id``). They read their own records only (web/scope.py), explain
their own findings while an explanation is awaited (audit/services/workflow.py) and reply to the results of a
FINAL inspection of them until its reply day (here). They decide nothing. Each request reaches them in-app and,
where an address is known, by e-mail (the sampler sends it through the alerts' mail server).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.services.calendars import NoHoursProfile, calendar_for
from audit.services.scoring_settings import explanation_days
from models.access import Notification, User
from models.checklists import Inspection, InspectionReply
from models.enums import InspectionStatus, Role, local_zone
from models.org import Staff, Unit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class VoiceError(ValueError):
    """A reply or a staff account that the rules do not allow; the message says why."""


def new_staff_account(session: Session, username: str, password_hash: str, staff_code: str, *,
                      email: str | None = None, full_name: str | None = None) -> User:
    """A ``staff`` user for the official ``staff_code`` (one account per official, an active official), scoped to
    the official's unit. The CLI and the web both create staff accounts here."""
    problem = username_problem(username) or (email_problem(email) if email else None)
    if problem:
        raise VoiceError(problem)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise VoiceError(f"user {username!r} already exists")
    official = session.scalars(select(Staff).where(Staff.code == staff_code)).first()
    if official is None:
        raise VoiceError(f"staff {staff_code!r}: no such official")
    if not official.active:
        raise VoiceError(f"staff {staff_code}: that official has been deactivated")
    taken = session.scalars(select(User).where(User.staff_id == official.id)).first()
    if taken is not None:
        raise VoiceError(f"staff {staff_code}: official already has the account {taken.username!r}")
    user = User(username=username, full_name=full_name or official.full_name, role=Role.STAFF,
                password_hash=password_hash, units=[official.unit], staff_id=official.id, email=email or None)
    session.add(user)
    session.flush()
    return user


def username_problem(name: str) -> str | None:
    if not USERNAME.match(name or ""):
        return f"user name {name!r}: use 2–64 lower-case letters, digits, '.', '_' or '-'"
    return None


def email_problem(address: str) -> str | None:
    if len(address) > 255 or not EMAIL.match(address):
        return f"e-mail {address!r}: not an e-mail address"
    return None


def local_day(at: datetime) -> date:
    return at.astimezone(local_zone()).date()


def reply_day(session: Session, unit_id: int, asked_at: datetime) -> date:
    """The last day to answer a request made at ``asked_at``: ``[scoring] explanation_days`` working days later by
    the unit's calendar (weekends, national days off and the unit's own days off do not count)."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise VoiceError(f"unit #{unit_id}: no such unit to count working days in")
    try:
        calendar = calendar_for(session, unit)
    except NoHoursProfile as error:
        raise VoiceError(str(error)) from None
    return calendar.working_day_after(local_day(asked_at), explanation_days(session))


def staff_account_problem(session: Session, user: User | object) -> str | None:
    """Why a ``staff`` user may not act now (no official, a deactivated one), or None."""
    if getattr(user, "role", None) is not Role.STAFF:
        return None
    staff_id = getattr(user, "staff_id", None)
    official = session.get(Staff, staff_id) if staff_id is not None else None
    if official is None:
        return f"user {getattr(user, 'username', '?')}: a staff account needs its official"
    if not official.active:
        return f"user {getattr(user, 'username', '?')}: official {official.code} has been deactivated"
    return None


def notify_official(session: Session, staff_id: int | None, *, kind: str, subject: str, body: str, link: str,
                    now: datetime) -> list[Notification]:
    """A notice to every active staff account of the official (in-app; by e-mail to the account's address, else
    the official's). An official without an account gets none: their manager tells them, as before."""
    if staff_id is None:
        return []
    official = session.get(Staff, staff_id)
    users = session.scalars(select(User).where(User.staff_id == staff_id, User.active.is_(True),
                                               User.role == Role.STAFF)).all()
    made = []
    for user in users:
        address = user.email or (official.email if official is not None else None)
        made.append(Notification(user_id=user.id, created_at=now, kind=kind, subject=subject[:255], body=body,
                                 link=link, email_to=address or None))
    session.add_all(made)
    session.flush()
    return made


def inspected_staff(inspection: Inspection) -> set[int]:
    """The officials an inspection's results are about (the inspection's official and each result's)."""
    found = {r.staff_id for r in inspection.results if r.staff_id is not None}
    if inspection.staff_id is not None:
        found.add(inspection.staff_id)
    return found


def awaiting_reply(inspection: Inspection, now: datetime) -> set[int]:
    """The inspected officials who may still reply: a FINAL record, its reply day not passed, no reply of theirs."""
    if inspection.status is not InspectionStatus.FINAL or inspection.reply_due is None:
        return set()
    if local_day(now) > inspection.reply_due:
        return set()
    return inspected_staff(inspection) - {r.staff_id for r in inspection.replies}


def open_for_replies(session: Session, inspection: Inspection, now: datetime) -> None:
    """On finalizing: the day replies are due by, and a notice to each inspected official."""
    inspection.reply_due = reply_day(session, inspection.unit_id, now)
    ref = inspection.record_number or f"#{inspection.id}"
    for staff_id in sorted(inspected_staff(inspection)):
        notify_official(
            session, staff_id, kind="inspection_reply", now=now, link=f"/inspections/{inspection.id}",
            subject=f"Biên bản kiểm tra {ref}: ý kiến của anh/chị trước ngày {inspection.reply_due:%d/%m/%Y}",
            body=(f"Kết quả kiểm tra {ref} ngày {local_day(inspection.started_at):%d/%m/%Y} đã được chốt. "
                  f"Anh/chị có thể gửi ý kiến đến hết ngày {inspection.reply_due:%d/%m/%Y}; các mục không đạt "
                  "chỉ bị trừ điểm sau khi anh/chị gửi ý kiến hoặc hết hạn.\n"
                  f"The inspection record {ref} is final. You may reply until {inspection.reply_due:%d/%m/%Y}."))


def reply_to_inspection(session: Session, inspection_id: int, text: str, *, now: datetime, by: User | None = None,
                        staff_code: str | None = None, attachment_ref: str | None = None) -> InspectionReply:
    """Record an inspected official's reply to a FINAL record's results, once, until its reply day.

    A ``staff`` user replies for themselves; others (a manager typing a paper reply) name the official.
    """
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise VoiceError(f"no inspection with id {inspection_id}")
    if inspection.status is not InspectionStatus.FINAL:
        raise VoiceError(f"inspection #{inspection.id} is a draft: replies are taken once it is final")
    text = (text or "").strip()
    if not text:
        raise VoiceError(f"inspection #{inspection.id}: the reply is empty")
    if by is not None and (problem := staff_account_problem(session, by)):
        raise VoiceError(problem)
    if by is not None and by.role is Role.STAFF:
        staff_id = by.staff_id
    elif staff_code is not None:
        staff_id = session.scalar(select(Staff.id).where(Staff.code == staff_code))
        if staff_id is None:
            raise VoiceError(f"no official with code {staff_code!r}")
    else:
        raise VoiceError(f"inspection #{inspection.id}: name the official who replies")
    if staff_id not in inspected_staff(inspection):
        raise VoiceError(f"inspection #{inspection.id}: its results are not about that official")
    if inspection.reply_due is not None and local_day(now) > inspection.reply_due:
        raise VoiceError(f"inspection #{inspection.id}: the day to reply was {inspection.reply_due:%d/%m/%Y}; "
                         "it has passed")
    if any(r.staff_id == staff_id for r in inspection.replies):
        raise VoiceError(f"inspection #{inspection.id}: that official has already replied")
    reply = InspectionReply(inspection_id=inspection.id, staff_id=staff_id, text=text[:10000],
                            attachment_ref=attachment_ref, submitted_at=now,
                            submitted_by_id=by.id if by is not None else None)
    inspection.replies.append(reply)
    session.flush()
    return reply


__all__ = [
    "VoiceError",
    "awaiting_reply",
    "email_problem",
    "inspected_staff",
    "new_staff_account",
    "notify_official",
    "open_for_replies",
    "reply_day",
    "reply_to_inspection",
    "staff_account_problem",
    "username_problem",
]
