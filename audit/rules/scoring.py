"""Monthly score formulas of Decree 335/2025 (30 general + 70 task points), pure and in Decimal.

Rules (see docs/SCORING.md):

- discipline raw = 100 − confirmed deductions, never below 0;
- general criterion: audit/rules/general.py (the discipline part is raw × its points / 100);
- task results (of 70): audit/rules/tasks.py (Art. 14: quantity, quality, progress);
- total = general + task; ≥ 90 excellent, ≥ 70 good, ≥ 50 completed, else not completed;
  a public-duty sanction (reprimand or above) in the year forces not completed.

A month's class is the level its points reach; the classification proper is annual, and the 20 % cap is
counted there (audit/rules/annual.py).

Every figure is rounded half-up to 2 places where it is produced; totals and means are built from
the rounded figures, so tables and summary lines always show the same numbers.

Scores are kept per local month, so the month keys (``YYYY-MM``) are cut here too: their days, their UTC
window and the month before a day; findings lists, inspections and reports use the same arithmetic.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from models.enums import Classification, SanctionLevel, StaffCategory

RULE_VERSION = "nd335-2025.1"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
GENERAL_MAX = Decimal(30)
TASK_MAX = Decimal(70)
EXCELLENT_SHARE = Fraction(1, 5)  # "xuất sắc" ≤ 20 % of those rated "tốt" or better

THRESHOLDS = ((Decimal(90), Classification.EXCELLENT), (Decimal(70), Classification.GOOD),
              (Decimal(50), Classification.COMPLETED))
GOOD_OR_BETTER = frozenset({Classification.EXCELLENT, Classification.GOOD})

CLASS_LABELS_VI = {
    Classification.EXCELLENT: "Hoàn thành xuất sắc nhiệm vụ",
    Classification.GOOD: "Hoàn thành tốt nhiệm vụ",
    Classification.COMPLETED: "Hoàn thành nhiệm vụ",
    Classification.NOT_COMPLETED: "Không hoàn thành nhiệm vụ",
}
UNCLASSIFIED_VI = "Chưa đủ dữ liệu xếp loại"
# A unit's figure is a desk-discipline and results index, not a Decree 335 class: it is shown by its band only.
BAND_VI = {
    Classification.EXCELLENT: "từ 90 điểm",
    Classification.GOOD: "từ 70 đến dưới 90 điểm",
    Classification.COMPLETED: "từ 50 đến dưới 70 điểm",
    Classification.NOT_COMPLETED: "dưới 50 điểm",
}
CATEGORY_LABELS_VI = {
    StaffCategory.CONG_CHUC: "Công chức",
    StaffCategory.VIEN_CHUC: "Viên chức",
    StaffCategory.CAN_BO: "Cán bộ",
    StaffCategory.HOP_DONG: "Hợp đồng lao động",
    StaffCategory.THUE_NGOAI: "Dịch vụ thuê ngoài / bưu điện",
}
CLASSIFIED = frozenset({StaffCategory.CONG_CHUC})  # Decree 335/2025 evaluates công chức only


def not_classified_note(category: StaffCategory) -> str | None:
    """Why a person of ``category`` gets the monitoring record only; ``None`` for a công chức."""
    if category in CLASSIFIED:
        return None
    return (f"{CATEGORY_LABELS_VI[category]}: không xếp loại theo Nghị định 335/2025/NĐ-CP (chỉ áp dụng đối với "
            f"công chức); đây là kết quả theo dõi, đánh giá, cơ quan quản lý đánh giá theo quy định riêng")
SANCTION_LABELS_VI = {
    SanctionLevel.REPRIMAND: "khiển trách",
    SanctionLevel.WARNING: "cảnh cáo",
    SanctionLevel.DEMOTION: "giáng chức",
    SanctionLevel.DISMISSAL_FROM_POST: "cách chức",
    SanctionLevel.DISMISSAL: "buộc thôi việc",
}

_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)  # ASCII: "٢٠٢٦-٠٣" is no month key


class BadMonth(ValueError):
    """A month key that is not ``YYYY-MM``."""


def month_bounds(month: str) -> tuple[date, date]:
    """First and last local day of ``month`` ("YYYY-MM").

    Raises:
        BadMonth: the text is not a real month in the form YYYY-MM.
    """
    found = _MONTH.fullmatch(month) if isinstance(month, str) else None
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
        raise BadMonth(f"month {month!r}: expected YYYY-MM, e.g. 2026-03")
    year, number = int(found[1]), int(found[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.ASCII)
ROMAN = ("I", "II", "III", "IV")


def is_quarter(period: str) -> bool:
    """Is ``period`` a quarter key (YYYY-Qn) rather than a month key?"""
    return isinstance(period, str) and _QUARTER.fullmatch(period) is not None


def period_bounds(period: str) -> tuple[date, date]:
    """First and last local day of a monitoring period: a month ("YYYY-MM") or a quarter ("YYYY-Qn").

    Raises:
        BadMonth: neither a real month nor a quarter.
    """
    found = _QUARTER.fullmatch(period) if isinstance(period, str) else None
    if found is None:
        try:
            return month_bounds(period)
        except BadMonth:
            raise BadMonth(f"period {period!r}: expected YYYY-MM (a month, e.g. 2026-03) or YYYY-Qn (a quarter, "
                           f"e.g. 2026-Q1)") from None
    year, quarter = int(found[1]), int(found[2])
    if year < 1900:
        raise BadMonth(f"period {period!r}: expected a year from 1900")
    last_month = 3 * quarter
    return date(year, last_month - 2, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def period_months(period: str) -> list[str]:
    """The month keys a period covers (one for a month, three for a quarter)."""
    first, last = period_bounds(period)
    return [f"{first.year:04d}-{m:02d}" for m in range(first.month, last.month + 1)]


def period_title(period: str) -> str:
    """A period as people write it: "tháng 03/2026" or "quý I/2026"."""
    first, _ = period_bounds(period)
    if is_quarter(period):
        return f"quý {ROMAN[(first.month - 1) // 3]}/{first.year}"
    return f"tháng {first:%m/%Y}"


def month_window(month: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """UTC instants of the first local midnight of ``month`` in ``zone`` and of the month after (end exclusive).

    Raises:
        BadMonth: as ``month_bounds``.
    """
    first, last = month_bounds(month)
    after = last + timedelta(days=1)
    return (datetime(first.year, first.month, 1, tzinfo=zone).astimezone(timezone.utc),
            datetime(after.year, after.month, 1, tzinfo=zone).astimezone(timezone.utc))


def month_before(day: date) -> str:
    """The month before the one ``day`` falls in, as YYYY-MM (what a monthly report looks back on)."""
    year, number = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{number:02d}"


def q2(value: Decimal | Fraction | int | str) -> Decimal:
    """``value`` rounded half-up to 2 places (the only rounding used in scores)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def discipline_raw(points: Iterable[Decimal | int | str]) -> Decimal:
    """100 minus the confirmed deductions of the month, floor 0."""
    return max(q2(HUNDRED - sum((Decimal(p) for p in points), Decimal(0))), Decimal("0.00"))


