"""The one mapping between vision's own states and the stored vocabulary (``models.enums``).

vision/ imports nothing of ours, so it names camera health, presence and zone kinds itself; the
sampler is where a vision result becomes a row, and it converts through these functions only.
``tests/test_vocabulary.py`` checks that both sides name the same states.
"""

from __future__ import annotations

from models.enums import CameraHealth, PresenceState, ZoneKind
from vision.health import Health
from vision.presence import PresenceState as SeenPresence
from vision.zones import ZoneKind as SeenZoneKind

PAIRS = ((Health, CameraHealth), (SeenPresence, PresenceState), (SeenZoneKind, ZoneKind))  # vision's, stored


def stored_health(health: Health) -> CameraHealth:
    return CameraHealth(health.value)


def stored_presence(state: SeenPresence) -> PresenceState:
    return PresenceState(state.value)


def seen_presence(state: PresenceState | str) -> SeenPresence:
    """A stored presence state as vision's tracker takes it (resuming after a restart)."""
    return SeenPresence(PresenceState(state).value)


def seen_zone_kind(kind: ZoneKind | str) -> SeenZoneKind:
    """A stored zone kind as vision's zone geometry takes it."""
    return SeenZoneKind(ZoneKind(kind).value)
