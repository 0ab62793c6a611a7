"""Alert and audit thresholds of one desk, and their value after the layers (site, units root down, desk). Pure.

The wall, the alert rules, the audit run and the settings page all read a desk's thresholds through
``Thresholds.layered``; the layers come from ``audit/services/thresholds.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Thresholds:
    """The thresholds of one desk; the defaults are the site config's built-in ``[alerts]`` values."""

    unattended_minutes: int = 15
    unattended_queue_min: int = 1
    camera_fault_minutes: int = 10
    long_queue_length: int = 8
    long_queue_minutes: int = 20
    escalate_after_minutes: int = 30

    @classmethod
    def layered(cls, layers: Iterable[Mapping[str, int | None] | None]) -> Thresholds:
        """Defaults overridden by each layer in turn (site, then units from the root down, then the desk).

        A ``None`` layer or value inherits. Raises ValueError naming the threshold when a value is below 1.
        """
        values = {}
        for layer in layers:
            for name in FIELDS:
                value = (layer or {}).get(name)
                if value is not None:
                    if value < 1:
                        raise ValueError(f"alert threshold {name} must be ≥ 1, got {value}")
                    values[name] = value
        return cls(**values)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIELDS}


FIELDS = tuple(f.name for f in fields(Thresholds))
