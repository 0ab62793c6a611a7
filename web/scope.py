"""Who may see what: roles and unit scope, enforced in every query, page, download and API call.

A user's scope is their units and every unit below them; admins see every unit. Objects of a unit
outside the scope are *not found* (404), never *forbidden*, so ids of other units leak nothing: web/read.py
holds the look-ups that apply this (``scoped_or_404``, ``unit_in_scope``, what ``?unit=`` covers).

Within the scope, the official of an unconfirmed proposal is told only to admins and inspectors
(audit/rules/disclosure.py): pages, the API and the report downloads ask ``withheld`` and count what they withhold.

A ``staff`` user is one official: their scope is their own unit, and within it their own records only. Only the
endpoints of STAFF_ENDPOINTS answer them (others: 403); ``scoped_or_404`` refuses another official's finding,
inspection or person as not found, and ``own_findings``/``own_inspections`` narrow every list.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from typing import NamedTuple

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from audit.rules.disclosure import NAMED_STATUSES, NAMING_ROLES, withholds
from models.checklists import Inspection, InspectionResult
from models.enums import FindingStatus, Role
from models.findings import Finding
from models.org import Staff, Unit
from web.cache import cached
from web.db import get_session

REVIEW_ROLES = (Role.ADMIN, Role.INSPECTOR, Role.MANAGER)  # acknowledge alerts, ask for and record explanations
DECIDE_ROLES = (Role.ADMIN, Role.INSPECTOR)  # confirm or dismiss findings, record inspections
ADMIN_ROLES = (Role.ADMIN,)
EXPLAIN_ROLES = (*REVIEW_ROLES, Role.STAFF)  # record an explanation (a staff user: their own, themselves)
# What a staff user may open: their page, their findings (and evidence, explanations, scans), their inspections
# (and photos, the record, replies), their own monitoring results; the same in the API.
STAFF_ENDPOINTS = frozenset({
    "home", "auth.logout", "static", "me.index", "me.read_all",
    "findings_page.index", "findings_page.detail", "findings_page.evidence", "findings_page.record_explanation",
    "findings_page.attachment",
    "inspections_page.index", "inspections_page.detail", "inspections_page.photo", "inspections_page.record_pdf",
    "inspections_page.reply", "inspections_page.reply_attachment",
    "scores_page.official",
    "api.openapi", "api.me", "api.list_findings", "api.get_finding", "api.explain_finding",
    "api.list_inspections", "api.get_inspection", "api.reply_inspection", "api.official_score",
})


def own_staff_id() -> int | None:
    """The official a staff user is; None for every other role (who are not limited to one official)."""
    if current_user.is_authenticated and current_user.role is Role.STAFF:
        return current_user.staff_id if current_user.staff_id is not None else -1
    return None


def staff_gate() -> None:
    """Before each request: a staff user reaches only STAFF_ENDPOINTS (403 otherwise)."""
    if own_staff_id() is not None and request.endpoint not in STAFF_ENDPOINTS:
        abort(403)


def owns(obj: object) -> bool:
    """Is ``obj`` (a finding, an inspection, an official) the signed-in staff user's own? Always for other roles;
    objects of other kinds are judged by unit alone."""
    own = own_staff_id()
    if own is None:
        return True
    if isinstance(obj, Finding):
        return obj.staff_id == own
    if isinstance(obj, Inspection):
        return obj.staff_id == own or any(r.staff_id == own for r in obj.results)
    if isinstance(obj, Staff):
        return obj.id == own
    return True


def own_findings() -> ColumnElement[bool]:
    """A condition narrowing findings to the staff user's own (no narrowing for other roles)."""
    own = own_staff_id()
    return true() if own is None else Finding.staff_id == own


def own_inspections() -> ColumnElement[bool]:
    """A condition narrowing inspections to those about the staff user (no narrowing for other roles)."""
    own = own_staff_id()
    if own is None:
        return true()
    return or_(Inspection.staff_id == own, exists().where(InspectionResult.inspection_id == Inspection.id,
                                                          InspectionResult.staff_id == own))


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