@dataclass(frozen=True)
class Coverage:
    """How much of an official's scheduled desk time in a period the evidence covers (minutes).

    ``scheduled``: their rostered desk time by the calendar; ``excused``: the part on approved leave, a
    business trip or training; ``observed``: the part a healthy camera saw (present or absent, never a fault).
    """

    scheduled: float
    excused: float
    observed: float

    @property
    def worked(self) -> float:
        """Scheduled time less excused absence: the time actually worked."""
        return max(0.0, self.scheduled - self.excused)

    @property
    def worked_share(self) -> float | None:
        return self.worked / self.scheduled if self.scheduled else None

    @property
    def observed_share(self) -> float | None:
        """The share of the time worked that the cameras observed."""
        return min(1.0, self.observed / self.worked) if self.worked else None


@dataclass(frozen=True)
class CoverageThresholds:
    """Below either share a period reads "chưa đủ dữ liệu": no total and no class, never a full score."""

    min_observed_share: float = 0.5  # of the time worked, seen by a healthy camera
    min_worked_share: float = 0.5  # of the scheduled time, not on excused absence

    def __post_init__(self) -> None:
        for name in ("min_observed_share", "min_worked_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"[scoring] {name} must be between 0 and 1, got {value}")


def coverage_problem(coverage: Coverage, thresholds: CoverageThresholds) -> str | None:
    """Why the period has too little evidence to score (Vietnamese, stored as a note), or ``None``.

    Both thresholds at 0 turn the check off (a site that scores without cameras).
    """
    if thresholds.min_observed_share == 0 and thresholds.min_worked_share == 0:
        return None
    if coverage.scheduled <= 0:
        return "Chưa đủ dữ liệu: không có lịch làm việc tại quầy trong kỳ"
    worked = coverage.worked_share or 0.0
    if worked < thresholds.min_worked_share:
        return (f"Chưa đủ dữ liệu: thời gian làm việc thực tế {_pct(worked)} thời gian theo lịch "
                f"(nghỉ có lý do {_hours(coverage.excused)}), dưới ngưỡng {_pct(thresholds.min_worked_share)}")
    observed = coverage.observed_share or 0.0
    if observed < thresholds.min_observed_share:
        return (f"Chưa đủ dữ liệu: camera quan sát được {_pct(observed)} thời gian làm việc "
                f"({_hours(coverage.observed)} / {_hours(coverage.worked)}), dưới ngưỡng "
                f"{_pct(thresholds.min_observed_share)}")
    return None


def _pct(share: float) -> str:
    return f"{format_vi(Decimal(str(share * 100)), places=0)} %"


def _hours(minutes: float) -> str:
    return f"{format_vi(Decimal(str(minutes / 60)), places=1)} giờ"


def total_points(general: Decimal, task: Decimal | None) -> Decimal | None:
    """General + task points, or None when task results are missing."""
    return None if task is None else q2(general + task)


def classify(total: Decimal | None, reprimanded: bool = False) -> Classification | None:
    """The Decree 335 class of ``total``; a sanction in the year forces not completed.

    Without a total (no task statistics) the official is unclassified (None), unless sanctioned:
    the sanction alone decides "Không hoàn thành nhiệm vụ".
    """
    if reprimanded:
        return Classification.NOT_COMPLETED
    if total is None:
        return None
    for floor, cls in THRESHOLDS:
        if total >= floor:
            return cls
    return Classification.NOT_COMPLETED


def emulation_eligible(cls: Classification | None) -> bool | None:
    """"Lao động tiên tiến" needs at least "Hoàn thành tốt"; None when unclassified."""
    return None if cls is None else cls in GOOD_OR_BETTER


def format_number(number: Decimal | int, *, places: int = 2, decimal_sep: str = ".", group_sep: str = ",") -> str:
    """``number`` rounded half-up to ``places`` with the given separators."""
    value = Decimal(number).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    text = group_sep.join([whole, *groups])
    return sign + text + (decimal_sep + fraction if places > 0 else "")


def format_vi(number: Decimal | int, places: int = 2) -> str:
    """Vietnamese number style: decimal comma, dot between thousands (84,92; 1.234,50)."""
    return format_number(number, places=places, decimal_sep=",", group_sep=".")


def format_en(number: Decimal | int, places: int = 2) -> str:
    """English number style: decimal point, comma between thousands."""
    return format_number(number, places=places)


def summary_line(unit_scores: Sequence[tuple[Decimal, Classification | None]], lang: str = "vi") -> str:
    """The report line over ranked units: good-or-better count / ranked, mean, highest, lowest.

    ``unit_scores`` holds (score, class) of each ranked unit, scores already rounded to 2 places;
    the mean is taken over those and rounded half-up only here, so it matches the units table.
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"summary language {lang!r}: expected 'vi' or 'en'")
    if not unit_scores:
        return "Chưa có đơn vị nào được xếp hạng" if lang == "vi" else "No unit ranked yet"
    scores = [Decimal(score) for score, _ in unit_scores]
    good = sum(1 for _, cls in unit_scores if cls in GOOD_OR_BETTER)
    mean, high, low = q2(sum(scores, Decimal(0)) / len(scores)), max(scores), min(scores)
    if lang == "vi":
        return (f"{good}/{len(scores)} đơn vị xếp loại tốt, bình quân {format_vi(mean)} điểm, "
                f"cao nhất {format_vi(high)}, thấp nhất {format_vi(low)}")
    return (f"{good}/{len(scores)} units rated good or better, mean {format_en(mean)} points, "
            f"highest {format_en(high)}, lowest {format_en(low)}")
