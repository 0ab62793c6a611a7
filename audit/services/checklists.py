"""The stored inspection checklist: the active template, the default one written once, item lookups."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.checklist import (
    DEFAULT_ITEMS,
    DEFAULT_TEMPLATE_CODE,
    DEFAULT_TEMPLATE_NAME_EN,
    DEFAULT_TEMPLATE_NAME_VI,
    KIND_ALIASES,
)
from models.checklists import ChecklistItem, ChecklistTemplate
from models.enums import FindingKind


def active_template(session: Session, code: str = DEFAULT_TEMPLATE_CODE) -> ChecklistTemplate | None:
    """The newest active version of template ``code``, or None when it has no active version."""
    return session.scalars(
        select(ChecklistTemplate)
        .where(ChecklistTemplate.code == code, ChecklistTemplate.active.is_(True))
        .order_by(ChecklistTemplate.version.desc())
        .limit(1)
    ).first()


def ensure_default_template(session: Session) -> ChecklistTemplate:
    """The default template: the newest active version if any, else the newest stored, else a new version 1.

    Existing versions are never altered: a changed checklist changes people's scores, so it
    must be a new version with its own decision reference.
    """
    found = active_template(session)
    if found is not None:
        return found
    newest = session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.code == DEFAULT_TEMPLATE_CODE)
        .order_by(ChecklistTemplate.version.desc()).limit(1)
    ).first()
    if newest is not None:
        return newest
    template = ChecklistTemplate(
        code=DEFAULT_TEMPLATE_CODE, version=1, name_vi=DEFAULT_TEMPLATE_NAME_VI, name_en=DEFAULT_TEMPLATE_NAME_EN,
        decision_ref=None, active=True,
        items=[
            ChecklistItem(number=spec.number, text_vi=spec.text_vi, text_en=spec.text_en, deduction=spec.deduction,
                          refer_discipline=spec.refer_discipline, scope=spec.scope, per_occurrence=True,
                          camera_finding_kind=spec.camera_finding_kind)
            for spec in DEFAULT_ITEMS
        ],
    )
    session.add(template)
    session.flush()
    return template


def item_for_finding(session: Session, kind: FindingKind) -> ChecklistItem | None:
    """The item of the active default template a camera finding of ``kind`` proposes, or None.

    Creates the default template when none was ever stored; returns None when every stored
    version has been deactivated or the kind maps to no item (``CAMERA_GAP``).
    """
    kind = FindingKind(kind)
    template = active_template(session)
    if template is None:
        ensure_default_template(session)
        template = active_template(session)
        if template is None:
            return None
    wanted = KIND_ALIASES.get(kind, kind)
    return next((item for item in template.items if item.camera_finding_kind == wanted), None)


def item_by_number(template: ChecklistTemplate, number: int) -> ChecklistItem | None:
    """Item ``number`` of ``template``, or None."""
    return next((item for item in template.items if item.number == number), None)
