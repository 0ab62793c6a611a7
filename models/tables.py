"""Every table of the data layer, imported together so that ``Base.metadata`` knows them all."""


from models.access import AccessLog, ApiToken, ChangeLog, Notification, User, user_units
from models.alerts import Alert, AlertDelivery, AlertThreshold
from models.base import Base, UTCDateTime, utcnow
from models.checklists import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionReply,
    InspectionResult,
    InspectionSettings,
)
from models.findings import Decision, Explanation, Finding, FindingEvidence
from models.hours import ExcusedAbsence, HoursOverride, HoursProfile, HoursSession, RosterEntry, RosterPattern
from models.observing import Observation, PresenceEvent, VisionSettings
from models.org import Agency, Camera, Desk, Staff, Unit, Zone
from models.scoring import DossierStat, Score, ScoreDeduction, ScoringSettings

__all__ = [
    "AccessLog",
    "Agency",
    "Alert",
    "AlertDelivery",
    "AlertThreshold",
    "ApiToken",
    "Base",
    "Camera",
    "ChangeLog",
    "ChecklistItem",
    "ChecklistTemplate",
    "Decision",
    "Desk",
    "DossierStat",
    "ExcusedAbsence",
    "Explanation",
    "Finding",
    "FindingEvidence",
    "HoursOverride",
    "HoursProfile",
    "HoursSession",
    "Inspection",
    "InspectionReply",
    "InspectionResult",
    "InspectionSettings",
    "Notification",
    "Observation",
    "PresenceEvent",
    "RosterEntry",
    "RosterPattern",
    "Score",
    "ScoreDeduction",
    "ScoringSettings",
    "Staff",
    "UTCDateTime",
    "Unit",
    "User",
    "VisionSettings",
    "Zone",
    "user_units",
    "utcnow",
]
