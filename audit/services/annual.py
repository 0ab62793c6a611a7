"""The annual classification (Decree 335/2025, Art. 21) from the stored monitoring results of a year.

Read-only: it reads the stored monthly scores, the sanctions and the site's ``[scoring]`` choices, and never
writes a score. An official appears once, in the unit they belong to now, with every period of the year
wherever it was held (a transferred official's periods are averaged).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.rules.annual import (
    CAP_POOL_VI,
    AnnualResult,
    CapPool,
    Official,
    PeriodResult,
    UnitIndex,
    cap_proposals,
    classify_year,
    over_cap_summary,
    unit_indexes,
)
from audit.rules.scoring import CoverageThresholds
from audit.services.scores import coverage_thresholds, sanction_notes, scope_units, scoring_config
from models.org import Agency, Staff
from models.scoring import Score

FIRST_YEAR = 2026  # Decree 335/2025 is in force from 1/1/2026


class BadYear(ValueError):
    """A year that is not a four-digit number."""


def parse_year(text: str | int) -> int:
    """``text`` as an evaluation year.

    Raises:
        BadYear: not a year between 1900 and 9999.
    """
    try:
        year = int(str(text).strip()) if str(text).strip().isascii() else None
    except ValueError:
        year = None
    if year is None or not 1900 <= year <= 9999:
        raise BadYear(f"year {text!r}: expected YYYY, e.g. 2026")
    return year


@dataclass(frozen=True)
class YearScores:
    """A year's annual results of the scope, the units' desk-discipline indexes and the choices applied."""

    year: int
    unit_code: str | None
    officials: tuple[AnnualResult, ...]
    units: tuple[UnitIndex, ...]
    choices: ScoringChoices

    @property
    def over_cap(self) -> list[str]:
        return over_cap_summary(self.officials)

    @property
    def empty_note(self) -> str | None:
        """What to say when the year has no stored results in the scope."""
        if self.officials:
            return None
        return (f"Chưa có kết quả theo dõi, đánh giá nào của năm {self.year} trong phạm vi này "
                f"(chạy deskaudit scores compute YYYY-MM cho từng tháng)")


def site_choices(thresholds: CoverageThresholds, pool: CapPool, group_names: dict[str, str],
                 group_sizes: dict[str, int]) -> tuple[str, ...]:
    """The site's ``[scoring]`` choices in words, as every report prints them (docs/SCORING.md)."""
    groups = ", ".join(f"{name} ({group_sizes.get(key, 0)} người)" for key, name in group_names.items())
    return (
        (f"Chưa đủ dữ liệu khi camera quan sát dưới {round(100 * thresholds.min_observed_share)} % thời gian "
        f"làm việc hoặc thời gian làm việc dưới {round(100 * thresholds.min_worked_share)} % lịch "
        f"([scoring] min_observed_share = {thresholds.min_observed_share:g}, min_worked_share = "
        f"{thresholds.min_worked_share:g})"),
        f"Giới hạn Hoàn thành xuất sắc: {CAP_POOL_VI[pool]}, tính trong từng cơ quan quản lý"
        + (f" và từng nhóm nhiệm vụ tương đồng: {groups}" if groups else " (chưa cấu hình nhóm nhiệm vụ tương đồng)")
        + f" ([scoring] cap_pool = \"{pool.value}\")",
        "Điểm năm: bình quân điểm các kỳ theo dõi đủ dữ liệu, theo trọng số thời gian làm việc thực tế",
    )


@dataclass(frozen=True)
class ScoringChoices:
    """The ``[scoring]`` choices as last imported: the cap's pool, group names by id, each listed staff code's
    group id, and all of it in words."""

    pool: CapPool
    group_names: dict[str, str]
    group_of: dict[str, str]
    words: tuple[str, ...]


def scoring_choices(session: Session) -> ScoringChoices:
    """The site's ``[scoring]`` choices (the defaults before any site import)."""
    config = scoring_config(session)
    pool = CapPool(config.get("cap_pool", CapPool.GOOD.value))
    groups = config.get("groups") or []
    names = {g["id"]: g["name"] for g in groups}
    member = {code: g["id"] for g in groups for code in g["staff"]}
    sizes: dict[str, int] = defaultdict(int)
    for group in member.values():
        sizes[group] += 1
    return ScoringChoices(pool, names, member, site_choices(coverage_thresholds(session), pool, names, sizes))


def load_year(session: Session, year: int, unit_code: str | None = None) -> YearScores:
    """The annual results of ``year`` for the officials of the scope who have a stored result in it.

    Raises:
        LookupError: no unit has the code ``unit_code``.
    """
    units = scope_units(session, unit_code)
    unit_codes = {u.id: u.code for u in units}
    choices = scoring_choices(session)
    staff = list(session.execute(
        select(Staff.id, Staff.code, Staff.full_name, Staff.unit_id, Staff.category, Agency.code.label("agency"))
        .outerjoin(Agency, Staff.agency_id == Agency.id).where(Staff.unit_id.in_(list(unit_codes)))))
    periods: dict[int, list[PeriodResult]] = defaultdict(list)
    for row in session.execute(
            select(Score.staff_id, Score.month, Score.total, Score.discipline_raw, Score.scheduled_minutes,
                   Score.excused_minutes, Score.observed_minutes)
            .where(Score.staff_id.in_([s.id for s in staff]), Score.month >= f"{year:04d}-01",
                   Score.month <= f"{year:04d}-12").order_by(Score.month)):
        scheduled = None if row.scheduled_minutes is None else float(row.scheduled_minutes)
        worked = None if scheduled is None else max(0.0, scheduled - float(row.excused_minutes or 0))
        periods[row.staff_id].append(PeriodResult(
            row.month, None if row.total is None else Decimal(row.total), Decimal(row.discipline_raw), scheduled,
            worked, None if row.observed_minutes is None else float(row.observed_minutes)))
    people = [s for s in staff if periods.get(s.id)]
    sanctions = sanction_notes(session, {s.id for s in people}, date(year, 1, 1), date(year, 12, 31)) if people else {}
    officials = [Official(s.code, s.full_name, unit_codes[s.unit_id], s.category, s.agency or unit_codes[s.unit_id],
                          choices.group_of.get(s.code), tuple(periods[s.id]), tuple(sanctions.get(s.id, ())))
                 for s in sorted(people, key=lambda s: (unit_codes[s.unit_id], s.code))]
    results = cap_proposals([classify_year(o) for o in officials], choices.pool, choices.group_names)
    return YearScores(year, unit_code, tuple(results), tuple(unit_indexes(results)), choices)
