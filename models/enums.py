"""Closed vocabularies of the domain, shared by tables, config and rules, and the site's time zone.

Plain values only (no database): the pure core imports this module.
"""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"  # the one zone of Vietnam: every unit's default, and local time in the UI


def local_zone(name: str | None = None) -> ZoneInfo:
    """The zone ``name`` (a unit's own, an IANA name), else the site's default."""
    return ZoneInfo(name or DEFAULT_TIMEZONE)


class UnitLevel(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"
    CENTRE = "centre"  # Trung tâm Phục vụ hành chính công
    DEPARTMENT = "department"  # sở, ngành
    DISTRICT = "district"  # historic data from before 1 July 2025
    OTHER = "other"


class ZoneKind(StrEnum):
    STAFF = "staff"
    QUEUE = "queue"
    EXCLUDE = "exclude"
    MASK = "mask"  # pixelated in every stored frame (ID cards, dossiers, monitors); never counted


class CameraHealth(StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    FROZEN = "frozen"
    DARK = "dark"
    COVERED = "covered"
    MOVED = "moved"
    ERROR = "error"


class PresenceState(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class OverrideKind(StrEnum):
    HOLIDAY = "holiday"  # closed although the profile says open
    MAKEUP_WORKDAY = "makeup_workday"  # open although normally closed (ngày làm bù)
    CUSTOM_HOURS = "custom_hours"  # open with the sessions given on the override


class Session(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    ALL_DAY = "all_day"


class AbsenceKind(StrEnum):
    LEAVE = "leave"  # nghỉ phép
    OFFICIAL_TRIP = "official_trip"  # công tác
    TRAINING = "training"  # đào tạo, bồi dưỡng
    SICK = "sick"
    OTHER = "other"


class AlertKind(StrEnum):
    UNATTENDED = "unattended"
    UNATTENDED_QUEUE = "unattended_queue"
    CAMERA_FAULT = "camera_fault"
    LONG_QUEUE = "long_queue"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class FindingKind(StrEnum):
    LATE_ARRIVAL = "late_arrival"
    EARLY_LEAVE = "early_leave"
    UNATTENDED = "unattended"
    ABSENT_SESSION = "absent_session"
    UNATTENDED_QUEUE = "unattended_queue"
    CAMERA_GAP = "camera_gap"  # unit-level, never personal
    UNIT_ABSENCE = "unit_absence"  # unit-level notice: most desks empty a whole session ("kiểm tra lịch")


class FindingStatus(StrEnum):
    PROPOSED = "proposed"
    AWAITING_EXPLANATION = "awaiting_explanation"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class DecisionAction(StrEnum):
    REQUEST_EXPLANATION = "request_explanation"
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    REOPEN = "reopen"


class ItemScope(StrEnum):
    PERSONAL = "personal"
    UNIT = "unit"


class InspectionStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class ItemResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


class Classification(StrEnum):
    """Decree 335/2025 classes."""

    EXCELLENT = "excellent"  # Hoàn thành xuất sắc nhiệm vụ
    GOOD = "good"  # Hoàn thành tốt nhiệm vụ
    COMPLETED = "completed"  # Hoàn thành nhiệm vụ
    NOT_COMPLETED = "not_completed"  # Không hoàn thành nhiệm vụ


class StaffCategory(StrEnum):
    """Who a person at a desk is (Decree 118/2025 centres are staffed from many agencies); only công chức are
    classified under Decree 335/2025, everyone else gets the monitoring record only."""

    CONG_CHUC = "cong_chuc"  # công chức
    VIEN_CHUC = "vien_chuc"  # viên chức
    CAN_BO = "can_bo"  # cán bộ (elected or appointed for a term)
    HOP_DONG = "hop_dong"  # hợp đồng lao động
    THUE_NGOAI = "thue_ngoai"  # dịch vụ thuê ngoài / bưu điện


class Role(StrEnum):
    ADMIN = "admin"
    INSPECTOR = "inspector"
    MANAGER = "manager"
    VIEWER = "viewer"
    STAFF = "staff"  # one official (users.staff_id): their own records, their own explanations and replies


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    DELETE = "delete"


class SanctionLevel(StrEnum):
    """Discipline sanctions of civil servants (Decree 172/2025), mildest first; all are "reprimand or above"."""

    REPRIMAND = "reprimand"  # khiển trách
    WARNING = "warning"  # cảnh cáo
    DEMOTION = "demotion"  # giáng chức
    DISMISSAL_FROM_POST = "dismissal_from_post"  # cách chức
    DISMISSAL = "dismissal"  # buộc thôi việc
