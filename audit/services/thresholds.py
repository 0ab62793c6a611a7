"""Alert and audit thresholds as stored: the site's row, then each unit's from the root down, then the desk's.

A later layer's non-null value overrides an earlier one; a null inherits (``Thresholds.layered``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.thresholds import FIELDS, Thresholds
from models.alerts import AlertThreshold
from models.org import Desk, Unit

Layer = dict[str, int | None]


def desk_thresholds(session: Session, desks: Sequence[Desk],
                    base: Mapping[str, int | None] | None = None) -> dict[int, Thresholds]:
    """Per desk id, the thresholds that apply to it (one query for all desks).

    ``base`` is a layer under the stored ones (a caller's own defaults, e.g. the audit run's settings).
    """
    rows = _rows(session)
    return {desk.id: Thresholds.layered([base, *_unit_layers(rows, desk.unit), rows.get((None, desk.id))])
            for desk in desks}


def unit_thresholds(session: Session, units: Sequence[Unit | None]) -> list[Thresholds]:
    """The thresholds each unit's desks inherit, in the order of ``units`` (``None``: the site's own)."""
    rows = _rows(session)
    return [Thresholds.layered(_unit_layers(rows, unit)) for unit in units]


def _rows(session: Session) -> dict[tuple[int | None, int | None], Layer]:
    return {(r.unit_id, r.desk_id): {name: getattr(r, name) for name in FIELDS}
            for r in session.scalars(select(AlertThreshold))}


def _unit_layers(rows: dict, unit: Unit | None) -> list[Layer | None]:
    """The site's row, then each unit's from the root down to ``unit``."""
    chain = []
    while unit is not None:
        chain.append(rows.get((unit.id, None)))
        unit = unit.parent
    return [rows.get((None, None)), *reversed(chain)]
