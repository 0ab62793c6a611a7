"""What an alert is about: a condition that holds now, its key, and the severity ladder. Pure.

The sampler's rules (``schedules/alerting/rules.py``) find conditions; the alert operations
(``audit/services/alerts.py``) keep one open alert per condition key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.enums import AlertKind, Severity

SEVERITY_ORDER = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)


@dataclass(frozen=True)
class Condition:
    """A condition that holds now; ``key`` identifies it across evaluations (one open alert per key)."""

    key: str
    kind: AlertKind
    severity: Severity
    unit_id: int
    desk_id: int | None
    camera_id: int | None
    since: datetime
    message: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)


def unattended_key(desk_id: int) -> str:
    return f"desk:{desk_id}:unattended"


def long_queue_key(desk_id: int) -> str:
    return f"desk:{desk_id}:long_queue"


def camera_fault_key(camera_id: int) -> str:
    return f"camera:{camera_id}:fault"


def rank(severity: Severity | str) -> int:
    """Position of ``severity`` on the ladder (info 0, warning 1, critical 2)."""
    return SEVERITY_ORDER.index(Severity(severity))


def raised(severity: Severity | str) -> Severity:
    """One step more severe (critical stays critical)."""
    return SEVERITY_ORDER[min(rank(severity) + 1, len(SEVERITY_ORDER) - 1)]
