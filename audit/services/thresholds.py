"""Alert and audit thresholds as stored: the site's row, then each unit's from the root down, then the desk's."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.thresholds import FIELDS
from models.alerts import AlertThreshold
from models.org import Desk



def threshold_layers(session: Session, desks: Sequence[Desk]) -> dict[int, list[dict[str, int | None]]]:
    """Per desk id, its threshold rows from the widest scope to the narrowest (absent rows left out).

    A later layer's non-null value overrides an earlier one; a null inherits.
    """
    rows = {(r.unit_id, r.desk_id): {name: getattr(r, name) for name in FIELDS}
            for r in session.scalars(select(AlertThreshold))}
    found = {}
    for desk in desks:
        units, unit = [], desk.unit
        while unit is not None:
            units.append(rows.get((unit.id, None)))
            unit = unit.parent
        layers = [rows.get((None, None)), *reversed(units), rows.get((None, desk.id))]
        found[desk.id] = [layer for layer in layers if layer is not None]
    return found
