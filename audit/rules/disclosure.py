"""Who may be told which official a finding is about: unconfirmed proposals carry no names below the inspector role.

A camera proposal is not a violation until a person confirms it after the official's explanation. Until then only
the roles that decide on it (admin, inspector) see whose it is; a manager or a viewer sees the finding (its desk,
day, times, status) and how many there are, never the official's name, code or id. A confirmed finding names its
official for every role. Pages, the API and the report files all ask ``names_official``.
"""

from __future__ import annotations

from models.enums import FindingStatus, Role

# see the official of every finding they see (a staff user sees only findings about themselves)
NAMING_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.STAFF})
NAMED_STATUSES = frozenset({FindingStatus.CONFIRMED})  # a finding in these names its official to every role


def names_official(role: Role, status: FindingStatus) -> bool:
    """May a user of ``role`` see which official a finding in ``status`` is about?"""
    return role in NAMING_ROLES or status in NAMED_STATUSES


def withholds(role: Role, status: FindingStatus, staff_id: int | None) -> bool:
    """Is the official of a personal finding (``staff_id`` set) kept from a user of ``role``?"""
    return staff_id is not None and not names_official(role, status)
