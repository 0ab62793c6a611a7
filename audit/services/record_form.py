"""What an inspection record prints besides its own facts: the site's ``[inspection]`` table as last imported and
the header of a unit's records (audit/rules/record_form.py decides; this reads the units and the settings)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from audit.rules.record_form import STATUTES, RecordHeading, UnitForm, record_heading
from models.checklists import InspectionSettings
from models.org import Unit


@dataclass(frozen=True)
class RecordSettings:
    """``[inspection]``: the statutes every record cites, a new inspection's default basis, the copies made."""

    legal_basis: tuple[str, ...] = STATUTES
    basis: str | None = None
    copies: int = 2


def record_settings(session: Session) -> RecordSettings:
    """The site's ``[inspection]`` table as last imported (the defaults before any import)."""
    row = session.get(InspectionSettings, 1)
    config = dict(row.config) if row is not None else {}
    default = RecordSettings()
    return RecordSettings(legal_basis=tuple(config.get("legal_basis", default.legal_basis)),
                          basis=config.get("basis") or None, copies=int(config.get("copies", default.copies)))


def default_basis(session: Session) -> str | None:
    """The basis a new inspection takes when it gives none (``[inspection] basis``)."""
    return record_settings(session).basis


def unit_chain(session: Session, unit: Unit) -> list[UnitForm]:
    """The unit and every unit above it, nearest first, as the record's rules read them."""
    chain, seen = [], set()
    current: Unit | None = unit
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(UnitForm(name=current.name, address=current.address, place_name=current.place_name,
                              superior=current.superior, inspecting_body=current.inspecting_body))
        current = session.get(Unit, current.parent_id) if current.parent_id is not None else None
    return chain


def heading_for(session: Session, unit: Unit) -> RecordHeading:
    """The superior body, the inspecting body and the place name of a record of ``unit``."""
    return record_heading(unit_chain(session, unit))
