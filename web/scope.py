"""Who may see what: roles and unit scope, enforced in every query, page, download and API call.

A user's scope is their units and every unit below them; admins see every unit. Objects of a unit
outside the scope are *not found* (404), never *forbidden*, so ids of other units leak nothing: web/read.py
holds the look-ups that apply this (``scoped_or_404``, ``unit_in_scope``, what ``?unit=`` covers).

Within the scope, the official of an unconfirmed proposal is told only to admins and inspectors
(audit/rules/disclosure.py): pages, the API and the report downloads ask ``withheld`` and count what they withhold.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from typing import NamedTuple

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, false, select

from audit.rules.disclosure import NAMED_STATUSES, NAMING_ROLES, withholds
from models.enums import FindingStatus, Role
from models.findings import Finding
from models.org import Unit
from web.cache import cached
from web.db import get_session

REVIEW_ROLES = (Role.ADMIN, Role.INSPECTOR, Role.MANAGER)  # acknowledge alerts, ask for and record explanations
DECIDE_ROLES = (Role.ADMIN, Role.INSPECTOR)  # confirm or dismiss findings, record inspections
ADMIN_ROLES = (Role.ADMIN,)


def visible_unit_ids() -> frozenset[int]:
    """Ids of the units the current user may see (cached for the request)."""
    if "visible_units" not in g:
        g.visible_units = frozenset(_units_below(current_user))
    return g.visible_units


def _units_below(user) -> Iterable[int]:
    if user.role is Role.ADMIN:
        return unit_directory().codes.keys()
    return subtree([u.id for u in user.units])


class UnitDirectory(NamedTuple):
    """Every unit's code and children, read once per request (shared for CACHE_SECONDS when it is set)."""

    codes: dict[int, str]
    children: dict[int | None, tuple[int, ...]]


UNIT_TREE = select(Unit.id, Unit.parent_id, Unit.code)


def unit_directory() -> UnitDirectory:
    if "unit_directory" not in g:
        g.unit_directory = cached("units", "directory", _read_directory)
    return g.unit_directory


def _read_directory() -> UnitDirectory:
    codes, children = {}, {}
    for unit_id, parent_id, code in get_session().execute(UNIT_TREE):
        codes[unit_id] = code
        children.setdefault(parent_id, []).append(unit_id)
    return UnitDirectory(codes, {parent: tuple(ids) for parent, ids in children.items()})


def subtree(roots: Iterable[int]) -> set[int]:
    """Ids of the ``roots`` units and of every unit below them."""
    children = unit_directory().children
    found, todo = set(), list(roots)
    while todo:
        unit_id = todo.pop()
        if unit_id not in found:
            found.add(unit_id)
            todo.extend(children.get(unit_id, ()))
    return found


def can(*roles: Role) -> bool:
    return current_user.is_authenticated and current_user.role in roles


def roles_required(*roles: Role):
    """A view only these roles may use (others get 403; the login check comes first)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def sees_every_official() -> bool:
    """Is the signed-in user told the official of unconfirmed proposals too (admins and inspectors)?"""
    return can(*NAMING_ROLES)


def withheld(status: FindingStatus, staff_id: int | None) -> bool:
    """Is the official of this finding kept from the signed-in user (an unconfirmed proposal, below inspector)?"""
    return withholds(current_user.role, status, staff_id)


def withheld_findings() -> ColumnElement[bool]:
    """The findings whose official the signed-in user is not told, as a condition to count them by."""
    if sees_every_official():
        return false()
    return and_(Finding.staff_id.is_not(None), Finding.status.not_in(sorted(NAMED_STATUSES)))
