"""What a delivery channel sends: one event in the life of one alert, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

EVENTS = ("opened", "upgraded", "escalated", "resolved")

EVENT_LABELS_VI = {"opened": "Cảnh báo mới", "upgraded": "Cảnh báo nâng mức", "escalated": "Cảnh báo chưa được xử lý",
                   "resolved": "Đã hết cảnh báo"}
EVENT_LABELS_EN = {"opened": "New alert", "upgraded": "Alert raised", "escalated": "Alert not acknowledged",
                   "resolved": "Alert resolved"}


@dataclass(frozen=True)
class AlertNotice:
    """One alert event (opened, upgraded, escalated, resolved) with everything a receiver needs.

    Times are aware UTC. ``message`` is Vietnamese, ``message_en`` English; ``details`` holds the
    numbers behind the message (minutes, queue length, camera health).
    """

    event: str
    alert_id: int
    kind: str
    severity: str
    status: str
    unit_code: str
    unit_name: str
    desk_code: str | None
    desk_name: str | None
    camera_code: str | None
    opened_at: datetime
    at: datetime
    message: str
    message_en: str
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"alert event {self.event!r}: expected one of {', '.join(EVENTS)}")

    @property
    def subject(self) -> str:
        """A one-line title, Vietnamese first: ``[deskaudit] Cảnh báo mới / New alert: <message>``."""
        return f"[deskaudit] {EVENT_LABELS_VI[self.event]} / {EVENT_LABELS_EN[self.event]}: {self.message}"

    def payload(self) -> dict:
        """The JSON document sent by the webhook and MQTT channels."""
        return {
            "event": self.event,
            "alert": {
                "id": self.alert_id, "kind": self.kind, "severity": self.severity, "status": self.status,
                "unit": {"code": self.unit_code, "name": self.unit_name},
                "desk": None if self.desk_code is None else {"code": self.desk_code, "name": self.desk_name},
                "camera": None if self.camera_code is None else {"code": self.camera_code},
                "opened_at": self.opened_at.isoformat(), "message": self.message, "message_en": self.message_en,
                "details": self.details,
            },
            "at": self.at.isoformat(),
        }
