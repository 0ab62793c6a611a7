"""Alert and audit thresholds: the names, and a value after its layers (site, units root down, desk). Pure."""

from __future__ import annotations

from collections.abc import Sequence

FIELDS = ("unattended_minutes", "unattended_queue_min", "camera_fault_minutes", "long_queue_length",
          "long_queue_minutes", "escalate_after_minutes")


def resolved(layers: Sequence[dict[str, int | None]], name: str, default: int) -> int:
    """The value of threshold ``name`` after ``layers`` (``default`` when none sets it)."""
    value = default
    for layer in layers:
        if layer.get(name) is not None:
            value = layer[name]
    return value
