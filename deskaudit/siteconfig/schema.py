"""The site config file as typed objects: units → desks → cameras → zones, staff, hours, alerts.

Unknown keys are rejected everywhere; cross-references (parents, profiles, desks)
and uniqueness are checked in ``checks.py`` so every error can name its key path.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, time
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from audit.rules.record_form import STATUTES
from models.enums import DEFAULT_TIMEZONE, OverrideKind, StaffCategory, UnitLevel, ZoneKind
from vision.presets import Preset
from vision.zones import ZoneError, ZoneRule, zone_set_problems

SUPPORTED_SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "device", "onvif")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
PlaceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
MonthDay = Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]


def _hhmm(value: str) -> str:
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValueError("time must be HH:MM (24-hour)")
    return value


HHMM = Annotated[str, AfterValidator(_hhmm)]


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _sessions_ok(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    previous_end = None
    for start, end in spans:
        if parse_hhmm(start) >= parse_hhmm(end):
            raise ValueError(f"session {start}–{end} ends before it starts")
        if previous_end is not None and parse_hhmm(start) < previous_end:
            raise ValueError(f"session {start}–{end} overlaps the one before it (sessions in time order)")
        previous_end = parse_hhmm(end)
    return spans


Sessions = Annotated[list[tuple[HHMM, HHMM]], AfterValidator(_sessions_ok)]


def _timezone_ok(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as {DEFAULT_TIMEZONE})") from None
    return value


TimeZone = Annotated[str, AfterValidator(_timezone_ok)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Season(Strict):
    """Sessions for a recurring date range ("mm-dd" to "mm-dd", may wrap the new year)."""

    name: Code = "all-year"
    from_: MonthDay = Field("01-01", alias="from")
    to: MonthDay = "12-31"
    weekdays: list[Literal[WEEKDAYS]] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    sessions: Sessions = Field(min_length=1)
    saturday_sessions: Sessions = Field(default_factory=list)


class HoursProfile(Strict):
    id: Code
    name: Text
    timezone: TimeZone = DEFAULT_TIMEZONE
    decision: Text | None = None
    effective_from: date | None = None
    seasons: list[Season] = Field(min_length=1)


class Alerts(Strict):
    """Alert thresholds; a key left out inherits from the wider scope."""

    unattended_minutes: int | None = Field(None, ge=1, le=480)
    unattended_queue_min: int | None = Field(None, ge=1, le=500)
    camera_fault_minutes: int | None = Field(None, ge=1, le=1440)
    long_queue_length: int | None = Field(None, ge=1, le=500)
    long_queue_minutes: int | None = Field(None, ge=1, le=480)
    escalate_after_minutes: int | None = Field(None, ge=1, le=1440)


DEFAULT_ALERTS = Alerts(
    unattended_minutes=15,
    unattended_queue_min=1,
    camera_fault_minutes=10,
    long_queue_length=8,
    long_queue_minutes=20,
    escalate_after_minutes=30,
)


class ZoneConfig(Strict):
    """One zone of a camera, already checked by ``vision.zones`` (see ``CameraConfig._zones_ok``).

    ``desk``: on a unit camera, the desk a staff or queue zone belongs to (required there, checked in
    checks.py); on a desk camera, left out (the camera's desk). ``anchor``/``overlap``: the membership rule.
    """

    name: str
    kind: ZoneKind
    polygon: list[tuple[float, float]]
    desk: str | None = None
    anchor: Literal["bottom", "center"] | None = None
    overlap: float | None = None


def _zone_issues(problems: list[ZoneError]) -> ValidationError:
    """vision's zone problems as pydantic errors at their own key path (``zones[1].polygon[2]``)."""
    details: list[InitErrorDetails] = []
    for problem in problems:
        if problem.rule in (ZoneRule.MISSING_KEYS, ZoneRule.UNKNOWN_KEYS):
            kind = "missing" if problem.rule is ZoneRule.MISSING_KEYS else "extra_forbidden"
            details.extend(InitErrorDetails(type=kind, loc=(*problem.loc, key), input=None) for key in problem.keys)
            continue
        error = PydanticCustomError("zone", "{message}", {"message": problem.message,
                                                          "show_value": problem.value is not None})
        details.append(InitErrorDetails(type=error, loc=problem.loc, input=problem.value))
    return ValidationError.from_exception_data("zones", details)


class HealthOverride(Strict):
    """A camera's own ``health`` table: any of ``[vision.health]``'s thresholds, for this camera only."""

    dark_p95: float | None = Field(None, ge=0.0, le=255.0)
    covered_edges: float | None = Field(None, ge=0.0, le=1.0)
    frozen_samples: int | None = Field(None, ge=2, le=100)
    moved_samples: int | None = Field(None, ge=1, le=100)
    moved_screen_overlap: float | None = Field(None, ge=0.0, le=1.0)
    moved_max_shift: float | None = Field(None, gt=0.0, le=1.0)


class PresetConfig(Strict):
    """A camera given by its vendor's conventions instead of a URL (``vision/presets.py`` builds it)."""

    vendor: Literal["hikvision", "dahua", "kbvision", "uniview", "onvif"]
    host: str = Field(min_length=1, max_length=253)
    channel: int = Field(1, ge=1, le=256)
    stream: Literal["main", "sub"] = "main"
    snapshot: bool = False
    port: int | None = Field(None, ge=1, le=65535)
    https: bool = False

    @model_validator(mode="after")
    def _buildable(self) -> PresetConfig:
        self.url()  # a host with a path, a Uniview snapshot of channel 2, …: the message names the value
        return self

    def url(self) -> str:
        return Preset(**self.model_dump()).url()


class CameraConfig(Strict):
    """A desk camera (``[[units.desks.cameras]]``): its zones are its desk's."""

    require_staff_zone: ClassVar[bool] = True
    id: Code
    name: Text | None = None
    url: str = Field(min_length=1)  # or built from ``preset``
    preset: PresetConfig | None = None
    username: str | None = None
    password: str | None = None
    cadence_seconds: int = Field(30, ge=5, le=3600)
    enabled: bool = True
    purpose: Text
    health: HealthOverride | None = None
    keep_open: bool = False  # RTSP: keep the session between samples (still one decoded keyframe a sample)
    rtsp_transport: Literal["tcp", "udp"] | None = None  # None: [vision.acquisition]'s
    verify_tls: bool = True  # https: False accepts an NVR's self-signed certificate
    zones: list[ZoneConfig] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _url_or_preset(cls, raw: Any) -> Any:
        """``url`` or ``preset``, exactly one; a preset becomes the URL (what the importer and the sampler use)."""
        if not isinstance(raw, dict) or "preset" not in raw:
            return raw
        if "url" in raw:
            raise PydanticCustomError("url_or_preset", "give url or preset, not both")
        try:
            built = PresetConfig.model_validate(raw["preset"]).url()
        except ValidationError:
            # the preset's own errors are reported at its keys; a stand-in URL keeps them the only ones
            return {**raw, "url": "rtsp://preset.invalid/"}
        except ValueError as error:
            raise PydanticCustomError("preset", "preset: {message}", {"message": str(error)}) from None
        return {**raw, "url": built}

    @field_validator("zones", mode="before")
    @classmethod
    def _zones_ok(cls, raw: object) -> object:
        """The zone editor's rules, from ``vision.zones``; a camera may list no zones (drawn in the editor)."""
        if raw == []:
            return raw
        zones, problems = zone_set_problems(raw, require_staff=cls.require_staff_zone)
        if problems:
            raise _zone_issues(problems)
        return [z.as_dict() for z in zones]

    @field_validator("url")
    @classmethod
    def _url_ok(cls, url: str) -> str:
        scheme = urlsplit(url).scheme.lower()
        if scheme not in SUPPORTED_SCHEMES:
            shown = scheme or "(none)"
            raise ValueError(f"unsupported URL scheme {shown!r}; use one of {', '.join(SUPPORTED_SCHEMES)}")
        parts = urlsplit(url)
        if scheme in ("rtsp", "rtsps", "http", "https") and not parts.hostname:
            raise ValueError("URL has no host")
        if scheme in ("file", "device") and not (parts.path or parts.netloc):
            raise ValueError(f"{scheme}: URL needs a path")
        if scheme == "onvif" and not parts.hostname:
            raise ValueError("URL has no host")
        return url

    @model_validator(mode="after")
    def _credentials_once(self) -> CameraConfig:
        if urlsplit(self.url).username and (self.username or self.password):
            raise ValueError("credentials given both in the URL and as username/password: keep one")
        return self


class UnitCameraConfig(CameraConfig):
    """A unit camera (``[[units.cameras]]``) over one or more of its desks: each staff and queue zone names its
    desk (checked in checks.py); a desk filmed without a staff zone is a warning there, not an error here."""

    require_staff_zone: ClassVar[bool] = False


class DeskConfig(Strict):
    id: Code
    name: Text
    field: Text
    hours_profile: Code | None = None
    saturday_reception: bool = False
    alerts: Alerts | None = None
    cameras: list[CameraConfig] = Field(default_factory=list)


class StaffConfig(Strict):
    id: Code
    name: Text
    title: Text | None = None
    desk: Code | None = None
    email: Text | None = None
    # cong_chuc (classified under Decree 335/2025), vien_chuc, can_bo, hop_dong, thue_ngoai (monitoring only)
    category: StaffCategory = StaffCategory.CONG_CHUC
    agency: Code | None = None  # the sending agency (an [[agencies]] id); none: the unit itself
    leader: bool = False


class AgencyConfig(Strict):
    """A sending agency (cơ quan quản lý) that seconds officials to a centre and evaluates them."""

    id: Code
    name: Text


class UnitConfig(Strict):
    id: Code
    name: Text
    level: UnitLevel
    parent: Code | None = None
    timezone: TimeZone = DEFAULT_TIMEZONE
    hours_profile: Code | None = None
    address: Text | None = None
    # The inspection record (docs/INSPECTIONS.md): the date line's place name (default: the address's commune,
    # else the name); the inspecting body and its superior, inherited by the units below that name none.
    place_name: PlaceName | None = None
    inspecting_body: Text | None = None
    superior: Text | None = None
    alerts: Alerts | None = None
    desks: list[DeskConfig] = Field(default_factory=list)
    cameras: list[UnitCameraConfig] = Field(default_factory=list)
    staff: list[StaffConfig] = Field(default_factory=list)


class Override(Strict):
    """A dated exception; no unit means every unit."""

    day: dt.date = Field(alias="date")
    kind: OverrideKind
    unit: Code | None = None
    sessions: Sessions | None = None
    decision: Text | None = None
    effective_from: dt.date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _sessions_match_kind(self) -> Override:
        if self.kind is OverrideKind.CUSTOM_HOURS and not self.sessions:
            raise ValueError("kind 'custom_hours' needs sessions")
        if self.kind is OverrideKind.HOLIDAY and self.sessions:
            raise ValueError("a holiday has no sessions")
        return self


class DetectorConfig(Strict):
    """``[vision.detector]``: the person detector (defaults in docs/VISION.md)."""

    backend: Literal["openvino", "onnx", "torch"] = "openvino"
    imgsz: int = Field(640, ge=32, le=1920, multiple_of=32)
    confidence: float = Field(0.25, gt=0.0, lt=1.0)
    iou: float = Field(0.7, gt=0.0, le=1.0)
    threads: int | None = Field(None, ge=1, le=256)
    weights: str | None = None
    weights_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class HealthConfig(Strict):
    """``[vision.health]``: camera health thresholds (see docs/VISION.md)."""

    read_timeout_s: float = Field(5.0, gt=0.0, le=120.0)
    dark_p95: float = Field(40.0, ge=0.0, le=255.0)
    covered_edges: float = Field(0.02, ge=0.0, le=1.0)
    frozen_samples: int = Field(3, ge=2, le=100)
    moved_samples: int = Field(2, ge=1, le=100)
    moved_screen_overlap: float = Field(0.75, ge=0.0, le=1.0)
    moved_max_shift: float = Field(0.04, gt=0.0, le=1.0)


class PresenceConfig(Strict):
    """``[vision.presence]``: the k-of-n presence rule (see docs/VISION.md)."""

    window: int = Field(5, ge=1, le=60)
    k_present: int = Field(2, ge=1, le=60)
    k_absent: int = Field(4, ge=1, le=60)
    k_unknown: int = Field(3, ge=1, le=60)
    min_staff: int = Field(1, ge=1, le=20)
    max_gap_s: float = Field(600.0, gt=0.0, le=86400.0)

    @model_validator(mode="after")
    def _rule_ok(self) -> PresenceConfig:
        from vision.presence import PresencePolicy

        PresencePolicy(**self.model_dump())  # its own checks, one set of rules
        return self


class AcquisitionConfig(Strict):
    """``[vision.acquisition]``: how cameras are read (see docs/VISION.md)."""

    max_sessions_per_host: int = Field(4, ge=1, le=64)  # an NVR serves a few streams at once
    rtsp_transport: Literal["tcp", "udp"] = "tcp"


class TaskGroupConfig(Strict):
    """``[[scoring.groups]]``: civil servants with similar tasks, a pool of the 20 % cap (Decree 335/2025)."""

    id: Code
    name: Text
    staff: list[Code] = Field(min_length=1)  # staff codes, from this file or a staff list import


class TaskWeightsConfig(Strict):
    """``[scoring.task_weights]``: points of the three components of task results (Art. 14); they add up to 70."""

    quantity: float = Field(default=30, ge=0, le=70)
    quality: float = Field(default=20, ge=0, le=70)
    progress: float = Field(default=20, ge=0, le=70)

    @model_validator(mode="after")
    def _adds_up(self) -> TaskWeightsConfig:
        from decimal import Decimal

        from audit.rules.tasks import TaskWeights

        TaskWeights(*(Decimal(str(v)) for v in (self.quantity, self.quality, self.progress)))  # one set of rules
        return self


class GeneralConfig(Strict):
    """``[scoring.general]``: points of the parts of the general criterion (30); discipline is the cameras' and
    inspections' proposal, the other parts are entered by the manager."""

    discipline: float = Field(default=30, ge=0, le=30)
    ethics: float = Field(default=0, ge=0, le=30)
    capacity: float = Field(default=0, ge=0, le=30)
    innovation: float = Field(default=0, ge=0, le=30)

    @model_validator(mode="after")
    def _adds_up(self) -> GeneralConfig:
        from decimal import Decimal

        from audit.rules.general import GeneralWeights

        GeneralWeights(*(Decimal(str(v)) for v in (self.discipline, self.ethics, self.capacity, self.innovation)))
        return self


class ScoringConfig(Strict):
    """``[scoring]``: the choices Decree 335/2025 leaves to the site, printed on every report."""

    # A period reads "chưa đủ dữ liệu" (no total, no class) below either share; 0 and 0 turn the check off.
    min_observed_share: float = Field(default=0.5, ge=0, le=1)  # of the time worked, seen by a healthy camera
    min_worked_share: float = Field(default=0.5, ge=0, le=1)  # of the scheduled time, not on excused absence
    # Working days an official has to explain a finding before it may be confirmed without an explanation.
    explanation_days: int = Field(default=3, ge=1, le=30)
    # A session when at least this share of a unit's observed desks (and at least min_desks of them) sat empty
    # is one "check the calendar" notice for the unit, not personal proposals (an unrecorded day off, a power cut).
    unit_absence_share: float = Field(default=0.75, gt=0, le=1)
    unit_absence_min_desks: int = Field(default=2, ge=1, le=1000)
    # Monitoring results ("kết quả theo dõi, đánh giá") per month or per quarter (Decree 335/2025, Art. 21).
    period: Literal["month", "quarter"] = "month"
    # The 20 % cap's base: those rated "Hoàn thành tốt" (the text as written) or "tốt" and "xuất sắc" together.
    cap_pool: Literal["good", "good_or_better"] = "good"
    groups: list[TaskGroupConfig] = Field(default_factory=list)
    task_weights: TaskWeightsConfig = TaskWeightsConfig()
    general: GeneralConfig = GeneralConfig()


class InspectionConfig(Strict):
    """``[inspection]``: what every inspection record (biên bản) prints besides its own facts (Decree 30/2020)."""

    # The "Căn cứ" lines of every record, then the inspection's own basis (docs/INSPECTIONS.md).
    legal_basis: list[LongText] = Field(default_factory=lambda: list(STATUTES), max_length=20)
    # The basis of a new inspection that gives none (the year's inspection plan or decision).
    basis: LongText | None = None
    copies: int = Field(2, ge=1, le=20)  # "Biên bản được lập thành 02 bản"


class VisionConfig(Strict):
    """``[vision]``: how frames become presence, for every camera of the site."""

    detector: DetectorConfig = DetectorConfig()
    health: HealthConfig = HealthConfig()
    presence: PresenceConfig = PresenceConfig()
    acquisition: AcquisitionConfig = AcquisitionConfig()


class SiteInfo(Strict):
    name: Text
    hours_profile: Code | None = None


class SiteConfig(Strict):
    site: SiteInfo
    alerts: Alerts = DEFAULT_ALERTS
    vision: VisionConfig = VisionConfig()
    scoring: ScoringConfig = ScoringConfig()
    inspection: InspectionConfig = InspectionConfig()
    hours_profiles: list[HoursProfile] = Field(min_length=1)
    units: list[UnitConfig] = Field(min_length=1)
    agencies: list[AgencyConfig] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
